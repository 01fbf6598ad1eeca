# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What `recipes/evaluate.py` is built of: its refusals before anything loads (the flags, the data set given as a
file, the results' folder and its lock), the default results' folder, the split `--model` was fine-tuned on and the
share it held out, the data set's classes checked against the model's and its labels mapped onto them, and the
per-video prediction rows. The script keeps its command line and the evaluation's flow; everything here is importable
and tested on its own.
"""

from __future__ import annotations

import atexit
import json
import os
import re
from pathlib import Path

import torch
from accelerate import PartialState
from huggingface_hub.constants import DEFAULT_REVISION

from ..hub.folders import WEIGHT_PATTERNS
from ..hub.upload import read_revision_refusal
from ..label_spellings import ids_by_name_as_read_now, placeholder
from .checkpoints import hold_output_dir, live_run_holding, release_output_dir
from .data import SYNTHETIC, DatasetFormatError
from .data.examples import (
    class_order_of,
    digest_words,
    earlier_examples_digests,
    examples_digest,
    recipe_split_name,
)
from .data.formats import (
    OFFICIAL_SPLIT,
    VideoClassificationData,
    check_config_name,
    config_key,
    label_name,
    quoted,
    refuse_a_file,
    same_integer_written_otherwise,
)
from .data.subsets import classes_carried, drawn_clip_by_clip, hold_out
from .finetune_flags import data_flag_unused, dataset_revision_refusal
from .flags import (
    CommandLineRefused,
    missing_dataset,
    model_folder_refusal,
    output_dir_in_dataset,
    output_dir_problem,
    usage_error,
)
from .resume import recorded_held_out_digest, recorded_settings, same_setting, settings_as_typed_here


def start_refusal(args) -> str | None:
    """What this process refuses before anything loads, in argparse's words, or None. Paths are looked up on this
    machine, so on several machines the answer may differ between them: `main` asks it after joining the process
    group, and every process hears every refusal."""
    try:
        check_config_name(args.dataset_format, args.dataset_config_name)
    except ValueError as error:
        return f"argument --dataset_config_name: {error}"
    if args.streaming and args.dataset_format != "hub":
        return "--streaming reads a Hub data set or a local folder with --dataset_format hub"
    typed = {name for name in ("video_column", "label_column") if getattr(args, name)}
    typed |= {"dataset_format"} if args.dataset_format != "videofolder" else set()  # (its default)
    unused = data_flag_unused(args, typed)
    if unused:  # another format's reader ignored them: the labels came from its own files
        return unused
    if refusal := read_revision_refusal("--model_revision", args.model_revision, "--model", args.model):
        return refusal
    if refusal := dataset_revision_refusal(args):
        return refusal
    if args.seed != 0 and (args.streaming or not args.max_eval_samples):  # (0: its default) it changed nothing
        what = (
            "--streaming scores the stream's first --max_eval_samples clips, drawn by no seed"
            if args.streaming and args.max_eval_samples
            else "it draws the --max_eval_samples subset, and this evaluation scores every clip of the split"
        )
        return f"argument --seed: {args.seed}: {what}; leave it out"
    # (`~` left unexpanded: read as there, from_pretrained then found no model; a run's folder before its end)
    return model_folder_refusal("--model", args.model) or missing_dataset(args.dataset)


def dataset_file_refusal(args) -> CommandLineRefused | None:
    """A file given as `--dataset` (`x.zip`, `x/broken.mp4`), refused in its documented line before the results'
    folder is looked at, so that it comes first, not only once a model folder or a file given as `--output_dir` is
    dealt with (as finetune.py refuses it)."""
    try:
        if args.dataset != SYNTHETIC:
            refuse_a_file(args.dataset)
    except DatasetFormatError as error:
        return CommandLineRefused(str(error))
    return None


def output_refusal(args, split: str | None) -> CommandLineRefused | None:
    """The results' folder (`--output_dir`, or the default one) where no folder can be made (a file), refused as
    finetune.py refuses it: one line, argparse's status 2. Found when the results were written, it was a
    NotADirectoryError traceback after the whole evaluation. Asked on the process that writes it alone: on machines
    that do not share a disk, a file at that path on another machine is no obstacle (it stopped every process)."""
    if not PartialState().is_main_process:
        return None
    folder = args.output_dir or default_output_dir(args, split)
    named = "--output_dir" if args.output_dir else "the default --output_dir"
    problem = output_dir_problem(folder, named=named)
    if args.output_dir:
        problem = problem or model_folder_problem(Path(folder))
    if args.dataset != SYNTHETIC:  # a folder of the data set: the next read would take the results for its files
        problem = problem or output_dir_in_dataset(folder, args.dataset, named)
    return CommandLineRefused(problem) if problem else None


def claim_output_dir(args, output_dir: Path) -> CommandLineRefused | None:
    """Hold the results' folder for this run (finetune.py's lock, `hold_output_dir`), on the process that writes it,
    or refuse the run (argparse's status 2) where a live run holds it, or holds `--model` (a fine-tuning run that will
    replace the model evaluated). Two evaluations into one folder would both write `.tmp-final` there, each deleting it
    as it began: one would fail with a FileNotFoundError traceback after its whole evaluation, or the later one's
    results replace the earlier's. The folder is made here for its lock; a run refused leaves none made."""
    if not PartialState().is_main_process:
        return None
    named = "--output_dir" if args.output_dir else "the default --output_dir"
    made = [folder for folder in (output_dir, *output_dir.parents) if not folder.exists()]  # innermost first
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        if made:  # an evaluation that fails leaves no empty folder (registered first: runs after the lock's release)
            atexit.register(_remove_if_empty, made)
        busy = hold_output_dir(output_dir, named, made=made)  # (a stopped evaluation's, left empty, go with the lock)
    except OSError as error:  # (no permission to make or write it)
        return CommandLineRefused(f"{named} {output_dir}: {error.strerror or error}")
    model = Path(args.model).expanduser()
    holder = live_run_holding(model) if not busy and model.is_dir() else None  # looked at once ours is held
    if holder:
        release_output_dir(output_dir)
        busy = (
            f"--model {args.model} is being written by a run that is still alive ({holder}), which would replace the "
            f"model while it is evaluated; wait for it to end"
        )
    return CommandLineRefused(busy) if busy else None


