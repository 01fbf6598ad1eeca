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
        f"{tar.relative_to(root).as_posix()}/{member.name}"
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


def assert_named_by_their_shard_below(root, tmp_path):
    """Whole and streamed, the clips of `root`'s train/*/*.tar are named as the tars hold them (the reference):
    `<shard below the data set's folder>/<member>`."""
    members = [
        f"{tar.relative_to(root).as_posix()}/{member.name}"
        for tar in sorted(root.glob("train/*/*.tar"))
        for member in tarfile.open(tar)
        if member.name.endswith(".mp4")
    ]
    assert len(set(members)) == 4
    cache = str(tmp_path / "cache")
    assert sorted(example_ids(load_video_dataset(root, "hub", cache_dir=cache).splits["train"])) == members
    assert sorted(streamed_ids(root, cache)) == members


def test_shards_of_one_name_in_two_folders_give_their_clips_ids_of_their_own_whole_and_streamed(tmp_path):
    """`train/a/000.tar` and `train/b/000.tar` (one writer run per folder) both named their samples
    `000.tar/000000.mp4`: predictions and per-clip results of two clips collided. A shard is named by its path below
    the data set's folder, read whole or streamed."""
    clips = [s.read_bytes() for s in sources(tmp_path, 4)]
    root = tmp_path / "repo"
    for i, folder in enumerate(("a", "b")):
        samples = [(f"{k:06d}", {"mp4": clips[2 * i + k], "cls": str(k).encode()}) for k in range(2)]
        write_tar(root / "train" / folder / "000.tar", samples)
    assert_named_by_their_shard_below(root, tmp_path)


def test_shards_linked_into_the_folder_are_named_by_their_path_in_it_whole_and_streamed(tmp_path):
    """Shards kept elsewhere and linked into the data set's folder (git-annex and DVC link every file so) were named
    by their whole local path (`/home/me/data/train/a/000.tar/000000.mp4`), which went into predictions.jsonl and
    skip warnings: each is named by its link's path below the folder, as a shard held there is."""
    clips = [s.read_bytes() for s in sources(tmp_path, 4)]
    root = tmp_path / "repo"
    for i, folder in enumerate(("a", "b")):
        samples = [(f"{k:06d}", {"mp4": clips[2 * i + k], "cls": str(k).encode()}) for k in range(2)]
        write_tar(tmp_path / "store" / folder / "000.tar", samples)
        (root / "train" / folder).mkdir(parents=True)
        (root / "train" / folder / "000.tar").symlink_to(tmp_path / "store" / folder / "000.tar")
    assert_named_by_their_shard_below(root, tmp_path)  # the links' paths, not where they lead


