# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What every process of a launch must agree on before a run starts: whether to start at all, the command line,
and the checkpoint to resume.

Each machine of a launch decides alone what its own folder and flags allow. Decided apart, they part ways in
silence: a machine that refuses exits while the others wait for it at their first collective (gloo's and NCCL's
default timeout is 30 minutes); a machine whose --output_dir lacks the checkpoint the others resume refuses while
they wait, or resumes another one, its collectives apart from theirs; a flag typed differently on one machine (a
learning rate) trains model copies that drift apart, or (a batch size) aborts inside gloo with no message. So every
process joins the process group first, decides, and then all compare what they decided in one collective: when any
one refuses, or their command lines or checkpoints differ, every process stops with one line. On one process (no
process group) nothing is exchanged.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import sys
import uuid
from pathlib import Path

import torch.distributed as dist
from accelerate import PartialState

from vivit_hf.training.flags import CommandLineRefused, ddp_timeout_given, refusals_held
from vivit_hf.training.launch import cpu_process_group

# Flags that name what lies on each machine (paths, worker counts, a token) or bound only its own waits: they may
# differ between machines. Every other flag shapes the run itself (data, model, optimisation, which steps are
# collectives: logging, checkpoints, pushes) and must be the same on every process.
MACHINE_LOCAL_FLAGS = frozenset({"output_dir", "cache_dir", "num_workers", "torch_threads", "hub_token", "ddp_timeout"})

# ... except with --streaming, where the DataLoader workers are part of how the stream is shared out: `datasets` deals
# a process's shards to its workers, and a stream whose shards do not divide between the processes is split clip by
# clip within each worker's shards, so processes with other worker counts keep other clips (3 shards of 3 clips, 2
# workers on one process and 1 on the other: 3 clips read twice an epoch, 3 never); the steps an epoch is planned on
# and the checkpoint's stream position (one count per worker, gathered) are counted per worker too.
STREAM_SHAPING_FLAGS = frozenset({"num_workers"})

SAME_FOLDER = (
    "every machine's --output_dir must hold the checkpoint rank 0 resumes: one folder every machine shares, or on "
    "each machine the copy a run without a shared folder keeps there (copy rank 0's --output_dir to a machine that "
    "lacks it)"
)


def process_group_kwargs(ddp_timeout: float) -> dict:
    """`PartialState` / `InitProcessGroupKwargs` keywords for transformers' `--ddp_timeout` (seconds): how long a
    collective waits for a process that never comes (a machine lost or killed) before the run fails."""
    return {"timeout": datetime.timedelta(seconds=ddp_timeout)}


def command_flags(args) -> dict:
    """The flags every process must be given alike, as plain JSON values (so that they compare across processes)."""
    local = MACHINE_LOCAL_FLAGS - STREAM_SHAPING_FLAGS if getattr(args, "streaming", False) else MACHINE_LOCAL_FLAGS
    shared = {name: value for name, value in vars(args).items() if name not in local}
    return json.loads(json.dumps(shared, default=str))


def resume_choice(checkpoint: Path | None, state: dict | None, output_dir: Path) -> list | None:
    """What a process resumes: [checkpoint folder, relative to --output_dir where it lies there, its step], or None
    (from scratch). Relative, so machines that mount one shared folder at other paths still agree."""
    if checkpoint is None:
        return None
    path = Path(checkpoint)
    try:
        shown = str(path.relative_to(output_dir))
    except ValueError:
        shown = str(path)
    return [shown, (state or {}).get("completed_steps")]


def held_checkpoints(output_dir: Path) -> list[list]:
    """The finished checkpoints a process's --output_dir holds, oldest first, as `resume_choice` names them: so that
    machines whose latest checkpoints differ (a run stopped while one machine had saved a step and another not) are
    told the latest one they all hold."""
    from vivit_hf.training.checkpoints import STATE_FILE, checkpoints_once_saves_finish, saved_in

    held = []
    for path in checkpoints_once_saves_finish(output_dir):  # (a killed save is put in place once every process agrees)
        try:
            state = json.loads((saved_in(path, output_dir) / STATE_FILE).read_text())
            held.append(resume_choice(path, state, output_dir))
        except (OSError, ValueError):  # removed or rewritten since listed: not held
            continue
    return held


