# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The codecs and containers users meet beyond the common ones (`tests/test_video_containers.py` has H.264, MPEG-4
part 2, MJPEG, VP9 and AV1 in the usual containers): HEVC in MOV and MPEG-TS, 10-bit HEVC, VP8 in Ogg, MPEG-1/2
program and Blu-ray transport streams, 3G2, WMV, ProRes, DNxHR, FFV1, HuffYUV, UT Video, raw video, Y4M, interlaced
H.264 and MPEG-2, fragmented MP4, live WebM; and files whose header frame count is wrong, whose audio comes first,
whose video starts late in a broadcast clock, or that carry cover art beside the video; GIFs whose rate is no whole
number of hundredths of a second.

The reference is plain PyAV on one thread: every frame `container.decode` gives of the stream FFmpeg picks
(`streams.best("video")`: never a cover image), in its order; each frame read alone, all of them backwards, random
subsets and the processor's clips must equal it, and the reader's frame count, rate and duration must be the file's.

Every case runs through both readers (`backend`): PyAV, whose frames must equal the reference bit for bit, and
torchcodec (`decode_backend="torchcodec"`; the containers it misreads go to PyAV, see `_TORCHCODEC_MISREAD_FORMATS`),
whose frames must be the same frames (the index each picture spells, `frame_indices`) with pixels to within
`TORCHCODEC_MEAN_LEVELS` and `TORCHCODEC_P99_LEVELS` (`assert_torchcodec_pictures` says why). torchcodec needs the
system FFmpeg libraries: where they are missing its cases skip, unless VIVIT_REQUIRE_TORCHCODEC=1 (CI), where they fail.
"""

import struct
from fractions import Fraction

import av
import numpy as np
import pytest
from conftest import BACKENDS
from test_video_containers import check_every_access_path
from video_factory import frame_indices, pattern_frame

from vivit_hf import ViViTVideoProcessor
from vivit_hf.processing.video_io import open_video, probe

NUM_FRAMES, FPS = 24, 25
X265 = {"preset": "ultrafast", "x265-params": "keyint=8:min-keyint=8:scenecut=0:bframes=3:open-gop=1:log-level=error"}
X264 = {"preset": "ultrafast", "x264-params": "keyint=8:min-keyint=8:scenecut=0:bframes=2:b-adapt=0"}
MPEG = {"bf": "2", "g": "8"}  # open GOPs with B-frames (FFmpeg's MPEG-1/2 default)
X264_MBAFF = {**X264, "x264-params": X264["x264-params"] + ":tff=1"}  # interlaced, top field first
INTERLACED_MPEG = {**MPEG, "flags": "+ildct+ilme", "top": "1"}  # interlaced DCT and motion, top field first

# id -> (container format, encoder, pixel format, encoder options, (height, width), muxer options)
CASES = {
    "mov-hevc-bf3-opengop": ("mov", "libx265", "yuv420p", X265, (48, 64), {}),
    "mpegts-hevc-bf3-opengop": ("mpegts", "libx265", "yuv420p", X265, (48, 64), {}),
    "mp4-hevc-10bit": ("mp4", "libx265", "yuv420p10le", X265, (48, 64), {}),  # HDR phone video
    "ogg-vp8": ("ogg", "libvpx", "yuv420p", {"g": "8", "b": "2M"}, (48, 64), {}),
    "ogg-theora": ("ogg", "libtheora", "yuv420p", {"g": "8"}, (48, 64), {}),
    "mpeg-mpeg1": ("mpeg", "mpeg1video", "yuv420p", MPEG, (48, 64), {}),
    "vob-mpeg2": ("vob", "mpeg2video", "yuv420p", MPEG, (48, 64), {}),
    "m2ts-mpeg2": ("mpegts", "mpeg2video", "yuv420p", MPEG, (48, 64), {"mpegts_m2ts_mode": "1"}),
    "m2ts-h264": ("mpegts", "libx264", "yuv420p", X264, (48, 64), {"mpegts_m2ts_mode": "1"}),
    "3g2-h263": ("3g2", "h263", "yuv420p", {"g": "8"}, (96, 128), {}),
    "3g2-mpeg4": ("3g2", "mpeg4", "yuv420p", MPEG, (48, 64), {}),
    "asf-msmpeg4v2": ("asf", "msmpeg4v2", "yuv420p", {"g": "8"}, (48, 64), {}),
    "mov-prores": ("mov", "prores_ks", "yuv422p10le", {}, (48, 64), {}),
    "mov-dnxhr": ("mov", "dnxhd", "yuv422p", {"profile": "dnxhr_lb"}, (128, 256), {}),
    "mxf-dnxhr": ("mxf", "dnxhd", "yuv422p", {"profile": "dnxhr_lb"}, (128, 256), {}),
    "matroska-ffv1": ("matroska", "ffv1", "yuv420p", {}, (48, 64), {}),
    "avi-huffyuv": ("avi", "huffyuv", "yuv422p", {}, (48, 64), {}),
    "avi-utvideo": ("avi", "utvideo", "yuv420p", {}, (48, 64), {}),
    "avi-rawvideo-bgr24": ("avi", "rawvideo", "bgr24", {}, (48, 64), {}),
    "nut-rawvideo": ("nut", "rawvideo", "yuv420p", {}, (48, 64), {}),
    "y4m": ("yuv4mpegpipe", "wrapped_avframe", "yuv420p", {}, (48, 64), {}),
    "mp4-h264-mbaff": ("mp4", "libx264", "yuv420p", X264_MBAFF, (64, 64), {}),
    "mpeg-mpeg2-interlaced": ("mpeg", "mpeg2video", "yuv420p", INTERLACED_MPEG, (64, 64), {}),
    "mp4-fragmented": ("mp4", "libx264", "yuv420p", X264, (48, 64), {"movflags": "frag_keyframe+empty_moov"}),
    "webm-live-vp8": ("webm", "libvpx", "yuv420p", {"g": "8", "b": "2M"}, (48, 64), {"live": "1"}),  # no cues
}


def write_clip(path, spec: tuple, num_frames: int = NUM_FRAMES, first_pts: int = 0) -> str:
    """`num_frames` pattern frames at 25 fps, written as `spec` (a `CASES` value) says; `first_pts`: the first frame's
    time in frames (below 0: a cut an edit list hides)."""
    fmt, encoder, pix_fmt, options, (height, width), muxer_options = spec
    try:
        av.Codec(encoder, "w")
    except av.codec.codec.UnknownCodecError:
        pytest.skip(f"the installed PyAV has no {encoder} encoder to write {fmt} with")
    with av.open(str(path), "w", format=fmt, options=muxer_options) as container:
        stream = container.add_stream(encoder, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.options = options
        stream.codec_context.time_base = Fraction(1, FPS)
        for i in range(num_frames):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, height, width), format="rgb24")
            frame.pts, frame.time_base = first_pts + i, Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return str(path)


def one_thread_decode(path) -> np.ndarray:
    """Every frame of the video stream FFmpeg picks, in the order a one-thread decoder gives them."""
    with av.open(str(path)) as container:
        stream = container.streams.best("video")
        stream.thread_type, stream.codec_context.thread_count = "NONE", 1
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(stream)])


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The reader asked for: `read_frames`' and `open_video`'s `backend`, the processor's `decode_backend`."""
    return request.param