def _remove_if_empty(folders: list[Path]) -> None:
    try:
        for folder in folders:
            folder.rmdir()
    except OSError:  # results written (or anything else put there)
        pass


def model_folder_problem(folder: Path) -> str | None:
    """Why `--output_dir` cannot take the results: it holds a model (its config and weights), whose card shows the
    plots of the evaluation it was fine-tuned with, under the names this one writes. They were replaced without a
    word (`--model out --output_dir out`), the card then showing one split's plots beside another's numbers."""
    weights = any(any(folder.glob(pattern)) for pattern in WEIGHT_PATTERNS)
    if not ((folder / "config.json").is_file() and weights):
        return None
    return (
        f"--output_dir {folder} holds a model (config.json and its weights): this evaluation's plots would replace "
        f"those its model card shows (eval_*.png); leave --output_dir out (the results then go "
        f"into a folder of their own in the model's, eval_<data set>_<split>_<views>/) or give another folder"
    )


def dataset_name(
    dataset: str,
    revision: str | None = None,
    config_name: str | None = None,
    dataset_format: str | None = None,
    as_typed: bool = False,
) -> str:
    """The data set's part of the default output folder, safe as a file name: evaluations of two data sets never
    share a folder (they used to, and the second overwrote the first), and evaluations of one share it: a
    configuration by the one it names in `dataset_format` (`config_key`: UCF101's `1`, `split1` and none are split 1,
    which went to three folders), the Hub's default revision as none (`main`'s results went beside none's).
    `as_typed`: the name versions before that gave it, the configuration and revision as typed (`default_output_dir`
    goes on in such a folder)."""
    if dataset != SYNTHETIC and Path(dataset).expanduser().exists():
        name = Path(dataset).expanduser().resolve().name  # a local folder: its own name, however it was typed
    else:  # the bundled set's fixed name, or a Hub id (owner--name, as the Hub's cache names repositories)
        name = dataset.strip("/").replace("/", "--")
    key = (None, config_name) if as_typed else config_key(dataset_format, config_name)
    if isinstance(key, int) and key != OFFICIAL_SPLIT:  # an official split of UCF101 / HMDB51 (split 1: the default)
        name += f"-split{key}"
    elif isinstance(key, str):  # an Epic Kitchens release
        name += f"-{key}"
    elif isinstance(key, tuple) and config_name:  # configurations of one repo are different data
        name += f"-{config_name}"
    if revision and (as_typed or revision != DEFAULT_REVISION):
        name += f"@{revision}"
    return _safe_name(name).strip("._") or "dataset"


