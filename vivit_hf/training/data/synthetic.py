# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The bundled data set: procedurally generated clips whose class is told apart only by motion.

Every clip shows a few shapes (Ls, triangles, bars or arrows, in random colours, sizes and orientations) on a
plain random background. The class is how the shapes move: by default they all slide in one of eight
directions (left, right, up, down and the diagonals) on a torus (leaving one edge, a shape re-enters from
the opposite one); optional classes spin each shape clockwise or counter-clockwise in place. Position,
orientation, shape and colours are drawn independently of the class, and every frame has the same
distribution of positions (uniform, thanks to the wrap-around) and orientations (uniform), so a single frame
says nothing about the label: only a model that relates frames to each other beats chance (1/8). That makes
it a quick test of what ViViT adds over an image model, on a CPU, offline.

Clips are written once as real H.264 files (PyAV) in a video folder, `<root>/{train,test}/<class>/*.mp4`,
under a cache directory, so the same decoding path as for real data sets is exercised.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ...hub.folders import process_umask

_SQRT_HALF = math.sqrt(0.5)
# Image coordinates: y grows downwards, so "up" is -y.
DIRECTIONS = {
    "moving_left": (-1.0, 0.0),
    "moving_right": (1.0, 0.0),
    "moving_up": (0.0, -1.0),
    "moving_down": (0.0, 1.0),
    "moving_up_left": (-_SQRT_HALF, -_SQRT_HALF),
    "moving_up_right": (_SQRT_HALF, -_SQRT_HALF),
    "moving_down_left": (-_SQRT_HALF, _SQRT_HALF),
    "moving_down_right": (_SQRT_HALF, _SQRT_HALF),
}
SPINS = {"rotating_clockwise": 1.0, "rotating_counterclockwise": -1.0}
MOTION_CLASSES = (*DIRECTIONS, *SPINS)
# The default set: the eight directions. Telling the spins apart needs relating distant tokens (a curl, not a
# local shift) and took a tiny model far longer to learn; they stay available through `classes`.
DEFAULT_CLASSES = tuple(DIRECTIONS)

# Each shape is a union of convex polygons in unit coordinates around the shape's centre. None has a
# rotational symmetry below 120 degrees, and the per-frame rotation stays well under half of that, so the
# direction of spin is unambiguous from consecutive frames.
_SHAPES = {
    "L": [[(-1, -1), (-0.4, -1), (-0.4, 1), (-1, 1)], [(-0.4, 0.4), (1, 0.4), (1, 1), (-0.4, 1)]],
    "triangle": [[(-1, 0.8), (1, 0.8), (0, -1)]],
    "bar": [[(-1, -0.3), (1, -0.3), (1, 0.3), (-1, 0.3)]],
    "arrow": [[(-1, -0.25), (0.2, -0.25), (0.2, 0.25), (-1, 0.25)], [(0.2, -0.7), (1, 0), (0.2, 0.7)]],
}


@dataclass(frozen=True)
class SyntheticMotionConfig:
    """Everything that determines the generated files; its hash names the cache folder."""

    num_train_per_class: int = 120
    num_test_per_class: int = 30
    num_frames: int = 16
    image_size: int = 32
    fps: int = 8
    seed: int = 0
    # Pixels per frame for sliding, degrees per frame for spinning.
    speed_range: tuple[float, float] = (1.5, 2.5)
    spin_range: tuple[float, float] = (15.0, 25.0)
    shape_scale_range: tuple[float, float] = (0.15, 0.24)
    num_shapes: int = 3
    classes: tuple[str, ...] = field(default=DEFAULT_CLASSES)
    # 2: encoded with mbtree=0, the same bytes in any process (version 1's clips depended on the encoding process's
    # heap); a new version names a new cache folder, so every cache holds the repeatable set
    version: int = 2

    @property
    def video_shape(self) -> tuple[int, int, int]:
        """(frames, height, width) of every video of the set."""
        return self.num_frames, self.image_size, self.image_size

    def fingerprint(self) -> str:
        payload = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()[:12]


