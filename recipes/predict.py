#!/usr/bin/env python
# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Predict over time: a folder of (long) videos, one prediction per window, as JSON and a timeline plot.

    python recipes/predict.py --model outputs --videos my_videos/ --window 16f --hop 8f --output_dir timelines
    python recipes/predict.py --model outputs --videos a.mp4 b.webm --hop 4f --top_k 3    # window: the model's clip
    python recipes/predict.py --model outputs --videos 'my_videos/**/*.mp4'    # a pattern, quoted (see below)

Each video is cut into windows of `--window` every `--hop` (seconds, `4` or `4s`; or frames, `64f`); each window is
one clip of the model's `num_frames` frames, classified by `ViViTVideoClassificationPipeline`. Give a window about as
long as the model's training clips (`num_frames` frames `frame_stride` apart: 16 frames for the README's main job, 2 s
of its 8 fps clips): the frames are spread over the window, so a longer one shows the model its motion sped up.
Without `--window` the window is that clip (for a processor that samples by stride; else 4 s). A processor whose crops
(or fixed-size resize, where it crops nothing) are not the model's `image_size` is refused in one line before any
video is read; one whose views each video's frames decide, at the first that does not fit, naming it and the videos
written before it.
The file is read in one pass (each frame decoded once, however the windows overlap), never held whole in memory.
Writes, per video, `<name>.json` (e.g. `a.mp4.json`: every window's start and end in seconds and frames with its
`top_k` predictions, the aggregate: the mean of the windows' logits, and the `mixed_precision` the model ran in:
`--mixed_precision`, else the launcher's, `accelerate launch --mixed_precision bf16` or its config, autocast as
accelerate autocasts it, fp16 on a GPU only) and `<name>.png` (the scores over time of
the classes with the best aggregate; one panel per head for models with label spaces; needs matplotlib, in the
`recipes` extra), and `predictions.jsonl` (one line per video: its path and aggregate, or the error that kept it
from being read). A video that cannot be read, or holds a single frame (a broken file or a still image;
`--short_video loop` accepts it), is skipped and the rest go on; the run then exits with status 1, naming the ones
that failed. Ctrl-C or SIGTERM stops it with one line saying how many videos are done (their outputs whole, each
listed in `predictions.jsonl`, which is written from the first video done: a run stopped before leaves none), status
130 / 143. Windows are cut and labelled by each frame's presentation time,
so a variable-frame-rate file (phones) is timed as it plays. Under `accelerate launch` / torchrun of several
processes (a GPU each), each video is predicted by one process, and the first writes `predictions.jsonl` in order.