def attempt(decide, *args, **kwargs):
    """`decide(*args, **kwargs)` with its refusal kept instead of raised: (result, refusal, error). A refusal is a
    SystemExit with a message (its line) or a `CommandLineRefused` (kept whole: its lines and status 2 are argparse's);
    any other exception (a bug) is kept too, so the others still hear of it and this process raises it, traceback
    and all, once they have."""
    try:
        return decide(*args, **kwargs), None, None
    except CommandLineRefused as refused:
        return None, refused, None
    except SystemExit as stop:
        if isinstance(stop.code, str):
            return None, stop.code, None
        return None, f"error: exited with status {stop.code}", stop
    except Exception as error:
        return None, f"error: {type(error).__name__}: {error}", error


def agree(
    flags: dict | None,
    refusal: str | CommandLineRefused | None = None,
    resume: list | None = None,
    error: BaseException | None = None,
    held: list[list] | None = None,
):
    """Compare this process's decision with every other's (one collective; nothing on one process) and stop every
    process when they differ: any one refused, the command lines differ, or the checkpoints to resume differ. Each
    distinct line is printed once per machine (`speaks`), not once per process; the exit status is the refusal's
    (2 for a `CommandLineRefused`, as argparse's on one process), else 1. A process that failed with an error raises
    it (its traceback) after the others have heard. `held`: the checkpoints this process's --output_dir holds
    (`held_checkpoints`), named in the line where the processes' latest checkpoints differ."""
    shown, status = None, 1
    if isinstance(refusal, CommandLineRefused):
        shown, status, refusal = refusal.shown, refusal.code, f"error: {refusal.message}"
    mine = {"refusal": refusal, "status": status, "flags": flags, "resume": resume, "where": _where_am_i()}
    mine["held"] = held
    mine["machine"] = _machine()
    views = _gather(mine)
    rank = dist.get_rank() if len(views) > 1 else 0
    line = disagreement(views, rank)
    if line is None:
        return
    if len(views) > 1:  # every process ends here alike: leave the group cleanly rather than hang on exit
        dist.destroy_process_group()
    if error is not None:
        raise error
    status = exit_status(views, rank)
    if not speaks(views, rank):
        raise SystemExit(status)
    if status == 1:  # the line is the exit's message, printed by Python as it exits (and readable by the caller)
        raise SystemExit(line)
    sys.stderr.write(shown if shown and line == refusal else f"{line}\n")  # argparse's lines for its own refusal
    raise SystemExit(status)


def exit_status(views: list[dict], rank: int) -> int:
    """This process's refusal's status, else the first refusal's (2: a command line refused, as argparse's), else 1
    (command lines or checkpoints that differ)."""
    refused = [views[rank]] if views[rank]["refusal"] else [view for view in views if view["refusal"]]
    return refused[0].get("status", 1) if refused else 1


def speaks(views: list[dict], rank: int) -> bool:
    """Whether process `rank` prints its line: the processes of one machine share a console (their launcher's), so
    the first of each machine does, and another only for a refusal of its own that no lower process of its machine
    has said. Two processes refusing one flag alike print it once, not twice, interleaved."""
    mine = views[rank]
    own = (mine["refusal"] or "").removeprefix("error: ")
    for lower in range(rank):
        if views[lower].get("machine") != mine.get("machine"):
            continue
        said = disagreement(views, lower) or ""
        if not own or own in said or said == disagreement(views, rank):
            return False
    return True


def join_process_group(ddp_timeout: float) -> int:
    """Join the launch's process group as the recipes do (gloo on CPUs, collectives waiting `ddp_timeout` seconds for
    a process that does not come) and return the number of processes: 1, and nothing joined, without a launcher."""
    return PartialState(cpu=cpu_process_group(), **process_group_kwargs(ddp_timeout)).num_processes


