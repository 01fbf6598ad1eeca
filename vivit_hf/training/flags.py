# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The recipes' command line: a flag the parser does not know is answered with the closest one it does, and a flag
naming a Hub id that cannot be fetched ends in one line naming it and why.

`argparse` says only "unrecognized arguments: --lr 1e-3" (Python 3.14 adds `suggest_on_error`, for choices only).
The recipes take transformers' and accelerate's spellings (`--learning_rate`, `--num_train_epochs`), with hyphens too
(`--learning-rate`, as transformers' `HfArgumentParser` and `python -m vivit_hf.convert` take it); a user coming
from another trainer types `--lr` or `--epochs`, and deserves the name to use.

What else the recipes say to their user lives here too, so that it reads in the flags they typed: the library's
advice and warnings said as flags (`in_flag_words`, `advice_in_flag_words`), the `--short_video` flag and its rules,
refusals of the command line after it parsed (`usage_error`, `output_dir_problem`, `hub_source`), and a launch that
started fewer processes than asked for (`processes_not_started`).
"""

from __future__ import annotations

import argparse
import copy
import functools
import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

from vivit_hf.conversion.checkpoint_files import CheckpointSourceError
from vivit_hf.conversion.vit_init import (
    POSITIONAL_EMBEDDINGS,
    SPATIAL_CLS_ADVICE,
    TUBELET_INITS,
    VIT_ACTIVATION_ADVICE,
    VIT_GRID_ADVICE,
    VIT_HEADS_ADVICE,
    VIT_NUMERICS_ADVICE,
)
from vivit_hf.conversion.vit_init.embeddings import ARP_TUBELET_ADVICE
from vivit_hf.flag_spellings import SpellingsArgumentParser, flag_spellings
from vivit_hf.hub.sources import exception_chain, why_not_fetched
from vivit_hf.processing.processing_vivit import RESIZED_FRAME_ADVICE
from vivit_hf.processing.processor_options import saved_config_name
from vivit_hf.processing.sampling import SHORT_VIDEO_ADVICE
from vivit_hf.repo_id import near_folder

# the refusals of a model's path live below every layer, where `vivit_hf.export` asks them too; the recipes import
# `missing_model` and `model_folder_refusal` from here, where they were
from vivit_hf.run_folder import missing_model, missing_path, model_folder_refusal  # noqa: F401

# Spellings of other trainers (timm, mmaction2, PyTorch examples) that no string distance finds.
COMMON_ALIASES = {
    "--lr": "--learning_rate",
    "--epochs": "--num_train_epochs",
    "--batch_size": "--per_device_train_batch_size",
    "--batch-size": "--per_device_train_batch_size",
    "--bs": "--per_device_train_batch_size",
    "--workers": "--num_workers",
    "--wd": "--weight_decay",
    "--resume": "--resume_from_checkpoint",
    "--overwrite": "--overwrite_output_dir",  # transformers 4 examples: --overwrite_output_dir; some tools: --overwrite
    "--output": "--output_dir",
    "--out": "--output_dir",
    "--data": "--dataset",
    # transformers' and datasets' example scripts' names for the data set and its columns (`run_image_classification`):
    # `--dataset_name` was answered with `--dataset_config_name`, a configuration of the data set, not the data set
    "--dataset_name": "--dataset",
    "--video_column_name": "--video_column",
    "--image_column_name": "--video_column",
    # transformers Trainer's names (`TrainingArguments`) for what the recipe names as its `*_no_trainer` examples do:
    # string distance answered `--save_steps` with nothing and `--eval_steps` with `--eval_split`
    "--save_steps": "--checkpointing_steps",
    "--save_total_limit": "--checkpoints_total_limit",
    "--max_steps": "--max_train_steps",
    "--warmup_steps": "--num_warmup_steps",
    "--bf16": "--mixed_precision bf16",
    "--fp16": "--mixed_precision fp16",
}

# Trainer's flags that finetune.py has no counterpart for, answered with what it does instead (its parser's `advice`).
TRAINER_ADVICE = {
    "--eval_strategy": "finetune.py evaluates at the end of every epoch and of the run; --eval_steps N evaluates "
    "every N steps instead",
    "--evaluation_strategy": "finetune.py evaluates at the end of every epoch and of the run; --eval_steps N "
    "evaluates every N steps instead",  # transformers 4
    "--save_strategy": "give --checkpointing_steps N (every N steps) or --checkpointing_steps epoch",
    "--logging_dir": "the tracker's logs go into the finetune/ folder of --output_dir",
    # string distance answered these with a flag of another meaning, which a user would type in their place
    "--eval_accumulation_steps": "evaluation gathers its logits batch by batch (--per_device_eval_batch_size); "
    "--gradient_accumulation_steps is training's, and changes its total batch",
    "--data_seed": "--seed seeds the data order and the augmentations too",
    "--warmup_ratio": "give the warm-up as --warmup_epochs E or --num_warmup_steps N",
    # Trainer's default sense, which --metric_for_best_model loss (lower) and top1 / top5 (greater) always take
    "--greater_is_better": "each --metric_for_best_model has one sense: loss is better when lower, top1, top5 and "
    "the other accuracies when greater",
}


class CommandLineRefused(SystemExit):
    """argparse's exit (status 2) for a command line it refused: `message` is its error, `shown` the lines it prints
    for it (usage and error; None: `error: <message>`). On several processes the others are told why, and each
    distinct refusal is printed once per machine (`vivit_hf.training.agreement.agree`)."""

    def __init__(self, message: str, shown: str | None = None):
        super().__init__(2)
        self.message = message
        self.shown = shown if shown is not None else f"error: {message}\n"


# While set (`refusals_held`), the parser's errors are raised without being printed: on several processes only the
# agreement knows which of them is to print a refusal that every process of a launch reaches alike.
_HOLD_REFUSALS = False


@contextmanager
def refusals_held() -> Iterator[None]:
    """Within it, a `SuggestingArgumentParser` refusal is raised (`CommandLineRefused`, its lines in `shown`) and not
    printed: the caller prints it, once."""
    global _HOLD_REFUSALS
    held, _HOLD_REFUSALS = _HOLD_REFUSALS, True
    try:
        yield
    finally:
        _HOLD_REFUSALS = held


# `--ddp_timeout`'s default in both recipes, in seconds: transformers' (`TrainingArguments.ddp_timeout`).
DDP_TIMEOUT = 1800


def ddp_timeout_given(argv=None, default: float = DDP_TIMEOUT) -> float:
    """`--ddp_timeout` as typed in a command line that did not parse as a whole (so that telling the other processes
    of it waits no longer than they would), else `default`."""
    probe = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    probe.add_argument(*flag_spellings("--ddp_timeout"), type=float)
    try:
        given = probe.parse_known_args(argv)[0].ddp_timeout
    except (argparse.ArgumentError, SystemExit):
        given = None
    return given if given is not None and given > 0 else default


class DefaultsHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """`--help` with the description as written (its command examples keep their lines) and each flag's default after
    its help, read from the parser (so a preset's values show as the defaults they are), where it has one to say: not
    for a default of None (computed later, or not used) or a switch's False, nor where the help already says it."""

    def add_argument(self, action: argparse.Action) -> None:
        # argparse expands (and so extends) only a help that is there: a flag without one gets its default as its help
        if not action.help and action.option_strings and has_default_to_show(action):
            action = copy.copy(action)
            action.help = "(default: %(default)s)"
        super().add_argument(action)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or not has_default_to_show(action):
            return text
        if "%(default)" in text or "(default" in text or "default:" in text:
            return text
        return f"{text} (default: %(default)s)".lstrip()


def has_default_to_show(action: argparse.Action) -> bool:
    """Whether `action`'s default says something: not None, not a switch's False (`store_true`), not an empty list."""
    default = action.default
    if default is None or default is argparse.SUPPRESS or default == []:
        return False
    return not (action.nargs == 0 and default is False)  # store_true: its absence is the default


class SuggestingArgumentParser(SpellingsArgumentParser):
    """An `ArgumentParser` that takes each long flag with underscores and with hyphens (`SpellingsArgumentParser`:
    the recipes refused `--learning-rate`, which transformers' `HfArgumentParser` takes), whose "unrecognized
    arguments" error names the closest known flag for each, and whose errors print a one-line usage (where `--help`
    lists the flags) rather than every flag."""

    def __init__(self, *args, advice: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.advice = advice or {}  # unknown flag -> what to do instead, where no flag of this parser is its answer

    def dash_path_hint(self) -> str | None:
        """For a file or folder given whose name starts with `-` (`--videos -intro.mp4`), which argparse reads as a
        flag ("expected at least one argument", "unrecognized arguments: -intro.mp4"): how to give it."""
        named = [
            token
            for token in getattr(self, "given", [])
            if isinstance(token, str) and token.startswith("-") and token != "-" and os.path.lexists(token)
        ]
        if not named:
            return None
        shown = ", ".join(named[:3])
        return f"{shown} is read as a flag (its name starts with '-'): give it as ./{named[0]}"

    def closest_flag(self, unknown: str) -> str | None:
        known = {s for a in self._actions for s in a.option_strings}
        flag = unknown.split("=", 1)[0]
        alias = COMMON_ALIASES.get(flag) or COMMON_ALIASES.get(underscored(flag))
        if alias and alias.split()[0] in known:  # an alias may carry its value: `--bf16` -> `--mixed_precision bf16`
            return alias
        return super().closest_flag(unknown)  # misspellings, by closeness

    def error(self, message: str):
        message = self.one_spelling(message)
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            tokens = message[len(prefix) :].split()
            launcher_hint = self.launcher_hint(tokens)
            hints, notes = [], []
            for token in tokens:
                flag = token.split("=", 1)[0]
                if underscored(flag) in self.advice:
                    notes.append(f"{flag}: {self.advice[underscored(flag)]}")
                elif token.startswith("--") and not launcher_of(token):
                    closest = self.closest_flag(token)
                    if closest:
                        hints.append(f"{flag} -> {closest}")
            if hints:
                message += f" (did you mean: {', '.join(hints)}?)"
            if notes:
                message += f" ({'; '.join(notes)})"
            if launcher_hint:
                message += f"; {launcher_hint}"
        else:  # a required flag misspelt (`--video clips`) is named as an unknown one is
            message = self.with_flag_hints(message)
        dash_hint = self.dash_path_hint()
        if dash_hint:
            message += f"; {dash_hint}"
        refused = self.refusal(message)
        if not _HOLD_REFUSALS:
            self._print_message(refused.shown, sys.stderr)
        raise refused

    def refusal(self, message: str) -> CommandLineRefused:
        """The exit for `message`, not raised: its lines are a one-line usage and argparse's error line (argparse
        would print the whole usage first: some 57 lines for the recipes, which push the one line that matters off
        the screen; one line of usage says where the flags are listed)."""
        usage = f"usage: {self.prog} [flags]  (every flag: {self.prog} --help)\n"
        return CommandLineRefused(message, usage + f"{self.prog}: error: {message}\n")

    def launcher_hint(self, tokens: list[str]) -> str | None:
        """For the unknown flags that are a launcher's (`accelerate launch recipes/finetune.py --num_processes 2`
        hands `--num_processes 2` to the script): where they go, as the command to type."""
        moved: dict[str, list[str]] = {}  # launcher -> its flags, with their values
        for i, token in enumerate(tokens):
            launcher = launcher_of(token) if token.startswith("--") else None
            if launcher:
                value = [t for t in tokens[i + 1 : i + 2] if not t.startswith("-")]  # its value, if it takes one
                moved.setdefault(launcher, []).extend([token, *value])
        script = sys.argv[0] if Path(sys.argv[0]).name == self.prog else self.prog
        hints = []
        for launcher, given in moved.items():
            flags = [t.split("=", 1)[0] for t in given if t.startswith("--")]
            which = f"{flags[0]} is a flag" if len(flags) == 1 else f"{', '.join(flags)} are flags"
            them = "it" if len(flags) == 1 else "them"
            hints.append(
                f"{which} of {launcher}: give {them} before the script, `{launcher} {' '.join(given)} {script}`"
            )
        return "; ".join(hints) or None


def underscored(flag: str) -> str:
    """`--save-steps` as `--save_steps`: the spelling the alias and advice tables are written in."""
    return "--" + flag[2:].replace("-", "_") if flag.startswith("--") else flag


def launcher_of(flag: str) -> str | None:
    """ "accelerate launch" or "torchrun" when `flag` is one of the launcher's own flags and not the recipes' (theirs:
    --mixed_precision and --gradient_accumulation_steps, which a recipe takes itself); None otherwise. Read from
    the launchers' own parsers, so a new launcher flag is known without a list to keep."""
    flag = flag.split("=", 1)[0]
    for launcher, flags in _launcher_flags().items():
        if flag in flags:
            return launcher
    return None


@functools.cache  # each launcher's parser is built once, not once per unknown flag
def _launcher_flags() -> dict[str, set[str]]:
    flags = {}
    try:
        from accelerate.commands.launch import launch_command_parser

        flags["accelerate launch"] = _long_options(launch_command_parser())
    except ImportError:  # accelerate is the recipes' extra; without it, no hint
        pass
    from torch.distributed.run import get_args_parser

    flags["torchrun"] = _long_options(get_args_parser())
    return flags


def _long_options(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings if s.startswith("--") and s != "--help"}


def add_short_video_flag(parser, without: str) -> None:
    """`--short_video loop|pad`, the video processor's `short_video`, in every recipe: its refusal of a one-frame
    video ("pass short_video='loop' or 'pad'") was advice that only predict.py's users could take. `without` says
    what the recipe does with such a video otherwise."""
    parser.add_argument(
        "--short_video",
        default=None,
        choices=("loop", "pad"),
        help=f"{without} unless this turns its frame into a clip: loop repeats it (a clip shorter than its span is "
        "looped anyway); pad fills every clip too short with its last frame instead of looping it",
    )


def add_mixed_precision_flag(parser, recorded: str = "") -> None:
    """`--mixed_precision no|fp16|bf16` in every recipe, its default left to the launcher (None: `accelerate launch
    --mixed_precision bf16` or its config, read after parsing). `recorded`: where the recipe writes the precision."""
    parser.add_argument(
        "--mixed_precision",
        choices=("no", "fp16", "bf16"),
        default=None,
        help=f"the model's autocast, as accelerate's (fp16 on a GPU only){recorded} (default: the launcher's, "
        "`accelerate launch --mixed_precision bf16` or its config, else no)",
    )


# What each `short_video` rule does with a video shorter than a clip's span (vivit_hf.processing.sampling).
_SHORT_VIDEO_RULES = {
    None: "loops a short video and skips a one-frame one as broken",
    "loop": "loops a short video, a one-frame one too",
    "pad": "fills a short video with its last frame, a one-frame one too",
    "error": "skips every video shorter than a clip as broken",
}
# ... and in the pipeline's windows (predict.py), which spread a clip over a video shorter than the window: only
# whether a one-frame video is taken (`refuse_single_frame`).
_WINDOW_RULES = {
    None: "skips a one-frame video as broken",
    "loop": "takes a one-frame video as its frame repeated",
    "pad": "takes a one-frame video as its frame repeated",
    "error": "skips a one-frame video as broken",
}


def short_video_override(saved, typed, model: str, windows: bool = False) -> str | None:
    """A warning when `--short_video` (`typed`) overrides another rule than the one the processor saved with
    `--model` holds (`saved`: what its fine-tuning trained with, and what the pipeline does with it), else None;
    `windows`: predict.py's, where the rules differ only in taking a one-frame video (`--short_video loop` on a model
    that pads does what the model's rule does, and is not warned). Warned, not refused: the flag is the user's
    explicit choice (taking one-frame videos is what it is for), but evaluate.py and predict.py took it without a
    word, and where the model's processor pads, evaluate.py's `--short_video loop`, typed to take one-frame videos,
    also looped every other short video (the flag's help says they are looped anyway)."""
    rules, run = (_WINDOW_RULES, "this prediction") if windows else (_SHORT_VIDEO_RULES, "this evaluation")
    if typed is None or rules[typed] == rules.get(saved, saved):
        return None
    own = "; without --short_video its own rule is used, which takes one-frame videos too"
    keep = own if saved in ("loop", "pad") else ""
    return (
        f"--short_video {typed} overrides the processor saved with --model {model} (short_video={saved!r}: what its "
        f"pipeline uses, and vivit_hf's fine-tuning trained with), which {rules.get(saved, saved)}; "
        f"{run} {rules[typed]}{keep}"
    )


def warn_short_video_override(logger: logging.Logger, saved, typed, model: str, windows: bool = False) -> str | None:
    """`short_video_override`'s warning logged on `logger` where there is one (evaluate.py and predict.py each called
    it and logged the result in their own two lines); returns it, else None."""
    override = short_video_override(saved, typed, model, windows=windows)
    if override:  # not how the model's fine-tuning (and its pipeline) read short videos: said, as the user chose it
        logger.warning("%s", override)
    return override


def warn_saved_views(logger, processor, model: str, num_crops: int, num_clips: int | None = None) -> str | None:
    """A warning, logged and returned, where the views a recipe scores (`--num_clips` x `--num_crops`; predict.py's
    windows are one clip each: `num_clips` None) are not those `model`'s video processor is saved with, which its
    pipeline scores: a processor saved with 4 clips x 3 crops would be evaluated on 1 x 1 views."""
    saved_clips, saved_crops = getattr(processor, "num_clips", None) or 1, getattr(processor, "num_crops", None) or 1
    if saved_crops == num_crops and (num_clips is None or saved_clips == num_clips):
        return None
    if num_clips is None:
        saved, used, flags = f"num_crops={saved_crops}", f"--num_crops {num_crops}", f"--num_crops {saved_crops}"
    else:
        saved = f"num_clips={saved_clips}, num_crops={saved_crops}"
        used = f"--num_clips {num_clips} x --num_crops {num_crops}"
        flags = f"--num_clips {saved_clips} --num_crops {saved_crops}"
    said = (
        f"the video processor saved with --model {model} has {saved} (the views its pipeline scores); this run "
        f"scores the views {used} give ({flags} for the saved ones)"
    )
    logger.warning("%s", said)
    return said


# The advice `SHORT_VIDEO_ADVICE` as a recipe's user takes it: the flag `add_short_video_flag` adds.
SHORT_VIDEO_FLAG_ADVICE = "pass --short_video loop or pad"
# `RESIZED_FRAME_ADVICE` as a recipe's user takes it: `--resize_shortest_edge` sets no longest edge, and a size dict is
# nothing they can pass
RESIZED_FRAME_FLAG_ADVICE = (
    "no flag of the recipes caps the longer side: re-encode the video at the size it shows, or leave it out"
)
# The modules that log each clip they skip as broken, with its error (the processor's words).
SKIPPED_CLIP_LOGGERS = ("vivit_hf.training.data.dataset", "vivit_hf.training.data.streaming")
# The image-ViT initialisation, whose warnings name its options in Python (`positional_embedding='resize'`).
VIT_INIT_LOGGER = "vivit_hf.conversion.vit_init"
# `from_vit_pretrained`'s options that finetune.py takes as flags of the same name, and the values each takes.
_VIT_INIT_OPTIONS = {"positional_embedding": POSITIONAL_EMBEDDINGS, "tubelet_init": TUBELET_INITS}
_VIT_INIT_KEYWORD = re.compile(rf"\b({'|'.join(_VIT_INIT_OPTIONS)})='(\w+)'")
# The image-ViT facts a source may not record (`VIT_HEADS_ADVICE`, `VIT_GRID_ADVICE`: keyword arguments of
# from_vit_pretrained, which finetune.py has no flag for), as its user gives them: the head count is the video model's
# (`build_model` passes --config_overrides num_attention_heads to the ViT's reading), the grid only a folder records.
_VIT_FACTS_IN_FLAG_WORDS = {
    VIT_HEADS_ADVICE: "pass the head count as --config_overrides num_attention_heads=N (the video model's, which is "
    "the ViT's)",
    VIT_GRID_ADVICE: "finetune.py has no flag for it: give --init_from a folder whose config says it, a timm ViT's "
    'weights as model.safetensors beside a config.json {"architecture": "<its timm name>", "pretrained_cfg": '
    '{"input_size": [3, height, width]}}, or a transformers ViT folder (its image_size and patch_size)',
    # from_vit_pretrained's hidden_act= is its config keyword, which build_model passes --config_overrides to
    # from_vit_pretrained's spatial_cls_init= has no flag; a ViViT folder made with it is what --init_from can take
    SPATIAL_CLS_ADVICE: "finetune.py has no flag for it: to start from the ViT's, make the model in Python with "
    "from_vit_pretrained(..., spatial_cls_init='copy'), save_pretrained it and give --init_from that folder",
    VIT_ACTIVATION_ADVICE: "pass --config_overrides hidden_act=gelu_pytorch_tanh for a ViT of the tanh GELU (the ViT's "
    "activation, and the video model's)",
    # finetune.py passes --config_overrides to from_vit_pretrained: an activation or eps there replaces the ViT's
    VIT_NUMERICS_ADVICE: "to start from the function the ViT learnt, leave hidden_act and layer_norm_eps out of "
    "--config_overrides (the run then takes the ViT's)",
    # the tubelet's time size is no flag of its own: --config_overrides sets it, the patch kept
    ARP_TUBELET_ADVICE: "tubelets of 2 or more frames "
    "(--config_overrides tubelet_size=[2,<patch height>,<patch width>])",
}


def in_flag_words(text: str) -> str:
    """`text` (a short video's error, or a line quoting it) with the processor's advice said as the recipes' flag:
    `short_video='loop'` is what a processor's caller passes; a recipe's user types `--short_video loop`. A banner's
    advice to pass a size with a longest edge, which no recipe flag gives, says what they can do. So are the
    image-ViT initialisation's options (`vit_init_in_flag_words`)."""
    text = text.replace(SHORT_VIDEO_ADVICE, SHORT_VIDEO_FLAG_ADVICE).replace(
        RESIZED_FRAME_ADVICE, RESIZED_FRAME_FLAG_ADVICE
    )
    return vit_init_in_flag_words(text)


# The ViT's representation layer, which from_vit_pretrained's caller takes with `representation_size=` (a config
# keyword, which build_model passes --config_overrides to)
_REPRESENTATION_ADVICE = re.compile(r"pass representation_size=(\d+) to a \*ForVideoClassification")


def vit_init_in_flag_words(text: str) -> str:
    """An image-ViT initialisation's error or warning as finetune.py's user reads it: `positional_embedding='tile'`,
    what `from_vit_pretrained`'s caller passes, is the `--positional_embedding tile` they typed, and an alternative it
    offers quoted alone (`use 'central_frame' or 'filter_inflation'`) is that flag's value too; the head count and
    grid it tells Python callers to pass (`vit_num_attention_heads=`, `vit_grid=`) are said as what the recipe's user
    can do (`_VIT_FACTS_IN_FLAG_WORDS`)."""
    for advice, said in _VIT_FACTS_IN_FLAG_WORDS.items():
        text = text.replace(advice, said)
    text = _REPRESENTATION_ADVICE.sub(r"pass --config_overrides representation_size=\1", text)
    named = {match.group(1) for match in _VIT_INIT_KEYWORD.finditer(text)}
    text = _VIT_INIT_KEYWORD.sub(r"--\1 \2", text)
    for option in named:
        text = re.sub(rf"'({'|'.join(_VIT_INIT_OPTIONS[option])})'", rf"--{option} \1", text)
    return text


class _FlagWords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        said = in_flag_words(message)
        if said != message:
            record.msg, record.args = said, ()
        return True


@contextmanager
def advice_in_flag_words(loggers=SKIPPED_CLIP_LOGGERS) -> Iterator[None]:
    """Within it, the data sets' lines for the clips they skip give the processor's advice as the recipe's flag
    (`in_flag_words`): "skipping broken clip up/still.mp4: ... has a single frame; pass --short_video loop or pad",
    where they said "pass short_video='loop' or 'pad'", a keyword the recipe's user has nowhere to pass. The data
    sets keep the processor's words for their other callers; DataLoader workers started within it inherit it (forked,
    or handed it by `WorkerInit` from the fork server)."""
    words, chosen = _FlagWords(), [logging.getLogger(name) for name in loggers]
    for chosen_logger in chosen:
        chosen_logger.addFilter(words)
    try:
        yield
    finally:
        for chosen_logger in chosen:
            chosen_logger.removeFilter(words)


def usage_error(message: str, prog: str = "") -> NoReturn:
    """The user's flags, paths or data refused after the command line parsed: one line on stderr and argparse's
    status 2, as argparse refuses a flag. Status 1 says the run itself failed (videos that could not be read, a
    model that diverged); 130 and 143 that it was stopped (docs/training-and-data.md, "Exit statuses")."""
    print(f"{prog}: error: {message}" if prog else f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def missing_dataset(dataset: str) -> str | None:
    """The refusal of a `--dataset` spelt as a path that is not on this machine, in argparse's words, else None (a
    folder here, a Hub id, the bundled set). One wording for finetune.py, evaluate.py and the shard tool: evaluate.py
    said `--dataset x: no such folder, and not a Hub data set id (owner/name)` where the others said this line."""
    from .data import SYNTHETIC  # (the data package imports nothing of the recipes' flags)

    return None if dataset == SYNTHETIC else missing_path("--dataset", dataset, "folder", "data set")


def output_dir_problem(output_dir, named: str = "--output_dir") -> str | None:
    """Why `--output_dir` cannot be the folder a recipe writes into, or None: it, or a folder above it, is a file
    (`--output_dir make.py`), or the folder (else the nearest one above it, where it would be made) cannot be written
    (a read-only mount, another user's folder). Every recipe asks before anything loads: found only when the outputs
    were written, it was a NotADirectoryError or FileExistsError traceback after the whole evaluation (or once the
    model loaded), and a read-only folder an OSError traceback from the lock's file (finetune.py) or the outputs.
    `named`: how the message names the folder (a recipe's default folder is no flag the user typed)."""
    folder = Path(output_dir)
    for path in (folder, *folder.parents):
        if path.is_dir():
            return _unwritable(output_dir, path, named)
        if os.path.lexists(path):  # a file, or a link to nothing: no folder can be made there
            where = "" if path == folder else f": {path}"
            return f"{named} {output_dir}{where} is a file, not a folder"
    return None


def _unwritable(output_dir, folder: Path, named: str) -> str | None:
    """Why `folder` (`output_dir`, or the nearest folder above it) cannot be written into, else None. access(2)
    answers for this user, and EROFS on a read-only mount for root too."""
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    why = "its file system is mounted read-only" if read_only else "this user may not write there"
    where = "" if folder == Path(output_dir) else f" ({folder}, where it would be made)"
    return f"{named} {output_dir} cannot be written{where}: {why}; give a folder this user can write"


def output_dir_in_dataset(output_dir, dataset, named: str = "--output_dir") -> str | None:
    """Why a recipe may not write into `output_dir`, else None: it is the local `dataset` folder or lies inside it.
    The next read of the data set took the run's outputs for its own files: `--dataset_format hub` refused the
    folder, advising to read `out/train_results.json` as the training split, and a videofolder named the model and
    plots in a warning on every run. `dataset`: a folder, else (a Hub id, the bundled set's name) nothing is asked."""
    if not os.path.isdir(dataset):
        return None
    folder, written = Path(dataset).resolve(), Path(output_dir).resolve()
    if written != folder and folder not in written.parents:
        return None
    return (
        f"{named} {output_dir} lies inside --dataset {dataset}: the next read of the data set would take this run's "
        f"outputs (results tables, model card, plots) for files of the data set; give an --output_dir outside it"
    )


# What huggingface_hub, datasets and transformers raise for a Hub id they cannot fetch is an OSError: no network
# (datasets' ConnectionError, huggingface_hub's LocalEntryNotFoundError, transformers' OSError raised from it), offline
# mode (OfflineModeIsEnabled), no such repo or revision (HfHubHTTPError; datasets' DatasetNotFoundError is a
# FileNotFoundError), and our own CheckpointSourceError. `is_hub_failure` tells them from a bad local file.
HUB_SOURCE_ERRORS = (OSError,)


def is_hub_failure(error: BaseException) -> bool:
    """Whether `error` says a Hub id could not be fetched, not that a local file is bad (a bug keeps its traceback):
    huggingface_hub's errors, a network error, or datasets' / transformers' wording of them."""
    for cause in exception_chain(error):
        if isinstance(cause, (CheckpointSourceError, HfHubHTTPError, LocalEntryNotFoundError, ConnectionError)):
            return True
        if type(cause).__name__ in ("DatasetNotFoundError", "ConnectError", "ConnectTimeout"):  # datasets, httpx
            return True
    return False


@contextmanager
def hub_source(flag: str, source, prog: str = "") -> Iterator[None]:
    """Loading what `flag` names: a Hub id that cannot be fetched ends the command in one line on stderr naming it
    and why, with argparse's status 2, as `python -m vivit_hf.convert` does, not a traceback of huggingface_hub's
    and datasets' internals. A local path that exists (or no source given) is not a Hub id: its errors are left as
    they are."""
    try:
        yield
    except HUB_SOURCE_ERRORS as error:
        if source is None or Path(str(source)).expanduser().exists() or not is_hub_failure(error):
            raise
        if isinstance(error, CheckpointSourceError):  # its message already names the source and why
            message = f"{flag} {error}"
        else:
            message = f"{flag} {source}: no such local folder; read as a Hub id, {why_not_fetched(error)}"
            if near := near_folder(str(source), model=flag != "--dataset"):
                message += f"; a folder here has a near name: {near}"
        usage_error(message, prog)


def refused_processor_config(flag: str, source, error: ValueError) -> str:
    """One line for a model folder whose saved video processor options no clip can be processed with (a hand-edited
    `short_video: "bogus"`, `num_frames: 0`): the processor refuses them when loaded, and the recipe says which file
    to fix before the run starts (found at the first clip, it was an epoch's worth of DataLoader workers later)."""
    name = saved_config_name(Path(str(source)).expanduser())
    said = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        f"{flag} {source}: its {name} holds an option no clip can be processed with (the videos are not at fault): "
        f"{said} Correct it in that file."
    )


# Process counts set by launchers that start every process themselves (torchrun, mpirun, MVAPICH, Intel MPI).
_STARTED_PROCESSES = ("WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE")


def processes_not_started(num_processes: int, script: str, environ=None, launcher=None) -> str | None:
    """A one-line warning when `accelerate launch` was asked for several processes and started one, else None.

    `accelerate launch --num_processes 2 script.py` on a machine without several GPUs (no --multi_gpu, no config
    with a multi-process distributed_type) goes to its simple launcher, which runs the script once: it sets
    MASTER_ADDR / MASTER_PORT for the processes asked for (more than one, or more than one machine) and no process
    count, which torchrun and mpirun would set. That pair without a count is what is seen here. `launcher`: the
    (command line, folder) of the launch (default: the parent process's), whose config file the warning names
    where the processes were asked for there (`launch.launcher_config`)."""
    environ = os.environ if environ is None else environ
    simple_launcher = "ACCELERATE_USE_CPU" in environ  # set by accelerate launch's simple launcher, always
    asked_for_more = "MASTER_ADDR" in environ and "MASTER_PORT" in environ
    if num_processes > 1 or not (simple_launcher and asked_for_more) or any(v in environ for v in _STARTED_PROCESSES):
        return None
    asked, why = _processes_asked(launcher)
    # The simple launcher's environment does not say how many machines were asked for, so both ways are named:
    # cpu_two_processes.yaml and --nproc_per_node start processes on one machine only; --multi_gpu is accelerate's
    # launcher that starts them on every machine, on CPUs too (the recipes then join them with gloo).
    return (
        f"accelerate launch was asked for several processes ({asked}) but started this one alone: {why}. On one "
        "machine of CPUs use `accelerate launch --config_file "
        f"recipes/accelerate_configs/cpu_two_processes.yaml {script}` (or torchrun --nproc_per_node N {script}); on "
        "GPUs, or on several machines (CPUs too), add --multi_gpu to the launch command, or use --config_file "
        "recipes/accelerate_configs/multi_node.yaml (with use_cpu: true on CPUs)"
    )


def _processes_asked(launcher=None) -> tuple[str, str]:
    """(where the processes were asked for, why the launcher ran one) for `processes_not_started`. `accelerate
    config`'s own choice for CPUs, "multi-CPU" with 2 processes (distributed_type MULTI_CPU), starts them only
    through mpirun: accelerate launch runs the script once without it. The warning said "without --multi_gpu or a
    multi-process config" and named --num_processes, neither typed by a user who had just written that config."""
    from .launch import launcher_config

    read = launcher_config(*(launcher or (None, None)))
    simple = "without --multi_gpu or a multi-process config its launcher runs the script once (on several machines, "
    simple += "one independent job each)"
    if read is None:
        return "--num_processes, --num_machines", simple
    args, path, config = read
    typed = [f"--{name} {value}" for name in ("num_processes", "num_machines") if (value := getattr(args, name))]
    kind = getattr(config.distributed_type, "value", str(config.distributed_type))
    # a count typed overrides the config's (accelerate launch uses the flag): "--num_processes 2 with ... num_processes
    # 4" named both, the 4 unused
    counts = [
        (name, getattr(config, name, None)) for name in ("num_processes", "num_machines") if not getattr(args, name)
    ]
    # a config without num_processes loads as -1 (accelerate launch then asks for the flag): only counts above 1 ask
    said = [f"{name} {value}" for name, value in counts if isinstance(value, int) and value > 1]
    in_config = ", ".join([f"the accelerate config {path}: distributed_type {kind}", *said])
    if kind != "MULTI_CPU":
        return ", ".join(typed) or in_config, simple
    asked = ", ".join(typed) + f" with {in_config}" if typed else in_config
    return asked, (
        "accelerate starts the processes of a MULTI_CPU config through mpirun only (`accelerate config`'s "
        "'launch mpirun?' question, `--mpirun_hostfile`) and without it runs the script once"
    )
