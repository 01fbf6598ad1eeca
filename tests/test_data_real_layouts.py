# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The big video data sets as they are really laid out on disk and on the Hub, read right: which file each example
points at, its label, the segment of a long video it covers, and clear refusals for what is not one of them.

Each replica is built here, file by file, from the data set's own documentation; the truth each test checks against
(label ids, file names, frame numbers) is written in the test, never taken from the code under test."""

import contextlib
import json
import logging
import re
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from test_data_formats import clip, write_csv
from video_factory import frame_index, write_video

from vivit_hf.training.data import dataset as data_set
from vivit_hf.training.data import examples as data_examples
from vivit_hf.training.data import folders as data_folders
from vivit_hf.training.data.formats import (
    DatasetFormatError,
    example_ids,
    example_labels,
    hold_out,
    load_video_dataset,
)
from vivit_hf.training.data.subsets import clip_group_by_name

REPO = Path(__file__).resolve().parents[1]

EPIC_HEADER = [
    "narration_id", "participant_id", "video_id", "narration_timestamp", "start_timestamp", "stop_timestamp",
    "start_frame", "stop_frame", "narration", "verb", "verb_class", "noun", "noun_class", "all_nouns",
    "all_noun_classes",
]  # fmt: skip


def processor():
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

    # The whole 48x64 frame, unflipped and unscaled: the frame's index can be read back from a sample.
    return ViViTVideoProcessor(
        num_frames=4,
        frame_stride=1,
        size={"shortest_edge": 48},
        crop_size={"height": 48, "width": 64},
        do_flip=False,
        do_rescale=False,
        do_normalize=False,
        decode_backend="pyav",
    )


def test_epic_kitchens_untrimmed_videos_give_each_narration_its_segment(tmp_path):
    # Epic Kitchens ships whole recordings, `P01/videos/P01_01.MP4`, and a CSV placing each narration in one by
    # timestamp and by frame number. 100 frames at 25 fps: 00:00:01.00-00:00:02.00 is frames 25..49.
    (tmp_path / "P01" / "videos").mkdir(parents=True)
    write_video(tmp_path / "P01" / "videos" / "P01_01.MP4", num_frames=100, fps=25)
    rows = [
        ["P01_01_0", "P01", "P01_01", "00:00:00.50", "00:00:01.00", "00:00:02.00", "", "", "open door", "open", 3,
         "door", 8, "['door']", "[8]"],
        # No timestamps: the frame numbers count Epic's 60 fps frames, frame n at n / 60 s (Epic's floor of the
        # timestamps): 60..79 are 1.00-1.33 s, frames 25..33 of this 25 fps copy.
        ["P01_01_1", "P01", "P01_01", "00:00:02.40", "", "", "60", "79", "take cup", "take", 0, "cup", 12, "['cup']",
         "[12]"],
        # Both, the frame numbers counting the 50 fps recording this 25 fps copy was made from: the timestamps hold.
        ["P01_01_2", "P01", "P01_01", "00:00:02.90", "00:00:03.00", "00:00:03.40", "151", "170", "wash cup", "wash", 2,
         "cup", 12, "['cup']", "[12]"],
    ]  # fmt: skip
    write_csv(tmp_path / "EPIC_100_train.csv", rows, EPIC_HEADER)
    data = load_video_dataset(tmp_path, "epic_kitchens")
    train = data.split("train")
    assert [(e["id"], Path(e["video"]).name, e["label"]) for e in train] == [
        ("P01_01_0", "P01_01.MP4", [8, 3]),
        ("P01_01_1", "P01_01.MP4", [12, 0]),
        ("P01_01_2", "P01_01.MP4", [12, 2]),
    ]
    proc = processor()
    decoded = [data_set.VideoSegment.of(e).decode_frames(proc).numpy() for e in train]
    assert [frame_index(f) for f in decoded[0]] == list(range(25, 50))
    assert [frame_index(f) for f in decoded[1]] == list(range(25, 34))
    assert [frame_index(f) for f in decoded[2]] == list(range(75, 85))

    # The training data set samples inside the segment only: every frame of every sample comes from it.
    dataset = data_set.VideoClassificationDataset(train, proc, seed=0)
    for example, (first, last) in enumerate([(25, 49), (25, 33), (75, 84)]):
        item = dataset[example]
        assert bool(item["valid"])
        frames = item["pixel_values"][0].permute(0, 2, 3, 1).numpy().round().astype(np.uint8)
        assert all(first <= frame_index(f) <= last for f in frames), [frame_index(f) for f in frames]


def test_epic_kitchens_segment_after_the_videos_end_is_named_with_its_times_and_one_past_it_keeps_its_frames(
    tmp_path, caplog, monkeypatch
):
    # Timestamps of a longer copy of the video: a segment wholly after the end read as the last frame alone and was
    # skipped as "<Tensor of shape (1, ...)> has a single frame; pass short_video='loop'"; one running past the end
    # trained on what there is, without a word. 50 frames at 25 fps: 2 s.
    monkeypatch.setattr(data_set, "_warned_past_the_end", False, raising=False)
    (tmp_path / "P01" / "videos").mkdir(parents=True)
    write_video(tmp_path / "P01" / "videos" / "P01_01.MP4", num_frames=50, fps=25)
    rows = [
        ["P01_01_0", "P01", "P01_01", "00:00:03.00", "00:00:03.00", "00:00:04.00", "", "", "x", "v", 3, "n", 8, "", ""],
        ["P01_01_1", "P01", "P01_01", "00:00:01.00", "00:00:01.00", "00:00:05.00", "", "", "x", "v", 3, "n", 8, "", ""],
        ["P01_01_2", "P01", "P01_01", "00:00:00.00", "", "", "120", "139", "x", "v", 0, "n", 12, "", ""],
    ]  # fmt: skip
    write_csv(tmp_path / "EPIC_100_train.csv", rows, EPIC_HEADER)
    dataset = data_set.VideoClassificationDataset(
        load_video_dataset(tmp_path, "epic_kitchens").split("train"), processor(), seed=0
    )
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.dataset"):
        valid = [bool(dataset[i]["valid"]) for i in range(3)]
    assert valid == [False, True, False]
    messages = [r.getMessage() for r in caplog.records]
    assert any("P01_01_0" in m and "its segment 3.00-4.00 s lies after the end of" in m and "(2.00 s long)" in m
               for m in messages), messages  # fmt: skip
    assert any("P01_01_2" in m and "its segment 2.00-2.33 s lies after the end of" in m and "(2.00 s long)" in m
               for m in messages), messages  # fmt: skip
    past = [m for m in messages if "runs past the end" in m]
    assert len(past) == 1 and "segment P01_01_1 (1.00-5.00 s)" in past[0] and "(2.00 s long)" in past[0], past
    assert not any("single frame" in m for m in messages), messages


@pytest.mark.parametrize("cached", [False, True])
def test_epic_kitchens_narration_shorter_than_a_frame_is_that_frame_and_a_reversed_one_is_named(
    tmp_path, caplog, cached
):
    # 100 frames at 25 fps. Frames 60..61 of Epic's 60 fps count are 1.000-1.033 s: frame 25 alone of this copy, read
    # as a one-frame clip and skipped every epoch as "has a single frame" (the refusal meant for a broken file or a
    # still image, not for a segment of a whole video). Start and stop stamped alike, 2.00-2.00 s, are the frame on
    # screen then, 50 (an empty range before: "lies outside the 100 frames"). Start and stop swapped is the
    # annotation's mistake, skipped and named as such.
    (tmp_path / "P01" / "videos").mkdir(parents=True)
    write_video(tmp_path / "P01" / "videos" / "P01_01.MP4", num_frames=100, fps=25)
    rows = [
        ["P01_01_0", "P01", "P01_01", "00:00:01.00", "", "", "60", "61", "x", "v", 3, "n", 8, "", ""],
        ["P01_01_1", "P01", "P01_01", "00:00:02.00", "00:00:02.00", "00:00:02.00", "", "", "x", "v", 0, "n", 1, "", ""],
        ["P01_01_2", "P01", "P01_01", "00:00:03.00", "00:00:03.00", "00:00:02.50", "", "", "x", "v", 0, "n", 1, "", ""],
    ]  # fmt: skip
    write_csv(tmp_path / "EPIC_100_train.csv", rows, EPIC_HEADER)
    dataset = data_set.VideoClassificationDataset(
        load_video_dataset(tmp_path, "epic_kitchens").split("train"), processor(), seed=0
    )
    if cached:
        with caplog.at_level(logging.ERROR):
            dataset.cache_decoded_videos()
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.dataset"):
        items = [dataset[i] for i in range(3)]
    assert [bool(item["valid"]) for item in items] == [True, True, False]
    for item, frame in zip(items[:2], (25, 50)):
        frames = item["pixel_values"][0].permute(0, 2, 3, 1).numpy().round().astype(np.uint8)
        assert [frame_index(f) for f in frames] == [frame] * 4
    if not cached:  # the cache names a clip it cannot decode when it is built
        messages = [r.getMessage() for r in caplog.records]
        assert any("P01_01_2" in m and "ends before it starts: 3.00 s to 2.50 s" in m for m in messages), messages
        assert not any("single frame" in m or "lies outside" in m for m in messages), messages


def test_epic_kitchens_frame_numbers_count_epics_60_or_50_fps_frames_whatever_the_files_rate(tmp_path):
    # Rows without timestamps place a narration by Epic's frame numbers, which count its extracted frames: every
    # EPIC-Kitchens-55 video resampled to 60 fps (its README: "-r 60"; P18_09 was recorded at 90 fps), the
    # EPIC-Kitchens-100 videos (`P01_101`) at 50 fps. Frames 60..119 of P18_09 are 1.00-2.00 s: frames 90..179 of
    # the 90 fps original (read as its frames 60..119 before: 0.67-1.33 s). Frames 50..99 of P01_101 are 1.00-2.00
    # s: frames 25..49 of a 25 fps copy (50..99 before: 2.00-4.00 s).
    (tmp_path / "P18" / "videos").mkdir(parents=True)
    (tmp_path / "P01" / "videos").mkdir(parents=True)
    write_video(tmp_path / "P18" / "videos" / "P18_09.MP4", num_frames=200, fps=90, height=24, width=32)
    write_video(tmp_path / "P01" / "videos" / "P01_101.MP4", num_frames=120, fps=25, height=24, width=32)
    rows = [
        ["P18_09_0", "P18", "P18_09", "", "", "", "60", "119", "x", "v", 3, "n", 8, "", ""],
        ["P01_101_0", "P01", "P01_101", "", "", "", "50", "99", "x", "v", 0, "n", 12, "", ""],
    ]  # fmt: skip
    write_csv(tmp_path / "EPIC_100_train.csv", rows, EPIC_HEADER)
    train = load_video_dataset(tmp_path, "epic_kitchens").split("train")
    proc = processor()
    proc.size, proc.crop_size = {"shortest_edge": 24}, {"height": 24, "width": 32}
    decoded = [data_set.VideoSegment.of(e).decode_frames(proc).numpy() for e in train]
    assert [frame_index(f) for f in decoded[0]] == list(range(90, 180))
    assert [frame_index(f) for f in decoded[1]] == list(range(25, 50))


def test_epic_kitchens_reads_noun_names_from_the_v2_classes_file_of_the_annotations_repo(tmp_path):
    # The annotations repo now holds EPIC_100_noun_classes_v2.csv (VISOR's: the 300 classes by the same ids, then
    # hand:left ... glove:right, 300..304, which no narration has). A copy with only it gave nouns "0".."299".
    write_csv(tmp_path / "EPIC_100_train.csv", [["P01_01_0", "P01", "P01_01", "", "00:00:00.00", "00:00:01.00", "",
              "", "open drawer", "open", 3, "drawer", 8, "", ""]], EPIC_HEADER)  # fmt: skip
    classes = [
        [0, "tap", "['tap']", "appliances"], [8, "drawer", "['drawer']", "furniture"],
        [299, "extract:vanilla", "['extract:vanilla']", "prepared food"],
        [300, "hand:left", "['hand:left']", "hand"], [304, "glove:right", "['glove:right']", "materials"],
    ]  # fmt: skip
    write_csv(tmp_path / "EPIC_100_noun_classes_v2.csv", classes, ["id", "key", "instances", "category"])
    clip(tmp_path / "clips" / "P01_01_0.mp4")
    data = load_video_dataset(tmp_path, "epic_kitchens")
    assert data.head_sizes == {"noun": 300, "verb": 97}
    assert [data.id2label[i] for i in (0, 8, 299)] == ["noun:tap", "noun:drawer", "noun:extract:vanilla"]
    assert data.id2label[300] == "verb:0"


def test_epic_kitchens_without_any_clip_names_what_it_looked_for_and_found(tmp_path):
    write_csv(tmp_path / "EPIC_100_train.csv", [["P01_01_0", "P01", "P01_01", "", "", "", "", "", "open door", "open",
              3, "door", 8, "", ""]], EPIC_HEADER)  # fmt: skip
    clip(tmp_path / "videos" / "P09_09.mp4")
    with pytest.raises(DatasetFormatError, match=r"none of the 1 clips.*<narration_id>.*videos/P09_09.mp4"):
        load_video_dataset(tmp_path, "epic_kitchens")


def test_epic_kitchens_of_extracted_frames_only_says_the_frames_are_not_read(tmp_path):
    """Epic ships every video also as its RGB frames (`P01/rgb_frames/P01_01.tar`, or unpacked): a copy of the
    frames alone was refused as "found no video files", with no word that it was the frames the reader skips."""
    write_csv(tmp_path / "EPIC_100_train.csv", [["P01_01_0", "P01", "P01_01", "", "00:00:00.14", "00:00:03.37", "8",
              "202", "open door", "open", 3, "door", 8, "", ""]], EPIC_HEADER)  # fmt: skip
    frames = tmp_path / "EPIC-KITCHENS" / "P01" / "rgb_frames"
    (frames / "P01_01").mkdir(parents=True)
    (frames / "P01_01" / "frame_0000000001.jpg").write_bytes(b"a frame")
    with pytest.raises(
        DatasetFormatError, match=r"found no video files\. .*P01/rgb_frames holds Epic's extracted frames"
    ):
        load_video_dataset(tmp_path, "epic_kitchens")


def moments(root: Path) -> None:
    """Moments in Time as its zip unpacks: one `Moments_in_Time_Raw/` folder holding the CSVs and the clips."""
    (root / "moments_categories.txt").parent.mkdir(parents=True, exist_ok=True)
    (root / "moments_categories.txt").write_text("clapping,1\nbarking,0\n")
    write_csv(root / "trainingSet.csv", [["clapping/x.mp4", "clapping", 3, 0], ["barking/y.mp4", "barking", 3, 1]])
    write_csv(root / "validationSet.csv", [["clapping/z.mp4", "clapping", 3, 0], ["barking/gone.mp4", "barking", 3, 0]])
    clip(root / "training" / "clapping" / "x.mp4")
    clip(root / "training" / "barking" / "y.mp4")
    clip(root / "validation" / "clapping" / "z.mp4")


def test_moments_unpacked_below_the_root_finds_clips_beside_its_csvs_and_names_the_missing_one(tmp_path, caplog):
    moments(tmp_path / "Moments_in_Time_Raw")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "moments")
    assert [(e["id"], e["label"]) for e in data.split("train")] == [("clapping/x.mp4", 1), ("barking/y.mp4", 0)]
    assert [(e["id"], e["label"]) for e in data.split("validation")] == [("clapping/z.mp4", 1)]
    assert Path(data.split("validation")[0]["video"]) == tmp_path / "Moments_in_Time_Raw/validation/clapping/z.mp4"
    assert data.missing == {"validation": 1}
    assert any("'barking/gone.mp4'" in r.getMessage() for r in caplog.records)

    # A CSV re-made with the split folder in each path reads the same clips.
    write_csv(tmp_path / "Moments_in_Time_Raw" / "validationSet.csv", [["validation/clapping/z.mp4", "clapping", 3, 0]])
    data = load_video_dataset(tmp_path, "moments")
    assert Path(data.split("validation")[0]["video"]) == tmp_path / "Moments_in_Time_Raw/validation/clapping/z.mp4"


def test_moments_and_kinetics_in_mmaction2s_layout_are_read(tmp_path, caplog):
    # mmaction2's tools/data/mit: `annotations/{moments_categories.txt,trainingSet.csv,...}` beside
    # `videos/{training,validation}/` (and `rawframes/training/<class>/<clip>/`, folders of frames): every clip was
    # "not on disk". tools/data/kinetics: DeepMind's CSVs renamed `annotations/kinetics_{train,val,test}.csv`: refused
    # as "no annotations/train.csv or val.csv".
    moments(tmp_path / "mit" / "unpacked")
    (tmp_path / "mit" / "unpacked").rename(tmp_path / "mit" / "annotations")
    (tmp_path / "mit" / "videos").mkdir()
    for folder in ("training", "validation"):
        (tmp_path / "mit" / "annotations" / folder).rename(tmp_path / "mit" / "videos" / folder)
    (tmp_path / "mit" / "rawframes" / "training" / "clapping" / "x.mp4").mkdir(parents=True)
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path / "mit", "moments")
    assert {split: [(Path(e["video"]).relative_to(tmp_path / "mit").as_posix(), e["label"]) for e in examples]
            for split, examples in data.splits.items()} == {
        "train": [("videos/training/clapping/x.mp4", 1), ("videos/training/barking/y.mp4", 0)],
        "validation": [("videos/validation/clapping/z.mp4", 1)],
    }  # fmt: skip
    assert not [r for r in caplog.records if "folders named" in r.getMessage()]  # (rawframes/ holds no clip)
    # A resized copy beside the clips, which sorts first: its clips were read, without a word
    clip(tmp_path / "mit" / "clips_256p" / "training" / "clapping" / "x.mp4")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path / "mit", "moments")
    assert Path(data.split("train")[0]["video"]) == tmp_path / "mit/clips_256p/training/clapping/x.mp4"
    said = [r.getMessage() for r in caplog.records if "folders named 'training'" in r.getMessage()]
    assert len(said) == 1 and "videos/training" in said[0] and f"{tmp_path}/mit/clips_256p/training:" in said[0]

    header = ["label", "youtube_id", "time_start", "time_end", "split", "is_cc"]
    annotations = tmp_path / "k400" / "annotations"
    write_csv(annotations / "kinetics_train.csv", [["air drumming", "-abc", 40, 50, "train", 0]], header)
    write_csv(annotations / "kinetics_val.csv", [["abseiling", "xyz", 3, 13, "val", 0]], header)
    write_csv(annotations / "kinetics_test.csv", [["qqq", 0, 10, "test", 0]], header[1:])
    clip(tmp_path / "k400" / "videos_train" / "air_drumming" / "-abc_000040_000050.mp4")
    clip(tmp_path / "k400" / "videos_val" / "abseiling" / "xyz_000003_000013.mp4", seed=1)
    data = load_video_dataset(tmp_path / "k400", "kinetics")
    assert data.label_names == ["abseiling", "air drumming"] and data.unlabelled == ["test"]
    assert {
        split: [(Path(e["video"]).name, e["label"]) for e in examples] for split, examples in data.splits.items()
    } == {
        "train": [("-abc_000040_000050.mp4", 1)],
        "validation": [("xyz_000003_000013.mp4", 0)],
    }


def test_ucf101_and_hmdb51_still_in_their_rar_archives_are_refused_with_the_command_that_unpacks_them(tmp_path):
    # HMDB51 ships as `hmdb51_org.rar` holding one `.rar` a class; unpacking the outer one alone read "found no video
    # files". UCF101 ships as `UCF101.rar`, given as --dataset, was to be unpacked with `tar -xf`, which GNU tar
    # refuses ("This does not look like a tar archive").
    lists = tmp_path / "hmdb51" / "testTrainMulti_7030_splits"
    lists.mkdir(parents=True)
    (lists / "brush_hair_test_split1.txt").write_text("April_09_brush_hair_u_nm_np1_ba_goo_0.avi 1 \n")
    (lists / "cartwheel_test_split1.txt").write_text("Acrobacias_de_un_fenomeno_cartwheel_f_cm_np1_ba_bad_8.avi 2 \n")
    for name in ("brush_hair", "cartwheel"):
        (tmp_path / "hmdb51" / "hmdb51_org").mkdir(exist_ok=True)
        (tmp_path / "hmdb51" / "hmdb51_org" / f"{name}.rar").write_bytes(b"Rar!\x1a\x07\x00")
    with pytest.raises(DatasetFormatError) as refused:
        load_video_dataset(tmp_path / "hmdb51", "hmdb51")
    assert "found no video files, but 2 archive(s)" in str(refused.value)
    assert f"`cd {tmp_path / 'hmdb51' / 'hmdb51_org'} && unrar x brush_hair.rar brush_hair/`" in str(refused.value)

    (tmp_path / "UCF101.rar").write_bytes(b"Rar!\x1a\x07\x00")
    with pytest.raises(DatasetFormatError, match=r"unpack it \(e\.g\. `unrar x .*UCF101\.rar UCF101/`\)"):
        load_video_dataset(tmp_path / "UCF101.rar", "ucf101")


def test_ssv2_reads_20bn_file_names_and_test_answers(tmp_path):
    labels = {"Holding something": "0", "Pushing something from left to right": "1"}
    (tmp_path / "something-something-v2-labels.json").write_text(json.dumps(labels))
    train = [{"id": "5", "label": "pushing a pen from left to right", "template": "Pushing [something] from left to "
              "right", "placeholders": ["a pen"]}]  # fmt: skip
    validation = [{"id": "6", "label": "holding a cup", "template": "Holding [something]", "placeholders": ["a cup"]}]
    (tmp_path / "something-something-v2-train.json").write_text(json.dumps(train))
    (tmp_path / "something-something-v2-validation.json").write_text(json.dumps(validation))
    clip(tmp_path / "20bn-something-something-v2" / "5.webm", codec_suffix=".webm")
    clip(tmp_path / "20bn-something-something-v2" / "6.webm", codec_suffix=".webm")
    # Qualcomm's test labels: `id;class name`, no header; the evaluation split stays `validation`.
    (tmp_path / "test-answers.csv").write_text("7;Pushing something from left to right\n8;Holding something\n")
    clip(tmp_path / "20bn-something-something-v2" / "7.webm", codec_suffix=".webm")
    data = load_video_dataset(tmp_path, "ssv2")
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("train")] == [("5.webm", 1)]
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("validation")] == [("6.webm", 0)]
    assert [(e["id"], e["label"]) for e in data.split("test")] == [("7", 1)]
    assert data.missing == {"test": 1} and data.default_eval_split == "validation"


def test_ssv2_walks_its_tree_once_for_the_clips_and_every_annotation_file(tmp_path, monkeypatch):
    """Qualcomm's `labels/` folder: each annotation file looked for (labels, train, validation, test answers) walked
    the tree again, 5 walks of 169 000 clips in all. The files found are the first of their name in the walk (a
    `backup/` copy sorted after `labels/` is not read)."""
    from vivit_hf.training.data import annotated

    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "labels.json").write_text(json.dumps({"Holding something": "0", "Pushing something": "1"}))
    (tmp_path / "labels" / "train.json").write_text(json.dumps([{"id": "5", "template": "Pushing [something]"}]))
    (tmp_path / "labels" / "validation.json").write_text(json.dumps([{"id": "6", "template": "Holding [something]"}]))
    (tmp_path / "zbackup").mkdir()
    (tmp_path / "zbackup" / "train.json").write_text(json.dumps([{"id": "6", "template": "Pushing [something]"}]))
    clip(tmp_path / "videos" / "5.mp4")
    clip(tmp_path / "videos" / "6.mp4", seed=1)
    walks = []

    def walk_folder(root):
        walks.append(root)
        return data_folders.walk_folder(root)

    monkeypatch.setattr(annotated, "walk_folder", walk_folder)
    data = load_video_dataset(tmp_path, "ssv2")
    assert walks == [tmp_path]
    assert [(e["id"], e["label"]) for e in data.split("train")] == [("5", 1)]
    assert [(e["id"], e["label"]) for e in data.split("validation")] == [("6", 0)]


def _epic_in_folders(root):
    row = ["", "P01", "P01_01", "", "00:00:00.00", "00:00:01.00", "", "", "open drawer", "open", 3, "drawer", 8, "", ""]
    write_csv(root / "annotations" / "EPIC_100_train.csv", [["P01_01_0", *row[1:]]], EPIC_HEADER)
    write_csv(root / "annotations" / "EPIC_100_noun_classes_v2.csv", [[8, "drawer", "", ""]], ["id", "key", "", ""])
    write_csv(root / "zbackup" / "EPIC_100_train.csv", [["P01_01_1", *row[1:]]], EPIC_HEADER)
    clip(root / "clips" / "P01_01_0.mp4")
    clip(root / "clips" / "P01_01_1.mp4", seed=1)
    return "epic_kitchens", [("P01_01_0", [8, 3])], {8: "noun:drawer"}


def _moments_in_folders(root):
    raw = root / "Moments_in_Time_Raw"
    (raw / "annotations").mkdir(parents=True)
    (raw / "annotations" / "moments_categories.txt").write_text("clapping,1\nbarking,0\n")
    write_csv(raw / "annotations" / "trainingSet.csv", [["training/clapping/x.mp4", "clapping", 3, 0]])
    write_csv(root / "zbackup" / "trainingSet.csv", [["training/clapping/x.mp4", "barking", 3, 0]])
    clip(raw / "annotations" / "training" / "clapping" / "x.mp4")
    return "moments", [("training/clapping/x.mp4", 1)], {1: "clapping"}


def _ucf101_in_folders(root):
    (root / "ucfTrainTestlist").mkdir()
    (root / "ucfTrainTestlist" / "classInd.txt").write_text("1 Archery\n2 Bowling\n")
    (root / "ucfTrainTestlist" / "trainlist01.txt").write_text("Bowling/v_Bowling_g01_c01.avi 2\n")
    (root / "zbackup").mkdir()
    (root / "zbackup" / "classInd.txt").write_text("1 Bowling\n2 Archery\n")
    clip(root / "UCF-101" / "Bowling" / "v_Bowling_g01_c01.avi")
    return "ucf101", [("Bowling/v_Bowling_g01_c01.avi", 1)], {1: "Bowling"}


def _hmdb51_in_folders(root):
    (root / "splits").mkdir()
    (root / "splits" / "bowling_test_split1.txt").write_text("a_bowling.avi 1\n")
    (root / "zbackup").mkdir()
    (root / "zbackup" / "bowling_test_split1.txt").write_text("a_bowling.avi 2\n")
    clip(root / "hmdb51_org" / "bowling" / "a_bowling.avi")
    return "hmdb51", [("bowling/a_bowling.avi", 0)], {0: "bowling"}


def _kinetics_in_folders(root):
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    write_csv(root / "annotations" / "train.csv", [["yoga", "t1", 0, 10, "train"]], header)
    clip(root / "train" / "t1_000000_000010.mp4")
    return "kinetics", [("t1_000000_000010", 0)], {0: "yoga"}


@pytest.mark.parametrize(
    "layout", [_epic_in_folders, _moments_in_folders, _ucf101_in_folders, _hmdb51_in_folders, _kinetics_in_folders]
)
def test_annotated_formats_walk_their_tree_once_for_the_clips_and_every_annotation_file(tmp_path, monkeypatch, layout):
    """As SSv2's: each annotation file looked for below the root walked the whole tree again, the clips' walk aside
    (Epic: 8 walks, each split and class CSV; Moments: 3; UCF101: 4, classInd.txt and the absent testlist01.txt below
    its folder and the root; HMDB51's and Kinetics' lists: 2).
    The file read is still the first of its name in the walk (a `zbackup/` copy sorted after it is not)."""
    from vivit_hf.training.data import annotated

    fmt, expected, names = layout(tmp_path)
    walks = []

    def walk_folder(root):
        walks.append(root)
        return data_folders.walk_folder(root)

    monkeypatch.setattr(annotated, "walk_folder", walk_folder)
    data = load_video_dataset(tmp_path, fmt)
    assert walks == [tmp_path]
    assert [(e["id"], e["label"]) for e in data.split("train")] == expected
    assert {i: data.id2label[i] for i in names} == names


def test_ucf101_list_below_class_ind_is_read_before_one_the_walk_meets_first(tmp_path):
    """`testlist01.txt` is looked for below classInd.txt's folder first: one the tree's walk meets earlier
    (`aaa/`) is not read."""
    lists = tmp_path / "ucfTrainTestlist"
    (lists / "split1").mkdir(parents=True)
    (lists / "classInd.txt").write_text("1 Archery\n2 Bowling\n")
    (lists / "trainlist01.txt").write_text("Bowling/v_Bowling_g01_c01.avi 2\n")
    (lists / "split1" / "testlist01.txt").write_text("Archery/v_Archery_g01_c01.avi\n")
    (tmp_path / "aaa").mkdir()
    (tmp_path / "aaa" / "testlist01.txt").write_text("Bowling/v_Bowling_g01_c01.avi\n")
    clip(tmp_path / "UCF-101" / "Bowling" / "v_Bowling_g01_c01.avi")
    clip(tmp_path / "UCF-101" / "Archery" / "v_Archery_g01_c01.avi", seed=1)
    data = load_video_dataset(tmp_path, "ucf101")
    assert [(e["id"], e["label"]) for e in data.split("test")] == [("Archery/v_Archery_g01_c01.avi", 0)]


def test_kinetics_split_with_no_clip_on_disk_is_left_out_not_evaluated_empty(tmp_path):
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    write_csv(tmp_path / "annotations" / "train.csv", [["abseiling", "-a_b", 14, 24, "train"]], header)
    write_csv(tmp_path / "annotations" / "val.csv", [["zumba", "zz", 3, 13, "val"]], header)
    clip(tmp_path / "train" / "-a_b_000014_000024.mp4")
    data = load_video_dataset(tmp_path, "kinetics")
    assert list(data.splits) == ["train"] and data.default_eval_split is None
    assert data.missing == {"validation": 1}
    assert data.label_names == ["abseiling", "zumba"]


# -- `--dataset_format hub`: what `datasets` reads, and what it gets wrong without a word -------------------------
datasets = pytest.importorskip("datasets")


@pytest.mark.parametrize(
    "replacements",
    ["replacement/replacement_for_corrupted_k400", "train/replacement_for_corrupted_k400", "train/replacement"],
)
def test_kinetics_replacement_of_a_corrupted_clip_is_read_wherever_it_lies(tmp_path, replacements):
    # CVDF's k400_extractor.sh unpacks 1392 replacements for corrupted training clips, under the corrupted clips'
    # own names, into replacement/replacement_for_corrupted_k400/. A user who moves that folder under train/ (beside
    # the originals) must still get the replacements, not the corrupted originals the walk meets first.
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    k400 = tmp_path / "k400"
    write_csv(
        k400 / "annotations" / "train.csv", [["yoga", "t1", 0, 10, "train"], ["zumba", "t2", 5, 15, "train"]], header
    )
    (k400 / "train").mkdir(parents=True)
    (k400 / "train" / "t1_000000_000010.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 truncated")  # corrupted
    clip(k400 / "train" / "t2_000005_000015.mp4", seed=1)
    replacement = clip(k400 / replacements / "t1_000000_000010.mp4", seed=2)
    data = load_video_dataset(k400, "kinetics")
    assert {e["id"]: e["video"] for e in data.split("train")} == {
        "t1_000000_000010": str(replacement),
        "t2_000005_000015": str(k400 / "train" / "t2_000005_000015.mp4"),
    }


def write_tar(path: Path, members: list[tuple[str, bytes]]) -> None:
    import io
    import tarfile

    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def path_of(video) -> str:
    return video["path"] if isinstance(video, dict) else video


def hub(root: Path, tmp_path: Path, **kwargs):
    return load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"), **kwargs)


def test_hub_videofolder_refuses_to_drop_the_webm_clips_datasets_does_not_read(tmp_path):
    clip(tmp_path / "repo" / "train" / "cat" / "a.mp4")
    clip(tmp_path / "repo" / "train" / "dog" / "b.webm", codec_suffix=".webm")
    clip(tmp_path / "repo" / "train" / "dog" / "c.mp4")
    with pytest.raises(DatasetFormatError, match=r"train/dog/b\.webm.*--dataset_format videofolder"):
        hub(tmp_path / "repo", tmp_path)
    # The videofolder adapter reads all three, each from its class folder.
    data = load_video_dataset(tmp_path / "repo", "videofolder")
    assert [(e["id"], e["label"]) for e in data.split("train")] == [
        ("train/cat/a.mp4", 0),
        ("train/dog/b.webm", 1),
        ("train/dog/c.mp4", 1),
    ]


def test_hub_videofolder_reads_an_upper_case_type_and_refuses_to_drop_a_mixed_case_one(tmp_path):
    # datasets reads `.mp4` and `.MP4` alike, not `.Mp4`: such a clip was left out, said to be in no row of a metadata
    # file the folder does not have.
    for i, name in enumerate(("cat/a.MP4", "cat/b.mp4", "dog/c.mp4", "dog/d.mp4")):
        clip(tmp_path / "repo" / "train" / name, seed=i)
    assert [e["id"] for e in hub(tmp_path / "repo", tmp_path).split("train")] == [
        "train/cat/a.MP4",
        "train/cat/b.mp4",
        "train/dog/c.mp4",
        "train/dog/d.mp4",
    ]
    (tmp_path / "repo" / "train" / "dog" / "d.mp4").rename(tmp_path / "repo" / "train" / "dog" / "d.Mp4")
    with pytest.raises(DatasetFormatError, match=r"would leave out 1 clips .*'train/dog/d\.Mp4'\]; rename them, or "):
        hub(tmp_path / "repo", tmp_path)


def test_hub_videofolder_refuses_a_split_folder_in_capitals_read_as_no_split(tmp_path):
    # datasets globs its split folders (`val/**`) case-sensitively: `Val/` is read as no split and its clips dropped
    # (the reference: `train` alone), which was warned of as "in no row of its metadata files", then in a warning
    # naming `Val/`, and a run evaluated a share held out of `train` in place of the validation clips. Refused, as
    # `Train/` beside `val/` is, naming the folder and the rename.
    import datasets

    for i, name in enumerate(("train/cat/a.mp4", "train/dog/b.mp4", "Val/cat/c.mp4")):
        clip(tmp_path / "repo" / name, seed=i)
    reference = datasets.load_dataset(str(tmp_path / "repo"), cache_dir=str(tmp_path / "ref_cache"))
    assert {split: len(rows) for split, rows in reference.items()} == {"train": 2}
    with pytest.raises(DatasetFormatError, match=r"capitals \('Val/'\) .*'Val/cat/c\.mp4' \(no split\).*lower case"):
        hub(tmp_path / "repo", tmp_path)
    # and videofolder reads it as the validation split
    assert [e["id"] for e in load_video_dataset(tmp_path / "repo", "videofolder").split("validation")] == [
        "Val/cat/c.mp4"
    ]


def test_hub_folder_of_only_webm_clips_is_refused_with_the_reason_not_read_as_audio(tmp_path):
    # An SSv2-like download, all `.webm`: datasets takes it for an audiofolder (webm is an audio extension there) and
    # failed in three chained tracebacks about torchcodec; whole and streamed, it is the documented refusal now.
    from vivit_hf.training.data.streaming import open_streaming_dataset

    for split, name in (("train", "cat"), ("train", "dog"), ("val", "cat")):
        clip(tmp_path / "repo" / split / name / "a.webm", codec_suffix=".webm")
    reason = r"videofolder reads only .* would leave out 3 clips .*'train/cat/a\.webm'.*--dataset_format videofolder"
    with pytest.raises(DatasetFormatError, match=reason):
        hub(tmp_path / "repo", tmp_path)
    with pytest.raises(DatasetFormatError, match=reason):
        open_streaming_dataset(str(tmp_path / "repo"), cache_dir=str(tmp_path / "cache"))


def test_hub_metadata_at_the_root_does_not_make_split_folders_the_classes(tmp_path):
    root = tmp_path / "repo"
    clip(root / "train" / "a.mp4")
    clip(root / "test" / "b.mp4", seed=1)
    write_csv(root / "metadata.csv", [["train/a.mp4", "run"], ["test/b.mp4", "swim"]], ["file_name", "label"])
    with pytest.raises(DatasetFormatError, match=r"split folders \['test', 'train'\].*metadata file in each split"):
        hub(root, tmp_path)


def test_hub_tables_beside_clips_in_split_folders_are_refused_not_ignored_for_folder_classes(tmp_path):
    # datasets matches split folders before file names: `train.csv` / `validation.csv` were never read and the camera
    # folders became the classes (`cam1`, `cam2`), without a word, whole and streamed. The card's `configs:` reads them.
    from vivit_hf.training.data.streaming import open_streaming_dataset

    root = tmp_path / "repo"
    for split, folder in (("train", "train"), ("validation", "val")):
        rows = []
        for i, (camera, label) in enumerate((("cam1", "cat"), ("cam2", "dog"))):
            clip(root / "videos" / folder / camera / f"{i}.mp4", seed=i)
            rows.append([f"videos/{folder}/{camera}/{i}.mp4", label])
        write_csv(root / f"{split}.csv", rows, ["video", "label"])
    reason = (
        r"ignore the tables 'train\.csv', 'validation\.csv' and take the folders the clips are in for the classes "
        r"\('cam1', 'cam2'\).*README\.md.*data_files: \[\{split: train, path: "
        r'"train\.csv"\}'
    )
    with pytest.raises(DatasetFormatError, match=reason) as refused:
        hub(root, tmp_path)
    with pytest.raises(DatasetFormatError, match=reason):
        open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))
    card = re.search(r"`(configs: .*?)`", str(refused.value)).group(1)  # the advice, as given, reads them
    (root / "README.md").write_text(f"---\n{card}\n---\n")
    data = hub(root, tmp_path)
    assert data.label_names == ["cat", "dog"]
    assert [data.label_names[e["label"]] for e in data.split("validation")] == ["cat", "dog"]


def test_videofolder_refuses_a_metadata_file_whose_labels_it_would_replace_by_folder_names(tmp_path):
    clip(tmp_path / "train" / "cat" / "x.mp4")
    clip(tmp_path / "train" / "dog" / "y.mp4")
    write_csv(tmp_path / "train" / "metadata.csv", [["cat/x.mp4", "dog"], ["dog/y.mp4", "cat"]], ["file_name", "label"])
    with pytest.raises(DatasetFormatError, match=r"metadata\.csv.*--dataset_format hub"):
        load_video_dataset(tmp_path, "videofolder")
    # Read as datasets does, the metadata's labels hold: x.mp4 is a dog.
    data = hub(tmp_path, tmp_path / "h")
    assert sorted((Path(path_of(e["video"])).name, data.label_names[e["label"]]) for e in data.split("train")) == [
        ("x.mp4", "dog"),
        ("y.mp4", "cat"),
    ]


def class_label_parquet(path: Path, labels: list[int], names=("run", "swim")):
    sources = [clip(path.parent / "src" / f"{i}.mp4", seed=i) for i in range(len(labels))]
    videos = [{"path": None, "bytes": source.read_bytes()} for source in sources]
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=list(names))})
    path.parent.mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_dict({"video": videos, "label": labels}, features=features).to_parquet(str(path))


def test_hub_test_split_without_labels_is_never_the_evaluation_split(tmp_path):
    # The Hub's usual unlabelled test split: ClassLabel's -1 ("no label") in every row.
    class_label_parquet(tmp_path / "repo" / "data" / "train-00000-of-00001.parquet", [0, 1, 1])
    class_label_parquet(tmp_path / "repo" / "data" / "test-00000-of-00001.parquet", [-1, -1])
    data = hub(tmp_path / "repo", tmp_path)
    assert list(data.splits) == ["train"] and data.default_eval_split is None
    assert [e["label"] for e in data.split("train")] == [0, 1, 1]
    # `--eval_split test` (`eval`: its recipe name) was refused as "no split 'test'": it is there, without labels
    for typed in ("test", "eval"):
        with pytest.raises(DatasetFormatError, match=r"^split '(test|eval)' of .*repo was left out: none of its rows "):
            data.split(typed)
    assert "predict.py" in data.missing_split("test") and data.missing_split("other").startswith("no split 'other'")

    class_label_parquet(tmp_path / "part" / "data" / "train-00000-of-00001.parquet", [0, -1, 1])
    with pytest.raises(DatasetFormatError, match=r"split 'train' has 1 rows without a label.*first row 1"):
        hub(tmp_path / "part", tmp_path)


def test_sharding_a_split_without_labels_is_refused_in_the_shard_tools_words(tmp_path):
    """`--splits test` of a Hub set whose test split has no labels: the shard tool said "Training and evaluation need
    labels" to a user writing shards; it says what a shard needs them for, before --out is made."""
    from vivit_hf.training.data.shard import write_shards

    class_label_parquet(tmp_path / "repo" / "data" / "train-00000-of-00001.parquet", [0, 1])
    class_label_parquet(tmp_path / "repo" / "data" / "test-00000-of-00001.parquet", [-1])
    data = hub(tmp_path / "repo", tmp_path)
    with pytest.raises(DatasetFormatError) as refused:
        write_shards(data, tmp_path / "shards", splits=["test"])
    said = str(refused.value)
    assert said.startswith("split 'test' of ") and "was left out: none of its rows has a label." in said, said
    assert (
        "A shard holds each clip's class (`<key>.cls`; its classes, `<key>.json`'s `labels`, where a clip has "
        "several), so sharding needs labels: name a labelled split"
    ) in said
    assert "Training and evaluation" not in said and not (tmp_path / "shards").exists(), said


