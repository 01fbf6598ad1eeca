# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`--streaming` (issue 15): WebDataset shards written by the shard tool, streamed by `datasets` into the recipe on 1
and 2 real CPU processes (gloo), every clip once per epoch, broken clips skipped and counted, and a run killed with
SIGKILL mid-epoch resumed to bit-identical weights."""

import io
import itertools
import json
import logging
import shutil
import signal
import subprocess
import tarfile

import fresh_python
import pytest
import torch
from run_once import run_once
from test_recipes_finetune import EVALUATE, FINETUNE, KILLED_AFTER_STEP_4, REPO, TINY_MODEL, env, run, weights

from vivit_hf.training.data.shard import main as shard_main
from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset

STREAMING = ["--dataset_format", "hub", "--streaming", "--shuffle_buffer_size", "4", "--hidden_dropout_prob", "0"]
# The killed-and-resumed run's: its weights are bit-identical only if every mask of the resumed steps is drawn as the
# uninterrupted run drew it (after STREAMING, whose dropout of 0 they override).
DROPOUT = ["--hidden_dropout_prob", "0.3", "--drop_path_rate", "0.3"]


def tiny(workers: int):
    flags = list(TINY_MODEL)
    flags[flags.index("--num_workers") + 1] = str(workers)
    return flags


# This file's shared data and runs are made once for both pytest-xdist workers (`run_once`: its tests can be dealt to
# both), and only read by the tests; once a process for this file and tests/test_recipes_distributed.py too, whose
# torchrun launch makes them before it runs this file's two-process runs (`_MADE`: without pytest-xdist, `run_once`
# makes a result again for each caller).
_MADE: dict[str, object] = {}


def made_once(tmp_path_factory, name, make):
    """`run_once(tmp_path_factory, name, make)`'s folder, once a process."""
    if name not in _MADE:
        _MADE[name] = run_once(tmp_path_factory, name, make)[1]
    return _MADE[name]


def made_shards(videofolder, tmp_path_factory):
    """The 12 + 6 tiny clips as shards of 3 clips (about 6 KB a sample with its tar headers): 4 training shards,
    2 test shards."""

    def write(folder):
        out = folder / "shards"
        shard_main(["--dataset", str(videofolder), "--out", str(out), "--shard_size", "20KB"])
        assert len(list((out / "data").glob("train-*.tar"))) == 4 and len(list((out / "data").glob("test-*.tar"))) == 2
        return {}

    return made_once(tmp_path_factory, "shards", write) / "shards"


def made_one_shard(videofolder, tmp_path_factory):
    """The same clips, one shard per split: not divisible by 2 processes."""

    def write(folder):
        shard_main(["--dataset", str(videofolder), "--out", str(folder / "shards"), "--shard_size", "1MB"])
        return {}

    return made_once(tmp_path_factory, "one_shard", write) / "shards"


def made_one_process_runs(videofolder, tmp_path_factory):
    """This file's one-process runs, one after another in one process forked from tests/fresh_python.py's server
    (tests/test_recipes_distributed.py's `RUNS_IN_ONE_LAUNCH`, with no launcher): the DataLoader workers' fork server
    starts, and imports torch, datasets, transformers and vivit_hf, once for all of them, not once a run (4-5 s
    each), and vivit_hf and the recipe are imported once (1-2 s a run). Each test that reads one says which
    (`alone`); its output folder is <folder>/out/<name>."""
    shards = made_shards(videofolder, tmp_path_factory)

    def launch(root):
        import test_recipes_distributed as launches

        uneven = repack(shards, root / "uneven", [5, 7])
        (root / "scripts").mkdir()
        scripts = {"recording": root / "scripts" / "recording.py", "window": root / "scripts" / "window.py"}
        scripts["recording"].write_text(RECORDING_FINETUNE)
        scripts["window"].write_text(WINDOW_RECORDING_FINETUNE)
        out = root / "out"
        two_epochs = ["--num_train_epochs", "2", *STREAMING]
        runs = {
            "uninterrupted": [FINETUNE, "--dataset", shards, *two_epochs, "--checkpointing_steps", "3", *DROPOUT],
            "partial_batches": [scripts["recording"], FINETUNE, "--dataset", uneven, *two_epochs],
            "streamed": [scripts["window"], FINETUNE, *accumulation_flags(shards, out / "streamed", 1)],
            "map_style": [
                scripts["window"],
                FINETUNE,
                *accumulation_flags(videofolder, out / "map_style", 1, "map_style"),
            ],
        }
        runs["uninterrupted"] += tiny(2)
        runs["partial_batches"] += tiny(2)
        # streamed without DataLoader workers (each refused or failing before its training's end)
        data = {
            "all_broken": break_clips(shards, root / "all_broken", which=lambda name: True),
            "evaluation_broken": break_clips(shards, root / "evaluation_broken", which=lambda n: n.startswith("test")),
            "local_table": csv_tables(videofolder, root / "tables"),
            "local_table_gone": csv_tables(videofolder, root / "gone", extra_row="clips/gone.mp4,up"),
        }
        for name, dataset in data.items():
            runs[name] = [FINETUNE, "--dataset", dataset, *STREAMING, *tiny(0)]
        runs["local_table"] += ["--num_train_epochs", "1"]
        for name in runs:
            if name not in ("streamed", "map_style"):  # (their flags name it)
                runs[name] += ["--output_dir", out / name]
        folder = root / "launch"
        folder.mkdir()
        plan = []
        for name, argv in runs.items():
            (folder / name).mkdir()
            plan.append({"argv": [str(arg) for arg in argv], "folder": str(folder / name)})
        (folder / "runs.json").write_text(json.dumps(plan))
        script = launches.write_runs_in_one_launch(folder)
        launch = fresh_python.server(fresh_python.RECIPES, env()).run([script, folder / "runs.json"], REPO, timeout=400)
        for name in runs:
            assert launches.run_ended(folder / name, 0), f"{name} did not run:\n{launch.stderr[-6000:]}"
        return {}

    return made_once(tmp_path_factory, "one_process_runs", launch)


def alone(one_process_runs, name, check=True):
    """`made_one_process_runs`' run `name`: (CompletedProcess, its output folder); `check`: it must have exited 0."""
    import test_recipes_distributed as launches

    status, stdout, stderr = launches.run_record(one_process_runs / "launch" / name, 0)
    result = subprocess.CompletedProcess(name, status["status"], stdout, stderr)
    assert not check or result.returncode == 0, f"{name}:\n{stdout[-3000:]}\n{stderr[-6000:]}"
    return result, one_process_runs / "out" / name


def made_uninterrupted_stream(videofolder, tmp_path_factory):
    """The shards streamed by one process of two DataLoader workers, two epochs, dropout on, a checkpoint every 3
    steps: the killed-and-resumed run's reference (`made_one_process_runs`' run "uninterrupted")."""
    return alone(made_one_process_runs(videofolder, tmp_path_factory), "uninterrupted")[1]


@pytest.fixture(scope="module")
def shards(videofolder, tmp_path_factory):
    return made_shards(videofolder, tmp_path_factory)


@pytest.fixture(scope="module")
def one_shard(videofolder, tmp_path_factory):
    return made_one_shard(videofolder, tmp_path_factory)


@pytest.fixture(scope="module")
def uninterrupted_stream(videofolder, tmp_path_factory):
    return made_uninterrupted_stream(videofolder, tmp_path_factory)


def test_a_streamed_run_trains_and_evaluates_every_clip(uninterrupted_stream):
    results = json.loads((uninterrupted_stream / "all_results.json").read_text())
    assert results["train_clips_per_process"] == [24]  # 12 clips x 2 epochs
    assert results["num_samples"] == 6 and results["completed_steps"] == 12
    state = json.loads((uninterrupted_stream / "checkpoints" / "step_9" / "trainer_state.json").read_text())
    # 3 of the epoch's 6 batches: two from DataLoader worker 0, one from worker 1.
    assert state["batches_in_epoch"] == 3 and state["stream_position"] == [{"0": 2, "1": 1}]


# test_recipes_finetune's KILLED_AFTER_STEP_4, killed once checkpoint step_9 is saved instead.
KILLED_AFTER_STEP_9 = KILLED_AFTER_STEP_4.replace('"step_4" in text', '"step_9" in text')
assert KILLED_AFTER_STEP_9 != KILLED_AFTER_STEP_4


