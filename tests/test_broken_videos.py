# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`skip_broken=True` skips a sample by the class of its error (`BrokenVideoError`, `VideoDecodeError`), never by
its message: every kind of broken sample is skipped and counted, and a wrong option is raised even when its message
happens to hold the words of a broken sample's."""

import bz2
import gzip
import io
import lzma
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import BACKENDS
from PIL import Image
from video_factory import write_video

from vivit_hf import BrokenVideoError, VideoDecodeError, ViViTVideoProcessor

SMALL = dict(
    do_sample_frames=True,  # arrays too, as files are: 4-frame clips from every input
    num_frames=4,
    frame_stride=1,
    size={"shortest_edge": 32},
    crop_size={"height": 28, "width": 28},
)


def good_array() -> np.ndarray:
    return np.full((6, 30, 30, 3), 100, np.uint8)


def nan_array() -> np.ndarray:
    video = np.full((6, 30, 30, 3), 100.0, np.float32)
    video[2] = np.nan
    return video


# Each broken sample, how it is made, and the error class it must raise when not skipped.
BROKEN = {
    "undecodable file": (lambda tmp: _bytes_file(tmp / "noise.mp4", b"\x00" * 100), {}, VideoDecodeError),
    "file shorter than the clip": (
        lambda tmp: write_video(tmp / "short.mp4", num_frames=3),
        {"short_video": "error"},
        BrokenVideoError,
    ),
    "one-frame file": (lambda tmp: write_video(tmp / "still.mp4", num_frames=1), {}, BrokenVideoError),
    "array shorter than the clip": (lambda tmp: good_array()[:2], {}, BrokenVideoError),
    "NaN frames": (lambda tmp: nan_array(), {}, BrokenVideoError),
    "no channel axis": (lambda tmp: np.zeros((6, 5, 6, 7), np.uint8), {}, BrokenVideoError),
    "no frames": (lambda tmp: np.zeros((0, 30, 30, 3), np.uint8), {}, BrokenVideoError),
    "frames of two sizes": (
        lambda tmp: [Image.new("RGB", (30, 30)), Image.new("RGB", (31, 30))] * 3,
        {},
        BrokenVideoError,
    ),
}


