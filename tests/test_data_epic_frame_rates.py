# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Epic Kitchens-100 narrations placed in their untrimmed videos whatever the video's frame rate: EPIC-Kitchens-55's
videos (`P01_01`, most recorded near 60 fps) and the extension's (`P01_101`, and the new participants P33-P37's,
`P33_101`..., recorded at 50 fps). The truth is a sequential decode of the whole file with PyAV: a segment of
`start`-`end` seconds is the frame on screen at `start` through the last frame shown before `end`, by the frames'
own times; Epic's frame number `n` counts its frames extracted at 60 fps (EPIC-55's videos) or 50 fps (the
extension's): frame `n` is the one on screen at `n / rate` s, as its published rows show (Epic took the floor of
`seconds x rate`: P01_101's `00:00:02.86` is frame 143, 143 / 50 = 2.86 s; `00:00:00.14` frame 8, 8.4 at 60 fps)."""

import av
import pytest
from test_data_formats import write_csv
from test_data_real_layouts import EPIC_HEADER, processor
from video_factory import frame_index, write_video

from vivit_hf.training.data import DatasetFormatError
from vivit_hf.training.data import dataset as data_set
from vivit_hf.training.data.formats import hold_out, load_video_dataset


def decoded_times(path) -> list[float]:
    """Every frame's time in seconds from the first one shown, and its drawn index, from a whole decode."""
    with av.open(str(path)) as container:
        frames = [
            (float(frame.time), frame_index(frame.to_ndarray(format="rgb24"))) for frame in container.decode(video=0)
        ]
    first = frames[0][0]
    assert [index for _, index in frames] == list(range(len(frames)))  # the pattern reads back: the reference holds
    return [time - first for time, _ in frames]


def on_screen(times: list[float], start: float, end: float) -> list[int]:
    first = max(i for i, t in enumerate(times) if t <= start + 1e-9)
    last = max(i for i, t in enumerate(times) if t < end - 1e-9)
    return list(range(first, last + 1))


# (video id, the file's frame rate, the rate Epic's frame numbers count at for it): an EPIC-55 video, a new
# participant's and an old one's extension video (P37_103 was one more new participant's, read by the same rule)
VIDEOS = [("P01_01", 60, 60), ("P33_101", 50, 50), ("P01_101", 50, 50)]


@pytest.mark.parametrize("video_id, fps, epic_rate", VIDEOS)
def test_epic_narrations_by_timestamp_and_by_frame_number_are_the_frames_a_whole_decode_shows_then(
    tmp_path, video_id, fps, epic_rate
):
    participant = video_id.split("_")[0]
    path = tmp_path / participant / "videos" / f"{video_id}.MP4"
    path.parent.mkdir(parents=True)
    write_video(path, num_frames=4 * fps, fps=fps, height=24, width=32)
    times = decoded_times(path)
    rows = [
        # by timestamp: 1.00-2.00 s and 2.30-2.95 s
        [f"{video_id}_0", participant, video_id, "", "00:00:01.00", "00:00:02.00", "", "", "x", "v", 3, "n", 8, "", ""],
        [f"{video_id}_1", participant, video_id, "", "00:00:02.30", "00:00:02.95", "", "", "x", "v", 1, "n", 2, "", ""],
        # by frame number alone: Epic's frames 30..89 at its rate
        [f"{video_id}_2", participant, video_id, "", "", "", "30", "89", "x", "v", 0, "n", 1, "", ""],
    ]  # fmt: skip
    write_csv(tmp_path / "EPIC_100_train.csv", rows, EPIC_HEADER)
    train = load_video_dataset(tmp_path, "epic_kitchens").split("train")
    proc = processor()
    proc.size, proc.crop_size = {"shortest_edge": 24}, {"height": 24, "width": 32}
    decoded = [[frame_index(f) for f in data_set.VideoSegment.of(e).decode_frames(proc).numpy()] for e in train]
    assert decoded[0] == on_screen(times, 1.0, 2.0)
    assert decoded[1] == on_screen(times, 2.3, 2.95)
    assert decoded[2] == on_screen(times, 30 / epic_rate, 90 / epic_rate)
    assert len(decoded[0]) == fps  # one second of the file's own frames, whatever its rate


def test_epic_extension_frame_numbers_read_in_a_copy_at_another_rate_are_the_same_seconds(tmp_path):
    # P33_101 re-encoded at 60 fps (a copy made for a loader that wants one rate): Epic's frame 50 is still 1.00 s in
    # (its frames count the 50 fps recording), frame 60 of this copy; read as 60 fps frames it fell at 0.83 s.
    path = tmp_path / "P33" / "videos" / "P33_101.MP4"
    path.parent.mkdir(parents=True)
    write_video(path, num_frames=180, fps=60, height=24, width=32)
    times = decoded_times(path)
    row = ["P33_101_0", "P33", "P33_101", "", "", "", "50", "99", "x", "v", 0, "n", 1, "", ""]
    write_csv(tmp_path / "EPIC_100_train.csv", [row], EPIC_HEADER)
    (example,) = load_video_dataset(tmp_path, "epic_kitchens").split("train")
    proc = processor()
    proc.size, proc.crop_size = {"shortest_edge": 24}, {"height": 24, "width": 32}
    frames = data_set.VideoSegment.of(example).decode_frames(proc).numpy()
    assert [frame_index(f) for f in frames] == on_screen(times, 50 / 50, 100 / 50) == list(range(60, 120))


# Epic's own rows (its annotations' README): a narration's timestamps and the frame numbers Epic derived from them,
# `floor(seconds x rate)`, 1 at least: 0.14 s is frame 8 (8.4), 3.37 s frame 202, 0.00 s frame 1, 2.86 s frame 143.
EPIC_ROWS = [
    ("P01_01", "00:00:00.14", "00:00:03.37", 8, 202),
    ("P01_01", "00:00:00.00", "00:00:01.89", 1, 113),
    ("P01_101", "00:00:02.86", "00:00:03.87", 143, 193),
]


def test_epic_frame_numbers_read_the_frames_their_own_timestamps_read(tmp_path):
    """Frame `n` stands for `n / rate` s, as Epic numbers them (`floor`). Read as on screen from `(n - 1) / rate`,
    every narration given by frame numbers alone started one frame early and ended one frame short of the frames
    its own timestamps read."""
    fps = {"P01_01": 60, "P01_101": 50}
    times = {}
    for video_id, rate in fps.items():
        path = tmp_path / "P01" / "videos" / f"{video_id}.MP4"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_video(path, num_frames=4 * rate, fps=rate, height=24, width=32)
        times[video_id] = decoded_times(path)
    rows = []
    for i, (video_id, start, stop, first, last) in enumerate(EPIC_ROWS):
        rows.append([f"{video_id}_{2 * i}", "P01", video_id, "", start, stop, "", "", "x", "v", 0, "n", 1, "", ""])
        rows.append([f"{video_id}_{2 * i + 1}", "P01", video_id, "", "", "", first, last, "x", "v", 0, "n", 1, "", ""])
    write_csv(tmp_path / "EPIC_100_train.csv", rows, EPIC_HEADER)
    train = load_video_dataset(tmp_path, "epic_kitchens").split("train")
    proc = processor()
    proc.size, proc.crop_size = {"shortest_edge": 24}, {"height": 24, "width": 32}
    decoded = [[frame_index(f) for f in data_set.VideoSegment.of(e).decode_frames(proc).numpy()] for e in train]
    for i, (video_id, start, stop, _, _) in enumerate(EPIC_ROWS):
        seconds = [float(t.rpartition(":")[2]) for t in (start, stop)]
        assert decoded[2 * i] == on_screen(times[video_id], *seconds)  # the reference: the timestamps' frames
        assert decoded[2 * i + 1] == decoded[2 * i], EPIC_ROWS[i]


# epic-kitchens-55-annotations' EPIC_train_action_labels.csv: a `uid` a segment, no narration_id, no validation split
EPIC_55_HEADER = [
    "uid", "participant_id", "video_id", "narration", "start_timestamp", "stop_timestamp", "start_frame",
    "stop_frame", "verb", "verb_class", "noun", "noun_class", "all_nouns", "all_noun_classes",
]  # fmt: skip


def test_epic_kitchens_55_annotations_read_their_segments_of_the_untrimmed_videos_with_its_classes(tmp_path):
    """EPIC-Kitchens-55's annotations (`EPIC_train_action_labels.csv`, `EPIC_{noun,verb}_classes.csv`: 352 nouns,
    125 verbs) were refused ("no EPIC_100_train.csv"), so its copies, which its test splits leave the only labelled
    split of, could not be read. Its rows are read as EPIC-100's now: each `uid` its segment of the video
    `videos/train/P01/P01_01.MP4`, its frame numbers counting 60 fps frames; the reference is a whole decode."""
    path = tmp_path / "videos" / "train" / "P01" / "P01_01.MP4"
    path.parent.mkdir(parents=True)
    write_video(path, num_frames=180, fps=60, height=24, width=32)
    times = decoded_times(path)
    write_csv(tmp_path / "annotations" / "EPIC_noun_classes.csv", [[i, f"n{i}", f"['n{i}']"] for i in range(352)],
              ["noun_id", "class_key", "nouns"])  # fmt: skip
    write_csv(tmp_path / "annotations" / "EPIC_verb_classes.csv", [[i, f"v{i}", f"['v{i}']"] for i in range(125)],
              ["verb_id", "class_key", "verbs"])  # fmt: skip
    rows = [
        [0, "P01", "P01_01", "open door", "00:00:01.00", "00:00:02.00", 60, 120, "open", 2, "door", 8, "", ""],
        [7, "P01", "P01_01", "take tofu", "", "", 30, 89, "take", 124, "tofu", 351, "['tofu']", "[351]"],
        [9, "P01", "P01_02", "close fridge", "00:00:01.00", "00:00:02.00", 60, 120, "close", 3, "fridge", 10, "", ""],
    ]  # fmt: skip
    write_csv(tmp_path / "annotations" / "EPIC_train_action_labels.csv", rows, EPIC_55_HEADER)
    data = load_video_dataset(tmp_path, "epic_kitchens")
    assert data.head_sizes == {"noun": 352, "verb": 125} and list(data.splits) == ["train"]
    assert [data.id2label[i] for i in (8, 351, 352 + 2, 352 + 124)] == ["noun:n8", "noun:n351", "verb:v2", "verb:v124"]
    train = data.split("train")
    assert [(e["id"], e["label"]) for e in train] == [("0", [8, 2]), ("7", [351, 124])]
    assert data.missing == {"train": 1}  # P01_02 is not on disk
    proc = processor()
    proc.size, proc.crop_size = {"shortest_edge": 24}, {"height": 24, "width": 32}
    decoded = [[frame_index(f) for f in data_set.VideoSegment.of(e).decode_frames(proc).numpy()] for e in train]
    assert decoded == [on_screen(times, 1.0, 2.0), on_screen(times, 30 / 60, 90 / 60)]
    path.unlink()  # Epic's extracted frames alone (frames_rgb_flow/rgb/train/P01/P01_01.tar): said so
    frames = tmp_path / "frames_rgb_flow" / "rgb" / "train" / "P01" / "P01_01.tar"
    frames.parent.mkdir(parents=True)
    frames.write_bytes(b"frames")
    with pytest.raises(DatasetFormatError, match=r"frames_rgb_flow holds Epic's extracted frames.*videos/train/P01"):
        load_video_dataset(tmp_path, "epic_kitchens")


def test_epic_kitchens_55_s_held_out_share_keeps_each_video_wholly_on_one_side(tmp_path):
    """EPIC-Kitchens-55 has no evaluation split: fine-tuning holds a share of its segments out (`hold_out`). Drawn by
    segment, every video's segments fell on both sides, and they overlap, some near-copies (uids 126 and 127: both
    "take grater" from 00:09:21.12), so the held-out score was of clips the model had all but trained on; the field
    holds out whole videos (Baradel et al.'s split). Each video is on one side now, every noun and verb trained."""
    videos = ["P01_01", "P01_02", "P02_01", "P03_04"]
    for video in videos:
        path = tmp_path / "videos" / "train" / video[:3] / f"{video}.MP4"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_video(path, num_frames=2, height=16, width=16)
    rows = [  # six segments a video, overlapping, the first two near-copies; each noun and verb in three videos
        [10 * v + j, video[:3], video, "take grater", f"00:00:0{k}.00", f"00:00:0{k + 2}.50", "", "", "take",
         (v + k) % 4, "grater", (v + 2 * k) % 5, "", ""]
        for v, video in enumerate(videos) for j, k in enumerate((0, 0, 1, 2, 3, 4))
    ]  # fmt: skip
    write_csv(tmp_path / "EPIC_train_action_labels.csv", rows, EPIC_55_HEADER)
    train = load_video_dataset(tmp_path, "epic_kitchens").split("train")
    source = {str(row[0]): row[2] for row in rows}
    for seed in range(4):
        rest, held = hold_out(train, 0.25, seed=seed)
        trained, scored = ({source[e["id"]] for e in side} for side in (rest, held))
        assert not trained & scored and len(scored) == 1, (seed, trained & scored)  # one video of four
        assert sorted(e["id"] for e in rest + held) == sorted(source)
        for head in range(2):  # every class of each head keeps a clip to train on
            assert {e["label"][head] for e in rest} == {e["label"][head] for e in train}
        assert hold_out(train, 0.25, seed=seed) == (rest, held)  # the same every time for a seed


def test_epic_kitchens_55_is_chosen_beside_epic_100_by_its_configuration_name(tmp_path, caplog):
    """Both annotations repositories unpacked in one folder: EPIC-100's CSVs were read and EPIC-55's named in a
    warning, with no way to read EPIC-55 but to move EPIC-100's away. `--dataset_config_name 55` (or `100`, and
    spellings such as `EPIC-Kitchens-55`) reads that release, as it chooses UCF101's official split."""
    from vivit_hf.training.data.formats import check_config_name

    path = tmp_path / "videos" / "train" / "P01" / "P01_01.MP4"
    path.parent.mkdir(parents=True)
    write_video(path, num_frames=2, height=16, width=16)
    row_55 = [0, "P01", "P01_01", "open door", "00:00:00.00", "00:00:00.05", "", "", "open", 2, "door", 8, "", ""]
    write_csv(tmp_path / "EPIC_train_action_labels.csv", [row_55], EPIC_55_HEADER)
    row_100 = ["P01_01_0", "P01", "P01_01", "", "00:00:00.00", "00:00:00.05", "", "", "x", "v", 1, "n", 3, "", ""]
    write_csv(tmp_path / "EPIC_100_train.csv", [row_100], EPIC_HEADER)
    with caplog.at_level("WARNING"):
        default = load_video_dataset(tmp_path, "epic_kitchens")
    assert [(e["id"], e["label"]) for e in default.split("train")] == [("P01_01_0", [3, 1])]
    assert any("is not read" in r.getMessage() and "--dataset_config_name 55" in r.getMessage() for r in caplog.records)
    for name in ("55", "EPIC-Kitchens-55", "epic55"):
        chosen = load_video_dataset(tmp_path, "epic_kitchens", config_name=name)
        assert [(e["id"], e["label"]) for e in chosen.split("train")] == [("0", [8, 2])]
        assert chosen.head_sizes == {"noun": 352, "verb": 125}
    assert load_video_dataset(tmp_path, "epic_kitchens", config_name="100").head_sizes == {"noun": 300, "verb": 97}
    (tmp_path / "EPIC_100_train.csv").unlink()
    with pytest.raises(DatasetFormatError, match=r"--dataset_config_name 100: no EPIC_100_train.csv or EPIC_100_"):
        load_video_dataset(tmp_path, "epic_kitchens", config_name="100")
    with pytest.raises(ValueError, match=r"epic_kitchens has its releases 55 and 100 as configurations, not '56'"):
        check_config_name("epic_kitchens", "56")
