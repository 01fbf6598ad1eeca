# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Small test videos written with PyAV, each frame carrying its own index.

Frame ``i`` is drawn as ``INDEX_BITS`` vertical stripes, black for a 0 bit and white for a 1 bit
(least significant bit on the left), so ``frame_index(decoded)`` recovers ``i`` after lossy coding
and tells whether the decoder returned the frames that were asked for. A red square marks the
top-left corner, so rotation and channel order can be checked too.

The recipe tests' data is here too: `tiny_clip` (a brightness ramp, up or down: two classes a tiny model learns) and
`ramp_videofolder`, the `videofolder` fixture's data set (tests/conftest.py).
"""

from __future__ import annotations

import io
import os
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

INDEX_BITS = 10
CODECS = {  # name -> (encoder, container format, file suffix, encoder options)
    "h264": ("libx264", "mp4", ".mp4", {"crf": "12", "preset": "ultrafast"}),
    "vp9": ("libvpx-vp9", "webm", ".webm", {"crf": "10", "b": "0", "deadline": "realtime", "cpu-used": "8"}),
    "av1": ("libsvtav1", "matroska", ".mkv", {"crf": "10", "preset": "12", "svtav1-params": "lp=1"}),
}


def pattern_frame(index: int, height: int, width: int) -> np.ndarray:
    """An RGB frame whose stripes spell ``index`` in binary; red marker top-left."""
    frame = np.zeros((height, width, 3), np.uint8)
    edges = np.linspace(0, width, INDEX_BITS + 1).astype(int)
    for bit in range(INDEX_BITS):
        if (index >> bit) & 1:
            frame[:, edges[bit] : edges[bit + 1]] = 255
    marker = max(1, min(height, width) // 6)
    frame[:marker, :marker] = (255, 0, 0)
    return frame


def frame_index(frame: np.ndarray) -> int:
    """Recover the index drawn by ``pattern_frame`` (frame is (H, W, 3) or (3, H, W))."""
    frame = np.asarray(frame)
    if frame.shape[0] == 3 and frame.shape[-1] != 3:
        frame = frame.transpose(1, 2, 0)
    h, w = frame.shape[:2]
    gray = frame.astype(np.float32).mean(-1)
    rows = gray[h // 3 :]  # below the marker
    edges = np.linspace(0, w, INDEX_BITS + 1).astype(int)
    value = 0
    for bit in range(INDEX_BITS):
        lo, hi = edges[bit], edges[bit + 1]
        pad = (hi - lo) // 4
        if rows[:, lo + pad : hi - pad].mean() > 127:
            value |= 1 << bit
    return value


def frame_indices(video: np.ndarray) -> list[int]:
    return [frame_index(f) for f in video]


def write_video(
    path: str | Path | io.BytesIO,
    num_frames: int = 24,
    height: int = 48,
    width: int = 64,
    codec: str = "h264",
    fps: int = 25,
    gop: int | None = 8,
    rotation: int = 0,
    frame_durations: list[int] | None = None,
    pix_fmt: str = "yuv420p",
    frames: np.ndarray | None = None,
    container_format: str | None = None,
    drop_first_packets: int = 0,
    cover_image: bool = False,
) -> str | io.BytesIO:
    """Encode ``num_frames`` pattern frames. ``frame_durations`` (ticks of 1/fps/4) makes it variable rate.

    ``container_format`` overrides the codec's usual one ("mpegts", raw "h264", ...);
    ``drop_first_packets`` leaves the first packets out (a stream cut mid-GOP); ``cover_image`` adds
    a one-frame PNG stream flagged as a cover image (``attached_pic``, as taggers write into mp4)."""
    encoder, fmt, _suffix, options = CODECS[codec]
    container = av.open(path if isinstance(path, io.BytesIO) else str(path), "w", format=container_format or fmt)
    stream = container.add_stream(encoder, rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
    options = dict(options)
    if gop is not None:
        options["g"] = str(gop)
        if codec == "h264":
            # repeat-headers: every keyframe carries SPS/PPS, so a stream cut before one still decodes from it
            options["x264-params"] = f"keyint={gop}:min-keyint={gop}:scenecut=0:repeat-headers=1"
    stream.options = options
    cover = _add_cover_stream(container) if cover_image else None
    if rotation:
        stream.set_display_rotation(rotation)
    time_base = Fraction(1, fps * 4)
    if frame_durations is not None:
        stream.codec_context.time_base = time_base
    t = 0
    packets = 0
    for i in range(num_frames):
        array = pattern_frame(i, height, width) if frames is None else frames[i]
        frame = av.VideoFrame.from_ndarray(array, format="rgb24")
        if frame_durations is not None:
            frame.pts, frame.time_base = t, time_base
            t += frame_durations[i % len(frame_durations)]
        for packet in stream.encode(frame):
            packets += 1
            if packets > drop_first_packets:
                container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    _write_cover(container, cover)
    container.close()
    return path if isinstance(path, io.BytesIO) else str(path)


def _add_cover_stream(container):
    cover = container.add_stream("png", rate=1)
    cover.width, cover.height, cover.pix_fmt = 16, 16, "rgb24"
    cover.disposition = av.stream.Disposition.attached_pic
    return cover


def _write_cover(container, cover) -> None:
    if cover is None:
        return
    image = av.VideoFrame.from_ndarray(np.full((16, 16, 3), 200, np.uint8), format="rgb24")
    for packet in [*cover.encode(image), *cover.encode()]:
        container.mux(packet)


def write_two_video_tracks(path, codecs, default=None):
    """Two real video tracks of other sizes and lengths (20 pattern frames of 64x48, 30 of 96x64), written
    interleaved; `default`: the track flagged default (a tuple: those flagged)."""
    container = av.open(str(path), "w")
    tracks = []
    for k, (codec, (width, height, count)) in enumerate(zip(codecs, [(64, 48, 20), (96, 64, 30)])):
        stream = container.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        flagged = k in default if isinstance(default, tuple) else default == k
        stream.disposition = av.stream.Disposition.default if flagged else av.stream.Disposition(0)
        tracks.append((stream, count))
    for i in range(30):
        for stream, count in tracks:
            if i < count:
                frame = av.VideoFrame.from_ndarray(pattern_frame(i, stream.height, stream.width), format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
    for stream, _ in tracks:
        for packet in stream.encode():
            container.mux(packet)
    container.close()
    return str(path)


def video_bytes(**kwargs) -> bytes:
    buffer = io.BytesIO()
    write_video(buffer, **kwargs)
    return buffer.getvalue()


def piped(data: bytes):
    """An open file that reads `data` from a pipe: a file object that cannot seek (as `sys.stdin.buffer`)."""
    assert len(data) < 65536  # (what a pipe holds before its writer waits)
    read, write = os.pipe()
    os.write(write, data)
    os.close(write)
    return open(read, "rb")


def suffix(codec: str) -> str:
    return CODECS[codec][2]


def write_audio_only(path: str | Path, seconds: float = 0.5, cover_image: bool = False) -> str:
    """An audio file; with ``cover_image``, album art beside it (a music file's only "video" stream)."""
    container = av.open(str(path), "w", format="mp4")
    stream = container.add_stream("aac", rate=16000)
    cover = _add_cover_stream(container) if cover_image else None
    samples = int(16000 * seconds)
    chunk = 1024
    for start in range(0, samples, chunk):
        data = np.zeros((1, chunk), np.float32)
        frame = av.AudioFrame.from_ndarray(data, format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 16000, start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    _write_cover(container, cover)
    container.close()
    return str(path)


def write_empty_video(path: str | Path) -> str:
    """A container with a video stream and no frames."""
    container = av.open(str(path), "w", format="matroska")
    stream = container.add_stream("libx264", rate=25)
    stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
    container.start_encoding()  # writes the header; no frame follows
    container.close()
    return str(path)


# -- every container / codec pair PyAV writes here (tests/test_video_containers.py) ---------------------
ENCODERS = {  # short name -> (PyAV encoder, pixel format)
    "h264": ("libx264", "yuv420p"),
    "hevc": ("libx265", "yuv420p"),
    "mpeg4": ("mpeg4", "yuv420p"),
    "mpeg2": ("mpeg2video", "yuv420p"),
    "mjpeg": ("mjpeg", "yuvj420p"),
    "vp8": ("libvpx", "yuv420p"),
    "vp9": ("libvpx-vp9", "yuv420p"),
    "av1": ("libsvtav1", "yuv420p"),
    "flv1": ("flv", "yuv420p"),
    "h263": ("h263", "yuv420p"),
    "wmv2": ("wmv2", "yuv420p"),
    "msmpeg4": ("msmpeg4", "yuv420p"),
}


def _encoder_options(codec: str, gop: int, bframes: int, open_gop: bool) -> dict:
    if codec == "h264":  # b-adapt=0: B-frames where asked, in a pyramid (some referenced, some not)
        params = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}:b-adapt=0:b-pyramid=normal"
        return {"preset": "ultrafast", "crf": "12", "x264-params": params + f":open-gop={int(open_gop)}"}
    if codec == "hevc":
        params = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}:open-gop={int(open_gop)}:log-level=error"
        return {"preset": "ultrafast", "x265-params": params}
    if codec in ("mpeg4", "mpeg2"):  # GOPs with B-frames are open unless cgop (which needs scene cuts off)
        closed = {"flags": "+cgop", "sc_threshold": "1000000000"}
        return {"bf": str(bframes), "g": str(gop), "qscale": "2", **({} if open_gop else closed)}
    if codec == "vp8":
        return {"deadline": "realtime", "cpu-used": "8", "g": str(gop), "b": "2M", "crf": "4"}
    if codec == "vp9":
        return {**CODECS["vp9"][3], "g": str(gop)}
    if codec == "av1":
        return {**CODECS["av1"][3], "g": str(gop)}
    return {"g": str(gop)}


