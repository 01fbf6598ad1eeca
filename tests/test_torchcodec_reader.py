# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The torchcodec backend against an independent decoder (PyAV): the same frames, in presentation order, for H.264
and VP9; the last frame reads and one past it is refused.

Files whose timestamps torchcodec cannot trust: AVI and ASF store none (FFmpeg makes them up in decode order, wrong
once a codec reorders frames), MPEG-TS and MPEG-PS have no index to seek by. torchcodec 0.17 returned other frames
than the ones asked for there, silently (a stride-2 clip read 1, 3, 5, ... for 3, 5, 7, ...). Those reads are
checked here against a plain sequential PyAV decode of the same file (frame `i` is the `i`-th frame it gives):
through `read_frames` / `probe`, the processor, datasets.Video values and a bare torchcodec `VideoDecoder`.

torchcodec needs the system FFmpeg libraries: every test here is marked `torchcodec`, so it skips where they are
missing, and fails under VIVIT_REQUIRE_TORCHCODEC=1 (CI installs them; tests/conftest.py)."""

import io
import os
import warnings
from types import SimpleNamespace

import av
import numpy as np
import pytest
from test_video_display_matrix import stored_pictures, write_with_matrix
from test_video_realworld_files import stamped_in_decode_order
from video_factory import frame_indices, pattern_frame, video_bytes, write_divx_packed_avi, write_encoded, write_video

from vivit_hf import VideoDecodeError, ViViTVideoProcessor
from vivit_hf.processing.video_io import open_video, probe, read_frames

pytestmark = pytest.mark.torchcodec


@pytest.mark.parametrize("codec", ["h264", "vp9"])
def test_torchcodec_returns_the_frames_pyav_returns(codec):
    data = video_bytes(num_frames=12, height=32, width=48, codec=codec, gop=4)
    n = probe(data, backend="torchcodec").num_frames
    assert n == probe(data, backend="pyav").num_frames == 12
    wanted = [0, 5, 3, 11, 11, 7]  # out of order and repeated, as multi-clip sampling asks
    ours = read_frames(data, wanted, backend="torchcodec")
    reference = read_frames(data, wanted, backend="pyav")
    assert ours.shape == (6, 32, 48, 3) and ours.dtype == np.uint8
    assert frame_indices(ours) == frame_indices(reference) == wanted
    assert np.abs(ours.astype(int) - reference.astype(int)).mean() < 2  # the same pictures, to colour rounding


def test_torchcodec_reads_the_last_frame_and_refuses_one_past_it():
    data = video_bytes(num_frames=8, height=32, width=32, codec="h264", gop=4)
    assert frame_indices(read_frames(data, [7], backend="torchcodec")) == [7]
    with pytest.raises(ValueError, match="out of range"):
        read_frames(data, [8], backend="torchcodec")


# -- files whose timestamps torchcodec cannot trust ----------------------------------------------------------------
NUM_FRAMES = 48

# (container format, codec, B-frames in a row, open GOP)
UNTRUSTED = [
    ("avi", "h264", 3, False),
    ("avi", "h264", 3, True),
    ("avi", "mpeg4", 2, False),
    ("avi", "mpeg4", 2, True),
    ("avi", "mpeg2", 2, False),
    ("asf", "h264", 3, False),
    ("asf", "mpeg4", 2, False),
    ("asf", "h264", 0, False),  # no B-frames, yet torchcodec read frame 2 for frame 1: ASF's first stamp is 40 ms
    ("avi", "h264", 0, False),  # control: no B-frames, torchcodec read these right
    ("avi", "mjpeg", 0, False),  # control: a codec that never reorders
    ("mpegts", "h264", 3, False),  # seeking by timestamp search landed a GOP late: frame 12 for frame 0
    ("mpeg", "mpeg2", 2, True),  # MPEG-PS: off by one frame
    ("h264", "h264", 3, False),  # a raw stream: no timestamps at all, and torchcodec could not open it
]


def case_id(case) -> str:
    fmt, codec, bframes, open_gop = case
    return f"{fmt}-{codec}" + (f"-bf{bframes}" if bframes else "") + ("-opengop" if open_gop else "")


def sequential_decode(source) -> np.ndarray:
    """Every frame, in the order plain PyAV decodes them from the start: the definition of frame `i`."""
    with av.open(source) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


@pytest.fixture(scope="module")
def untrusted(tmp_path_factory):
    """case -> (path, the sequential decode of the file)."""
    root = tmp_path_factory.mktemp("untrusted")
    written = {}
    for case in UNTRUSTED:
        fmt, codec, bframes, open_gop = case
        path = str(root / f"{case_id(case)}.{fmt}")
        write_encoded(path, fmt, codec, NUM_FRAMES, bframes=bframes, open_gop=open_gop)
        written[case] = (path, sequential_decode(path))
    return written


def assert_same_pictures(got: np.ndarray, truth: np.ndarray, indices) -> None:
    """Frame for frame the pictures of `truth` at `indices` (torchcodec's colour conversion may round differently)."""
    indices = list(indices)
    assert got.shape == (len(indices), *truth.shape[1:]) and got.dtype == np.uint8
    assert frame_indices(got) == frame_indices(truth[indices])
    assert np.abs(got.astype(int) - truth[indices].astype(int)).mean() < 2


def index_sets(num_frames: int) -> list[list[int]]:
    """What a reader is asked: a clip at stride 2 (as the processor reads one), a shuffled subset with repeats (as
    multi-clip sampling asks), the first and the last frame alone, and every frame."""
    rng = np.random.default_rng(0)
    subset = rng.choice(num_frames, 12, replace=False).tolist()
    return [
        list(range(3, num_frames - 1, 2)),
        subset + subset[:3],
        [0],
        [num_frames - 1],
        list(range(num_frames)),
    ]


@pytest.mark.parametrize("case", UNTRUSTED, ids=case_id)
def test_torchcodec_backend_reads_frames_as_a_sequential_pyav_decode_gives_them(untrusted, case):
    path, truth = untrusted[case]
    assert probe(path, backend="torchcodec").num_frames == len(truth) == NUM_FRAMES
    for indices in index_sets(len(truth)):
        assert_same_pictures(read_frames(path, indices, backend="torchcodec"), truth, indices)
    with open(path, "rb") as f:  # bytes too (what datasets.Video(decode=False) and URLs give)
        data = f.read()
    clip = index_sets(NUM_FRAMES)[0]
    assert probe(data, backend="torchcodec").num_frames == NUM_FRAMES
    assert_same_pictures(read_frames(data, clip, backend="torchcodec"), truth, clip)


def test_torchcodec_backend_reads_a_divx_packed_avi_as_a_sequential_pyav_decode_gives_it(tmp_path):
    # UCF101 and HMDB51 are such files: B-frames packed into the chunk before, N-VOP placeholders in their slots
    path = write_divx_packed_avi(tmp_path / "packed.avi")
    truth = sequential_decode(path)
    assert probe(path, backend="torchcodec").num_frames == len(truth) == 36
    for indices in index_sets(len(truth)):
        assert_same_pictures(read_frames(path, indices, backend="torchcodec"), truth, indices)


RAW_CLIPS = dict(  # pixels as decoded (no resize, crop or rescale), two clips of 8 frames at stride 2
    do_sample_frames=True,
    num_frames=8,
    frame_stride=2,
    num_clips=2,
    do_resize=False,
    do_center_crop=False,
    do_rescale=False,
    do_normalize=False,
)


def clips_of(frames: np.ndarray) -> np.ndarray:
    """The processor's two test clips of a sequential decode, sampled from the decoded frames themselves."""
    return ViViTVideoProcessor(**RAW_CLIPS)(frames, return_tensors="np")["pixel_values"]


def assert_same_clips(got: np.ndarray, truth: np.ndarray) -> None:
    assert got.shape == truth.shape
    for got_clip, true_clip in zip(got, truth):
        assert frame_indices(got_clip) == frame_indices(true_clip)
    assert np.abs(got.astype(float) - truth.astype(float)).mean() < 2


@pytest.mark.parametrize("case", [c for c in UNTRUSTED if c[2]], ids=case_id)
def test_the_processor_with_torchcodec_samples_clips_of_the_sequential_decode(untrusted, case):
    path, truth = untrusted[case]
    proc = ViViTVideoProcessor(**RAW_CLIPS, decode_backend="torchcodec")
    assert_same_clips(proc(path, return_tensors="np")["pixel_values"], clips_of(truth))


@pytest.mark.parametrize("case", [UNTRUSTED[0], UNTRUSTED[3], UNTRUSTED[5]], ids=case_id)
@pytest.mark.parametrize("stored_as", ["path", "bytes"])
def test_datasets_video_values_of_untrusted_files_give_the_sequential_decode(untrusted, case, stored_as):
    # A decoded datasets.Video column holds torchcodec VideoDecoders; datasets keeps the file each one reads.
    from datasets import Dataset, Video

    path, truth = untrusted[case]
    with open(path, "rb") as f:
        value = path if stored_as == "path" else {"bytes": f.read(), "path": None}
    decoder = Dataset.from_dict({"video": [value]}).cast_column("video", Video())[0]["video"]
    assert type(decoder).__module__.startswith("torchcodec")
    clip = index_sets(NUM_FRAMES)[0]
    assert probe(decoder).num_frames == NUM_FRAMES
    assert_same_pictures(read_frames(decoder, clip), truth, clip)
    proc = ViViTVideoProcessor(**RAW_CLIPS)
    assert_same_clips(proc(decoder, return_tensors="np")["pixel_values"], clips_of(truth))


@pytest.mark.parametrize("case", [UNTRUSTED[0], UNTRUSTED[5]], ids=case_id)
def test_a_bare_video_decoder_of_an_untrusted_file_warns_that_its_frames_may_be_wrong(untrusted, case):
    # torchcodec does not say which file a VideoDecoder reads, so vivit_hf cannot tell an AVI from an mp4: the
    # processor reads it through torchcodec, and says that frames of AVI/ASF/MPEG-TS/PS files can come out wrong.
    from torchcodec.decoders import VideoDecoder

    path, _ = untrusted[case]
    proc = ViViTVideoProcessor(**RAW_CLIPS)
    with pytest.warns(UserWarning, match="cannot see which file .* AVI, ASF, MPEG-TS"):
        proc(VideoDecoder(path, seek_mode="exact"), return_tensors="np")


def test_a_bare_video_decoder_of_a_codec_that_never_reorders_reads_without_a_warning(untrusted):
    from torchcodec.decoders import VideoDecoder

    path, truth = untrusted[("avi", "mjpeg", 0, False)]
    clip = index_sets(NUM_FRAMES)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = read_frames(VideoDecoder(path, seek_mode="exact"), clip)
    assert_same_pictures(got, truth, clip)


def streamed_decoder(path: str, hub_name: str):
    """A torchcodec decoder as datasets streams a Hub file: it keeps the file's remote path and no bytes."""
    from torchcodec.decoders import VideoDecoder

    decoder = VideoDecoder(path, seek_mode="exact")
    decoder._hf_encoded = {"path": hub_name, "bytes": None}
    return decoder


@pytest.mark.parametrize(
    "name, codecs, default, asked, expected",
    [
        ("two.mkv", ("libx264", "libx264"), None, 1, 1),  # the second track asked for: it was the first
        ("two_default_second.mkv", ("libx264", "libx264"), 1, 0, 0),  # the first asked, beside a default second
        ("two_default_second.mkv", ("libx264", "libx264"), 1, None, 1),  # none asked: the track a path reads
        ("two.avi", ("mpeg4", "libx264"), None, None, 0),  # none asked: FFmpeg's best is the second, a path's first
    ],
)
def test_a_datasets_video_of_a_chosen_track_is_read_from_that_track(tmp_path, name, codecs, default, asked, expected):
    """`datasets.Video(stream_index=k)` decodes track k of a file with several; the processor read the file's own
    track instead (20 frames of 64x48 for the 30 of 96x64 asked for), without a word. Without a `stream_index`, the
    track a path to the file reads, as before."""
    from datasets import Dataset, Video
    from test_video_io import _sequential
    from video_factory import write_two_video_tracks

    path = write_two_video_tracks(tmp_path / name, codecs, default)
    decoder = Dataset.from_dict({"video": [path]}).cast_column("video", Video(stream_index=asked))[0]["video"]
    truth = _sequential(path, expected)
    indices = [0, 7, len(truth) - 1]
    assert probe(decoder).num_frames == len(truth) == (20, 30)[expected]
    assert_same_pictures(read_frames(decoder, indices), truth, indices)


def test_a_streamed_datasets_video_named_avi_is_refused_rather_than_misread(untrusted):
    path, _ = untrusted[("avi", "h264", 3, False)]
    decoder = streamed_decoder(path, "hf://datasets/someone/ucf101@main/train/v_ApplyEyeMakeup_g01_c01.avi")
    with pytest.raises(ValueError, match=r"wrong frames .*v_ApplyEyeMakeup_g01_c01\.avi.*Video\(decode=False\)"):
        read_frames(decoder, [0, 2])


def test_a_streamed_datasets_video_named_mp4_reads_through_torchcodec_without_a_warning(tmp_path):
    path = write_encoded(str(tmp_path / "b.mp4"), "mp4", "h264", NUM_FRAMES, bframes=3)
    truth, clip = sequential_decode(path), index_sets(NUM_FRAMES)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with open_video(streamed_decoder(path, "hf://datasets/someone/clips@main/b.mp4")) as reader:
            assert reader.backend == "torchcodec"
            assert_same_pictures(reader.read(clip), truth, clip)


def test_a_streamed_datasets_video_is_sampled_by_fps_at_its_stated_rate_not_a_doubles_rounding_below_it(tmp_path):
    """A decoder vivit_hf cannot check with PyAV is timed by torchcodec: 40 frames of 25 fps shown from 0.08 s (an
    FLV of H.264 with B-frames) measure 25.000000000000004 fps and 1.5999999999999999 s there, and `fps=5` took 7
    frames (0, 5, 11, 17, 22, 28, 34) where the file's path gives 8, every fifth: the stated 25 fps now."""
    path = write_encoded(str(tmp_path / "b.flv"), "flv", "h264", 40, bframes=2)
    proc = ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 16}, crop_size=16)
    picked = []
    for video in (path, streamed_decoder(path, "hf://datasets/someone/clips@main/b.flv")):
        meta = proc(video, fps=5, num_frames=None, return_metadata=True, return_tensors="np")["video_metadata"][0]
        picked.append((meta.video_backend, meta.fps, meta.duration, meta.frames_indices))
    assert picked == [("pyav", 25.0, 1.6, list(range(0, 40, 5))), ("torchcodec", 25.0, 1.6, list(range(0, 40, 5)))]


