# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A stream's digest (`examples_digest`: machines that each stream their own copy must hold the same shards, a resume
its checkpoint's) names each shard by its path in the folder: by file name alone, like-named shards in other folders
were the same data. A checkpoint of an earlier version, which recorded the file names' digest, still resumes."""

import hashlib
import json
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_data_hub_layouts import sources, write_tar

from vivit_hf.training.data.examples import examples_digest
from vivit_hf.training.data.streaming import open_streaming_dataset

datasets = pytest.importorskip("datasets")


def two_copies(tmp_path, label=lambda shard, member: shard):
    """Copy `one` holds shard P at `train/a/000.tar` and Q at `train/b/000.tar`; copy `two` holds Q at
    `train/b/000.tar` and P at `train/c/000.tar`: like-named shards of the same sizes, streamed in the other order.
    `label(shard, member)`: each clip's class (by default its shard's: P's 0, Q's 1)."""
    clips = [s.read_bytes() for s in sources(tmp_path, 4)]
    shards = [
        [(f"{k:06d}", {"mp4": clips[2 * i + k], "cls": str(label(i, k)).encode()}) for k in range(2)] for i in range(2)
    ]
    one, two = tmp_path / "one", tmp_path / "two"
    write_tar(one / "train" / "a" / "000.tar", shards[0])
    write_tar(one / "train" / "b" / "000.tar", shards[1])
    write_tar(two / "train" / "b" / "000.tar", shards[1])
    write_tar(two / "train" / "c" / "000.tar", shards[0])
    return one, two


def streamed_labels(split) -> list:
    return [row["cls"] for row in split.dataset.select_columns(["cls"])]


def test_like_named_shards_in_other_folders_give_another_stream_digest(tmp_path):
    one, two = two_copies(tmp_path)
    first = open_streaming_dataset(str(one), cache_dir=str(tmp_path / "cache1")).split("train")
    second = open_streaming_dataset(str(two), cache_dir=str(tmp_path / "cache2")).split("train")
    # the reference: the copies stream their clips in another order (shared out by position between processes)
    assert streamed_labels(first) != streamed_labels(second)
    assert sorted(streamed_labels(first)) == sorted(streamed_labels(second))
    assert examples_digest(first) != examples_digest(second)
    assert examples_digest(first) == examples_digest(
        open_streaming_dataset(str(one), cache_dir=str(tmp_path / "c3")).split("train")
    )


def test_a_checkpoint_of_an_earlier_version_resumes_on_its_data_and_not_on_other_data(tmp_path):
    from vivit_hf.training.data.examples import earlier_examples_digest
    from vivit_hf.training.finetune import check_resume_clips

    one, two = two_copies(tmp_path)
    first = open_streaming_dataset(str(one), cache_dir=str(tmp_path / "cache1")).split("train")
    second = open_streaming_dataset(str(two), cache_dir=str(tmp_path / "cache2")).split("train")
    # the reference: the digest earlier versions recorded, of the shards' file names and clip counts
    tars = sorted((one / "train").glob("*/*.tar"))
    sizes = [sum(member.name.endswith(".mp4") for member in tarfile.open(tar)) for tar in tars]
    names = [tar.name for tar in tars]
    hashed = hashlib.sha256(json.dumps([len(tars), names, sizes, None]).encode()).hexdigest()[:16]
    recorded = f"{sum(sizes)} clips in {len(tars)} shards:{hashed}"
    assert earlier_examples_digest(first) == recorded
    assert check_resume_clips(recorded, examples_digest(first), earlier_examples_digest(first)) == []
    # a checkpoint of this version, resumed on the other copy, is refused
    with pytest.raises(ValueError, match="not the one it was trained on"):
        check_resume_clips(examples_digest(first), examples_digest(second), earlier_examples_digest(second))


def test_a_shard_folder_moved_elsewhere_keeps_its_held_out_share_and_its_stream_digest(tmp_path):
    """Clips of WebDataset shards without a `json` id are named `<shard's path in the folder>/<member>`: a folder moved
    to another place (another mount) or reached through a link keeps its ids, so a model's recorded held-out share
    (`held_out_digest`, evaluate.py's check) and a checkpoint's stream digest still match it, whole and streamed."""
    import shutil

    from vivit_hf.training.data import load_video_dataset
    from vivit_hf.training.data.examples import example_ids
    from vivit_hf.training.data.subsets import hold_out

    clips = [s.read_bytes() for s in sources(tmp_path, 4)]
    first = tmp_path / "first" / "shards"
    for shard in range(3):
        samples = [(f"{k:06d}", {"mp4": clips[k], "cls": str(k % 2).encode()}) for k in range(4)]
        write_tar(first / "train" / ("a" if shard else "b") / f"{shard:03d}.tar", samples)

    def read(folder, cache):
        whole = load_video_dataset(str(folder), "hub", cache_dir=str(tmp_path / cache)).split("train")
        held = hold_out(whole, 0.25, seed=0)[1]
        stream = open_streaming_dataset(str(folder), cache_dir=str(tmp_path / f"{cache}s")).split("train")
        return example_ids(held), examples_digest(held), examples_digest(stream)

    before = read(first, "c1")
    assert before[0][0].startswith(("train/a/", "train/b/"))  # the reference: ids below the folder, as written
    moved = tmp_path / "mount" / "elsewhere"
    shutil.move(str(first), str(moved))
    (tmp_path / "link").symlink_to(moved)
    assert read(moved, "c2") == before
    assert read(tmp_path / "link", "c3") == before


CARD = (
    "---\ndataset_info:\n  features:\n  - name: mp4\n    dtype: video\n  - name: txt\n    dtype:\n"
    "      class_label:\n        names:\n          '0': stand\n          '1': sit\n---\n"
)