def test_source_ids_that_repeat_in_shards_of_two_folders_are_said_to_name_different_shards(tmp_path, caplog):
    """Two shard tool runs (sources whose clips share relative names: `train/cat/0.mp4`) nested as `train/a/`,
    `train/b/`: a shard's `json` `id` is its source's, so the 4 clips got 2 ids, and the warning said each was one clip
    listed twice, "read as many times an epoch". It now says that the ids name samples of different shards, naming
    them, and that predictions.jsonl names such clips alike."""
    import json

    clips = [s.read_bytes() for s in sources(tmp_path, 4)]
    root = tmp_path / "repo"
    for i, folder in enumerate(("a", "b")):
        samples = [
            (
                f"train_{k:08d}",
                {"mp4": clips[2 * i + k], "cls": b"0", "json": json.dumps({"id": f"train/cat/{k}.mp4"}).encode()},
            )
            for k in range(2)
        ]
        write_tar(root / "train" / folder / "train-00000-of-00001.tar", samples)
    shards = sorted(tar.relative_to(root).as_posix() for tar in root.glob("train/*/*.tar"))  # the reference
    with caplog.at_level(logging.WARNING):
        ids = example_ids(load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache")).splits["train"])
    assert sorted(ids) == ["train/cat/0.mp4", "train/cat/0.mp4", "train/cat/1.mp4", "train/cat/1.mp4"]
    said = [r.getMessage() for r in caplog.records if "train/cat/0.mp4" in r.getMessage()]
    assert len(said) == 1 and "more than once" not in said[0]
    assert said[0].startswith("split 'train': 2 id(s) name samples of different WebDataset shards")
    assert all(repr(shard) in said[0] for shard in shards) and "predictions.jsonl" in said[0]


def test_a_shard_downloaded_from_a_url_or_the_hub_is_named_as_its_stream_names_it(tmp_path, monkeypatch):
    """Read whole, `datasets` downloads an external shard to a hashed file name (`downloads/3f2a...`) and a Hub
    repo's to its snapshot; streamed, a sample's `__url__` is the URL itself. The clips of one shard were
    `<hash>/000000.mp4` in one and `000.tar/000000.mp4` in the other. Both are now the URL and member."""
    import functools
    import http.server
    import threading

    clips = [s.read_bytes() for s in sources(tmp_path, 2)]
    served = tmp_path / "served"
    for i, folder in enumerate(("a", "b")):
        write_tar(served / "train" / folder / "000.tar", [("000000", {"mp4": clips[i], "cls": str(i).encode()})])
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)  # the shards are on this machine's own server
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = [f"{base}/train/a/000.tar", f"{base}/train/b/000.tar"]
    root = tmp_path / "repo"  # a data card whose configs name the shards by URL
    root.mkdir()
    (root / "README.md").write_text(
        "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path:\n"
        + "".join(f"    - {url}\n" for url in urls)
        + "---\n"
    )
    cache = str(tmp_path / "cache")
    try:
        whole = example_ids(load_video_dataset(root, "hub", cache_dir=cache).splits["train"])
        streamed = streamed_ids(root, cache)
    finally:
        server.shutdown()
        server.server_close()
    assert whole == [f"{url}/000000.mp4" for url in urls]
    assert sorted(streamed) == whole
    # a Hub repo's shard: `hf_hub_download`'s snapshot file (whole) and its `hf://` path (streamed)
    from vivit_hf.training.data.hub import shard_namer

    name = shard_namer("someone/videos")
    snapshot = str(tmp_path / "hub" / "datasets--someone--videos" / "snapshots" / "0123abc" / "train" / "a" / "000.tar")
    assert name(snapshot) == name("hf://datasets/someone/videos@0123abc/train/a/000.tar") == "train/a/000.tar"


def test_rows_that_are_segments_of_one_video_are_named_each_by_its_segment_whole_and_streamed(tmp_path, caplog):
    """A metadata table of one row per segment (its segment in `start` / `end`) named every segment of a video by the
    video's path: two lines of predictions.jsonl with one `video_id`. `hub` reads each row's whole video (said in a
    warning); each row is named by its path and segment, the same whole and streamed. A table's own `id` column is
    the user's, to join predictions on: kept as given, as before segments were named."""
    import csv

    root = tmp_path / "repo"
    (root / "train").mkdir(parents=True)
    for name, source in zip(("a.mp4", "b.mp4"), sources(tmp_path, 2)):
        (root / "train" / name).write_bytes(source.read_bytes())
    rows = [("a.mp4", "sit", 0, 2), ("a.mp4", "stand", 2, 4), ("b.mp4", "sit", 0, 2)]
    with open(root / "train" / "metadata.csv", "w", newline="") as f:
        csv.writer(f).writerows([("file_name", "label", "start", "end"), *rows])
    cache = str(tmp_path / "cache")
    with caplog.at_level(logging.WARNING):
        whole = example_ids(load_video_dataset(root, "hub", cache_dir=cache).splits["train"])
        streamed = streamed_ids(root, cache)
    # the reference: the table's own rows
    assert [i.rpartition("/")[2] for i in whole] == [f"{name}@{start}-{stop}" for name, _, start, stop in rows]
    assert len(set(whole)) == 3 and sorted(streamed) == sorted(whole)
    unread = [r.getMessage() for r in caplog.records if "does not cut" in r.getMessage()]
    assert len(unread) == 2 and "'start' and 'end'" in unread[0]  # whole and streamed
    # a table's own ids: as given, whole and streamed
    with open(root / "train" / "metadata.csv", "w", newline="") as f:
        csv.writer(f).writerows(
            [("file_name", "label", "id", "start", "end"), *[(*r[:2], f"clip-{i}", *r[2:]) for i, r in enumerate(rows)]]
        )
    cache = str(tmp_path / "cache2")
    assert example_ids(load_video_dataset(root, "hub", cache_dir=cache).splits["train"]) == [
        "clip-0",
        "clip-1",
        "clip-2",
    ]
    assert sorted(streamed_ids(root, cache)) == ["clip-0", "clip-1", "clip-2"]