@pytest.mark.parametrize("saved", [False, True])
def test_streamed_hub_test_split_without_labels_is_left_out_as_the_whole_read_leaves_it(
    tmp_path, caplog, monkeypatch, saved
):
    """`--streaming` took the unlabelled test split for the evaluation split, skipped its every row and stopped
    with nothing evaluated; it now leaves it out with the whole read's warning. A stream of unknown size has its
    label column read whole anyway (the parquet tables here): all of it decides. One of known size (a
    `save_to_disk` folder) is decided on its first rows (3 here)."""
    from vivit_hf.training.data import streaming

    class_label_parquet(tmp_path / "repo" / "data" / "train-00000-of-00001.parquet", [0, 1, 1])
    class_label_parquet(tmp_path / "repo" / "data" / "test-00000-of-00001.parquet", [-1] * 5)
    source = tmp_path / "repo"
    if saved:
        files = {split: str(source / "data" / f"{split}-00000-of-00001.parquet") for split in ("train", "test")}
        datasets.load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "cache")).save_to_disk(
            str(tmp_path / "saved")
        )
        source = tmp_path / "saved"
    monkeypatch.setattr(streaming, "UNLABELLED_PEEK_ROWS", 3, raising=False)
    with caplog.at_level(logging.WARNING, logger=streaming.__name__):
        data = streaming.open_streaming_dataset(str(source), cache_dir=str(tmp_path / "cache"))
    assert list(data.splits) == ["train"] and data.default_eval_split is None
    with pytest.raises(DatasetFormatError, match=r"^split 'test' of .* was left out: none of its rows has a label"):
        data.split("test")  # it was "no split 'test'"
    seen = "first 3" if saved else "5"
    assert f"split 'test' left out: none of its {seen} rows has a label" in caplog.text