def write_encoded(
    path: str | Path | io.BytesIO,
    container_format: str,
    codec: str,
    num_frames: int = 48,
    bframes: int = 0,
    gop: int = 12,
    open_gop: bool = False,
    frame_durations: list[int] | None = None,
) -> str | io.BytesIO:
    """Pattern frames in any container/codec pair (``ENCODERS`` names). ``bframes``: the most B-frames
    in a row; ``open_gop``: B-frames after a keyframe may reference the GOP before it;
    ``frame_durations`` (ticks of 1/100 s, cycled) makes it variable rate. H.263 takes 128x96 only."""
    encoder, pix_fmt = ENCODERS[codec]
    height, width = (96, 128) if codec == "h263" else (48, 64)
    container = av.open(path if isinstance(path, io.BytesIO) else str(path), "w", format=container_format)
    try:
        stream = container.add_stream(encoder, rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.options = _encoder_options(codec, gop, bframes, open_gop)
        time_base = Fraction(1, 100)
        if frame_durations is not None:
            stream.codec_context.time_base = time_base
        t = 0
        for i in range(num_frames):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, height, width), format="rgb24")
            if frame_durations is not None:
                frame.pts, frame.time_base = t, time_base
                t += frame_durations[i % len(frame_durations)]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()
    return path if isinstance(path, io.BytesIO) else str(path)