def test_a_streamed_run_killed_mid_epoch_resumes_to_the_same_weights(shards, uninterrupted_stream, tmp_path):
    args = ["--dataset", shards, "--output_dir", tmp_path, "--num_train_epochs", "2", "--checkpointing_steps", "3"]
    # Step 9 is mid-epoch (batch 3 of 6 of epoch 1) and after an odd number of batches: the workers stand at
    # different batch counts, so the resumed loader must put their batches back in the uninterrupted run's order.
    # Killed (SIGKILL, no clean-up possible) by itself as soon as its log reports that checkpoint, in a process forked
    # from tests/fresh_python.py's server (a plain `python` paid a new interpreter's imports first).
    killed = fresh_python.server(fresh_python.RECIPES, env()).run(
        ["-c", KILLED_AFTER_STEP_9, FINETUNE, *args, *STREAMING, *DROPOUT, *tiny(2)], cwd=REPO, timeout=240
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert "saved checkpoint" in killed.stderr and "step_9" in killed.stderr.splitlines()[-1]
    assert not (tmp_path / "model.safetensors").exists()
    result = run(FINETUNE, *args, *STREAMING, *DROPOUT, *tiny(2), "--resume_from_checkpoint", "latest")
    assert "epoch 1, 3 batches into it" in result.stderr
    resumed, reference = weights(tmp_path), weights(uninterrupted_stream)
    for name in reference:
        torch.testing.assert_close(resumed[name], reference[name], rtol=0, atol=0, msg=name)


class FourBatches(StreamingVideoDataset):
    """One shard of 4 batches of one row each (nothing decoded), from the batch `skip` says on."""

    def __init__(self):
        super().__init__(None, None, batch_size=1, seed=0)

    @property
    def num_shards(self) -> int:
        return 1

    def __iter__(self):
        for index in range(self.skip.get(0, 0), 4):
            row = {"pixel_values": torch.zeros(1, 1), "labels": torch.zeros(1, dtype=torch.long)}
            row |= {"valid": torch.ones(1, dtype=torch.bool), "truncated": torch.zeros(1, dtype=torch.bool)}
            yield row | {"ids": [f"{self.epoch}:{index}"], "worker": 0, "batch": index}
        yield {"worker": 0, "end": True}


def test_a_streamed_loader_resumed_mid_epoch_leaves_the_uninterrupted_loops_random_numbers():
    """A loop seeded once (`set_seed`), drawing its dropout from the process's random state, resumed from a
    checkpoint after 2 of 4 batches (accelerate's `load_state` restores the state saved then), draws what the
    uninterrupted loop drew. Each pass of the loader drew its workers' base seed from that state: the resumed pass
    drew once more after the restore, and every draw from the resume on differed (0.4901, 0.8964 for 0.3074, 0.6341).
    The recipe reseeds at every step, so its resumed weights were the same (the killed run above, with dropout)."""

    def dropout_draws(loader, stop=None):
        drawn = []
        for _ in loader:
            drawn.append(torch.rand(()).item())
            if len(drawn) == stop:
                return drawn, torch.get_rng_state()  # what the checkpoint saves
        return drawn, None

    with torch.random.fork_rng(devices=[]):  # the session's random state is left as it was
        torch.manual_seed(0)
        uninterrupted, _ = dropout_draws(StreamingLoader(FourBatches()))
        torch.manual_seed(0)
        before, checkpointed = dropout_draws(StreamingLoader(FourBatches()), stop=2)
        torch.set_rng_state(checkpointed)
        loader = StreamingLoader(FourBatches())
        loader.resume({0: 2})
        after, _ = dropout_draws(loader)
    assert before + after == uninterrupted


def test_a_streamed_run_resumed_with_other_dataloader_workers_is_refused_naming_them(
    shards, uninterrupted_stream, tmp_path
):
    """Streamed, each DataLoader worker batches the shards dealt to it and the checkpoint counts each worker's
    batches (`{"0": 2, "1": 1}` at step 9): resumed with `--num_workers 1`, the one worker skipped 2 batches of the
    whole stream, so the epoch read again clips the checkpoint had trained and never some others, without a word
    (on 23 Kinetics clips in 5 shards, 2 processes: 10 clips twice and 2 never in the resumed epoch). Refused now,
    exit 2, as another batch size is; read whole, the workers only decode, and another count resumes as before."""
    shutil.copytree(uninterrupted_stream / "checkpoints", tmp_path / "checkpoints")
    args = ["--dataset", shards, "--output_dir", tmp_path, "--num_train_epochs", "2"]
    result = run(
        FINETUNE, *args, "--checkpointing_steps", "3", *STREAMING, *DROPOUT, *tiny(1), "--resume_from_checkpoint",
        "latest",
        check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    line = result.stderr.strip().splitlines()[-1]
    assert "the checkpoint was trained with other batches" in line and line.endswith("--num_workers 2 -> 1"), line


def test_a_streamed_run_resumed_on_shards_written_again_otherwise_is_refused_naming_both(shards, tmp_path):
    """The same 12 clips packed again at the same path, in 2 shards of 9 and 3 instead of 4 of 3 (another
    `--shard_size`): the resume skipped the checkpoint's per-worker batch counts in other shards, so the resumed epoch
    read some trained clips again and never others, without a word (on 23 Kinetics clips re-sharded from 5 shards to
    12: 6 clips twice and 6 never). The checkpoint records its stream's shards (names, sizes) and the resume is
    refused, exit 2, naming both."""
    data = repack(shards, tmp_path / "data", [3, 3, 3, 3])
    # (no DataLoader workers: the digest is the stream's, whoever reads it, and a run with workers pays a fork
    # server's start, its imports, 3-5 s; the checkpoint of step 3 is the first run's last)
    args = ["--dataset", data, "--num_train_epochs", "1", "--checkpointing_steps", "3", *STREAMING, *tiny(0)]
    run(FINETUNE, *args, "--max_train_steps", "3", "--output_dir", tmp_path / "first")
    (tmp_path / "resumed" / "checkpoints").mkdir(parents=True)
    shutil.copytree(tmp_path / "first" / "checkpoints" / "step_3", tmp_path / "resumed" / "checkpoints" / "step_3")
    shutil.rmtree(data)
    repack(shards, data, [9, 3])
    result = run(
        FINETUNE, *args, "--output_dir", tmp_path / "resumed", "--resume_from_checkpoint", "latest", check=False
    )
    assert result.returncode == 2, result.stderr[-3000:]
    line = result.stderr.strip().splitlines()[-1]
    assert "the training split is not the one it was trained on: 12 clips in 4 shards (digest " in line, line
    assert "then, 12 clips in 2 shards (digest " in line and "read some twice this epoch and others never" in line


@pytest.fixture(scope="module")
def two_processes(videofolder, tmp_path_factory):
    """Every two-process run of this file, in tests/test_recipes_distributed.py's torchrun launch (`launch_runs`: the
    two processes import the recipe once, not once a launch or a run; its runs "streaming_<name>"): {name: (result,
    output folder)}. Each test below says what its run is."""
    import test_recipes_distributed

    made, root = test_recipes_distributed.made_torchrun_runs(videofolder, tmp_path_factory)
    results = {
        name.removeprefix("streaming_"): (subprocess.CompletedProcess(*result), root / "streaming" / "out" / name)
        for name, result in made.items()
        if name.startswith("streaming_")
    }
    return results | {"uneven": (None, root / "streaming" / "uneven")}


def two_process_runs(videofolder, tmp_path_factory, root):
    """This file's runs of tests/test_recipes_distributed.py's torchrun launch, in `root`, their names prefixed
    "streaming_" (each writes into `root`/out/<its name>): ({name: argv}, {name: working folder})."""
    shards, one_shard = made_shards(videofolder, tmp_path_factory), made_one_shard(videofolder, tmp_path_factory)
    runs, cwds = launch_two_processes(shards, one_shard, made_uninterrupted_stream(videofolder, tmp_path_factory), root)
    named = {f"streaming_{name}": argv for name, argv in runs.items()}
    return named, {f"streaming_{name}": cwd for name, cwd in cwds.items()}


def launch_two_processes(shards, one_shard, uninterrupted_stream, root):
    """`two_processes`' runs, their data written in `root`: ({name: argv}, {name: working folder})."""
    uneven = repack(shards, root / "uneven", [9, 3])
    out = {name: root / "out" / f"streaming_{name}" for name in TWO_PROCESS_RUNS}
    scripts = {name: root / f"{name}.py" for name in ("recording", "window_recording", "loader", "group_recording")}
    for name, text in zip(scripts, (RECORDING_FINETUNE, WINDOW_RECORDING_FINETUNE, LOADER_SCRIPT, GROUP_RECORDING)):
        scripts[name].write_text(text)
    two_epochs = ["--num_train_epochs", "2", *STREAMING]
    cut = ["--max_train_samples", "8", "--shuffle_buffer_size"]
    recording = [scripts["recording"], FINETUNE, "--dataset", uneven, *two_epochs]
    runs = {
        "halves": [FINETUNE, "--dataset", shards, "--num_train_epochs", "1", *STREAMING, *tiny(1)],
        "unequal_known": [*recording, *tiny(1)],
        "unequal_unknown": [recording[0], "--sizes_unknown", *recording[1:], *tiny(1)],
        "max_samples_0": [*recording, *tiny(2), *cut, "0"],
        "max_samples_4": [*recording, *tiny(2), *cut, "4"],
        "evaluate": [
            scripts["group_recording"],
            EVALUATE,
            *evaluate_flags(shards, uninterrupted_stream),
            "--streaming",
        ],
    }
    for name in runs:
        runs[name] += ["--output_dir", out[name]]
    runs["accumulation"] = [scripts["window_recording"], FINETUNE, *accumulation_flags(shards, out["accumulation"], 2)]
    for name, source in (("loader_four_shards", shards), ("loader_one_shard", one_shard)):
        out[name].mkdir(parents=True)  # where LOADER_SCRIPT writes
        runs[name] = [scripts["loader"], source, "train", out[name]]
    # Each process streams its own machine's copy (`{rank}`: its working folder); machine 1's lacks a training shard.
    for rank in (0, 1):
        shutil.copytree(shards, root / f"machine{rank}" / "shards")
    (root / "machine1" / "shards" / "data" / "train-00003-of-00004.tar").unlink()
    runs["copies_apart"] = [FINETUNE, "--dataset", "shards", *STREAMING, *tiny(1), "--output_dir", out["copies_apart"]]
    cwds = {"copies_apart": root / "machine{rank}"}
    assert set(runs) == set(TWO_PROCESS_RUNS)
    return runs, cwds


TWO_PROCESS_RUNS = (
    "halves",
    "unequal_known",
    "unequal_unknown",
    "max_samples_0",
    "max_samples_4",
    "accumulation",
    "loader_four_shards",
    "loader_one_shard",
    "evaluate",
    "copies_apart",
)


def finished(two_processes, name):
    """The run `name` of the shared launch, which must have exited 0 on both processes: (result, output folder)."""
    result, out = two_processes[name]
    assert result.returncode == 0, f"{name}:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return result, out


def test_two_cpu_processes_stream_disjoint_halves_and_gather_evaluation_once(two_processes):
    # The shared launch's run "halves": the 4 shards, one epoch, one DataLoader worker a process.
    result, out = finished(two_processes, "halves")
    assert "Distributed environment: DistributedType.MULTI_CPU  Backend: gloo" in result.stderr
    results = json.loads((out / "all_results.json").read_text())
    assert results["num_processes"] == 2
    assert results["train_clips_per_process"] == [6, 6]  # 4 shards: 2 per process, 3 clips each
    # The 2 test shards, one per process, in batches of 2 padded... gathered once: no padding row counted.
    assert results["num_samples"] == 6


def repack(shards, out, sizes):
    """A copy of `shards` whose training clips are re-packed, in order, into tars of `sizes` clips (test tars and
    card unchanged)."""
    (out / "data").mkdir(parents=True)
    (out / "README.md").write_text((shards / "README.md").read_text())
    for source in (shards / "data").glob("test-*.tar"):
        (out / "data" / source.name).write_bytes(source.read_bytes())
    samples = {}  # key -> [(member, bytes)], in the shards' order
    for source in sorted((shards / "data").glob("train-*.tar")):
        with tarfile.open(source) as tar:
            for member in tar.getmembers():
                samples.setdefault(member.name.split(".", 1)[0], []).append((member, tar.extractfile(member).read()))
    keys = iter(samples)
    assert sum(sizes) == len(samples)
    for i, size in enumerate(sizes):
        with tarfile.open(out / "data" / f"train-{i:05d}-of-{len(sizes):05d}.tar", "w") as tar:
            for key in itertools.islice(keys, size):
                for member, data in samples[key]:
                    tar.addfile(member, io.BytesIO(data))
    return out


def clip_ids(tar_path) -> list[str]:
    """The clip ids a tar holds, from its samples' json members, read with tarfile alone."""
    with tarfile.open(tar_path) as tar:
        return [json.load(tar.extractfile(m))["id"] for m in tar.getmembers() if m.name.endswith(".json")]


# recipes/finetune.py as it is, each process recording the ids of the clips its training loader delivers (real rows
# only), by epoch, into <output_dir>/ids_rank<N>.json, and the seeds it gives torch.manual_seed, in order, into
# <output_dir>/seeds_rank<N>.json.
RECORDING_FINETUNE = """
import json, os, runpy, sys
import torch
from vivit_hf.training.data import streaming

seeds = []
manual_seed = torch.manual_seed
def recording_manual_seed(seed):
    seeds.append(int(seed))
    return manual_seed(seed)
torch.manual_seed = recording_manual_seed

delivered = {}
deliver = streaming.StreamingLoader._deliver
def recording(self, batch):
    out = deliver(self, batch)
    if self.pad_to is None:  # the training loader (evaluation's pads its batches)
        real = out["real"].tolist()
        delivered.setdefault(self.dataset.epoch, []).extend(i for i, r in zip(out["ids"], real) if r)
    return out
streaming.StreamingLoader._deliver = recording
shard_sizes = streaming.StreamingSplit.shard_sizes
if sys.argv[1] == "--sizes_unknown":  # as for tars on the Hub, which are not read whole to count their clips
    streaming.StreamingSplit.shard_sizes = lambda split: None
    del sys.argv[1]
script, sys.argv = sys.argv[1], sys.argv[1:]
try:
    runpy.run_path(script, run_name="__main__")
finally:  # unpatched for the launch's next run (launch_runs)
    torch.manual_seed, streaming.StreamingLoader._deliver = manual_seed, deliver
    streaming.StreamingSplit.shard_sizes = shard_sizes
    out = sys.argv[sys.argv.index("--output_dir") + 1]
    open(f"{out}/ids_rank{os.environ.get('RANK', '0')}.json", "w").write(json.dumps(delivered))
    open(f"{out}/seeds_rank{os.environ.get('RANK', '0')}.json", "w").write(json.dumps(seeds))
"""


@pytest.mark.parametrize("sizes", ["known", "unknown"])
def test_streamed_epochs_of_unequal_shares_train_every_clip_once_and_last_as_the_longest_share(two_processes, sizes):
    """Two training shards of 9 and 3 clips on two processes, batches of 2: each process streams one whole shard,
    so every epoch lasts ceil(9 / 2) = 5 steps (the process with 3 clips feeds filler batches after its 2nd step);
    2 epochs are 10 steps. A plan of ceil(ceil(12 / 2) / 2) = 3 steps an epoch stopped the run after 6 steps, in
    the middle of the second epoch, with 5 of its clips never trained. With the shard sizes unknown, the plan is
    that and says so, but every epoch runs to its end. (The shared launch's runs "unequal_known" and
    "unequal_unknown": RECORDING_FINETUNE, with --sizes_unknown for the latter, 2 epochs, one DataLoader worker.)"""
    uneven = two_processes["uneven"][1]
    assert [len(clip_ids(tar)) for tar in sorted((uneven / "data").glob("train-*.tar"))] == [9, 3]
    expected = sorted(clip_id for tar in (uneven / "data").glob("train-*.tar") for clip_id in clip_ids(tar))
    result, out = finished(two_processes, f"unequal_{sizes}")
    assert "Distributed environment: DistributedType.MULTI_CPU  Backend: gloo" in result.stderr
    warned = "the learning-rate schedule is planned on 3 steps per epoch" in result.stderr
    assert warned == (sizes == "unknown"), result.stderr[-3000:]
    assert (sizes == "unknown") == ("how an epoch's clips fall to the 2 processes is too" in result.stderr)
    ranks = [json.loads((out / f"ids_rank{rank}.json").read_text()) for rank in (0, 1)]
    for epoch in ("0", "1"):
        trained = sorted(clip_id for rank in ranks for clip_id in rank.get(epoch, []))
        assert trained == expected, f"epoch {epoch}"  # each clip once, by one process
        assert sorted(len(rank[epoch]) for rank in ranks) == [3, 9]  # whole shards, one per process
    results = json.loads((out / "all_results.json").read_text())
    assert results["num_processes"] == 2
    assert results["completed_steps"] == 5 * 2
    assert sum(results["train_clips_per_process"]) == 12 * 2


@pytest.fixture(scope="module")
def one_process_runs(videofolder, tmp_path_factory):
    return made_one_process_runs(videofolder, tmp_path_factory)


def test_two_workers_ending_with_partial_batches_lengthen_the_planned_epoch(one_process_runs):
    """One process, two DataLoader workers, training shards of 5 and 7 clips in batches of 2: each worker batches
    its own shard, 2 + 2 + 1 and 2 + 2 + 2 + 1 clips, so an epoch is 7 batches, not ceil(12 / 2) = 6. The plan
    of 6 stopped the run at step 12, with the second epoch's last batches, and their clips, never trained. (The
    shared one-process runs' "partial_batches": RECORDING_FINETUNE, 2 epochs.)"""
    uneven, out = one_process_runs / "uneven", alone(one_process_runs, "partial_batches")[1]
    assert [len(clip_ids(tar)) for tar in sorted((uneven / "data").glob("train-*.tar"))] == [5, 7]
    expected = sorted(clip_id for tar in (uneven / "data").glob("train-*.tar") for clip_id in clip_ids(tar))
    trained = json.loads((out / "ids_rank0.json").read_text())
    for epoch in ("0", "1"):
        assert sorted(trained[epoch]) == expected, epoch  # every clip once an epoch
    results = json.loads((out / "all_results.json").read_text())
    assert results["completed_steps"] == 7 * 2 and results["train_clips_per_process"] == [24]
    # Each training batch's dropout seed (seed * 1_000_003 + batch number * 97, the recipe's) is its own: the 7th
    # batch of the first epoch was numbered as the 1st of the second (6 numbers an epoch), and drew its dropout.
    seed = 0  # the recipe's default --seed
    steps = [s for s in json.loads((out / "seeds_rank0.json").read_text()) if s >= seed * 1_000_003 + 97]
    assert len(steps) == 14 and len(set(steps)) == 14, steps


@pytest.mark.parametrize("sizes", [[9, 3], [5, 4, 2, 1], [6, 3, 3]])
def test_the_planned_shares_of_a_stream_are_those_datasets_streams_to_each_process(shards, tmp_path, sizes):
    """`StreamingVideoDataset.worker_shares` (one worker) against the rows `datasets` really streams to each of 2
    processes, epoch by epoch (it reshuffles the shards' order every epoch, so with 4 unequal shards the shares
    change), with and without a shuffle buffer and a --max_train_samples cut. 2 or 4 shards: whole shards per
    process; 3: every 2nd clip; cut: every 2nd clip of the cut, 4 + 3."""
    from vivit_hf.training.data.streaming import StreamingVideoDataset, open_streaming_dataset

    source = repack(shards, tmp_path / "uneven", sizes)
    seen = set()
    for limit in (None, 7):
        split = open_streaming_dataset(str(source)).split("train")
        split.keep_first(limit)
        for buffer in (0, 4):
            datasets_ = [
                StreamingVideoDataset(split, None, batch_size=2, rank=rank, world_size=2, shuffle_buffer_size=buffer)
                for rank in (0, 1)
            ]
            for epoch in range(4):
                streamed = []
                for dataset in datasets_:
                    dataset.set_epoch(epoch)
                    streamed.append(sum(1 for _ in dataset.rows()))
                planned = [sum(clips) for clips in datasets_[0].worker_shares(epoch, num_workers=0)]
                assert planned == streamed, (limit, buffer, epoch)
                assert limit is None or sum(streamed) == limit, (buffer, epoch)  # the cut's clips, all of them
                seen.add(tuple(streamed))
    if sizes == [5, 4, 2, 1]:
        assert len(seen) > 2, seen  # the assignment did change between epochs


def test_an_unshuffled_stream_keeps_its_stored_order_every_epoch_on_every_process(shards):
    """`--shuffle_buffer_size 0` keeps the stored order (its help says so): the 4 training shards' clips in the
    tars' order every epoch, on one process, and on each of two (whole shards apiece, the same ones every epoch).
    `datasets` reorders the shards of a stream whose epoch is past 0, shuffled or not: from the third epoch they
    came in the order 3, 2, 0, 1."""
    from vivit_hf.training.data.hub_ids import json_clip_id
    from vivit_hf.training.data.streaming import open_streaming_dataset

    tars = sorted((shards / "data").glob("train-*.tar"))
    stored = [clip_id for tar in tars for clip_id in clip_ids(tar)]
    split = open_streaming_dataset(str(shards)).split("train")
    for world_size in (1, 2):
        ranks = [
            StreamingVideoDataset(split, None, batch_size=2, rank=rank, world_size=world_size)
            for rank in range(world_size)
        ]
        first = None
        for epoch in range(4):
            streamed = []
            for dataset in ranks:
                dataset.set_epoch(epoch)
                streamed.append([json_clip_id(row) for row in dataset.rows()])
            first = first or streamed
            assert streamed == first, (world_size, epoch)
        assert sorted(sum(first, [])) == sorted(stored)
        assert world_size == 2 or first == [stored]


@pytest.mark.parametrize("buffer", [0, 4])
def test_max_train_samples_streams_exactly_that_many_clips_over_two_processes(two_processes, buffer):
    """Training shards of 9 and 3 clips cut to 8 on two processes: 8 distinct clips, 4 per process, every epoch (in
    stored order, no shuffle buffer: the stream's first 8), and 8 is what the log and all_results.json say.
    datasets' own cut (take before the split) gave each process 8 / 2 = 4 clips of its own shard, and the one with
    3 streamed 3: 7 clips, reported as 8. (The shared launch's runs "max_samples_0" and "max_samples_4":
    RECORDING_FINETUNE, 2 epochs, two DataLoader workers a process, --shuffle_buffer_size 0 or 4.)"""
    uneven = two_processes["uneven"][1]
    first_shard, second_shard = (clip_ids(tar) for tar in sorted((uneven / "data").glob("train-*.tar")))
    assert (len(first_shard), len(second_shard)) == (9, 3)
    result, out = finished(two_processes, f"max_samples_{buffer}")
    assert "Distributed environment: DistributedType.MULTI_CPU  Backend: gloo" in result.stderr
    ranks = [json.loads((out / f"ids_rank{rank}.json").read_text()) for rank in (0, 1)]
    for epoch in ("0", "1"):
        trained = [clip_id for rank in ranks for clip_id in rank[epoch]]
        assert len(set(trained)) == 8 and set(trained) <= set(first_shard + second_shard), epoch
        if not buffer:
            assert sorted(trained) == sorted(first_shard[:8]), epoch
        assert [len(rank[epoch]) for rank in ranks] == [4, 4]
    assert "8 training clips" in result.stderr
    results = json.loads((out / "all_results.json").read_text())
    assert results["train_clips_per_process"] == [8, 8]  # 4 a process, 2 epochs
    assert results["completed_steps"] == 2 * 2  # batches of 2: 4 clips are 2 steps an epoch


# recipes/finetune.py as it is, recording in each process, for every optimiser step that really steps (accelerate's
# optimiser calls the wrapped one only then), how many batches went through `accelerator.backward` since the last:
# <output_dir>/windows_rank<N>.json.
WINDOW_RECORDING_FINETUNE = """
import json, os, runpy, sys
import accelerate, torch

windows, pending = [], [0]
backward = accelerate.Accelerator.backward
def counting_backward(self, loss, **kwargs):
    pending[0] += 1
    return backward(self, loss, **kwargs)
accelerate.Accelerator.backward = counting_backward
step = torch.optim.AdamW.step
def recording_step(self, *args, **kwargs):
    windows.append(pending[0])
    pending[0] = 0
    return step(self, *args, **kwargs)
torch.optim.AdamW.step = recording_step
script, sys.argv = sys.argv[1], sys.argv[1:]
try:
    runpy.run_path(script, run_name="__main__")
finally:  # unpatched for the launch's next run (launch_runs)
    accelerate.Accelerator.backward, torch.optim.AdamW.step = backward, step
    out, rank = sys.argv[sys.argv.index("--output_dir") + 1], os.environ.get("RANK", "0")
    open(f"{out}/windows_rank{rank}.json", "w").write(json.dumps(windows + [pending[0]]))
    open(f"{out}/left_group_rank{rank}.json", "w").write(json.dumps(not torch.distributed.is_initialized()))
"""


# Runs the recipe given first, then writes whether this process still is in a process group (it must not be) to
# <output_dir>/left_group_rank<N>.json.
GROUP_RECORDING = """
import json, os, runpy, sys
import torch

script, sys.argv = sys.argv[1], sys.argv[1:]
runpy.run_path(script, run_name="__main__")
out, rank = sys.argv[sys.argv.index("--output_dir") + 1], os.environ.get("RANK", "0")
open(f"{out}/left_group_rank{rank}.json", "w").write(json.dumps(not torch.distributed.is_initialized()))
"""


def accumulation_flags(data, out, processes, layout="streamed"):
    """The recipe's flags for the gradient accumulation test's run: `data` is the shards (streamed) or the
    videofolder (map_style)."""
    # Two workers read 2 shards each on one process; one on two processes (2 workers would make 2 batches of 2 + 1
    # clips a process). None for the map-style run: decoding its clips into memory in a pool under this wrapper hangs.
    workers = {("streamed", 1): 2, ("streamed", 2): 1}.get((layout, processes), 0)
    flags = ["--dataset", data, *STREAMING] if layout == "streamed" else ["--dataset", data]
    flags += tiny(workers)
    accumulation = {1: 4, 2: 2}[processes]
    flags += ["--output_dir", out, "--num_train_epochs", "2", "--gradient_accumulation_steps", accumulation]
    return flags + ["--checkpointing_steps", "epoch", "--optimizer", "adamw"]


@pytest.mark.parametrize(
    "layout, processes, accumulation, windows",
    [
        ("streamed", 1, 4, [4, 2, 4, 2, 0]),
        ("map_style", 1, 4, [4, 2, 4, 2, 0]),
        ("streamed", 2, 2, [2, 1, 2, 1, 0]),
    ],
    ids=["streamed", "map_style", "streamed_two_processes"],
)
def test_gradient_accumulation_steps_the_optimiser_on_each_epochs_last_partial_window(
    request,
    layout,
    processes,
    accumulation,
    windows,
):
    """12 clips in batches of 2: on one process 6 batches an epoch, accumulating 4 a window of 4 batches and a
    partial one of 2, stepped at the epoch's end (accelerate's `end_of_dataloader`, as for a prepared DataLoader):
    windows 4, 2, 4, 2 over 2 epochs, 4 optimiser steps, the plan's, and the epoch checkpoints at steps 2 and 4. On
    two processes (2 whole shards of 3 clips each) 3 batches a process, accumulating 2: windows 2, 1, 2, 1 on each.
    Streamed, accelerate was never told where an epoch ends: the partial window ran on into the next epoch (4, 4,
    4: 3 steps of a plan of 4). (On two processes: the shared launch's run "accumulation".)"""
    if processes == 2:
        out = finished(request.getfixturevalue("two_processes"), "accumulation")[1]
    else:  # the shared one-process runs' "accumulation_streamed" and "accumulation_map_style"
        out = alone(request.getfixturevalue("one_process_runs"), layout)[1]
    assert accumulation == {1: 4, 2: 2}[processes]  # what accumulation_flags asks for
    for rank in range(processes):  # nothing left unstepped at the end
        assert json.loads((out / f"windows_rank{rank}.json").read_text()) == windows, rank
        assert json.loads((out / f"left_group_rank{rank}.json").read_text()), rank  # no gloo abort at exit
    results = json.loads((out / "all_results.json").read_text())
    assert results["num_processes"] == processes
    assert results["completed_steps"] == 4 and results["train_clips_per_process"] == [24 // processes] * processes
    steps = {
        path.name: json.loads((path / "trainer_state.json").read_text())["completed_steps"]
        for path in (out / "checkpoints").iterdir()
    }
    assert steps == {"epoch_0": 2, "epoch_1": 4}


LOADER_SCRIPT = """
import json, sys, torch
from accelerate import PartialState
from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset, open_streaming_dataset

if __name__ == "__main__":  # its DataLoader workers run it again, as `__mp_main__` (the fork server)
    state = PartialState(cpu=True)
    split = open_streaming_dataset(sys.argv[1]).split(sys.argv[2])
    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    dataset = StreamingVideoDataset(split, processor, batch_size=2, shuffle_buffer_size=3, shuffle_seed=0,
                                    rank=state.process_index, world_size=state.num_processes)
    class Accelerator:  # what StreamingLoader asks of an accelerator
        num_processes, device = state.num_processes, torch.device("cpu")
        def reduce(self, tensor, reduction):  # a device-side reduce, waited on every step: what the loader must not use
            raise AssertionError("the has-data vote went through accelerator.reduce")
    events = []  # the order of the loader's collectives and the training loop's steps
    all_reduce = torch.distributed.all_reduce
    def recording_all_reduce(tensor, *args, **kwargs):
        events.append(["vote", tensor.device.type, bool(kwargs.get("async_op"))])
        return all_reduce(tensor, *args, **kwargs)
    torch.distributed.all_reduce = recording_all_reduce
    loader = StreamingLoader(dataset, num_workers=2, accelerator=Accelerator())
    epochs = []
    for epoch in range(2):
        loader.set_epoch(epoch)
        ids, steps = [], 0
        for batch in loader:
            events.append(["step"])
            ids += [i for i, real in zip(batch["ids"], batch["real"].tolist()) if real]
            steps += 1
        epochs.append({"ids": ids, "steps": steps})
    out = {"rank": state.process_index, "world_size": state.num_processes, "epochs": epochs, "events": events}
    open(f"{sys.argv[3]}/rank{state.process_index}.json", "w").write(json.dumps(out))
    torch.distributed.all_reduce = all_reduce  # unpatched for the launch's next run (launch_runs)
    torch.distributed.destroy_process_group()  # else gloo can abort the exit (see the end of recipes/finetune.py)
"""


@pytest.mark.parametrize("layout", ["four_shards", "one_shard"])
def test_streaming_on_two_processes_covers_every_clip_exactly_once_per_epoch(two_processes, layout):
    """4 shards: 2 whole shards per process (2 DataLoader workers, one shard each); 1 shard: every second clip per
    process (datasets' split_dataset_by_node when the shards do not divide). (The shared launch's runs
    "loader_four_shards" and "loader_one_shard": LOADER_SCRIPT on the shards or on one_shard.)"""
    clips = 12
    out = finished(two_processes, f"loader_{layout}")[1]
    ranks = [json.loads(path.read_text()) for path in sorted(out.glob("rank*.json"))]
    assert sorted(r["rank"] for r in ranks) == [0, 1] and {r["world_size"] for r in ranks} == {2}
    for epoch in range(2):
        seen = [clip for r in ranks for clip in r["epochs"][epoch]["ids"]]
        assert len(seen) == clips and len(set(seen)) == clips  # each clip once, by one process
        assert len({r["epochs"][epoch]["steps"] for r in ranks}) == 1  # in lockstep
    orders = [[clip for r in ranks for clip in r["epochs"][epoch]["ids"]] for epoch in range(2)]
    assert sorted(orders[0]) == sorted(orders[1]) and orders[0] != orders[1]  # reshuffled per epoch
    # "Any data left?" is a host-side collective started one step ahead: when step k runs, the vote for step k + 1
    # is already on its way, so the training step never waits for it (nor, on a GPU, for the kernels before it).
    for r in ranks:
        events, steps = r["events"], sum(e["steps"] for e in r["epochs"])
        assert all(e[1:] == ["cpu", True] for e in events if e[0] == "vote")
        assert [e[0] for e in events] == (["vote"] + ["vote", "step"] * r["epochs"][0]["steps"]) + (
            ["vote"] + ["vote", "step"] * r["epochs"][1]["steps"]
        ), f"{steps} steps"


def break_clips(shards, broken, which=lambda name: "00000000" in name):
    """A copy of `shards` whose clips named `which` are not videos."""
    (broken / "data").mkdir(parents=True)
    (broken / "README.md").write_text((shards / "README.md").read_text())
    for source in sorted((shards / "data").glob("*.tar")):
        with tarfile.open(source) as tar_in, tarfile.open(broken / "data" / source.name, "w") as tar_out:
            for member in tar_in.getmembers():
                data = tar_in.extractfile(member).read()
                if member.name.endswith(".mp4") and which(member.name):
                    data = b"not a video" * 10
                    member.size = len(data)
                tar_out.addfile(member, io.BytesIO(data))
    return broken


@pytest.mark.parametrize(
    "options, view",
    [
        ({"size": {"shortest_edge": 8}}, (8, 8)),
        ({"size": {"height": 8, "width": 10}, "do_center_crop": False}, (8, 10)),
    ],
    ids=["cropped", "resized_uncropped"],
)
def test_broken_clips_in_a_stream_are_skipped_and_counted(shards, tmp_path, options, view):
    """A broken clip's row is zeros of the views' shape: of a processor that crops nothing, its resize's (they were
    `crop_size`'s, 8x8 among views of 8x10, and the batch failed to stack)."""
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset, open_streaming_dataset

    broken = break_clips(shards, tmp_path / "broken")
    split = open_streaming_dataset(str(broken)).split("train")
    processor = ViViTVideoProcessor(num_frames=2, crop_size={"height": 8, "width": 8}, **options)
    loader = StreamingLoader(StreamingVideoDataset(split, processor, batch_size=4), num_workers=0)
    batches = list(loader)
    valid = torch.cat([b["valid"] for b in batches])
    assert len(valid) == 12 and int((~valid).sum()) == 1
    assert all(b["pixel_values"].shape[1:] == (2, 3, *view) for b in batches)


def test_a_streamed_run_of_only_broken_clips_fails_and_saves_no_model(one_process_runs):
    """As the non-streaming path refuses an all-broken data set: exit non-zero with the reason, no model, no card
    claiming an accuracy of 0.0 on 0 clips. (The shared one-process runs' "all_broken".)"""
    broken = one_process_runs / "all_broken"
    result, out = alone(one_process_runs, "all_broken", check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]  # one line naming the count, the data set and the split
    assert line.startswith("error: none of the 12 training clips of this run could be decoded: "), line
    assert f"every one in {broken} (split train) was unreadable" in line
    assert "eval top-1" not in result.stderr
    assert not (out / "model.safetensors").exists() and not (out / "README.md").exists()


def test_a_streamed_run_whose_evaluation_clips_are_all_broken_fails(one_process_runs):
    # (The shared one-process runs' "evaluation_broken": the test split's clips are not videos.)
    result, out = alone(one_process_runs, "evaluation_broken", check=False)
    assert result.returncode != 0
    assert "none of the 6 evaluation clips (test) could be decoded" in result.stderr
    assert not (out / "model.safetensors").exists() and not (out / "README.md").exists()


def csv_tables(videofolder, root, extra_row=None):
    """`root/train.csv`, `root/test.csv` (`video,label`) naming the clips as copied into `root/clips/`, by paths
    relative to the tables' folder; `extra_row` is appended to the training table. (Not in `clips/train/`: `datasets`
    would take split-named folders for the splits and read the clips as a videofolder, the tables ignored.)"""
    for split in ("train", "test"):
        rows = ["video,label"]
        for clip in sorted((videofolder / split).glob("*/*.mp4")):
            target = root / "clips" / f"{split[:2]}_{clip.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(clip, target)
            rows.append(f"{target.relative_to(root).as_posix()},{clip.parent.name}")
        if split == "train" and extra_row:
            rows.append(extra_row)
        (root / f"{split}.csv").write_text("\n".join(rows) + "\n")
    return root


def test_a_streamed_local_table_reads_its_relative_paths_from_the_tables_folder(one_process_runs):
    """As the whole data set reads them: every clip used to be "does not exist" (looked for from the working
    directory), and the run stopped after an epoch of skipped clips (exit 1). A path found nowhere is refused before
    training, in the one line the whole data set gives. (The shared one-process runs' "local_table", one epoch, and
    "local_table_gone", whose training table names a clip that is nowhere; both run from the repository.)"""
    result, out = alone(one_process_runs, "local_table", check=False)
    assert result.returncode == 0 and "does not exist" not in result.stderr, result.stderr[-3000:]
    results = json.loads((out / "all_results.json").read_text())
    assert results["train_clips_per_process"] == [12] and results["num_samples"] == 6
    assert results["num_skipped"] == 0 and results["train_skipped_clips"] == 0

    result = alone(one_process_runs, "local_table_gone", check=False)[0]
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "found nowhere" in last and "'clips/gone.mp4'" in last and "train.csv" in last, last
    assert "training clips" not in result.stderr


def evaluate_flags(shards, model):
    return ["--model", model, "--dataset", shards, "--dataset_format", "hub", "--num_workers", "1"]


def test_evaluate_streamed_on_two_processes_equals_the_whole_split_on_one(
    two_processes, shards, uninterrupted_stream, tmp_path
):
    # Streamed on two processes: the shared launch's run "evaluate" (GROUP_RECORDING around the evaluation).
    folders = {"streamed": finished(two_processes, "evaluate")[1], "whole": tmp_path / "whole"}
    # Each process left the process group before exit (else gloo can abort it: see the end of recipes/finetune.py).
    assert [json.loads((folders["streamed"] / f"left_group_rank{rank}.json").read_text()) for rank in (0, 1)] == [
        True,
        True,
    ]
    run(EVALUATE, *evaluate_flags(shards, uninterrupted_stream), "--output_dir", folders["whole"])
    streamed, whole = (json.loads((folders[d] / "eval_results.json").read_text()) for d in ("streamed", "whole"))
    assert streamed["num_processes"] == 2 and streamed["num_samples"] == whole["num_samples"] == 6
    assert streamed["confusion_matrix"] == whole["confusion_matrix"]
    rows = {
        d: {r["video_id"]: r for r in map(json.loads, (folders[d] / "predictions.jsonl").read_text().splitlines())}
        for d in ("streamed", "whole")
    }
    assert sorted(rows["streamed"]) == sorted(rows["whole"])  # each clip once, named by its source id
    for video_id, row in rows["whole"].items():
        assert (rows["streamed"][video_id]["label"], rows["streamed"][video_id]["prediction"]) == (
            row["label"],
            row["prediction"],
        )


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU: page-locked batches copied without blocking")
def test_streamed_batches_reach_the_gpu_from_page_locked_memory_unchanged(shards, monkeypatch):
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset, open_streaming_dataset

    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})

    def batches(device):
        split = open_streaming_dataset(str(shards)).split("train")
        return list(StreamingLoader(StreamingVideoDataset(split, processor, batch_size=4), 1, device=device))

    copies = []
    to = torch.Tensor.to

    def recording_to(tensor, *args, **kwargs):
        copies.append((tensor.is_pinned(), kwargs.get("non_blocking", False)))
        return to(tensor, *args, **kwargs)

    on_host = batches(None)
    monkeypatch.setattr(torch.Tensor, "to", recording_to)
    on_gpu = batches(torch.device("cuda"))
    assert copies and all(pinned and non_blocking for pinned, non_blocking in copies)
    for host, gpu in zip(on_host, on_gpu, strict=True):
        assert gpu["pixel_values"].is_cuda and torch.equal(gpu["pixel_values"].cpu(), host["pixel_values"])
        assert torch.equal(gpu["labels"].cpu(), host["labels"])


def test_the_unknown_sizes_warning_names_who_shares_the_epoch():
    """One process with DataLoader workers: the workers share the epoch (the warning spoke of "1 processes")."""
    from test_recipes_finetune import load_recipe

    readers = load_recipe().readers
    assert readers(1, 0) == "1 process" and readers(2, 1) == "2 processes"
    assert readers(1, 2) == "2 DataLoader workers" and readers(2, 3) == "2 processes x 3 DataLoader workers"


def test_a_stream_and_the_whole_read_say_how_many_clips_each_split_lacks_on_disk(videofolder, tmp_path, caplog):
    """metadata.csv names a symlink to a disk not mounted: both reads leave the row out, count it in `data.missing`
    and say "1 clip of split 'train' is named by the annotations but missing on disk" (it said "1 clips ... are");
    `--streaming` said nothing (only the whole read printed the count)."""
    from accelerate import PartialState

    from vivit_hf.training import finetune

    root = tmp_path / "repo"
    for split in ("train", "test"):
        (root / split).mkdir(parents=True)
        clips = sorted((videofolder / split).glob("*/*.mp4"))[:2]
        rows = ["file_name,label"]
        for i, clip in enumerate(clips):
            shutil.copy(clip, root / split / f"c{i}.mp4")
            rows.append(f"c{i}.mp4,{clip.parent.name}")
        for gone in ("gone.mp4", "gone2.mp4")[: 1 + (split == "test")]:  # (1 clip, and 2: said each way)
            (root / split / gone).symlink_to(tmp_path / "unmounted" / gone)
            rows.append(f"{gone},{clips[0].parent.name}")
        (root / split / "metadata.csv").write_text("\n".join(rows) + "\n")
    said = {}
    for streaming in (False, True):
        args = finetune.parse_args(
            ["--dataset", str(root), "--dataset_format", "hub", "--cache_dir", str(tmp_path / "cache")]
            + ["--streaming"] * streaming
        )
        caplog.clear()
        with caplog.at_level("WARNING", logger="vivit_hf.training.finetune"):
            data = finetune.load_data(args, PartialState())[0]
        assert data.missing == {"train": 1, "test": 2}
        messages = [r.getMessage().removeprefix("[RANK 0] ") for r in caplog.records]  # accelerate's logger's prefix
        said[streaming] = [m for m in messages if "missing on disk" in m]
    assert (
        said[True]
        == said[False]
        == [
            "1 clip of split 'train' is named by the annotations but missing on disk",
            "2 clips of split 'test' are named by the annotations but missing on disk",
        ]
    )


def test_processes_streaming_with_different_worker_counts_are_refused_as_different_command_lines():
    """`--num_workers` may differ between machines (it is how many decoders each runs), but not with `--streaming`:
    `datasets` deals each process's shards to its DataLoader workers, and a stream whose shards do not divide between
    the processes is split clip by clip within each worker's shards, so two processes with 2 and 1 workers deal out
    other clips (here `datasets` itself: 3 shards of 3 clips, 3 of them streamed twice an epoch, 3 never). The
    machines are refused in one line naming the flag, as for any flag that differs, rather than trained so."""
    import datasets
    from datasets.distributed import split_dataset_by_node

    from vivit_hf.training.agreement import command_flags, disagreement
    from vivit_hf.training.finetune import parse_args

    def clips(shards):
        for shard in shards:
            yield from ({"id": f"{shard}{i}"} for i in range(3))

    stream = datasets.IterableDataset.from_generator(clips, gen_kwargs={"shards": ["a", "b", "c"]})
    streamed = [
        row["id"]
        for rank, workers in ((0, 2), (1, 1))
        for row in torch.utils.data.DataLoader(
            split_dataset_by_node(stream, rank=rank, world_size=2), batch_size=None, num_workers=workers
        )
    ]
    assert len(streamed) == 9 and len(set(streamed)) == 6  # what the refusal prevents: 3 twice, 3 never

    def view(rank, workers, *streaming):
        argv = ["--dataset", "me/shards", "--dataset_format", "hub", *streaming, "--num_workers", str(workers)]
        flags = command_flags(parse_args(argv, check_paths=False))
        return {"refusal": None, "flags": flags, "resume": None, "where": f"rank {rank}"}

    streamed_views = [view(0, 2, "--streaming"), view(1, 1, "--streaming")]
    assert disagreement(streamed_views, 0) == (
        "error: the processes were given different command lines: --num_workers 2 on rank 0, 1 on rank 1; every "
        "machine must run the same command (only the launcher's machine rank differs; with --streaming, "
        "--num_workers too: each process's DataLoader workers share out its shards, so other worker counts read "
        "other clips)"
    )
    assert disagreement([view(0, 2), view(1, 1)], 0) is None  # read whole, each clip is dealt out by index


def test_copies_of_a_stream_holding_other_shards_have_other_digests_and_copies_elsewhere_the_same(shards, tmp_path):
    """Machines that each stream their own copy of the shards (copied to each machine's disk) must hold the same
    shards: processes share a stream out by the position of its shards, so a copy one shard short made its process
    split the stream clip by clip (3 shards on 2 processes) while the other took whole shards (4): here, by `datasets`
    itself, 2 clips streamed twice an epoch and 4 never. `examples_digest`, which the recipes compare between
    processes, said nothing of streams; a stream's is its shards' names and sizes, not their folder."""
    from datasets.distributed import split_dataset_by_node

    from vivit_hf.training.data.examples import examples_digest
    from vivit_hf.training.data.streaming import open_streaming_dataset

    copies = {name: tmp_path / name / "shards" for name in ("here", "elsewhere", "short")}
    for copy in copies.values():
        shutil.copytree(shards, copy)
    (copies["short"] / "data" / "train-00003-of-00004.tar").unlink()
    train = {name: open_streaming_dataset(str(copy)).split("train") for name, copy in copies.items()}
    streamed = [
        row["json"]["id"]
        for rank, copy in ((0, "here"), (1, "short"))
        for row in split_dataset_by_node(train[copy].dataset, rank=rank, world_size=2)
    ]
    assert (len(streamed), len(set(streamed))) == (10, 8)  # what the refusal prevents: 2 clips twice, 4 never

    digests = {name: examples_digest(split) for name, split in train.items()}
    assert digests["here"] == digests["elsewhere"] and digests["here"].startswith("12 clips in 4 shards:")
    assert digests["short"] != digests["here"] and digests["short"].startswith("9 clips in 3 shards:")
    cut = open_streaming_dataset(str(copies["here"])).split("train")
    cut.keep_first(8)
    assert examples_digest(cut) != digests["here"] and examples_digest(cut).startswith("8 clips in 4 shards:")


def test_machines_streaming_copies_that_hold_other_shards_are_refused_before_training(two_processes):
    """The shared launch's run "copies_apart": each process streams its own machine's copy of the shards, and machine
    1's lacks one of the 4 training shards. Every process stops before training with one line naming what each
    holds; they trained, process 0 on whole shards and process 1 on every other clip of 3 (some twice, some never)."""
    result, out = two_processes["copies_apart"]
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if "read different clips" in line)
    assert line.startswith("error: the processes read different clips for split 'train': 12 clips in 4 shards (")
    assert "; 9 clips in 3 shards (digest " in line
    assert not (out / "all_results.json").exists()