@pytest.mark.parametrize("backend", ["auto", "torchcodec"])
def test_a_datasets_video_value_is_named_by_its_file_whichever_backend_reads_it(untrusted, tmp_path, backend):
    """A decoded datasets.Video value keeps its file's path: its metadata's `name`, its errors and the recipes' data
    set name it by that path, as its `Video(decode=False)` value is named. Read by torchcodec (an mp4) it was
    "<VideoDecoder>" (by PyAV, an AVI: the path), and the data set said "<torchcodec.decoders._video_decoder.
    VideoDecoder object at 0x...>"."""
    from datasets import Dataset, Video
    from torchcodec.decoders import VideoDecoder

    from vivit_hf.training.data.dataset import describe_example

    mp4 = write_encoded(str(tmp_path / "b.mp4"), "mp4", "h264", 8)
    avi, _ = untrusted[("avi", "h264", 0, False)]
    decoders = Dataset.from_dict({"video": [mp4, avi]}).cast_column("video", Video())["video"]
    proc = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 16}, crop_size=16, decode_backend=backend)
    for path, decoder, reads in [(mp4, decoders[0], "torchcodec"), (avi, decoders[1], "pyav")]:
        meta = proc(decoder, return_metadata=True, return_tensors="np")["video_metadata"][0]
        assert (meta.name, meta.video_backend) == (path, reads)
        assert describe_example({"video": decoder}, 0) == path
        with open_video(decoder, backend=backend) as reader, pytest.raises(ValueError, match=f"video '{path}' with"):
            reader.read([reader.num_frames])
    # One without datasets' `_hf_encoded` (built by hand, or by a datasets version that keeps its file elsewhere) has
    # no file to name: named by its type, as before, and the data set no longer names it by the object's address
    bare = VideoDecoder(mp4, seek_mode="exact")
    with pytest.warns(UserWarning, match="cannot see which file"):
        meta = proc(bare, return_metadata=True, return_tensors="np")["video_metadata"][0]
    assert (meta.name, describe_example({"video": bare}, 0)) == ("<VideoDecoder>", "<VideoDecoder>")