def test_hub_webdataset_multi_part_extensions_and_webm_members_are_found(tmp_path):
    sources = [clip(tmp_path / "src" / f"{i}.webm", seed=i, codec_suffix=".webm").read_bytes() for i in range(2)]
    write_tar(
        tmp_path / "repo" / "train-000.tar",
        [("k0.webm", sources[0]), ("k0.label.cls", b"1"), ("k1.webm", sources[1]), ("k1.label.cls", b"0")],
    )
    data = hub(tmp_path / "repo", tmp_path)
    assert [(e["video"], e["label"]) for e in data.split("train")] == [(sources[0], 1), (sources[1], 0)]


def test_hub_webdataset_keys_with_dots_are_refused_with_the_reason(tmp_path):
    # Two samples whose keys share the part before the dot: datasets reads one row of four columns.
    source = clip(tmp_path / "src" / "0.mp4").read_bytes()
    members = [("clip.001.mp4", source), ("clip.001.cls", b"1"), ("clip.002.mp4", source), ("clip.002.cls", b"0")]
    write_tar(tmp_path / "repo" / "train-000.tar", members)
    with pytest.raises(DatasetFormatError, match=r"keys must not contain dots"):
        hub(tmp_path / "repo", tmp_path)


@pytest.mark.parametrize("streaming", [False, True])
@pytest.mark.parametrize("position", [0, 6], ids=["first sample", "after the samples read for the features"])
@pytest.mark.parametrize(
    ("member", "value"), [("cls", b"cat"), ("id", b"dQw4w9WgXcQ")], ids=["class name in cls", "youtube id in id"]
)
def test_hub_webdataset_member_datasets_cannot_decode_is_named_not_a_traceback(
    tmp_path, streaming, position, member, value
):
    # datasets' WebDataset reader decodes `<key>.cls` / `<key>.id` with int(): shards written with the class name in
    # `.cls` (or a YouTube id in `.id`) stopped in `ValueError: invalid literal for int() with base 10: b'cat'`. It
    # reads the first 5 samples for the features; a later one failed in its DatasetGenerationError, or streamed in
    # the label column's pass.
    from vivit_hf.training.data.streaming import open_streaming_dataset

    source = clip(tmp_path / "src" / "0.mp4").read_bytes()
    members = []
    for i in range(position + 1):
        members += [(f"k{i}.mp4", source), (f"k{i}.{member}", value if i == position else b"1"), (f"k{i}.txt", b"cat")]
    shard = tmp_path / "repo" / "train-000.tar"
    write_tar(shard, members)
    wanted = rf"'k{position}\.{member}' of {re.escape(str(shard))} .*holds '{value.decode()}', which is not an integer"
    with pytest.raises(DatasetFormatError, match=wanted):
        if streaming:
            open_streaming_dataset(str(tmp_path / "repo"), cache_dir=str(tmp_path / "cache"))
        else:
            hub(tmp_path / "repo", tmp_path)


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ("file_name;label", r"\['file_name;label'\]\); its fields are separated by ';'"),
        ("file_name\tlabel", r"\['file_name\\tlabel'\]\); its fields are separated by tabs"),
        ("filename,label", r"\['filename', 'label'\]\); datasets finds each row's clip by a 'file_name' column"),
    ],
    ids=["semicolons", "tabs", "filename"],
)
def test_hub_metadata_without_a_file_name_column_is_named_with_its_columns(tmp_path, header, why):
    # Excel in much of Europe writes CSVs with ';' between fields: datasets read the header as the one column
    # 'file_name;label' and said "`file_name` ... must be present as dictionary key in metadata files", naming no file.
    separator = header[len("file_name")] if header.startswith("file_name") else ","
    for i in range(2):
        clip(tmp_path / "repo" / "train" / f"{i}.mp4", seed=i)
    rows = "".join(f"{i}.mp4{separator}{name}\n" for i, name in enumerate(["cat", "dog"]))
    (tmp_path / "repo" / "train" / "metadata.csv").write_text(f"{header}\n{rows}")
    metadata = re.escape(str(tmp_path / "repo" / "train" / "metadata.csv"))
    with pytest.raises(DatasetFormatError, match=rf"{metadata} has no 'file_name' column \(its columns: {why}"):
        hub(tmp_path / "repo", tmp_path)


def test_hub_relative_video_paths_are_read_from_the_data_set_folder(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    clip(root / "videos" / "a.mp4", seed=1)
    clip(root / "videos" / "b.mp4", seed=2)
    pq.write_table(
        pa.table({"video_path": ["videos/a.mp4", "videos/b.mp4"], "label": ["swim", "run"]}),
        root / "data" / "train-00000-of-00001.parquet",
    )
    monkeypatch.chdir(tmp_path)  # anywhere but the data set's folder
    data = hub(root, tmp_path)
    assert [(e["video"], e["label"], e["id"]) for e in data.split("train")] == [
        (str(root / "videos" / "a.mp4"), 1, "videos/a.mp4"),
        (str(root / "videos" / "b.mp4"), 0, "videos/b.mp4"),
    ]


def two_configs(root: Path) -> Path:
    """A repo whose card declares configurations `small` (the default: a, b) and `big` (a, b, d, e)."""
    clip(root / "clips" / "tr" / "cat" / "a.mp4")
    clip(root / "clips" / "tr" / "dog" / "b.mp4")
    clip(root / "clips" / "ev" / "dog" / "c.mp4")
    clip(root / "clips" / "more" / "cat" / "d.mp4")
    clip(root / "clips" / "more" / "dog" / "e.mp4")
    (root / "README.md").write_text(
        "---\nconfigs:\n- config_name: small\n  default: true\n  data_files:\n  - split: train\n    path: clips/tr/**\n"
        "  - split: val\n    path: clips/ev/**\n- config_name: big\n  data_files:\n  - split: train\n"
        "    path: [clips/tr/**, clips/more/**]\n  - split: val\n    path: clips/ev/**\n---\n# clips\n"
    )
    return root


def test_hub_card_configs_pick_their_files_and_a_named_config_is_read(tmp_path):
    root = two_configs(tmp_path / "repo")
    small = hub(root, tmp_path)
    assert sorted(small.splits) == ["train", "validation"] and small.default_eval_split == "validation"
    assert sorted(Path(path_of(e["video"])).name for e in small.split("train")) == ["a.mp4", "b.mp4"]
    big = hub(root, tmp_path, config_name="big")
    assert sorted(Path(path_of(e["video"])).name for e in big.split("train")) == ["a.mp4", "b.mp4", "d.mp4", "e.mp4"]
    assert [data.label_names[e["label"]] for data in (small, big) for e in data.split("validation")] == ["dog"] * 2


@pytest.mark.parametrize("config_name, words", [(None, "none is its default"), ("bigg", "'bigg' is none of them")])
def test_hub_card_configs_none_the_default_or_one_it_lacks_are_refused_naming_them(tmp_path, config_name, words):
    """Two configurations, none `default: true` (or a name the card lacks): `datasets`' ValueError ("Config name is
    missing ... Example of usage: `load_dataset('repo', 'small')`") was the recipes' traceback, whole and streamed.
    The reference: `datasets`' own configuration names."""
    import datasets

    from vivit_hf.training.data.streaming import open_streaming_dataset

    root = two_configs(tmp_path / "repo")
    card = (root / "README.md").read_text()
    (root / "README.md").write_text(card.replace("  default: true\n", ""))
    assert datasets.get_dataset_config_names(str(root)) == ["small", "big"]
    said = rf"--dataset {re.escape(str(root))} has the configurations 'small', 'big' .*{words}.*--dataset_config_name"
    for read in (partial(hub, root, tmp_path), partial(open_streaming_dataset, str(root))):
        with pytest.raises(DatasetFormatError, match=said):
            read(config_name=config_name)


def test_hub_metadata_row_of_a_missing_file_is_counted_missing_at_load_and_an_unlisted_clip_named(tmp_path, caplog):
    # The row of a file not on disk was a broken clip, decoded and failed every epoch; it is a missing clip now, as
    # the annotation formats count them. A clip no row names (datasets leaves it out) vanished without a word.
    root = tmp_path / "repo"
    clip(root / "train" / "x.mp4")
    clip(root / "train" / "y.mp4", seed=1)
    clip(root / "train" / "unlisted.mp4", seed=2)
    rows = [["x.mp4", "a"], ["gone.mp4", "b"], ["y.mp4", "b"]]
    write_csv(root / "train" / "metadata.csv", rows, ["file_name", "label"])
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = hub(root, tmp_path)
    assert [Path(path_of(e["video"])).name for e in data.split("train")] == ["x.mp4", "y.mp4"]
    assert data.missing == {"train": 1}
    messages = [r.getMessage() for r in caplog.records]
    assert any("1 clip(s) named by the annotations are not on disk: 'train/gone.mp4'" in m for m in messages)
    assert any(m.startswith("1 clip(s) below") and "'train/unlisted.mp4'" in m for m in messages), messages


# -- UCF101 and HMDB51: class folders plus official split lists ------------------------------------------------
def test_ucf101_numbers_classes_as_class_ind_and_reads_split_1(tmp_path):
    # classInd.txt order, not Python's sort: "JumpRope" < "JumpingJack" as strings, but classInd numbers
    # JumpingJack 47 and JumpRope 48 (here 3 and 4), and so does every published UCF101 model. CRLF line ends.
    lists = tmp_path / "ucfTrainTestlist"
    lists.mkdir()
    (lists / "classInd.txt").write_bytes(b"1 ApplyEyeMakeup\r\n2 HandstandPushups\r\n3 JumpingJack\r\n4 JumpRope\r\n")
    (lists / "trainlist01.txt").write_bytes(
        b"ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1\r\nJumpRope/v_JumpRope_g08_c01.avi 4\r\n"
        b"HandstandPushups/v_HandStandPushups_g08_c01.avi 2\r\n"
    )
    (lists / "testlist01.txt").write_bytes(  # no labels: the class is the folder
        b"JumpingJack/v_JumpingJack_g01_c01.avi\r\nJumpRope/v_JumpRope_g01_c01.avi\r\nJumpRope/v_JumpRope_g02_c01.avi\r\n"
    )
    (lists / "trainlist02.txt").write_text("JumpRope/v_JumpRope_g01_c01.avi 4\n")  # another split: not read
    for name in ("ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01", "JumpRope/v_JumpRope_g08_c01",
                 "HandstandPushups/v_HandStandPushups_g08_c01", "JumpingJack/v_JumpingJack_g01_c01",
                 "JumpRope/v_JumpRope_g01_c01"):  # fmt: skip
        clip(tmp_path / "UCF-101" / f"{name}.avi")
    data = load_video_dataset(tmp_path, "ucf101")
    assert data.label_names == ["ApplyEyeMakeup", "HandstandPushups", "JumpingJack", "JumpRope"]
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("train")] == [
        ("v_ApplyEyeMakeup_g08_c01.avi", 0),
        ("v_JumpRope_g08_c01.avi", 3),
        ("v_HandStandPushups_g08_c01.avi", 1),
    ]
    assert [(e["id"], e["label"]) for e in data.split("test")] == [
        ("JumpingJack/v_JumpingJack_g01_c01.avi", 2),
        ("JumpRope/v_JumpRope_g01_c01.avi", 3),
    ]
    assert data.missing == {"test": 1} and data.default_eval_split == "test"

    # A list numbering classes from 0 contradicts classInd.txt: refused, not read one class off.
    (lists / "trainlist01.txt").write_text("ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 0\n")
    with pytest.raises(DatasetFormatError, match=r"class 0.*'ApplyEyeMakeup' 1 \(1-based\)"):
        load_video_dataset(tmp_path, "ucf101")