def test_a_processor_option_that_fails_on_every_streamed_clip_is_raised_not_counted_as_broken_clips(shards, tmp_path):
    """The stream counted any ValueError or TypeError the processor raised as a broken clip: an option that no clip
    can be processed with (here `frame_stride` 0 set as an attribute, which the processor checks when called) skipped
    every clip, and a run stopped saying that none of its clips could be decoded, every one unreadable, while the
    videos were fine. The option's error is now raised at the first clip; a clip that does not decode is still
    skipped and counted (`test_broken_clips_in_a_stream_are_skipped_and_counted`)."""
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset, open_streaming_dataset

    split = open_streaming_dataset(str(break_clips(shards, tmp_path / "broken"))).split("train")
    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    processor.frame_stride = 0
    loader = StreamingLoader(StreamingVideoDataset(split, processor, batch_size=4), num_workers=0)
    with pytest.raises(ValueError, match="frame_stride must be a positive integer, got 0"):
        list(loader)


def drop_a_video(shards, copy):
    """A copy of `shards` whose first training sample lost its `.mp4` member (its `.cls` and `.json` kept): a row
    whose video is None, as `datasets` reads a WebDataset sample without the member. Returns that sample's id."""
    shutil.copytree(shards, copy)
    first = sorted((copy / "data").glob("train-*.tar"))[0]
    with tarfile.open(first) as tar:
        members = [(member, tar.extractfile(member).read()) for member in tar.getmembers()]
    key = members[0][0].name.split(".")[0]
    with tarfile.open(first, "w") as tar:
        for member, data in members:
            if not (member.name.startswith(key + ".") and member.name.endswith(".mp4")):
                tar.addfile(member, io.BytesIO(data))
    return json.loads(next(data for member, data in members if member.name == f"{key}.json"))["id"]


