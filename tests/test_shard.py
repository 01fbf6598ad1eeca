# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`python -m vivit_hf.training.data.shard` (issue 15): an adapter's clips as WebDataset shards with a data card, that
stream back with the same labels and frames (checked against a plain PyAV decode of each source clip), re-encoded
to a shorter side with a keyframe every N frames, and pushed to a (stand-in) Hub data set repo."""

import io
import json
import re
import tarfile
from fractions import Fraction

import av
import huggingface_hub
import numpy as np
import pytest
import yaml
from hub_standin import HubStandIn
from test_cards import markdown_table_rows
from test_data_formats import write_csv
from test_recipes_finetune import tiny_clip
from video_factory import frame_indices, pattern_frame, write_encoded, write_two_video_tracks, write_video

from vivit_hf import ViViTVideoProcessor
from vivit_hf.processing.video_io import open_video, probe, read_frames
from vivit_hf.training.data.shard import check_readable, parse_size, reencode
from vivit_hf.training.data.shard import main as shard_main
from vivit_hf.training.data.streaming import open_streaming_dataset

CLASSES = ["abseiling", "bowling"]


@pytest.fixture(scope="module")
def kinetics(tmp_path_factory):
    """A CVDF-layout Kinetics folder: 4 training and 2 validation clips (24x16, 6 frames), one training clip missing."""
    root = tmp_path_factory.mktemp("kinetics")
    rows = {"train": [], "val": []}
    for split, count in (("train", 2), ("val", 1)):
        for label, name in enumerate(CLASSES):
            for i in range(count):
                youtube_id = f"{split}{name[:3]}{i}"
                rows[split].append((name, youtube_id, 10, 20, split))
                tiny_clip(
                    root / f"{split}_clips" / f"{youtube_id}_000010_000020.mp4", label, seed=len(rows[split]), width=24
                )
    rows["train"].append(("bowling", "gone", 0, 10, "train"))  # named by the annotations, absent on disk
    for split, split_rows in rows.items():
        write_csv(
            root / "annotations" / f"{split}.csv",
            split_rows,
            ["label", "youtube_id", "time_start", "time_end", "split"],
        )
    return root


def pyav_frames(data) -> np.ndarray:
    """Every frame of a clip (path or bytes), RGB, with nothing but PyAV."""
    with av.open(io.BytesIO(data) if isinstance(data, bytes) else str(data)) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


def streamed(out, split):
    data = open_streaming_dataset(str(out))
    rows = list(data.split(split).dataset)
    return data, {row["json"]["id"]: row for row in rows}


def test_size_parsing():
    assert parse_size("1GB") == 1024**3 and parse_size("500MB") == 500 * 1024**2 and parse_size("1000") == 1000


def test_the_shard_size_help_says_its_units_are_powers_of_1024(capsys):
    # "--shard_size e.g. 1GB, 500MB" said no unit, where datasets' max_shard_size="500MB" is 500 * 10**6 bytes:
    # `--shard_size 60KB` wrote a 60416-byte shard, over the 60000 such a reader meant as its limit
    with pytest.raises(SystemExit):
        shard_main(["--help"])
    assert f"powers of 1024 (1GB is {1024**3} bytes" in " ".join(capsys.readouterr().out.split())


def test_shards_stream_back_with_the_same_labels_and_frames(kinetics, tmp_path, monkeypatch):
    out = tmp_path / "shards"
    shard_main(["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out), "--shard_size", "15KB"])
    assert len(list((out / "data").glob("train-*-of-*.tar"))) == 2  # 4 clips of ~6 KB with their tar headers
    data, train = streamed(out, "train")
    assert data.label_names == CLASSES and set(data.splits) == {"train", "validation"}
    assert data.split("train").num_examples == 4 and data.split("validation").num_examples == 2  # from the card
    assert sorted(train) == sorted(f"{s}{n[:3]}{i}_000010_000020" for s in ["train"] for n in CLASSES for i in range(2))
    for clip_id, row in train.items():
        assert data.label_names[row["cls"]] == row["json"]["label"] == ("abseiling" if "abs" in clip_id else "bowling")
        source = kinetics / "train_clips" / f"{clip_id}.mp4"
        np.testing.assert_array_equal(pyav_frames(row["mp4"]["bytes"]), pyav_frames(source))
    # a single-label sample is `<key>.mp4`, `<key>.cls` (the id as text) and `<key>.json` (`{"id", "label"}`), as
    # written before multi-label shards (whose `.json` holds `labels`, and no `.cls`), its card's `cls` a ClassLabel
    for tar_path in sorted((out / "data").glob("train-*.tar")):
        with tarfile.open(tar_path) as tar:
            members = [(member.name, tar.extractfile(member).read()) for member in tar]
        for (clip_name, _), (cls_name, cls), (json_name, meta) in zip(*[iter(members)] * 3):
            key, clip_id = clip_name.removesuffix(".mp4"), json.loads(meta)["id"]
            label = "abseiling" if "abs" in clip_id else "bowling"
            assert (cls_name, json_name) == (f"{key}.cls", f"{key}.json") and cls == str(CLASSES.index(label)).encode()
            assert meta == json.dumps({"id": clip_id, "label": label}).encode()
    card = (out / "README.md").read_text()
    features = yaml.safe_load(card.split("---")[1])["dataset_info"]["features"]
    assert features[1:3] == [
        {"name": "cls", "dtype": {"class_label": {"names": {"0": "abseiling", "1": "bowling"}}}},
        {"name": "json", "struct": [{"name": "id", "dtype": "string"}, {"name": "label", "dtype": "string"}]},
    ]
    assert "`--dataset_format kinetics`" in card and "| train | 4 | 2 |" in card and "| 1 | bowling | 2 | 1 |" in card
    assert "| train | 4 | 2 |" in card and "| 1 |" in card.split("| train | 4 | 2 |")[1].splitlines()[0]  # 1 missing
    # Kept local, the card's usage example reads this folder as written (it said `load_dataset(<this repo>, ...)`,
    # which is no Python, and `--dataset <this repo>`, for a folder that has no repo), without torchcodec (its first
    # row was datasets' ImportError "please install 'torchcodec'", torchcodec being no dependency)
    # run from the folder that holds it (the card names the folder, not the writer's absolute path, which a card
    # uploaded by hand showed on a public page)
    example = re.search(r"`(datasets\.load_dataset\(.*?\)\))`", card).group(1)
    monkeypatch.chdir(out.parent)
    first = next(iter(eval(example, {"datasets": __import__("datasets")})["train"]))
    assert first["mp4"]["bytes"] == train[first["json"]["id"]]["mp4"]["bytes"]
    assert "--dataset shards --dataset_format hub --streaming`" in card and "<this repo>" not in card
    assert str(out.parent) not in card
    assert "(from the folder that holds this one; elsewhere, give its path; uploaded, its repo id)." in card


def test_the_summary_says_one_shard_in_the_singular(kinetics, tmp_path, caplog):
    """A split written into one shard was summed up as "2 clips in 1 shards"."""
    out = tmp_path / "shards"
    with caplog.at_level("INFO", logger="vivit_hf.training.data.shard"):
        shard_main(["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out)])
    assert len(list((out / "data").glob("validation-*-of-*.tar"))) == 1  # the reference: the shards on disk
    assert "validation: 2 clips in 1 shard (" in caplog.text and "1 shards" not in caplog.text


def test_reencoded_shards_have_the_short_side_and_a_keyframe_every_n_frames(kinetics, tmp_path):
    out = tmp_path / "shards"
    shard_main(
        ["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out), "--splits", "validation"]
        + ["--short_side", "8", "--keyframe_interval", "2"]
    )
    _, validation = streamed(out, "validation")
    assert len(validation) == 2
    for clip_id, row in validation.items():
        data = row["mp4"]["bytes"]
        with av.open(io.BytesIO(data)) as container:
            keyframes = [frame.key_frame for frame in container.decode(video=0)]
        assert keyframes == [True, False] * 3
        frames = pyav_frames(data)
        assert frames.shape == (6, 8, 12, 3)  # 16x24 -> shorter side 8, aspect kept
        with av.open(str(kinetics / "val_clips" / f"{clip_id}.mp4")) as container:
            reference = np.stack(
                [f.reformat(width=12, height=8).to_ndarray(format="rgb24") for f in container.decode(video=0)]
            )
        assert np.abs(frames.astype(float) - reference).mean() < 8  # the same frames, through a lossy encoder
    # the card said "shorter side 256 pixels" of 32x32 clips, which are never enlarged
    assert "shorter side 8 pixels (a smaller clip keeps its size: never enlarged)" in (out / "README.md").read_text()


def test_shards_are_pushed_to_a_hub_data_set_repo(kinetics, tmp_path, monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # only ever 127.0.0.1
    with HubStandIn() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setenv("HF_TOKEN", "hf_standin")
        out = tmp_path / "shards"
        args = ["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out)]
        shard_main([*args, "--push_to_hub", "--hub_model_id", "me/kinetics-shards"])
        files = hub.repos["datasets/me/kinetics-shards"]
    assert files["README.md"] == (out / "README.md").read_bytes()
    assert sorted(files) == sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def test_shards_are_pushed_to_the_branch_hub_revision_names_and_the_card_reads_them_there(
    kinetics, tmp_path, monkeypatch
):
    """`--hub_revision` (finetune.py's flag, the converter's `--revision`) was "unrecognized arguments": shards could
    go to `main` only. They go to the branch, made from main, and the card's usage example reads that branch."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # only ever 127.0.0.1
    with HubStandIn() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setenv("HF_TOKEN", "hf_standin")
        out = tmp_path / "shards"
        args = ["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out), "--splits", "val"]
        shard_main([*args, "--push_to_hub", "--hub_model_id", "kinetics-shards", "--hub-revision", "v2"])
        branches = hub.branches["datasets/standin-user/kinetics-shards"]  # a name alone: the token's user's
    assert branches["main"] == {} and sorted(branches) == ["main", "v2"]
    assert sorted(branches["v2"]) == sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    # the card names the repo, owner included (it said `<this repo>`, to be filled in by hand)
    card = branches["v2"]["README.md"].decode()
    assert 'load_dataset("standin-user/kinetics-shards", revision="v2", streaming=True)' in card
    assert "--dataset standin-user/kinetics-shards --dataset_revision v2 --dataset_format hub" in card
    assert "<this repo>" not in card and "the folder that holds" not in card  # (the note is a local folder's)


PUSH = ["--push_to_hub", "--hub_model_id", "me/shards"]


@pytest.mark.parametrize(
    "typed, offline, said",
    [
        ([*PUSH, "--hub_revision", "v2:"], False, "argument --hub_revision: 'v2:' is no branch name: git refuses"),
        (
            ["--hub_revision", "v2"],
            False,
            "argument --hub_revision: 'v2': nothing is pushed without --push_to_hub; add it, or leave --hub_revision",
        ),
        # finetune.py's refusals, which the shard writer lacked: a flag of the push alone, without one, pushed nothing
        # and exited 0; offline mode and a repo id the Hub refuses failed once every shard was written
        (["--hub_token", "hf_mine"], False, "--push_to_hub; add it, or leave --hub_token out; a private data set or"),
        (["--private"], False, "argument --private: nothing is pushed without --push_to_hub"),
        (["--hub_private_repo"], False, "argument --hub_private_repo: nothing is pushed without --push_to_hub"),
        (["--hub_model_id", "me/shards"], False, "argument --hub_model_id: nothing is pushed without --push_to_hub"),
        (["--upload_retries", "2"], False, "argument --upload_retries: nothing is pushed without --push_to_hub"),
        (PUSH, True, "argument --push_to_hub: offline mode is on (HF_HUB_OFFLINE), so nothing can be pushed"),
        (["--push_to_hub", "--hub_model_id", "me/my shards"], False, "'me/my shards' is no Hub repo id"),
        (["--push_to_hub", "me/a", "--hub_model_id", "me/b"], False, "'me/a' and --hub_model_id 'me/b' name two repos"),
    ],
)
def test_a_push_that_cannot_be_made_is_refused_before_the_data_set_is_read(
    typed, offline, said, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", offline)
    with pytest.raises(SystemExit) as exit_:
        shard_main(["--dataset", str(tmp_path / "no-such-folder"), "--out", str(tmp_path / "shards"), *typed])
    assert exit_.value.code == 2
    assert said in capsys.readouterr().err  # not the missing --dataset: nothing was read
    assert not (tmp_path / "shards").exists()


def test_upload_retries_is_how_often_a_failed_shard_upload_is_retried(kinetics, tmp_path, monkeypatch):
    """finetune.py's `--upload_retries`, which the shard writer lacked (5, whatever the link)."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # only ever 127.0.0.1
    with HubStandIn(fail_commits=1) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setenv("HF_TOKEN", "hf_standin")
        out = tmp_path / "shards"
        args = ["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out), "--splits", "val"]
        with pytest.raises(SystemExit) as failed:
            shard_main([*args, *PUSH, "--upload_retries", "0"])
        assert hub.failed_commits == 1 and hub.commits == []  # tried once, not retried
    assert str(failed.value).startswith("error: ") and (out / "README.md").is_file()  # the shards stay here


@pytest.mark.parametrize(
    "spelling, deprecated",
    [
        (["--push_to_hub", "--hub_model_id", "me/open", "--hub_private_repo"], None),  # finetune.py's
        # the shard writer's own spellings before, documented: taken still, with a warning naming finetune.py's
        (["--push_to_hub", "me/open", "--private"], "--push_to_hub me/open is deprecated: give --push_to_hub --hub_"),
        (["--push-to-hub", "--hub-model-id", "me/open", "--private"], "--private is deprecated: give --hub_private_"),
    ],
)
def test_a_private_push_into_a_public_repo_is_refused_in_one_line_before_any_shard_is_written(
    kinetics, tmp_path, monkeypatch, caplog, spelling, deprecated
):
    """`--hub_private_repo` (`--private`) into a data set repo that exists and is public: main uploaded the shards
    publicly; then the refusal came as a PermissionError traceback once every shard had been written (hours for
    Kinetics). finetune.py's spellings of the push, which the shard writer refused as unrecognized, are taken."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # only ever 127.0.0.1
    with HubStandIn() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setenv("HF_TOKEN", "hf_standin")
        huggingface_hub.HfApi(endpoint=hub.endpoint).create_repo("me/open", repo_type="dataset", token="hf_standin")
        out = tmp_path / "shards"
        args = ["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out)]
        with pytest.raises(SystemExit) as refused:
            shard_main([*args, *spelling])
        assert hub.commits == [] and hub.private == {"datasets/me/open": False}  # nothing pushed, still public
    assert str(refused.value).startswith("error: --push_to_hub: cannot create the Hub repo me/open: PermissionError: ")
    assert "me/open exists and is public" in str(refused.value)
    assert not list(out.rglob("*.tar"))  # refused before the shards
    said = [record.getMessage() for record in caplog.records if "deprecated" in record.getMessage()]
    assert [m for m in said if m.startswith(deprecated)] if deprecated else not said, said


@pytest.mark.parametrize(
    "container_format, codec, bframes",
    [("mp4", "h264", 2), ("matroska", "h264", 0), ("webm", "vp9", 0), ("avi", "mjpeg", 0)],
)
def test_reencoded_clips_keep_every_frame_with_increasing_timestamps(container_format, codec, bframes):
    """Re-encoding gives every frame a timestamp in the encoder's time base, whatever the source container/codec:
    vivit_hf's own probe counts every frame, reading by index matches a sequential decode, and no clip is dropped."""
    source = write_encoded(io.BytesIO(), container_format, codec, num_frames=20, bframes=bframes, gop=10).getvalue()
    clip = reencode(source, short_side=32, keyframe_interval=8)
    with av.open(io.BytesIO(clip)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
    assert len(packets) == 20
    dts = [p.dts for p in packets]
    assert dts == sorted(dts) and len(set(dts)) == 20  # strictly increasing decode timestamps
    assert sorted(p.pts for p in packets) == sorted(set(p.pts for p in packets))  # 20 distinct presentation times
    info = probe(clip)
    assert info.num_frames == 20 and info.height == 32
    np.testing.assert_array_equal(read_frames(clip, list(range(20))), pyav_frames(clip))
    np.testing.assert_array_equal(read_frames(clip, [13, 2, 19]), pyav_frames(clip)[[13, 2, 19]])


def _raw_stream(fmt: str, encoder: str, rate: int, num_frames: int) -> bytes:
    """Pattern frames at `rate` in a raw stream (`h264`, `mpeg2video`) or a GIF (delays in whole hundredths)."""
    out = io.BytesIO()
    with av.open(out, "w", format=fmt) as container:
        stream = container.add_stream(encoder, rate=rate, options={"preset": "ultrafast"} if fmt == "h264" else {})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "rgb8" if fmt == "gif" else "yuv420p"
        for i in range(num_frames):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")))
        container.mux(stream.encode())
    return out.getvalue()


@pytest.mark.parametrize(
    "fmt, encoder, rate, stated",
    [("h264", "libx264", 30, 25), ("mpeg2video", "mpeg2video", 30, 25), ("gif", "gif", 12, 12.5)],
)
def test_a_reencoded_clip_plays_at_the_rate_the_reader_gives_its_source(fmt, encoder, rate, stated):
    """A re-encoded clip was stamped at FFmpeg's stated rate, not the source's: a raw 30 fps H.264 or MPEG-2 stream
    states its demuxer's 25 fps, a 12 fps GIF (delays of 8, 9, 8 hundredths) 12.5, so the shard's 30 frames lasted
    1.2 s for 1 s (and `fps` sampling picked other frames from it than from its source). It plays as its source reads
    now: the reader's rate, frame count and duration."""
    source = _raw_stream(fmt, encoder, rate, num_frames=12)
    with av.open(io.BytesIO(source)) as container:  # the premise: FFmpeg states another rate than the clip's
        stream = container.streams.video[0]
        assert float(stream.average_rate or stream.guessed_rate) == stated
    before = probe(source)
    assert before.fps == pytest.approx(rate)
    after = probe(reencode(source, short_side=32, keyframe_interval=8))
    assert (after.num_frames, after.fps, after.duration) == pytest.approx((12, before.fps, before.duration))


@pytest.mark.parametrize("frames", [None, list(range(3, 21))], ids=["whole", "segment"])
def test_a_reencoded_variable_rate_clip_keeps_its_frames_times(frames):
    """A variable-rate clip (frames 10, 10, 10 and 60 ms apart, over and over: a phone's) was re-encoded with its
    frames evenly spaced at its average rate, so `fps` sampling, which goes by a variable-rate file's times, took
    other frames from the shard than from its source. Its frames keep their times now (from the first one kept), and
    the clip lasts as long; a segment's frames too."""
    source = write_video(io.BytesIO(), num_frames=24, frame_durations=[1, 1, 1, 6]).getvalue()
    clip = reencode(source, short_side=32, keyframe_interval=8, frames=frames)
    kept = list(range(24)) if frames is None else frames
    processor = ViViTVideoProcessor(do_resize=False, do_center_crop=False)
    with open_video(source) as original, open_video(clip) as shard:
        times = original.frame_times()[kept]
        np.testing.assert_allclose(shard.frame_times() - shard.frame_times()[0], times - times[0], atol=1e-4)
        if frames is None:
            assert shard.duration == pytest.approx(original.duration, abs=1e-4)
            sampled = [processor.raw_views(video, fps=20, return_metadata=True) for video in (source, clip)]
            picked = [result["video_metadata"][0].frames_indices for result in sampled]
            assert list(picked[0]) == list(picked[1]) and len(set(picked[0])) > 5


def test_a_reencoded_variable_rate_clip_with_frames_stamped_alike_keeps_its_frames_times():
    """A variable-rate clip (15 frames 33 ms apart, 15 more 100 ms apart: a phone's) two of whose frames share a stamp
    (a millisecond clock's collision) was re-encoded with every frame evenly spaced at its average rate (65 ms apart
    here), so `fps=5` sampling took frames 0, 3, 6, 10, 13, 16, ... from the shard where its source gives 0, 6, 13,
    16, 18, 21, ... Its frames keep their times now, the two alike a tick apart."""
    stamps = [33 * i for i in range(15)] + [495 + 100 * i for i in range(15)]
    stamps[20] = stamps[19]
    out = io.BytesIO()
    with av.open(out, "w", format="matroska") as container:
        stream = container.add_stream("mjpeg", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
        stream.time_base = Fraction(1, 1000)  # (Matroska's)
        for i, stamp in enumerate(stamps):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 30)  # (the encoder takes rising stamps only: set on its packet)
            for packet in stream.encode(frame):
                packet.pts, packet.dts, packet.time_base = stamp, stamp, Fraction(1, 1000)
                container.mux(packet)
    clip = reencode(out.getvalue(), short_side=32, keyframe_interval=8)
    processor = ViViTVideoProcessor(do_resize=False, do_center_crop=False)
    with open_video(out.getvalue()) as source, open_video(clip) as shard:
        np.testing.assert_allclose(shard.frame_times(), source.frame_times(), atol=3e-5)
    sampled = [processor.raw_views(video, fps=5, return_metadata=True) for video in (out.getvalue(), clip)]
    picked = [list(result["video_metadata"][0].frames_indices) for result in sampled]
    assert picked[0] == picked[1] and len(set(picked[0])) > 5


def test_a_reencoded_variable_rate_segment_ends_where_its_source_s_next_frame_starts():
    """Frames 5-17 of a clip of frames 33 ms and then 100 ms apart (a phone's): the shard's last frame, 17, lasts until
    the source's frame 18, 0.1 s. x264's B-frames put a frame after it in decode order, and an mp4's frame lasts until
    the next one decoded: it lasted 33 ms, the segment 0.563 s for 0.63 s (`fps` sampling goes by both)."""
    stamps = [33 * i for i in range(15)] + [495 + 100 * i for i in range(15)]
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=1000)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)  # (a millisecond clock, as a phone's)
        for i, stamp in enumerate(stamps):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")
            frame.pts, frame.time_base = stamp, Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    clip = reencode(out.getvalue(), short_side=32, keyframe_interval=8, frames=list(range(5, 18)))
    with open_video(out.getvalue()) as source, open_video(clip) as shard:
        times = source.frame_times()[5:19] - source.frame_times()[5]  # (its frame 18: where the segment ends)
        np.testing.assert_allclose(shard.frame_times() - shard.frame_times()[0], times[:-1], atol=1e-4)
        assert (shard.last_frame_seconds(), shard.duration) == pytest.approx((0.1, times[-1]), abs=1e-4)


def test_reencoding_keeps_the_video_track_the_readers_read(tmp_path):
    """A clip of two video tracks, the second flagged default (20 frames of 64x48, then 30 of 96x64): the shard
    keeps the default track's 30 frames, the ones vivit_hf's readers read from the source, not `streams.video[0]`."""
    source = write_two_video_tracks(tmp_path / "two.mp4", ("libx264", "libx264"), default=1)
    data = open(source, "rb").read()
    check_readable(data)
    clip = reencode(data, short_side=32, keyframe_interval=8)
    info = probe(clip)
    assert (info.num_frames, info.height, info.width) == (30, 32, 48)
    assert frame_indices(read_frames(clip, list(range(30)))) == list(range(30))


def test_a_copied_clip_of_a_codec_ffmpeg_cannot_decode_is_refused_saying_so(tmp_path):
    # (said "'NoneType' object has no attribute 'thread_count'" in the shard tool's "leaving out clip" line)
    data = open(write_video(tmp_path / "clip.mp4", num_frames=4, codec="h264", gop=2), "rb").read()
    with pytest.raises(ValueError, match="^no decoder for its codec$"):
        check_readable(data.replace(b"avc1", b"xqz9"))


def test_a_chosen_tracks_clips_are_reencoded_from_that_track_and_refused_copied(tmp_path):
    """A `Video(stream_index=1)` column's rows (which carry the 1) were written with the file's own track, 20 frames
    of 64x48 for the 30 of 96x64, re-encoded or copied (a copy is read from its own track): re-encoded from track 1
    now, and a copy is refused naming --short_side."""
    from vivit_hf.training.data.examples import DatasetFormatError, VideoClassificationData
    from vivit_hf.training.data.shard import write_shards

    source = write_two_video_tracks(tmp_path / "two.mkv", ("libx264", "libx264"))
    row = {"video": {"path": source, "stream_index": 1}, "label": 0, "id": "two"}  # (as `hub_example` gives it)
    chosen = VideoClassificationData(splits={"train": [row]}, label_spaces={"label": CLASSES})
    write_shards(chosen, tmp_path / "reencoded", short_side=32, keyframe_interval=8)
    with tarfile.open(next((tmp_path / "reencoded" / "data").glob("train-*.tar"))) as tar:
        clip = next(tar.extractfile(m).read() for m in tar.getmembers() if m.name.endswith(".mp4"))
    info = probe(clip)
    assert (info.num_frames, info.height, info.width) == (30, 32, 48)
    assert frame_indices(read_frames(clip, [0, 29])) == [0, 29]
    with pytest.raises(DatasetFormatError, match=r"reads track 1 of each file .* give --short_side"):
        write_shards(chosen, tmp_path / "copied")
    assert not (tmp_path / "copied").exists()


def test_a_data_set_of_frame_lists_is_refused_before_out_is_made_not_written_as_every_clip_unreadable(tmp_path):
    """A video stored as its frames (a `Sequence(Image())` column, which training reads; its rows as the hub reader
    gives them, undecoded) has no file to copy or re-encode: every clip was left out as unreadable ("expected str,
    bytes or os.PathLike object, not list") and the run ended "every clip was unreadable". Refused naming the frame
    lists, before --out is made, copied or re-encoded."""
    from vivit_hf.training.data.examples import DatasetFormatError, VideoClassificationData
    from vivit_hf.training.data.shard import write_shards

    frames = [{"bytes": b"\x89PNG", "path": None}] * 3  # (refused before a frame is read)
    row = {"video": frames, "label": 0, "id": "frames"}
    data = VideoClassificationData(splits={"train": [row]}, label_spaces={"label": CLASSES})
    for short_side in (None, 32):
        with pytest.raises(DatasetFormatError, match=r"'train' holds each video as a list of its frames"):
            write_shards(data, tmp_path / "out", short_side=short_side)
        assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("rotation", [90, 270])
def test_reencoded_phone_video_is_displayed_as_the_source(rotation):
    """A portrait phone clip (stored 64x48 with a display rotation): the re-encoded clip carries no display matrix,
    so it holds the frames as displayed, 48 wide and 64 high, the same pictures the reader gives for the source (the
    shard once held them lying on their side)."""
    source = write_video(io.BytesIO(), num_frames=12, height=48, width=64, rotation=rotation).getvalue()
    clip = reencode(source, short_side=32, keyframe_interval=8)
    info = probe(clip)
    assert (info.rotation, info.height, info.width) == (0, 42, 32)
    shown = read_frames(source, list(range(12)), size=(42, 32)).astype(np.float64)
    assert np.abs(read_frames(clip, list(range(12))) - shown).mean() < 4  # H.264 at crf 18, not another picture


def test_reencoding_shards_leaves_no_clip_out_whatever_the_container(tmp_path):
    """A folder data set of mp4 (H.264 B-frames), mkv, webm (VP9) and avi (MJPEG) clips, re-encoded into shards:
    every clip is written, and each probes with all its frames."""
    formats = [("mp4", "h264", 2, "mp4"), ("matroska", "h264", 0, "mkv"), ("webm", "vp9", 0, "webm")]
    formats += [("avi", "mjpeg", 0, "avi")]
    for label, name in enumerate(CLASSES):
        for container_format, codec, bframes, extension in formats:
            path = tmp_path / "videos" / name / f"{codec}_{label}.{extension}"
            path.parent.mkdir(parents=True, exist_ok=True)
            write_encoded(path, container_format, codec, num_frames=12, bframes=bframes, gop=6)
    out = tmp_path / "shards"
    summary = shard_main(
        ["--dataset_format", "videofolder", "--dataset", str(tmp_path / "videos"), "--out", str(out)]
        + ["--short_side", "32", "--keyframe_interval", "8"]
    )
    assert all(not split["left_out"] for split in summary.values())
    rows = [row for split in summary for row in streamed(out, split)[1].values()]
    assert len(rows) == 8
    for row in rows:
        clip = row["mp4"]["bytes"]
        assert probe(clip).num_frames == 12
        np.testing.assert_array_equal(read_frames(clip, list(range(12))), pyav_frames(clip))


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory):
    """A videofolder of mp4 (H.264), webm (VP9), avi (MPEG-4) and mkv (H.264) clips: 2 classes x 4 containers."""
    root = tmp_path_factory.mktemp("mixed")
    formats = [("mp4", "h264", "mp4"), ("webm", "vp9", "webm"), ("avi", "mpeg4", "avi"), ("matroska", "h264", "mkv")]
    for name in CLASSES:
        for container_format, codec, extension in formats:
            path = root / "videos" / name / f"{codec}_{extension}_{name}.{extension}"
            path.parent.mkdir(parents=True, exist_ok=True)
            write_encoded(path, container_format, codec, num_frames=6, gop=3)
    return root / "videos"


def test_copied_shards_of_mixed_containers_read_back_every_clip_whole_and_streamed(mixed_folder, tmp_path):
    """Clips copied in their own containers (mp4, webm, avi, mkv) all come back, with their bytes unchanged, from
    `load_dataset` (whole) and from a stream: none is a row without a video."""
    from vivit_hf.training.data.formats import load_video_dataset

    out = tmp_path / "shards"
    summary = shard_main(["--dataset", str(mixed_folder), "--out", str(out), "--shard_size", "20KB"])
    assert summary["train"]["clips"] == 8 and not summary["train"]["left_out"]
    sources = {path.relative_to(mixed_folder).as_posix(): path.read_bytes() for path in mixed_folder.rglob("*.*")}
    assert len(sources) == 8
    whole = load_video_dataset(str(out), "hub", cache_dir=str(tmp_path / "cache")).split("train")
    streamed_split = open_streaming_dataset(str(out), cache_dir=str(tmp_path / "cache")).split("train")
    for examples in (list(whole), [hub_row(streamed_split, row) for row in streamed_split.dataset]):
        assert sorted(e["id"] for e in examples) == sorted(sources)
        for example in examples:
            assert example["video"]["bytes"] == sources[example["id"]]
            np.testing.assert_array_equal(
                read_frames(example["video"], list(range(6))), pyav_frames(sources[example["id"]])
            )


def hub_row(split, row):
    from vivit_hf.training.data.formats import hub_example

    return hub_example(row, split.video_column, split.label_column, split.label_id, row["__key__"])


def test_copied_clips_that_do_not_open_are_left_out_and_the_card_says_what_was_checked(mixed_folder, tmp_path):
    """A text file named `.mp4` and an mp4 cut in half (its index lost) among 8 good clips: the shards hold the 8,
    and the card counts and names the 2 as unreadable, saying what the check was (not "0 unreadable")."""
    import shutil

    folder = tmp_path / "videos"
    shutil.copytree(mixed_folder, folder)
    (folder / "bowling" / "notes.mp4").write_text("not a video\n")
    whole = (folder / "abseiling" / "h264_mp4_abseiling.mp4").read_bytes()
    (folder / "abseiling" / "cut.mp4").write_bytes(whole[: len(whole) // 2])
    out = tmp_path / "shards"
    summary = shard_main(["--dataset", str(folder), "--out", str(out)])
    assert summary["train"]["clips"] == 8
    assert sorted(summary["train"]["left_out"]) == ["abseiling/cut.mp4", "bowling/notes.mp4"]
    card = (out / "README.md").read_text()
    assert "| train | 8 | 1 |" in card and card.split("| train | 8 | 1 |")[1].splitlines()[0].endswith("| 0 | 2 |")
    assert "its first frame decoded" in card and "`abseiling/cut.mp4` (train)" in card
    assert sum(1 for _ in open_streaming_dataset(str(out)).split("train").dataset) == 8


def test_shards_written_again_into_the_same_folder_are_read_whole_not_from_the_old_cache(kinetics, tmp_path):
    """`datasets` caches a local folder under its name and its card's YAML: shards read, then written again into the
    same folder in another order (`--seed`: same clips, classes, counts and bytes, so the same YAML) must read back
    the new samples (each key's clip as the tar holds it), not the first version's."""
    import shutil

    from vivit_hf.training.data.formats import load_video_dataset

    out, cache = tmp_path / "shards", str(tmp_path / "cache")
    versions = []
    for seed in ("0", "1"):
        shard_main(["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out), "--seed", seed])
        written = {}
        for path in sorted((out / "data").glob("train-*.tar")):
            with tarfile.open(path) as tar:
                for member in tar.getmembers():
                    if member.name.endswith(".mp4"):
                        written[member.name] = tar.extractfile(member).read()
        examples = load_video_dataset(str(out), "hub", cache_dir=cache).split("train")
        assert {e["video"]["path"]: e["video"]["bytes"] for e in examples} == written
        versions.append(written)
        shutil.rmtree(out)
    assert versions[0] != versions[1] and sorted(versions[0].values()) == sorted(versions[1].values())


def test_a_missing_dataset_folder_is_argparses_one_line_exit_2(tmp_path, capsys):
    missing = str(tmp_path / "kinetics400")
    with pytest.raises(SystemExit) as stopped:
        shard_main(["--dataset_format", "kinetics", "--dataset", missing, "--out", str(tmp_path / "shards")])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"python -m vivit_hf.training.data.shard: error: argument --dataset: '{missing}': no such folder "
        "(a Hub data set id reads 'org/name')"
    )
    assert not (tmp_path / "shards").exists()


def test_a_hub_data_set_not_fetched_offline_is_one_line_naming_it_exit_2(tmp_path, capsys, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # fails at once, no network needed
    with pytest.raises(SystemExit) as stopped:
        shard_main(["--dataset_format", "kinetics", "--dataset", "someone/k400", "--out", str(tmp_path / "shards")])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "python -m vivit_hf.training.data.shard: error: --dataset someone/k400: no such local folder; read as a Hub "
        "id, offline mode is on (HF_HUB_OFFLINE) and it is not in the local cache: unset HF_HUB_OFFLINE and "
        "TRANSFORMERS_OFFLINE to download it"
    )


def test_a_stream_whose_card_was_not_written_again_with_its_shards_counts_what_the_shards_hold(
    kinetics, tmp_path, caplog
):
    # One training shard removed after writing (the card unchanged): the stream's size was the card's, so the log,
    # the epoch's plan and all_results.json counted clips the stream does not hold. The reference: the samples of
    # the shards left, counted by hand (their `.cls` members) and by reading the stream.
    import logging

    out = tmp_path / "shards"
    shard_main(["--dataset", str(kinetics), "--dataset_format", "kinetics", "--out", str(out), "--shard_size", "1"])
    tars = sorted((out / "data").glob("train-*.tar"))
    assert len(tars) == 4  # one clip a shard
    tars[0].unlink()
    by_hand = 0
    for path in tars[1:]:
        with tarfile.open(path) as tar:
            by_hand += sum(member.name.endswith(".cls") for member in tar)
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.streaming"):
        data = open_streaming_dataset(str(out), cache_dir=str(tmp_path / "cache"))
    train = data.split("train")
    assert len(train) == by_hand == sum(1 for _ in train.dataset) == 3
    assert len(data.split("validation")) == 2  # its card's count is right: nothing said
    warned = [r.getMessage() for r in caplog.records if "data card" in r.getMessage()]
    assert len(warned) == 1 and "gives 4 examples, its shards hold 3" in warned[0], warned


def whole_and_cut_kinetics_videos(folder, height: int, width: int) -> None:
    """A Kinetics folder of two rows: `long.mp4`, a whole 12 s video of which the row is 4-6 s (frames 40-59 at
    10 fps), and `cut.mp4`, a clip already cut out to its row's 2 s."""
    write_csv(
        folder / "annotations" / "train.csv",
        [["abseiling", "long", 4, 6, "train"], ["bowling", "cut", 30, 32, "train"]],
        ["label", "youtube_id", "time_start", "time_end", "split"],
    )
    write_video(folder / "long.mp4", num_frames=120, fps=10, height=height, width=width)
    write_video(folder / "cut.mp4", num_frames=20, fps=10, height=height, width=width)


def test_a_zero_byte_clip_is_left_out_as_empty_naming_its_file_as_the_trainer_does(mixed_folder, tmp_path, caplog):
    """A 0-byte `.mp4` was left out with PyAV's "Invalid data found when processing input: '<none>'", naming neither
    the file nor the cause; it is now the trainer's "Video file <path> is empty (0 bytes).", copied or re-encoded."""
    import shutil

    from vivit_hf.processing.video_io import VideoDecodeError, open_video

    folder = tmp_path / "videos"
    shutil.copytree(mixed_folder, folder)
    empty = folder / "bowling" / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoDecodeError) as trainer:  # the reference: what training and evaluation say of it
        open_video(str(empty))
    for flags in ([], ["--short_side", "16"]):
        caplog.clear()
        with caplog.at_level("WARNING", logger="vivit_hf.training.data.shard"):
            summary = shard_main(["--dataset", str(folder), "--out", str(tmp_path / f"shards{len(flags)}"), *flags])
        assert "bowling/empty.mp4" in summary["train"]["left_out"]
        said = [r.getMessage() for r in caplog.records if "bowling/empty.mp4" in r.getMessage()]
        assert said == [f"leaving out clip bowling/empty.mp4: {trainer.value}"], said


def test_a_kinetics_row_that_is_a_part_of_a_whole_video_is_left_out_of_the_shards_not_written_whole(tmp_path, caplog):
    # A file named by its YouTube id alone that is the whole video (12 s; the row says 4-6 s) is read from its row's
    # times; a shard holds a file whole, so it was written whole, every part of the video under the label of its 2 s.
    # The clip already cut out (`cut`, 2 s for 30-32 s) is its whole file and is written as before.
    whole_and_cut_kinetics_videos(tmp_path, height=16, width=24)
    out = tmp_path / "shards"
    with caplog.at_level("WARNING", logger="vivit_hf.training.data.shard"):
        shard_main(["--dataset", str(tmp_path), "--dataset_format", "kinetics", "--out", str(out)])
    with tarfile.open(next((out / "data").glob("train-*.tar"))) as tar:
        written = {member.name.rsplit(".", 1)[1]: tar.extractfile(member).read() for member in tar}
    assert written["mp4"] == (tmp_path / "cut.mp4").read_bytes() and written["cls"] == b"1"
    assert "`long_000004_000006` (train)" in (out / "README.md").read_text()
    said = [r.getMessage() for r in caplog.records]
    assert any("leaving out clip long_000004_000006: it is frames 40-59 of the 120 of its video" in m for m in said)


def test_a_part_of_a_whole_video_is_cut_out_when_reencoded_and_called_a_part_not_unreadable_when_copied(tmp_path):
    # A Kinetics folder of whole YouTube videos named by their ids (how yt-dlp downloads them): copied, a row's part
    # cannot be written (a shard holds files whole), and the card called the healthy file "unreadable"; re-encoded
    # with --short_side, every such clip was left out too, though re-encoding can write the part alone. The frames
    # written are checked against the row's times alone: 4-6 s at 10 fps are frames 40-59 of the source.
    whole_and_cut_kinetics_videos(tmp_path, height=48, width=80)
    source = ["--dataset", str(tmp_path), "--dataset_format", "kinetics"]
    copied = shard_main(source + ["--out", str(tmp_path / "copied")])
    card = (tmp_path / "copied" / "README.md").read_text()
    assert copied["train"]["left_out"] == [] and "| train | 1 | 1 |" in card and card.count("| 0 | 0 |") == 1
    assert "Unreadable clips left out" not in card
    assert "Left out as parts of longer videos" in card and "`long_000004_000006` (train)" in card
    reencoded = shard_main(source + ["--out", str(tmp_path / "reencoded"), "--short_side", "48"])
    assert reencoded["train"]["clips"] == 2 and reencoded["train"]["left_out"] == []
    with tarfile.open(next((tmp_path / "reencoded" / "data").glob("train-*.tar"))) as tar:
        members = {member.name: tar.extractfile(member).read() for member in tar}
    clips = {}
    for name, data in members.items():
        if name.endswith(".json"):
            clips[json.loads(data)["id"]] = members[name[: -len("json")] + "mp4"]
    assert frame_indices(pyav_frames(clips["long_000004_000006"])) == list(range(40, 60))
    assert frame_indices(pyav_frames(clips["cut_000030_000032"])) == list(range(20))


def shards_with_a_class_id_the_card_lacks(kinetics, tmp_path):
    """Training shards of the Kinetics folder (2 classes) with one `<key>.cls` made 7 (a shard written by another
    tool, a label file off by one); returns the folder, the shard, the member, its clip's id and every clip's label
    as its `.cls` member holds it, read with tarfile."""
    out = tmp_path / "shards"
    shard_main(["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out), "--splits", "train"])
    (shard,) = (out / "data").glob("train-*.tar")
    with tarfile.open(shard) as tar:
        members = {member.name: (member, tar.extractfile(member).read()) for member in tar}
    labels = {json.loads(data)["id"]: int(members[name[: -len("json")] + "cls"][1])
              for name, (_, data) in members.items() if name.endswith(".json")}  # fmt: skip
    broken_key = sorted(name for name in members if name.endswith(".cls"))[1]
    broken_id = json.loads(members[broken_key[: -len("cls")] + "json"][1])["id"]
    with open(shard, "r+b") as file:  # the same length: the tar stays whole
        file.seek(members[broken_key][0].offset_data)
        file.write(b"7")
    return out, shard, broken_key, broken_id, labels


def test_a_streamed_sample_whose_class_id_the_card_lacks_is_skipped_and_counted_not_the_end_of_the_run(
    kinetics, tmp_path, caplog
):
    # `datasets` checked each `.cls` against the card's ClassLabel as it streamed and raised "Class label 7 greater
    # than configured num_classes 2" in the DataLoader worker, naming no sample, however far into the run it came.
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingVideoDataset

    out, _, _, broken_id, labels = shards_with_a_class_id_the_card_lacks(kinetics, tmp_path)
    split = open_streaming_dataset(str(out)).split("train")
    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    with caplog.at_level("WARNING", logger="vivit_hf.training.data.streaming"):
        (batch,) = [b for b in StreamingVideoDataset(split, processor, batch_size=8) if not b.get("end")]
    rows = dict(zip(batch["ids"], zip(batch["valid"].tolist(), batch["labels"].tolist())))
    assert len(rows) == 4 and rows.pop(broken_id)[0] is False
    assert rows == {clip: (True, labels[clip]) for clip in rows}
    said = [r.getMessage() for r in caplog.records if "usable label" in r.getMessage()]
    assert len(said) == 1 and f"({broken_id}): class id 7, where the data set names 2 classes" in said[0], said


def test_a_class_id_the_card_lacks_is_refused_naming_its_shard_and_member_when_read_whole(kinetics, tmp_path):
    # It was datasets' bare "DatasetGenerationError: An error occurred while generating the dataset", naming no file.
    from vivit_hf.training.data import DatasetFormatError, load_video_dataset

    out, shard, broken_key, _, _ = shards_with_a_class_id_the_card_lacks(kinetics, tmp_path)
    with pytest.raises(DatasetFormatError) as refused:
        load_video_dataset(str(out), "hub", cache_dir=str(tmp_path / "cache"))
    said = str(refused.value)
    assert f"member {broken_key!r} of data/{shard.name} (in {out}) holds class id 7" in said, said
    assert "names 2 classes (ids 0-1)" in said, said


def test_a_split_none_of_whose_clips_is_written_is_left_out_of_the_card_and_the_others_read_back(kinetics, tmp_path):
    """Every validation clip unreadable (a download that failed for the whole split): the card named the split with
    its `data/validation-*.tar`, which matches no file, and `datasets` refused the whole card, whole and streamed
    (`ValueError: Couldn't infer the same data file format for all splits`): the training shards were unreadable too.
    Read here with `datasets.load_dataset` itself; with nothing written at all, the writer ends in one line."""
    import shutil

    import datasets

    source = tmp_path / "kinetics"
    shutil.copytree(kinetics, source)
    for clip in (source / "val_clips").glob("*.mp4"):
        clip.write_text("not a video\n")
    out = tmp_path / "shards"
    summary = shard_main(["--dataset_format", "kinetics", "--dataset", str(source), "--out", str(out)])
    assert summary["validation"]["clips"] == 0 and len(summary["validation"]["left_out"]) == 2
    whole = datasets.load_dataset(str(out))
    assert list(whole) == ["train"] and whole["train"].num_rows == 4
    assert whole["train"].features["cls"].names == CLASSES
    stream = datasets.load_dataset(str(out), streaming=True)["train"].select_columns(["json"])  # clips not decoded
    expected = sorted(f"train{name[:3]}{i}_000010_000020" for name in CLASSES for i in range(2))
    assert sorted(row["json"]["id"] for row in stream) == sorted(meta["id"] for meta in whole["train"]["json"])
    assert sorted(meta["id"] for meta in whole["train"]["json"]) == expected
    assert "| validation | 0 | 0 |" in (out / "README.md").read_text()  # still counted in the prose table

    for clip in (source / "train_clips").glob("*.mp4"):
        clip.write_text("not a video\n")
    with pytest.raises(SystemExit) as stop:
        shard_main(["--dataset_format", "kinetics", "--dataset", str(source), "--out", str(tmp_path / "none")])
    assert str(stop.value) == f"error: no clip of {source} could be written: every clip was unreadable"


def test_splits_naming_a_split_the_data_set_lacks_is_one_line_and_leaves_out_untouched(kinetics, tmp_path, capsys):
    """`--splits val` (Kinetics' own word for it; the loader names it `validation`) was a DatasetFormatError
    traceback after `--out` had been made, so the corrected command was refused: `--out ... is not empty`. A split
    the data set lacks is one line, `--out` not made; `val` is now read as the split word it is (`validation`)."""
    out = tmp_path / "shards"
    command = ["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out), "--splits"]
    with pytest.raises(SystemExit) as stop:
        shard_main([*command, "test"])
    assert stop.value.code == 2 and not out.exists()
    line = capsys.readouterr().err.strip().splitlines()[-1]
    expected = f"error: argument --splits: no split 'test' in {kinetics}; the splits found: train, validation"
    assert line.endswith(expected)
    assert shard_main([*command, "val"])["validation"]["clips"] == 2


def test_a_shard_cut_short_is_refused_naming_it_whole_and_streamed(kinetics, tmp_path):
    """A shard whose copy stopped mid-file (here in its last clip; tarfile itself cannot read it to the end):
    `datasets` stopped in `tarfile.ReadError: unexpected end of data` from deep inside its reader, naming no file,
    whole and streamed. One line naming the shard now."""
    from vivit_hf.training.data import DatasetFormatError, load_video_dataset

    out = tmp_path / "shards"
    shard_main(["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out), "--shard_size", "15KB"])
    cut = sorted((out / "data").glob("train-*.tar"))[1]
    with tarfile.open(cut) as tar:
        clip = [member for member in tar if member.name.endswith(".mp4")][-1]
    cut.write_bytes(cut.read_bytes()[: clip.offset_data + clip.size // 2])  # in the middle of its last clip
    with pytest.raises(tarfile.ReadError), tarfile.open(cut) as tar:
        list(tar)
    expected = f"{cut.relative_to(out).as_posix()} in {out} is not a whole tar (unexpected end of data)"
    with pytest.raises(DatasetFormatError, match=re.escape(expected)):
        load_video_dataset(str(out), "hub")
    with pytest.raises(DatasetFormatError, match=re.escape(expected)):
        open_streaming_dataset(str(out))


def interrupt_after(calls, monkeypatch):
    """`check_readable` raises KeyboardInterrupt (a Ctrl-C) at its `calls`+1-th clip, the earlier ones written."""
    from vivit_hf.training.data import shard

    checked = []

    def check(data):
        checked.append(data)
        if len(checked) > calls:
            raise KeyboardInterrupt
        check_readable(data)

    monkeypatch.setattr(shard, "check_readable", check)


def test_a_writer_interrupted_after_its_first_shards_leaves_nothing_and_the_rerun_writes_them_all(
    kinetics, tmp_path, monkeypatch
):
    """Ctrl-C after 2 of the 4 training shards: `--out` held `data/train-00000.tar` and `-00001.tar`, no card, and the
    rerun was refused (`--out ... is not empty`). Now nothing is left, and the same command writes every clip."""
    out = tmp_path / "shards"
    command = ["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out), "--shard_size", "1"]
    with monkeypatch.context() as patch:
        interrupt_after(2, patch)
        with pytest.raises(KeyboardInterrupt):
            shard_main(command)
    assert sorted(path.name for path in tmp_path.iterdir()) == []
    assert shard_main(command)["train"]["clips"] == 4
    assert sorted(path.name for path in tmp_path.iterdir()) == ["shards"]
    assert sum(1 for _ in open_streaming_dataset(str(out)).split("train").dataset) == 4


def test_a_killed_writers_folder_is_refused_by_the_readers_and_deleted_by_the_rerun(kinetics, tmp_path, monkeypatch):
    """A job killed after 2 of 4 training shards (no handler runs: its clean-up is disabled here) left whole tars of
    half the training clips, which `--dataset_format hub` read as the whole split, whole and streamed, without a
    word. The folder it leaves is refused by both readers, and the same command deletes it and writes every clip."""
    import shutil

    from vivit_hf.training.data import DatasetFormatError, load_video_dataset

    out = tmp_path / "shards"
    command = ["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out), "--shard_size", "1"]
    with monkeypatch.context() as patch:
        interrupt_after(2, patch)
        patch.setattr(shutil, "rmtree", lambda *args, **kwargs: None)
        with pytest.raises(KeyboardInterrupt):
            shard_main(command)
    (left,) = tmp_path.iterdir()
    with tarfile.open(sorted((left / "data").glob("train-*.tar"))[0]) as tar:
        assert sum(member.name.endswith(".cls") for member in tar) == 1  # whole shards: only the card can tell
    with pytest.raises(DatasetFormatError, match="did not finish"):
        load_video_dataset(str(left), "hub", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(DatasetFormatError, match="did not finish"):
        open_streaming_dataset(str(left), cache_dir=str(tmp_path / "cache"))
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)  # refused before anything was cached
    assert shard_main(command)["train"]["clips"] == 4
    assert sorted(path.name for path in tmp_path.iterdir()) == ["shards"]
    assert len(load_video_dataset(str(out), "hub", cache_dir=str(tmp_path / "cache")).split("train")) == 4


def test_an_out_of_shards_without_a_card_is_refused_naming_what_to_delete(tmp_path, capsys):
    """A folder an older writer left when interrupted (`data/train-00000.tar`, no README.md): one line saying to delete
    it, not only "not empty"."""
    out = tmp_path / "shards"
    (out / "data").mkdir(parents=True)
    with tarfile.open(out / "data" / "train-00000.tar", "w"):
        pass
    with pytest.raises(SystemExit) as stop:
        shard_main(["--dataset", "synthetic_motion", "--out", str(out)])
    assert stop.value.code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith(f"holds shards and no data card (a shard writer that was interrupted): delete {out}")
    )


def test_no_shard_file_is_larger_than_shard_size_and_tar_reads_each_whole(kinetics, tmp_path):
    """`--shard_size 15KB` gave 20 KB files: the end-of-archive blocks and tarfile's padding to 10 KiB records were
    not counted. Each file is at most 15 KB now (still 2 clips a shard), and GNU tar and tarfile list every member."""
    import shutil
    import subprocess

    out = tmp_path / "shards"
    shard_main(["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out), "--shard_size", "15KB"])
    tars = sorted((out / "data").glob("*.tar"))
    assert len([path for path in tars if path.name.startswith("train-")]) == 2
    assert max(path.stat().st_size for path in tars) <= 15 * 1024
    for path in tars:
        with tarfile.open(path) as tar:
            names = tar.getnames()
        assert len(names) == 6  # 2 clips x (clip, cls, json)
        if shutil.which("tar"):
            listed = subprocess.run(["tar", "-tf", str(path)], capture_output=True, text=True, check=True)
            assert listed.stdout.split() == names and not listed.stderr


def test_shards_read_as_a_video_folder_are_told_to_read_with_dataset_format_hub(kinetics, tmp_path):
    """evaluate.py / finetune.py --dataset <shards> without --dataset_format hub (the default is videofolder) said
    only "no <class>/<video> files ... found ['README.md', 'data/']"; it now says which format reads the folder. A
    folder of other files without a data card is not told so."""
    from vivit_hf.training.data import DatasetFormatError, load_video_dataset

    out = tmp_path / "shards"
    shard_main(["--dataset_format", "kinetics", "--dataset", str(kinetics), "--out", str(out)])
    with pytest.raises(DatasetFormatError, match=r"found \['README.md', 'data/'\]; it holds a data set's card and data "
                       r"files: read it with --dataset_format hub$"):  # fmt: skip
        load_video_dataset(str(out), "videofolder")
    assert len(load_video_dataset(str(out), "hub").split("train")) > 0  # and that format reads it
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "README.md").write_text("my notes")
    (tmp_path / "notes" / "todo.txt").write_text("film more")  # a README without data files is no data set
    with pytest.raises(DatasetFormatError) as error:
        load_video_dataset(str(tmp_path / "notes"), "videofolder")
    assert "--dataset_format hub" not in str(error.value)


def test_epic_kitchens_is_refused_in_one_line_before_anything_is_read(tmp_path, capsys):
    """Epic Kitchens labels each narration with a noun and a verb, which a shard's one `.cls` cannot hold: the writer
    refused it with a ValueError traceback, after reading the whole data set. One line, exit 2, `--out` not made."""
    source, out = tmp_path / "epic", tmp_path / "shards"
    header = ["narration_id", "video_id", "start_timestamp", "stop_timestamp", "verb_class", "noun_class"]
    write_csv(source / "EPIC_100_train.csv", [["P01_01_0", "P01_01", "00:00:00.00", "00:00:01.00", 3, 8]], header)
    (source / "P01_01_0.mp4").write_bytes(b"a trimmed clip")  # never opened: the refusal comes first
    with pytest.raises(SystemExit) as stop:
        shard_main(["--dataset_format", "epic_kitchens", "--dataset", str(source), "--out", str(out)])
    assert stop.value.code == 2 and not out.exists()
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("python -m vivit_hf.training.data.shard: error: argument --dataset_format: epic_kitchens")
    assert "noun and a verb" in line


def test_class_names_beyond_the_basic_plane_read_back_from_the_card_as_written(tmp_path):
    """The card wrote each class name as JSON, which spells a character beyond U+FFFF as a surrogate pair; YAML reads
    that as two lone surrogates, so the class `goal 🥅` came back as `goal \\ud83e\\udd45`, whole and streamed."""
    from vivit_hf.training.data import load_video_dataset

    names = ["goal 🥅", "𠀀 rare", 'say "hi"']
    for i, name in enumerate(names):
        tiny_clip(tmp_path / "source" / "train" / name / f"{i}.mp4", label=i % 2, seed=i)
        tiny_clip(tmp_path / "source" / "test" / name / f"t{i}.mp4", label=i % 2, seed=10 + i)
    shard_main(["--dataset", str(tmp_path / "source"), "--out", str(tmp_path / "shards")])
    written = sorted(names)  # videofolder numbers its classes in sorted order
    assert list(load_video_dataset(str(tmp_path / "shards"), "hub").id2label.values()) == written
    assert list(open_streaming_dataset(str(tmp_path / "shards")).id2label.values()) == written


def test_shards_of_a_metadata_folder_name_each_clip_by_its_path_in_the_folder_not_on_this_disk(tmp_path):
    """`--dataset_format hub` on a folder whose `metadata.csv` names its clips gave each clip its absolute path as
    id, and the shards kept it in `<key>.json` (`/home/me/k400/train/0.mp4`, uploaded with --push_to_hub): the ids
    of the shards depended on where the folder lay. They are the clips' paths in the folder."""
    root = tmp_path / "home" / "me" / "clips"
    (root / "train").mkdir(parents=True)
    rows = [(f"{i}.mp4", label) for i, label in enumerate(CLASSES * 2)]
    for i, (name, _) in enumerate(rows):
        tiny_clip(root / "train" / name, label=i % 2, seed=i)
    write_csv(root / "train" / "metadata.csv", rows, ["file_name", "label"])
    out = tmp_path / "shards"
    shard_main(["--dataset_format", "hub", "--dataset", str(root), "--out", str(out), "--splits", "train"])
    # the reference: the clips on disk, by their path below the folder
    on_disk = sorted(path.relative_to(root).as_posix() for path in root.glob("train/*.mp4"))
    ids = []
    for shard in sorted((out / "data").glob("train-*.tar")):
        with tarfile.open(shard) as tar:
            ids += [json.load(tar.extractfile(m))["id"] for m in tar if m.name.endswith(".json")]
    assert sorted(ids) == on_disk


def test_the_summary_line_of_each_split_counts_the_clips_left_out(kinetics, tmp_path, caplog):
    """Each clip left out is named in a warning as the writer reaches it, which over a Kinetics split scrolled away
    hours before the split's summary line, and that line said only the clips written (`train: 1 clips in 1 shards`)."""
    import shutil

    source = tmp_path / "kinetics"
    shutil.copytree(kinetics, source)
    broken = sorted((source / "train_clips").glob("*.mp4"))[:2]
    broken[0].write_text("not a video\n")
    broken[1].write_bytes(b"")
    with caplog.at_level("INFO", logger="vivit_hf.training.data.shard"):
        summary = shard_main(["--dataset_format", "kinetics", "--dataset", str(source), "--out", str(tmp_path / "s")])
    # the reference: the 2 clips broken here, and the CSV row whose clip the fixture never wrote ("gone")
    assert sorted(summary["train"]["left_out"]) == sorted(clip.name.removesuffix(".mp4") for clip in broken)
    lines = {r.getMessage().partition(":")[0]: r.getMessage() for r in caplog.records if " clips in " in r.getMessage()}
    assert lines["train"].startswith("train: 2 clips in 1 shard (")
    assert lines["train"].endswith("; left out: 2 unreadable, 1 missing in the source (named above and in the card)")
    assert lines["validation"].endswith(" bytes)")  # nothing of it left out


@pytest.mark.parametrize(
    "typed, named",
    [
        # each clip failed its re-encoding, named as left out, and the run ended with no clip written
        (["--short_side", "0"], "argument --short_side: expected a whole number >= 1, got '0'"),
        (["--short_side", "256", "--keyframe_interval", "-1"], "argument --keyframe_interval: expected a whole"),
        # the clips were copied as they were, keyframes and all, without a word
        (["--keyframe_interval", "8"], "argument --keyframe_interval: 8: it is --short_side's"),
        # a local folder is read as it is, at no revision
        (["--dataset_revision", "v2"], "argument --dataset_revision: --dataset"),
        # another format reads its own files: the column was dropped without a word
        (["--label_column", "action"], "argument --label_column: --dataset_format videofolder reads no columns"),
        (["--dataset_format", "kinetics", "--video_column=clip"], "argument --video_column: --dataset_format kinetics"),
    ],
)
def test_a_flag_the_shards_would_not_follow_is_refused_before_the_data_set_is_read(tmp_path, capsys, typed, named):
    """Each was taken: a re-encoding no clip survives, or a flag the read dropped without a word."""
    with pytest.raises(SystemExit) as stopped:
        shard_main(["--dataset", str(tmp_path), "--out", str(tmp_path / "shards"), *typed])
    assert stopped.value.code == 2 and named in capsys.readouterr().err.splitlines()[-1]
    assert not (tmp_path / "shards").exists()


def test_the_bundled_set_is_not_sharded_as_another_format(tmp_path, capsys):
    """`--dataset synthetic_motion --dataset_format kinetics` wrote the bundled video folder's shards without a word."""
    with pytest.raises(SystemExit) as stopped:
        shard_main(["--dataset", "synthetic_motion", "--dataset_format", "kinetics", "--out", str(tmp_path / "s")])
    assert stopped.value.code == 2
    assert "argument --dataset_format: kinetics: the bundled synthetic_motion set" in capsys.readouterr().err


def test_the_help_gives_each_flags_default_as_the_recipes_help_does(capsys):
    # `--help` showed no default: the shard size (1GB), keyframe interval (16), seed and retries the docs give were
    # nowhere on it, where finetune.py's and evaluate.py's --help say each flag's
    with pytest.raises(SystemExit) as stopped:
        shard_main(["--help"])
    assert stopped.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    said = ["a GiB) (default: 1GB)", "frames per keyframe (default: 16)", "as finetune.py's (default: 5)"]
    assert all(words in text for words in said), text
    assert "(default: videofolder)" in text and "in the shards (default: 0)" in text
    # --cache_dir was the one bare flag (no words), where finetune.py's says what it is
    assert "CACHE_DIR where Hub downloads, extractions and the bundled data go" in text


def test_split_names_yaml_reads_otherwise_read_back_from_the_card_as_written():
    """The card wrote split names unquoted (`- split: no`): YAML, and so `datasets` and huggingface_hub's card parser,
    read the splits `no` and `2023` back as False and 2023, not the splits' names. Class names too, each as written
    (`datasets`' features of the card: a class `a\x85b` written as itself reads back `a b`)."""
    from datasets.info import DatasetInfosDict

    from vivit_hf.training.data.shard import ShardWriting, data_card

    splits = ["no", "2023", "null", "1.0"]
    names = [
        "yes",
        "emoji \U0001f600",
        "a: b #c",
        "'q\"",
        "nel\x85x",
        "ls\u2028x",
        "two\nlines",
        " ~",
        "\ufeffbom",
        "x" * 130,
        "a|b",
        "back\\|slash",
    ]
    info = dict(clips=1, shards=["s.tar"], video_bytes=9, left_out=[], missing=0, per_class=[1] * len(names))
    card = data_card({s: info for s in splits}, names, ShardWriting(), source="src", dataset_format="folder")
    read = huggingface_hub.DatasetCard(card).data  # huggingface_hub's reader (yaml.safe_load)
    metadata = read.to_dict()
    files = metadata["configs"][0]["data_files"]
    assert [f["split"] for f in files] == splits
    assert [f["path"] for f in files] == [f"data/{s}-*.tar" for s in splits]
    assert [s["name"] for s in metadata["dataset_info"]["splits"]] == splits
    features = DatasetInfosDict.from_dataset_card_data(read)["default"].features
    assert features["cls"].names == names and list(features) == ["mp4", "cls", "json", "__key__", "__url__"]
    # the Classes table as a markdown reader (markdown-it, GFM's tables; transformers' CLI installs it) reads it: a
    # class `a|b` was two cells and `two\nlines` two rows, shifting the counts of their rows (a line break as `<br>`)
    rows = markdown_table_rows(card.split("## Classes", 1)[1])
    # (a cell's edges are trimmed: ` ~` reads `~`)
    assert rows == [["id", "class", *splits]] + [
        [str(i), name.strip(), "1", "1", "1", "1"] for i, name in enumerate(names)
    ]