def model_folder(args, as_typed: bool = False) -> Path:
    """The `<model>` part of `default_output_dir`: a local model's folder, or a Hub id's `owner--name`, at a
    `--model_revision` `owner--name@revision` (as a data set's: another revision's results went to main's), the Hub's
    default revision as none (`--model_revision main` went to `owner--name@main`, beside none's folder of the same
    model). An id without an owner (`bert-base-uncased`) is `models--name`, the Hub cache's name for it: its name alone
    was a folder that the next `--model bert-base-uncased` read as a local model (refused: no config.json in it); no
    Hub id holds `--`. `as_typed`: the name versions before that gave it, the revision as typed."""
    model = Path(args.model).expanduser()
    if model.is_dir():  # (a missing folder is refused when the flags are read)
        return model
    revision = getattr(args, "model_revision", None)
    at = f"@{revision}" if revision and (as_typed or revision != DEFAULT_REVISION) else ""
    repo_id = args.model.strip("/")
    return Path(_safe_name((repo_id.replace("/", "--") if "/" in repo_id else f"models--{repo_id}") + at))


def _safe_name(name: str) -> str:
    """`name` as one file name on any system: each run of other characters (a path's `/`, a space, `:`) as `_`."""
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", name)


def default_output_dir(args, split: str) -> Path:
    """`<model>/eval_<data set>_<split>_<clips>x<crops>`: one folder per data set, split and views, and per subset
    (`_sample16-seed0`, `_first16` streamed): `--max_eval_samples 16` wrote its scores over the whole split's, in
    its folder, only `num_samples` telling them apart. A Hub model's `<model>` is `owner--name` in the working
    directory: its id as a path, `./owner/name`, was a folder that the next `--model owner/name` took for a local
    model without config.json (refused), and transformers' from_pretrained too."""
    views = f"{args.num_clips}x{args.num_crops}"
    if n := getattr(args, "max_eval_samples", None):  # a stream's first N, else a draw of N by --seed
        views += f"_first{n}" if getattr(args, "streaming", False) else f"_sample{n}-seed{args.seed}"
    names = [args.dataset, args.dataset_revision, args.dataset_config_name, args.dataset_format]
    folder, earlier = (
        model_folder(args, as_typed=t) / f"eval_{dataset_name(*names, as_typed=t)}_{split}_{views}"
        for t in (False, True)
    )
    # An evaluation made before one configuration had one name is in the folder of the name typed (`-split1`, `-2`,
    # `@main`, a model's `owner--name@main`): a second one went to `eval_ucf101_...` beside it, its earlier results
    # left as the newest there. It goes on there until a folder of the one name is made.
    return earlier if earlier != folder and earlier.is_dir() and not folder.exists() else folder


def fine_tuning_record(args) -> tuple[dict, dict] | None:
    """The results (`all_results.json`) and settings (`run_settings.json`, its `--dataset` as typed here) of the
    fine-tuning run that wrote `--model` (a local folder), None where it left none (a Hub id, an older run). Read once
    by evaluate.py and handed to each question asked of that run (`training_split`, `trained_read_otherwise`,
    `trained_clips_scored`, `subset_seed_note`): read once, not up to six times at the start."""
    try:
        results = json.loads((Path(args.model).expanduser() / "all_results.json").read_text())
        settings = settings_as_typed_here(*recorded_settings(args.model), args.dataset)
        if isinstance(results, dict) and isinstance(settings["batches"], dict):
            return results, settings
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _recorded_training(args, record, same_read: bool, any_configuration: bool = False) -> tuple[dict, dict] | None:
    """The results and batch settings of `record` (`fine_tuning_record`: the run that wrote `--model`), where it
    trained on this data set (`--dataset`, its revision and configuration, or any configuration of it with
    `any_configuration`; `same_read`: read as this run reads it too, the same `--dataset_format` and not streamed),
    else None."""
    if record is None:
        return None
    results, batches = record[0], record[1]["batches"]
    names = ("dataset", "dataset_revision") + (() if any_configuration else ("dataset_config_name",))
    names += ("dataset_format",) if same_read else ()
    same = all(same_setting(name, batches.get(name), getattr(args, name), args.dataset_format) for name in names)
    if not same or (same_read and batches.get("streaming")) or not isinstance(batches.get("train_split"), str):
        return None
    return results, batches


def training_split(args, record) -> tuple[str, float | None, int] | None:
    """What the fine-tuning run that wrote `--model` (its `record`, `fine_tuning_record`'s) trained on, when it
    trained on this data set: (its training split, the percentage of it held out for evaluation or None, the seed
    that drew it), from the settings its `run_settings.json` records; None otherwise (a Hub id, another data set,
    no record). A data set without a validation or test split had its held-out share scored by fine-tuning:
    evaluate.py scores the same share (refused, the alternative would be `--split train`: the clips the model
    trained on, scored as a test)."""
    recorded = _recorded_training(args, record, same_read=True)
    if recorded is None:
        return None
    results, batches = recorded
    held = "held out" in str(results.get("eval_split", "")) and batches.get("validation_split_percentage")
    return batches["train_split"], (float(held) if held else None), int(batches.get("seed") or 0)