def test_files_torchcodec_indexes_right_stay_with_torchcodec(tmp_path):
    # mp4 stores presentation timestamps: torchcodec reads it itself, as asked (B-frames included)
    path = write_encoded(str(tmp_path / "b.mp4"), "mp4", "h264", NUM_FRAMES, bframes=3)
    truth = sequential_decode(path)
    with open_video(path, backend="torchcodec") as reader:
        assert reader.backend == "torchcodec"
        indices = index_sets(NUM_FRAMES)[0]
        assert_same_pictures(reader.read(indices), truth, indices)


def test_frames_torchcodec_decodes_are_resized_in_torch_whatever_resize_in_decoder_says(tmp_path):
    """docs/processor.md (resize_in_decoder): torchcodec's frames are converted at full size and resized in torch, so
    `decode_backend="torchcodec"` gives PyAV's pixels under `resize_in_decoder=False`, not under the default."""
    path = write_encoded(str(tmp_path / "b.mp4"), "mp4", "h264", 8)
    pixels = {
        (backend, in_decoder): ViViTVideoProcessor(
            num_frames=2, size={"shortest_edge": 32}, crop_size=32, resize_in_decoder=in_decoder
        )(path, decode_backend=backend, return_tensors="np")["pixel_values"]
        for backend in ("pyav", "torchcodec")
        for in_decoder in (True, False)
    }
    assert np.array_equal(pixels["torchcodec", True], pixels["pyav", False])
    assert np.array_equal(pixels["torchcodec", True], pixels["torchcodec", False])
    assert np.abs(pixels["torchcodec", True] - pixels["pyav", True]).max() * 127.5 > 30  # the stripes' edges