def streamed_epochs(split, epochs: int = 2):
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset

    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    loader = StreamingLoader(StreamingVideoDataset(split, processor, batch_size=4), num_workers=0)
    seen = []
    for epoch in range(epochs):
        loader.set_epoch(epoch)
        batches = list(loader)
        real = torch.cat([b["real"] for b in batches])
        valid = torch.cat([b["valid"] for b in batches])
        ids = [clip for b in batches for clip in b["ids"]]
        seen.append({"clips": int(real.sum()), "broken": int((~valid & real).sum()), "ids": sorted(ids)})
    return seen


def test_a_streamed_row_without_a_video_is_left_out_as_the_whole_read_leaves_it_not_skipped_every_epoch(
    shards, tmp_path, caplog
):
    """A row whose video is None was decoded as a broken clip ("the row has no video"): warned about, and counted
    among the skipped clips, every epoch. The whole read leaves it out at load and counts it once (`clipless`); the
    stream now streams the clips the whole read reads, none broken, and names the row once."""
    from vivit_hf.training.data.formats import load_video_dataset
    from vivit_hf.training.data.streaming import open_streaming_dataset

    copy = tmp_path / "copy"
    lost = drop_a_video(shards, copy)
    whole = load_video_dataset(copy, "hub")
    assert whole.missing == {} and whole.clipless == {"train": 1}
    read = sorted(example["id"] for example in whole.split("train"))
    assert len(read) == 11 and lost not in read
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.streaming"):
        epochs = streamed_epochs(open_streaming_dataset(str(copy)).split("train"))
    assert epochs == [{"clips": 11, "broken": 0, "ids": read}] * 2
    named = [r.getMessage() for r in caplog.records if r.name.endswith("streaming") and "no video" in r.getMessage()]
    assert len(named) == 1 and repr(lost) in named[0], named
    assert not any("skipping broken clip" in r.getMessage() for r in caplog.records)