def trained_read_otherwise(args, record) -> tuple[str, str, float | None] | None:
    """Where `--model` (its `record`, `fine_tuning_record`'s) was fine-tuned on this data set read another way than
    this evaluation reads it (another `--dataset_format` of the same folder, or `--streaming`), which
    `training_split` does not take for this data set: (its training split, how it was read, in flags ("" where only
    a stream's having no held-out share kept `training_split` from taking it), and the percentage of it held out or
    None), else None. Its training split holds the clips the model trained on all the same: `--split train` would score
    them as a test (the refusal of a folder without an evaluation split names it), and its
    held-out share can be drawn again only as it was read."""
    if training_split(args, record) is not None:
        return None
    recorded = _recorded_training(args, record, same_read=False)
    if recorded is None:
        return None
    results, batches = recorded
    how = [f"--dataset_format {batches.get('dataset_format')}"]
    if batches.get("dataset_format") == args.dataset_format:
        how = []
    if batches.get("streaming") and not getattr(args, "streaming", False):
        how.append("--streaming")
    held = "held out" in str(results.get("eval_split", "")) and batches.get("validation_split_percentage")
    return batches["train_split"], " ".join(how), (float(held) if held else None)


def trained_split_warning(
    args, split: str, trained: tuple | None, otherwise: tuple | None, score: str = "accuracy"
) -> str | None:
    """The warning that `split` is the one `--model` was fine-tuned on (`training_split`'s `trained`, else
    `trained_read_otherwise`'s `otherwise`), so that its `score` there (`multi_label.score_name`) is no test of it;
    None for another split."""
    if trained is not None and trained[0] == split:
        held, read = trained[1], ""
    elif otherwise is not None and recipe_split_name(otherwise[0]) == recipe_split_name(split):
        held, read = otherwise[2], f", read with {otherwise[1]}" if otherwise[1] else ""
    else:
        return None
    return (
        f"--model {args.model} was fine-tuned on split {split!r} of {args.dataset}{read}"
        + (f" (all but the {held:g}% it held out)" if held is not None else "")
        + f": its {score} there is not a test of it"
    )


def trained_clips_scored(args, split: str, examples, record, score: str = "accuracy") -> str | None:
    """The warning that clips of `split` are clips `--model` (its `record`, `fine_tuning_record`'s) was fine-tuned
    on, where fine-tuning read this data set under other split names (`trained_split_warning` compares names alone):
    with another folder format (UCF101's folder fine-tuned as `videofolder`, one `train` split of every clip less a
    held-out share, then evaluated with `--dataset_format ucf101`: its official `test` clips, all trained on, would be
    scored as a test), or by another official split of UCF101 / HMDB51 (split 2's `test` clips are
    split 1's training clips: a split-1 model scored on the three splits' tests, as papers average them, was tested
    on its training clips two times in three). The folder is read as fine-tuning read it (a scan, no clip decoded;
    its warnings, said when fine-tuning read it, not said again) and the clips matched by file and segment; None
    where none is shared, where it was read as now (the names tell: no scan, nothing paid), or read by `hub` or
    streamed (no cheap scan: the warning by split name stands). Paid only where the format or the configuration
    differs: 2.8 s for a UCF101-sized folder (15 000 clips) read as `videofolder` on a loaded 2-core machine, where
    evaluate's own open of it (`ucf101`) took 0.65 s."""
    from .data import load_video_dataset
    from .data.formats import FORMATS
    from .data.subsets import sample_subset
    from .finetune import data_warnings_held

    recorded = _recorded_training(args, record, same_read=False, any_configuration=True)
    if recorded is None or getattr(args, "streaming", False) or not isinstance(examples, list):
        return None
    results, batches = recorded
    fmt, configuration = batches.get("dataset_format"), batches.get("dataset_config_name")
    if fmt not in FORMATS or batches.get("streaming") or not Path(args.dataset).expanduser().is_dir():
        return None
    if fmt != args.dataset_format:
        how = f"with --dataset_format {fmt}"
    elif not same_setting("dataset_config_name", configuration, args.dataset_config_name, fmt):
        how = f"with --dataset_config_name {configuration}" if configuration else "without --dataset_config_name"
    else:  # read as now: the split names tell (`trained_split_warning`)
        return None
    # what that read finds was said when fine-tuning read it; held, the repeated-clips check hashes no file either
    try:
        with data_warnings_held(True):
            read = load_video_dataset(Path(args.dataset).expanduser(), fmt, config_name=configuration)
        # (by the name the read holds it under: `--train_split val` trained on the folder's `validation`)
        trained = read.split(batches["train_split"]) if read.split_name(batches["train_split"]) in read.splits else []
        held = "held out" in str(results.get("eval_split", "")) and batches.get("validation_split_percentage")
        seed = int(batches.get("seed") or 0)
        if held and trained:  # as that run drew its share: an earlier version's clip by clip (UCF101's groups)
            fraction = float(held) / 100
            by_group = not drawn_clip_by_clip(trained, fraction, seed, recorded_held_out_digest(args.model))
            trained = hold_out(trained, fraction, seed=seed, named_groups=by_group)[0]
        if batches.get("max_train_samples") and trained:  # fine-tuning's draw of them (`finetune.load_data`)
            trained = sample_subset(trained, int(batches["max_train_samples"]), seed=seed)
    except (DatasetFormatError, OSError, ValueError):  # the folder no longer reads so: nothing to compare
        return None
    seen = {_clip_key(example) for example in trained}
    shared = sum(_clip_key(example) in seen for example in examples)
    if not shared:
        return None
    return (
        f"--model {args.model} was fine-tuned on {shared} of the {len(examples)} clips of split {split!r}: "
        f"fine-tuning read {args.dataset} {how}, whose split {batches['train_split']!r} holds "
        f"them; its {score} there is not a test of it"
    )