def test_untrusted_files_asked_of_torchcodec_are_read_by_pyav(untrusted):
    path, _ = untrusted[("avi", "h264", 3, False)]
    with open_video(path, backend="torchcodec") as reader:
        assert reader.backend == "pyav" and reader.info.backend == "pyav"  # the info says who decoded


def test_a_codec_ffmpeg_has_no_decoder_for_asked_of_torchcodec_is_a_decode_error_naming_the_file(tmp_path):
    """A track whose codec this FFmpeg cannot decode (an mp4 sample entry no demuxer maps): PyAV's refusal, a
    `VideoDecodeError` that `skip_broken` skips, not "'NoneType' object has no attribute 'pix_fmt'" from the plan."""
    data = open(write_video(tmp_path / "clip.mp4", num_frames=4, codec="h264", gop=2), "rb").read()
    assert data.count(b"avc1") == 2  # a brand of its ftyp, and its sample entry's codec tag: made one FFmpeg lacks
    unknown = tmp_path / "unknown.mp4"
    unknown.write_bytes(data.replace(b"avc1", b"xqz9"))
    for source, name in ((unknown, repr(str(unknown))), (unknown.read_bytes(), f"<{len(data)} bytes>")):
        with pytest.raises(VideoDecodeError) as error:
            open_video(source, backend="torchcodec")
        assert str(error.value) == f"Video {name}: no decoder for its codec."
    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16})
    good = write_video(tmp_path / "good.mp4", num_frames=4, codec="h264", gop=2)
    out = processor([str(unknown), good], decode_backend="torchcodec", skip_broken=True, return_tensors="pt")
    assert out["pixel_values"].shape[0] == 1