def write_divx_packed_avi(
    path: str | Path, num_frames: int = 36, gop: int = 12, height: int = 48, width: int = 64
) -> str:
    """An AVI as DivX 5 / Xvid write it with "packed bitstream" (UCF101 and HMDB51 are such files): each
    B-VOP travels in the chunk of the P-VOP decoded just before it, and its own slot holds a 6-byte
    N-VOP. The stream says so in its user data ("DivX503b1393p"), which is how FFmpeg's decoder knows."""
    packets = _mpeg4_packets(num_frames, height, width, {"bf": "1", "g": str(gop), "qscale": "2"})
    first, key, pts = packets[0]
    vop = first.find(b"\x00\x00\x01\xb6")
    packets[0] = (first[:vop] + b"\x00\x00\x01\xb2DivX503b1393p" + first[vop:], key, pts)
    chunks, k = [], 0
    while k < len(packets):
        data, key, pts = packets[k]
        if k + 1 < len(packets) and packets[k + 1][2] < pts:  # a B-VOP follows in decode order: pack it
            chunks += [(data + packets[k + 1][0], key), (NVOP, False)]
            k += 2
        else:
            chunks.append((data, key))
            k += 1
    return _mux_mpeg4(path, "avi", chunks, height, width)


# N-VOP ("not coded"): type P (01), modulo_time_base 0, marker, time increment 0 (5 bits at 25 fps), marker,
# vop_coded 0, then stuffing (0 and 1s) to the byte. A decoder gives no picture for it.
NVOP = b"\x00\x00\x01\xb6" + bytes([0b01010000, 0b01001111])