def _rasterise(centres, angles, scale, shape, size, supersample=2) -> np.ndarray:
    """Coverage in [0, 1] of `shape` drawn on a `size` x `size` torus (anti-aliased by supersampling),
    for every frame at once: `centres` (T, 2) and `angles` (T,) give (T, size, size)."""
    n = size * supersample
    coords = (np.arange(n) + 0.5) / supersample
    centres, angles = np.asarray(centres, dtype=np.float64), np.asarray(angles, dtype=np.float64)
    # Offsets measured the short way round the torus, so a shape crossing an edge shows on both sides.
    dx = (coords[None, None, :] - centres[:, 0, None, None] + size / 2) % size - size / 2
    dy = (coords[None, :, None] - centres[:, 1, None, None] + size / 2) % size - size / 2
    cos, sin = np.cos(angles)[:, None, None], np.sin(angles)[:, None, None]
    # Into the shape's own frame: rotate by -angle, then undo the scale.
    u = (cos * dx + sin * dy) / scale
    v = (-sin * dx + cos * dy) / scale
    inside = np.zeros(u.shape, dtype=bool)
    for polygon in _SHAPES[shape]:
        pts = np.asarray(polygon, dtype=np.float64)
        # Orient counter-clockwise so "inside" is the left of every edge.
        area = np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1])
        if area < 0:
            pts = pts[::-1]
        in_poly = np.ones_like(inside)
        for (x0, y0), (x1, y1) in zip(pts, np.roll(pts, -1, axis=0)):
            in_poly &= (x1 - x0) * (v - y0) - (y1 - y0) * (u - x0) >= 0
        inside |= in_poly
    return inside.reshape(len(angles), size, supersample, size, supersample).mean(axis=(2, 4))


def render_clip(label: str, rng: np.random.Generator, config: SyntheticMotionConfig) -> np.ndarray:
    """One clip of class `label` as uint8 RGB frames, shaped (frames, height, width, 3)."""
    size = config.image_size
    background = rng.uniform(0, 255, size=3)
    direction = DIRECTIONS.get(label, (0.0, 0.0))
    # A growing angle turns a shape clockwise as seen (y grows downwards).
    turn = SPINS.get(label, 0.0)
    layers = []
    # Several shapes, all moving the same way: more evidence of the motion in every clip.
    for _ in range(config.num_shapes):
        foreground = rng.uniform(0, 255, size=3)
        # Keep each shape visible against the background whatever the colours drawn.
        while np.abs(foreground - background).max() < 100:
            foreground = rng.uniform(0, 255, size=3)
        layers.append(
            dict(
                shape=rng.choice(sorted(_SHAPES)),
                scale=rng.uniform(*config.shape_scale_range) * size,
                colour=foreground,
                centre=rng.uniform(0, size, size=2),
                angle=rng.uniform(0, 2 * math.pi),
                velocity=np.asarray(direction) * rng.uniform(*config.speed_range),
                spin=turn * math.radians(rng.uniform(*config.spin_range)),
            )
        )
    steps = np.arange(config.num_frames, dtype=np.float64)
    image = np.broadcast_to(background, (config.num_frames, size, size, 3)).astype(np.float64)
    for layer in layers:
        positions = (layer["centre"] + steps[:, None] * layer["velocity"]) % size
        alpha = _rasterise(positions, layer["angle"] + steps * layer["spin"], layer["scale"], layer["shape"], size)
        image = alpha[..., None] * layer["colour"] + (1 - alpha[..., None]) * image
    return np.clip(image, 0, 255).astype(np.uint8)