def test_a_streamed_local_table_counts_its_rows_without_a_video_as_the_whole_read_does(
    videofolder,
    tmp_path,
):
    from vivit_hf.training.data.formats import load_video_dataset
    from vivit_hf.training.data.streaming import open_streaming_dataset

    data = csv_tables(videofolder, tmp_path / "tables", extra_row=",up")
    whole = load_video_dataset(data, "hub")
    streamed = open_streaming_dataset(str(data))
    assert streamed.clipless == whole.clipless == {"train": 1} and streamed.missing == whole.missing == {}
    read = sorted(example["id"] for example in whole.split("train"))
    assert streamed_epochs(streamed.split("train")) == [{"clips": 12, "broken": 0, "ids": read}] * 2


def test_dataloader_workers_are_a_batch_setting_only_when_streaming():
    """Read whole, clips are dealt to the workers by a sampler the worker count does not change: a resume with
    another `--num_workers` goes on; streamed it is refused (the test above)."""
    from vivit_hf.training import finetune

    def settings(*flags):
        return json.loads(json.dumps(finetune.run_settings(finetune.parse_args(list(flags)), 1)))

    assert finetune.check_resume_settings(settings("--num_workers", "2"), settings("--num_workers", "1")) == []
    streamed = ["--dataset", "shards", "--dataset_format", "hub", "--streaming"]
    with pytest.raises(ValueError, match=r"other batches.*--num_workers 2 -> 1"):
        finetune.check_resume_settings(
            settings(*streamed, "--num_workers", "2"), settings(*streamed, "--num_workers", "1")
        )
    # a streamed run recorded by the version before (no worker count among its batch settings) is still "the same
    # command" run again
    recorded = settings(*streamed, "--num_workers", "2")
    del recorded["batches"]["num_workers"]
    assert finetune.same_settings(
        recorded, finetune.run_settings(finetune.parse_args([*streamed, "--num_workers", "2"]), 1)
    )