# torchcodec converts frames to RGB with the libswscale of the FFmpeg it loads (the system's: 5.1 in CI), PyAV with
# the one its wheel bundles. On 22 of the 24 files below that torchcodec reads itself (the others go to PyAV) the two
# gave the same bytes. On 10-bit HEVC (another conversion path from 10 bits) and interlaced H.264 (the newer
# libswscale upsamples an interlaced frame's chroma field by field, the older one as if progressive) they differ
# where colour changes sharply, around the red marker: at worst, over one read, a mean of 0.29 and 0.35 levels, a
# 99th percentile of 5 and 2, and a pixel 49 and 138 levels off (0.6% and 0.4% of values off by more than 8). Frames
# one apart differ by 255 levels over a tenth of the picture (a stripe of the index they spell): a mean of 20 levels
# or more, a 99th percentile of 252 or more. The bounds sit well between the two.
# (PyAV is the reference, not the truth: against the pictures encoded, torchcodec's frames were the nearer, a mean of
# 0.18 against 0.48 levels on the interlaced file, whose chroma was subsampled as progressive, and 1.41 against 1.49.)
TORCHCODEC_MEAN_LEVELS = 1.0  # mean absolute difference over the frames read, in 0-255 levels
TORCHCODEC_P99_LEVELS = 8  # 99% of the values within this many levels (chroma edges may exceed it)