def test_hmdb51_reads_split_1_lists_with_train_test_and_unused_clips(tmp_path):
    splits = tmp_path / "testTrainMulti_7030_splits"
    splits.mkdir()
    (splits / "cartwheel_test_split1.txt").write_text("d_cartwheel_f_0.avi 1 \ne_cartwheel_f_0.avi 2 \n")
    (splits / "brush_hair_test_split1.txt").write_text(
        "a_brush_hair_h_0.avi 1 \nb_brush_hair_h_0.avi 2 \nc_brush_hair_h_0.avi 0 \n"
    )
    (splits / "brush_hair_test_split2.txt").write_text("a_brush_hair_h_0.avi 2 \nb_brush_hair_h_0.avi 1 \n")
    for name in ("brush_hair/a_brush_hair_h_0", "brush_hair/b_brush_hair_h_0", "cartwheel/d_cartwheel_f_0",
                 "cartwheel/e_cartwheel_f_0"):  # fmt: skip
        clip(tmp_path / "hmdb51_org" / f"{name}.avi")
    data = load_video_dataset(tmp_path, "hmdb51")
    assert data.label_names == ["brush_hair", "cartwheel"]
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("train")] == [
        ("a_brush_hair_h_0.avi", 0),
        ("d_cartwheel_f_0.avi", 1),
    ]
    assert [(e["id"], e["label"]) for e in data.split("test")] == [
        ("brush_hair/b_brush_hair_h_0.avi", 0),
        ("cartwheel/e_cartwheel_f_0.avi", 1),
    ]
    assert data.missing == {}  # c_... is in neither split: not missing


def test_hmdb51_class_folder_whose_split_list_is_missing_is_named(tmp_path, caplog):
    """HMDB51 numbers its 51 classes in sorted order, from the lists: without brush_hair_test_split1.txt its clips
    were read by no split and cartwheel was class 0 (HMDB51's 1), without a word."""
    splits = tmp_path / "testTrainMulti_7030_splits"
    splits.mkdir()
    (splits / "cartwheel_test_split1.txt").write_text("d_cartwheel_f_0.avi 1 \ne_cartwheel_f_0.avi 2 \n")
    for i, name in enumerate(("brush_hair/a_brush_hair_h_0", "brush_hair/b_brush_hair_h_0",
                              "cartwheel/d_cartwheel_f_0", "cartwheel/e_cartwheel_f_0")):  # fmt: skip
        clip(tmp_path / "hmdb51_org" / f"{name}.avi", seed=i)
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "hmdb51")
    assert data.label_names == ["cartwheel"]
    named = [r.getMessage() for r in caplog.records if "no <class>_test_split1.txt" in r.getMessage()]
    assert len(named) == 1 and f"'{tmp_path / 'hmdb51_org' / 'brush_hair'} (2 clips)'" in named[0], named
    assert "cartwheel" not in named[0].replace(str(tmp_path), "")


def _group_files(root: Path, names: dict[str, list[str]]) -> None:
    """`names` (class: file names) as files in class folders below `root`: distinct bytes, never decoded (a split's
    read and draw, no clip opened)."""
    for cls, files in names.items():
        (root / cls).mkdir(parents=True, exist_ok=True)
        for name in files:
            (root / cls / name).write_bytes(name.encode())


def _ucf101_train_list(root: Path, names: dict[str, list[str]]) -> Path:
    """classInd.txt and trainlist01.txt (no test list) of `names` (class: clip file names) in `root`/lists."""
    (root / "lists").mkdir(parents=True)
    (root / "lists" / "classInd.txt").write_text("".join(f"{i + 1} {c}\n" for i, c in enumerate(names)))
    listed = [f"{c}/{name} {i + 1}\n" for i, c in enumerate(names) for name in names[c]]
    (root / "lists" / "trainlist01.txt").write_text("".join(listed))
    return root


def _group_table(root: Path, names: dict[str, list[str]], kind: str) -> dict[str, str]:
    """`names` (class: file names) as files in one flat `clips/` folder below `root`, listed by a `metadata.csv`, or a
    `metadata.jsonl` whose `id` column names each row otherwise (`clip0`, ...): no folder names a class. Returns each
    row's id's file name."""
    (root / "clips").mkdir(parents=True)
    rows = [(name, c) for c in names for name in names[c]]
    for name, _ in rows:
        (root / "clips" / name).write_bytes(name.encode())
    if kind == "csv":
        (root / "metadata.csv").write_text("file_name,label\n" + "".join(f"clips/{n},{c}\n" for n, c in rows))
    else:
        lines = [json.dumps({"file_name": f"clips/{n}", "label": c, "id": f"clip{i}"}) for i, (n, c) in enumerate(rows)]
        (root / "metadata.jsonl").write_text("\n".join(lines) + "\n")
        return {f"clip{i}": name for i, (name, _) in enumerate(rows)}
    return {}


@pytest.mark.parametrize(
    "layout",
    [
        "ucf101 train list",
        "ucf101 videofolder",
        "hmdb51 videofolder",
        "ucf101 hub",
        "hmdb51 hub",
        "ucf101 hub csv",
        "hmdb51 hub csv",
        "hmdb51 hub jsonl",
    ],
)
def test_a_share_held_out_of_ucf101_or_hmdb51_keeps_each_group_of_clips_on_one_side(tmp_path, layout):
    """UCF101's clips `v_<Class>_gXX_cYY` of one group share actor and background, HMDB51's `<video>_<class>_...`
    are cut from the video they name, and the official splits keep them apart. Without a test list (or read as
    videofolder or hub, train/ alone) the held-out share was drawn clip by clip: all 97 held-out clips of a 968-clip
    UCF101 train list had others of their group in training, scored as held out. Now whole groups are held out.
    So for clips a table lists from one flat folder (no class folder) or names by an `id` column: HMDB51's were
    drawn clip by clip there (its class was taken from the folder, `clips`): each of the 10 held out of 48 beside
    clips of its source video in training."""
    classes = ["ApplyEyeMakeup", "Archery", "BabyCrawling", "BenchPress"]
    if layout.startswith("ucf101"):
        names = {
            c: [f"v_{c}_g{g:02d}_c{k:02d}.avi" for g in range(8, 14) for k in range(1, 3 + g % 3)] for c in classes
        }
        group_of = partial(re.sub, r"_c\d+\.avi$", "")
    else:  # a source video can hold clips of several classes (`Pirates_2` here): one group across them
        classes = ["brush_hair", "climb_stairs", "kick_ball", "wave"]
        names = {
            c: [f"{v}_{c}_u_nm_np1_fr_goo_{k}.avi" for v in ("Pirates_2", f"{c}_home_{i}", "x1") for k in range(4)]
            for i, c in enumerate(classes)
        }
        group_of = partial(re.sub, r"_[a-z_]+_u_nm_np1_fr_goo_\d+\.avi$", "")
    named = {}  # (an `id` column's: the file each names)
    if layout.endswith(("csv", "jsonl")):
        named = _group_table(tmp_path / "UCF-101", names, layout.split()[-1])
    else:
        _group_files(tmp_path / "UCF-101" / "train", names)
    if layout == "ucf101 train list":
        data = load_video_dataset(_ucf101_train_list(tmp_path, names), "ucf101")
    elif "hub" in layout:  # class folders or a table read by `datasets` (rows lazy: known by their paths or ids)
        data = load_video_dataset(str(tmp_path / "UCF-101"), "hub", cache_dir=str(tmp_path / "cache"))
    else:
        data = load_video_dataset(tmp_path / "UCF-101", "videofolder")
    train = data.split("train")
    rest, held = hold_out(train, 0.2, seed=42)
    groups = [{group_of(Path(named.get(i, i)).name) for i in example_ids(side)} for side in (rest, held)]
    assert held and not groups[0] & groups[1], groups[0] & groups[1]
    assert len(rest) + len(held) == len(train) and abs(len(held) - 0.2 * len(train)) <= 4, (len(held), len(train))
    assert set(example_labels(rest)) == set(range(len(classes)))


@pytest.mark.parametrize(
    "clip, folder, group",
    [
        ("v_ApplyEyeMakeup_g08_c01.avi", "clips", "v_applyeyemakeup_g08"),  # UCF101: its name alone
        ("Pirates_2_kick_ball_f_cm_np1_ri_med_0.avi", "clips", "Pirates_2"),  # HMDB51's class, not `kick`
        ("Pirates_2_kick_f_cm_np1_ri_med_3.avi", "", "Pirates_2"),  # (a clip of the same film, another class)
        ("Pirates_2_brush_hair_u_nm_np1_fr_goo_0.avi", "brush_hair", "Pirates_2"),  # its class folder, as before
        ("-0bx1hMa4yI_000010_000020.mp4", "clips", None),  # Kinetics: no group guessed
        ("v_-abc_def12_000010_000020.mp4", "clips", None),
        ("v_Archery_g01.avi", "clips", None),  # (no clip number: not UCF101's name)
    ],
)
def test_the_group_a_clip_name_gives_needs_no_class_folder(clip, folder, group):
    """A UCF101 or HMDB51 clip listed by a table, not in a folder named by its class, is grouped by its file name
    (HMDB51's by its 51 classes: `kick_ball` before `kick`); a name that only looks alike gets no group."""
    assert clip_group_by_name(clip, folder) == group


def test_a_ucf101_subset_of_one_group_a_class_is_refused_naming_groups_not_videos(tmp_path):
    """A UCF101 subset of one group a class (group g01's 5 clips of 3 classes) has no share to hold out whole: it was
    refused as "each of the 3 videos holds some class's last clips", beside a folder of 15 clips, each a video to
    its user. Named as groups, with one of them."""
    names = {c: [f"v_{c}_g01_c{k:02d}.avi" for k in range(1, 6)] for c in ("Archery", "Bowling", "YoYo")}
    _group_files(tmp_path / "UCF-101", names)
    train = load_video_dataset(tmp_path / "UCF-101", "videofolder").split("train")
    said = r"10% of 15 clips .* a whole group at a time .* each of the 3 groups \(e\.g\. 'v_archery_g01'\) .*"
    said += r"--eval_split; the official split lists are read with --dataset_format ucf101 or hmdb51\)"
    with pytest.raises(DatasetFormatError, match=said):
        hold_out(train, 0.1, seed=0)


def test_a_share_an_earlier_version_held_out_of_ucf101_clip_by_clip_is_named_on_resume_and_evaluation(tmp_path, capsys):
    """A run of an earlier version held UCF101's clips out one by one: resumed, it was refused as "not the one it was
    trained on ... resume on the data it was trained on" (it is that data), and its model's evaluation as "that split
    has changed since". Both now say that the share was drawn clip by clip, and what to do."""
    from functools import partial
    from types import SimpleNamespace

    from vivit_hf.training import finetune
    from vivit_hf.training.data.examples import examples_digest
    from vivit_hf.training.evaluation import refuse_another_held_out_share
    from vivit_hf.training.resume import check_resume_clips, trained_on_an_earlier_draw

    names = {
        c: [f"v_{c}_g{g:02d}_c{k:02d}.avi" for g in range(8, 12) for k in (1, 2, 3)] for c in ("Archery", "Bowling")
    }
    _group_files(tmp_path / "UCF-101", names)
    args = finetune.parse_args(["--dataset", str(_ucf101_train_list(tmp_path, names)), "--dataset_format", "ucf101"])
    data = load_video_dataset(tmp_path, "ucf101")
    # the reference: the split as earlier versions read it (no groups), held out by their draw
    earlier = [{key: value for key, value in e.items() if key != "clip_group"} for e in data.split("train")]
    rest_then, held_then = hold_out(earlier, 0.1, seed=args.seed)
    rest_now, held_now = hold_out(data.split("train"), 0.1, seed=args.seed)
    assert examples_digest(rest_then) != examples_digest(rest_now)
    drawn_before = partial(trained_on_an_earlier_draw, args, data)
    with pytest.raises(ValueError, match=r"held out clip by clip .* whole groups .* start over"):
        check_resume_clips(examples_digest(rest_then), examples_digest(rest_now), drawn_before=drawn_before)
    with pytest.raises(ValueError, match="not the one it was trained on"):  # other clips: as before
        check_resume_clips(examples_digest(rest_now[1:]), examples_digest(rest_now), drawn_before=drawn_before)

    model = tmp_path / "model"
    model.mkdir()
    (model / "run_settings.json").write_text(json.dumps({"held_out_digest": examples_digest(held_then)}))
    evaluated = SimpleNamespace(model=str(model), dataset=str(tmp_path))
    with pytest.raises(SystemExit):
        refuse_another_held_out_share(evaluated, "train", 10, held_now, data, args.seed)
    said = capsys.readouterr().err
    assert "clip by clip" in said and "has changed since" not in said, said
    assert "draws whole groups instead, and that share holds clips the model trained on: fine-tune it again" in said
    (model / "run_settings.json").write_text(json.dumps({"settings": {}}))  # a run before digests were recorded
    with pytest.raises(SystemExit):  # (was scored on the share drawn now, clips it trained on among them)
        refuse_another_held_out_share(evaluated, "train", 10, held_now, data, args.seed)
    assert "clip by clip" in capsys.readouterr().err
    (model / "run_settings.json").write_text(json.dumps({"held_out_digest": examples_digest(held_now)}))
    refuse_another_held_out_share(evaluated, "train", 10, held_now, data, args.seed)  # this version's: evaluated


def test_ucf101_split_list_that_is_not_there_is_named(tmp_path, caplog):
    """Without testlist01.txt the data set had a train split alone and said nothing of the list."""
    lists = tmp_path / "ucfTrainTestlist"
    lists.mkdir()
    (lists / "classInd.txt").write_text("1 ApplyEyeMakeup\n2 JumpRope\n")
    (lists / "trainlist01.txt").write_text("ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1\n")
    (lists / "testlist02.txt").write_text("ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi\n")  # another split's
    clip(tmp_path / "UCF-101" / "ApplyEyeMakeup" / "v_ApplyEyeMakeup_g08_c01.avi")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "ucf101")
    assert list(data.splits) == ["train"]
    named = [r.getMessage() for r in caplog.records if "testlist" in r.getMessage()]
    assert len(named) == 1 and named[0].startswith("ucf101: no testlist01.txt beside") and "'test'" in named[0], named