def test_streamed_copies_numbering_the_classes_otherwise_stop_every_process_naming_both(tmp_path, monkeypatch):
    """Copies of the same shards, one beside a data card listing `stand, sit` and one without it (classes sorted):
    a stream's digest is of its shards alone, so the processes agreed, and each machine trained the same clips
    under other class ids without a word. The processes now compare the classes too (`agree_on_examples`)."""
    from vivit_hf.training import agreement

    samples = [(f"{k:06d}", {"mp4": bytes([k]) * 8, "txt": label.encode()}) for k, label in enumerate(("sit", "stand"))]
    for copy in ("card", "bare"):
        write_tar(tmp_path / copy / "train" / "000.tar", samples)
    (tmp_path / "card" / "README.md").write_text(CARD)
    one, two = (open_streaming_dataset(str(tmp_path / c), cache_dir=str(tmp_path / f"c_{c}")) for c in ("card", "bare"))
    # the reference: the same clips, `sit` class 1 on one machine and class 0 on the other
    assert (one.label_names, two.label_names) == (["stand", "sit"], ["sit", "stand"])
    digests = [{"train": examples_digest(data.split("train"))} for data in (one, two)]
    assert digests[0] == digests[1]  # the digest cannot tell them apart
    views = []
    monkeypatch.setattr(agreement, "_gather", lambda mine: views.append(mine) or [mine])
    agreement.agree_on_examples(digests[0], one.label_spaces)  # rank 0's view, as it would gather it
    monkeypatch.setattr(agreement, "_gather", lambda mine: [views[0], {**mine, "where": "rank 1", "machine": "m1"}])
    monkeypatch.setattr(agreement.dist, "get_rank", lambda: 1)
    monkeypatch.setattr(agreement.dist, "destroy_process_group", lambda: None)
    with pytest.raises(SystemExit) as stopped:
        agreement.agree_on_examples(digests[1], two.label_spaces)
    assert str(stopped.value).startswith(
        "error: the processes number the classes otherwise: 0 'stand', 1 'sit' on rank 0; 0 'sit', 1 'stand' on rank 1."
    )
    agreement.agree_on_examples(digests[0], one.label_spaces)  # numbered alike: they go on


def test_numberings_that_part_after_the_fifth_class_are_shown_where_they_part():
    """The line showed each numbering's first 5 classes: two of 12 classes that part at id 7 (or a copy lacking the
    last class) read the same on both ranks, the difference nowhere in it. It shows them from the first id they
    give to other classes."""
    from vivit_hf.training.agreement import examples_disagreement

    names = [f"c{i}" for i in range(12)]
    swapped = names[:7] + [names[8], names[7]] + names[9:]
    for other, part in ((swapped, "7 'c8', 8 'c7'"), (names[:-1], "none")):
        views = [
            {"classes": {"label": mine}, "where": f"rank {rank}", "digests": {"train": "d"}}
            for rank, mine in enumerate((names, other))
        ]
        said = examples_disagreement(views, {"train": "d"})
        first = 7 if other is swapped else 11
        assert f"(ids 0-{first - 1} alike) {first} 'c{first}'" in said, said
        assert f"(ids 0-{first - 1} alike) {part}" in said and "0 'c0'" not in said, said


def test_a_shard_written_again_with_as_many_clips_gives_another_stream_digest(tmp_path):
    """The digest named the shards and counted their clips: a shard relabelled (a `cls` member of the same size) or
    holding other clips in the same count passed, and a resume or another machine's copy read other clips at the
    same positions. A checkpoint recorded by the version before (names and counts alone) still resumes on its data."""
    clips = [s.read_bytes() for s in sources(tmp_path, 2)]

    def copy(name, labels, order=(0, 1)):
        samples = [(f"{k:06d}", {"mp4": clips[order[k]], "cls": str(labels[k]).encode()}) for k in range(2)]
        write_tar(tmp_path / name / "train" / "000.tar", samples)
        return open_streaming_dataset(str(tmp_path / name), cache_dir=str(tmp_path / f"c_{name}")).split("train")

    first, relabelled, swapped, same = copy("a", "01"), copy("b", "10"), copy("c", "01", (1, 0)), copy("d", "01")
    # the reference: the other copies stream other labels, or other clips, at the same positions
    assert streamed_labels(first) != streamed_labels(relabelled)
    assert [r["mp4"] for r in first.dataset] != [r["mp4"] for r in swapped.dataset]
    assert first.shard_sizes() == relabelled.shard_sizes() == swapped.shard_sizes() == [2]
    assert len({examples_digest(split) for split in (first, relabelled, swapped)}) == 3
    assert examples_digest(first) == examples_digest(same)  # a byte-identical copy elsewhere: the same digest
    from vivit_hf.training.data.examples import earlier_examples_digests
    from vivit_hf.training.finetune import check_resume_clips

    recorded = first.stream_digest(contents=False)  # what the version before recorded: names and counts alone
    assert recorded == relabelled.stream_digest(contents=False)
    assert check_resume_clips(recorded, examples_digest(first), earlier_examples_digests(first)) == []
    with pytest.raises(ValueError, match="not the one it was trained on"):
        check_resume_clips(examples_digest(first), examples_digest(relabelled), earlier_examples_digests(relabelled))