def _mux_mpeg4(path, fmt: str, chunks, height: int, width: int) -> str:
    """MPEG-4 part 2 packets `(data, is_keyframe)`, one per 1/25 s, into a `fmt` container as they are."""
    container = av.open(str(path), "w", format=fmt)
    stream = container.add_stream("mpeg4", rate=25)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    for i, (data, key) in enumerate(chunks):
        packet = av.Packet(data)
        packet.stream, packet.pts, packet.dts, packet.time_base, packet.is_keyframe = stream, i, i, Fraction(1, 25), key
        container.mux(packet)
    container.close()
    return str(path)


def write_mpeg4_with_nvops(
    path: str | Path, fmt: str, num_frames: int = 24, every: int = 5, height: int = 48, width: int = 64
) -> str:
    """MPEG-4 part 2 without B-frames, an N-VOP packet after every `every`-th frame's packet (Xvid and capture
    tools write one for a frame with nothing new), in a container that stores a timestamp per packet."""
    chunks = []
    for k, (data, key, _) in enumerate(_mpeg4_packets(num_frames, height, width, {"g": "12", "qscale": "3"})):
        chunks.append((data, key))
        if (k + 1) % every == 0:
            chunks.append((NVOP, False))
    return _mux_mpeg4(path, fmt, chunks, height, width)


def _mpeg4_packets(num_frames: int, height: int, width: int, options: dict) -> list[tuple[bytes, bool, int]]:
    """Pattern frames encoded as MPEG-4 part 2 with FFmpeg's encoder: `(data, is_keyframe, pts)` in decode order."""
    encoder = av.CodecContext.create("mpeg4", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.time_base, encoder.framerate = Fraction(1, 25), Fraction(25)
    encoder.options = options
    packets = []
    for i in range(num_frames + 1):
        frame = None
        if i < num_frames:
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, height, width), format="rgb24")
            frame = frame.reformat(format="yuv420p")
            frame.pts = i
        packets += [(bytes(p), p.is_keyframe, p.pts) for p in encoder.encode(frame)]
    return packets


def write_stamped(
    path,
    fmt: str,
    encoder: str,
    num_frames: int,
    options: dict,
    time_base=Fraction(1, 25),
    first=0,
    muxer_options=None,
    pix_fmt: str = "yuv420p",
    first_label: int = 0,
    height: int = 48,
    width: int = 64,
) -> str:
    """Pattern frames `first_label`, `first_label + 1`, ... at 25 fps: the first stamped `first` ticks of `time_base`
    (1/25 s unless given), each next one a frame later."""
    step = round(1 / (25 * time_base))
    with av.open(str(path), "w", format=fmt, options=muxer_options or {}) as container:
        stream = container.add_stream(encoder, rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.options = options
        stream.codec_context.time_base = time_base
        for i in range(num_frames):
            frame = av.VideoFrame.from_ndarray(pattern_frame(first_label + i, height, width), format="rgb24")
            frame.pts, frame.time_base = first + i * step, time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


def remux(source: str | Path, path: str | Path, fmt: str, from_keyframe: int = 0) -> str:
    """The video stream of `source` copied packet for packet into a `fmt` container (`ffmpeg -i a -c copy b`), from
    its `from_keyframe`-th keyframe (in decode order, counted from 0) on: a cut at that keyframe."""
    with av.open(str(source)) as src, av.open(str(path), "w", format=fmt) as out:
        stream = src.streams.video[0]
        copy = out.add_stream_from_template(stream)
        keyframes = -1
        for packet in src.demux(stream):
            keyframes += bool(packet.is_keyframe)
            if packet.size and packet.dts is not None and keyframes >= from_keyframe:
                packet.stream = copy
                out.mux(packet)
    return str(path)


def write_palettised(path: str | Path, fmt: str, codec: str, num_frames: int = 24, height: int = 48, width: int = 64):
    """Frames with a palette, as old capture and animation tools wrote them: 8-bit palettised rawvideo (AVI, MOV)
    or QuickTime Animation in grey, which FFmpeg decodes as a palette (``qtrle``). The stream's palette lives in
    its header (``strf`` / ``stsd``); the demuxer hands it to the decoder with the first packet it reads."""
    colours = np.array([(0, 0, 0), (255, 255, 255), (255, 0, 0)], np.uint8)  # what `pattern_frame` draws
    palette = np.zeros((256, 4), np.uint8)
    palette[: len(colours), :3], palette[:, 3] = colours[:, ::-1], 255  # PyAV's palette rows are BGRA in memory
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "gray" if codec == "qtrle" else "pal8"
        for i in range(num_frames):
            rgb = pattern_frame(i, height, width)
            if codec == "qtrle":
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="gray")
            else:
                image = (rgb == colours[:, None, None]).all(-1).argmax(0).astype(np.uint8)
                frame = av.VideoFrame.from_ndarray((image, palette), format="pal8")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return str(path)