def write_video(frames: np.ndarray, path: str | os.PathLike, fps: int = 8) -> None:
    """Encode uint8 RGB frames (T, H, W, 3) as H.264 in an mp4 file with PyAV (even H and W required)."""
    import av

    height, width = frames.shape[1:3]
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        # Near-lossless: the motion, not compression noise, should be what the model sees. mbtree=0: x264's
        # macroblock-tree rate control reads memory it never wrote on frames this small, so with it two generations
        # of one clip differed (up to 20 grey levels) with whatever the heap held, and so did the accuracy reached.
        stream.options = {"crf": "12", "preset": "veryfast", "x264-params": "mbtree=0"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def default_cache_dir() -> Path:
    """`$VIVIT_HF_CACHE`, else `$HF_HOME/vivit_hf` (`~/.cache/huggingface/vivit_hf`)."""
    if os.environ.get("VIVIT_HF_CACHE"):
        return Path(os.environ["VIVIT_HF_CACHE"])
    from huggingface_hub import constants

    return Path(constants.HF_HOME) / "vivit_hf"


def generate_synthetic_motion(root: str | os.PathLike, config: SyntheticMotionConfig) -> None:
    """Write the clips of `config` into `root` (which must not exist yet)."""
    root = Path(root)
    for split, per_class in (("train", config.num_train_per_class), ("test", config.num_test_per_class)):
        for class_index, label in enumerate(config.classes):
            folder = root / split / label
            folder.mkdir(parents=True, exist_ok=True)
            # One generator per (split, class): adding classes or clips never changes existing ones.
            rng = np.random.default_rng([config.seed, class_index, split == "test"])
            for i in range(per_class):
                write_video(render_clip(label, rng, config), folder / f"{label}_{i:04d}.mp4", fps=config.fps)
    (root / "synthetic_motion.json").write_text(json.dumps(asdict(config), indent=2))


def synthetic_motion_dataset(
    config: SyntheticMotionConfig | None = None, cache_dir: str | os.PathLike | None = None
) -> Path:
    """Path to the video folder of the bundled data set, generating it on first use.

    Generation writes into a temporary sibling folder and renames it into place, so an interrupted run or
    several processes starting at once never leave (or read) a half-written data set.
    """
    config = config or SyntheticMotionConfig()
    unknown = set(config.classes) - set(MOTION_CLASSES)
    if unknown:
        raise ValueError(f"unknown synthetic motion classes {sorted(unknown)}; choose from {MOTION_CLASSES}")
    if config.image_size % 2:
        raise ValueError(f"image_size must be even for H.264 (yuv420p), got {config.image_size}")
    base = Path(cache_dir) if cache_dir is not None else default_cache_dir() / "datasets"
    root = base / f"synthetic_motion-{config.fingerprint()}"
    if (root / "synthetic_motion.json").exists():
        return root
    base.mkdir(parents=True, exist_ok=True)
    with _generating(base / f".{root.name}.lock"):
        if not (root / "synthetic_motion.json").exists():  # another process generated it while this one waited
            _generate_into(root, base, config)
    return root


@contextlib.contextmanager
def _generating(lock_path: Path):
    """One process of a machine generates the set at a time: several starting at once on an empty cache (a launch's
    processes, pytest-xdist's workers) each generated all of it, on the same cores (2 x 26 s on a 2-core machine); the
    others now wait and read the first one's. The lock file is removed once the set is in place, while still held: a
    process that waited on it finds the set, one that comes later never opens it. No lock where fcntl is missing."""
    try:
        import fcntl
    except ImportError:  # (Windows) each process generates, as before; the rename keeps the set whole
        yield
        return
    try:
        lock = open(lock_path, "a")  # held open for the whole generation
    except OSError:  # a shared cache folder this user cannot write a lock file in: no lock, as before
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            lock_path.unlink(missing_ok=True)
            fcntl.flock(lock, fcntl.LOCK_UN)


def _generate_into(root: Path, base: Path, config: SyntheticMotionConfig) -> None:
    """Generate into a temporary sibling of `root`, then rename it into place (never a half-written set)."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=base))
    # mkdtemp makes it 0700: renamed into place, the data set no one else on a shared cache could read
    tmp.chmod(0o777 & ~process_umask())
    try:
        generate_synthetic_motion(tmp, config)
        try:
            os.replace(tmp, root)
        except OSError:
            # Another process finished first; its copy is identical.
            if not (root / "synthetic_motion.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