def _clip_key(example: dict) -> tuple:
    """A clip as two reads of one folder name it alike: its file (device and inode: one file by any path to it, a
    symbolic or hard link's too) and the segment of it, if any. Not `Path.resolve`, a system call a path component:
    0.6 s for the 19 000 clips of a UCF101-sized folder's two reads, where an `os.stat` each takes 0.06 s."""
    video = example.get("video")
    try:
        stat = os.stat(video)
        where = (stat.st_dev, stat.st_ino)
    except (OSError, TypeError, ValueError):  # (gone since the read, or not a path)
        where = os.path.normpath(os.path.abspath(video)) if isinstance(video, (str, Path)) else repr(video)
    return (where, *(example.get(key) for key in ("start_seconds", "end_seconds", "start_frame", "stop_frame")))


def held_out_read_otherwise(args, trained: tuple | None, otherwise: tuple | None) -> str:
    """The words added to the refusal of a data set without an evaluation split where `--model` was fine-tuned on
    it holding a share of it out, which this evaluation cannot draw again: it streams the data set (`training_split`'s
    `trained`; a stream holds nothing out), or fine-tuning read it otherwise (`trained_read_otherwise`). How to score
    that share, the one of its clips the model never trained on (the refusal offered `--split train` alone); ""
    otherwise."""
    if trained is not None and trained[1] is not None and args.streaming:
        train_split, held, how = trained[0], trained[1], ""
    elif otherwise is not None and otherwise[2] is not None:
        train_split, how, held = otherwise
    else:
        return ""
    # (an advice to read with --dataset_format videofolder kept --streaming, which reads hub alone, and holds no share)
    ways = ([f"with {how}"] if how else []) + (["without --streaming"] if args.streaming else [])
    return (
        f"; --model {args.model} was fine-tuned on it{f' read with {how}' if how else ''}, holding out {held:g}% of "
        f"split {train_split!r} and training on the rest: evaluate {' and '.join(ways)} to score that share (--split "
        f"{train_split} scores clips it trained on)"
    )


def subset_seed_note(args, typed: set[str], record) -> str | None:
    """Where --seed was left out and `--model`'s fine-tuning on this data set (its `record`, `fine_tuning_record`'s)
    drew its --max_eval_samples subset with another seed: the line saying so. `evaluate.py --max_eval_samples N`
    would score other clips than the run's results. The default stays 0, not the run's seed: models
    evaluated alike are scored on the same clips."""
    trained = None if "seed" in typed or not args.max_eval_samples else training_split(args, record)
    if trained is None or trained[2] == args.seed:
        return None
    drawn = other.get("max_eval_samples") if isinstance(other := record[1].get("other"), dict) else None
    if not drawn:  # it scored its evaluation split whole
        return None
    return (
        f"--model {args.model} was fine-tuned with --seed {trained[2]}, which drew its --max_eval_samples {drawn} "
        f"subset; this one is drawn with --seed {args.seed}, so its clips differ from those its results scored "
        f"(type --seed {trained[2]} to draw as it did)"
    )


def model_id2label(model: str) -> dict | None:
    """The `id2label` of the local model folder `model` (its config.json), None where it has none to read."""
    try:
        config = json.loads((Path(model).expanduser() / "config.json").read_text())
    except (OSError, ValueError):
        return None
    return config.get("id2label") if isinstance(config, dict) and isinstance(config.get("id2label"), dict) else None