def test_ucf101_and_hmdb51_read_the_official_split_dataset_config_name_names(tmp_path):
    """Papers report UCF101 / HMDB51 on split 1 or the mean of the three: `--dataset_config_name 2` (or `split2`)
    reads the second lists, in the recipes and in Python; a split that is not 1-3 is refused when the flags are read."""
    lists = tmp_path / "ucf" / "ucfTrainTestlist"
    lists.mkdir(parents=True)
    (lists / "classInd.txt").write_text("1 Run\n2 Swim\n")
    (lists / "trainlist01.txt").write_text("Run/v_Run_g01_c01.avi 1\nSwim/v_Swim_g01_c01.avi 2\n")
    (lists / "testlist01.txt").write_text("Run/v_Run_g02_c01.avi\n")
    (lists / "trainlist02.txt").write_text("Run/v_Run_g02_c01.avi 1\n")
    (lists / "testlist02.txt").write_text("Run/v_Run_g01_c01.avi\nSwim/v_Swim_g01_c01.avi\n")
    for name in ("Run/v_Run_g01_c01", "Run/v_Run_g02_c01", "Swim/v_Swim_g01_c01"):
        clip(tmp_path / "ucf" / "UCF-101" / f"{name}.avi")
    splits = tmp_path / "hmdb" / "testTrainMulti_7030_splits"
    splits.mkdir(parents=True)
    for number, marks in ((1, "1 2"), (2, "2 1"), (3, "0 1")):
        a, b = marks.split()
        (splits / f"run_test_split{number}.txt").write_text(f"a_run.avi {a} \nb_run.avi {b} \n")
    for name in ("run/a_run", "run/b_run"):
        clip(tmp_path / "hmdb" / "hmdb51_org" / f"{name}.avi")

    def read(fmt, config):
        data = load_video_dataset(tmp_path / fmt.replace("101", "").replace("51", ""), fmt, config_name=config)
        return {split: [Path(e["video"]).name for e in data.split(split)] for split in data.splits}

    assert (
        read("ucf101", None)
        == read("ucf101", "1")
        == {
            "train": ["v_Run_g01_c01.avi", "v_Swim_g01_c01.avi"],
            "test": ["v_Run_g02_c01.avi"],
        }
    )
    assert (
        read("ucf101", "2")
        == read("ucf101", "split2")
        == {
            "train": ["v_Run_g02_c01.avi"],
            "test": ["v_Run_g01_c01.avi", "v_Swim_g01_c01.avi"],
        }
    )
    assert read("hmdb51", None) == {"train": ["a_run.avi"], "test": ["b_run.avi"]}
    assert read("hmdb51", "split_2") == {"train": ["b_run.avi"], "test": ["a_run.avi"]}
    assert read("hmdb51", "3") == {"train": ["b_run.avi"]}  # a_run is in neither split 3 list: 0
    with pytest.raises(DatasetFormatError, match=r"no trainlist03\.txt or testlist03\.txt"):
        read("ucf101", "3")

    from vivit_hf.training import finetune

    args = finetune.parse_args(["--dataset", str(tmp_path / "ucf"), "--dataset_format", "ucf101"] + [
        "--dataset_config_name", "2", "--cache_dir", str(tmp_path / "cache")])  # fmt: skip
    accelerator = type("OneProcess", (), {"main_process_first": contextlib.nullcontext})
    _, train, evaluation, eval_split = finetune.load_data(args, accelerator)
    assert [Path(e["video"]).name for e in train] == ["v_Run_g02_c01.avi"] and eval_split == "test"
    assert len(evaluation) == 2
    for bad in ("4", "0", "two", "big"):
        with pytest.raises(SystemExit):
            finetune.parse_args(["--dataset", str(tmp_path / "ucf"), "--dataset_format", "ucf101"] + [
                "--dataset_config_name", bad])  # fmt: skip
    with pytest.raises(ValueError, match=r"official splits 1, 2 and 3 .* not '4'"):
        load_video_dataset(tmp_path / "ucf", "ucf101", config_name="4")
    with pytest.raises(ValueError, match=r"videofolder has no configurations \(got '2'\)"):
        load_video_dataset(tmp_path / "ucf", "videofolder", config_name="2")


def test_videofolder_split_folders_under_data_are_splits_not_a_class_named_data(tmp_path):
    # A Hub repo's usual `data/<split>/<class>/<clip>`; `dev` is a validation split, as `datasets` reads it.
    clip(tmp_path / "data" / "train" / "run" / "a.mp4")
    clip(tmp_path / "data" / "train" / "swim" / "b.mp4")
    clip(tmp_path / "data" / "dev" / "swim" / "c.mp4")
    data = load_video_dataset(tmp_path, "videofolder")
    assert data.label_names == ["run", "swim"]
    assert [(e["id"], e["label"]) for e in data.split("train")] == [
        ("data/train/run/a.mp4", 0),
        ("data/train/swim/b.mp4", 1),
    ]
    assert [(e["id"], e["label"]) for e in data.split("validation")] == [("data/dev/swim/c.mp4", 1)]


def test_epic_kitchens_segments_are_cached_and_estimated_as_their_frames_not_the_whole_video(tmp_path):
    (tmp_path / "P01" / "videos").mkdir(parents=True)
    write_video(tmp_path / "P01" / "videos" / "P01_01.MP4", num_frames=100, fps=25)  # 48x64 frames
    rows = [["P01_01_0", "P01", "P01_01", "", "00:00:01.00", "00:00:02.00", "", "", "open door", "open", 3, "door", 8,
             "", ""]]  # fmt: skip
    write_csv(tmp_path / "EPIC_100_train.csv", rows, EPIC_HEADER)
    train = load_video_dataset(tmp_path, "epic_kitchens").split("train")
    dataset = data_set.VideoClassificationDataset(train, processor(), seed=0)
    # The segment's 25 frames of 48x64x3 bytes, not the file's 100.
    assert dataset.estimate_decoded_bytes() == 25 * 48 * 64 * 3
    cache = dataset.cache_decoded_videos()
    assert [frame_index(f) for f in cache[0].numpy()] == list(range(25, 50))


def test_kinetics_activitynet_csv_names_byte_order_mark_and_clips_named_by_video_id(tmp_path):
    # ActivityNet's crawler CSVs (`kinetics-400_train.csv`, with `is_cc`), one saved by Excel with a byte-order mark;
    # a downloader that names each clip by its YouTube id alone; the unlabelled test CSV is no split.
    header = ["label", "youtube_id", "time_start", "time_end", "split", "is_cc"]
    write_csv(tmp_path / "kinetics-400_train.csv", [["zumba", "-abc", 14, 24, "train", 0]], header)
    write_csv(tmp_path / "kinetics-400_val.csv", [["abseiling", "xyz_9", 3, 13, "val", 0]], header)
    (tmp_path / "kinetics-400_val.csv").write_bytes(b"\xef\xbb\xbf" + (tmp_path / "kinetics-400_val.csv").read_bytes())
    write_csv(
        tmp_path / "kinetics-400_test.csv", [["qqq", 0, 10, "test"]], ["youtube_id", "time_start", "time_end", "split"]
    )
    clip(tmp_path / "train" / "zumba" / "-abc_000014_000024.mp4")
    clip(tmp_path / "val" / "abseiling" / "xyz_9.mp4")
    data = load_video_dataset(tmp_path, "kinetics")
    assert data.label_names == ["abseiling", "zumba"]
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("train")] == [("-abc_000014_000024.mp4", 1)]
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("validation")] == [("xyz_9.mp4", 0)]
    assert sorted(data.splits) == ["train", "validation"] and data.missing == {}


def test_kinetics_clip_named_by_its_video_id_is_read_from_its_times_when_it_is_the_whole_video(tmp_path):
    # Downloaders that name a file by its YouTube id alone save the trimmed clip (most) or the whole video (a plain
    # yt-dlp download, to be cut later). The whole video was read whole: its every part trained on under the label of
    # its 10 s. At 10 fps: `long` is a 12 s video whose row says 4-6 s (frames 40..59); `cut` is that row's clip already
    # cut out, 2 s for 30-32 s, read whole (frames 0..19), as is `cvdf`, named CVDF's way.
    write_csv(
        tmp_path / "annotations" / "train.csv",
        [["zumba", "long", 4, 6, "train"], ["zumba", "cut", 30, 32, "train"], ["yoga", "cvdf", 50, 52, "train"]],
        ["label", "youtube_id", "time_start", "time_end", "split"],
    )
    (tmp_path / "videos").mkdir()
    write_video(tmp_path / "videos" / "long.mp4", num_frames=120, fps=10)
    write_video(tmp_path / "videos" / "cut.mp4", num_frames=20, fps=10)
    write_video(tmp_path / "videos" / "cvdf_000050_000052.mp4", num_frames=20, fps=10)
    train = load_video_dataset(tmp_path, "kinetics").split("train")
    assert [(e["id"], Path(e["video"]).name, e["label"]) for e in train] == [
        ("long_000004_000006", "long.mp4", 1),
        ("cut_000030_000032", "cut.mp4", 1),
        ("cvdf_000050_000052", "cvdf_000050_000052.mp4", 0),
    ]
    proc = processor()
    dataset = data_set.VideoClassificationDataset(train, proc, seed=0)
    # a one-frame file named by its id is refused as a one-frame clip file is (a broken download, a still image)
    write_video(tmp_path / "videos" / "still.mp4", num_frames=1, fps=10)
    still = {"video": str(tmp_path / "videos" / "still.mp4"), "label": 0, "id": "still_000001_000003"}
    still.update(start_seconds=1.0, end_seconds=3.0, may_be_cut=True)
    assert not bool(data_set.VideoClassificationDataset([train[1], still], proc)[1]["valid"])
    for index, (first, last) in enumerate([(40, 59), (0, 19), (0, 19)]):
        segment = data_set.VideoSegment.of(train[index])
        if segment is not None:
            assert [frame_index(f) for f in segment.decode_frames(proc).numpy()] == list(range(first, last + 1))
        item = dataset[index]
        assert bool(item["valid"])
        frames = item["pixel_values"][0].permute(0, 2, 3, 1).numpy().round().astype(np.uint8)
        assert all(first <= frame_index(f) <= last for f in frames), (index, [frame_index(f) for f in frames])


def test_kinetics_whole_video_named_by_its_id_listed_in_two_splits_is_read_from_its_times_in_both(tmp_path):
    # The first split read put the row's key among the clips found, so the second read the whole video under the
    # label of its 10 s (the clip in two splits is named in a warning, and was still read so). No clip is decoded.
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    write_csv(tmp_path / "annotations" / "train.csv", [["zumba", "long", 4, 6, "train"]], header)
    write_csv(tmp_path / "annotations" / "val.csv", [["zumba", "long", 4, 6, "val"]], header)
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "long.mp4").write_bytes(b"a whole video")
    data = load_video_dataset(tmp_path, "kinetics")
    (train,), (val,) = data.split("train"), data.split("validation")
    assert (train["start_seconds"], train["end_seconds"], train["may_be_cut"]) == (4.0, 6.0, True)
    assert val == train  # the reference: the same row, read in the first split


def test_kinetics_clips_named_by_video_id_too_short_for_the_clip_span_are_said_to_be_looped(tmp_path):
    # Read from their rows' times where they are whole videos, such files are still checked as clips: 6 frames each,
    # against the 7 a clip of 4 frames at stride 2 spans (they were skipped as segments of longer videos).
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.finetune import short_clips_warning

    rows = [["zumba", f"v{i}", 30, 40, "train"] for i in range(3)]
    write_csv(tmp_path / "train.csv", rows, ["label", "youtube_id", "time_start", "time_end", "split"])
    for i in range(3):
        clip(tmp_path / f"v{i}.mp4")
    train = load_video_dataset(tmp_path, "kinetics").split("train")
    said = short_clips_warning(train, ViViTVideoProcessor(num_frames=4, frame_stride=2))
    assert said is not None and said.startswith("the first 3 training clips hold fewer frames than the 7"), said


def test_videofolder_names_clips_outside_any_class_folder(tmp_path, caplog):
    clip(tmp_path / "train" / "run" / "a.mp4")
    clip(tmp_path / "train" / "swim" / "b.mp4")
    clip(tmp_path / "train" / "stray.mp4")
    clip(tmp_path / "test" / "unlabelled.mp4")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "videofolder")
    assert list(data.splits) == ["train"]
    assert [e["id"] for e in data.split("train")] == ["train/run/a.mp4", "train/swim/b.mp4"]
    messages = [r.getMessage() for r in caplog.records]
    assert any("'train/stray.mp4'" in m and "'train'" in m for m in messages), messages
    assert any("'test/unlabelled.mp4'" in m and "'test'" in m for m in messages), messages


def test_hub_several_labels_per_clip_are_read_multi_label_whole_and_streamed(tmp_path):
    # Streamed, the label scan stopped in a bare `TypeError: unhashable type: 'list'` (a column of class names); then
    # a list column was refused streamed. Read whole and streamed, a list column is multi-label (tests/test_multi_label
    # .py), the same classes both ways. A column of lists datasets does not type as lists is refused: lists of one
    # label each said as what they are (they were named as "not one class per clip (several labels ...)").
    from vivit_hf.training.data.hub_labels import refuse_several_labels
    from vivit_hf.training.data.streaming import open_streaming_dataset

    videos = [{"path": None, "bytes": clip(tmp_path / "src" / f"{i}.mp4", seed=i).read_bytes()} for i in range(2)]
    for name, labels, feature in (
        ("ids", [[0, 1], [1]], datasets.ClassLabel(names=["run", "swim"])),
        ("names", [["swim"], ["run", "swim"]], datasets.Value("string")),
        ("one_ids", [[1], [0]], datasets.ClassLabel(names=["run", "swim"])),
    ):
        features = datasets.Features({"video": datasets.Video(), "labels": datasets.List(feature)})
        (tmp_path / name / "data").mkdir(parents=True)
        table = datasets.Dataset.from_dict({"video": videos, "labels": labels}, features=features)
        table.to_parquet(str(tmp_path / name / "data" / "train-00000-of-00001.parquet"))
        whole = hub(tmp_path / name, tmp_path)
        streamed = open_streaming_dataset(str(tmp_path / name), cache_dir=str(tmp_path / "cache"))
        assert whole.multi_label and streamed.multi_label and streamed.label_names == whole.label_names
    with pytest.raises(DatasetFormatError, match=r"holds \{'verb': 'run'\}, not one class per clip"):
        refuse_several_labels([{"verb": "run"}], "labels", "train")
    with pytest.raises(DatasetFormatError, match=r"holds each clip's class in a list of one \(\[1\]\)") as refused:
        refuse_several_labels([[1], [0]], "labels", "train")
    # the refusal's map, run: each clip's class as a value, the class names kept
    fixed = tmp_path / "fixed" / "data" / "train-00000-of-00001.parquet"
    fixed.parent.mkdir(parents=True)
    given = re.search(r"(dataset\.map\(.*\)\)); or", str(refused.value))[1]
    eval(given, {"dataset": table, "datasets": datasets}).to_parquet(str(fixed))  # noqa: S307
    data = hub(tmp_path / "fixed", tmp_path)
    assert data.label_names == ["run", "swim"] and [e["label"] for e in data.split("train")] == [1, 0]


def test_videofolder_on_ucf101_says_which_format_reads_its_official_split(tmp_path, caplog):
    (tmp_path / "ucfTrainTestlist").mkdir()
    (tmp_path / "ucfTrainTestlist" / "classInd.txt").write_text("1 JumpingJack\n2 JumpRope\n")
    clip(tmp_path / "UCF-101" / "JumpingJack" / "v_JumpingJack_g01_c01.avi")
    clip(tmp_path / "UCF-101" / "JumpRope" / "v_JumpRope_g01_c01.avi", seed=1)  # not a copy of the other
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        load_video_dataset(tmp_path / "UCF-101", "videofolder")  # the clips' folder alone: nothing to say
        assert not caplog.records
        load_video_dataset(tmp_path, "videofolder")
    assert any("classInd.txt" in r.getMessage() and "--dataset_format ucf101" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "fmt, wanted",
    [
        ("kinetics", "annotations/train.csv"),
        ("ssv2", "labels.json"),
        ("epic_kitchens", "EPIC_100_train.csv"),
        ("moments", "trainingSet.csv"),
        ("ucf101", "classInd.txt"),
        ("hmdb51", "_test_split1.txt"),
    ],
)
def test_a_folder_of_another_layout_is_refused_naming_what_was_wanted_and_found(tmp_path, fmt, wanted):
    clip(tmp_path / "train" / "run" / "a.mp4")
    (tmp_path / "notes.txt").write_text("a class folder data set")
    with pytest.raises(DatasetFormatError, match=rf"{wanted}.*found \['notes\.txt', 'train/'\]"):
        load_video_dataset(tmp_path, fmt)


def test_the_recipes_read_the_configuration_dataset_config_name_names(tmp_path):
    """`--dataset_config_name` reaches `load_dataset` in fine-tuning (whole and streamed) and evaluation, whose
    default folder names it; with a format other than `hub` (which has no configurations) it is refused at once."""
    import contextlib
    import importlib.util

    from vivit_hf.training import finetune

    root = two_configs(tmp_path / "repo")
    common = ["--dataset", str(root), "--dataset_format", "hub", "--cache_dir", str(tmp_path / "cache")]
    accelerator = type("OneProcess", (), {"main_process_first": contextlib.nullcontext})
    names = {}
    for config in (None, "big"):
        flags = common + (["--dataset_config_name", config] if config else [])
        args = finetune.parse_args(flags)
        _, train, _, _ = finetune.load_data(args, accelerator)
        names[config] = sorted(Path(path_of(e["video"])).name for e in train)
        streamed = finetune.load_data(finetune.parse_args([*flags, "--streaming"]), None)[1]
        assert len(streamed) == len(names[config])
    assert names == {None: ["a.mp4", "b.mp4"], "big": ["a.mp4", "b.mp4", "d.mp4", "e.mp4"]}

    spec = importlib.util.spec_from_file_location("evaluate_recipe", REPO / "recipes" / "evaluate.py")
    evaluate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluate)
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    args = evaluate.parse_args(["--model", str(model), *common, "--dataset_config_name", "big"])
    assert evaluate.default_output_dir(args, "validation").name == "eval_repo-big_validation_1x1"
    for parse in (finetune.parse_args, lambda argv: evaluate.parse_args(["--model", str(model), *argv])):
        with pytest.raises(SystemExit):
            parse(["--dataset", str(root), "--dataset_config_name", "big"])  # videofolder: no configurations


def test_videofolder_follows_symlinked_class_and_split_folders_and_skips_a_loop(tmp_path, caplog):
    # Clips kept on another disk and linked in: a class folder (train/bird), a whole split folder (val), and one
    # folder linked from both splits. `Path.rglob` did not descend into a symlinked folder (Python < 3.13): the bird
    # class and the validation split vanished without a word. A link back to a folder above is a loop, not followed.
    store = tmp_path / "store"
    for name in ("b0", "b1"):
        clip(store / "bird" / f"{name}.mp4")
    clip(store / "val" / "cat" / "v0.mp4")
    clip(store / "val" / "dog" / "v1.mp4")
    root = tmp_path / "data"
    clip(root / "train" / "cat" / "c0.mp4")
    clip(root / "train" / "dog" / "d0.mp4")
    (root / "train" / "bird").symlink_to(store / "bird", target_is_directory=True)
    (root / "val").symlink_to(store / "val", target_is_directory=True)
    (store / "val" / "bird").symlink_to(store / "bird", target_is_directory=True)  # the same folder, linked twice
    (root / "train" / "dog" / "again").symlink_to(root / "train", target_is_directory=True)  # a loop
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(root, "videofolder")
    assert data.label_names == ["bird", "cat", "dog"]
    assert [(e["id"], e["label"]) for e in data.split("train")] == [
        ("train/bird/b0.mp4", 0),
        ("train/bird/b1.mp4", 0),
        ("train/cat/c0.mp4", 1),
        ("train/dog/d0.mp4", 2),
    ]
    assert [(e["id"], e["label"]) for e in data.split("validation")] == [
        ("val/bird/b0.mp4", 0),
        ("val/bird/b1.mp4", 0),
        ("val/cat/v0.mp4", 1),
        ("val/dog/v1.mp4", 2),
    ]
    assert all(Path(e["video"]).is_file() for split in data.splits.values() for e in split)
    assert any("train/dog/again links back to" in r.getMessage() for r in caplog.records)


