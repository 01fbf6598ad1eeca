# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A WebDataset split read whole (`--dataset_format hub`, not streamed) is shared out between processes by position,
and machines that each read their own copy compare `examples_digest` before training. The digest named each shard
by its file name: copies holding like-named shards in other folders (`train/a/000.tar`, `train/b/000.tar`), read in
another order, had one digest when their shards' labels ran alike, and each machine trained on other clips at the
same positions without a word. A checkpoint or a held-out share recorded by an earlier version still matches."""

import pytest
from test_data_hub_layouts import video_bytes
from test_stream_digest_shard_paths import two_copies as shard_copies

from vivit_hf.training.data import load_video_dataset
from vivit_hf.training.data.examples import earlier_examples_digest, examples_digest

datasets = pytest.importorskip("datasets")


def two_copies(tmp_path):
    """Copy `one` holds shard P at `train/a/000.tar` and Q at `train/b/000.tar`; copy `two` holds Q at
    `train/b/000.tar` and P at `train/c/000.tar`. P and Q hold other clips under the same member names and labels."""
    return shard_copies(tmp_path, label=lambda shard, member: member)


def whole(folder, cache):
    return load_video_dataset(str(folder), "hub", cache_dir=str(cache)).split("train")


def assert_other_clips_have_other_digests(one, two, tmp_path):
    """Copies `one` and `two` read whole hold other clips at the same positions under the same labels (the
    reference): their digests differ, and the same copy read again has the same digest."""
    first, second = whole(one, tmp_path / "c1"), whole(two, tmp_path / "c2")
    assert [video_bytes(e["video"]) for e in first] != [video_bytes(e["video"]) for e in second]
    assert [e["label"] for e in first] == [e["label"] for e in second]
    assert examples_digest(first) != examples_digest(second)
    assert examples_digest(first) == examples_digest(whole(one, tmp_path / "c3"))  # the same copy: the same digest


def assert_resumes_as_recorded(recorded, first, second):
    """A checkpoint on which an earlier version `recorded` its digest of `first` resumes on `first`; one of this
    version's, trained on `first`, is refused on `second`."""
    from vivit_hf.training.finetune import check_resume_clips

    assert earlier_examples_digest(first) == recorded
    assert check_resume_clips(recorded, examples_digest(first), earlier_examples_digest(first)) == []
    with pytest.raises(ValueError, match="not the one it was trained on"):
        check_resume_clips(examples_digest(first), examples_digest(second), earlier_examples_digest(second))


def test_copies_of_like_named_shards_read_whole_in_another_order_have_other_digests(tmp_path):
    assert_other_clips_have_other_digests(*two_copies(tmp_path), tmp_path)


def test_a_checkpoint_recorded_on_like_named_shards_by_an_earlier_version_still_resumes(tmp_path):
    one, two = two_copies(tmp_path)
    # the reference: the digest earlier versions recorded, of `<shard file name>/<member>` and labels
    named = [{"video": "", "id": f"000.tar/{k:06d}.mp4", "label": k} for _ in range(2) for k in range(2)]
    assert_resumes_as_recorded(examples_digest(named), whole(one, tmp_path / "c1"), whole(two, tmp_path / "c2"))


def test_a_held_out_share_recorded_on_like_named_shards_by_an_earlier_version_is_evaluated(tmp_path):
    """evaluate.py refuses a held-out share drawn again from a data set that changed since fine-tuning: a model an
    earlier version fine-tuned recorded the share's digest of shard file names, and is evaluated on the same data."""
    import json
    from types import SimpleNamespace

    from vivit_hf.training.data.subsets import hold_out
    from vivit_hf.training.evaluation import refuse_another_held_out_share

    one, two = two_copies(tmp_path)
    data = load_video_dataset(str(one), "hub", cache_dir=str(tmp_path / "c1"))
    held = hold_out(data.split("train"), 0.5, seed=0)[1]
    # the reference: the held-out clips' ids as earlier versions named them, `<shard file name>/<member>`
    named = [
        {"video": "", "id": f"000.tar/{i.rpartition('/')[2]}", "label": e["label"]}
        for i, e in zip([e["id"] for e in held], held)
    ]
    model = tmp_path / "model"
    model.mkdir()
    (model / "run_settings.json").write_text(json.dumps({"held_out_digest": examples_digest(named)}))
    args = SimpleNamespace(model=str(model), dataset=str(one))
    refuse_another_held_out_share(args, "train", 50, held, data)  # not refused
    other = load_video_dataset(str(two), "hub", cache_dir=str(tmp_path / "c2"))
    (model / "run_settings.json").write_text(json.dumps({"held_out_digest": examples_digest(held)}))
    with pytest.raises(SystemExit):
        refuse_another_held_out_share(args, "train", 50, hold_out(other.split("train"), 0.5, seed=0)[1], other)


def test_a_held_out_share_recorded_by_an_earlier_version_in_the_models_own_class_ids_is_evaluated(tmp_path):
    """A model of an earlier version recorded its share's digest by shard file name and, where it numbered the
    classes otherwise (class folders beside a data card, numbered sorted), by its own class ids: both at once were
    compared with neither, and the model was refused evaluation on the share it was fine-tuned without."""
    import json
    from types import SimpleNamespace

    from vivit_hf.training.data.subsets import hold_out
    from vivit_hf.training.evaluation import refuse_another_held_out_share

    one, _ = two_copies(tmp_path)
    data = load_video_dataset(str(one), "hub", cache_dir=str(tmp_path / "c1"))
    held = hold_out(data.split("train"), 0.5, seed=0)[1]
    model = tmp_path / "model"
    model.mkdir()
    names = data.label_names
    (model / "config.json").write_text(json.dumps({"id2label": {"0": names[1], "1": names[0]}}))  # its own ids
    # the reference: the share as the earlier version recorded it, `<shard file name>/<member>` by the model's ids
    named = [{"video": "", "id": f"000.tar/{e['id'].rpartition('/')[2]}", "label": 1 - e["label"]} for e in held]
    (model / "run_settings.json").write_text(json.dumps({"held_out_digest": examples_digest(named)}))
    args = SimpleNamespace(model=str(model), dataset=str(one))
    refuse_another_held_out_share(args, "train", 50, held, data)  # not refused
    other = [{**e, "id": f"{e['id']}.other"} for e in named]  # another share, by the model's ids: refused
    (model / "run_settings.json").write_text(json.dumps({"held_out_digest": examples_digest(other)}))
    with pytest.raises(SystemExit):
        refuse_another_held_out_share(args, "train", 50, held, data)