def write_colour_tagged(path: str | Path, fmt: str, encoder: str, colorspace: int, num_frames: int = 24) -> str:
    """Pattern frames in a stream whose colour-matrix tag is `colorspace` (FFmpeg's AVColorSpace number, limited
    range), as the encoder writes it into the bitstream (H.264's matrix_coefficients, VP9's colour space)."""
    options = (
        {"preset": "ultrafast", "crf": "12"} if encoder == "libx264" else {"deadline": "realtime", "cpu-used": "8"}
    )
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(encoder, rate=25, options=options)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.colorspace, stream.codec_context.color_range = colorspace, 1
        for i in range(num_frames):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24").reformat(format="yuv420p")
            frame.pts, frame.colorspace, frame.color_range = i, colorspace, 1
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return str(path)


def tiny_clip(path: str | Path, label: int, seed: int, width: int = 16) -> None:
    """A recipe test's clip of 6 frames, 16 x `width`, whose brightness ramps up (label 0) or down (label 1) over
    time, with noise drawn from `seed`."""
    from vivit_hf.training.data.synthetic import write_video as write_frames

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ramp = np.linspace(40, 200, 6)[:: 1 if label == 0 else -1]
    frames = np.clip(ramp[:, None, None, None] + rng.normal(0, 10, (6, 16, width, 3)), 0, 255).astype(np.uint8)
    write_frames(frames, path)


def stable_seed(text: str) -> int:
    """A seed from a clip's name, the same in every process: `hash()` of a string is salted per process
    (PYTHONHASHSEED), which made a data set's clips differ from run to run."""
    return zlib.crc32(text.encode()) % 1000


def ramp_videofolder(root: Path, counts=(("train", 6), ("test", 3)), width: int = 24) -> Path:
    """`<split>/<class>/<clip>.mp4` under `root`: `count` `tiny_clip`s of "up" (label 0) and of "down" (label 1)
    in each split, each seeded by its own name."""
    for split, count in counts:
        for label, name in enumerate(("up", "down")):
            for i in range(count):
                tiny_clip(root / split / name / f"{name}_{i}.mp4", label, stable_seed(f"{split}/{name}/{i}"), width)
    return root


def flagged_from(source: str, path, fmt: str, first: int) -> str:
    """`source`'s packets remuxed, each from the `first` on flagged a keyframe (as an mp4 without a sync-sample table
    flags every frame, or an editor's remux from some point on)."""
    with av.open(source) as src, av.open(str(path), "w", format=fmt) as out:
        copy = out.add_stream_from_template(src.streams.video[0])
        for i, packet in enumerate([p for p in src.demux(video=0) if p.size]):
            packet.is_keyframe, packet.stream = packet.is_keyframe or i >= first, copy
            out.mux(packet)
    return str(path)


WALL_CLOCK_STEPS_MS = (40, 40, 80, 20, 40, 120, 60)  # a variable rate, in the milliseconds a recorder stamps


def write_wall_clock_stamped(path: str | Path, num_frames: int = 50, first_seconds: int = 1_700_000_000) -> str:
    """A Matroska file of pattern frames stamped by a wall clock (`ffmpeg -use_wallclock_as_timestamps 1`, as IP camera
    and stream recorders write): in milliseconds from 1970, `first_seconds` for the first frame, then
    `WALL_CLOCK_STEPS_MS` apart (cycled)."""
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "12", "x264-params": "keyint=12:scenecut=0:bframes=0"}
        stream.codec_context.time_base = Fraction(1, 1000)
        stamp = first_seconds * 1000
        for i in range(num_frames):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")
            frame.pts, frame.time_base = stamp, Fraction(1, 1000)
            stamp += WALL_CLOCK_STEPS_MS[i % len(WALL_CLOCK_STEPS_MS)]
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return str(path)