def test_local_folder_cache_key_sees_the_files_of_a_symlinked_folder(tmp_path):
    # datasets' cache of a local folder is keyed by its files: a clip changed in a linked folder is another version.
    from vivit_hf.training.data.formats import local_folder_cache_dir

    clip(tmp_path / "store" / "a.mp4")
    (tmp_path / "repo" / "train").mkdir(parents=True)
    (tmp_path / "repo" / "train" / "linked").symlink_to(tmp_path / "store", target_is_directory=True)
    before = local_folder_cache_dir(tmp_path / "repo", str(tmp_path / "cache"))
    clip(tmp_path / "store" / "b.mp4", seed=1)
    assert local_folder_cache_dir(tmp_path / "repo", str(tmp_path / "cache")) != before


@pytest.mark.parametrize("how", ["replaced", "overwritten"])
def test_a_table_relabelled_to_the_same_size_and_time_is_not_read_from_the_old_cache(tmp_path, how):
    """The Arrow cache of a local folder was keyed by each file's size and modification time: a parquet table whose
    labels were swapped (the same size), copied in with its old time (`cp -p`, `rsync -t`), was read with the old
    labels. The reference: the same folder read into a cache folder of its own."""
    import os

    datasets = pytest.importorskip("datasets")
    features = datasets.Features({"video": datasets.Video(), "label": datasets.Value("string")})
    video = {"path": None, "bytes": clip(tmp_path / "src" / "0.mp4").read_bytes()}
    table, other = tmp_path / "repo" / "data" / "train-00000-of-00001.parquet", tmp_path / "other.parquet"
    table.parent.mkdir(parents=True)
    for path, labels in ((table, ["cat", "dog"]), (other, ["dog", "cat"])):
        datasets.Dataset.from_dict({"video": [video] * 2, "label": labels}, features=features).to_parquet(str(path))

    def labels(cache: str) -> list:
        data = load_video_dataset(str(tmp_path / "repo"), "hub", cache_dir=str(tmp_path / cache))
        return [data.id2label[e["label"]] for e in data.split("train")]

    assert labels("cache") == ["cat", "dog"]
    before = os.stat(table)
    if how == "replaced":  # rsync: a new file renamed over the old one
        os.replace(other, table)
    else:  # cp -p: the old file's bytes overwritten
        table.write_bytes(other.read_bytes())
    os.utime(table, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(table)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    if (after.st_ino, after.st_ctime_ns) == (before.st_ino, before.st_ctime_ns):
        pytest.skip("this file system's clock did not tick between the two writes")
    assert labels("fresh") == ["dog", "cat"]  # the reference
    assert labels("cache") == ["dog", "cat"]


def test_a_split_the_data_set_lacks_is_one_line_naming_the_data_set_and_its_splits(tmp_path):
    # `data/train` missing (or not read): the recipes said `KeyError: "no split 'train'; ..."` in a traceback.
    clip(tmp_path / "data" / "val" / "cat" / "a.mp4")
    clip(tmp_path / "data" / "val" / "dog" / "b.mp4")
    data = load_video_dataset(tmp_path / "data", "videofolder")
    with pytest.raises(DatasetFormatError) as error:
        data.split("train")
    assert str(error.value) == f"no split 'train' in {tmp_path / 'data'}; the splits found: validation"


def table_of_paths(path: Path, paths: list[str], labels: list[int]) -> None:
    """A parquet table whose `datasets.Video` column holds paths (no bytes), with the features `datasets` writes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=["run", "swim"])})
    video = pa.array(
        [{"bytes": None, "path": p} for p in paths], pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    )
    table = pa.table({"video": video, "label": pa.array(labels, pa.int64())})
    metadata = {"huggingface": json.dumps({"info": {"features": features.to_dict()}})}
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.replace_schema_metadata(metadata), path)


def test_hub_relative_video_paths_are_read_from_the_tables_folder_first(tmp_path, monkeypatch):
    # Docs: "Paths in a local table are read from the table's folder". Two tables in two folders, each naming
    # `x.mp4` beside it (a different clip each), one `../videos/` path, and one path relative to the data set's
    # folder (read so before, still read so).
    root = tmp_path / "repo"
    clips = {name: clip(path, seed=i) for i, (name, path) in enumerate({
        "a": root / "part_a" / "x.mp4", "b": root / "part_b" / "x.mp4", "v": root / "videos" / "v.mp4",
    }.items())}  # fmt: skip
    table_of_paths(root / "part_a" / "train-00000.parquet", ["x.mp4", "../videos/v.mp4"], [0, 1])
    table_of_paths(root / "part_b" / "train-00001.parquet", ["x.mp4", "videos/v.mp4"], [1, 0])
    (root / "README.md").write_text(
        "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n"
        "    path: [part_a/*.parquet, part_b/*.parquet]\n---\n"
    )
    monkeypatch.chdir(tmp_path)  # anywhere but the data set's folder
    train = hub(root, tmp_path).split("train")
    assert [Path(path_of(e["video"])).resolve() for e in train] == [clips[k].resolve() for k in "avbv"]
    assert [(e["label"], e["id"]) for e in train] == [
        (0, "x.mp4"),
        (1, "../videos/v.mp4"),
        (1, "x.mp4"),
        (0, "videos/v.mp4"),
    ]


def test_hub_csv_tables_in_two_folders_naming_each_its_own_clip_alike_are_refused_naming_both(tmp_path, monkeypatch):
    # Which CSV table a row came from is not known: both rows read the first table's `0.mp4`, `b/0.mp4` never read,
    # `a/0.mp4` trained as `cat` and as `dog` (and the split was said to list it twice).
    root = tmp_path / "repo"
    for i, (part, label) in enumerate((("a", "cat"), ("b", "dog"))):
        clip(root / "train" / part / "0.mp4", seed=i)
        write_csv(root / "train" / part / "clips.csv", [["video", "label"], ["0.mp4", label]])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatasetFormatError) as error:
        [path_of(e["video"]) for e in hub(root, tmp_path).split("train")]
    message = str(error.value)
    assert "\n" not in message and "a row gives '0.mp4', a file beside more than one of them" in message
    for part in "ab":
        assert str(root / "train" / part / "clips.csv") in message and str(root / "train" / part / "0.mp4") in message


def test_a_stream_of_parquet_tables_naming_each_its_own_clip_alike_is_refused_naming_both(tmp_path, monkeypatch):
    # Read whole, each parquet table's `x.mp4` is the one beside it (its footer gives its rows); a stream finds a
    # row's clip by the path as written, and both rows read `part_a/x.mp4`.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vivit_hf.training.data.streaming import open_streaming_dataset

    root = tmp_path / "repo"
    for i, part in enumerate(("part_a", "part_b")):
        clip(root / part / "x.mp4", seed=i)
        pq.write_table(pa.table({"video": ["x.mp4"], "label": [i]}), root / part / f"train-0000{i}.parquet")
    (root / "README.md").write_text(
        "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n"
        "    path: [part_a/*.parquet, part_b/*.parquet]\n---\n"
    )
    monkeypatch.chdir(tmp_path)
    whole = hub(root, tmp_path).split("train")  # the reference: each row reads the clip beside its table
    assert [Path(path_of(e["video"])).parent.name for e in whole] == ["part_a", "part_b"]
    with pytest.raises(DatasetFormatError) as error:
        open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache_s"))
    assert "several tables that give 'x.mp4'" in str(error.value)
    assert all(str(root / part / "x.mp4") in str(error.value) for part in ("part_a", "part_b"))


def test_hub_a_table_written_on_windows_finds_its_clips_by_their_backslashed_paths_whole_and_streamed(
    tmp_path, monkeypatch
):
    # `clips\run\0.mp4`, as a table written on Windows gives it (datasets reads a metadata file's `file_name` so
    # too): every clip was refused as "found nowhere", whole and streamed. A file whose name holds a backslash (a
    # character of a name here) is still read as written.
    from vivit_hf.training.data.streaming import open_streaming_dataset

    root = tmp_path / "repo"
    clip(root / "clips" / "run" / "0.mp4")
    clip(root / "clips" / "swim" / "1.mp4", seed=1)
    clip(root / "odd\\name.mp4", seed=2)
    written = ["clips\\run\\0.mp4", "clips\\swim\\1.mp4", "odd\\name.mp4"]
    table_of_paths(root / "data" / "train-00000-of-00001.parquet", written, [0, 1, 0])
    monkeypatch.chdir(tmp_path)
    found = [str(root / "clips" / "run" / "0.mp4"), str(root / "clips" / "swim" / "1.mp4"), str(root / "odd\\name.mp4")]
    assert all(Path(path).is_file() for path in found)  # the reference: the files on disk
    assert [path_of(example["video"]) for example in hub(root, tmp_path).split("train")] == found
    stream = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache_s")).split("train")
    assert [stream.located.get(path, path) for path in written] == found


def test_hub_a_table_path_found_nowhere_is_refused_naming_the_table_not_counted_as_undecodable(tmp_path, monkeypatch):
    # It reached the decoder and was counted as a broken clip ("none of the clips could be decoded", or trained
    # without it): a missing file is the table's mistake, said before training, naming where it was looked for.
    root = tmp_path / "repo"
    clip(root / "data" / "a.mp4")
    table_of_paths(root / "data" / "train-00000-of-00001.parquet", ["a.mp4", "gone.mp4"], [0, 1])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatasetFormatError) as error:
        hub(root, tmp_path)
    message = str(error.value)
    assert "\n" not in message and "1 of the 2 clips of split 'train' are found nowhere" in message
    assert f"row 1 of {root / 'data' / 'train-00000-of-00001.parquet'} gives 'gone.mp4'" in message
    assert f"looked for in {root / 'data'}/, {root}/ and the working directory" in message


def test_annotation_files_saved_with_a_byte_order_mark_read_as_without(tmp_path):
    # A Windows editor's UTF-8 starts with a byte-order mark: the CSVs were read past it, not these. Moments' first
    # category became '\ufeffclapping' (then "a clip of class 'clapping', which moments_categories.txt does not
    # list"); SSv2's JSON stopped in a traceback (JSONDecodeError: Unexpected UTF-8 BOM).
    def with_mark(path: Path) -> None:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    moments(tmp_path / "mit")
    with_mark(tmp_path / "mit" / "moments_categories.txt")
    data = load_video_dataset(tmp_path / "mit", "moments")
    assert data.label_names == ["barking", "clapping"]
    assert [(e["id"], e["label"]) for e in data.split("train")] == [("clapping/x.mp4", 1), ("barking/y.mp4", 0)]

    ssv2 = tmp_path / "ssv2"
    (ssv2 / "labels.json").parent.mkdir()
    (ssv2 / "labels.json").write_text(json.dumps({"Holding something": "0", "Pushing something": "1"}))
    (ssv2 / "train.json").write_text(json.dumps([{"id": "5", "template": "Pushing [something]"}]))
    clip(ssv2 / "videos" / "5.webm", codec_suffix=".webm")
    for name in ("labels.json", "train.json"):
        with_mark(ssv2 / name)
    data = load_video_dataset(ssv2, "ssv2")
    assert data.label_names == ["Holding something", "Pushing something"]
    assert [(e["id"], e["label"]) for e in data.split("train")] == [("5", 1)]
    # A file that is no JSON at all: one line naming it.
    (ssv2 / "train.json").write_text('[{"id": "5",')
    with pytest.raises(DatasetFormatError, match=r"--dataset_format ssv2: .*train\.json is not a JSON file"):
        load_video_dataset(ssv2, "ssv2")


def test_clips_listed_twice_are_found_in_a_pass_of_the_rows_not_a_search_per_repeat(caplog):
    # A table listing every clip twice (2 000 rows, 1 000 clips; Kinetics-size, 240 000 rows on 120 000 clips): each
    # repeat was looked for in the list of repeats found so far, 506 500 comparisons here, minutes of every process's
    # open there. Counted as the ids' comparisons (each row its own string object), not timed.
    from vivit_hf.training.data.examples import VideoClassificationData, warn_repeated_clips

    compared = []

    class Id(str):
        __hash__ = str.__hash__

        def __eq__(self, other):
            compared.append(1)
            return str.__eq__(self, other)

    class Table(list):  # a `hub` split: its clips' ids without reading its rows
        def clip_ids(self):
            return [Id(f"clip{i % 1000}") for i in range(len(self))]

    table = Table([{"video": None, "label": 0}] * 2000)
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        report = warn_repeated_clips(VideoClassificationData(splits={"train": table}, label_spaces={"label": ["a"]}))
    assert report["train"] == [f"clip{i}" for i in range(1000)]  # in the order they first repeat, as before
    assert "split 'train' lists 1000 clip(s) more than once" in caplog.text
    assert len(compared) < 20_000, len(compared)  # (was 506 500)


def test_a_clip_listed_twice_or_in_two_splits_is_named_in_a_warning(tmp_path, caplog):
    # A Kinetics train.csv with one row repeated, and a train clip's row appended to val.csv: 7 training clips and 4
    # evaluation clips of 6 and 3 files, one of them trained on twice an epoch and one scored on its own training
    # clip, without a word.
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    train = [["run", "aaa", 0, 10, "train"], ["swim", "bbb", 0, 10, "train"], ["run", "ccc", 0, 10, "train"]]
    write_csv(tmp_path / "annotations" / "train.csv", [*train, train[1]], header)
    write_csv(tmp_path / "annotations" / "val.csv", [["swim", "ddd", 0, 10, "val"], train[2]], header)
    for key in ("aaa", "bbb", "ccc", "ddd"):
        clip(tmp_path / "videos" / f"{key}_000000_000010.mp4")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "kinetics")
    assert [len(data.split(s)) for s in ("train", "validation")] == [4, 2]  # read as listed, and said so
    messages = [r.getMessage() for r in caplog.records]
    assert "split 'train' lists 1 clip(s) more than once, each read as many times an epoch: 'bbb_000000_000010'" in (
        messages
    ), messages
    assert any(
        m.startswith("1 clip(s) are in both split 'train' and split 'validation'") and "'ccc_000000_000010'" in m
        for m in messages
    ), messages


def test_hub_folder_with_a_symlinked_class_folder_is_refused_not_read_without_it(tmp_path):
    # datasets' own file search does not follow a symlinked folder either: the linked class vanished without a word
    # (2 classes, 2 of 3 clips), whole and streamed. Read with videofolder (which follows it), or refused naming it.
    from vivit_hf.training.data.streaming import open_streaming_dataset

    clip(tmp_path / "repo" / "train" / "cat" / "a.mp4")
    clip(tmp_path / "repo" / "train" / "dog" / "b.mp4")
    clip(tmp_path / "store" / "bird" / "c.mp4")
    (tmp_path / "repo" / "train" / "bird").symlink_to(tmp_path / "store" / "bird", target_is_directory=True)
    reason = r"datasets does not follow symlinked folders and would leave out 1 clips .*\['train/bird/c\.mp4'\]"
    with pytest.raises(DatasetFormatError, match=reason):
        hub(tmp_path / "repo", tmp_path)
    with pytest.raises(DatasetFormatError, match=reason):
        open_streaming_dataset(str(tmp_path / "repo"), cache_dir=str(tmp_path / "cache"))
    assert load_video_dataset(tmp_path / "repo", "videofolder").label_names == ["bird", "cat", "dog"]


def test_one_file_read_under_two_names_through_a_link_is_named_in_a_warning(tmp_path, caplog):
    # A class folder symlinked under another name (train/hound -> train/dog) and a training clip hard-linked into
    # val/: 4 training clips of 3 files, dog's clip read twice an epoch under two classes, and a validation clip that
    # is a training clip. Their ids differ, so the repeated-clip warning said nothing.
    root = tmp_path / "data"
    clip(root / "train" / "cat" / "c0.mp4")
    clip(root / "train" / "cat" / "c1.mp4", seed=1)
    clip(root / "train" / "dog" / "d0.mp4", seed=2)
    (root / "train" / "hound").symlink_to(root / "train" / "dog", target_is_directory=True)
    (root / "val" / "cat").mkdir(parents=True)
    (root / "val" / "cat" / "v0.mp4").hardlink_to(root / "train" / "cat" / "c1.mp4")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(root, "videofolder")
    # read as the folders say (the link is a class, as datasets reads it), and said so
    assert [(e["id"], data.id2label[e["label"]]) for e in data.split("train")] == [
        ("train/cat/c0.mp4", "cat"),
        ("train/cat/c1.mp4", "cat"),
        ("train/dog/d0.mp4", "dog"),
        ("train/hound/d0.mp4", "hound"),
    ]
    messages = [r.getMessage() for r in caplog.records]
    assert any(
        m.startswith("split 'train' reads 1 file(s) under two names") and "'train/dog/d0.mp4 = train/hound/d0.mp4'" in m
        for m in messages
    ), messages
    assert any(
        m.startswith("1 file(s) of split 'train' are in split 'validation' too")
        and "'train/cat/c1.mp4 = val/cat/v0.mp4'" in m
        for m in messages
    ), messages


def test_a_folder_read_stats_each_clip_once_its_link_check_included(tmp_path, monkeypatch, caplog):
    """The link check (`warn_repeated_clips`) stat'ed every clip the scan had stat'ed already: 248 000 more stats, 8 s
    of a 30 s read of a Kinetics-sized folder. It takes the scan's, and still names a clip hard-linked into `val/`."""
    import os

    clip(tmp_path / "train" / "cat" / "c0.mp4")
    clip(tmp_path / "train" / "dog" / "d0.mp4", seed=1)
    (tmp_path / "val" / "cat").mkdir(parents=True)
    os.link(tmp_path / "train" / "cat" / "c0.mp4", tmp_path / "val" / "cat" / "v0.mp4")
    clips = {str(path) for path in tmp_path.rglob("*.mp4")}
    stats = []

    def counted(path, *args, **kwargs):
        if os.fspath(path) in clips:
            stats.append(os.fspath(path))
        return real_stat(path, *args, **kwargs)

    real_stat = os.stat
    monkeypatch.setattr(os, "stat", counted)
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        load_video_dataset(tmp_path, "videofolder")
    said = [r.getMessage() for r in caplog.records if "under another name" in r.getMessage()]
    assert len(said) == 1 and "'train/cat/c0.mp4 = val/cat/v0.mp4'" in said[0], said
    assert sorted(stats) == sorted(clips)


def test_epic_kitchens_narrations_of_one_untrimmed_video_are_not_taken_for_linked_clips(tmp_path, caplog):
    # Segments of one video share its file by design: no warning.
    header = "narration_id,video_id,start_timestamp,stop_timestamp,verb_class,noun_class\n"
    (tmp_path / "EPIC_100_train.csv").write_text(
        header + "P01_01_0,P01_01,00:00:00.00,00:00:00.25,1,2\nP01_01_1,P01_01,00:00:00.25,00:00:00.50,3,4\n"
    )
    clip(tmp_path / "P01" / "videos" / "P01_01.MP4")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "epic_kitchens")
    assert len(data.split("train")) == 2
    assert not [r for r in caplog.records if "under two names" in r.getMessage()]