def refuse_another_held_out_share(args, train_split: str, percentage: float, examples, data, seed: int = 0) -> None:
    """Refuse (exit 2) a held-out share drawn again from a data set that has changed since `--model` was fine-tuned
    on it: the draw depends on every clip of the split, so a folder that gained or lost clips can draw other clips,
    clips the model trained on among them, which would be scored as held out "as fine-tuning did".
    By the `examples_digest` of the share that fine-tuning recorded (a run of an older version recorded none: not
    checked). A model that numbers the same classes otherwise (class folders beside a data card, which an earlier
    version numbered in sorted order) recorded its own ids: compared by class name, its clips named as this version
    or an earlier one names them (a model of that version recorded both at once, and must pass on its own share).
    A share an earlier version drew clip by clip (`drawn_clip_by_clip`: UCF101's groups on both sides) with the
    run's `seed`, or recorded no digest of (all drew so), is refused as such, not as "that split has changed since",
    nor, unrecorded, scored on another share, clips the model trained on among them."""
    recorded = recorded_held_out_digest(args.model)
    drawn = examples_digest(examples)
    # a model of an earlier version recorded like-named WebDataset shards by file name (`earlier_examples_digests`)
    if recorded is not None and recorded in (drawn, *earlier_examples_digests(examples)):
        return
    whole = data.split(train_split)
    # (a model whose run recorded no digest was fine-tuned by an earlier version: it drew such a share clip by clip)
    if drawn_clip_by_clip(whole, percentage / 100, seed, recorded):
        usage_error(
            f"--model {args.model} was fine-tuned on {args.dataset} holding out {percentage:g}% of its "
            f"{train_split!r} split clip by clip, by a version that held clips of one group (UCF101's "
            "v_<Class>_gXX, HMDB51's source video) out while it trained on others of their group: a score on that "
            "share is inflated. This version draws whole groups instead, and that share holds clips the model trained "
            "on: fine-tune it again to score groups it never saw, or evaluate a split it was not trained on (--split)"
        )
    if recorded is None:
        return
    order = class_order_of(model_id2label(args.model), data)
    renumbered = (
        () if order is None else tuple(examples_digest(examples, order, *how) for how in ((), (True,), (False, True)))
    )
    if recorded in renumbered:  # `True`: as earlier versions named the clips (`earlier_examples_digest`)
        return
    usage_error(
        f"--model {args.model} was fine-tuned on {args.dataset} holding out {percentage:g}% of its {train_split!r} "
        f"split, {digest_words(recorded)}, but that split has changed since: the same draw now holds out "
        f"{digest_words(drawn)}, not those, and they can be clips the model trained on. Evaluate the data set as it "
        "was fine-tuned on, or a split the model was not trained on (--split)"
    )


def model_label_spaces(model_config, data: VideoClassificationData) -> dict[str, list[str]]:
    """The model's class names per head (`config.label_spaces` splits `id2label`, whose names are `head:name`); a
    one-head model's under the data set's one key. Composed (`label_name`), as the data set's: a model trained before
    its names were composed still matches them."""
    names = [label_name(model_config.id2label[i]) for i in range(model_config.num_labels)]
    spaces = getattr(model_config, "label_spaces", None)
    if not spaces:
        return {next(iter(data.label_spaces)) if not data.is_multi_head else "label": names}
    by_head, start = {}, 0
    for head, size in dict(spaces).items():
        by_head[head] = [name.removeprefix(f"{head}:") for name in names[start : start + size]]
        start += size
    return by_head


# Why a stream refuses a class its split's clips may not carry (`check_labels`): it read as a superset refused, when
# the class was of another split alone (`train/eel/`), which the whole read evaluates (the class left aside).
STREAMED_LABELS_UNKNOWN = (
    "; --streaming reads each clip's label with the clip, so which of these classes the clips of the split evaluated "
    "carry is not known before scoring (they may be of other splits alone): evaluate without --streaming, which reads "
    "the split's labels first and leaves aside the classes none of its clips carry"
)


