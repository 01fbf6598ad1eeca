# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a fine-tuning run records of its settings (`run_settings.json`, `trainer_state.json`) and the checks of a
resume against them: which settings decide the batches, the model and the clips (changed, the resume is refused),
which may change with a warning (the optimisation, put back after the optimiser's state loads), and whether the
clips and the classes are the ones the checkpoint was trained on.

Apart from `finetune`, which builds the data, the model and the loss: what a resume may and may not change is read
and reviewed here, beside nothing else. `finetune` imports these names too, where scripts written before the split
imported them from.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from accelerate.logging import get_logger
from huggingface_hub.constants import DEFAULT_REVISION

from ..label_spellings import named_alike
from .data import SYNTHETIC
from .data.examples import class_order_of, digest_words, examples_digest, recipe_split_name, renumber_classes
from .data.formats import drawn_otherwise_before, hold_out, is_saved_to_disk, same_config_name, sample_subset
from .presets import EARLIER_PRESET_VALUES, PRESETS

logger = get_logger(__name__)


# What decides which clips make up each batch, in which order: a resumed run skips the batches its checkpoint had
# trained, so any change here would silently train on other clips (a per-device batch of 4 instead of 16 skipped
# 5 x 4 clips instead of 80).
BATCH_SETTINGS = (
    "per_device_train_batch_size",
    "num_processes",
    "gradient_accumulation_steps",
    "effective_total_batch_size",
    "seed",
    "dataset",
    "dataset_format",
    "dataset_revision",
    "dataset_config_name",
    "train_split",
    "validation_split_percentage",
    "max_train_samples",
    "streaming",
    "shuffle_buffer_size",
    # streamed, each DataLoader worker batches the shards dealt to it and a checkpoint counts each worker's batches:
    # resumed with another count, the skips fell on other clips (one epoch read 10 of 23 clips twice, 2 never)
    "num_workers",
    "video_column",
    "label_column",
)
# What a flag left out reads is what the data set's features name (`hub_columns`), known once it is read: a resume
# typing the column its run left out (`--video_column video`) reads the same clips: not "other batches".
# Left out on one side only, they pass `same_setting` and are compared as the columns read (`check_resume_columns`).
COLUMN_SETTINGS = ("video_column", "label_column")
# What decides the model's and the optimiser's state: a checkpoint of another model does not load into this one, and
# its optimiser state would not fit another optimiser. `--init_from` too: another one builds another model (a run from
# scratch resumed with an image ViT would die in a size-mismatch traceback once the data had loaded), or one of the
# same shapes whose weights the checkpoint's replace, while the card names it as the base model and a ViViT
# checkpoint's processor (its normalisation, sampling) replaces the one the run had trained with.
MODEL_SETTINGS = ("model", "model_size", "num_frames", "crop_size", "config_overrides", "optimizer", "init_from")
MODEL_SETTINGS += ("freeze",)  # the parameters the optimiser's state holds
# What decides the clips the model sees besides their size: the saved processor records them for inference, so a run
# resumed (or rerun as "the same command") with another stride or scale saved weights trained on one with a processor
# that says the other.
CLIP_SETTINGS = ("frame_stride", "resize_shortest_edge", "short_video")
# What the optimiser's state restores from the checkpoint, so that a new value is put back after loading it.
RESTORED_SETTINGS = ("learning_rate", "weight_decay", "momentum")
# What may change on resume (with a warning): the optimisation, not the data order.
OTHER_SETTINGS = (
    *RESTORED_SETTINGS,
    "lr_scheduler_type",
    "warmup_epochs",
    "num_warmup_steps",
    "max_grad_norm",
    "label_smoothing",
    "mixup_alpha",
    "cutmix_alpha",
    "num_train_epochs",
    "max_train_steps",  # as typed (None: from the epochs); another one would be the schedule's new length
    # augmentation, regularisation and precision: another value is another run (not "the same command"), and may
    # change on resume with a warning
    "do_flip",
    "scale_jitter",
    "color_jitter",
    "rand_augment",
    "drop_path_rate",
    "hidden_dropout_prob",
    "mixed_precision",
    # how a model from --init_from starts (a resume's weights replace it) and what the results measure
    "positional_embedding",
    "tubelet_init",
    "eval_split",
    "eval_num_clips",
    "eval_num_crops",
    "max_eval_samples",
)
# Flags that change neither what is trained nor what is measured: how the run is carried out, logged, kept, pushed
# (and what parse_args derives from the typed command). Every flag is in one of these groups (a test checks), so that
# a new one is not left out of "the same command" by omission, as the stride, scale and augmentations once were.
OPERATIONAL_FLAGS = (
    "preset",  # its values are compared one by one
    "total_batch_size",  # as effective_total_batch_size
    "total_batch_size_typed",
    "holds_out_typed",
    "warmup_epochs_typed",
    "typed_model_flags",
    "typed_flags",
    "output_dir",
    "overwrite_output_dir",
    "resume_from_checkpoint",
    "checkpointing_steps",
    "checkpoints_total_limit",
    "logging_steps",
    "eval_steps",  # when the model is evaluated, not how: a resume may change it
    "with_tracking",
    "report_to",
    "push_to_hub",
    "hub_model_id",
    "hub_private_repo",
    "hub_token",
    "hub_strategy",
    "hub_revision",
    "upload_retries",
    "cache_dir",
    "cache_decoded_videos",
    "cache_budget_mib",
    "torch_threads",
    "ddp_timeout",
    "per_device_eval_batch_size",
    "torch_compile",
    "torch_compile_backend",
    "torch_compile_mode",
    "gradient_checkpointing",  # the same gradients, recomputed (dropout and stochastic depth draw the same masks)
    # which evaluation's weights the run ends with and when it stops: decided from the evaluation history every
    # checkpoint records (best_model.py), so a resume may change them, as --eval_steps (but not to a patience the
    # history had run out of before the checkpoint's step: refused at the resume, patience_ran_out_earlier)
    "load_best_model_at_end",
    "metric_for_best_model",
    "early_stopping_patience",
    "early_stopping_threshold",
)
# Settings recorded only when on (in "model" and "other"), so that a run folder written before they existed still is
# "the same command" as one without them; a resume compares a missing one as off.
RECORDED_WHEN_ON = {"layer_decay": "model", "class_weights": "other"}
# --model_ema: on or off is the checkpoint's content (its average or none: refused), the decay and warm-up apply from
# the resumed step on (timm's train.py takes a new --model-ema-decay on resume so)
RECORDED_WHEN_ON.update(model_ema="model", model_ema_decay="other", model_ema_warmup="other")
# --init_from_revision: another revision of --init_from is another model to start from, as another --init_from is
RECORDED_WHEN_ON.update(init_from_revision="model")


def as_off(group: str, settings: dict) -> dict:
    """A group of recorded settings with the RECORDED_WHEN_ON ones it lacks as off (None), so that a checkpoint
    written before they existed compares with a run that leaves them off."""
    return {**{name: None for name, home in RECORDED_WHEN_ON.items() if home == group}, **settings}


def run_settings(args: argparse.Namespace, num_processes: int) -> dict:
    """The settings a checkpoint's trainer_state.json records: {"batches", "model", "clips", "other": {...}}."""
    values = dict(vars(args), num_processes=num_processes)
    if values.get("init_from") and os.path.exists(os.path.expanduser(values["init_from"])):
        # a local image ViT or checkpoint as the folder it names (`vit`, `./vit` and its absolute path are one; a
        # resume from another working directory types it another way); a Hub id as typed
        values["init_from"] = str(Path(values["init_from"]).expanduser().resolve())
    batches = {name: values.get(name) for name in BATCH_SETTINGS}
    if not args.streaming:  # the shuffle buffer and the workers' shares only order a stream
        batches.pop("shuffle_buffer_size")
        batches.pop("num_workers")
    model = {name: values.get(name) for name in MODEL_SETTINGS}
    other = {name: values.get(name) for name in OTHER_SETTINGS}
    # --layer_decay (the optimiser's groups) and --class_weights (the loss)
    for name, group in RECORDED_WHEN_ON.items():
        if values.get(name) is not None:
            (model if group == "model" else other)[name] = values[name]
    return {
        "batches": batches,
        "model": model,
        "clips": {name: values.get(name) for name in CLIP_SETTINGS},
        "other": other,
    }


# What the results of a run measure (`evaluate`'s clips and views): the command's own, even where it trained no step.
MEASURED_SETTINGS = ("eval_split", "eval_num_clips", "eval_num_crops", "max_eval_samples")


def settings_as_trained(saved: dict, current: dict) -> dict:
    """The settings a resume that trained no step leaves on record: its model is the checkpoint's, so its `saved`
    optimisation and augmentations (the `other` ones, the only ones a resume may change), but for what this
    command's evaluation measured. A finished run resumed with `--do_flip true` saved a processor (what a further
    fine-tuning starts from) and a run_settings.json saying do_flip true for a model no step of which flipped."""
    measured = {name: current["other"][name] for name in MEASURED_SETTINGS if name in current["other"]}
    return {**current, "other": {**current["other"], **(recorded_group(saved, "other") or {}), **measured}}


def args_as_trained(args: argparse.Namespace, settings: dict) -> argparse.Namespace:
    """`args` with the `other` settings of `settings_as_trained` (flag names): what `build_processor` takes."""
    return argparse.Namespace(**{**vars(args), **settings["other"]})


def same_setting(name: str, old, new, dataset_format: str | None = None) -> bool:
    """Whether a recorded setting equals this run's. `--train_split` / `--eval_split` are compared as the split
    they name (`val` is `validation`), `--dataset_config_name` as the configuration it names in `dataset_format`
    (`same_config_name`: UCF101's `1` is `split1`). `--dataset` is compared as the folder it names here when both
    name one (`data/k400`, `./data/k400` and `/home/me/data/k400` are one data set; a resume that types it another
    way than the first run is not "other batches")."""
    if old == new:
        return True
    if name == "dataset_config_name":
        return same_config_name(dataset_format, old, new)
    if name == "mixed_precision":  # recorded null before "no" was recorded (`launcher_mixed_precision`): the same
        return (old or "no") == (new or "no")
    if name in COLUMN_SETTINGS and (old is None) != (new is None):  # compared once read: check_resume_columns
        return True
    if name == "dataset_revision":  # none is the Hub's default branch: `main` typed on resume was "other batches"
        return (old or DEFAULT_REVISION) == (new or DEFAULT_REVISION)
    if not isinstance(old, str) or not isinstance(new, str):
        return False
    if name in ("train_split", "eval_split"):
        # the split read, by the recipes' name: `--train_split training` resumed with `train` on a `training/` folder
        # is no other batches (a data set holding both `val` and `validation` keeps its examples digest)
        return recipe_split_name(old) == recipe_split_name(new)
    if name != "dataset":
        return False
    folders = [Path(value).expanduser() for value in (old, new)]
    return all(folder.exists() for folder in folders) and folders[0].resolve() == folders[1].resolve()


def dataset_folder(dataset: str) -> str | None:
    """The folder a local `--dataset` names, absolute (None for the bundled set or a Hub id): recorded beside the
    settings, whose `--dataset` is as typed, relative to the folder the run was started from."""
    path = Path(dataset).expanduser()
    return str(path.resolve()) if dataset != SYNTHETIC and path.is_dir() else None


def held_out_digest(args: argparse.Namespace, data) -> str | None:
    """`examples_digest` of the share of `--train_split` that fine-tuning holds out and scores (a data set without a
    validation or test split), all of it (before `--max_eval_samples`); None where it scores a split of its own.
    run_settings.json records it: evaluate.py draws that share again from the data set as it finds it, and a folder
    that gained or lost clips since draws another one, holding clips the model trained on (scored as held out)."""
    if getattr(args, "streaming", False) or args.eval_split or data.default_eval_split is not None:
        return None
    share = args.validation_split_percentage / 100
    return examples_digest(hold_out(data.split(args.train_split), share, seed=args.seed)[1])


def trained_had_a_share_been_held_out(args: argparse.Namespace, data) -> tuple[str, str] | None:
    """`examples_digest` of the clips fine-tuning would train on had it held a share of `--train_split` out to
    evaluate on, where it evaluates a split of the data set's own by default: what a run of an earlier version trained
    on where it found no evaluation split in the data set (a `Validation/` beside `train/`, before split names were
    read in any case), and the split this run evaluates instead. None where this run holds a share out, names its
    evaluation split, or streams."""
    if args.streaming or args.eval_split or data.default_eval_split is None:
        return None
    trained = _trained_less_a_share(args, data.split(args.train_split))
    return None if trained is None else (trained, data.default_eval_split)


def trained_on_an_earlier_draw(args: argparse.Namespace, data) -> str | None:
    """`examples_digest` of the clips fine-tuning trained on where a version before this one drew the share it holds
    out of `--train_split` otherwise (`drawn_otherwise_before`: UCF101's / HMDB51's clips one by one, their groups
    on both sides); None where it holds nothing out, or drew it as now."""
    if getattr(args, "streaming", False) or args.eval_split or data.default_eval_split is not None:
        return None
    examples = data.split(args.train_split)
    return _trained_less_a_share(args, examples, named_groups=False) if drawn_otherwise_before(examples) else None


def _trained_less_a_share(args: argparse.Namespace, examples, named_groups: bool = True) -> str | None:
    """`examples_digest` of the clips fine-tuning trains on where it holds a share of `examples` out (`hold_out`,
    `named_groups` as it takes them) and draws `--max_train_samples` of the rest; None where nothing can be held out
    (a clip a class): no run could have held a share out."""
    try:
        share = args.validation_split_percentage / 100
        rest = hold_out(examples, share, seed=args.seed, named_groups=named_groups)[0]
    except ValueError:
        return None
    rest = sample_subset(rest, args.max_train_samples, seed=args.seed) if args.max_train_samples else rest
    return examples_digest(rest)


def write_run_settings(folder, settings: dict, dataset: str, held_out: str | None) -> None:
    """`folder`'s `RUN_SETTINGS_FILE`: the run's `settings`, the `dataset_folder` of its `--dataset` and its
    `held_out_digest`, what `recorded_settings` and `recorded_held_out_digest` read back. Written as training starts
    and again with the final outputs, in the same words."""
    from .checkpoints import RUN_SETTINGS_FILE

    record = {
        "settings": settings,
        "dataset_folder": dataset_folder(dataset),
        "held_out_digest": held_out,
    }
    (Path(folder) / RUN_SETTINGS_FILE).write_text(json.dumps(record, indent=2))


def recorded_held_out_digest(folder) -> str | None:
    """The `held_out_digest` a finished run recorded in `folder`; None where it held none out, or recorded none (an
    older version, or no run_settings.json)."""
    from .checkpoints import RUN_SETTINGS_FILE

    try:
        recorded = json.loads((Path(folder).expanduser() / RUN_SETTINGS_FILE).read_text())
    except (OSError, ValueError):
        return None
    return recorded.get("held_out_digest") if isinstance(recorded, dict) else None


def trained_again(folder, steps: int) -> str | None:
    """What a resume from a checkpoint of `steps` steps trains again in `folder`, the run's: the steps after it that a
    finished run there had trained (its `all_results.json`, written last, counts them). A run's last step is
    checkpointed now, but an earlier version's was only when `--checkpointing_steps` divided it (`--max_train_steps 3
    --checkpointing_steps 2` kept step_2), and a user may remove it: the same command run again then trains step 3
    again (as it trained it: the resume replays) where the log said "a finished run trains nothing more". None:
    nothing (no finished run, its last step is checkpointed, or the checkpoint is not the folder's last: a resume
    going back on the run, which its own warning names)."""
    try:
        finished = json.loads((Path(folder).expanduser() / "all_results.json").read_text()).get("completed_steps")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(finished, int) or finished <= steps:  # (an older run's results of fewer steps: not this one's)
        return None
    from .checkpoints import list_checkpoints, steps_of

    if any(steps_of(path) > steps for path in list_checkpoints(folder)):  # going back: not its last checkpoint
        return None
    which = f"step {finished}" if finished == steps + 1 else f"steps {steps + 1} to {finished}"
    return (
        f"the run in {folder} finished at step {finished}, after its last checkpoint (step {steps}): training "
        f"{which} again, as that run trained {'it' if finished == steps + 1 else 'them'}"
    )


def recorded_settings(folder) -> tuple[dict | None, str | None]:
    """The settings and the `dataset_folder` a finished run recorded in `folder` (`RUN_SETTINGS_FILE`; a run of an
    older version recorded them in all_results.json); (None, None) when it recorded none. Raises OSError / ValueError
    for a missing or unreadable file."""
    from .checkpoints import RUN_SETTINGS_FILE

    folder = Path(folder).expanduser()
    path = folder / RUN_SETTINGS_FILE
    path = path if path.is_file() else folder / "all_results.json"  # the file read is the one an error names
    recorded = json.loads(path.read_text())
    if not isinstance(recorded, dict):
        raise ValueError(f"{path} holds no JSON object")
    return recorded.get("settings"), recorded.get("dataset_folder")


def settings_as_typed_here(saved: dict | None, folder: str | None, dataset: str) -> dict | None:
    """Recorded `saved` settings with their `--dataset` as this run typed it, when the folder the recorded run read
    (`folder`, `dataset_folder` of its `--dataset`) is the one this run's names: a resume (or the same command) run
    from another working directory that types the same folder another way (`data` from /work, `../data` from
    /work/logs) is not "trained with other batches". A `--dataset_config_name` recorded for a
    `save_to_disk` folder, read whole, as none."""
    batches = recorded_batches(saved)
    if batches is None:
        return saved
    if batches.get("dataset_format") == "hub" and batches.get("dataset_config_name") and is_saved_to_disk(dataset):
        # a save_to_disk folder holds no configurations: an earlier version read it whole past the name, which is
        # now refused, and a run recorded with one could be resumed neither with it (refused) nor without it ("other
        # batches"); its batches are the whole folder's, as this run's without the flag
        saved = {**saved, "batches": (batches := {**batches, "dataset_config_name": None})}
    if not folder or dataset_folder(dataset) != folder:
        return saved
    return {**saved, "batches": {**batches, "dataset": dataset}}


def recorded_group(saved, group: str) -> dict | None:
    """One group of recorded `saved` settings (`run_settings`' "batches", "model", "clips" or "other", as read back
    from JSON), or None where there are none to read: no record (an older version's), or one edited or written
    otherwise (`"model": null` was a TypeError traceback, `name in None`, on resume)."""
    settings = saved.get(group) if isinstance(saved, dict) else None
    return settings if isinstance(settings, dict) else None


def recorded_batches(saved) -> dict | None:
    """The batch settings of recorded `saved` settings (`recorded_group`)."""
    return recorded_group(saved, "batches")


def same_settings(saved: dict | None, current: dict) -> bool:
    """`run_settings` recorded (as read back from JSON) equal to this run's, by `same_setting`."""
    if not isinstance(saved, dict) or saved.keys() != current.keys():
        return False
    if (batches := recorded_batches(saved)) is not None and "num_workers" not in batches:
        # recorded before a stream's worker count was a batch setting: not recorded, so not compared
        current = {**current, "batches": {k: v for k, v in current["batches"].items() if k != "num_workers"}}
    return all(
        isinstance(saved[group], dict)
        and saved[group].keys() == values.keys()
        and all(
            same_setting(name, saved[group][name], value, current["batches"].get("dataset_format"))
            for name, value in values.items()
        )
        for group, values in current.items()
    )


def columns_left_to_check(saved: dict | None, current: dict) -> list[str]:
    """The `COLUMN_SETTINGS` that `same_setting` passed left out on one side and typed on the other: the same run only
    if the data set, once read, names the typed column (`check_resume_columns`). A checkpoint of a version that
    recorded no columns has none checked, as `check_resume_settings` checks none: what its run read is unknown (the
    column typed now would be refused as "not given -> 'rgb'", where that run may have typed `rgb` too)."""
    batches = recorded_batches(saved) or {}
    return [name for name in COLUMN_SETTINGS if name in batches and batches[name] != current["batches"].get(name)]


def check_resume_columns(saved: dict | None, args: argparse.Namespace, data, read: dict | None = None) -> None:
    """Refuse (ValueError) a resume that reads another video or label column than its checkpoint's run, once the data
    set is read. `read`: the columns that run read (`data.columns`, its checkpoint's `columns_read`), compared with
    this run's whatever either typed: a table that gained a `video` column beside the `rgb` one a run read with the
    flag left out would be read as `video` on resume, and `--video_column rgb` refused ("give --video_column
    video"), by what the features name today. A checkpoint of an older version recorded none: a flag
    left out on one side only is taken as what the features name (`data.detected_columns`). The rows' ids can be the
    same for two columns (a parquet table's clips as bytes), so the clips' digest does not tell."""
    read = read if isinstance(read, dict) else {}
    batches = recorded_batches(saved) or {}
    left = columns_left_to_check(saved, {"batches": vars(args)})
    for name in COLUMN_SETTINGS:
        old, new = batches.get(name), getattr(args, name)
        if read.get(name) is not None and name in data.columns:  # what the run read, recorded
            then = read[name]
        elif name in left:  # unrecorded (an older version): a flag left out read what the features name today
            then = old if old is not None else data.detected_columns.get(name)
        else:
            continue
        now = data.columns.get(name, new)
        if then != now:
            flag = f"--{name} {said(old)}" + (f" -> {said(new)}" if old != new else "")
            raise ValueError(
                f"the checkpoint was trained with other batches: {flag} reads the column {now!r}, where the "
                "checkpoint's run read "
                + (f"{then!r}; give --{name} {then}" if then else "what the data set no longer names alone")
            )


def said(value) -> str:
    """A recorded flag's value as a change names it: a flag left out is recorded as None, which the warnings printed
    ("--max_train_steps 150 -> None"), a value no one typed."""
    return "(not given)" if value is None else repr(value)


def preset_change(args: argparse.Namespace | None, name: str, old, new) -> str | None:
    """Why setting `name` is `new` on this resume where the checkpoint recorded `old`, when the user did not type it
    (None where they did): it is `--preset`'s value. A preset whose value changed since (kinetics400_vivit_b_fe's
    learning rate, 0.1 -> 5e-2) resumed a run of the old one with the new value, saying "resuming with a different
    --learning_rate 0.1 -> 0.05" as though the user had typed it."""
    typed = getattr(args, "typed_flags", None)  # (flags made otherwise than by parse_args: taken as typed)
    if typed is None or name in typed or getattr(args, "preset", None) not in PRESETS:
        return None
    if PRESETS[args.preset].get(name, "(unset)") != new:
        return None
    keep = f"give --{name} {' '.join(map(str, old)) if isinstance(old, (list, tuple)) else old} to keep that"
    now = f"resuming with --{name} {said(new)}, the value of --preset {args.preset} (not typed)"
    if old in EARLIER_PRESET_VALUES.get(args.preset, {}).get(name, ()):
        return (
            f"{now}: the preset's value has changed since the checkpoint was written, trained with {said(old)}; {keep}"
        )
    return f"{now}, where the checkpoint was trained with {said(old)}; {keep}"  # (typed then, left out now)


def preset_values_since(saved: dict | None, current: dict, args: argparse.Namespace) -> str | None:
    """Why a run recorded in a folder is not "the same command" as this one, when all that differs is a value of
    `--preset` that has changed since it was written (`EARLIER_PRESET_VALUES`), not typed then or now: the words to
    add to the refusal, naming the flags that continue it. An older kinetics400_vivit_b_fe folder would be refused
    as "another run" for the preset's learning rate, 0.1 then and 5e-2 now, which nothing else names; None otherwise."""
    if not isinstance(saved, dict) or not isinstance(saved.get("other"), dict) or not isinstance(current, dict):
        return None
    earlier = EARLIER_PRESET_VALUES.get(getattr(args, "preset", None), {})
    typed = getattr(args, "typed_flags", None) or ()
    changed = {
        name: saved["other"][name]
        for name in earlier
        if name not in typed
        and name in saved["other"]
        and saved["other"][name] in earlier[name]
        and current["other"].get(name) == PRESETS[args.preset].get(name)
    }
    if not changed or not same_settings(saved, {**current, "other": {**current["other"], **changed}}):
        return None
    flags = " ".join(f"--{name} {value}" for name, value in changed.items())
    now = ", ".join(f"--{name} {said(current['other'][name])}" for name in changed)
    return (
        f"It is a run of this command as --preset {args.preset} was when it was written, with {flags}; the preset's "
        f"value has changed since ({now}). Add {flags} to the command to go on with it"
    )


def check_resume_settings(saved: dict | None, current: dict, args: argparse.Namespace | None = None) -> list[str]:
    """Refuse (ValueError naming each flag, old -> new) a resume whose batch-defining settings differ from the
    checkpoint's; return warnings for the other settings that differ (or for a checkpoint that recorded none).
    With `args` (the flags), a change that is the preset's value, not typed, says so (`preset_change`)."""
    if not saved:
        return ["the checkpoint records no batch settings (saved by an older version): they cannot be checked"]

    def changes(old: dict, new: dict) -> dict[str, str]:
        """Each setting that differs, by name: `--flag old -> new`."""
        flag = {"num_processes": "processes (accelerate launch)", "effective_total_batch_size": "total batch"}
        return {
            name: f"{flag.get(name, '--' + name)} {said(old[name])} -> {said(new[name])}"
            for name in new
            if name in old and not same_setting(name, old[name], new[name], new.get("dataset_format"))
        }

    # "batches" not an object (a file edited by hand): checked as none recorded, not a TypeError traceback
    batches = recorded_batches(saved)
    refused = changes(batches or {}, current["batches"])
    if refused:
        raise ValueError(
            "the checkpoint was trained with other batches; resuming would skip the wrong clips and change the data "
            "order. Give the checkpoint's values (old -> new): " + "; ".join(refused.values())
        )
    # --layer_decay on or off changes the optimiser's groups: a key one side lacks is compared as None
    # a group not recorded (an older version's, or edited to null) is checked as none, and said unchecked below; its
    # RECORDED_WHEN_ON settings too (taken as off, a run with --layer_decay would be refused as "another model")
    recorded = {group: recorded_group(saved, group) for group in ("model", "clips", "other")}
    checked = {group: {} if values is None else as_off(group, values) for group, values in recorded.items()}
    refused = changes(checked["model"], as_off("model", current["model"]))
    if refused:
        raise ValueError(
            "the checkpoint holds another model or optimiser, whose state does not load into this one (or a model "
            "started from another --init_from, which its card would name). Give the checkpoint's values "
            "(old -> new): " + "; ".join(refused.values())
        )
    refused = changes(checked["clips"], current["clips"])
    if refused:
        raise ValueError(
            "the checkpoint's model was trained on clips sampled or scaled otherwise, and its saved processor would "
            "say the new ones. Give the checkpoint's values (old -> new): " + "; ".join(refused.values())
        )
    old, new = checked["other"], as_off("other", current["other"])
    said_as = {"batch": batches, "model": recorded["model"], "clip": recorded["clips"], "other": recorded["other"]}
    unchecked = [
        f"the checkpoint records no {name} settings: they cannot be checked"
        for name, values in said_as.items()
        if values is None
    ]
    return unchecked + [
        preset_change(args, name, old[name], new[name]) or f"resuming with a different {change}"
        for name, change in changes(old, new).items()
    ]


def check_resume_evaluated_split(state: dict, evaluated: str | None, args: argparse.Namespace) -> list[str]:
    """A warning where the split this resume evaluates (`evaluated_split`: None for a share held out) is not the one
    its checkpoint's run evaluated, with `--eval_split` the same (a typed change is `check_resume_settings`'): a data
    set that gained a `validation` split beside the `test` it evaluated (the default one is then `validation`): the
    best model and early stopping would compare the checkpoint's history of `test` scores with `validation` ones.
    [] for a checkpoint of an older version (it recorded none) or the same split."""
    if not isinstance(state, dict) or "evaluated_split" not in state or state["evaluated_split"] == evaluated:
        return []
    then, typed = state["evaluated_split"], (recorded_group(state.get("settings"), "other") or {}).get("eval_split")
    if not same_setting("eval_split", typed, args.eval_split):
        return []

    def split(name):
        return repr(name) if name else f"a share held out of {args.train_split!r}"

    keep = f"give --eval_split {then} to go on evaluating it" if then else "start over to hold a share out again"
    return [
        f"resuming evaluating {split(evaluated)}, where the checkpoint's run evaluated {split(then)} (--eval_split "
        f"{said(args.eval_split)} both times): the data set's splits have changed since. Its history's scores are of "
        f"{split(then)}, compared with this run's for the best model and early stopping; {keep}"
    ]


def check_resume_clips(
    saved: str | None,
    current: str,
    earlier: str | Sequence[str] | None = None,
    unread: str | None = None,
    held_out: Callable[[], tuple[str, str] | None] | None = None,
    drawn_before: Callable[[], str | None] | None = None,
) -> list[str]:
    """Refuse (ValueError) a resume whose training split is not the one the checkpoint was trained on, by
    `examples_digest` (a stream: its shards' names, sizes and contents): a resumed epoch skips the batches its
    checkpoint had trained by position, so shards written again at the same path (another `--shard_size`) or a
    folder that gained or lost clips would read some clips twice that epoch and others never (6 of 23 Kinetics
    clips twice, 6 never). `earlier`: the split's digest(s) as earlier versions took it
    (`earlier_examples_digests`), which their checkpoints recorded. `unread`: why the stream's shards' sizes or
    contents could not be read now (`StreamingSplit.unread_reason`: the Hub did not answer), its digest then lacking
    them, which a checkpoint that read them cannot match whatever the shards hold: said so, not "another split".
    `held_out`: `trained_had_a_share_been_held_out`, asked where the digests differ: a checkpoint trained on the
    training split less a held-out share (an earlier version that found no evaluation split there) is told so, not
    "resume on the data it was trained on" (it is that data). `drawn_before`: `trained_on_an_earlier_draw`, likewise:
    a checkpoint that trained on all but a share an earlier version drew clip by clip is told so.
    Returns a warning for a checkpoint that recorded none."""
    if saved is None:
        return ["the checkpoint records no digest of its training clips (saved by an older version): not checked"]
    if saved == current or saved in ((earlier,) if isinstance(earlier, str) else earlier or ()):
        return []

    if unread is not None:
        raise ValueError(
            f"the training split cannot be checked against the one it was trained on ({digest_words(saved)}): "
            f"{unread}, so its digest now lacks what could not be read ({digest_words(current)}). A resume skips "
            "the clips it had trained by their position, right only on the shards it was trained on: resume once the "
            "Hub answers"
        )
    then = held_out() if held_out is not None else None
    if then is not None and saved == then[0]:
        raise ValueError(
            f"it was trained on the training split less a share held out to evaluate on ({digest_words(saved)}), "
            f"by a version that read no evaluation split in this data set, where this one evaluates its split "
            f"{then[1]!r} and trains on the whole training split ({digest_words(current)}). A resume skips the "
            "clips it had trained by their position, and the share it held out is trained on now: start over "
            "(--overwrite_output_dir) or give another --output_dir"
        )
    if drawn_before is not None and saved == drawn_before():
        raise ValueError(
            f"it was trained on the training split less a share held out clip by clip ({digest_words(saved)}), by a "
            "version that held clips of one group (UCF101's v_<Class>_gXX, HMDB51's source video) out and trained on "
            "others of their group, which inflated its evaluation; this one holds whole groups out and trains on "
            f"other clips ({digest_words(current)}). A resume skips the clips it had trained by their position: start "
            "over (--overwrite_output_dir) or give another --output_dir"
        )
    # The same count of clips in more shards is also what a checkpoint of a version that read a parquet file as one
    # shard meets now that it is read by row group (`StreamingSplit.spread_over`): its positions are of the old shards.
    regrouped = " shard" in saved and saved.partition(" in ")[0] == current.partition(" in ")[0]
    raise ValueError(
        f"the training split is not the one it was trained on: {digest_words(saved)} then, {digest_words(current)} "
        "now. A resume skips the clips it had trained by their position, so it would read some twice this epoch and "
        "others never: resume on the data it was trained on, or start over (--overwrite_output_dir)"
        + (
            ". If the files are the ones it was trained on, the stream is cut into more shards than then: parquet "
            "files fewer than processes x DataLoader workers are now read by row group, and a save_to_disk folder "
            "streams in a multiple of the process count, which a checkpoint of an earlier version cannot resume in"
            if regrouped
            else ""
        )
    )


def renumber_as_checkpoint(data, saved: dict | None) -> None:
    """Number `data`'s classes as the checkpoint's `id2label` (`trainer_state.json`) does, where it names the same
    classes in another order: class folders beside a data card's ClassLabel, which earlier versions numbered in sorted
    order and this one in the card's. Its classifier answers its own ids, so the resumed run goes on in them (its
    model and card too); `check_resume_labels` and `check_resume_clips` then compare what it was trained on."""
    order, names = class_order_of(saved, data), data.label_names
    if order is not None and renumber_classes(data, order):
        logger.info(
            "resuming with the classes numbered as the checkpoint numbers them, %s (the data set: %s); a run started "
            "over numbers them as the data set does",
            ", ".join(f"{i} {name!r}" for i, name in data.id2label.items()),
            ", ".join(f"{i} {name!r}" for i, name in enumerate(names)),
        )


def check_resume_labels(saved: dict | None, id2label: dict, dataset: str) -> list[str]:
    """Refuse (ValueError) a resume whose data gives another label map than the one the checkpoint was trained on
    (`trainer_state.json`'s `id2label`): the classifier's rows answer the checkpoint's classes by id, so the same
    count of classes renamed or renumbered trained silently on shifted ids, and another count died in a state_dict
    traceback once the data had loaded. Returns a warning for a checkpoint that recorded no label map."""
    if saved is None:
        return ["the checkpoint records no class names (saved by an older version): they cannot be checked"]
    old = [saved[key] for key in sorted(saved, key=int)]
    new = [id2label[key] for key in sorted(id2label, key=int)]
    # a float column's ids, named '1.0' by earlier versions, and a WebDataset .txt label's newline, kept by them
    if named_alike(old, new):
        return []
    gone = [name for name in old if name not in new]
    added = [name for name in new if name not in old]
    moved = [f"{name!r} {i} -> {new.index(name)}" for i, name in enumerate(old) if name in new and new.index(name) != i]
    differ = [
        part
        for part in (
            gone and "only in the checkpoint: " + ", ".join(map(repr, gone)),
            added and "only in the data: " + ", ".join(map(repr, added)),
            moved and "renumbered: " + ", ".join(moved),
        )
        if part
    ]
    raise ValueError(
        f"it was trained on {len(old)} classes and --dataset {dataset} now gives {len(new)}, which differ "
        f"({'; '.join(differ)}); its classifier answers the checkpoint's classes by id. Resume with the data set's "
        f"classes as they were, start over on the new ones with --overwrite_output_dir, or give another --output_dir"
    )


def apply_resumed_hyperparameters(optimizer, lr_scheduler, args, saved: dict | None) -> list[str]:
    """Put this run's --learning_rate, --weight_decay and --momentum back after a checkpoint's optimiser and
    scheduler state restored the checkpoint's (a new value would otherwise be silently ignored): the schedule goes on
    from the same step with the new peak; and this run's schedule's rate at that step (another length, warm-up or
    type of schedule). Returns what was changed of the three, `--flag old -> new`."""
    saved = (saved or {}).get("other", {})
    changed = [name for name in RESTORED_SETTINGS if name in saved and saved[name] != getattr(args, name, None)]
    scheduler = getattr(lr_scheduler, "scheduler", lr_scheduler)  # accelerate wraps it
    groups = optimizer.param_groups
    if hasattr(scheduler, "lr_lambdas") and "learning_rate" not in changed:
        # The optimiser's state put back the rate the checkpoint's schedule had set for the next step; this run's
        # schedule (another --max_train_steps, warm-up or --lr_scheduler_type: a warning says which) sets its own only
        # at the next scheduler step, so the first resumed step trained at the old schedule's rate (a warm-up of 100
        # steps dropped at step 10: 0.1x the rate). The same schedule gives the same rates, to the last bit.
        rates = [base * rate(scheduler.last_epoch) for base, rate in zip(scheduler.base_lrs, scheduler.lr_lambdas)]
        if rates != [group["lr"] for group in groups]:
            for group, rate in zip(groups, rates):
                group["lr"] = rate
            scheduler._last_lr = rates
    if not changed:
        return []
    if "learning_rate" in changed:
        if not hasattr(scheduler, "lr_lambdas"):
            raise ValueError(f"--learning_rate cannot change on resume with a {type(scheduler).__name__} schedule")
        # each group's share of the peak (--layer_decay's `lr_scale`; 1 without) is kept
        scheduler.base_lrs = [args.learning_rate * group.get("lr_scale", 1.0) for group in groups]
        rates = [base * rate(scheduler.last_epoch) for base, rate in zip(scheduler.base_lrs, scheduler.lr_lambdas)]
        for group, base, rate in zip(groups, scheduler.base_lrs, rates):
            group["initial_lr"], group["lr"] = base, rate
        scheduler._last_lr = rates
    for name, key in (("weight_decay", "weight_decay"), ("momentum", "momentum")):
        if name in changed:
            for group in groups:
                exempt = key == "weight_decay" and group.get("weight_decay_exempt")  # biases and norms keep 0
                if key in group and not exempt:  # AdamW has no momentum
                    group[key] = getattr(args, name) or 0.0
    return [
        f"--{name} {said(saved[name])} -> {said(getattr(args, name))}"
        + (" (the preset's)" if preset_change(args, name, saved[name], getattr(args, name)) else "")
        for name in changed
    ]