def test_ucf101_and_hmdb51_find_clips_re_encoded_to_another_type_and_lists_with_backslashes(tmp_path):
    # The lists name `.avi` files; copies re-encoded to `.mp4` (as many mirrors ship them) matched no clip ("none of
    # the 3 clips ... is on disk"), and a list written on Windows (`Class\clip.avi`) matched none either.
    ucf = tmp_path / "ucf"
    (ucf / "classInd.txt").parent.mkdir(parents=True)
    (ucf / "classInd.txt").write_text("1 ApplyEyeMakeup\n2 YoYo\n")
    (ucf / "trainlist01.txt").write_text("ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1\nYoYo\\v_YoYo_g08_c01.avi 2\n")
    (ucf / "testlist01.txt").write_text("YoYo/v_YoYo_g01_c01.avi\n")
    for name in ("ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.mp4", "YoYo/v_YoYo_g08_c01.avi", "YoYo/v_YoYo_g01_c01.mp4"):
        clip(ucf / "UCF-101" / name)
    data = load_video_dataset(ucf, "ucf101")
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("train")] == [
        ("v_ApplyEyeMakeup_g08_c01.mp4", 0),
        ("v_YoYo_g08_c01.avi", 1),
    ]
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("test")] == [("v_YoYo_g01_c01.mp4", 1)]
    assert data.missing == {}

    hmdb = tmp_path / "hmdb"
    (hmdb / "splits").mkdir(parents=True)
    (hmdb / "splits" / "cartwheel_test_split1.txt").write_text("c0.avi 1 \nc1.avi 2 \n")
    (hmdb / "splits" / "sword_test_split1.txt").write_text("s0.avi 1 \ns1.avi 2 \n")
    for name in ("cartwheel/c0.mp4", "cartwheel/c1.mp4", "sword/s0.mp4", "sword/s1.mp4"):
        clip(hmdb / "videos" / name)
    data = load_video_dataset(hmdb, "hmdb51")
    assert [(e["id"], Path(e["video"]).name, e["label"]) for e in data.split("test")] == [
        ("cartwheel/c1.avi", "c1.mp4", 0),
        ("sword/s1.avi", "s1.mp4", 1),
    ]
    assert len(data.split("train")) == 2 and data.missing == {}


def test_byte_identical_copies_under_two_names_are_named_in_a_warning(tmp_path, caplog):
    # A class folder copied (not linked) under another name and a training clip copied into val/ with `cp`: other
    # inodes, so the link check saw nothing, yet dog's clip was read twice an epoch under two classes and a
    # validation clip was a training clip. The reference: every pair of files compared byte for byte (filecmp).
    import filecmp
    import itertools
    import shutil

    root = tmp_path / "data"
    clip(root / "train" / "cat" / "c0.mp4")
    clip(root / "train" / "cat" / "c1.mp4", seed=1)
    clip(root / "train" / "dog" / "d0.mp4", seed=2)
    clip(root / "train" / "dog" / "d1.mp4", seed=3)
    shutil.copytree(root / "train" / "dog", root / "train" / "hound")
    (root / "val" / "cat").mkdir(parents=True)
    shutil.copyfile(root / "train" / "cat" / "c1.mp4", root / "val" / "cat" / "v0.mp4")
    clip(root / "val" / "dog" / "v1.mp4", seed=4)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.mp4"))
    for stub in ("s0.mp4", "s1.mp4"):  # failed downloads' stubs, alike and too short to be videos: not named
        (root / "train" / "cat" / stub).write_bytes(b"not a video")
    same = [(a, b) for a, b in itertools.combinations(files, 2) if filecmp.cmp(root / a, root / b, shallow=False)]
    assert same == [
        ("train/cat/c1.mp4", "val/cat/v0.mp4"),
        ("train/dog/d0.mp4", "train/hound/d0.mp4"),
        ("train/dog/d1.mp4", "train/hound/d1.mp4"),
    ]
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(root, "videofolder")
    assert len(data.split("train")) == 8 and len(data.split("validation")) == 2  # read as the folders say
    messages = sorted(r.getMessage() for r in caplog.records if "byte-identical copies" in r.getMessage())
    assert len(messages) == 2, [r.getMessage() for r in caplog.records]
    across = "'train/cat/c1.mp4 = val/cat/v0.mp4'"
    assert messages[0].startswith("1 file(s) of split 'train' are in split 'validation' too") and across in messages[0]
    within = "'train/dog/d0.mp4 = train/hound/d0.mp4', 'train/dog/d1.mp4 = train/hound/d1.mp4'"
    assert messages[1].startswith("split 'train' reads 2 file(s) under two names") and within in messages[1]
    # A machine's processes after its first open the data with its warnings held back (its first has said them):
    # the same clips, not a word, and no file hashed to find the copies (every process hashed them).
    from unittest import mock

    from vivit_hf.training.finetune import data_warnings_held

    caplog.clear()
    hashed = mock.patch.object(data_examples, "_file_digest", side_effect=AssertionError("a file hashed"))
    with data_warnings_held(True), hashed:
        assert load_video_dataset(root, "videofolder").splits == data.splits
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    assert logging.getLogger("vivit_hf.training.data").level == logging.NOTSET  # (put back)


@pytest.mark.parametrize("fmt", ["hmdb51", "ucf101"])
def test_a_listed_clip_is_read_from_its_class_folder_not_from_a_file_of_its_name_in_another(tmp_path, fmt, caplog):
    # Class folders holding clips of the same names (a data set of one's own in HMDB51's or UCF101's layout:
    # `1.avi` in every class folder). The lists name `<class>/1.avi`; each was read from the first folder holding a
    # `1.avi` (sorted: brush_hair), so cartwheel's clips were brush_hair's, trained under the label cartwheel.
    # The reference: each listed clip's frames are its own file's (PyAV, a sequential decode).
    import av

    def frames(path):
        with av.open(str(path)) as container:
            return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]

    names = {"brush_hair": ["1.avi", "2.avi"], "cartwheel": ["1.avi", "2.avi"]}
    for seed, (name, files) in enumerate(names.items()):
        for i, file in enumerate(files):
            clip(tmp_path / "videos" / name / file, seed=10 * seed + i)
    clip(tmp_path / "elsewhere" / "3.avi", seed=99)  # a file of a listed name in no class folder: still found
    if fmt == "hmdb51":
        (tmp_path / "brush_hair_test_split1.txt").write_text("1.avi 1\n2.avi 2\n")
        (tmp_path / "cartwheel_test_split1.txt").write_text("1.avi 1\n2.avi 2\n3.avi 2\n")
    else:
        (tmp_path / "classInd.txt").write_text("1 brush_hair\n2 cartwheel\n")
        (tmp_path / "trainlist01.txt").write_text("brush_hair/1.avi 1\ncartwheel/1.avi 2\n")
        (tmp_path / "testlist01.txt").write_text("brush_hair/2.avi\ncartwheel/2.avi\ncartwheel/3.avi\n")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, fmt)
    read = {
        split: [(e["id"], data.id2label[e["label"]], Path(e["video"]).relative_to(tmp_path).as_posix()) for e in ex]
        for split, ex in data.splits.items()
    }
    assert read == {
        "train": [
            ("brush_hair/1.avi", "brush_hair", "videos/brush_hair/1.avi"),
            ("cartwheel/1.avi", "cartwheel", "videos/cartwheel/1.avi"),
        ],
        "test": [
            ("brush_hair/2.avi", "brush_hair", "videos/brush_hair/2.avi"),
            ("cartwheel/2.avi", "cartwheel", "videos/cartwheel/2.avi"),
            ("cartwheel/3.avi", "cartwheel", "elsewhere/3.avi"),
        ],
    }
    in_class_folders = [e for examples in data.splits.values() for e in examples if e["id"] != "cartwheel/3.avi"]
    for e in in_class_folders:  # each reads its own clip's frames
        assert np.array_equal(np.stack(frames(e["video"])), np.stack(frames(tmp_path / "videos" / e["id"])))
    assert not [r for r in caplog.records if "under two names" in r.getMessage()]


def test_a_listed_clip_whose_name_lies_in_several_other_folders_is_left_out_and_named(tmp_path, caplog):
    # `run/1.avi` listed, no `run/` folder, and `1.avi` in two other class folders: no one file is meant.
    for seed, name in enumerate(("jump", "swim")):
        clip(tmp_path / "videos" / name / "1.avi", seed=seed)
    (tmp_path / "classInd.txt").write_text("1 jump\n2 run\n3 swim\n")
    (tmp_path / "trainlist01.txt").write_text("jump/1.avi 1\nrun/1.avi 2\nswim/1.avi 3\n")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "ucf101")
    assert [(e["id"], Path(e["video"]).parent.name) for e in data.split("train")] == [
        ("jump/1.avi", "jump"),
        ("swim/1.avi", "swim"),
    ]
    assert data.missing == {"train": 1}
    assert any("several other folders" in r.getMessage() and "'run/1.avi'" in r.getMessage() for r in caplog.records)


def test_kinetics_csvs_of_two_versions_naming_one_split_are_named_not_one_read_without_a_word(tmp_path, caplog):
    # ActivityNet's crawler puts every version's CSVs side by side (`kinetics-400_train.csv`,
    # `kinetics-600_train.csv`): one was read, the other ignored, without a word (here: Kinetics-400's 1 clip of
    # the 2 the tree holds). Counted by hand: each CSV names one clip.
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    write_csv(tmp_path / "kinetics-400_train.csv", [["zumba", "aaa", 0, 10, "train"]], header)
    write_csv(tmp_path / "kinetics-600_train.csv", [["yoga", "bbb", 0, 10, "train"]], header)
    clip(tmp_path / "clips" / "aaa_000000_000010.mp4")
    clip(tmp_path / "clips" / "bbb_000000_000010.mp4", seed=1)
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "kinetics")
    assert [e["id"] for e in data.split("train")] == ["aaa_000000_000010"]
    warned = [r.getMessage() for r in caplog.records if "CSVs name split 'train'" in r.getMessage()]
    assert len(warned) == 1 and "kinetics-400_train.csv is read" in warned[0], warned
    assert "kinetics-600_train.csv" in warned[0]


def test_kinetics_clips_on_disk_that_no_csv_row_names_are_named_not_left_out_without_a_word(tmp_path, caplog):
    # CVDF's Kinetics-600 mirror: annotations/val.csv is incomplete (its maintainers: 15k of the 29k validation
    # clips; the complete list is val.txt), so a model was scored on half the validation clips on disk without a word.
    # Here val.csv names 1 of the 3 validation clips, train.csv 2 of 3; test.csv (no labels: no split) names its clip,
    # and a replacement of a corrupted clip (same name, another folder) is no other clip. Unlisted, by hand: 3 files.
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    k600 = tmp_path / "k600"
    train = [["yoga", "t1", 0, 10, "train"], ["zumba", "t2", 5, 15, "train"]]
    write_csv(k600 / "annotations" / "train.csv", train, header)
    write_csv(k600 / "annotations" / "val.csv", [["yoga", "v1", 1, 11, "val"]], header)
    write_csv(k600 / "annotations" / "test.csv", [["s1", 2, 12, "test"]], header[1:])
    for i, name in enumerate(["t1_000000_000010", "t2_000005_000015", "t3_000007_000017"]):
        clip(k600 / "train" / f"{name}.mp4", seed=i)
    for i, name in enumerate(["v1_000001_000011", "v2_000004_000014", "v3_000020_000030"]):
        clip(k600 / "val" / f"{name}.mp4", seed=10 + i)
    clip(k600 / "test" / "s1_000002_000012.mp4", seed=20)
    clip(k600 / "replacement" / "t1_000000_000010.mp4", seed=21)
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(k600, "kinetics")
    assert {split: len(data.split(split)) for split in data.splits} == {"train": 2, "validation": 1}
    warned = [r.getMessage() for r in caplog.records if "named by no row" in r.getMessage()]
    assert len(warned) == 1 and warned[0].startswith("kinetics: 3 video file(s) below "), warned
    for unlisted in ("train/t3_000007_000017.mp4", "val/v2_000004_000014.mp4", "val/v3_000020_000030.mp4"):
        assert str(k600 / unlisted) in warned[0]
    assert "s1_" not in warned[0] and "replacement" not in warned[0] and "t1_" not in warned[0]