def test_a_file_object_is_read_from_its_start_after_the_container_is_sniffed(tmp_path):
    path = write_video(tmp_path / "v.mp4", num_frames=12, codec="h264", gop=4)
    truth = sequential_decode(path)
    with open(path, "rb") as f:
        assert_same_pictures(read_frames(f, [0, 11], backend="torchcodec"), truth, [0, 11])


def test_a_file_object_read_by_torchcodec_is_timed_and_checked_by_pyav_as_a_path_is(tmp_path):
    """A variable-frame-rate file (100 frames, the first 50 shown 10 ms each, the rest 200 ms) passed as an open file:
    torchcodec read it unchecked, so `fps=1` sampled frames 0, 10, 20, ... (by index at the average rate) where a
    path gave the frames on screen at each step (0, 52, ...), and `timestamps` were index / 9.67 fps (frame 52, shown
    at 0.9 s, would say 5.4 s). The file object is now read by torchcodec and PyAV each through a view of its own, and
    PyAV's frame table times and checks torchcodec's reads, as for a path."""
    path = write_video(tmp_path / "vfr.mp4", num_frames=100, frame_durations=[1] * 50 + [20] * 50)
    truth = sequential_decode(path)
    with av.open(path) as container:
        times = np.array([float(frame.time) for frame in container.decode(video=0)])
    processor = ViViTVideoProcessor(num_frames=4, do_resize=False, do_center_crop=False, do_rescale=False)
    from_path = processor(path, fps=1, do_normalize=False, return_metadata=True, decode_backend="torchcodec")
    with open(path, "rb") as file:
        with open_video(file, backend="torchcodec") as reader:
            assert reader.backend == "torchcodec"
            assert reader.frame_times() == pytest.approx(times, abs=1e-6)
            backwards = list(range(99, -1, -1))  # both readers take turns in the one file
            assert_same_pictures(reader.read(backwards), truth, backwards)
        out = processor(file, fps=1, do_normalize=False, return_metadata=True, decode_backend="torchcodec")
    meta = out["video_metadata"][0]
    assert meta.frames_indices == from_path["video_metadata"][0].frames_indices
    assert meta.frames_indices[:2] == [0, 52]  # frame 52 is on screen from 0.9 s to 1.1 s, at 1.03 s
    assert meta.timestamps == pytest.approx(times[meta.frames_indices] - times[0], abs=1e-6)
    assert_same_pictures(out["pixel_values"][0].permute(0, 2, 3, 1).round().byte().numpy(), truth, meta.frames_indices)