def assert_torchcodec_pictures(got: np.ndarray, truth: np.ndarray, indices) -> None:
    """`truth`'s frames at `indices`, as torchcodec gives them: the same frames, pixels to colour conversion."""
    indices = list(indices)
    assert got.shape == (len(indices), *truth.shape[1:]) and got.dtype == np.uint8
    assert frame_indices(got) == frame_indices(truth[indices]), f"asked {indices}"
    difference = np.abs(got.astype(int) - truth[indices].astype(int))
    assert difference.mean() <= TORCHCODEC_MEAN_LEVELS, f"asked {indices}: mean {difference.mean():.2f} levels off"
    assert np.percentile(difference, 99) <= TORCHCODEC_P99_LEVELS, f"asked {indices}: 1% over {TORCHCODEC_P99_LEVELS}"


def check_file(path, truth: np.ndarray, backend: str, fps: float = FPS) -> None:
    """Frames as `truth`, counted, timed at `fps` and lasting as long as they play, read by `backend`."""
    expected = pytest.approx((len(truth), fps, len(truth) / fps), abs=1e-9)
    info = probe(path, backend=backend)
    assert (info.num_frames, info.fps, info.duration) == expected
    with open(path, "rb") as file:  # an open file too (torchcodec gave its own rate there: 21.4 fps for a 60 fps GIF)
        info = probe(file, backend=backend)
    assert (info.num_frames, info.fps, info.duration) == expected
    # Files torchcodec misreads are read by PyAV (`reader.backend`), bit for bit then.
    check_every_access_path(str(path), truth, backend, near=assert_torchcodec_pictures)


@pytest.mark.parametrize("case", CASES)
def test_every_frame_and_the_timing_equal_a_one_thread_sequential_decode(tmp_path, case, backend):
    path = write_clip(tmp_path / f"{case}.{CASES[case][0]}", CASES[case])
    truth = one_thread_decode(path)
    assert frame_indices(truth) == list(range(NUM_FRAMES))  # the file holds every frame that was encoded
    if CASES[case][3] in (X264_MBAFF, INTERLACED_MPEG):
        with av.open(path) as container:
            assert all(frame.interlaced_frame for frame in container.decode(video=0))
    check_file(path, truth, backend)


# what a reader that gets it wrong would give: (the reader's own read of some indices, frame count, indices asked)
MISREADS = {
    "one-frame-late": lambda read, n, indices: read([min(i + 1, n - 1) for i in indices]),
    "one-frame-early": lambda read, n, indices: read([max(i - 1, 0) for i in indices]),
    "tinted": lambda read, n, indices: np.clip(read(indices).astype(int) + 12, 0, 255).astype(np.uint8),
}