def test_the_digest_of_a_split_is_the_one_earlier_versions_recorded_though_its_ids_name_more(tmp_path):
    """A resume (`check_resume_clips`) and a held-out share's evaluation compare `examples_digest` with the one a run
    recorded: shards named by their path and rows by their segment must not make a checkpoint of the same data look
    like another data set's. The earlier digest is of the ids as they were: `<shard file>/<member>`, a row's own id;
    the digest names like-named shards by their path (`test_data_shard_digest.py`)."""
    from vivit_hf.training.data.examples import earlier_examples_digest, examples_digest
    from vivit_hf.training.data.formats import example_labels, hold_out, sample_subset

    clips = [s.read_bytes() for s in sources(tmp_path, 4)]
    root = tmp_path / "repo"
    for i, folder in enumerate(("a", "b")):
        samples = [(f"{k:06d}", {"mp4": clips[2 * i + k], "cls": str(k).encode()}) for k in range(2)]
        write_tar(root / "train" / folder / "000.tar", samples)
    train = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache")).splits["train"]
    assert len(set(example_ids(train))) == 4
    # the reference: the same rows as plain examples, named as earlier versions named them
    earlier = [{"video": "", "id": f"000.tar/{clip_id.rpartition('/')[2]}"} for clip_id in example_ids(train)]
    for example, label in zip(earlier, example_labels(train)):
        example["label"] = label
    assert earlier_examples_digest(train) == examples_digest(earlier)
    subset = sample_subset(train, 2, seed=0)
    kept = [earlier[example_ids(train).index(clip_id)] for clip_id in example_ids(subset)]
    assert earlier_examples_digest(subset) == examples_digest(kept)
    # the held-out share an evaluation of `--validation_split_percentage` checks (`evaluated_clips_digest`)
    _, held = hold_out(train, 0.5, seed=0)
    held_earlier = [earlier[example_ids(train).index(clip_id)] for clip_id in example_ids(held)]
    assert earlier_examples_digest(held) == examples_digest(held_earlier)


def test_streamed_source_ids_that_repeat_in_shards_or_splits_are_named_as_the_whole_read_names_them(tmp_path, caplog):
    """Streamed, shards whose `json` ids repeat (two shard tool runs nested as `train/a/`, `train/b/`; a clip written
    into both the training and the validation shards) said nothing: copies read twice an epoch, or a training clip
    scored on. The stream reads the shards' `.json` members once and warns as the whole read does."""
    import json

    clips = [s.read_bytes() for s in sources(tmp_path, 4)]
    root = tmp_path / "repo"
    for i, folder in enumerate(("train/a", "train/b", "validation")):
        samples = [
            (
                f"s_{k:08d}",
                {"mp4": clips[(2 * i + k) % 4], "cls": b"0", "json": json.dumps({"id": f"cat/{k}.mp4"}).encode()},
            )
            for k in range(2)
        ]
        write_tar(root / folder / "shard-00000.tar", samples)
    # the reference: the whole read's warnings on the same shards
    with caplog.at_level(logging.WARNING):
        load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
    whole = sorted(r.getMessage() for r in caplog.records if "cat/0.mp4" in r.getMessage())
    assert len(whole) == 2 and "different WebDataset shards" in whole[1] and "both split" in whole[0]
    shards = sorted(tar.relative_to(root).as_posix() for tar in root.glob("train/*/*.tar"))
    assert all(repr(shard) in whole[1] for shard in shards)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        open_streaming_dataset(str(root), cache_dir=str(tmp_path / "stream"))
    assert sorted(r.getMessage() for r in caplog.records if "cat/0.mp4" in r.getMessage()) == whole