def test_a_parquet_shard_written_again_with_as_many_rows_gives_another_stream_digest(tmp_path):
    """A parquet file rebuilt with the same number of rows, relabelled: the footer's row count alone was digested."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    clips = [s.read_bytes() for s in sources(tmp_path, 2)]
    splits = []
    for name, labels in (("a", [0, 1]), ("b", [1, 0]), ("c", [0, 1])):
        videos = [{"bytes": clip, "path": f"{k}.mp4"} for k, clip in enumerate(clips)]
        (tmp_path / name / "data").mkdir(parents=True)
        pq.write_table(
            pa.table({"video": videos, "label": labels}), tmp_path / name / "data" / "train-00000-of-00001.parquet"
        )
        split = open_streaming_dataset(str(tmp_path / name), cache_dir=str(tmp_path / f"c_{name}")).split("train")
        assert split.shard_sizes() == [2]  # the reference: as many rows in each copy
        splits.append(split)
    digests = [examples_digest(split) for split in splits]
    assert digests[0] != digests[1] and digests[0] == digests[2]
    # the version before's digest could not tell them apart
    assert splits[0].stream_digest(contents=False) == splits[1].stream_digest(contents=False)


class CountedListing(list):
    """A folder's listing in `HfFileSystem`'s cache that counts the passes over it."""

    passes = 0

    def __iter__(self):
        CountedListing.passes += 1
        return super().__iter__()


def hub_stream(monkeypatch, count: int, listed: dict | None = None):
    """A stream of `count` Hub tars in one folder, the Hub's answers (the repo, the folder's listing with `listed`'s
    blob ids and LFS entries) in `HfFileSystem`'s own caches, as its first listing left them."""
    from types import SimpleNamespace

    import huggingface_hub

    revision = "0" * 40
    urls = [f"hf://datasets/me/set@{revision}/train/{i:03d}.tar" for i in range(count)]
    filesystem = huggingface_hub.HfFileSystem()
    monkeypatch.setitem(filesystem._repo_and_revision_exists_cache, ("dataset", "me/set", revision), (True, None))
    listing = CountedListing(
        {"name": url.removeprefix("hf://"), "type": "file", "size": 1, "blob_id": f"b{i}", "lfs": None}
        | (listed or {}).get(url, {})
        for i, url in enumerate(urls)
    )
    monkeypatch.setitem(filesystem.dircache, f"datasets/me/set@{revision}/train", listing)
    return urls, SimpleNamespace(num_shards=count, _ex_iterable=SimpleNamespace(kwargs={"tar_paths": urls}))


def test_a_hub_shard_is_known_by_its_blob_id(monkeypatch):
    """A Hub tar cannot be counted without downloading it (its size is unknown): its contents are known by the blob
    id the Hub lists for it (an LFS file's sha256), so a shard written again at the same path is another shard."""
    from vivit_hf.training.data.stream_contents import stream_contents

    urls, stream = hub_stream(
        monkeypatch, 2, {f"hf://datasets/me/set@{'0' * 40}/train/000.tar": {"lfs": {"sha256": "s0"}}}
    )
    assert stream_contents(stream, "mp4", lambda path: None) == ["s0", "b1"]


def test_a_folder_of_hub_shards_is_looked_up_in_one_pass_and_a_failure_asked_once(monkeypatch):
    """`HfFileSystem.info` found each file by a pass over its folder's listing: 5,000 shards (Kinetics' scale) took
    2.4 s, 20,000 39 s. And a Hub that does not answer was asked again for every shard (a timeout each)."""
    import huggingface_hub

    from vivit_hf.training.data.stream_contents import stream_contents

    urls, stream = hub_stream(monkeypatch, 50)
    CountedListing.passes = 0
    assert stream_contents(stream, "mp4", lambda path: None) == [f"b{i}" for i in range(50)]  # the listing's
    assert CountedListing.passes == 1

    asked = []

    def unreachable(self, path, **kwargs):
        asked.append(path)
        raise ConnectionError("the Hub does not answer")

    monkeypatch.setattr(huggingface_hub.HfFileSystem, "resolve_path", unreachable)
    assert stream_contents(stream, "mp4", lambda path: None) is None
    assert len(asked) == 1


def test_a_saved_to_disk_split_written_again_with_as_many_rows_gives_another_stream_digest(tmp_path, monkeypatch):
    """A `save_to_disk` folder streams as shards of known lengths and no file names: relabelled, it had one digest."""
    monkeypatch.chdir(tmp_path)  # `Video` keeps a row's path, not its bytes, where a 0.mp4 is in the working directory
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=["a", "b"])})
    videos = [{"path": f"{k}.mp4", "bytes": bytes([k]) * 8} for k in range(2)]
    splits = []
    for name, labels in (("x", [0, 1]), ("y", [1, 0]), ("z", [0, 1])):
        rows = datasets.Dataset.from_dict({"video": videos, "label": labels}, features=features)
        assert rows.data.table.column("video").to_pylist() == videos  # the clips' bytes, not a 0.mp4 found here
        datasets.DatasetDict({"train": rows}).save_to_disk(str(tmp_path / name))
        splits.append(open_streaming_dataset(str(tmp_path / name)).split("train"))
    assert [[row["label"] for row in split.dataset] for split in splits] == [[0, 1], [1, 0], [0, 1]]  # the reference
    digests = [examples_digest(split) for split in splits]
    assert digests[0] != digests[1] and digests[0] == digests[2]