@pytest.mark.torchcodec
@pytest.mark.parametrize("misread", MISREADS)
def test_the_torchcodec_comparison_refuses_frames_torchcodec_did_not_give_right(tmp_path, monkeypatch, misread):
    """The tolerance takes the interlaced file's chroma differences (the largest measured) and no more: a reader one
    frame off, or one whose frames are the right ones 12 levels too bright, fails it."""
    from vivit_hf.processing.video_torchcodec import TorchcodecReader

    path = write_clip(tmp_path / "interlaced.mp4", CASES["mp4-h264-mbaff"])
    truth = one_thread_decode(path)
    check_file(path, truth, "torchcodec")  # as torchcodec reads it
    read = TorchcodecReader.read

    def misreading(self, indices, *args, **kwargs):
        return MISREADS[misread](lambda asked: read(self, asked, *args, **kwargs), self.num_frames, list(indices))

    monkeypatch.setattr(TorchcodecReader, "read", misreading)
    with pytest.raises(AssertionError):
        check_file(path, truth, "torchcodec")


@pytest.mark.parametrize("stated", [100, 5])
def test_an_avi_whose_header_counts_other_frames_reads_the_frames_it_holds(tmp_path, stated, backend):
    """A muxer that died before rewriting its header, or an editor's copy: AVI's frame counts (`avih`, `strh`) say
    `stated` frames where the file holds 24."""
    path = tmp_path / "header.avi"
    data = bytearray(open(write_clip(path, ("avi", "mpeg4", "yuv420p", MPEG, (48, 64), {})), "rb").read())
    for chunk, offset in [(b"avih", 16), (b"strh", 32)]:  # dwTotalFrames, dwLength
        struct.pack_into("<I", data, data.find(chunk) + 8 + offset, stated)
    path.write_bytes(bytes(data))
    with av.open(str(path)) as container:
        assert container.streams.video[0].frames == stated
    check_file(path, one_thread_decode(path), backend)


@pytest.mark.parametrize("fmt", ["mp4", "mov"])
def test_an_edit_list_that_hides_the_first_frames_reads_the_frames_it_shows(tmp_path, fmt, backend):
    """A stream copy cut after a keyframe (`ffmpeg -ss 0.12 -c copy`): the frames before the cut stay in the file
    for the decoder, the edit list hides them; the track's frame count still counts them."""
    spec = (fmt, "libx264", "yuv420p", X264, (48, 64), {})
    path = write_clip(tmp_path / f"cut.{fmt}", spec, num_frames=NUM_FRAMES + 3, first_pts=-3)
    truth = one_thread_decode(path)
    with av.open(path) as container:
        assert container.streams.video[0].frames == NUM_FRAMES + 3
    assert frame_indices(truth) == list(range(3, NUM_FRAMES + 3))
    check_file(path, truth, backend)


def write_with_audio(path, fmt: str, encoder: str, options: dict, video_from: float, audio_from: float) -> str:
    """Audio (stream 0, as broadcast captures and phone recordings often put it) from `audio_from` s for 2 s, and
    pattern frames from `video_from` s, interleaved by time as a muxer writes them."""
    container = av.open(str(path), "w", format=fmt)
    audio = container.add_stream("mp2" if fmt == "mpeg" else "aac", rate=48000, layout="mono")
    video = container.add_stream(encoder, rate=FPS)
    video.width, video.height, video.pix_fmt, video.options = 64, 48, "yuv420p", options
    video.codec_context.time_base = Fraction(1, FPS)
    samples = av.AudioFrame.from_ndarray(np.zeros((1, 96000), np.float32), format="fltp", layout="mono")
    samples.sample_rate, samples.pts, samples.time_base = 48000, round(audio_from * 48000), Fraction(1, 48000)
    packets = [*audio.encode(samples), *audio.encode()]
    for i in range(NUM_FRAMES):
        frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")
        frame.pts, frame.time_base = round(video_from * FPS) + i, Fraction(1, FPS)
        packets += video.encode(frame)
    packets += video.encode()
    for packet in sorted(packets, key=lambda p: p.dts * p.time_base):
        container.mux(packet)
    container.close()
    return str(path)