def test_torchcodec_reads_a_file_object_right_after_pyav_read_from_it_in_between(tmp_path):
    """torchcodec reads on from where its last read left the file (it does not seek to read the next frames of a
    GOP), and the PyAV reader that checks it reads the same file object between its reads (`_replace_misread`: here
    one frame asked of it directly). On one shared file torchcodec then got PyAV's bytes ("Could not push packet to
    decode") and its frames came from PyAV's fallback; each reads through its own view: torchcodec's own frames."""
    frames = np.stack([pattern_frame(i, 240, 320) for i in range(30)])
    # noise below the index stripes: frames of about 40 KB, more than FFmpeg's I/O buffer holds ahead
    frames[:, 160:] = np.random.default_rng(0).integers(0, 256, (30, 80, 320, 3), dtype=np.uint8)
    path = write_video(tmp_path / "v.mp4", num_frames=30, height=240, width=320, frames=frames, gop=20)
    truth = sequential_decode(path)
    with open(path, "rb") as file, open_video(file, backend="torchcodec") as reader:
        assert reader.backend == "torchcodec"
        assert np.array_equal(reader.read(range(10)), truth[:10])
        reader.reference.read([29])  # the file object is now where PyAV left it
        decoded_by_pyav = reader.reference.frames_decoded
        assert np.abs(reader.read(range(10, 20)).astype(int) - truth[10:20]).mean() < 2
        assert reader.reference.frames_decoded == decoded_by_pyav  # torchcodec read them: no fallback


# -- what torchcodec's open path hands on (`open_with_torchcodec`, `_checked_by_pyav`, `_FileView`): the kills of
# its mutants (docs/testing.md, "mutmut"), each against plain PyAV's decode of the same file
class RecordingFile(io.BufferedReader):
    """An open file that records how many bytes each read returned."""

    def __init__(self, path):
        super().__init__(io.FileIO(path, "rb"))
        self.reads = []

    def read(self, size=-1):
        data = super().read(size)
        self.reads.append(len(data))
        return data


def test_a_file_object_asked_of_torchcodec_is_read_in_pieces_not_copied_whole(tmp_path):
    """torchcodec and the PyAV reader that checks it read a caller's file object in FFmpeg's pieces: a view that said
    it cannot seek had each reader copy the whole file into memory first (twice the file's size, for a file of any
    size), and a view that read to the end of the file at each read copied the rest of it once per piece."""
    frames = np.stack([pattern_frame(i, 240, 320) for i in range(20)])
    # noise below the index stripes: frames of about 40 KB, a file of 20 of FFmpeg's I/O pieces and more
    frames[:, 160:] = np.random.default_rng(0).integers(0, 256, (20, 80, 320, 3), dtype=np.uint8)
    path = write_video(tmp_path / "v.mp4", num_frames=20, height=240, width=320, frames=frames, gop=10)
    truth, size = sequential_decode(path), os.path.getsize(path)
    with RecordingFile(path) as file:
        with open_video(file, backend="torchcodec") as reader:
            assert reader.backend == "torchcodec" and reader.reference is not None  # read by both, in turns
            wanted = [19, 0, 7, 8, 13]
            assert_same_pictures(reader.read(wanted), truth, wanted)
        assert sum(file.reads) >= size  # (the whole file was read, by someone)
        assert max(file.reads) < size / 4


def test_a_mirrored_file_asked_of_torchcodec_reads_mirrored_from_a_path_bytes_or_a_file_object(tmp_path):
    # torchcodec turns frames by the display matrix's angle and does not mirror them: `open_with_torchcodec` hands it
    # the mirror PyAV saw in the file. Plain PyAV's decode applies no matrix: the stored pictures, mirrored by hand.
    path = write_with_matrix(tmp_path / "mirrored.mp4", 0, hflip=True, vflip=False)
    shown = stored_pictures(path)[:, :, ::-1]
    data = open(path, "rb").read()
    with open(path, "rb") as file:
        for source in (path, data, file):
            with open_video(source, backend="torchcodec") as reader:
                assert reader.backend == "torchcodec" and (reader.info.rotation, reader.info.hflip) == (0, True)
                got = reader.read([4, 0])
            assert np.abs(got.astype(int) - shown[[4, 0]].astype(int)).mean() < 2