def _bytes_file(path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("kind", list(BROKEN))
def test_each_broken_sample_is_skipped_and_counted(kind, tmp_path):
    make, options, _ = BROKEN[kind]
    proc = ViViTVideoProcessor(**SMALL, skip_broken=True)
    out = proc([good_array(), make(tmp_path), good_array()], return_tensors="pt", **options)
    assert out["kept_indices"].tolist() == [0, 2]
    assert out.pixel_values.shape == (2, 4, 3, 28, 28)
    assert proc.num_skipped == 1


@pytest.mark.parametrize("kind", list(BROKEN))
def test_each_broken_sample_raises_its_class_without_skip_broken(kind, tmp_path):
    make, options, error_class = BROKEN[kind]
    with pytest.raises(error_class) as error:
        ViViTVideoProcessor(**SMALL)([good_array(), make(tmp_path)], **options)
    assert isinstance(error.value, ValueError)  # callers' `except ValueError` still catches it
    assert "(video 1 of the 2 in this call)" in error.value.__notes__


# The phrases the old check looked for in a message; a file path may hold any of them.
OLD_PHRASES = ["frames but the clip needs", "single frame", "layout", "NaN or infinite"]


@pytest.mark.parametrize("phrase", OLD_PHRASES)
def test_a_wrong_option_is_raised_under_skip_broken_whatever_its_message_says(phrase, tmp_path):
    folder = tmp_path / phrase
    folder.mkdir()
    video = write_video(folder / "clip.mp4", num_frames=12, fps=25)
    proc = ViViTVideoProcessor(**SMALL, skip_broken=True)
    # fps=100 asks for more frames a second than the video has: the option is wrong, the video is fine
    with pytest.raises(ValueError, match="ask for at most its own rate") as error:
        proc([video], fps=100)
    assert phrase in str(error.value) and not isinstance(error.value, (BrokenVideoError, VideoDecodeError))
    assert proc.num_skipped == 0


def test_a_data_sets_batch_passed_whole_is_raised_under_skip_broken_not_skipped(tmp_path):
    """`proc(batch)` for `proc(batch["video"])` in a `with_transform`: the dict of columns was taken for a broken
    video, so skip_broken returned an empty batch (a warning its only trace) and training stopped later, elsewhere."""
    from datasets import Dataset, Video

    paths = [write_video(tmp_path / f"{i}.mp4", num_frames=12) for i in range(2)]
    dataset = Dataset.from_dict({"video": paths, "label": [0, 1]}).cast_column("video", Video(decode=False))
    proc = ViViTVideoProcessor(**SMALL, skip_broken=True)
    for wrong in (dataset[:2], [dataset[0]]):  # a batch of columns, a list of rows
        with pytest.raises(ValueError, match=r"is no video.*Pass its video column") as error:
            proc(wrong)
        assert not isinstance(error.value, BrokenVideoError)
    assert proc.num_skipped == 0
    assert proc(dataset[:2]["video"], return_tensors="pt").pixel_values.shape == (2, 4, 3, 28, 28)
    assert proc({"path": None, "bytes": None}, return_tensors="pt").pixel_values.shape[0] == 0  # a null value: broken


def test_an_input_of_no_video_kind_is_raised_under_skip_broken_not_skipped():
    """A torchcodec FrameBatch (decoded frames with their times), a number, any object that is no video: refused as
    a VideoDecodeError, so skip_broken dropped each with a warning (a batch of them became an empty batch), and the
    message listed no in-memory kind. A None (a data set's missing value) is still a broken sample, skipped."""
    import torch
    from transformers.video_utils import VideoMetadata

    class FrameBatch:  # torchcodec's, as `decoder.get_frames_in_range(...)` returns it
        def __init__(self, data):
            self.data, self.pts_seconds = data, torch.arange(len(data)) / 25
            self.duration_seconds = torch.full((len(data),), 0.04)

    proc = ViViTVideoProcessor(**SMALL, skip_broken=True)
    frames = torch.from_numpy(good_array()).permute(0, 3, 1, 2)
    # transformers' `load_video` returns (frames, metadata): the pair passed whole is a list of two "videos"
    metadata = VideoMetadata(total_num_frames=len(frames), fps=25.0)
    for wrong, advice in (
        (FrameBatch(frames), r"FrameBatch.*pass its `\.data`"),
        (3.5, r"an array or tensor"),
        (metadata, r"VideoMetadata.*load_video.*`processor\(frames, video_metadata=metadata\)`"),
        ((video for video in [good_array()]), r"A generator .* pass a list, `list\(videos\)`"),
    ):
        with pytest.raises(ValueError, match=rf"Unsupported video input <\w+>.*{advice}") as error:
            proc((good_array(), wrong))
        assert not isinstance(error.value, BrokenVideoError)
    assert proc.num_skipped == 0
    assert proc([good_array(), None], return_tensors="pt").pixel_values.shape[0] == 1 and proc.num_skipped == 1
    # the advice, followed
    assert proc(frames, return_tensors="pt").pixel_values.shape[0] == 1


def test_the_training_data_set_skips_and_counts_every_kind_of_broken_file(tmp_path):
    """A long run skips a broken sample rather than dying: the training data set marks a one-frame, a too-short
    (under short_video="error") and an undecodable file invalid, with zeros of the good clips' shape, and keeps the
    good one."""
    from vivit_hf.training.data.dataset import VideoClassificationDataset

    good = write_video(tmp_path / "good.mp4", num_frames=8)
    still = write_video(tmp_path / "still.mp4", num_frames=1)
    short = write_video(tmp_path / "short.mp4", num_frames=3)
    noise = _bytes_file(tmp_path / "noise.mp4", b"\x00" * 100)
    processor = ViViTVideoProcessor(**SMALL, short_video="error")
    examples = [{"video": str(path), "label": i} for i, path in enumerate([good, still, short, noise])]
    data = VideoClassificationDataset(examples, processor)
    samples = [data[i] for i in range(len(data))]
    assert [bool(s["valid"]) for s in samples] == [True, False, False, False]
    assert all(s["pixel_values"].shape == samples[0]["pixel_values"].shape for s in samples)
    assert all(not s["pixel_values"].any() for s in samples[1:])
    assert [int(s["labels"]) for s in samples] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "fmt, codec",
    [
        ("flv", "h264"),
        # Matroska / WebM drop the block the file ends inside: no packet, and a bare "has no frames." (their header
        # states a duration)
        ("matroska", "h264"),
        ("webm", "vp9"),
    ],
)
def test_a_file_cut_inside_its_first_frame_is_an_error_saying_it_is_truncated(tmp_path, fmt, codec):
    """A download cut inside its first video packet holds no frame (a sequential decode gives none): it read as one
    frame of 0 x 0, and the processor then asked for `short_video="loop"`, which failed to decode it."""
    import av

    from vivit_hf.processing.video_io import probe

    whole = tmp_path / f"whole.{fmt}"
    write_video(whole, num_frames=10, height=32, width=32, codec=codec, container_format=fmt)
    with av.open(str(whole)) as container:
        first = next(p for p in container.demux(container.streams.video[0]) if p.size)
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(whole.read_bytes()[: first.pos + first.size // 2])
    with av.open(str(cut)) as container:  # the reference: a sequential decode gives no frame
        frames = []
        try:
            frames = list(container.decode(video=0))
        except av.FFmpegError:
            pass
    assert frames == []
    for read in (probe, lambda path: ViViTVideoProcessor(**SMALL)(path, short_video="loop")):
        with pytest.raises(VideoDecodeError, match=rf"cut\.{fmt}' has no frames \(it ends inside its first frame"):
            read(cut)


def test_a_whole_avi_whose_header_counts_frames_it_does_not_hold_is_not_called_truncated(tmp_path):
    """An AVI header's count is no index (`declared_end` trusts it only where the RIFF chunk says the file runs on):
    a whole file (RIFF size and file size alike) of sound, whose video header counts 20 frames and no chunk holds
    one, read as "it ends inside its first frame: the file is truncated"."""
    import av

    from vivit_hf.processing.video_io import probe

    path = tmp_path / "claims.avi"
    with av.open(str(path), "w", format="avi") as container:
        video = container.add_stream("mpeg4", rate=25)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        sound = container.add_stream("pcm_s16le", rate=8000, layout="mono")
        for i in range(4):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
            frame.sample_rate, frame.pts = 8000, i * 800
            container.mux(sound.encode(frame))
    data = bytearray(path.read_bytes())
    at = data.find(b"vids") + 32  # the video stream header's dwLength
    data[at : at + 4] = (20).to_bytes(4, "little")
    path.write_bytes(data)
    assert int.from_bytes(data[4:8], "little") + 8 == len(data)  # whole, by its RIFF chunk
    with av.open(str(path)) as container:  # the reference: 20 frames stated, none there
        assert container.streams.video[0].frames == 20
        assert list(container.decode(video=0)) == []
    with pytest.raises(VideoDecodeError, match=r"claims\.avi' has no frames\.$"):
        probe(path)


def test_a_transport_stream_whose_damage_adds_a_stream_mid_way_reads_as_a_sequential_decode(tmp_path):
    """One byte of a TS table changed (found by fuzzing): PyAV's demuxer then fails with a bare IndexError (a
    stream appears that its list lacks), which escaped every reader as no VideoDecodeError; the frames before the
    failure are the video's, as where a demuxer fails at a cut (see `_decodable`)."""
    import av
    from video_factory import remux, write_divx_packed_avi

    from vivit_hf.processing.video_io import probe, read_frames

    whole = remux(write_divx_packed_avi(tmp_path / "q.avi"), tmp_path / "q.ts", "mpegts", from_keyframe=1)
    damaged = bytearray(Path(whole).read_bytes())
    damaged[3386] = 0x69
    path = tmp_path / "damaged.ts"
    path.write_bytes(bytes(damaged))
    if int(av.__version__.split(".")[0]) < 19:  # PyAV 19 demuxes it without the IndexError
        with pytest.raises(IndexError), av.open(str(path)) as container:  # what PyAV itself does with it
            for _ in container.demux(video=0):
                pass
    # (a sequential decode ends where its demuxer fails, and flushes: the frames the decoder holds come out; the
    # reader gave a VideoDecodeError at open where the decode at open was made anew on one thread)
    truth = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        try:
            for packet in container.demux(stream):
                try:
                    truth += stream.codec_context.decode(packet) if packet.size else []
                except av.InvalidDataError:  # as the ffmpeg command line, it goes on
                    pass
        except IndexError:
            pass
        truth += stream.codec_context.decode(None)
    truth = np.stack([frame.to_ndarray(format="rgb24") for frame in truth])
    info = probe(path)
    assert info.num_frames == len(truth)
    np.testing.assert_array_equal(read_frames(path, range(info.num_frames)), truth)


def _archive(kind: str) -> bytes:
    """A ZIP or tar archive holding a (stand-in) video, as a data set's download comes."""
    import tarfile
    import zipfile

    buffer = io.BytesIO()
    if kind == "zip":
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("videos/clip.mp4", b"\0\0\0\x18ftypisom" + bytes(200))
    else:
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            member = tarfile.TarInfo("videos/clip.mp4")
            member.size = 200
            archive.addfile(member, io.BytesIO(b"\0\0\0\x18ftypisom" + bytes(192)))
    return buffer.getvalue()


ERROR_DOCUMENTS = {  # what a download saves under a video's name when the server answers with something else,
    "HTML page": b"\xef\xbb\xbf\n  <!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head>"
    + b"<body>"
    + b"<p>Google Drive can't scan this file for viruses.</p>\n" * 200
    + b"</body></html>\n",
    "XML document": b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>",
    "JSON text": b'{"error": {"code": 429, "message": "Quota exceeded"}}\n',
    # a data set's list or annotations passed where its videos belong (no video container starts as text)
    "text file": b"youtube_id,label,time_start\nabc123,dancing,12\n",
    # a stream's manifest or playlist given for its video: "an XML document ... a download that got a web page", "a
    # text file"
    "DASH manifest": b'<?xml version="1.0" encoding="utf-8"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" '
    b'type="static">\n<Period id="0"><AdaptationSet><SegmentTemplate initialization="init-$RepresentationID$.m4s"/>',
    "HLS playlist": b'#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:0.4,\nindex0.m4s\n#EXT-X-ENDLIST\n',
    # a clone without git-lfs holds these in place of the videos
    "Git LFS pointer file": b"version https://git-lfs.github.com/spec/v1\n"
    b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1048576\n",
    # a data set's archive (videos.zip, a WebDataset shard) passed where one of its videos belongs
    "ZIP archive": _archive("zip"),
    "tar archive": _archive("tar"),
    # compressed tar (Kinetics' .tar.gz; .tar.xz, .tar.bz2)
    "gzip file": gzip.compress(_archive("tar")),
    "xz file": lzma.compress(_archive("tar")),
    "bzip2 file": bz2.compress(_archive("tar")),
}


@pytest.mark.parametrize("kind", list(ERROR_DOCUMENTS))
def test_a_web_page_saved_as_a_video_is_an_error_saying_what_it_is(tmp_path, kind):
    """FFmpeg's "Invalid data found when processing input" said nothing of what the file is: a download script that
    got an error or sign-in page saved it as clip.mp4, and every such sample read as a corrupt video."""
    from vivit_hf.processing.video_io import probe

    path = _bytes_file(tmp_path / "clip.mp4", ERROR_DOCUMENTS[kind])
    for source in (path, Path(path).read_bytes()):
        with pytest.raises(VideoDecodeError, match=f"it is (an |a |){kind}, not (a|the) video"):
            probe(source)
    with pytest.raises(VideoDecodeError, match=f"clip.mp4'.*{kind}"):
        ViViTVideoProcessor(**SMALL)(path)


def test_an_mp4_cut_before_its_index_is_an_error_saying_so(tmp_path, mp4_of_ten_frames):
    """A recording stopped by a crash or a full card, or a download cut short, lacks the 'moov' box that MP4
    muxers write last: no reader can find its frames, and FFmpeg only said "Invalid data found"."""
    import av

    from vivit_hf.processing.video_io import probe

    data = mp4_of_ten_frames
    assert data.index(b"moov") > data.index(b"mdat")  # (PyAV's mp4 muxer writes the index last)
    cut = _bytes_file(tmp_path / "cut.mp4", data[: data.index(b"moov") // 2])
    with pytest.raises(av.FFmpegError):  # the reference: FFmpeg cannot open it
        av.open(cut)
    for source in (cut, Path(cut).read_bytes()):
        with pytest.raises(VideoDecodeError, match="MP4 / QuickTime file without its index .*cut short"):
            probe(source)


def _fragmented_mp4(path: Path, movflags: str) -> Path:
    """10 pattern frames of H.264 in a fragmented MP4 (`movflags`), a fragment every 5 frames (its keyframes)."""
    import av
    from video_factory import pattern_frame

    with av.open(str(path), "w", format="mp4", options={"movflags": movflags}) as container:
        stream = container.add_stream("libx264", rate=25, options={"preset": "ultrafast", "g": "5"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def test_a_fragmented_mp4_cut_inside_a_fragment_header_is_an_error_saying_so(tmp_path):
    """A fragmented MP4 (OBS's, a camera's, a live stream's: a 'moof' index per fragment) cut inside a fragment's
    'moof' box: FFmpeg reads every fragment's box at open, and where the cut is inside some of them (its track run)
    said only "Invalid data found"."""
    import av

    from vivit_hf.processing.video_io import probe

    whole = _fragmented_mp4(tmp_path / "whole.mp4", "frag_keyframe+empty_moov")
    data = whole.read_bytes()
    moof = data.rindex(b"moof") - 4

    def opens(path) -> bool:  # the reference: FFmpeg opens it or not (it fails on cuts inside some of the boxes in it)
        try:
            av.open(path).close()
        except av.FFmpegError:
            return False
        return True

    cuts = (_bytes_file(tmp_path / f"cut{k}.mp4", data[: moof + k]) for k in range(8, 200, 8))
    cut = next(path for path in cuts if not opens(path))
    for source in (cut, Path(cut).read_bytes()):
        with pytest.raises(VideoDecodeError, match="fragmented MP4 that ends inside a fragment's header"):
            probe(source)
    assert probe(whole).num_frames == 10  # (a whole one reads)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_dash_initialisation_or_media_segment_alone_is_an_error_saying_so(tmp_path, backend):
    """DASH / HLS fMP4 / CMAF deliver a video as an initialisation segment ('ftyp' + a 'moov' of no frames) and media
    segments ('styp' / 'moof' + 'mdat'), separate files a downloader keeps as they came. The initialisation segment
    alone read "has no frames.", a media segment alone "Invalid data found when processing input"; each is named, with
    the join that makes the video (which reads as a sequential decode of the whole file)."""
    from video_factory import frame_indices

    from vivit_hf.processing.video_io import probe, read_frames

    data = _fragmented_mp4(tmp_path / "whole.mp4", "cmaf+frag_keyframe+empty_moov+default_base_moof").read_bytes()
    first = data.index(b"moof") - 4  # (cmaf: no 'styp' before it here; the segment starts at its 'moof')
    second = data.index(b"moof", first + 8) - 4
    init = _bytes_file(tmp_path / "init.mp4", data[:first])
    segment = _bytes_file(tmp_path / "segment-2.m4s", data[second:])
    with pytest.raises(VideoDecodeError, match=r"init.mp4' has no frames: it is a fragmented MP4's header alone"):
        probe(init, backend=backend)
    with pytest.raises(VideoDecodeError, match=r"m4s': it is a media segment of a fragmented MP4 .* without its init"):
        probe(segment, backend=backend)
    joined = _bytes_file(tmp_path / "joined.mp4", data[:first] + data[second:])  # (the join the messages give)
    assert frame_indices(read_frames(joined, [0, 4], backend=backend)) == [5, 9]


def test_an_hls_playlist_missing_a_segment_is_an_error_naming_it(tmp_path):
    """FFmpeg's hls demuxer skips a segment it cannot open, with a log line alone: a playlist whose last of 3 segments
    was not copied beside it read 20 of 30 frames, 0.8 s of 1.2, without a word. It is refused naming the segment;
    whole, it reads every frame a sequential decode gives."""
    import av

    from vivit_hf.processing.video_io import probe

    playlist = tmp_path / "index.m3u8"
    with av.open(str(playlist), "w", format="hls", options={"hls_time": "0.4", "hls_segment_type": "fmp4"}) as out:
        stream = out.add_stream("mpeg4", rate=25, options={"g": "10"})
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(30):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.full((32, 32, 3), 8 * i, np.uint8), format="rgb24")))
        out.mux(stream.encode())
    with av.open(str(playlist)) as container:
        assert probe(str(playlist), backend="pyav").num_frames == len(list(container.decode(video=0))) == 30
    (tmp_path / "index2.m4s").unlink()
    with pytest.raises(VideoDecodeError, match=r"index.m3u8' is an HLS playlist naming files that are not beside it: "):
        probe(str(playlist), backend="pyav")


@pytest.mark.parametrize("fmt, suffix", [("matroska", "mkv"), ("webm", "webm")])
@pytest.mark.parametrize("keep", [50, 100, 300])
def test_a_matroska_file_cut_inside_its_header_is_an_error_saying_so(tmp_path, fmt, suffix, keep):
    """A Matroska / WebM download or recording cut in its first bytes: FFmpeg said "[Errno 5] Input/output error" or
    "End of file"; an audio-only Matroska file, which FFmpeg opens, is still told it has no video stream."""
    import av

    from vivit_hf.processing.video_io import probe

    codec = "vp9" if fmt == "webm" else "h264"
    whole = write_video(tmp_path / f"whole.{suffix}", num_frames=6, codec=codec, container_format=fmt)
    data = Path(whole).read_bytes()
    cut = _bytes_file(tmp_path / f"cut.{suffix}", data[:keep])
    with pytest.raises(av.FFmpegError):  # the reference: FFmpeg cannot open it
        av.open(cut)
    for source in (cut, Path(cut).read_bytes()):
        with pytest.raises(VideoDecodeError, match="Matroska / WebM file whose header .*cut short") as error:
            probe(source)
        if isinstance(source, str):
            assert repr(cut) in str(error.value)


class _ReadFails(io.RawIOBase):
    """A whole file served by a file object whose reads fail past `good` bytes (a storage service's connection that
    dropped), with `error`."""

    def __init__(self, data: bytes, good: int, error: Exception):
        self.data, self.good, self.error, self.position = data, good, error, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        self.position = (0, self.position, len(self.data))[whence] + offset
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        if self.position >= self.good:
            raise self.error
        count = min(len(buffer), self.good - self.position)
        buffer[:count] = self.data[self.position : self.position + count]
        self.position += count
        return count


def test_a_matroska_file_whose_file_object_fails_to_read_is_an_error_naming_that_failure(tmp_path):
    # The file is whole: its source failed. The error said it was a Matroska file cut short or damaged, hiding the
    # source's own error, which PyAV raises as it is (the reference: av.open's error).
    import av

    from vivit_hf.processing.video_io import probe

    data = Path(write_video(tmp_path / "whole.mkv", num_frames=6, container_format="matroska")).read_bytes()
    error = ConnectionResetError("connection reset by peer (the storage service)")
    with pytest.raises(ConnectionResetError):
        av.open(_ReadFails(data, 100, error))
    with pytest.raises(VideoDecodeError, match=r"connection reset by peer \(the storage service\)"):
        probe(_ReadFails(data, 100, error))


@pytest.fixture(scope="module")
def mp4_of_ten_frames(tmp_path_factory) -> bytes:
    """A 10-frame mp4's bytes, its index ('moov') last, as PyAV's muxer writes it (one encode for every cut below)."""
    return Path(write_video(tmp_path_factory.mktemp("mp4") / "whole.mp4", num_frames=10)).read_bytes()


@pytest.mark.parametrize("inside", [0.05, 0.3, 0.45, 0.75])
def test_an_mp4_cut_inside_its_index_is_an_error_saying_so(tmp_path, inside, mp4_of_ten_frames):
    """A download cut in its last kilobytes ends inside the 'moov' box: FFmpeg opened such files with no streams, a
    data stream alone or a video stream of no frames, or not at all, and the errors said "has no video stream
    (found: no streams)", "(found: data)", "no decoder for its codec", "has no frames" or "Invalid data found", as if
    the file held no video or a damaged one."""
    import av

    from vivit_hf.processing.video_io import probe

    data = mp4_of_ten_frames
    moov = data.index(b"moov") - 4
    cut = _bytes_file(tmp_path / "cut.mp4", data[: moov + int((len(data) - moov) * inside)])
    try:  # the reference: FFmpeg finds no frame in it
        with av.open(cut) as container:
            assert not (container.streams.video and any(container.decode(*container.streams.video)))
    except (av.FFmpegError, ValueError):  # (ValueError: PyAV's, for a stream without a decoder)
        pass
    for source in (cut, Path(cut).read_bytes()):
        with pytest.raises(VideoDecodeError, match="MP4 / QuickTime file without its index .*cut short"):
            probe(source)
    with pytest.raises(VideoDecodeError, match="cut.mp4'.*without its index"):
        ViViTVideoProcessor(**SMALL)(cut)


class _Unreadable(io.BytesIO):
    def readable(self):  # a file object opened for writing only says so
        return False


def test_a_broken_file_opened_as_a_file_object_is_an_error_naming_the_file(tmp_path):
    """FFmpeg's error names the file by the file object's `name`: the wrapper that reads a file object as a path
    dropped it, and the error said "Invalid data found when processing input: '<none>'". The reference: av.open of
    the same file object, which names it and refuses one that is not readable."""
    import av

    from vivit_hf.processing.video_streams import open_input

    path = _bytes_file(tmp_path / "noise.mp4", b"\x00" * 100)
    for opened in (av.open, open_input):
        with open(path, "rb") as file, pytest.raises(av.FFmpegError) as error:
            opened(file, *(("r",) if opened is av.open else ()))
        assert error.value.filename == path, opened
        with pytest.raises(ValueError, match="readable"):
            opened(_Unreadable(b"\x00" * 100))
    with open(path, "rb") as file, pytest.raises(VideoDecodeError, match=re.escape(f"processing input: '{path}'")):
        ViViTVideoProcessor(**SMALL)(file)