def parse_everywhere(parse, argv=None):
    """`parse(argv)` (a recipe's flags). A command line it refuses on this machine (an unknown flag, a value of the
    wrong type: argparse's line is printed) is told to every process of the launch, so that they stop at once with
    one line naming this one, rather than wait for it at their first collective for --ddp_timeout; then the refusal
    is raised here as on one process, where nothing is exchanged."""
    try:
        with refusals_held():  # printed below, once: every process of a launch refuses a flag alike
            return parse(argv)
    except CommandLineRefused as refused:
        if join_process_group(ddp_timeout_given(argv)) > 1:
            agree(None, refused)  # prints it where it is to be read, and stops this process with status 2
        print(refused.shown, end="", file=sys.stderr)
        raise


def disagreement(views: list[dict], rank: int) -> str | None:
    """The line process `rank` stops with, given every process's decision (`views`, indexed by rank), or None when
    they agree. Differing command lines come first (a refusal may be their consequence), then refusals, then
    checkpoints."""
    flags = differing_flags([view for view in views if view["flags"] is not None])  # None: its flags did not parse
    if flags:
        # --num_workers is compared only when streaming (STREAM_SHAPING_FLAGS), and the pages say it may differ:
        # the line says why it may not here
        why = (
            "; with --streaming, --num_workers too: each process's DataLoader workers share out its shards, so other "
            "worker counts read other clips"
            if any(part.startswith("--num_workers ") for part in flags.split("; "))
            else ""
        )
        return (
            f"error: the processes were given different command lines: {flags}; every machine must run the same "
            f"command (only the launcher's machine rank differs{why})"
        )
    refused = [r for r, view in enumerate(views) if view["refusal"]]
    if refused:
        if rank in refused:
            return views[rank]["refusal"]
        first = refused[0]
        reason = views[first]["refusal"].removeprefix("error: ")
        return f"error: {views[first]['where']} refused: {reason}"
    return resume_disagreement(views, rank)


def differing_flags(views: list[dict]) -> str:
    """`--learning_rate 0.001 on rank 0 (machine 0), 0.01 on rank 1 (machine 1); ...` for each flag whose value is
    not the same on every process ("" when none)."""
    names = sorted({name for view in views for name in view["flags"]})
    parts = []
    for name in names:
        values = [view["flags"].get(name) for view in views]
        if all(value == values[0] for value in values):
            continue
        seen: list = []  # values in rank order, each with the processes given it
        for view, value in zip(views, values):
            for entry in seen:
                if entry[0] == value:
                    entry[1].append(view["where"])
                    break
            else:
                seen.append([value, [view["where"]]])
        shown = ", ".join(f"{_flag_value(value)} on {' and '.join(where)}" for value, where in seen)
        parts.append(f"--{name} {shown}")
    return "; ".join(parts)


def resume_disagreement(views: list[dict], rank: int) -> str | None:
    """The line for checkpoints that differ from rank 0's (the one every process must resume), else None."""
    wanted = views[0]["resume"]
    apart = [r for r, view in enumerate(views) if view["resume"] != wanted]
    if not apart:
        return None
    other = rank if rank in apart else apart[0]
    theirs = views[other]["resume"]
    if wanted is None:  # `latest` (a named checkpoint rank 0 lacks is its refusal): alone, rank 0 would refuse it
        return (
            f"error: --resume_from_checkpoint: {views[0]['where']} found no checkpoint to resume in its "
            f"--output_dir, while {_whose(other, rank, views)} --output_dir holds {_checkpoint(theirs)}: every machine "
            "resumes rank 0's checkpoint, and with none there --resume_from_checkpoint latest is refused; copy that "
            "checkpoint to rank 0's --output_dir (or keep one folder every machine shares) to continue from it"
        )
    common = _held_by_all(views)
    if theirs is not None and common is not None:
        # Each machine's `latest` is its own newest: one machine saved a step the other had not when the run
        # stopped. The line said rank 0's checkpoint was lacking on a machine that held it too, with no way on.
        shown = ", ".join(
            f"{_checkpoint(choice)} on {' and '.join(where)}" for choice, where in _grouped(views, "resume")
        )
        return (
            f"error: --resume_from_checkpoint: the machines' latest checkpoints differ: {shown} (a run stopped "
            f"while some machines had saved a checkpoint and others not); every machine holds {_checkpoint(common)}: "
            f"resume it on every machine with --resume_from_checkpoint <--output_dir>/{common[0]}, or copy the later "
            "checkpoint to every machine's --output_dir"
        )
    else:
        holds = f"holds {_checkpoint(theirs)} instead" if theirs else "holds no checkpoint"
        said = (
            f"{views[0]['where']} resumes {_checkpoint(wanted)}, which {_whose(other, rank, views)} --output_dir "
            f"lacks (it {holds})"
        )
    return f"error: --resume_from_checkpoint: {said}: {SAME_FOLDER}"