def check_labels(
    model_config, data: VideoClassificationData, model: str, dataset: str, examples=None, *, streamed: bool = False
) -> list[list[int]] | None:
    """Per head, the model's id of each of the data set's classes, by name; None where they are the same classes in
    the same order. A data set of some of the model's classes (a hold-out set without every class) is evaluated
    with its labels mapped so; a class the model does not know (a superset, `Dog` for `dog`) is refused in one line
    naming them, before any clip is decoded (`DatasetFormatError`: status 2, as a data set that is not in its
    format). With `examples` (the clips evaluated, read whole), a class the model does not know that none of them
    carries (one of another split only: a `train/eel/` beside a test split of cats and dogs) is no refusal: it is
    mapped to -100 and never met. It refused the evaluation of a split whose every class the model knew. Several
    heads (Epic Kitchens) must have the model's heads and sizes; their names are mapped alike (a class file that
    numbers the nouns in another order), never taken by number alone. `streamed` (`--streaming`, no `examples`): a
    stream's labels are read with its clips, so which classes its clips carry is not known before scoring (a data
    card's `ClassLabel` names every split's classes, and counts no class per split): each class is refused, and the
    refusal says so and how to evaluate the split whole."""
    spaces = model_label_spaces(model_config, data)
    sizes = {head: len(names) for head, names in spaces.items()}
    if list(spaces) != list(data.label_spaces) or (len(spaces) > 1 and sizes != data.head_sizes):
        raise DatasetFormatError(
            f"--model {model} has the label spaces {sizes} and --dataset {dataset} {data.head_sizes}; "
            "evaluate it on data of its own heads and classes"
        )
    if spaces == data.label_spaces:
        return None
    carried = None if examples is None else classes_carried(examples)
    unknown, mappings = [], []
    for h, (head, names) in enumerate(data.label_spaces.items()):
        # a model of an earlier version's '1.0' and its WebDataset .txt labels' 'cat\n' are the data's '1' and 'cat'
        ids = ids_by_name_as_read_now(spaces[head])
        met = [name not in ids and (carried is None or (h, i) in carried) for i, name in enumerate(names)]
        unknown += [f"{head}:{name}" if len(spaces) > 1 else name for name, new in zip(names, met) if new]
        mappings.append([ids.get(name, -100) for name in names])
    if unknown:
        known = [f"{head}:{name}" if len(spaces) > 1 else name for head, names in spaces.items() for name in names]
        # `02` for the model's `2`: a data set's labels written with a leading zero are names (`label_vocabulary`)
        numbers = {name: same_integer_written_otherwise(name, known) for name in unknown}
        respelt = [f"{name!r} to {other!r}" for name, other in numbers.items() if other is not None]
        # `Up` for the model's `up`, `dog ` for `dog`: one class to a reader, which the refusal listed side by side
        # with no word of what differs (the same rule as `warn_classes_differing_in_case`)
        folded = {" ".join(name.split()).casefold(): name for name in reversed(known)}
        alike = [
            f"{name!r} is the model's {folded[key]!r}"
            for name in unknown
            if numbers[name] is None and (key := " ".join(name.split()).casefold()) in folded
        ]
        raise DatasetFormatError(
            f"--model {model} does not know {len(unknown)} of the {len(data.label_names)} classes of --dataset "
            f"{dataset}: {quoted(unknown)} (its {len(known)} classes: {quoted(known)}); a data set evaluated must "
            "have the model's classes, or some of them, spelt alike"
            + (
                f"; rename {', '.join(respelt[:3])} (a label with a leading zero is a name, not an id)"
                if respelt
                else ""
            )
            + (
                f"; {', '.join(alike[:3])} in another case or blanks: rename the data set's classes as the model "
                "names them"
                if alike
                else ""
            )
            + (
                # (a scenic checkpoint converted without --labels, a config written without id2label): its classes
                # have no names to match, which the line said as if the data set's were misspelt
                "; the model names none of its classes (transformers' LABEL_<i> placeholders: its config.json's "
                "id2label was never given names, as for a scenic checkpoint converted without --labels): write its "
                "classes' names into id2label, in its outputs' order (python -m vivit_hf.convert scenic ... --labels "
                "FILE does at conversion)"
                if all(placeholder(name.rpartition(":")[2]) for name in known)
                else ""
            )
            + (STREAMED_LABELS_UNKNOWN if streamed else "")
        )
    return mappings


def label_mapping_said(mappings: list[list[int]], label_spaces: dict, num_labels: int, scored: str) -> list[str]:
    """The log's lines on `check_labels`' mappings: the data set's classes the model knows, of its classes; those
    left aside (-100: of other splits than `scored` alone), named."""
    mapped = sum(i >= 0 for head in mappings for i in head)
    # in the model's order where the ids of the classes it knows rise (only classes of other splits left aside)
    in_order = all(known == sorted(known) for known in ([i for i in head if i >= 0] for head in mappings))
    some = (
        f"{mapped} of the model's {num_labels}"
        if mapped < num_labels
        # (it said "8 of the model's 8, in another order or not all"; and "in another order" of the same order where
        # only a class of another split was left aside)
        else "the model's" + ("" if in_order else ", in another order")
    )
    lines = [f"the data set's {mapped} classes are {some}: its labels are the model's ids of their names"]
    aside = [
        f"{head}:{name}" if len(mappings) > 1 else name
        for (head, names), ids in zip(label_spaces.items(), mappings)
        for name, i in zip(names, ids)
        if i < 0
    ]
    if aside:
        one = len(aside) == 1
        lines.append(
            f"{len(aside)} more of its classes, which the model does not know, {'has' if one else 'have'} no clip in "
            f"{scored} and {'is' if one else 'are'} left aside: {quoted(aside)}"
        )
    return lines