A pattern is read as Python's glob reads it, `**` any depth of folders: quote it, since bash (without `shopt -s
globstar`) expands an unquoted `my_videos/**/*.mp4` itself, `**` as `*`: the files one folder down only
(`my_videos/b.mp4` left out), each given alone (`my_videos/cats/a.mp4` -> `a.mp4.json`, not `cats__a.mp4.json`).

`<name>` is the file's name, and for a file found in a subfolder of a folder given, its path below that folder
joined with `__` (`my_videos/cats/a.mp4` -> `cats__a.mp4.json`), and for a URL the file name it ends with
(`https://host/v/a.mp4?sig=...` -> `a.mp4.json`): every output lies flat in --output_dir. Two videos
that would get one name (`x__y/a.mp4` and `x/y__a.mp4`, or `a.mp4` in two folders given) are refused before anything
is loaded, naming both, rather than one's outputs written over the other's. An --output_dir another live run writes
is refused naming that run (finetune.py's lock); timelines an earlier run left there of videos this run does not
predict stay, named in a warning; an earlier run's outputs of a video this run predicts and does not write anew (the
timeline of one that no longer decodes, the plot of one predicted with --no_plot) are removed.
"""

from __future__ import annotations

import argparse
import glob
import json
import logging
import os
import re
import sys
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import unquote, urlsplit

import torch
from transformers import pipeline

import vivit_hf  # noqa: F401 - registers the ViViT classes with the Auto classes
from vivit_hf.hub.upload import read_revision_refusal
from vivit_hf.processing import ViViTVideoProcessor
from vivit_hf.processing.errors import BrokenVideoError, ViewSizeError
from vivit_hf.processing.processor_options import clip_size_refusal
from vivit_hf.processing.timeline import check_span
from vivit_hf.repo_id import near_folder
from vivit_hf.run_folder import unexpanded_tilde
from vivit_hf.training.checkpoints import hold_output_dir, release_output_dir
from vivit_hf.training.data.folders import VIDEO_EXTENSIONS
from vivit_hf.training.data.formats import video_files_below
from vivit_hf.training.flags import (
    DDP_TIMEOUT,
    CommandLineRefused,
    DefaultsHelpFormatter,
    SuggestingArgumentParser,
    add_mixed_precision_flag,
    add_short_video_flag,
    hub_source,
    in_flag_words,
    model_folder_refusal,
    output_dir_problem,
    processes_not_started,
    refused_processor_config,
    warn_saved_views,
    warn_short_video_override,
)
from vivit_hf.training.flags import usage_error as _usage_error  # (named for this command: predict.py's usage_error)
from vivit_hf.training.launch import autocast_forward, inference_precision, run_as_command, run_as_script

if TYPE_CHECKING:
    from vivit_hf.processing.pipeline import ViViTVideoClassificationPipeline

logger = logging.getLogger("predict")
# The pipeline module's logger (its `__name__`), named without importing the module before the flags are read
# (`load_classifier`)
PIPELINE_LOGGER = "vivit_hf.processing.pipeline"


def _span(name: str):
    """An argparse type: a window or hop length, refused with argparse's one line before any model or video loads
    (`--window 0` was a ValueError traceback from the first video)."""

    def parse(text: str) -> str:
        try:
            return check_span(text, name)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _at_least_one(text: str) -> int:
    """An argparse type: a whole number >= 1 (`--window_batch_size 0` was taken for the default, 8)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def _device(text: str) -> str:
    """An argparse type: a torch device this machine has (`--device gpu`, or `cuda` without a GPU, was a torch
    traceback once the model had loaded)."""
    try:
        device = torch.device(text)
    except (RuntimeError, ValueError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a torch device (cpu, cuda, cuda:1, mps, ...)") from None
    if device.type == "cuda":
        count = torch.cuda.device_count()  # 0 without a GPU or its driver, and no CUDA error
        if count == 0:
            raise argparse.ArgumentTypeError(f"{text!r}: this machine has no CUDA device; give --device cpu")
        if device.index is not None and device.index >= count:
            raise argparse.ArgumentTypeError(
                f"{text!r}: this machine has {count} CUDA device(s), cuda:0 to cuda:{count - 1}"
            )
    return text


def usage_error(message: str) -> NoReturn:
    """The user's input refused as argparse refuses a flag (and as evaluate.py and finetune.py refuse a --model or
    --dataset that does not exist): one line on stderr, status 2. Status 1 is this command's for videos that failed
    to decode, which a scheduler may retry; a path typed wrong would fail again. Under a launcher of several processes
    it is raised unprinted, for `agree` to print once per machine (each process printed it: the same line twice)."""
    if launched_count() > 1:
        raise CommandLineRefused(message, f"predict.py: error: {message}\n")
    _usage_error(message, prog="predict.py")


def check_model(model: str, revision: str | None = None) -> None:
    """`--model` as a user types it: a folder holding a saved model, or a Hub id; refused in one line otherwise, as is
    a `--model_revision` that no ref can be named (or given with a folder)."""
    if refusal := read_revision_refusal("--model_revision", revision, "--model", model):
        usage_error(refusal)
    # (a `~` left: taken as there, the pipeline found none; a run's folder before its end: said to be one)
    if refusal := model_folder_refusal("--model", model):
        usage_error(refusal)


def refused_processor(model: str, revision: str | None = None) -> str | None:
    """Why the model's saved video processor options are refused, or None. transformers' pipeline takes any error
    loading the processor for none there ("requires either a video processor or an image processor"), of a folder
    whose config names a bad option (`short_video: "bogus"`)."""
    try:
        ViViTVideoProcessor.from_pretrained(model, revision=revision)
    except ValueError as error:
        return refused_processor_config("--model", model, error)
    except OSError:  # none saved (or not reachable): the pipeline's own error says so
        pass
    return None


def build_parser() -> argparse.ArgumentParser:
    # finetune.py's and evaluate.py's parser: a misspelt flag (`--windw`) is answered with the closest one
    p = SuggestingArgumentParser(
        prog="predict.py", description=__doc__, formatter_class=DefaultsHelpFormatter, allow_abbrev=False
    )
    p.add_argument("--model", required=True, help="a model folder or Hub id, with its video processor")
    p.add_argument(
        "--model_revision",
        default=None,
        help="a Hub --model's branch, tag or commit (from_pretrained's revision=; the branch a fine-tuning run "
        "pushed to); default main",
    )
    p.add_argument(
        "--videos",
        required=True,
        nargs="+",
        help="video files, folders (searched recursively), patterns ('clips/*.mp4', 'clips/**/*.mkv') and/or URLs "
        "(https://, hf://, s3://)",
    )
    p.add_argument(
        "--output_dir",
        default="timelines",
        help="where each video's <name>.json and <name>.png and predictions.jsonl go, all in this one folder",
    )
    p.add_argument(
        "--window",
        default=None,
        type=_span("the window"),
        help="window length: seconds (4, 2.5s) or frames (64f) (default: the model's training clip, num_frames x "
        "frame_stride frames, for a processor that samples by stride; else 4 s)",
    )
    p.add_argument(
        "--hop",
        default=None,
        type=_span("the hop"),
        help="between window starts, as --window (default: --window, no overlap)",
    )
    p.add_argument("--top_k", type=_at_least_one, default=5, help="predictions kept per window (and per head)")
    p.add_argument("--plot_classes", type=_at_least_one, default=5, help="classes in the timeline plot (per head)")
    p.add_argument("--num_crops", type=int, default=1, choices=(1, 3), help="spatial views per window")
    p.add_argument("--window_batch_size", type=_at_least_one, default=8, help="windows per forward pass")
    add_short_video_flag(p, "a one-frame file is refused as broken (listed, exit 1)")
    p.add_argument("--device", default=None, type=_device, help="cpu, cuda, cuda:1, ... (default: cuda when available)")
    add_mixed_precision_flag(p, "; recorded in each timeline")
    p.add_argument("--no_plot", action="store_true", help="JSON only")
    return p


def is_url(text: str) -> bool:
    """Whether `text` names a video by URL (`https://...`, `hf://datasets/...`, `s3://...`; not `file://`), which the
    pipeline reads itself: taken as a path, `https://host/a.mp4` would be refused as 'no such video file or folder:
    https:/host/a.mp4'."""
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.lower() != "file" and scheme.replace("+", "").replace(".", "").isalnum()


def find_videos(paths: list[str]) -> list[Path | str]:
    """The files given, and the video files under the folders given (sorted; hidden ones left out, as the data set
    readers leave them out), in order; each once, also when given twice as different paths to it (`my_videos` and
    `/abs/my_videos/a.mp4`: refused as two videos that would write one name, "rename one"). A URL stays as given."""
    found: list[Path | str] = []
    for text in paths:
        if is_url(text):
            found.append(text)
            continue
        entry = Path(text)
        if entry.is_dir():
            found.extend(video_files_below(entry))  # the files fine-tuning would read of the same folder
        elif entry.is_file():
            found.append(entry)
        elif glob.has_magic(text):
            found.extend(matching_videos(text))
        else:  # a typo of a folder beside it (`my_vidoes`) is named, as the recipes' --dataset names one
            near = f"; a folder here has a near name: {name}" if (name := near_folder(text, model=False)) else ""
            raise FileNotFoundError(f"no such video file or folder: {entry}{near}")
    # each once by its absolute path, as first given (a symlink under another name is the user's other name for it)
    unique: dict[str, Path | str] = {}
    for path in found:
        unique.setdefault(path if isinstance(path, str) else os.path.normpath(path.absolute()), path)
    return list(unique.values())


def matching_videos(pattern: str) -> list[Path]:
    """The video files a quoted pattern (`'clips/*.mp4'`, `'clips/**/*.mkv'`) matches, sorted, as a shell would have
    expanded it unquoted (a scheduler's or a Windows shell's command line leaves it as typed, not a file to refuse
    as 'no such video file or folder: clips/*.mp4'); a folder it matches is searched as a folder given is, and files of
    other types are left out, as in a folder."""
    # (as typed: a `~` that only a shell would have expanded is refused before, as every recipe's paths refuse it)
    matches = sorted(Path(path) for path in glob.glob(pattern, recursive=True))
    videos: list[Path] = []
    for match in matches:
        if match.is_dir():
            videos.extend(video_files_below(match))
        elif match.suffix.lower() in VIDEO_EXTENSIONS:  # a hidden one only where the pattern asks (`.*`), as a shell
            videos.append(match)
    if not videos:
        raise FileNotFoundError(f"no video file matches the pattern {pattern}{backslash_hint(pattern)}")
    return videos


def backslash_hint(pattern: str) -> str:
    """Why `clips\\*.mp4` (typed as on Windows) matches nothing here: `\\` is part of a file name on this system, no
    folder separator."""
    if os.sep == "\\" or "\\" not in pattern:
        return ""
    return f" ('\\' separates no folders on this system: write {pattern.replace(chr(92), '/')})"


def default_window(classifier) -> str:
    """The window a timeline gives the model when --window is not given: its training clip, `num_frames` frames
    `frame_stride` apart, for a processor that samples by stride (the fixed 4 s it was gave the README's main job,
    8 frames 2 apart at 8 fps, windows of 32 frames: its motion at twice the speed, and the pipeline's warning on every
    video); 4 s for one that samples by rate or the whole video, which has no clip length."""
    processor = classifier.video_processor
    num_frames = getattr(classifier.model.config, "num_frames", None) or processor.num_frames
    if getattr(processor, "sampling_mode", None) == "stride" and getattr(processor, "fps", None) is None:
        return f"{int(num_frames) * int(processor.frame_stride)}f"
    return "4"


def output_name(video: Path | str, roots: list[str]) -> str:
    """`<folder>/<sub>/clip.mp4` -> `sub__clip.mp4`: unique within the run, readable, flat; a URL's file name
    (`https://host/v/clip.mp4?sig=...` -> `clip.mp4`; an archive member's, `zip://clip.mp4::...`)."""
    if isinstance(video, str):
        # fsspec's chained URL: the member is the first link (`zip://clip.mp4::https://...`), whose name may be all
        # of its "host" (the whole URL's netloc was `clip.mp4::https:`)
        first = urlsplit(video.split("::")[0])
        return PurePosixPath(unquote(first.path)).name or unquote(first.netloc) or "video"
    for root in map(pattern_folder, roots):
        if root.is_dir() and video.is_relative_to(root):
            return "__".join(video.relative_to(root).parts)
    return video.name


def pattern_folder(text: str) -> Path:
    """The folder a pattern searches (`clips/**/*.mp4` -> `clips`), whose files are named by their path below it as a
    folder's are; `text` itself when it is no pattern, or names a file or folder (`clips [2024]`: `find_videos`
    reads it as given, and its videos are named below it)."""
    if not glob.has_magic(text) or Path(text).exists():
        return Path(text)
    parts = Path(text).parts
    return Path(*parts[: next(i for i, part in enumerate(parts) if glob.has_magic(part))] or ["."])


def output_names(videos: list[Path | str], roots: list[str]) -> dict[Path | str, str]:
    """Each video's `output_name`; a ValueError naming both videos when two would write the same files (compared
    without case: a macOS or Windows disk takes `A.mp4.json` for `a.mp4.json`)."""
    names: dict[Path | str, str] = {}
    taken: dict[str, Path | str] = {}
    for video in videos:
        name = output_name(video, roots)
        other = taken.setdefault(name.casefold(), video)
        if other != video:
            raise ValueError(
                f"--videos: {other} and {video} would both write {name}.json (a file in a subfolder is named by its "
                "path below the folder given, joined with '__'): rename one, or predict them in separate runs, each "
                "with its own --output_dir"
            )
        names[video] = name
    return names


def trim(predictions, top_k: int):
    """A window's predictions cut to `top_k` (a list, or a dict of lists per head)."""
    if isinstance(predictions, dict):
        return {head: entries[:top_k] for head, entries in predictions.items()}
    return predictions[:top_k]


def plot_timeline(result: dict, path: Path, title: str, num_classes: int = 5) -> bool:
    """The scores over time of the `num_classes` classes with the best aggregate (one panel per head); False (and
    nothing written) without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        logger.warning("matplotlib is not installed (pip install -e '.[recipes]'): no timeline plot for %s", title)
        return False
    windows = result["windows"]
    seconds = result["fps"] is not None
    centres = [(w["start"] + w["end"]) / 2 if seconds else (w["start_frame"] + w["end_frame"]) / 2 for w in windows]
    aggregate = result["aggregate"]
    heads = aggregate if isinstance(aggregate, dict) else {"": aggregate}
    heads = {head: entries for head, entries in heads.items() if head != "action"}
    figure, axes = plt.subplots(len(heads), 1, figsize=(10, 2.6 * len(heads) + 0.6), squeeze=False, sharex=True)
    for axis, (head, entries) in zip(axes[:, 0], heads.items()):
        for entry in entries[:num_classes]:
            label = entry["label"]
            scores = []
            for window in windows:
                predictions = window["predictions"][head] if head else window["predictions"]
                scores.append(next((p["score"] for p in predictions if p["label"] == label), 0.0))
            axis.plot(centres, scores, label=label, linewidth=1.4)
        axis.set_ylabel(f"{head} score" if head else "score")
        # beside the panel, not on it: inside, at upper right, it hid the best class's curve where it scores near 1
        axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, borderaxespad=0.0)
        axis.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("time (s, window centre)" if seconds else "frame (window centre)")
    axes[0, 0].set_title(title)
    figure.tight_layout()  # makes room on the right for the legends
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


class _WindowInFlagWords(logging.Filter):
    """The pipeline's advice on a window, `window='4f' (a number of frames) matches its clips`, as this command's user
    types it: `--window 4f` (the pipeline's words are a keyword its Python callers pass)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        said = re.sub(r"\bwindow='([^']*)'", r"--window \1", message)
        if said != message:
            record.msg, record.args = said, ()
        return True


def earlier_timelines(output_dir: Path, names) -> list[str]:
    """The timelines in `output_dir` of videos this run does not predict (`<video file name>.json`): an earlier run's,
    perhaps of another model, left beside this run's (a folder read whole would mix the two)."""
    ours = {f"{name}.json" for name in names}
    found = output_dir.glob("*.json")
    return sorted(p.name for p in found if p.name not in ours and Path(p.stem).suffix.lower() in VIDEO_EXTENSIONS)


def remove_earlier_outputs(output_dir: Path, name: str, kinds: tuple[str, ...]) -> list[str]:
    """Remove `<name>.json` / `<name>.png` (`kinds`) an earlier run wrote into `output_dir`, which this run does not
    write anew: the timeline of a video that no longer decodes (a file since replaced by a broken copy), or the plot
    of one predicted now with --no_plot. They stayed, the earlier run's answer (perhaps of another model) beside this
    run's error line or JSON, and `earlier_timelines` names only videos this run does not predict."""
    removed = []
    for kind in kinds:
        path = output_dir / f"{name}.{kind}"
        if path.is_file():
            path.unlink()
            removed.append(path.name)
    return removed


def write_atomically(path: Path, text: str) -> None:
    """`text` as `path`, whole or not at all: a run stopped mid-write (Ctrl-C, a scheduler's SIGTERM) leaves no
    truncated JSON that a later reader takes for a video's result."""
    partial_path = path.with_name(path.name + ".partial")
    partial_path.write_text(text)
    os.replace(partial_path, path)


def earlier_parts(output_dir: Path, count: int) -> list[Path]:
    """The parts `predictions.rank<r>.jsonl` in `output_dir` that a run of `count` processes does not write (all of
    them for one process): an earlier stopped launch's, of more processes, whose listed videos are not this run's.
    Such a part stayed beside this run's `predictions.jsonl`, listing videos this run did not predict."""
    ranks = {path: re.fullmatch(r"predictions\.rank(\d+)\.jsonl", path.name) for path in output_dir.iterdir()}
    return sorted(path for path, rank in ranks.items() if rank and (count == 1 or int(rank[1]) >= count))


def launched_count() -> int:
    """The number of processes `accelerate launch` or torchrun started (their WORLD_SIZE): 1 without a launcher."""
    return int(os.environ.get("WORLD_SIZE") or 1)


def launched_processes() -> tuple[int, int]:
    """This process's rank and the number of processes, `(0, 1)` unless started by a launcher of several
    (`launched_count`), in which case it joins their process group (gloo on CPUs), so that each predicts its share
    of the videos, not every process every video into the same files at once."""
    count = launched_count()
    if count == 1:
        return 0, 1
    from vivit_hf.training.agreement import join_process_group  # accelerate: only a launcher's run needs it

    join_process_group(DDP_TIMEOUT)
    return torch.distributed.get_rank(), count


def gather_lines(lines: dict[str, str], failed: dict[str, str], count: int) -> tuple[dict, dict]:
    """Every process's summary lines and failures (by video), on every process; as given on one."""
    if count == 1:
        return lines, failed
    views: list = [None] * count
    torch.distributed.all_gather_object(views, (lines, failed))
    return {k: v for view in views for k, v in view[0].items()}, {k: v for view in views for k, v in view[1].items()}


def parse_args(argv=None) -> argparse.Namespace:
    """The flags; under a launcher of several processes a refused one (`--window 0`) is said once per machine, as
    finetune.py and evaluate.py say it (each process printed argparse's lines)."""
    if launched_count() == 1:
        return parsed(argv)
    from vivit_hf.training.agreement import parse_everywhere  # accelerate: only a launcher's run needs it

    return parse_everywhere(parsed, argv)


def parsed(argv=None) -> argparse.Namespace:
    """The parser's flags, refused (argparse's line, status 2) where two contradict: `--plot_classes 10 --no_plot`
    would draw no plot, its 10 ignored."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.no_plot:  # --plot_classes typed, not its default (which --help shows): parsed again without it
        parser.set_defaults(plot_classes=None)
        if parser.parse_args(argv).plot_classes is not None:
            parser.error("--plot_classes sets the timeline plot that --no_plot does not draw: give one of them")
    return args


def checked_inputs(args) -> tuple[list[Path | str], dict[Path | str, str]]:
    """The videos and their output names, once --model, --videos and --output_dir are found fit (else `usage_error`),
    before the model loads. The inputs first, as evaluate.py checks its --model, then its --dataset, then its output
    folder: a missing --videos was said first, and, once fixed, a missing --model (and a --model_revision it cannot
    take) after it; an --output_dir that is a file was said before a missing --videos."""
    check_model(args.model, args.model_revision)
    for text in args.videos:  # `--videos=~/clips`: no shell expanded the `~`, said as every recipe's paths say it
        if not is_url(text) and (refusal := unexpanded_tilde("--videos", text, pattern=True)):
            usage_error(refusal)
    try:
        videos = find_videos(args.videos)
    except FileNotFoundError as error:  # the user's input: a message, not a traceback
        usage_error(f"--videos: {error}")
    if not videos:
        usage_error(f"--videos: no videos found in {' '.join(args.videos)}")
    try:  # before the model loads: two videos' outputs must never overwrite each other
        names = output_names(videos, args.videos)
    except ValueError as error:
        usage_error(str(error))
    problem = output_dir_problem(args.output_dir)  # a file: FileExistsError once the model had loaded
    if problem:
        usage_error(problem)
    return videos, names


def load_classifier(model: str, device: str, revision: str | None = None) -> ViViTVideoClassificationPipeline:
    """The pipeline of `--model` (at `--model_revision`) on `device`; a model that cannot be loaded is `usage_error`."""
    # imported here, after the flags are read: it imports transformers' pipelines and PyAV, which a refused command
    # line does not need (tests/test_entry_point_imports.py)
    from vivit_hf.processing.pipeline import ViViTVideoClassificationPipeline

    try:
        with hub_source("--model", model, prog="predict.py"):  # no network, offline mode, no such repo
            return pipeline(
                "video-classification",
                model=model,
                pipeline_class=ViViTVideoClassificationPipeline,
                device=device,
                revision=revision,
            )
    except (OSError, ValueError) as error:  # not a model transformers can load (or a Hub id not reachable offline)
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        usage_error(refused_processor(model, revision) or f"--model {model}: {first}")


def model_precision(classifier, asked: str | None) -> str:
    """The precision the model runs in (`--mixed_precision`, else the launcher's), its forward autocast as accelerate
    autocasts it: under `accelerate launch --mixed_precision bf16` the plain pipeline ran in fp32, and nothing said
    so. fp16 on the CPU runs in fp32, warned, as evaluate.py warns it; a precision the device cannot run is
    `usage_error`."""
    try:
        precision, warning = inference_precision(asked, classifier.device)
    except ValueError as error:
        usage_error(str(error))
    if warning:
        logger.warning(warning)
    elif precision != "no":
        logger.info("mixed_precision %s: the model runs under %s autocast", precision, precision)
    autocast_forward(classifier.model, precision)
    return precision


def check_crop_size(classifier, model: str, num_crops: int) -> None:
    """`usage_error` where the views the processor's options alone decide (its crops, centre crops or three; or a
    fixed height and width resized where it crops none) are not the model's `image_size`, before any output is
    opened: else the first video fails with the model's traceback, advising `interpolate_pos_encoding=True`, which no
    flag passes, or a fixed resize is refused at the first video, after predictions.jsonl is opened (an empty file
    left behind). (A shortest edge resized with no crop makes each video's size: refused at the first
    video that does not fit, `view_size_refusal`.)"""
    processor = classifier.video_processor
    crops = bool(getattr(processor, "do_center_crop", False) or num_crops == 3)
    try:  # the processor's own rule, as the pipeline calls it (no training augmentation)
        view = processor.view_size(num_crops=num_crops, do_train_augment=False)
    except (AttributeError, ValueError, TypeError):  # not ours, or options the first video's call names
        crop = getattr(processor, "crop_size", None)
        view = crops and crop and (crop["height"], crop["width"])
    if not view:
        return
    config = classifier.model.config
    refusal = clip_size_refusal(view, config, model) if crops else view_size_refusal(view, classifier, model, "makes")
    if refusal:
        usage_error(refusal)


def view_size_refusal(made: tuple[int, ...], classifier, model: str, tense: str = "made") -> str | None:
    """The line a processor that crops nothing refuses with: its views (`made`) are its resized frames, not the
    model's `image_size`; the pipeline's own error advised setting `pipe.video_processor.do_center_crop`, Python no
    flag of this command reaches, after a traceback."""
    crop = getattr(classifier.video_processor, "crop_size", None) or {}
    size = tuple(getattr(classifier.model.config, "image_size_hw", ()))
    fits = (crop.get("height"), crop.get("width")) == size  # its crops would do: a flag takes them
    three = " (or --num_crops 3: three crops of that size)" if fits else ""
    said = clip_size_refusal(made, classifier.model.config, model, cropped=False, tense=tense)
    return f"{said}{three}" if said else None


def written_before(video, done: int, total: int, summary_path: Path, broken: int = 0, process: str = "") -> str:
    """What a refusal at a later video leaves: the videos before it, written (or, `broken` of them, listed with
    their error) and listed, or nothing (no list: `_ListOfVideosDone`). It said only the processor's fault, beside a
    predictions.jsonl of some videos or of none; then "the 2 of 3 videos before it are written" where one of the two
    was unreadable, and under a launcher counted this process's share (`process`: " of process 1 of 2") as if all."""
    if not done:
        return f"; refused at {video}, the first video{process}: nothing written"
    were = "written" if not broken else f"done ({done - broken} written, {broken} could not be read)"
    return (
        f"; refused at {video}: the {done} of {total} videos{process} before it are {were}, listed in {summary_path}, "
        "the rest are not"
    )


class _ListOfVideosDone:
    """`predictions.jsonl` (or this process's part), opened at its first line: a run stopped, or failing, before its
    first video was done left an empty list in the folder (an earlier run's emptied), which said nothing was there
    to read rather than that nothing was done. Each line is flushed as its video ends: what a stopped run leaves says
    which are done."""

    def __init__(self, path: Path):
        self.path, self.file = path, None

    def write(self, line: str) -> None:
        if self.file is None:
            self.file = open(self.path, "w")
        self.file.write(line)
        self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def agreed(count: int, step, *args):
    """`step(*args)`, whose refusal (`usage_error`) every process of a launch agrees on, said once per machine; one
    process's refusal is said and exits where it is made."""
    refusal = result = None
    try:
        result = step(*args)
    except CommandLineRefused as refused:  # (raised under a launcher only)
        refusal = refused
    if count > 1:
        from vivit_hf.training.agreement import agree

        agree(None, refusal)  # exits every process where one was refused
    return result


def main(argv=None, progress: dict | None = None) -> None:
    """`progress` (when given) is kept current: the output folder, and how many of how many videos are done."""
    # the pipeline's advice in this command's words while it runs, and only then: a filter left on the pipeline's
    # logger said `--window 8f` to every later Python caller of the pipeline in the process (a notebook, a test)
    pipeline_logger = logging.getLogger(PIPELINE_LOGGER)
    in_flag_words = _WindowInFlagWords()
    pipeline_logger.addFilter(in_flag_words)
    try:
        _predict(argv, {} if progress is None else progress)
    finally:
        pipeline_logger.removeFilter(in_flag_words)


def _predict(argv, progress: dict) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    rank, count = launched_processes()  # first: a refusal below is agreed by every process, said once per machine
    if count == 1 and (alone := processes_not_started(1, sys.argv[0])):
        # `accelerate launch --num_processes 2` on CPUs (or accelerate config's multi-CPU answer) would predict every
        # video in one process: said, as finetune.py and evaluate.py say it, naming the script as it was run
        logger.warning(alone)
    if count > 1:  # accelerate: only a launcher's run needs it
        from vivit_hf.training.agreement import agree
    videos, names = agreed(count, checked_inputs, args)
    local = os.environ.get("LOCAL_RANK")  # a launch of several processes: one GPU each
    device = args.device or (f"cuda:{local or 0}" if torch.cuda.is_available() else "cpu")
    classifier = agreed(count, load_classifier, args.model, device, args.model_revision)
    precision = agreed(count, model_precision, classifier, args.mixed_precision)
    agreed(count, check_crop_size, classifier, args.model, args.num_crops)
    saved = getattr(classifier.video_processor, "short_video", None)
    warn_short_video_override(logger, saved, args.short_video, args.model, windows=True)
    warn_saved_views(logger, classifier.video_processor, args.model, args.num_crops)
    if args.window is None:
        args.window = default_window(classifier)
        logger.info("window: %s (--window to choose another)", args.window)
    num_labels = classifier.model.config.num_labels  # every class's score per window, for the plot
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    # finetune.py's lock: two runs into one folder (the default, timelines) wrote one predictions.jsonl at once;
    # under a launcher the first process holds it for all, and a refusal stops them all
    busy = hold_output_dir(output_dir) if rank == 0 else None
    if count > 1:
        agree(None, busy)
    elif busy:
        usage_error(busy)
    earlier = earlier_timelines(output_dir, names.values()) if rank == 0 else []
    if earlier:
        shown = ", ".join(earlier[:5]) + (f" and {len(earlier) - 5} more" if len(earlier) > 5 else "")
        logger.warning(
            "%s holds the timelines of %d video%s this run does not predict (%s): an earlier run's, perhaps of another "
            "model; they stay beside this run's, and predictions.jsonl lists this run's videos only (another "
            "--output_dir keeps runs apart)",
            output_dir, len(earlier), "" if len(earlier) == 1 else "s", shown,
        )  # fmt: skip
    failed: dict[str, str] = {}
    lines: dict[str, str] = {}
    mine = videos[rank::count]  # each video on one process; predictions.jsonl keeps the order of --videos
    if count > 1:
        logger.info("process %d of %d: %d of the %d videos", rank, count, len(mine), len(videos))
    summary_path = output_dir / ("predictions.jsonl" if count == 1 else f"predictions.rank{rank}.jsonl")
    # an earlier run's list (under a launcher kept until the merge) passed for this run's if it stopped
    summary_path.unlink(missing_ok=True)
    if count > 1 and rank == 0:
        (output_dir / "predictions.jsonl").unlink(missing_ok=True)
    for part in earlier_parts(output_dir, count) if rank == 0 else []:  # (the others' own parts are theirs to write)
        part.unlink(missing_ok=True)
    progress.update(output_dir=output_dir, done=0, total=len(mine))
    # the file a stop names: this process's part under a launcher (each process's stop says its own)
    progress.update(listed_in=summary_path.name, process=f" of process {rank} of {count}" if count > 1 else "")
    with _ListOfVideosDone(summary_path) as summary:
        for video in mine:
            try:
                result = classifier(
                    str(video),
                    window=args.window,
                    hop=args.hop,
                    top_k=num_labels,
                    num_crops=args.num_crops,
                    window_batch_size=args.window_batch_size,
                    short_video=args.short_video,
                )
            except ViewSizeError as error:  # the processor's options (a video of another shape may fit: the run stops)
                said = error.made and view_size_refusal(error.made, classifier, args.model) or str(error)
                summary.close()
                done = written_before(
                    video, progress["done"], len(mine), summary_path, len(failed), progress["process"]
                )
                _usage_error(said + done, prog="predict.py")
            except BrokenVideoError as error:  # one broken file (undecodable, one frame) must not cost the rest
                reason = in_flag_words(str(error))  # "pass --short_video loop or pad": this command's flag
                failed[str(video)] = reason
                logger.warning("skipping %s: %s", video, reason)
                removed = remove_earlier_outputs(output_dir, names[video], ("json", "png"))
                if removed:
                    logger.warning("removed %s, an earlier run's outputs of %s", " and ".join(removed), video)
                lines[str(video)] = json.dumps({"video": str(video), "error": reason}) + "\n"
                summary.write(lines[str(video)])
                progress["done"] += 1
                continue
            name = names[video]
            if args.no_plot or not plot_timeline(result, output_dir / f"{name}.png", name, args.plot_classes):
                remove_earlier_outputs(output_dir, name, ("png",))  # an earlier run's plot, not this JSON's
            for window in result["windows"]:
                window["predictions"] = trim(window["predictions"], args.top_k)
            result["aggregate"] = trim(result["aggregate"], args.top_k)
            result["video"] = str(video)
            result["mixed_precision"] = precision  # what ran, as evaluate.py's eval_results.json records it
            write_atomically(output_dir / f"{name}.json", json.dumps(result, indent=1))
            lines[str(video)] = json.dumps({"video": str(video), "aggregate": result["aggregate"]}) + "\n"
            summary.write(lines[str(video)])
            progress["done"] += 1
            windows = len(result["windows"])
            logger.info("%s: %d window%s -> %s.json", video, windows, "" if windows == 1 else "s", output_dir / name)
    lines, failed = gather_lines(lines, failed, count)
    if count > 1:  # one predictions.jsonl, in the order of --videos, once every process's videos are done
        if rank == 0:
            write_atomically(output_dir / "predictions.jsonl", "".join(lines[str(video)] for video in videos))
        progress["listed_in"] = "predictions.jsonl"  # set before this process's part goes: a stop never names it
        summary_path.unlink(missing_ok=True)  # (none where this process had no video)
        torch.distributed.barrier()
    release_output_dir(output_dir)  # (at exit anyway; main called in a process that goes on, now)
    if failed and rank > 0:  # the same status on every process; the first says why
        raise SystemExit(1)
    if failed:  # the others' outputs are written; the exit status tells a scheduler that some were not
        raise SystemExit(
            f"predict.py: error: {len(failed)} of {len(videos)} videos could not be read (listed with their error "
            f"in {output_dir / 'predictions.jsonl'}): {', '.join(v for v in map(str, videos) if v in failed)}"
        )


def interrupted(progress: dict) -> str:
    """The line a stopped run ends with, from `main`'s `progress`."""
    if not progress.get("done"):  # (no list either: it is written from the first video done)
        # under a launcher, of this process's videos: the others' may be written (it said "nothing written")
        process = progress.get("process", "")
        said = "none of its videos written" if process else "nothing written"
        return f"interrupted before any video{process} was predicted: {said}"
    # under a launcher, each process says its own videos and the part it listed them in (predictions.rank<r>.jsonl,
    # merged into predictions.jsonl only once every process is done): it named a predictions.jsonl not written
    return (
        f"interrupted after {progress['done']} of {progress['total']} videos{progress['process']}: their outputs "
        f"are in {progress['output_dir']}, each listed in {progress['listed_in']}; run the command again for all "
        "of them"
    )


def run(argv=None):
    """`main` as a command (`run_as_command`): Ctrl-C or SIGTERM (a scheduler's stop) is one line saying how many
    videos were done and where their outputs are, status 130 / 143, not a KeyboardInterrupt traceback from
    wherever the model was, nor (SIGTERM) an end with no word. Any other error is a bug and keeps its
    traceback (the user's mistakes are already argparse-style lines, SystemExit)."""
    progress: dict = {}
    return run_as_command(partial(main, progress=progress), argv, (), partial(interrupted, progress))


if __name__ == "__main__":
    run_as_script(run)