def test_a_resume_on_a_folder_that_gained_a_clip_is_refused(tmp_path):
    """Read whole, the sampler deals clips out by position too: a class folder that gained a clip (a download that
    finished later) shifts every later clip, so the resumed epoch's skipped batches are other clips."""
    from test_recipes_finetune import tiny_clip

    from vivit_hf.training.data import load_video_dataset
    from vivit_hf.training.data.examples import examples_digest
    from vivit_hf.training.finetune import check_resume_clips

    for i in range(4):
        tiny_clip(tmp_path / "clips" / "train" / ("up" if i % 2 else "down") / f"{i}.mp4", label=i % 2, seed=i)
    before = examples_digest(load_video_dataset(str(tmp_path / "clips"), "videofolder").split("train"))
    assert check_resume_clips(before, before) == []
    tiny_clip(tmp_path / "clips" / "train" / "down" / "10.mp4", label=0, seed=10)
    after = examples_digest(load_video_dataset(str(tmp_path / "clips"), "videofolder").split("train"))
    with pytest.raises(ValueError, match=r"4 clips \(digest \w+\) then, 5 clips \(digest \w+\) now"):
        check_resume_clips(before, after)
    assert "older version" in check_resume_clips(None, after)[0]


def test_a_hub_folder_stream_that_datasets_decodes_in_threads_is_read_undecoded_by_forked_workers(
    videofolder,
    monkeypatch,
):
    """datasets (5.2) streams a Hub folder repo with its clips decoded in a pool of threads (`decode(num_threads=32)`
    on an `hf://` base path), which the cast to `Video(decode=False)` did not stop: rows came decoded (torchcodec;
    without it, an ImportError at the label peek), and once the process had read a row, a DataLoader worker forked
    from it waited forever on its first row (the pool's threads are not in a forked child). Stood in for by the same
    folder read locally with that decoding step added as datasets adds it; the reference is the local stream."""
    import datasets

    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset, open_streaming_dataset

    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})

    def streamed(data):
        split = data.split("test")
        rows = [dict(row) for row in split.dataset]
        dataset = StreamingVideoDataset(split, processor, batch_size=6)
        batches = list(StreamingLoader(dataset, num_workers=1))  # a worker forked after this process read the rows
        return rows, [clip_id for batch in batches for clip_id in batch["ids"]], batches

    reference = streamed(open_streaming_dataset(str(videofolder)))
    load_dataset = datasets.load_dataset

    def as_on_the_hub(*args, **kwargs):
        loaded = load_dataset(*args, **kwargs)
        return datasets.IterableDatasetDict({split: d.decode(num_threads=2) for split, d in loaded.items()})

    monkeypatch.setattr(datasets, "load_dataset", as_on_the_hub)
    rows, ids, batches = streamed(open_streaming_dataset(str(videofolder)))
    assert rows == reference[0] and all(isinstance(row["video"], dict) for row in rows)
    assert ids == reference[1] and len(ids) == 6
    assert torch.equal(batches[0]["pixel_values"], reference[2][0]["pixel_values"])


