# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The id a `hub` row is known by in predictions and skip messages, whole and streamed: a WebDataset sample by its
shard and member (keys repeat across shards), a table row by its own `id` column (not its position in a stream)."""

import logging
import tarfile

import pyarrow.parquet as pq
import pytest
from test_data_hub_layouts import sources, write_tar

from vivit_hf.training.data.formats import example_ids, load_video_dataset
from vivit_hf.training.data.streaming import StreamingVideoDataset, open_streaming_dataset

datasets = pytest.importorskip("datasets")


def streamed_ids(root, cache) -> list[str]:
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    split = open_streaming_dataset(str(root), cache_dir=cache).split("train")
    batches = [b for b in StreamingVideoDataset(split, processor, batch_size=2) if not b.get("end")]
    return [clip_id for batch in batches for clip_id in batch["ids"]]


def test_webdataset_samples_whose_keys_repeat_across_shards_are_named_by_shard_and_member(tmp_path, caplog):
    clips = [s.read_bytes() for s in sources(tmp_path, 3)] + [b"not a video"]
    root = tmp_path / "repo"
    for shard in range(2):  # each shard numbers its samples from 000000, as writers do
        samples = [(f"{k:06d}", {"mp4": clips[2 * shard + k], "cls": str(k).encode()}) for k in range(2)]
        write_tar(root / "train" / f"shard-{shard}.tar", samples)
    # the reference: each clip as the tars hold it, `<shard>/<member>`
    members = [
        f"{tar.name}/{member.name}"
        for tar in sorted((root / "train").glob("*.tar"))
        for member in tarfile.open(tar)
        if member.name.endswith(".mp4")
    ]
    assert len(set(members)) == 4
    cache = str(tmp_path / "cache")
    assert example_ids(load_video_dataset(root, "hub", cache_dir=cache).splits["train"]) == members
    with caplog.at_level(logging.WARNING):
        assert sorted(streamed_ids(root, cache)) == sorted(members)
    broken = [r.getMessage() for r in caplog.records if "broken clip" in r.getMessage()]
    assert len(broken) == 1 and broken[0].startswith(f"skipping broken clip {members[3]}")


def test_a_table_rows_own_id_column_names_it_whole_and_streamed(tmp_path):
    videos = [{"path": None, "bytes": s.read_bytes()} for s in sources(tmp_path, 3)]
    features = datasets.Features(
        {
            "video": datasets.Video(),
            "label": datasets.ClassLabel(names=["sit", "stand"]),
            "id": datasets.Value("string"),
        }
    )
    table = tmp_path / "repo" / "data" / "train-00000-of-00001.parquet"
    table.parent.mkdir(parents=True)
    rows = {"video": videos, "label": [1, 0, 1], "id": ["yt_abc_000010", "yt_def_000020", "yt_ghi_000030"]}
    datasets.Dataset.from_dict(rows, features=features).to_parquet(table)
    reference = pq.read_table(table, columns=["id"])["id"].to_pylist()
    cache = str(tmp_path / "cache")
    assert example_ids(load_video_dataset(table.parents[1], "hub", cache_dir=cache).splits["train"]) == reference
    assert streamed_ids(table.parents[1], cache) == reference


def test_a_table_with_a_key_column_but_no_url_is_read_as_a_table(tmp_path):
    """A table that kept a WebDataset's `__key__` but not its `__url__` (a converted or trimmed export) failed its
    whole read with a KeyError for `__url__`; its rows are named as the same table's rows without the column."""
    videos = [{"path": None, "bytes": s.read_bytes()} for s in sources(tmp_path, 2)]
    features = {"video": datasets.Video(), "label": datasets.ClassLabel(names=["sit", "stand"])}
    rows = {"video": videos, "label": [0, 1]}

    def whole_ids(name, **columns):
        more = {column: datasets.Value("string") for column in columns}
        table = tmp_path / name / "data" / "train-00000-of-00001.parquet"
        table.parent.mkdir(parents=True)
        datasets.Dataset.from_dict({**rows, **columns}, features=datasets.Features({**features, **more})).to_parquet(
            table
        )
        data = load_video_dataset(table.parents[1], "hub", cache_dir=str(tmp_path / f"cache_{name}"))
        return example_ids(data.splits["train"])

    assert whole_ids("keyed", __key__=["k0", "k1"]) == whole_ids("plain")  # the reference: the table without it