@pytest.mark.parametrize("how", ["replaced", "overwritten"])
def test_a_shard_relabelled_to_the_same_size_and_time_gives_another_stream_digest(tmp_path, how):
    """A local tar's index (its samples, ids and the digest's fingerprint) was kept by its size and modification
    time: a shard relabelled to the same size and copied back with its old time (`cp -p`, `rsync -t`) kept the old
    fingerprint, and a resume or another process's copy with the old labels passed. The reference: the digest read
    with the index forgotten."""
    import os

    from vivit_hf.training.data.stream_contents import read_tar_index

    clips = [path.read_bytes() for path in sources(tmp_path, 2)]
    shard, other = tmp_path / "one" / "train" / "000.tar", tmp_path / "other.tar"
    for path, labels in ((shard, "01"), (other, "10")):
        write_tar(path, [(f"{k:06d}", {"mp4": clips[k], "cls": labels[k].encode()}) for k in range(2)])

    def digest() -> str:
        return examples_digest(open_streaming_dataset(str(tmp_path / "one")).split("train"))

    first = digest()
    before = os.stat(shard)
    if how == "replaced":  # rsync: a new file renamed over the old one
        os.replace(other, shard)
    else:  # cp -p: the old file's bytes overwritten
        shard.write_bytes(other.read_bytes())
    os.utime(shard, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(shard)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    if (after.st_ino, after.st_ctime_ns) == (before.st_ino, before.st_ctime_ns):
        pytest.skip("this file system's clock did not tick between the two writes")
    relabelled = digest()
    read_tar_index.cache_clear()
    assert digest() == relabelled != first


def test_a_hub_listing_that_cannot_be_read_is_said_so_at_resume_and_between_processes(monkeypatch):
    """The Hub's listing failing (offline, a transient error) leaves a stream's digest of its shards' names and sizes
    alone: a resume then read "the training split is not the one it was trained on", and a process that could not
    read it stopped every process with "the processes read different clips ... make each machine's copy the same",
    where they stream one Hub repo. Both now say that the shards' contents could not be read, and why."""
    import huggingface_hub

    from vivit_hf.training import agreement
    from vivit_hf.training.data.examples import digest_caveat, earlier_examples_digests
    from vivit_hf.training.data.streaming import StreamingSplit
    from vivit_hf.training.finetune import check_resume_clips

    def split():
        stream = hub_stream(monkeypatch, 2)[1]
        return StreamingSplit(dataset=stream, video_column="mp4", label_column="cls", label_map=None, num_examples=4)

    read = split()
    trained, caveat = examples_digest(read), digest_caveat(read)
    assert caveat["unread"] is None

    def unreachable(self, path, **kwargs):
        raise ConnectionError("the Hub does not answer")

    monkeypatch.setattr(huggingface_hub.HfFileSystem, "resolve_path", unreachable)
    failed = split()
    now, failed_caveat = examples_digest(failed), digest_caveat(failed)
    assert now != trained and now == read.stream_digest(contents=False)  # the reference: names and sizes alone
    assert "the Hub does not answer" in failed_caveat["unread"]
    with pytest.raises(ValueError) as refused:
        check_resume_clips(trained, now, earlier_examples_digests(failed), failed_caveat["unread"])
    said = str(refused.value)
    assert "cannot be checked" in said and "ConnectionError: the Hub does not answer" in said
    assert "not the one it was trained on" not in said

    views = [
        {"digests": {"train": trained}, "caveats": {"train": caveat}, "where": "rank 0"},
        {"digests": {"train": now}, "caveats": {"train": failed_caveat}, "where": "rank 1"},
    ]
    line = agreement.examples_disagreement(views, {"train": trained})
    assert line.startswith(
        "error: the processes cannot tell whether they read the same clips for split 'train': on rank 1 the Hub's"
    )
    assert "the Hub does not answer" in line and "copy" not in line
    # shards that differ in their names or sizes too are still other clips
    views[1]["caveats"]["train"] = {**failed_caveat, "names": "3 clips in 2 shards:0"}
    assert "read different clips" in agreement.examples_disagreement(views, {"train": trained})


def test_hub_parquet_footers_that_cannot_be_read_are_named_as_such_a_hub_tar_unread_by_design_is_not(monkeypatch):
    """A Hub parquet file's row count is read from its footer over the network: a transient failure there left the
    digest without sizes, with the same misleading lines; a Hub tar, never counted (it would be read whole), is no
    failure."""
    from types import SimpleNamespace

    import datasets.utils.file_utils

    from vivit_hf.training.data.streaming import _shard_sizes

    def unreachable(path, *args, **kwargs):
        raise ConnectionError("the Hub does not answer")

    monkeypatch.setattr(datasets.utils.file_utils, "xopen", unreachable)
    url = f"hf://datasets/me/set@{'0' * 40}/data/train-00000-of-00001"
    unread: list[str] = []
    stream = SimpleNamespace(num_shards=1, _ex_iterable=SimpleNamespace(kwargs={"files": [f"{url}.parquet"]}))
    assert _shard_sizes(stream, unread) is None
    assert unread == ["its shards' sizes could not be read: ConnectionError: the Hub does not answer"]
    unread.clear()
    stream = SimpleNamespace(num_shards=1, _ex_iterable=SimpleNamespace(kwargs={"tar_paths": [f"{url}.tar"]}))
    assert _shard_sizes(stream, unread) is None and unread == []


def labelled_tars(root, names: str = "cat dog cat dog cat dog", clip: bytes = b"clip" * 64) -> list:
    """`root/train/00{0,1}.tar`: 3 samples each of a clip (`clip`, never decoded) and a `.txt` class name, and no data
    card: opening the folder reads its whole label column."""
    names = names.split()
    for shard in range(2):
        samples = [(f"{3 * shard + k:06d}", {"mp4": clip, "txt": names[3 * shard + k].encode()}) for k in range(3)]
        write_tar(root / "train" / f"00{shard}.tar", samples)
    return sorted(str(tar) for tar in (root / "train").glob("*.tar"))


def called_from(*functions: str) -> bool:
    """Whether a function of one of these names is on the caller's stack (`inspect.stack()` reads every frame's
    source lines: 10 s of a test that asks at every member read)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_name not in functions:
        frame = frame.f_back
    return frame is not None


def walks_and_scans(monkeypatch, caplog, root, cache) -> tuple:
    """Open `root` as a process of its own would (nothing of an earlier open in memory), and count and digest its
    training split's shards as a streamed run does before its first step: `(data, the tars opened by path and
    walked, label scans, (shard sizes, digest))`. Not counted: the look at one tar's first member that tells
    WebDataset shards from packed folders, and the columns' look at each shard's first sample (neither reads a tar
    through), and the label scan's reads (counted as scans)."""
    import logging

    from vivit_hf.training.data.stream_contents import read_tar_index

    walked, real_open = [], tarfile.open

    def counted_open(name=None, *args, **kwargs):
        peeks = ("_is_webdataset_shard", "webdataset_features_of_every_split", "scan")
        if name is not None and not called_from(*peeks):
            walked.append(str(name))
        return real_open(name, *args, **kwargs)

    read_tar_index.cache_clear()
    caplog.clear()
    with monkeypatch.context() as patched, caplog.at_level(logging.INFO, "vivit_hf.training.data.streaming"):
        patched.setattr(tarfile, "open", counted_open)
        data = open_streaming_dataset(str(root), cache_dir=str(cache))
        counted = (data.split("train").shard_sizes(), examples_digest(data.split("train")))
    scans = [r for r in caplog.records if r.getMessage().startswith("reading the label column of split")]
    return data, sorted(walked), len(scans), counted


def test_the_processes_after_the_first_to_open_a_local_webdataset_read_no_tar_through(tmp_path, monkeypatch, caplog):
    """A WebDataset whose card declares no classes was opened by each process reading its whole label column (every
    tar, the clips' bytes too: 20 000 clips, 12 s) and walking every tar's headers (`read_tar_index`, 6 s), all kept
    in that process's memory alone: N processes, N times the reads. What the first (the main process, which the
    recipes let open it first) found is now kept on disk and read back by the others: the same classes, sizes and
    digest, no tar read through. The reference: the first open, which walked each tar once for the cut-tar check,
    the count and the digest alike (they were three walks, 5 250 tars: 38 s before the first step)."""
    from vivit_hf.training.data.stream_contents import read_tar_index

    tars = labelled_tars(tmp_path / "data")
    first, walked, scans, counted = walks_and_scans(monkeypatch, caplog, tmp_path / "data", tmp_path / "cache")
    # the first process: each tar read once, by the label scan, which indexes it on its way (was walked once more)
    assert walked == [] and scans == 1 and counted[0] == [3, 3] and len(tars) == 2
    second, walked, scans, again = walks_and_scans(monkeypatch, caplog, tmp_path / "data", tmp_path / "cache")
    assert (walked, scans) == ([], 0) and again == counted
    assert second.label_spaces == first.label_spaces == {"label": ["cat", "dog"]}
    assert second.split("train").num_examples == first.split("train").num_examples == 6
    assert [row["mp4"]["bytes"] for row in second.split("train").dataset] == [b"clip" * 64] * 6  # streamed whole
    assert read_tar_index.cache_info().maxsize >= 100_000  # Kinetics-scale shard counts stay in the cache


def test_the_label_scan_of_a_local_webdataset_reads_its_label_members_alone_not_the_clips(tmp_path, monkeypatch):
    """The label scan streamed every tar through `datasets`, reading every member: each clip's bytes (Kinetics:
    every clip of the data set) for a few bytes of label. Only the label members are read now, the clips skipped over
    by the offsets the tar headers give; the labels are those `datasets` reads (the reference: its own stream)."""

    tars = labelled_tars(tmp_path / "data", clip=bytes(70_000))  # clips past the index's small members
    read, real_extract = [], tarfile.TarFile.extractfile

    def recorded(self, member):
        if called_from("scan"):
            read.append(member.name if isinstance(member, tarfile.TarInfo) else member)
        return real_extract(self, member)

    monkeypatch.setattr(tarfile.TarFile, "extractfile", recorded)
    data = open_streaming_dataset(str(tmp_path / "data"), cache_dir=str(tmp_path / "cache"))
    assert sorted(read) == [f"{i:06d}.txt" for i in range(6)] and len(tars) == 2
    split = data.split("train")
    expected = [row["txt"] for row in split.dataset.select_columns(["txt"])]  # datasets' own read of every member
    assert expected == ["cat", "dog"] * 3 and split.num_examples == 6
    assert data.label_spaces == {"label": ["cat", "dog"]} and split.label_map == {"cat": 0, "dog": 1}


def test_class_names_beside_integer_labels_are_read_from_their_members_alone_once_for_every_process(
    tmp_path, monkeypatch
):
    """A WebDataset of `.cls` ids and `.json` class names without a data card (the shard tool's tars, copied without
    their card) named its classes by reading every tar through twice more on every process, each clip's bytes
    included: the ids again, then the names (Kinetics: twice the data set a process before the first step). Both
    come from their members alone now, kept for the other processes as the label scan is. And the first process read
    each tar through three times (its index, the ids, the names: 534 s of its open at 240 000 clips): once now, the
    ids and names in one pass that indexes the tar on its way."""
    from vivit_hf.training.data.stream_contents import read_tar_index

    classes = ["cat", "dog", "eel"]
    ids = [0, 1, 0, 2, 1, 0]
    for shard in range(2):
        samples = [
            (
                f"{i:06d}",
                {
                    "mp4": bytes(70_000),  # past the tar index's small members, which it reads
                    "cls": str(ids[i]).encode(),
                    "json": json.dumps({"label": classes[ids[i]], "id": f"clip{i}"}).encode(),
                },
            )
            for i in range(3 * shard, 3 * shard + 3)
        ]
        write_tar(tmp_path / "data" / "train" / f"00{shard}.tar", samples)
    read, passes = [], []
    real_extract, real_next = tarfile.TarFile.extractfile, tarfile.TarFile.next

    def recorded(self, member):
        read.append((member.name if isinstance(member, tarfile.TarInfo) else member).rpartition(".")[2])
        return real_extract(self, member)

    def ended(self):  # a pass read through to the tar's end (not the looks at a first tar's first members)
        member = real_next(self)
        if member is None and not called_from("_is_webdataset_shard", "webdataset_features_of_every_split"):
            passes.append(Path(self.name).name)
        return member

    monkeypatch.setattr(tarfile.TarFile, "extractfile", recorded)
    monkeypatch.setattr(tarfile.TarFile, "next", ended)
    members, read_through = [], []
    for _ in range(2):  # the first process, then another (nothing in memory but what the cache keeps)
        read.clear()
        passes.clear()
        read_tar_index.cache_clear()
        data = open_streaming_dataset(str(tmp_path / "data"), cache_dir=str(tmp_path / "cache"))
        assert data.label_spaces == {"label": classes}
        split = data.split("train")
        assert (split.num_examples, split.shard_sizes()) == (6, [3, 3])
        assert examples_digest(split).startswith("6 clips in 2 shards")
        members.append({kind: read.count(kind) for kind in ("mp4", "cls", "json")})
        read_through.append(sorted(passes))
    # the looks at the shards' first samples (the columns, the features) read 3 clips and 4 labels an open; each
    # whole pass read 6 more of each (was 15 clips on every process; 16 labels on the second: 2 passes not kept)
    assert [open_["mp4"] for open_ in members] == [3, 3] and members[1] == {"mp4": 3, "cls": 4, "json": 4}, members
    assert read_through == [["000.tar", "001.tar"], []], read_through  # (was each tar 3 times, then none)


def test_class_names_beside_integer_labels_on_some_samples_only_name_those_classes_streamed_as_read_whole(tmp_path):
    """`.cls` ids whose `.json` names are on some samples only (the others' `json` column None): the streamed open
    stopped in a `TypeError` ('NoneType' object is not subscriptable) reading the names; the reference, the whole
    read, names the classes from the samples that say them. So did labels read from that `.json` (a split labelled in
    part, or a test split of clips alone beside a labelled one), which the whole read refuses or leaves out."""
    from vivit_hf.training.data import DatasetFormatError, load_video_dataset

    samples = []
    for i in range(7):
        members = {"mp4": b"clip", "cls": str(i % 2).encode()}
        if i < 5:  # the last two say no name (the first 5 have every member: `datasets` infers the columns from them)
            members["json"] = b'{"label": "%s"}' % [b"cat", b"dog"][i % 2]
        samples.append((f"{i:04d}", members))
    write_tar(tmp_path / "data" / "train" / "000.tar", samples)
    whole = load_video_dataset(str(tmp_path / "data"), "hub", cache_dir=str(tmp_path / "whole_cache"))
    streamed = open_streaming_dataset(str(tmp_path / "data"), cache_dir=str(tmp_path / "cache"))
    assert streamed.label_spaces == whole.label_spaces == {"label": ["cat", "dog"]}
    assert streamed.split("train").num_examples == len(whole.split("train")) == 7
    # the labels read from that `.json` (`json.label`): its 2 samples without one are unlabelled rows, refused as the
    # whole read refuses them (streamed, the open stopped in the same TypeError reading the labels)
    refusals = []
    with pytest.raises(DatasetFormatError) as refused:
        load_video_dataset(
            str(tmp_path / "data"), "hub", label_column="json.label", cache_dir=str(tmp_path / "whole_cache")
        )
    refusals.append(str(refused.value))
    with pytest.raises(DatasetFormatError) as refused:
        open_streaming_dataset(str(tmp_path / "data"), label_column="json.label", cache_dir=str(tmp_path / "cache"))
    refusals.append(str(refused.value))
    assert refusals[0] == refusals[1] and "has 2 rows without a label ('json.label'" in refusals[1], refusals


def test_a_webdataset_relabelled_to_the_same_size_and_time_is_scanned_again_not_read_from_the_kept_scan(
    tmp_path, monkeypatch, caplog
):
    """The kept label scan and tar index are keyed by every tar's `file_key`: a shard relabelled to the same size and
    copied back with its old time (`cp -p`) is read again, its new classes taken (a stale scan would keep `cat` and
    `dog` and refuse or misread the `eel` rows). The reference: the relabelled folder opened with no cache."""
    import os

    labelled_tars(tmp_path / "data")
    walks_and_scans(monkeypatch, caplog, tmp_path / "data", tmp_path / "cache")
    shard = tmp_path / "data" / "train" / "001.tar"
    before = os.stat(shard)
    labelled_tars(tmp_path / "other", "cat dog cat eel eel eel")
    shard.write_bytes((tmp_path / "other" / "train" / "001.tar").read_bytes())
    os.utime(shard, ns=(before.st_atime_ns, before.st_mtime_ns))
    if os.stat(shard).st_ctime_ns == before.st_ctime_ns:
        pytest.skip("this file system's clock did not tick between the two writes")
    data, walked, scans, _ = walks_and_scans(monkeypatch, caplog, tmp_path / "data", tmp_path / "cache")
    # the labels read again, each tar indexed on the way (the changed shard's index was a walk of its own before)
    assert (walked, scans) == ([], 1)
    assert len(list((tmp_path / "cache" / "vivit_hf_scans").glob("label_scan-*"))) == 1  # the old scan replaced
    reference = walks_and_scans(monkeypatch, caplog, tmp_path / "data", tmp_path / "fresh_cache")[0]
    assert data.label_spaces == reference.label_spaces == {"label": ["cat", "dog", "eel"]}


def test_a_webdataset_written_anew_under_new_inodes_leaves_one_kept_answer_a_tar_not_one_more_each_time(
    tmp_path, monkeypatch, caplog
):
    """The kept tar indexes and label scans are named by each tar's path and inode (machines sharing a cache over
    copies at one path keep one each); a tar written anew gets a new inode (the shard tool renames a finished shard
    over the old one, as `rsync` does), and each rewrite left every old answer behind: 3 rewrites of 2 tars, 6 tar
    indexes and 3 label scans where 2 and 1 are used. This machine's old answer for the path is removed now."""
    import os

    labelled_tars(tmp_path / "data")
    kept = tmp_path / "cache" / "vivit_hf_scans"
    for labels in ("cat dog cat dog cat dog", "cat dog cat eel eel eel", "eel dog cat dog cat dog"):
        labelled_tars(tmp_path / "new", labels)
        for tar in (tmp_path / "new" / "train").glob("*.tar"):
            os.replace(tar, tmp_path / "data" / "train" / tar.name)  # a new inode at the old path
        data, walked, scans, _ = walks_and_scans(monkeypatch, caplog, tmp_path / "data", tmp_path / "cache")
        assert (len(walked), scans) == (0, 1)  # read anew, the tars indexed by the scan: the old answers not served
    assert data.label_spaces == {"label": ["cat", "dog", "eel"]}
    found = (len(list(kept.glob("tar_index-*.json"))), len(list(kept.glob("label_scan-*.json"))))
    assert found == (2, 1), found  # (was (6, 3))


def test_every_kept_scan_of_a_local_webdataset_is_in_its_cache_dir_and_none_in_the_default_cache(tmp_path, monkeypatch):
    """`--cache_dir` holds the caches (a cluster's local scratch, where a small or shared home's default cache fills
    its quota, or mixes the files of machines that share it): the label scan was kept there, but each tar's index
    (the cut-tar check, the card's count, the repeated ids, the sizes and the digest) in HF_DATASETS_CACHE whatever
    it said. Every kept scan of a stream, and of a whole read, is now in `<cache_dir>/vivit_hf_scans`."""
    from vivit_hf.training.data import load_video_dataset
    from vivit_hf.training.data.stream_contents import read_tar_index

    default, cache, root = tmp_path / "default_cache", tmp_path / "cache", tmp_path / "data"
    monkeypatch.setenv("HF_DATASETS_CACHE", str(default))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(default))
    for shard in range(2):
        ids = range(3 * shard, 3 * shard + 3)
        samples = [(f"{k:06d}", {"mp4": b"clip", "txt": b"sit", "json": b'{"id": "c%d"}' % k}) for k in ids]
        write_tar(root / "train" / f"00{shard}.tar", samples)
    read_tar_index.cache_clear()  # (each open as a process of its own: nothing of another in memory)
    split = open_streaming_dataset(str(root), cache_dir=str(cache)).split("train")  # its labels scanned
    assert split.shard_sizes() == [3, 3] and examples_digest(split).startswith("6 clips in 2 shards")
    (root / "README.md").write_text(
        CARD.removesuffix("---\n") + "  splits:\n  - name: train\n    num_examples: 6\n---\n"
    )
    read_tar_index.cache_clear()
    assert open_streaming_dataset(str(root), cache_dir=str(cache)).split("train").num_examples == 6  # by the card
    read_tar_index.cache_clear()
    assert len(load_video_dataset(str(root), "hub", cache_dir=str(cache)).split("train")) == 6
    kept = sorted(path.name.partition("-")[0] for path in (cache / "vivit_hf_scans").glob("*.json"))  # (answers)
    assert kept == ["label_scan", "tar_index", "tar_index"]
    assert list(cache.rglob("vivit_hf_scans")) == [cache / "vivit_hf_scans"]  # (the whole read's too)
    assert sorted(default.rglob("*")) == []  # (were the 2 tar indexes)


def test_a_streamed_recipe_opens_its_data_on_the_main_process_first():
    """`--streaming` opened the data on every process at once, each reading every shard; the main process now opens
    it first (as the whole read does, `main_process_first`), so the others read back what it found (`kept_scans`)."""
    from unittest import mock

    from vivit_hf.training import finetune

    events = []
    other_rank = SimpleNamespace(
        num_processes=2,
        is_main_process=False,
        is_local_main_process=False,
        wait_for_everyone=lambda: events.append("waited"),
    )
    opened = mock.patch.object(
        finetune, "load_streaming_data", lambda args, n=1, spread=True: events.append(f"opened on {n}")
    )
    cut = mock.patch.object(finetune, "spread_streams", lambda args, streams, n: events.append(f"cut on {n}"))
    with opened, cut:
        finetune.load_data(SimpleNamespace(streaming=True), other_rank)
    # for rank 0, then for each other machine's main process; cut by row group after (`data_warnings_held`)
    assert events == ["waited", "waited", "opened on 2", "cut on 2"]


def machines_opening(caches, body):
    """2 machines x 2 processes (threads, accelerate's barrier a `threading.Barrier`), machine m's cache `caches[m]`,
    each process running `body(cache)` in `main_process_first`: [(rank, what body returned or raised), ...].
    The data loggers' level is set back after: processes have a logger each, these threads share this one's, and
    ranks 1 and 3 hold its warnings (`data_warnings_held`) at once, each saving the level it found and setting it
    back as it leaves. The second to come saved the first's ERROR and, leaving last (3 of 20 calls), left it for every
    later test of the pytest worker: test_streaming_worker_start's DataLoader workers, given this process's levels,
    then said nothing (its capfd '', failed once in CI)."""
    import logging
    import threading

    from vivit_hf.training.finetune import DATA_LOGGER, main_process_first

    barrier, ended = threading.Barrier(4, timeout=20), {}
    data_logger = logging.getLogger(DATA_LOGGER)
    level = data_logger.level

    def process(rank):
        machine, local_rank = divmod(rank, 2)
        accelerator = SimpleNamespace(
            num_processes=4,
            is_main_process=rank == 0,
            is_local_main_process=local_rank == 0,
            wait_for_everyone=barrier.wait,
        )
        try:
            with main_process_first(accelerator):
                ended[rank] = body(caches[machine])
        except Exception as error:  # noqa: BLE001 (what each process ended with)
            ended[rank] = error

    threads = [threading.Thread(target=process, args=(rank,)) for rank in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        data_logger.setLevel(level)
    return [ended[rank] for rank in range(4)]


def test_each_machine_scans_a_stream_once_on_its_own_cache_and_a_shared_cache_is_scanned_once(tmp_path):
    """On several machines, each with its own cache (local disks), accelerate's `main_process_first` let rank 0 scan
    first and then every other process at once: both processes of machine 1 scanned every shard (on 8-GPU machines,
    8 passes over Kinetics' 1.4 GB of tars a machine). Now each machine's main process scans first, then its others
    read back what it kept; a cache every machine shares is scanned by rank 0 alone."""
    import time

    from vivit_hf.training.data import DatasetFormatError
    from vivit_hf.training.data.kept_scans import kept

    def opening(cache):
        machine = Path(cache).name

        def scan():  # the pass over every shard (slow: a machine's other process let in meanwhile would scan too)
            scans.append(machine)
            time.sleep(0.1)
            return ["cat", "dog"]

        return kept("label scan", ["the shards' keys"], scan, cache_dir=str(cache))

    scans = []
    assert machines_opening([tmp_path / "machine0", tmp_path / "machine1"], opening) == [["cat", "dog"]] * 4
    assert sorted(scans) == ["machine0", "machine1"]  # (was machine0, machine1, machine1)
    scans = []
    assert machines_opening([tmp_path / "shared"] * 2, opening) == [["cat", "dog"]] * 4
    assert scans == ["shared"]

    def refused(cache):  # a data set every process finds not in its format: every one ends with it, none waits on
        raise DatasetFormatError("no split in data")

    assert [str(ended) for ended in machines_opening([tmp_path] * 2, refused)] == ["no split in data"] * 4
    calls: dict = {}

    def one_refuses(cache):  # the first on each machine (rank 0, machine 1's main) refuses, rank 3 has a bug: each
        calls[cache] = calls.get(cache, 0) + 1  # process passes both barriers still, none left waiting in one
        if calls[cache] == 1:
            raise DatasetFormatError("not on this machine")
        if Path(cache).name == "machine1":
            raise RuntimeError("a bug after the barriers")
        return "opened"

    ended = machines_opening([tmp_path / "machine0", tmp_path / "machine1"], one_refuses)
    assert [str(e) for e in ended] == [
        "not on this machine",
        "opened",
        "not on this machine",
        "a bug after the barriers",
    ]


def test_machines_holding_copies_of_the_shards_at_one_path_each_keep_their_scans_in_a_cache_they_share(
    tmp_path, monkeypatch
):
    """Machines that each copy the shards to their own disk at one path (`/data/kinetics`) while sharing a cache
    (`HF_HOME` on a network home) found each other's tar indexes and label scans under that path: another inode, so
    not theirs. Each replaced the other's, and every process after a machine's first walked and scanned every tar
    again (16 processes: 15 passes where 2 do). Each copy, by its inode, now keeps its own; the tar written again in
    place (its inode kept) still replaces its old answer (`test_a_webdataset_relabelled_...`)."""
    from vivit_hf.training.data import kept_scans, stream_contents
    from vivit_hf.training.data.streaming import _kept_label_scan

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "shared_cache"))
    shard = labelled_tars(tmp_path / "data")[0]
    walks, scans = [], []
    real_walk = stream_contents._walk
    monkeypatch.setattr(stream_contents, "_walk", lambda path: walks.append(path) or real_walk(path))
    status = Path(shard).stat()
    copies = [(shard, status.st_size, status.st_mtime_ns, inode, status.st_ctime_ns) for inode in (1001, 2002)]
    labels = [["cat", "dog", "cat"]]
    for machine in (0, 1, 0, 1):  # each machine's first process, then each one's others (nothing in memory)
        monkeypatch.setattr(kept_scans.socket, "gethostname", lambda machine=machine: f"machine{machine}")
        stream_contents.read_tar_index.cache_clear()
        assert stream_contents.read_tar_index(copies[machine])[0] == 3
        key = ["datasets", ["txt"], ["txt"], ["string"], [list(copies[machine])]]
        assert _kept_label_scan(key, lambda machine=machine: scans.append(machine) or labels, None) == labels
    assert (len(walks), scans) == (2, [0, 1])  # (was 4 and [0, 1, 0, 1])


def test_a_hub_webdataset_label_scan_is_kept_by_its_shards_urls_pinned_to_a_commit_alone():
    """A Hub WebDataset's label scan downloaded every shard whole on every process. `datasets` streams a Hub file at
    the commit it resolved the revision to (`hf://datasets/<repo>@<commit>/<path>`): its bytes are fixed, so the scan
    is kept by the URLs, and another commit is another scan. A URL not pinned so (a branch's name) is scanned by each
    process, as before."""
    from types import SimpleNamespace

    from vivit_hf.training.data.streaming import _label_scan_key

    def key(*urls):
        stream = SimpleNamespace(_ex_iterable=SimpleNamespace(kwargs={"tar_paths": list(urls), "tar_iterators": []}))
        return _label_scan_key(stream, {"cls": datasets.Value("int64")}, ["cls"], ["cls"])

    at = "hf://datasets/someone/kinetics@{}/train/{}.tar".format
    one, other = "a" * 40, "b" * 40
    assert key(at(one, "000"), at(one, "001")) is not None
    assert key(at(one, "000"), at(one, "001")) == key(at(one, "000"), at(one, "001"))
    assert key(at(one, "000"), at(one, "001")) != key(at(other, "000"), at(other, "001"))
    assert key(at("main", "000")) is None and key(at(one, "000"), at("main", "001")) is None
    assert key("https://example.com/000.tar") is None