@pytest.mark.parametrize("degrees, hflip", [(45, False), (135, False), (45, True)])
def test_an_angle_that_is_no_right_angle_asked_of_torchcodec_leaves_the_picture_as_stored(tmp_path, degrees, hflip):
    # torchcodec turns such an angle by the nearest right angle (48x64 pictures read 64x48 at 45 degrees, upside down
    # at 135); PyAV's reader leaves them as stored (mirrored where the matrix mirrors), and reads these files.
    # Plain PyAV's decode applies no matrix: the stored pictures, mirrored by hand.
    path = write_with_matrix(tmp_path / f"turned{degrees}.mp4", degrees, hflip=hflip, vflip=False, num_frames=3)
    stored = stored_pictures(path)
    shown = stored[:, :, ::-1] if hflip else stored
    with open(path, "rb") as file:
        for source in (path, open(path, "rb").read(), file):
            with open_video(source, backend="torchcodec") as reader:
                assert (reader.info.height, reader.info.width, reader.info.hflip) == (*stored.shape[1:3], hflip)
                got = reader.read([2, 0])
            assert got.shape == shown[[2, 0]].shape
            assert np.abs(got.astype(int) - shown[[2, 0]].astype(int)).mean() < 2


def test_program_and_transport_streams_cut_short_asked_of_torchcodec_read_as_a_sequential_decode(tmp_path):
    # H.264 in a .vob cut at a pack's end (the decoder refuses its last packet) and HEVC in a .ts cut at a packet's end
    # (its last packet makes no picture): torchcodec seeks neither container right, and PyAV's reader, which reads
    # them, gives what a one-thread sequential decode gives (tests/test_video_cut_streams.py)
    from test_video_cut_streams import X264, X265, last_packet_makes_no_picture, sequential_decode, sequential_times
    from video_factory import write_stamped

    vob = write_stamped(tmp_path / "full.vob", "vob", "libx264", 40, X264)
    hevc = write_stamped(tmp_path / "full.ts", "mpegts", "libx265", 40, X265)
    cuts = []
    for full, step, suffix, is_cut in [
        (vob, 2048, "vob", last_packet_makes_no_picture),
        (hevc, 188, "ts", lambda cut: len(sequential_times(cut)) < len(video_packets(cut))),
    ]:
        data, cut = open(full, "rb").read(), tmp_path / f"cut.{suffix}"
        for size in range(len(data) // 2 // step * step, len(data), step):
            cut.write_bytes(data[:size])
            if is_cut(cut):
                cuts.append(str(cut))
                break
    assert len(cuts) == 2, "a cut the case needs is not written"
    for cut in cuts:
        truth = sequential_decode(cut)
        with open_video(cut, backend="torchcodec") as reader:
            assert reader.num_frames == len(truth), cut
            np.testing.assert_array_equal(reader.read(range(len(truth))), truth)
            # (a read in reverse seeks before each frame, where torchcodec's seek went wrong in these containers)
            np.testing.assert_array_equal(reader.read(range(len(truth))[::-1]), truth[::-1])


def video_packets(path) -> list:
    with av.open(str(path)) as container:
        return [packet for packet in container.demux(video=0) if packet.size]


@pytest.mark.parametrize("num_frames", [2, 3])
def test_a_transport_stream_of_a_few_frames_asked_of_torchcodec_is_read_with_pyav(tmp_path, num_frames):
    # FFmpeg's probe takes so short a .ts for a program stream, and neither PyAV nor torchcodec opened it ("[Errno
    # 541478725] End of file"); opened as a transport stream it is one torchcodec misreads, which PyAV reads
    from video_factory import frame_indices, write_stamped

    path = write_stamped(tmp_path / "clip.ts", "mpegts", "libx264", num_frames, {"preset": "ultrafast"})
    for source in (path, open(path, "rb").read()):
        with open_video(source, backend="torchcodec") as reader:
            assert reader.backend == "pyav"
            assert frame_indices(reader.read(range(num_frames))) == list(range(num_frames))


def test_h264_with_b_frames_stamped_in_decode_order_asked_of_torchcodec_reads_the_sequential_decode(tmp_path):
    # Matroska stamped in decode order: PyAV's table finds presentation order by a decode at open, and the times
    # torchcodec indexes by are decode times, so torchcodec's frame at frame i's time is another picture. PyAV reads
    # it (`_checked_by_pyav`); kept with torchcodec, frame 1 read frame 3's picture.
    source = write_encoded(str(tmp_path / "clip.mp4"), "mp4", "h264", NUM_FRAMES, bframes=3)
    path = stamped_in_decode_order(source, tmp_path / "stamped.mkv", "matroska")
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(NUM_FRAMES))
    with open_video(path, backend="torchcodec") as reader:
        for indices in index_sets(NUM_FRAMES):
            assert_same_pictures(reader.read(indices), truth, indices)


