# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Display matrices that mirror the picture, read as FFmpeg's autorotate shows them.

A display matrix is a rotation and, where its determinant is negative, a mirror. Reading it as an angle alone
(FFmpeg's `av_display_rotation_get`, PyAV's `frame.rotation`) turned a left-right mirror into an upside-down picture.
Each file below is written with PyAV's `set_display_rotation(degrees, hflip, vflip)`: turn the stored picture
`degrees` counter-clockwise, then mirror it left to right (`hflip`), then upside down (`vflip`). The reference is the
stored picture (plain PyAV's decode, which applies no matrix) transformed by hand as each case says; that these hand
transforms are what `ffmpeg -i file frame.ppm` (autorotate) shows was checked once with an FFmpeg 9 binary for
every case. Pure rotations are in the table too: they read as before."""

import io
from fractions import Fraction

import av
import numpy as np
import pytest
from conftest import BACKENDS
from PIL import Image, ImageOps

from vivit_hf.processing.video_io import probe, read_frames

HEIGHT, WIDTH = 48, 64

# (name, degrees, hflip, vflip, the displayed picture from the stored one, (rotation, hflip) probe reports)
CASES = [
    ("hflip", 0, True, False, lambda s: s[:, ::-1], (0, True)),
    ("vflip", 0, False, True, lambda s: s[::-1], (180, True)),  # upside down: turned 180, then mirrored
    ("rot180_hflip", 180, True, False, lambda s: s[::-1], (180, True)),
    # turned 90 counter-clockwise, then mirrored: out[i, j] = stored[H-1-j, W-1-i]
    ("rot90_hflip", 90, True, False, lambda s: s[::-1, ::-1].transpose(1, 0, 2), (90, True)),
    # turned 90 clockwise, then mirrored: out[i, j] = stored[j, i]
    ("rot270_hflip", 270, True, False, lambda s: s.transpose(1, 0, 2), (270, True)),
    # turned 90 counter-clockwise, then upside down: out[i, j] = stored[j, i] as well
    ("rot90_vflip", 90, False, True, lambda s: s.transpose(1, 0, 2), (270, True)),
    # pure rotations: what they read as must not change
    ("rot90", 90, False, False, lambda s: s.transpose(1, 0, 2)[::-1], (90, False)),
    ("rot180", 180, False, False, lambda s: s[::-1, ::-1], (180, False)),
    ("rot270", 270, False, False, lambda s: s.transpose(1, 0, 2)[:, ::-1], (270, False)),
]
IDS = [case[0] for case in CASES]


def marked_picture() -> np.ndarray:
    """Grey, a red 12x16 block at the top left and a blue 4x4 one at the bottom right: no two of the eight turns and
    mirrors of it are alike."""
    picture = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    picture[:12, :16] = (255, 0, 0)
    picture[-4:, -4:] = (0, 0, 255)
    return picture


def write_with_matrix(path, degrees: int, hflip: bool, vflip: bool, num_frames: int = 6) -> str:
    """H.264 at qp 0 in 4:4:4 (no chroma subsampling to blur the blocks' edges) with the display matrix asked."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv444p"
        stream.options = {"qp": "0", "preset": "ultrafast", "g": "3"}
        stream.set_display_rotation(degrees, hflip=hflip, vflip=vflip)
        for _ in range(num_frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(marked_picture(), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


def stored_pictures(path) -> np.ndarray:
    """Every frame as stored: plain PyAV's decode applies no display matrix."""
    with av.open(path) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("display_matrix")
    return {name: write_with_matrix(folder / f"{name}.mp4", deg, h, v) for name, deg, h, v, _, _ in CASES}


def assert_displayed(got: np.ndarray, expected: np.ndarray, backend: str) -> None:
    assert got.shape == expected.shape
    difference = np.abs(got.astype(int) - expected.astype(int)).mean()
    # PyAV converts the same frame the same way; torchcodec rounds colours its own way (a misplaced red block
    # alone is 7 levels off on average)
    assert difference == 0 if backend == "pyav" else difference < 2


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name, degrees, hflip, vflip, display, reported", CASES, ids=IDS)
def test_frames_are_turned_and_mirrored_as_the_display_matrix_says(
    files, backend, name, degrees, hflip, vflip, display, reported
):
    stored = stored_pictures(files[name])
    expected = np.stack([display(picture) for picture in stored])
    assert_displayed(read_frames(files[name], [4, 0, 2], backend=backend), expected[[4, 0, 2]], backend)
    with open(files[name], "rb") as file:  # a file object: torchcodec reads it through a view of its own (_FileView)
        assert_displayed(read_frames(file, [1, 5], backend=backend), expected[[1, 5]], backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name, degrees, hflip, vflip, display, reported", CASES, ids=IDS)
def test_probe_reports_the_turn_and_the_mirror_the_file_was_written_with(
    files, backend, name, degrees, hflip, vflip, display, reported
):
    info = probe(files[name], backend=backend)
    turned = reported[0] % 180 != 0
    assert (info.rotation, info.hflip) == reported
    assert (info.height, info.width) == ((WIDTH, HEIGHT) if turned else (HEIGHT, WIDTH))


@pytest.mark.parametrize("name, degrees, hflip, vflip, display, reported", CASES, ids=IDS)
def test_a_mirrored_frame_resized_while_decoding_is_the_mirrored_picture_made_smaller(
    files, name, degrees, hflip, vflip, display, reported
):
    expected = display(stored_pictures(files[name])[0]).astype(float)
    half = expected.reshape(expected.shape[0] // 2, 2, expected.shape[1] // 2, 2, 3).mean(axis=(1, 3))  # 2x2 means
    got = read_frames(files[name], [0], size=(half.shape[0], half.shape[1]))[0]
    assert np.abs(got - half).mean() < 4  # the blocks' edges fall on even rows and columns: only rounding differs


@pytest.mark.torchcodec
@pytest.mark.parametrize("name", ["hflip", "rot90_hflip"])
def test_a_mirrored_file_in_a_datasets_video_column_reads_mirrored(files, name):
    # A decoded datasets.Video value is a torchcodec VideoDecoder, which turns frames but does not mirror them.
    from datasets import Dataset, Video

    _, _, _, _, display, reported = CASES[IDS.index(name)]
    decoder = Dataset.from_dict({"video": [files[name]]}).cast_column("video", Video())[0]["video"]
    assert type(decoder).__module__.startswith("torchcodec")
    expected = np.stack([display(picture) for picture in stored_pictures(files[name])])
    assert_displayed(read_frames(decoder, [3, 0]), expected[[3, 0]], "torchcodec")
    info = probe(decoder)
    assert (info.rotation, info.hflip) == reported


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_display_matrix_that_flattens_the_picture_leaves_it_as_stored(tmp_path, backend):
    # An all-zero rotation part has no angle (FFmpeg's is NaN; PyAV read it as -2**31, and vivit_hf as 232 degrees,
    # reporting the size turned while the frames were not). FFmpeg's autorotate leaves the picture as stored.
    path = str(tmp_path / "flat.mp4")
    with av.open(path, "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv444p"
        stream.options = {"qp": "0", "preset": "ultrafast"}
        stream.set_display_matrix([0, 0, 0, 0, 0, 0, 0, 0, 1 << 30])
        for _ in range(2):
            for packet in stream.encode(av.VideoFrame.from_ndarray(marked_picture(), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    info = probe(path, backend=backend)
    assert (info.height, info.width, info.rotation, info.hflip) == (HEIGHT, WIDTH, 0, False)
    assert_displayed(read_frames(path, [1, 0], backend=backend), stored_pictures(path)[[1, 0]], backend)


@pytest.mark.parametrize("degrees", [30, 45, 135])
def test_an_angle_that_is_no_right_angle_leaves_the_picture_as_stored(tmp_path, degrees):
    # Such an angle is not turned (`orient`), but the size was taken as turned: every frame was squeezed into the
    # stored picture's height and width swapped (48x64 read as 64x48), and probe reported that size
    path = write_with_matrix(tmp_path / f"turned{degrees}.mp4", degrees, hflip=False, vflip=False, num_frames=3)
    info = probe(path)
    assert (info.height, info.width, info.hflip) == (HEIGHT, WIDTH, False)
    assert_displayed(read_frames(path, [2, 0]), stored_pictures(path)[[2, 0]], "pyav")
    half = stored_pictures(path)[1].reshape(HEIGHT // 2, 2, WIDTH // 2, 2, 3).mean(axis=(1, 3))
    assert np.abs(read_frames(path, [1], size=(HEIGHT // 2, WIDTH // 2))[0] - half).mean() < 4


def exif_jpeg(orientation: int) -> bytes:
    """The marked picture as a JPEG whose EXIF orientation tag is `orientation` (a camera's or a phone's)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = io.BytesIO()
    Image.fromarray(marked_picture()).save(data, "JPEG", quality=100, exif=exif.tobytes())
    return data.getvalue()


def write_mjpeg(path, picture: bytes, fmt: str, num_frames: int = 4) -> str:
    """Motion JPEG (`-c copy` of a camera's pictures): every packet the same JPEG, EXIF included."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream("mjpeg", rate=25)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuvj444p"
        for i in range(num_frames):
            packet = av.Packet(picture)
            packet.stream, packet.time_base, packet.pts, packet.dts = stream, Fraction(1, 25), i, i
            packet.is_keyframe = True
            container.mux(packet)
    return str(path)


# EXIF orientation -> (rotation, hflip) probe reports; 2, 4, 5 and 7 mirror
EXIF_CASES = [(2, (0, True)), (4, (180, True)), (5, (270, True)), (7, (90, True)), (6, (270, False)), (8, (90, False))]


@pytest.mark.parametrize("orientation, reported", EXIF_CASES, ids=[f"exif{o}" for o, _ in EXIF_CASES])
@pytest.mark.parametrize("fmt", ["avi", "mov", "jpg"])
def test_an_exif_orientation_reads_as_pil_shows_the_picture(tmp_path, fmt, orientation, reported):
    """FFmpeg 8 makes a JPEG's EXIF orientation its frame's display matrix, beside the EXIF block (side data PyAV
    18.1 cannot list, so the matrix was read as an angle alone): tag 2 (mirrored) read upside down, 4 as stored, 5
    and 7 turned the wrong way round. Reference: PIL's `exif_transpose` of the picture itself."""
    picture = exif_jpeg(orientation)
    if fmt == "jpg":  # one photo passed as a video
        path = tmp_path / "photo.jpg"
        path.write_bytes(picture)
        path, indices = str(path), [0]
    else:
        path, indices = write_mjpeg(tmp_path / f"camera.{fmt}", picture, fmt), [3, 0]
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(picture))).convert("RGB"))
    with av.open(path) as container:  # the picture as FFmpeg decodes it: the same pixels as PIL's, turned
        decoded = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert (
        decoded.shape == marked_picture().shape
        and np.abs(decoded.astype(int) - np.asarray(Image.open(io.BytesIO(picture)).convert("RGB")).astype(int)).mean()
        < 2
    )
    got = read_frames(path, indices)
    assert got.shape[1:] == expected.shape
    assert np.abs(got.astype(int) - expected.astype(int)).mean(axis=(1, 2, 3)).max() < 2  # JPEG decoders round apart
    half = read_frames(path, [0], size=(expected.shape[0] // 2, expected.shape[1] // 2))[0]  # resized while decoding
    halved = expected.reshape(expected.shape[0] // 2, 2, expected.shape[1] // 2, 2, 3).mean(axis=(1, 3))
    assert np.abs(half - halved).mean() < 4
    info = probe(path)
    assert (info.rotation, info.hflip) == reported
    assert (info.height, info.width) == expected.shape[:2]


@pytest.mark.parametrize("orientation", [1, 2, 6])
def test_a_motion_jpeg_whose_exif_turns_its_pictures_is_read_with_pyav_when_torchcodec_is_asked(tmp_path, orientation):
    """torchcodec turns frames by the stream's display matrix alone, which an EXIF-tagged Motion JPEG does not have:
    it would give the pictures as stored where PyAV turns them as FFmpeg 8 shows them. Such a file is PyAV's."""
    from vivit_hf.processing import video_torchcodec

    path = write_mjpeg(tmp_path / "camera.mov", exif_jpeg(orientation), "mov")
    misreads, stream_index, hflip = video_torchcodec._torchcodec_plan(path)
    assert (misreads, stream_index, hflip) == (orientation != 1, 0, False)


def ffmpeg_angle(path) -> int:
    """The angle of the file's display matrix as libavutil/display.c's `av_display_rotation_get` computes it from the
    9 int32 values (16.16 fixed point) plain PyAV hands out, rounded as ffmpeg's `get_rotation` and ffprobe's "%.2f"
    show it (29.9996 as 30), taken modulo 360."""
    from av.sidedata.sidedata import Type

    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        matrix = np.frombuffer(bytes(frame.side_data.get(Type.DISPLAYMATRIX)), dtype=np.int32) / 65536.0
    scale = np.hypot(matrix[0], matrix[3]), np.hypot(matrix[1], matrix[4])
    return int(np.floor(-np.degrees(np.arctan2(matrix[1] / scale[1], matrix[0] / scale[0])) + 0.5)) % 360


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("degrees", [30, 10, 200, 330])
def test_probe_reports_a_display_matrix_angle_as_ffmpeg_rounds_it(tmp_path, degrees, backend):
    # PyAV 18.1's `frame.rotation` truncates FFmpeg's angle to an int: a matrix of 30 degrees (29.9996 in fixed
    # point) was reported as 29 by the PyAV reader, 30 by torchcodec's and ffprobe
    path = write_with_matrix(tmp_path / f"turned{degrees}.mp4", degrees, hflip=False, vflip=False, num_frames=3)
    angle = ffmpeg_angle(path)
    assert angle == degrees  # (the matrix holds the angle asked, to within its fixed point)
    assert probe(path, backend=backend).rotation == angle