def test_kinetics_clips_whose_name_lies_in_several_folders_as_other_files_are_named(tmp_path, caplog):
    """A resized copy kept beside the originals (`train_256/` by `train/`) or a download that stopped short beside a
    whole one: a clip is found by its file name anywhere below, so the first file of that name in sorted order was
    read and the other never, without a word. Files of other sizes are named; the links of CVDF's
    `arrange_by_classes.py` (one file) and a replacement of a corrupted clip are not."""
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    k400 = tmp_path / "k400"
    rows = [["yoga", "t1", 0, 10, "train"], ["zumba", "t2", 5, 15, "train"], ["yoga", "t3", 1, 11, "train"]]
    write_csv(k400 / "annotations" / "train.csv", rows, header)
    names = ["t1_000000_000010.mp4", "t2_000005_000015.mp4", "t3_000001_000011.mp4"]
    for i, name in enumerate(names):
        clip(k400 / "train" / name, seed=i)
    (k400 / "train_256").mkdir()
    (k400 / "train_256" / names[0]).write_bytes((k400 / "train" / names[0]).read_bytes()[:100])  # cut short
    (k400 / "by_class" / "zumba").mkdir(parents=True)
    (k400 / "by_class" / "zumba" / names[1]).symlink_to(k400 / "train" / names[1])
    clip(k400 / "replacement" / names[2], seed=7)
    # the reference: the files of each name on disk, in sorted order, by size
    by_name = {name: sorted(k400.glob(f"**/{name}")) for name in names}
    differing = [name for name, files in by_name.items() if len({f.stat().st_size for f in files}) > 1]
    assert differing == [names[0], names[2]]  # the replacement differs too, and is read in place of its original
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(k400, "kinetics")
    read = {Path(example["video"]).name: example["video"] for example in data.split("train")}
    assert read == {
        names[0]: str(by_name[names[0]][0]),
        names[1]: str(k400 / "by_class" / "zumba" / names[1]),
        names[2]: str(k400 / "replacement" / names[2]),
    }
    said = [r.getMessage() for r in caplog.records if "several folders" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("kinetics: 1 clip(s) are files of other sizes in several folders")
    assert f"{by_name[names[0]][0]} then {by_name[names[0]][1]}" in said[0]


def test_ssv2_clips_whose_id_lies_in_several_folders_as_other_files_are_named(tmp_path, caplog):
    """Something-Something v2 finds `{id}.webm` anywhere below: a resized copy (`ssv2_256/`) kept beside Qualcomm's
    folder had the first in sorted order read and the other never, without a word; named as Kinetics' are."""
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "labels.json").write_text(json.dumps({"Holding something": "0", "Lifting something": "1"}))
    items = [{"id": str(i), "template": t} for i, t in ((11, "Holding [something]"), (12, "Lifting [something]"))]
    (tmp_path / "labels" / "train.json").write_text(json.dumps(items))
    for i, clip_id in enumerate(("11", "12")):
        clip(tmp_path / "20bn-something-something-v2" / f"{clip_id}.webm", seed=i, codec_suffix=".webm")
    clip(tmp_path / "ssv2_256" / "11.webm", seed=5, codec_suffix=".webm")
    # the reference: the files of each name on disk, by size
    copies = sorted(tmp_path.glob("**/11.webm"))
    assert len(copies) == 2 and copies[0].stat().st_size != copies[1].stat().st_size
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "ssv2")
    assert [example["video"] for example in data.split("train")][0] == str(copies[0])
    said = [r.getMessage() for r in caplog.records if "several folders" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("ssv2: 1 clip(s) are files of other sizes in several folders")
    assert f"{copies[0]} then {copies[1]}" in said[0]


def test_a_no_op_chmod_between_two_reads_neither_rebuilds_nor_keeps_a_second_cache(tmp_path, monkeypatch):
    """The Arrow cache of a local folder was keyed by each file's inode and status-change time: a no-op `chmod -R`
    (a re-chown at each pod start, a `cp -a` restore) built a whole new copy, the old one left on disk forever. A
    changed table is still a new version, and the old version's cache is then removed (a read by another process:
    this one keeps the versions it read)."""
    import os

    from vivit_hf.training.data import hub_files

    datasets = pytest.importorskip("datasets")
    features = datasets.Features({"video": datasets.Video(), "label": datasets.Value("string")})
    video = {"path": None, "bytes": clip(tmp_path / "src" / "0.mp4").read_bytes()}
    table = tmp_path / "repo" / "data" / "train-00000-of-00001.parquet"
    table.parent.mkdir(parents=True)

    def write(labels):
        datasets.Dataset.from_dict({"video": [video] * 2, "label": labels}, features=features).to_parquet(str(table))

    def read() -> list:
        data = load_video_dataset(str(tmp_path / "repo"), "hub", cache_dir=str(tmp_path / "cache"))
        return [data.id2label[e["label"]] for e in data.split("train")]

    def versions() -> list:
        return sorted(p for p in (tmp_path / "cache" / "vivit_hf_local").glob("*/*") if p.is_dir())

    write(["cat", "dog"])
    assert read() == ["cat", "dog"]
    [first] = versions()
    built = sorted(p.name for p in first.rglob("*.arrow"))
    assert built
    before = {p: p.stat().st_mtime_ns for p in first.rglob("*.arrow")}
    for path in (tmp_path / "repo").rglob("*"):
        os.chmod(path, os.stat(path).st_mode)
    assert read() == ["cat", "dog"]
    assert versions() == [first]
    assert {p: p.stat().st_mtime_ns for p in first.rglob("*.arrow")} == before  # not built again
    monkeypatch.setattr(hub_files, "_IN_USE", set())  # the next read as another process's, this one gone
    for name in [name for name in hub_files._HELD if name.startswith(str(tmp_path))]:
        hub_files._HELD.pop(name).close()
    write(["dog", "cat"])
    assert read() == ["dog", "cat"]
    assert len(versions()) == 1 and versions() != [first]


def test_a_version_another_process_reads_is_not_removed_by_a_read_of_a_newer_one(tmp_path, monkeypatch):
    """A read removed every version of a local folder's cache but its own process's: a run started before the folder
    changed lost the version it was building or reading to a second run started after (its build died, or the
    removal, ignoring errors, left a version missing some of its files). A version a live process reads is kept,
    and removed by the first read after that process ends."""
    from vivit_hf.training.data import hub_files

    table, cache = tmp_path / "repo" / "labels.csv", str(tmp_path / "cache")
    table.parent.mkdir()
    table.write_text("file_name,label\na.mp4,cat\n")
    first = hub_files.local_folder_cache_dir(table.parent, cache)
    Path(first, "x.incomplete").mkdir(parents=True)  # the other run's build, under way
    monkeypatch.setattr(hub_files, "_IN_USE", set())  # this process: the second run; the first keeps its lock
    other_run = getattr(hub_files, "_HELD", {}).pop(first, None)
    table.write_text("file_name,label\na.mp4,dog\n")  # labels fixed, a second run started
    second = hub_files.local_folder_cache_dir(table.parent, cache)
    Path(second).mkdir()
    hub_files.drop_older_versions(second)
    assert Path(first, "x.incomplete").is_dir()
    if other_run is not None:
        other_run.close()  # the first run ends
    hub_files.drop_older_versions(second)
    assert not Path(first).exists() and Path(second).is_dir()


def test_a_first_read_that_hashes_much_says_so_before_it_waits(tmp_path, monkeypatch, caplog):
    """A local folder's first read hashes its tables, metadata and shards (SHA-256, ~0.5 GB/s: ~14 min for 450 GB of
    parquet) without a word; past `HASHING_SAID_FROM` bytes it says how many files and GiB, once: not again for
    files already hashed."""
    from vivit_hf.training.data import hub_files

    folder, cache = tmp_path / "repo", str(tmp_path / "cache")
    folder.mkdir()
    (folder / "labels.csv").write_text("file_name,label\na.mp4,cat\n")
    (folder / "b.parquet").write_bytes(bytes(3000))
    (folder / "a.mp4").write_bytes(bytes(5000))  # a clip: never hashed
    monkeypatch.setattr(hub_files, "HASHING_SAID_FROM", 2000)
    monkeypatch.setattr(hub_files, "_IN_USE", set())
    with caplog.at_level(logging.INFO, logger=hub_files.logger.name):
        first = hub_files.local_folder_cache_dir(folder, cache)
        assert hub_files.local_folder_cache_dir(folder, cache) == first  # the digests kept: nothing hashed again
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("hashing")]
    assert said == [f"hashing 2 files of {folder} (0.0 GiB: its tables, metadata and shards, by whose contents its "
                    "cache is kept); once, until one changes"]  # fmt: skip
    for name in [name for name in getattr(hub_files, "_HELD", {}) if name.startswith(str(tmp_path))]:
        hub_files._HELD.pop(name).close()


@pytest.mark.parametrize("flags", [["--train_split", "trian"], ["--eval_split", "tset"]])
def test_finetunes_unknown_split_names_its_flag_and_the_data_set_as_typed(flags, tmp_path, monkeypatch):
    # `--eval_split tset` was refused as "no split 'tset' in /root/.cache/vivit_hf/synthetic_motion-...": neither the
    # flag (two name a split) nor the data set the user typed
    import contextlib

    import vivit_hf.training.data as data_module
    from vivit_hf.training import finetune

    for name in ("train/a/0.mp4", "train/b/1.mp4", "test/a/2.mp4", "test/b/3.mp4"):  # (loading reads no clip)
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"\0" * 16)
    monkeypatch.setattr(data_module, "synthetic_motion_dataset", lambda cache_dir=None: tmp_path)  # not made here

    class OneProcess:
        main_process_first = contextlib.nullcontext

    with pytest.raises(DatasetFormatError) as error:
        finetune.load_data(finetune.parse_args(["--dataset", "synthetic_motion", *flags]), OneProcess())
    assert str(error.value).startswith(f"{flags[0]} {flags[1]}: no split {flags[1]!r} in synthetic_motion; the splits")


@pytest.mark.parametrize("flags", [["--eval_split", "test"], ["--train_split", "test"]])
def test_finetunes_split_of_no_clip_names_the_data_set_as_typed(flags, monkeypatch):
    # a split whose every clip is missing was refused as "split 'test' of /root/.cache/vivit_hf/synthetic_motion-...
    # holds no clip": the bundled set named by its cache folder (its `source`), not as the user typed it
    import contextlib

    from accelerate import PartialState

    import vivit_hf.training.data as data_module
    from vivit_hf.training import finetune
    from vivit_hf.training.data.examples import VideoClassificationData

    PartialState()  # (accelerate's logger: the missing clips are said)
    read = VideoClassificationData(
        splits={"train": [{"video": "a.mp4", "label": 0}, {"video": "b.mp4", "label": 1}], "test": []},
        label_spaces={"label": ["a", "b"]},
        missing={"test": 2},
        source="/root/.cache/vivit_hf/datasets/synthetic_motion-0123abcd",
    )
    # (the set is not made here: its read stands in, as `open_video_dataset` reads it)
    monkeypatch.setattr(data_module, "synthetic_motion_dataset", lambda cache_dir=None: read.source)
    monkeypatch.setattr(data_module, "load_video_dataset", lambda *args, **kwargs: read)

    class OneProcess:
        main_process_first = contextlib.nullcontext

    with pytest.raises(DatasetFormatError) as error:
        finetune.load_data(finetune.parse_args(["--dataset", "synthetic_motion", *flags]), OneProcess())
    use = "to evaluate" if flags[0] == "--eval_split" else "to train on"
    missing = "each of the 2 clips it names is missing (named above)"
    assert str(error.value) == f"split 'test' of synthetic_motion holds no clip {use}: {missing}"


def _protocol_splits(root: Path, cycle: list[int], hmdb51: bool = True) -> tuple[list[str], dict[int, list[int]]]:
    """CVML-TueAI/HMDB51's layout in `root`: parquet splits `split1`, `split2` of `video_path`, `label`, `subset` (the
    `cycle` of marks, shifted by the split), each every clip of `Videos/<class>/` (named as HMDB51's, or not), and a
    card naming them. Returns the paths and each split's marks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = "film{k}_{c}_u_nm_np1_fr_goo_0.avi" if hmdb51 else "{c}_{k}.mp4"
    paths = [f"Videos/{c}/" + name.format(k=k, c=c) for c in ("brush_hair", "wave") for k in range(6)]
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(path.encode())
    (root / "data").mkdir()
    subsets = {s: [cycle[(k + s) % len(cycle)] for k in range(len(paths))] for s in (1, 2)}
    for s, subset in subsets.items():
        table = pa.table({"video_path": paths, "label": [p.split("/")[1] for p in paths], "subset": subset})
        pq.write_table(table, root / "data" / f"split{s}-00000-of-00001.parquet")
    card = "".join(f"  - split: split{s}\n    path: data/split{s}-*\n" for s in subsets)
    (root / "README.md").write_text(f"---\nconfigs:\n- config_name: default\n  data_files:\n{card}---\n")
    return paths, subsets


@pytest.mark.parametrize("marks", ["hmdb51", "folds", "folds 0-2 of other clips"])
def test_hmdb51_hub_splits_marking_train_and_test_in_a_subset_column_are_read_as_its_protocol(tmp_path, caplog, marks):
    """CVML-TueAI/HMDB51 keeps HMDB51's three official splits as parquet splits `split1`..`split3`, each listing every
    clip with a `subset` column (1: training, 2: test, 0: in neither, as `<class>_test_split<n>.txt` marks them).
    Read as rows, `--train_split split1` trained on split 1's test clips too, then scored a share of its own clips.
    Now each such split is its training and test clips (`split1_train`, `split1_test`), its 0s left out, said with
    the flags; a `subset` of other values (folds 1-3), or of 0-2 beside clips not named as HMDB51's (a user's 3
    folds: they were re-split, a third of the clips dropped), is another column, left as it is."""
    cycle = {"hmdb51": [1, 1, 1, 2, 2, 0], "folds": [1, 2, 3]}.get(marks, [0, 1, 2])
    paths, subsets = _protocol_splits(tmp_path, cycle, hmdb51=marks != "folds 0-2 of other clips")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(str(tmp_path), "hub", cache_dir=str(tmp_path / "cache"))
    read = {split: sorted(Path(i).name for i in example_ids(examples)) for split, examples in data.splits.items()}
    if marks != "hmdb51":
        assert read == {s: sorted(Path(p).name for p in paths) for s in ("split1", "split2")}, read
        assert "protocol" not in caplog.text, caplog.text
        return
    marked = {
        f"split{s}_{part}": sorted(Path(p).name for p, v in zip(paths, subset) if v == value)
        for s, subset in subsets.items()
        for value, part in ((1, "train"), (2, "test"))
    }
    assert read == marked, read
    assert "--train_split split1_train --eval_split split1_test" in caplog.text
    assert "'split1_train' (6 clips) and 'split1_test' (4 clips), and its 2 clips of 0 are left out" in caplog.text
    # the protocols share clips by design: one line for them, not one a pair of splits (12 of HMDB51's 6 splits)
    assert "in both split" not in caplog.text and caplog.text.count("splits of different protocols share") == 1


@pytest.mark.parametrize("hmdb51", [True, False])
def test_a_stream_of_hmdb51_protocol_splits_names_its_subset_column(tmp_path, caplog, hmdb51):
    """Streamed, a split's `subset` marks cannot be read ahead of its rows, and every row was trained on, test clips
    among them, without a word: the column is named, with what to do. Beside clips not named as HMDB51's (a user's
    folds 0-2), it is another column, read as rows without a word, as it is read whole."""
    from vivit_hf.training.data.streaming import open_streaming_dataset

    _protocol_splits(tmp_path, [1, 1, 1, 2, 2, 0], hmdb51=hmdb51)
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.streaming"):
        data = open_streaming_dataset(str(tmp_path), cache_dir=str(tmp_path / "cache"))
    assert set(data.splits) == {"split1", "split2"}
    said = "integer 'subset' column, as HMDB51's Hub copies mark each clip"
    assert (said in caplog.text and "leave --streaming out" in caplog.text) == hmdb51, caplog.text


def _lfs_pointer(path: Path) -> None:
    """What a `git clone` without git-lfs leaves in place of `path`: a pointer naming its sha256 and size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"version https://git-lfs.github.com/spec/v1\noid sha256:{'ab' * 32}\nsize {len(path.name)}\n")


@pytest.mark.parametrize("pointers", ["every split", "test only"])
def test_ucf101_clips_cloned_as_git_lfs_pointers_are_named_before_the_run(tmp_path, caplog, pointers):
    """A UCF101 repo cloned without `git lfs pull`: each clip a 130-byte pointer, read as a clip, skipped and counted
    only as it failed to decode, deep in training, which then trained on nothing. Refused before the run, naming the
    pointers and `git lfs pull`; a split of real clips beside one of pointers (a partial pull): that one is named."""
    names = {c: [f"v_{c}_g{g:02d}_c01.avi" for g in range(8, 12)] for c in ("Archery", "Bowling")}
    lists = _ucf101_train_list(tmp_path, names)
    test = {c: [f"v_{c}_g01_c01.avi", f"v_{c}_g02_c01.avi"] for c in names}
    (lists / "lists" / "testlist01.txt").write_text("".join(f"{c}/{n}\n" for c in test for n in test[c]))
    for files, pointer in ((names, pointers == "every split"), (test, True)):
        for c, clips in files.items():
            for k, name in enumerate(clips):
                path = tmp_path / "UCF-101" / c / name
                _lfs_pointer(path) if pointer else clip(path, seed=k)
    said = r"are Git LFS pointers \(130-byte texts\) .* `git lfs install && git lfs pull`"
    if pointers == "every split":
        with pytest.raises(DatasetFormatError, match=rf"split 'train': 8 of 8 clips looked at .*{said}"):
            load_video_dataset(tmp_path, "ucf101")
        return
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "ucf101")
    assert len(data.split("train")) == 8 and len(data.split("test")) == 4
    assert re.search(rf"split 'test': 4 of 4 clips looked at .*{said}", caplog.text), caplog.text
    assert "split 'train': " not in caplog.text


@pytest.mark.parametrize(
    "flags, chose",
    [
        (["--train_split", "split1_train", "--eval_split", "split1_test"], True),  # as the warnings advise
        (["--train_split", "split1_train"], False),  # (a share of it held out: --eval_split split1_test advised)
        (["--train_split", "split1_train", "--eval_split", "split2_test"], False),  # (its test clips trained on)
    ],
)
def test_a_run_on_one_hmdb51_protocol_as_advised_gets_one_info_line_not_the_warnings(tmp_path, caplog, flags, chose):
    """A run on CVML-TueAI/HMDB51's split 1, with the very flags the warnings advise (`--train_split split1_train
    --eval_split split1_test`), was warned 4 times on every run (a re-split line for each of the 3 splits, one
    "protocols share clips"): warnings a correct run learns to ignore. Now it gets one INFO line saying how its split
    was read; a run that did not choose one protocol's two splits is warned as before."""
    import contextlib

    from accelerate import PartialState

    from vivit_hf.training import finetune

    PartialState()  # the recipe logs through accelerate
    _protocol_splits(tmp_path, [1, 1, 1, 2, 2, 0])
    accelerator = type("OneProcess", (), {"main_process_first": contextlib.nullcontext})
    args = finetune.parse_args(["--dataset", str(tmp_path), "--dataset_format", "hub", *flags])
    args.cache_dir = str(tmp_path / "cache")
    with caplog.at_level(logging.INFO, logger="vivit_hf"):
        _, train, evaluation, _ = finetune.load_data(args, accelerator)
    said = [(r.levelno, r.getMessage()) for r in caplog.records if "protocol" in r.getMessage()]
    warned = [message for level, message in said if level >= logging.WARNING]
    if chose:
        assert (len(train), len(evaluation)) == (6, 4) and not warned, warned
        assert len(said) == 1 and said[0][1].startswith("split 'split1': read as HMDB51's protocol"), said
        assert "'split1_train' (6 clips) and 'split1_test' (4 clips), its 2 clips of 0 left out" in said[0][1]
        return
    assert len(warned) == 3 and len(said) == 3, said  # (2 splits re-split, 1 "share clips")
    assert sum("splits of different protocols share clips" in message for message in warned) == 1, warned


@pytest.mark.parametrize(
    "chosen, origin",
    [
        (("split1_train", "split1_test"), "split1"),  # finetune.py as advised
        (("split1_test",), "split1"),  # evaluate.py --split split1_test
        (("split1_train", None), None),  # (a share of split1_train held out: --eval_split split1_test advised)
        (("split1_train", "split2_test"), None),  # (split 2's test clips are split 1's training clips too)
        (("train", None), "train"),  # a lone `train` read as `train` / `test`: `test` the default evaluation split
        (None, None),  # a read for no run (load_video_dataset alone)
    ],
)
def test_the_protocol_a_run_chose_is_one_protocols_parts_with_its_test_split(chosen, origin):
    """Which runs are told in one INFO line, not warned, how HMDB51's protocol splits were read (evaluate.py passes
    its --split alone; None is the data set's default evaluation split)."""
    from vivit_hf.training.data.examples import chosen_protocol

    protocols = {"split1_train": "split1", "split1_test": "split1", "split2_train": "split2", "split2_test": "split2"}
    if chosen and chosen[0] == "train":
        protocols = {"train": "train", "test": "train"}
    assert chosen_protocol(protocols, chosen) == origin