def pyav_reader_whose_table_says(times, stamp: str, decode_stamped: bool) -> type:
    """A stand-in PyAVReader of 8 frames whose frame table says this of its times (see `_checked_by_pyav`)."""

    class StandIn:
        num_frames, _stamp, _decode_stamped = 8, stamp, decode_stamped

        def __init__(self, file, name=None, **kwargs):
            pass

        def frame_times(self):
            return times

        def starts_at_recovery_points(self):
            return False

        def flags_frames_needing_references(self):
            return False

        def flags_keyframes_needing_references(self):
            return False

        def seeks_rename_packets(self):
            return False

        _unseekable = frozenset()

    return StandIn


@pytest.mark.parametrize(
    "times, stamp, decode_stamped, kept",
    [
        (np.arange(8) / 25, "pts", False, True),  # presentation times: torchcodec reads, checked by them
        (None, "pts", False, False),  # no times (a decode at open that lost the packets' names)
        (np.arange(8) / 25, "dts", False, False),  # frames named by their decode times (an AVI's slots)
        (np.arange(8) / 25, "pts", True, False),  # pts that are decode times (Matroska stamped in decode order)
    ],
)
def test_torchcodec_is_kept_only_where_pyavs_table_has_presentation_times(
    monkeypatch, times, stamp, decode_stamped, kept
):
    # each of the three alone says torchcodec's index, by the file's timestamps, cannot be checked: PyAV reads it
    from vivit_hf.processing import video_torchcodec

    stand_in = pyav_reader_whose_table_says(times, stamp, decode_stamped)
    monkeypatch.setattr(video_torchcodec, "PyAVReader", stand_in)  # where _checked_by_pyav looks it up
    torchcodec = SimpleNamespace(num_frames=8, reference=None)
    got = video_torchcodec._checked_by_pyav(torchcodec, "file", "name", {})
    assert (got is torchcodec) == kept
    assert isinstance(torchcodec.reference if kept else got, stand_in)


X265_GOP8 = {"preset": "ultrafast", "x265-params": "keyint=8:min-keyint=8:scenecut=0:bframes=3:log-level=error"}


@pytest.mark.parametrize(
    "encoder, options, first",
    [("libx265", X265_GOP8, 1), ("libx265", X265_GOP8, 9), ("mpeg4", {"g": "8"}, 9)],
    ids=["hevc-every-frame", "hevc-from-the-9th", "mpeg4-from-the-9th"],
)
def test_a_file_whose_frames_are_flagged_keyframes_asked_of_torchcodec_reads_the_sequential_decode(
    tmp_path, encoder, options, first
):
    # An mp4 without a sync-sample table flags every frame a keyframe (first=1; Matroska flagging every block reads
    # alike); an editor's remux may flag every frame from some point on (first=9). torchcodec seeked to a P-frame and
    # returned it decoded without its references, under the P-frame's own timestamp (nothing for `_replace_misread` to
    # see): HEVC's frame 17 read 117 grey levels off, frames 10, 12 and 23 too; MPEG-4 part 2's 52 to 119. PyAV's
    # frame table reads each flagged packet's picture header while demuxing (`random_access`): no IRAP picture, no
    # I-VOP, so PyAV reads the file. (Before, one read of the second keyframe told: frame 8, a true one, where the
    # flags go wrong from the 9th packet on.)
    from video_factory import flagged_from, write_stamped

    source = write_stamped(tmp_path / "source.mkv", "matroska", encoder, 24, options)
    path = flagged_from(source, tmp_path / "flagged.mp4", "mp4", first)
    truth = sequential_decode(str(path))
    assert frame_indices(truth) == list(range(24))
    for indices in ([17], [10, 12, 23]):
        assert_same_pictures(read_frames(str(path), indices, backend="torchcodec"), truth, indices)
    processor = ViViTVideoProcessor(decode_backend="torchcodec")
    frames = processor.decode_video_frames((tmp_path / "flagged.mp4").read_bytes(), indices=[17])
    assert_same_pictures(frames.numpy(), truth, [17])