@pytest.mark.parametrize(
    "fmt, encoder, options, video_from, audio_from",
    [
        ("mp4", "libx264", X264, 0, 0),
        ("matroska", "libx264", X264, 0, 0),
        ("avi", "mpeg4", MPEG, 0, 0),
        ("mpegts", "mpeg2video", MPEG, 600.32, 600),  # a broadcast recording: its clock far from 0, audio first
        ("mpegts", "libx264", X264, 3600.2, 3600),
        ("mpeg", "mpeg2video", MPEG, 10.32, 10),
    ],
)
def test_a_file_whose_audio_comes_first_reads_its_video(
    tmp_path, fmt, encoder, options, video_from, audio_from, backend
):
    path = write_with_audio(tmp_path / f"audio_first.{fmt}", fmt, encoder, options, video_from, audio_from)
    with av.open(path) as container:
        assert container.streams[0].type == "audio"
    truth = one_thread_decode(path)
    assert frame_indices(truth) == list(range(NUM_FRAMES))
    check_file(path, truth, backend)
    if video_from:  # a clock far from 0 starts with the audio (its encoder's priming included), a player's 0
        with av.open(path) as container:
            start = container.start_time / 1_000_000
            first = next(container.decode(video=0))
            shown = float(first.pts * first.time_base) - start
        assert audio_from < start + 0.1 and shown > 0.1  # the audio's clock, not the video's
        with open_video(path, backend=backend) as reader:
            assert reader.first_frame_seconds() == pytest.approx(shown, abs=1e-6)


def test_cover_art_attached_to_a_matroska_file_is_not_its_video(tmp_path, backend):
    """A music video or podcast with its cover as a Matroska attachment (`mkvpropedit --add-attachment`): FFmpeg shows
    it as a one-picture video stream flagged `attached_pic`, which its "best" stream and the reader pass over."""
    from io import BytesIO

    from PIL import Image

    cover = BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(cover, "JPEG")
    path = str(tmp_path / "with_cover.mkv")
    with av.open(path, "w", format="matroska") as container:
        container.add_attachment(name="cover.jpg", mimetype="image/jpeg", data=cover.getvalue())
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt, stream.options = 64, 48, "yuv420p", X264
        for i in range(NUM_FRAMES):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")))
        container.mux(stream.encode())
    with av.open(path) as container:
        assert [bool(s.disposition & av.stream.Disposition.attached_pic) for s in container.streams.video] == [
            False,
            True,
        ]
    truth = one_thread_decode(path)
    assert frame_indices(truth) == list(range(NUM_FRAMES))
    check_file(path, truth, backend)


@pytest.mark.parametrize("rate, num_frames", [(30, 12), (24, 24), (12, 12), (60, 12), (30, 8)])
def test_a_gif_whose_rate_is_no_whole_number_of_hundredths_lasts_as_its_delays_say(tmp_path, rate, num_frames, backend):
    """GIF delays are whole hundredths of a second: a 30 fps clip is stored as 3, 3, 4 / 100 s (12 fps: 8, 9, 8 ...;
    60 fps: 2, 1, 2 ...). It plays for the sum of its delays (FFmpeg's duration); FFmpeg's frame rate is a guess from
    them (30000/1001, 179/6, 100), which timed 1 s of delays as 1.001 s and a 60 fps clip at 60.2 fps."""
    path = str(tmp_path / "clip.gif")
    with av.open(path, "w", format="gif") as container:
        stream = container.add_stream("gif", rate=rate)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "rgb8"
        for i in range(num_frames):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")))
        container.mux(stream.encode())
    with av.open(path) as container:
        stream = container.streams.video[0]
        delays = [packet.duration * stream.time_base for packet in container.demux(stream) if packet.size]
        assert len(set(delays)) == 2 and container.duration == sum(delays) * 1_000_000
    played = float(sum(delays))
    truth = one_thread_decode(path)
    assert frame_indices(truth) == list(range(num_frames))
    check_file(path, truth, backend, fps=num_frames / played)
    processor = ViViTVideoProcessor(
        num_frames=4, do_resize=False, do_center_crop=False, do_rescale=False, decode_backend=backend
    )
    assert processor(path, do_normalize=False, return_metadata=True)["video_metadata"][0]["fps"] == pytest.approx(
        num_frames / played
    )