def agree_on_examples(
    digests: dict[str, str], classes: dict[str, list[str]] | None = None, caveats: dict[str, dict | None] | None = None
) -> None:
    """Stop every process, with one line per machine, when they read different clips: `digests` is `{split:
    examples_digest(...)}` as this process read them. Machines that each read their own copy of a data set (one disk
    each) share clips out by position, so a copy lacking one clip shifts every later one: with two processes, 5 of 20
    clips would be read twice an epoch and 5 never. `classes`: the data set's classes by id (its
    `label_spaces`), which they must number alike (`examples_disagreement`). `caveats`: `{split: digest_caveat(...)}`,
    a stream's digest without its shards' contents and why those could not be read here. Nothing is exchanged on one
    process."""
    views = _gather(
        {"digests": digests, "classes": classes, "caveats": caveats, "where": _where_am_i(), "machine": _machine()}
    )
    line = examples_disagreement(views, digests)
    if line is None:
        return
    rank = dist.get_rank()
    dist.destroy_process_group()
    first_of_machine = next(r for r, view in enumerate(views) if view["machine"] == views[rank]["machine"])
    raise SystemExit(line if rank == first_of_machine else 1)


def first_across_processes(find) -> str | None:
    """The first of the processes' findings, the same line on every process, or None: `find(rank, world_size)` looks
    through process `rank`'s share of the clips for `(position, line)` (`header_refusal_in`), and the finding at the
    lowest position is the one `find(0, 1)` on one process gives. A check of every evaluation clip's header was each
    process's own, in full: 20 000 clips read by every process (a few ms each, so 30-60 s apiece) before the first
    step. A process whose `find` raised raises it once the others have heard (they stop with its line), so none waits
    at a collective it will never join. On one process nothing is exchanged."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        found = find(0, 1)
        return found and found[1]
    found, error = None, None
    try:
        found = find(dist.get_rank(), dist.get_world_size())
    except Exception as raised:  # (a bug): the others are told, then it is raised here
        error = raised
    views = _gather({"found": found, "error": error and f"{type(error).__name__}: {error}", "where": _where_am_i()})
    if error is not None:
        raise error
    failed = next((view for view in views if view["error"]), None)
    if failed is not None:
        raise SystemExit(f"error: {failed['where']} failed: {failed['error']}")
    findings = [tuple(view["found"]) for view in views if view["found"]]
    return min(findings)[1] if findings else None


def examples_disagreement(views: list[dict], digests: dict[str, str]) -> str | None:
    """`agree_on_examples`' line for the processes' `views`, None where they agree. The classes come first: a
    stream's digest is of its shards, not its labels, so copies of the same shards whose classes were numbered
    otherwise (a data card, README.md, beside one copy and not the other: its order on one machine, sorted on the
    other) would agree, each machine training the same clips under other class ids."""
    numbered: dict = {}  # classes (as JSON) -> the processes that number them so, in rank order
    for view in views:
        numbered.setdefault(json.dumps(view.get("classes"), sort_keys=True), []).append(view["where"])
    if len(numbered) > 1:
        first = _first_differing_ids([json.loads(c) for c in numbered])
        shown = "; ".join(f"{_classes(json.loads(c), first)} on {' and '.join(where)}" for c, where in numbered.items())
        return (
            f"error: the processes number the classes otherwise: {shown}. Every machine must give each class the "
            "same id: make each machine's copy of --dataset the same (its data card, README.md, included), or keep "
            "one copy every machine shares"
        )
    apart = [split for split in digests if any(view["digests"].get(split) != digests[split] for view in views)]
    if not apart:
        return None
    split = apart[0]
    unread = _unread_shards(views, split)
    if unread is not None:
        return unread
    seen: dict = {}  # digest -> the processes that read it, in rank order
    for view in views:
        seen.setdefault(view["digests"].get(split), []).append(view["where"])
    shown = "; ".join(f"{_clips(digest)} on {' and '.join(where)}" for digest, where in seen.items())
    return (
        f"error: the processes read different clips for split {split!r}: {shown}. Every machine must read the same "
        "clips in the same order (the processes share them out by position): make each machine's copy of --dataset "
        "complete and the same, or keep one copy every machine shares"
    )


def _unread_shards(views: list[dict], split: str) -> str | None:
    """The line for processes whose stream digests of `split` differ where some could not read the shards' sizes or
    contents (a Hub parquet footer, the Hub's listing: offline, a transient error), their digests lacking them; None
    where the shards' names differ too, or every process read them. It said they read different clips and to make
    every machine's copy the same: of one Hub repo, which they share."""
    caveats = [(view.get("caveats") or {}).get(split) or {} for view in views]
    failed = [(view["where"], caveat["unread"]) for view, caveat in zip(views, caveats) if caveat.get("unread")]
    if not failed or len({caveat.get("names") for caveat in caveats}) != 1:
        return None
    return (
        f"error: the processes cannot tell whether they read the same clips for split {split!r}: on "
        f"{' and '.join(where for where, _ in failed)} {failed[0][1]}, so the digest there lacks what the other "
        "processes' digests hold; the shards' names agree. Run again once the Hub answers every machine"
    )


def _first_differing_ids(numberings: list[dict | None]) -> dict[str, int]:
    """Per head, the first class id that the `numberings` (`label_spaces`) give to other classes (or to a class and
    none: a copy lacking one), where `_classes` starts showing them."""
    first = {}
    for head in dict.fromkeys(head for spaces in numberings for head in spaces or {}):
        lists = [(spaces or {}).get(head) or [] for spaces in numberings]
        first[head] = next(
            (i for i in range(max(map(len, lists))) if len({tuple(names[i : i + 1]) for names in lists}) > 1), 0
        )
    return first


def _classes(spaces: dict[str, list[str]] | None, first: dict[str, int] | None = None) -> str:
    """A data set's classes by id as words: `0 'stand', 1 'sit'` (5 of each head), from the head's `first` differing
    id (`_first_differing_ids`): from id 0 alone, two numberings of 400 classes that part at id 200 read the same."""
    if not spaces:
        return "no classes"
    heads = []
    for head, names in spaces.items():
        start = min((first or {}).get(head, 0), len(names))
        alike = "" if not start else f"(id{f's 0-{start - 1}' if start > 1 else ' 0'} alike) "
        shown = ", ".join(f"{i} {name!r}" for i, name in enumerate(names[start : start + 5], start=start))
        more = f" and {len(names) - start - 5} more" if len(names) > start + 5 else ""
        heads.append((f"{head}: " if len(spaces) > 1 else "") + alike + (shown or "none") + more)
    return "; ".join(heads)


def _clips(digest: str | None) -> str:
    """`examples_digest`'s `count:hash` as words: `20 clips (digest 3f2a...)`."""
    if digest is None:
        return "no such split"
    count, _, hashed = digest.partition(":")
    return f"{count} clips (digest {hashed})" if count.isdigit() else f"{count} (digest {hashed})"  # a stream's words


def output_dir_is_shared(output_dir: Path) -> bool:
    """Whether every process sees the --output_dir rank 0 writes (one shared folder), found by a marker file each
    machine writes and every process looks for (a few collectives; True on one process, with nothing written).

    Without a shared folder, each machine keeps its own checkpoints (`checkpoint_writer`): rank 0's alone would lack
    the other machines' random states, and theirs would hold only unfinished temporary folders. A folder seen from
    more than one machine but not from all (machines that see rank 0's beside machines that do not, or machines that
    share one among themselves apart from rank 0's) would have each machine's main process rename and prune the same
    checkpoints at once: refused (SystemExit). Two machines sharing a folder apart from rank 0's lost their first
    checkpoint so: one renamed `.tmp-step_2` into place, the other retired that `step_2` as the older save it replaced
    and died (FileNotFoundError) renaming its own, gone, leaving `.old-step_2`, which the next start deletes."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return True
    token = [uuid.uuid4().hex if dist.get_rank() == 0 else None]
    dist.broadcast_object_list(token, src=0)
    # One marker a machine, by its first process: each process looks up one name a machine, not one a process (a
    # lookup each on NFS: 64 machines of 8 processes would have made 262,144 at once)
    machines = _gather(_machine())
    firsts = [rank for rank, machine in enumerate(machines) if machines.index(machine) == rank]
    markers = [Path(output_dir) / f".shared-{token[0]}-{index}" for index in range(len(firsts))]
    mine = firsts.index(machines.index(_machine()))  # this machine's marker
    # Every process makes the folder first: one that had looked for a folder not made yet (check_output_dir did) may
    # keep "no such folder" cached (NFS caches failed lookups for up to a minute) and miss the markers in a shared
    # one. The markers' names are new, so no process has a failed lookup of them cached; each is looked up by its
    # name, not listed (a folder's listing is cached).
    markers[0].parent.mkdir(parents=True, exist_ok=True)
    dist.barrier()
    if dist.get_rank() in firsts:
        markers[mine].write_text("a marker: which machines see this folder?\n")
    dist.barrier()
    seen = [index for index, marker in enumerate(markers) if marker.exists()]
    views = _gather({"seen": seen, "where": _where_am_i(), "mine": mine})  # a barrier, too
    if dist.get_rank() in firsts:
        markers[mine].unlink()
    if all(len(view["seen"]) == len(markers) for view in views):
        return True
    if all(index == view["mine"] for view in views for index in view["seen"]):
        return False  # each machine's folder its own
    dist.destroy_process_group()
    raise SystemExit(
        f"error: --output_dir {output_dir} is neither one folder every machine shares nor one of its own on each "
        f"machine, the processes see {_folders_seen(views)}; the machines sharing one would each rename and delete "
        "the checkpoints the other writes there. Give one folder every machine shares, or a folder of its own on each "
        "machine"
    )


def _folders_seen(views: list[dict]) -> str:
    """`2 folders: [rank 0 (machine 0)], [rank 1 (machine 1), rank 2 (machine 2)]`: the processes that see each
    folder (the same markers), from `output_dir_is_shared`'s views."""
    groups: dict[tuple, list[str]] = {}
    for view in views:
        groups.setdefault(tuple(view["seen"]), []).append(view["where"])
    return f"{len(groups)} folders: " + ", ".join(f"[{', '.join(group)}]" for group in groups.values())


def _held_by_all(views: list[dict]) -> list | None:
    """The latest checkpoint (by step) that every process's --output_dir holds, None where one is not known."""
    helds = [view.get("held") for view in views]
    if any(held is None for held in helds):
        return None
    common = [choice for choice in helds[0] if all(choice in held for held in helds[1:])]
    return max(common, key=lambda choice: choice[1] or 0, default=None)


def _grouped(views: list[dict], key: str) -> list[tuple]:
    """(value, [where, ...]) for each distinct `view[key]`, in rank order."""
    seen: list = []
    for view in views:
        for entry in seen:
            if entry[0] == view[key]:
                entry[1].append(view["where"])
                break
        else:
            seen.append((view[key], [view["where"]]))
    return seen


def _checkpoint(choice: list) -> str:
    return f"{choice[0]} (step {choice[1]})"


def _whose(other: int, rank: int, views: list[dict]) -> str:
    return "this machine's" if other == rank else f"{views[other]['where']}'s"


def _flag_value(value) -> str:
    return "(not given)" if value is None else json.dumps(value) if not isinstance(value, str) else value


def _machine() -> str:
    """The machine this process runs on: torchrun's node rank, else the host name (as `output_dir_is_shared`)."""
    return os.environ.get("GROUP_RANK") or socket.gethostname()


def _where_am_i() -> str:
    """`rank 1 (machine 1)`: the global rank, and the machine (torchrun's node rank) when there are several."""
    rank = os.environ.get("RANK", "0")
    if int(os.environ.get("GROUP_WORLD_SIZE", "1")) > 1 and "GROUP_RANK" in os.environ:
        return f"rank {rank} (machine {os.environ['GROUP_RANK']})"
    return f"rank {rank}"


def _gather(mine: dict) -> list[dict]:
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return [mine]
    views: list = [None] * dist.get_world_size()
    dist.all_gather_object(views, mine)
    return views