def many_shards(folder, sizes):
    """Training tars of `sizes` clips each (one tiny clip's bytes under every key, each sample its own `.json` id)."""
    from test_recipes_finetune import tiny_clip

    tiny_clip(folder / "clip.mp4", label=0, seed=0)
    video = (folder / "clip.mp4").read_bytes()
    (folder / "clip.mp4").unlink()
    (folder / "data").mkdir()
    for shard, size in enumerate(sizes):
        with tarfile.open(folder / "data" / f"train-{shard:05d}-of-{len(sizes):05d}.tar", "w") as tar:
            for i in range(size):
                key = f"s{shard:03d}_{i}"
                for name, data in (
                    (f"{key}.mp4", video),
                    (f"{key}.cls", str(i % 2).encode()),
                    (f"{key}.json", json.dumps({"id": f"clip-{shard}-{i}"}).encode()),
                ):
                    member = tarfile.TarInfo(name)
                    member.size = len(data)
                    tar.addfile(member, io.BytesIO(data))
    return folder


def test_64_shards_over_two_processes_of_two_workers_stream_every_clip_once_an_epoch_and_resume_without_a_gap(
    tmp_path,
):
    """At scale: 64 tars of 1-4 clips, two processes (ranks 0 and 1 of 2) of two DataLoader workers each, a shuffle
    buffer. Each epoch every clip the tars hold (read with tarfile alone) comes once, from one process, each process
    as many as its planned share; a process resumed from its position mid-epoch delivers the rest of that epoch."""
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset, open_streaming_dataset

    sizes = [1 + i % 4 for i in range(64)]
    folder = many_shards(tmp_path / "shards", sizes)
    expected = sorted(clip_id for tar in (folder / "data").glob("train-*.tar") for clip_id in clip_ids(tar))
    assert len(expected) == sum(sizes) == 160
    split = open_streaming_dataset(str(folder)).split("train")
    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})

    def batches(rank, epoch, resume=None, stop=None):
        dataset = StreamingVideoDataset(
            split, processor, batch_size=3, shuffle_buffer_size=8, shuffle_seed=0, rank=rank, world_size=2
        )
        loader = StreamingLoader(dataset, num_workers=2)
        loader.set_epoch(epoch)
        if resume is not None:
            loader.resume(resume)
        delivered = []
        for batch in loader:
            delivered.append(list(batch["ids"]))
            if len(delivered) == stop:
                return delivered, loader.position(), None
        return delivered, None, dataset.worker_shares(epoch, 2)

    for epoch in (0, 1):
        seen = []
        for rank in (0, 1):
            whole, _, shares = batches(rank, epoch)
            clips = [clip_id for batch in whole for clip_id in batch]
            assert len(clips) == sum(shares[rank])  # the share the steps are planned on
            seen += clips
            head, position, _ = batches(rank, epoch, stop=len(whole) // 2)
            assert len(position) == 2  # both workers had delivered batches
            tail, _, _ = batches(rank, epoch, resume=position)
            assert head + tail == whole, f"rank {rank}, epoch {epoch}, resumed at {position}"
        assert sorted(seen) == expected, f"epoch {epoch}"  # every clip once, by one process
