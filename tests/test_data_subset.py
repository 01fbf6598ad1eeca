# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`--max_train_samples` / `--max_eval_samples`: a seeded subset drawn across the classes, not the first N.

The adapters list examples class by class, so the first N of the bundled set (120 training clips per class) are the
first one or two classes only; a subset must cover every class, be the same for a seed (on every process: it may
depend on nothing but the seed and the examples) and change with the seed.
"""

import random
from collections import Counter
from pathlib import Path

import pytest
import torch

from vivit_hf.training.data.formats import DatasetFormatError, hold_out, sample_subset

REPO = Path(__file__).resolve().parents[1]


def class_ordered(sizes):
    """Examples as the adapters list them: every clip of class 0, then class 1, ..."""
    return [{"video": f"c{label}_{i}.mp4", "label": label} for label, size in enumerate(sizes) for i in range(size)]


def test_a_subset_of_the_bundled_sets_size_covers_every_class_in_proportion():
    examples = class_ordered([120] * 8)
    subset = sample_subset(examples, 160, seed=0)
    # 160 of 960 balanced clips: 160 / 8 = 20 of each class (the first 160 would be 120 + 40 of two classes).
    assert len(subset) == 160
    assert Counter(e["label"] for e in subset) == {label: 20 for label in range(8)}
    assert len({e["video"] for e in subset}) == 160


def test_a_subset_is_reproducible_for_a_seed_whatever_the_global_random_state():
    examples = class_ordered([120] * 8)
    first = [e["video"] for e in sample_subset(examples, 160, seed=0)]
    # Another process has drawn other numbers from the global generators: the subset must not change.
    random.seed(123)
    torch.manual_seed(123)
    random.random()
    assert [e["video"] for e in sample_subset(examples, 160, seed=0)] == first
    other = [e["video"] for e in sample_subset(examples, 160, seed=1)]
    assert set(other) != set(first)
    assert Counter(int(v[1]) for v in other) == {label: 20 for label in range(8)}


def test_unbalanced_classes_keep_their_share_and_a_rare_class_is_not_lost():
    # 60 / 30 / 10 examples, 10 drawn: shares 6 / 3 / 1.
    assert Counter(e["label"] for e in sample_subset(class_ordered([60, 30, 10]), 10, seed=5)) == {0: 6, 1: 3, 2: 1}
    # 98 / 1 / 1 examples, 3 drawn: each class once (proportional shares would give class 0 all three).
    assert Counter(e["label"] for e in sample_subset(class_ordered([98, 1, 1]), 3, seed=0)) == {0: 1, 1: 1, 2: 1}


def test_each_class_is_drawn_within_the_bound_its_docstring_gives_over_random_trials():
    """A class of `n` of `N` clips in `C` classes: less than one over its share `S * n / N`, at most `(C - 1) * n / N`
    under (the docstring said "within one example": 1.24 under, and 8.2 where one class is most of the data)."""
    rng = random.Random(0)
    for trial in range(300):
        sizes = [rng.choice([1, 2, rng.randint(1, 40)]) for _ in range(rng.randint(1, 9))]
        total, classes = sum(sizes), len(sizes)
        drawn = rng.randint(1, max(1, total - 1))
        got = Counter(e["label"] for e in sample_subset(class_ordered(sizes), drawn, seed=trial))
        for label, size in enumerate(sizes):
            share = min(drawn, total) * size / total
            assert share - (classes - 1) * size / total - 1e-9 <= got[label] < share + 1, (sizes, drawn, label)
    got = Counter(e["label"] for e in sample_subset(class_ordered([1000] + [10] * 9), 10, seed=0))
    assert got == dict.fromkeys(range(10), 1)  # 1 of 9.17 (share - 8.17), at the bound 9 * 1000 / 1090 = 8.26


def test_asking_for_as_many_or_more_examples_than_there_are_keeps_them_all_in_order():
    examples = class_ordered([3, 2])
    assert list(sample_subset(examples, 5, seed=0)) == examples
    assert list(sample_subset(examples, 50, seed=0)) == examples
    with pytest.raises(ValueError, match="at least 1"):
        sample_subset(examples, 0, seed=0)


def test_two_head_labels_are_stratified_by_their_pair():
    # Epic Kitchens labels are [noun, verb] lists: strata are the (noun, verb) pairs.
    examples = [{"video": f"{i}", "label": [i % 2, i % 3]} for i in range(60)]
    subset = sample_subset(examples, 6, seed=0)
    assert {tuple(e["label"]) for e in subset} == {(a, b) for a in range(2) for b in range(3)}


def test_a_heads_missing_label_is_no_class_a_draw_leaves_out():
    """A clip of Epic Kitchens without its noun (-100) was a class (0, -100) of its own: a draw without such a clip
    was said to leave out the noun named by index -100 (the list's 200th name from its end), never trained on."""
    from vivit_hf.training.data import subsets

    examples = [{"video": f"{i}", "label": label} for i, label in enumerate([[0, 1], [-100, 0], [1, 1], [2, 0]])]
    assert subsets.classes_left_out(examples, [examples[0], examples[2]]) == [(0, 2), (1, 0)]
    classes_carried, classes_left_out = subsets.classes_carried, subsets.classes_left_out
    assert classes_carried(examples) == {(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)}  # (evaluate's classes scored)
    assert classes_left_out(class_ordered([1, 2, 1]), class_ordered([1, 2])) == [(0, 2)]  # one head: head 0's


def test_finetune_draws_both_subsets_across_classes(tmp_path):
    import contextlib

    import numpy as np

    from vivit_hf.training import finetune
    from vivit_hf.training.data.synthetic import write_video

    frames = np.zeros((2, 16, 16, 3), np.uint8)
    for split, count in (("train", 10), ("test", 5)):
        for name in ("a", "b", "c", "d"):
            for i in range(count):
                path = tmp_path / split / name / f"{i}.mp4"
                path.parent.mkdir(parents=True, exist_ok=True)
                write_video(frames, path)

    class OneProcess:
        main_process_first = contextlib.nullcontext

    args = finetune.parse_args(
        [
            "--model",
            "spatio_temporal",
            "--dataset",
            str(tmp_path),
            "--max_train_samples",
            "8",
            "--max_eval_samples",
            "4",
        ]
    )
    data, train, evaluation, eval_split = finetune.load_data(args, OneProcess())
    # 8 of 40 training clips: 2 per class; 4 of 20 test clips: 1 per class (the first N were all class "a").
    assert Counter(data.label_names[e["label"]] for e in train) == {"a": 2, "b": 2, "c": 2, "d": 2}
    assert Counter(data.label_names[e["label"]] for e in evaluation) == {"a": 1, "b": 1, "c": 1, "d": 1}
    # The split named in all_results.json, the log and the model card's model-index is the share scored: it was
    # `test`, so the card stated the top-1 of 4 clips as that of the 20-clip test split.
    assert len(data.split("test")) == 20
    assert eval_split == "test (4 of its 20 clips: --max_eval_samples)"
    assert len(data.split("train")) == 40 and args.trained_split == "train (8 of its 40 clips: --max_train_samples)"


def test_an_evaluation_subset_as_large_as_its_split_is_the_split(tmp_path):
    import contextlib

    import numpy as np

    from vivit_hf.training import finetune
    from vivit_hf.training.data.synthetic import write_video

    frames = np.zeros((2, 16, 16, 3), np.uint8)
    for split in ("train", "test"):
        for name in ("a", "b"):
            path = tmp_path / split / name / "0.mp4"
            path.parent.mkdir(parents=True, exist_ok=True)
            write_video(frames, path)

    class OneProcess:
        main_process_first = contextlib.nullcontext

    args = finetune.parse_args(["--model", "spatio_temporal", "--dataset", str(tmp_path), "--max_eval_samples", "2"])
    assert finetune.load_data(args, OneProcess())[3] == "test"


@pytest.mark.parametrize("samples", [2, 4])
def test_a_training_draw_of_fewer_clips_than_classes_names_the_classes_it_leaves_out(tmp_path, caplog, samples):
    """--max_train_samples 2 of a split of 4 classes fine-tuned the model on 2 of them without a word: its head kept
    an output per class, the other 2 never trained, and the end-of-training check of classes never trained on counts
    the draw's classes only. Said now, naming them, against the classes the draw holds; a draw of every class says
    nothing."""
    import contextlib
    import logging

    from accelerate import PartialState

    from vivit_hf.training import finetune

    for name in ("a", "b", "c", "d"):  # (loading reads no clip)
        for i in range(2):
            (tmp_path / "train" / name).mkdir(parents=True, exist_ok=True)
            (tmp_path / "train" / name / f"{i}.mp4").write_bytes(b"\0" * 16)

    class OneProcess:
        main_process_first = contextlib.nullcontext

    PartialState()  # (accelerate's logger)
    args = finetune.parse_args(["--dataset", str(tmp_path), "--max_train_samples", str(samples)])
    with caplog.at_level(logging.WARNING):
        data, train, *_ = finetune.load_data(args, OneProcess())
    drawn = {data.label_names[example["label"]] for example in train}
    left_out = [name for name in ("a", "b", "c", "d") if name not in drawn]
    said = [record.getMessage().partition("] ")[2] for record in caplog.records if "'s draw" in record.getMessage()]
    assert len(left_out) == 4 - samples and said == [
        f"--max_train_samples 2's draw of split 'train' carries no clip of 2 of its classes: they are never trained "
        f"on ({', '.join(map(repr, left_out))}); an evaluation counts every clip of them wrong. Give at least one "
        "clip per class"
    ] * bool(left_out)


def test_a_hub_split_subset_stays_lazy_and_keeps_row_ids(tmp_path):
    datasets = pytest.importorskip("datasets")
    from test_data_formats import clip

    from vivit_hf.training.data.formats import ExampleSubset, example_ids, load_video_dataset

    video = clip(tmp_path / "src" / "a.mp4").read_bytes()
    labels = [0, 0, 0, 1, 1, 1]
    table = datasets.Dataset.from_dict(
        {"clip": [{"path": None, "bytes": video}] * 6, "label": labels},
        features=datasets.Features({"clip": datasets.Video(), "label": datasets.ClassLabel(names=["a", "b"])}),
    )
    (tmp_path / "repo" / "data").mkdir(parents=True)
    table.to_parquet(str(tmp_path / "repo" / "data" / "train-00000-of-00001.parquet"))
    train = load_video_dataset(str(tmp_path / "repo"), "hub", cache_dir=str(tmp_path / "cache")).split("train")
    subset = sample_subset(train, 2, seed=0)
    # Rows are read only when indexed; the rows have no path, so a row's id is its index in the split.
    assert isinstance(subset, ExampleSubset)
    ids = example_ids(subset)
    assert sorted(labels[int(i)] for i in ids) == [0, 1]
    assert [e["id"] for e in subset] == ids and [e["label"] for e in subset] == [labels[int(i)] for i in ids]


def test_a_held_out_evaluation_split_never_takes_a_class_s_only_clip():
    # A folder with no val/: 10% of train held out at random took the only clip of rare classes (c040, c044, c068,
    # c092 with seed 0): classes never trained on, each clip of them scored wrong, without a word.
    examples = [{"video": f"c{c:03d}/{i}.mp4", "label": c} for c in range(100) for i in range(1 if c % 4 == 0 else 4)]
    for seed in range(5):
        rest, held = hold_out(examples, 0.10, seed=seed)
        assert (len(rest), len(held)) == (293, 32)
        assert sorted(e["video"] for e in rest + held) == sorted(e["video"] for e in examples)
        assert {e["label"] for e in held} <= {e["label"] for e in rest}
        assert {e["label"] for e in rest} == set(range(100))
    assert hold_out(examples, 0.10, seed=3) == hold_out(examples, 0.10, seed=3)


def test_holding_out_of_a_split_of_one_clip_per_class_is_refused():
    examples = [{"video": f"{c}.mp4", "label": c} for c in range(5)]
    with pytest.raises(DatasetFormatError, match="every class has one clip.*give an evaluation split"):
        hold_out(examples, 0.10)


def test_a_clip_listed_twice_is_held_out_with_its_copies_or_not_at_all():
    # A training list naming some clips twice (read twice an epoch, named in a warning): holding out 25% put one
    # copy in the evaluation split and kept the other for training, so the model was scored on clips it trained on.
    examples = [{"video": f"c{c}/{i}.mp4", "label": c, "id": f"c{c}/{i}"} for c in range(4) for i in range(10)]
    examples += [dict(e) for e in examples if int(e["id"][-1]) % 2 == 0]  # every even clip listed again
    held_counts = []
    for seed in range(10):
        rest, held = hold_out(examples, 0.25, seed=seed)
        trained, scored = {e["id"] for e in rest}, {e["id"] for e in held}
        assert not trained & scored, seed
        assert Counter(e["id"] for e in rest + held) == Counter(e["id"] for e in examples)  # nothing lost or added
        assert {e["label"] for e in rest} == set(range(4))
        held_counts.append(len(held))
    assert all(15 <= count <= 16 for count in held_counts), held_counts  # 25% of 60, a copy's twin at most over
    # a split without copies is held out as before: the same draws
    plain = examples[:40]
    assert hold_out(plain, 0.25, seed=1)[1] == [plain[i] for i in sorted(_old_draw(plain, 0.25, 1))]


def _old_draw(examples, fraction, seed):
    """The indices the hold-out drew before copies were kept together: the first `cut` of the non-first picks."""
    from vivit_hf.training.data.subsets import _stratified_priorities

    cut = max(1, round(len(examples) * fraction))
    return {index for _, _, index in [e for e in _stratified_priorities(examples, seed) if e[0] > 0][:cut]}


def test_holding_out_of_a_split_whose_other_clips_are_copies_of_each_class_s_first_is_refused():
    examples = [{"video": f"{c}.mp4", "label": c, "id": str(c)} for c in range(3) for _ in range(3)]
    with pytest.raises(DatasetFormatError, match="copies of the one training needs"):
        hold_out(examples, 0.3)


def test_a_streamed_evaluation_cut_by_max_eval_samples_is_named_as_its_first_clips(tmp_path):
    """Streamed, `--max_eval_samples` keeps the stream's first N clips: the results and card named the split
    (`test`), for a top-1 of its first 2 of 6 clips."""
    import numpy as np

    from vivit_hf.training import finetune
    from vivit_hf.training.data import load_video_dataset
    from vivit_hf.training.data.shard import write_shards
    from vivit_hf.training.data.synthetic import write_video

    frames = np.zeros((2, 16, 16, 3), np.uint8)
    for split, count in (("train", 4), ("test", 3)):
        for name in ("a", "b"):
            for i in range(count):
                path = tmp_path / "clips" / split / name / f"{i}.mp4"
                path.parent.mkdir(parents=True, exist_ok=True)
                write_video(frames, path)
    write_shards(load_video_dataset(str(tmp_path / "clips"), "videofolder"), tmp_path / "shards")

    streamed = ["--model", "spatio_temporal", "--dataset", str(tmp_path / "shards"), "--dataset_format", "hub"]
    streamed += ["--streaming", "--cache_dir", str(tmp_path / "cache")]
    cut = finetune.load_data(finetune.parse_args([*streamed, "--max_eval_samples", "2"]), None)
    assert cut[3] == "test (the first 2 of its 6 clips: --max_eval_samples)" and len(cut[2]) == 2
    assert finetune.load_data(finetune.parse_args([*streamed, "--max_eval_samples", "6"]), None)[3] == "test"
    # evaluating on the split trained on: the cut is the evaluation's alone (it cut the training stream to 2 too)
    from accelerate import PartialState

    PartialState()  # (the run's warning that it evaluates on training clips logs through accelerate)
    same = finetune.parse_args([*streamed, "--eval_split", "train", "--max_eval_samples", "2"])
    same = finetune.load_data(same, None)
    assert len(same[1]) == 8 and len(same[2]) == 2
    # and --max_train_samples' cut is the training's alone: the evaluation was its first 3 clips, named "train"
    same = finetune.load_data(
        finetune.parse_args([*streamed, "--eval_split", "train", "--max_train_samples", "3"]), None
    )
    assert len(same[1]) == 3 and len(same[2]) == 8 and same[3] == "train"


def test_a_held_out_share_of_whole_clips_or_of_another_data_set_s_segments_is_drawn_as_before():
    """EPIC-Kitchens-55's segments are held out a whole video at a time; every other split is held out as earlier
    versions drew it, to the bit: evaluate.py draws the share of a model they fine-tuned again, and compares its
    `examples_digest` with the one fine-tuning recorded (a model of a version before that recorded none: a changed
    draw would score it on clips it trained on). The digests are those the previous version's draws gave."""
    from vivit_hf.training.data.examples import examples_digest

    clips = [{"video": f"/data/c{c}/{i}.mp4", "label": c} for c in range(5) for i in range(2 + 3 * c)]
    clips += [dict(e) for e in clips[::4]]  # some listed twice
    segments = [  # EPIC-100's segments of its untrimmed videos (it has a validation split: held out only if absent)
        {"video": f"/epic/P01/videos/P01_{v:02d}.MP4", "label": [n, (n + v) % 3], "id": f"P01_{v:02d}_{n}",
         "start_seconds": float(n), "end_seconds": n + 1.5}
        for v in range(1, 5) for n in range(6)
    ]  # fmt: skip
    draws = ((0.1, 0), (0.25, 3), (0.5, 7))
    assert [examples_digest(hold_out(clips, f, seed=s)[1]) for f, s in draws] == [
        "6:5e2842d96fde09e5", "12:154fdd4691abb407", "25:882cbf69fcff4b01"
    ]  # fmt: skip
    assert [examples_digest(hold_out(segments, f, seed=s)[1]) for f, s in draws] == [
        "2:169f526ec4965e62", "6:91ddbd2cebbaddbb", "6:7e35ce11b10f4aaa"
    ]  # fmt: skip
    untrimmed = [  # EPIC-55's segments, each naming its video: held out a whole video at a time
        {"video": f"/epic/P01/P01_{v:02d}.MP4", "label": [n % 3, (n + v) % 4], "id": f"{v}_{n}",
         "source_video": f"P01_{v:02d}"}
        for v in range(1, 7) for n in range(5)
    ]  # fmt: skip
    assert [examples_digest(hold_out(untrimmed, f, seed=s)[1]) for f, s in draws] == [
        "5:af1239804fe0a4ea", "10:b8e7c81b4b0503d2", "15:3e4f5dbe0e70489d"
    ]  # fmt: skip


def test_a_heads_missing_label_is_no_class_a_held_out_video_takes_away():
    """A clip without its noun (-100) was counted as a class of its own: the one video holding such clips kept its
    "last clips" of -100 and was never held out, and where every other video holds a class's last clips the split was
    refused. (Draws without -100 are as before: the held-out share "drawn as before" test's untrimmed videos.)"""
    examples = [  # P01_01 alone has verb 0 with noun 2; P01_02's nouns are unlabelled
        {"video": f"/e/P01_0{v}.MP4", "label": [0, noun], "id": f"{v}_{k}", "source_video": f"P01_0{v}"}
        for v, noun in ((1, 2), (2, -100)) for k in range(2)
    ]  # fmt: skip
    rest, held = hold_out(examples, 0.5)
    assert [e["source_video"] for e in held] == ["P01_02", "P01_02"], held


def test_segments_of_one_video_are_not_held_out_by_segment_but_refused():
    # every segment of one untrimmed video (an EPIC-55 copy of one video): no whole video can be held out
    examples = [{"video": "/e/P01.MP4", "label": [k % 2, 0], "id": str(k), "source_video": "P01_01"} for k in range(8)]
    with pytest.raises(DatasetFormatError, match="a whole video at a time.*each of the 1 videos holds some class's"):
        hold_out(examples, 0.25)