def model_labels(labels: torch.Tensor, mappings: list[list[int]]) -> torch.Tensor:
    """The data set's label ids (one column per head with several) as the model's (`check_labels`' mappings)."""
    tables = [torch.tensor(mapping, dtype=labels.dtype) for mapping in mappings]

    def mapped(table, ids):  # a head's -100 (no label) stays -100: as an index it would name a class from the end
        out = torch.where(ids < 0, ids, table[ids.clamp(min=0)])
        # a class left aside (-100: no clip scored carries it) met after all: its clips would go unscored, unsaid
        if bool(((ids >= 0) & (out < 0)).any()):
            met = sorted({int(i) for i in ids[(ids >= 0) & (out < 0)]})
            raise RuntimeError(f"labels {met} of classes check_labels found no clip of were met: a bug")
        return out

    if labels.dim() == 1:
        return mapped(tables[0], labels)
    return torch.stack([mapped(table, labels[:, head]) for head, table in enumerate(tables)], dim=1)


def write_prediction_rows(path: Path, video_ids, logits, labels, valid, head_sizes, label_names=None) -> None:
    """One JSON line per video: its id, label and top-1 prediction (per head, as lists, with several heads); with
    `label_names` (each head's class names, in id order), the names of both beside them (`label_name`,
    `prediction_name`), so that a row is read without the model's config at hand."""
    if len(video_ids) != len(logits):
        raise RuntimeError(f"{len(logits)} prediction rows for {len(video_ids)} videos")
    predictions = torch.stack([head.argmax(dim=-1) for head in logits.split(head_sizes, dim=-1)], dim=-1)
    with open(path, "w", encoding="utf-8") as f:
        for index, (video_id, label, prediction, ok) in enumerate(
            zip(video_ids, labels.tolist(), predictions.tolist(), valid.tolist())
        ):
            row = {
                "index": index,
                "video_id": video_id,
                "label": label,
                # A broken clip was never seen: its logits are the model's answer to zeros, not a prediction.
                "prediction": (prediction if len(head_sizes) > 1 else prediction[0]) if ok else None,
                "valid": bool(ok),
            }
            if label_names is not None:
                row["label_name"] = _class_names(label, label_names)
                row["prediction_name"] = _class_names(row["prediction"], label_names) if ok else None
            f.write(json.dumps(row) + "\n")


def _class_names(ids, label_names):
    """The class names of a row's label or prediction ids: one name, or a list of one per head."""
    if len(label_names) == 1:
        return label_names[0][ids] if ids >= 0 else None
    return [names[i] if i >= 0 else None for names, i in zip(label_names, ids, strict=True)]  # -100: no label


def nothing_evaluated(split: str, dataset: str, clips: int) -> str:
    """The one line a run that evaluated no clip ends with (non-zero: there is no accuracy to report)."""
    why = f"none of its {clips} clips could be decoded (each named above)" if clips else "it holds no clip"
    return f"error: nothing was evaluated in split {split!r} of {dataset}: {why}; no results are written"


def precision_evaluated(accelerator) -> tuple[str, str | None]:
    """(the precision the model ran in, as accelerate names it: `no`, `bf16`, `fp16`; a warning or None).

    accelerate's `mixed_precision`: `--mixed_precision`, else the launcher's (`accelerate launch --mixed_precision
    bf16`, or its config file), which applied without a trace in eval_results.json. fp16 where accelerate runs none
    (`native_amp` False: on the CPU it leaves autocast off, unsaid) runs in fp32: `no`, with a warning
    (finetune.py refuses it, as training in fp32 would be another run; an evaluation in fp32 is only more exact)."""
    asked = accelerator.mixed_precision
    if asked != "fp16" or accelerator.native_amp:
        return asked, None
    return "no", (
        f"mixed_precision fp16: accelerate runs fp16 on a GPU only, and this evaluation is on the "
        f"{accelerator.device.type}: it runs in fp32 (eval_results.json records mixed_precision 'no')"
    )


if __name__ == "__main__":  # (it printed nothing and exited 0)
    from .launch import no_command_here

    no_command_here("vivit_hf.training.evaluation", "evaluate.py")
