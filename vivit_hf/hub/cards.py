# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The model card of every ViViT checkpoint vivit_hf writes, fine-tuned or converted, built with `huggingface_hub`'s
`ModelCard` / `EvalResult`.

The card records what someone needs to trust and reproduce a checkpoint: the variant and its size, how frames are
sampled, where the weights came from (a conversion command, or the data set, split, views, recipe and results of a
fine-tuning run, as `model-index` eval results so the Hub shows them). `ModelCard.push_to_hub` validates the YAML
against the public Hub, so the card is saved as `README.md` and uploaded like any other file.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData
from huggingface_hub.constants import DEFAULT_REVISION

from ..repo_id import looks_like_local_path, looks_like_repo_id
from .sources import HUB_READ_ERRORS, download_options, why_not_fetched

logger = logging.getLogger(__name__)

PAPER = "https://arxiv.org/abs/2103.15691"

_VARIANTS = {
    "vivit_spatio_temporal": "Model 1, spatio-temporal attention",
    "vivit_factorised_encoder": "Model 2, factorised encoder",
    "vivit_factorised_self_attention": "Model 3, factorised self-attention",
    "vivit_factorised_dot_product": "Model 4, factorised dot-product attention",
}

_RECIPE_KEYS = (
    "preset",
    "optimizer",
    "learning_rate",
    "momentum",
    "weight_decay",
    "layer_decay",  # --layer_decay (BEiT): left out when not given
    "model_ema_decay",  # --model_ema (timm's ModelEmaV3): left out when not given
    "model_ema_warmup",
    "lr_scheduler_type",
    "warmup_epochs",
    "num_warmup_steps",  # given: the warm-up (--warmup_epochs then had no effect)
    "num_train_epochs",
    "max_train_steps",
    "per_device_train_batch_size",
    # the processes the run trained on (accelerate's num_processes), by the name transformers' Trainer's card gives
    # them: the card had per-device batch and total but not the launch that made one the other
    "num_devices",
    "gradient_accumulation_steps",
    "effective_total_batch_size",  # the paper's batch (64): per device x processes x accumulation
    "max_grad_norm",
    "label_smoothing",
    "class_weights",  # --class_weights balanced: left out when not given
    "mixup_alpha",
    "cutmix_alpha",
    "drop_path_rate",
    # --hidden_dropout_prob (a preset's, else the flag's): a regulariser of the run as drop_path_rate is, left out
    # of the card where its row stood beside it
    "hidden_dropout_prob",
    "rand_augment",
    "color_jitter",
    "do_flip",
    "scale_jitter",
    "mixed_precision",
    "seed",
    "freeze",
)


def _used(key: str, training_args: Mapping) -> bool:
    """Whether the recipe's setting `key` took part in training: `--momentum` (default 0.9) is SGD's, and the card of
    an AdamW run listed it as if the optimiser had used it. Likewise the warm-up's and the length's flags that another
    overrode, which the card listed as trained with: `--warmup_epochs` beside `--num_warmup_steps` (which was not
    shown: `warmup_epochs 1.0` for a warm-up of 0 steps), either under `constant` (no warm-up), and
    `--num_train_epochs` (a preset's 40) beside a typed `--max_train_steps` that ended the run after one, where
    transformers' Trainer's card gives `training_steps` in place of `num_epochs`."""
    if key == "momentum":
        return training_args.get("optimizer") in (None, "sgd")
    if key in ("warmup_epochs", "num_warmup_steps") and training_args.get("lr_scheduler_type") == "constant":
        return False
    if key == "warmup_epochs":
        return training_args.get("num_warmup_steps") is None
    if key == "num_train_epochs":
        return "max_train_steps" not in (training_args.get("typed_flags") or ())
    return True


def recipe_settings(training_args: Mapping) -> dict:
    """The settings of `training_args` that the card's recipe table shows, as JSON values: what a resumed training
    records for each of its runs (`build_model_card`'s `training_runs`)."""
    return json.loads(json.dumps({key: training_args[key] for key in _RECIPE_KEYS if key in training_args}))


def _trained_values(key: str, training_args: Mapping, training_runs: Sequence[Mapping]) -> list[tuple[int, object]]:
    """(first step, value) of `key` over the runs whose steps trained the model, a value a resume kept merged into the
    run before; the last command's `training_args` alone when no run recorded it."""
    values: list[tuple[int, object]] = []
    for run in training_runs:
        if key in run["settings"] and (not values or values[-1][1] != run["settings"][key]):
            values.append((run["first_step"], run["settings"][key]))
    return values or [(0, training_args.get(key))]


def _recipe_row(
    key: str, training_args: Mapping, training_runs: Sequence[Mapping], train_clips: int | None = None
) -> str | None:
    """`| learning_rate | 0.001 |`, or for a setting a resume changed `| do_flip | False, then True after step 8
    (resumed) |`; None for a setting not given. A total batch above the `train_clips` of the training set is shown as
    the batch a step trained with: the card said 16 where each step saw the set's 11 clips (warned at run time)."""
    values = _trained_values(key, training_args, training_runs)
    if len(values) == 1 and values[0][1] in (None, [], ""):
        return None
    if key == "effective_total_batch_size" and train_clips is not None:
        values = [(step, _batch_trained(value, train_clips)) for step, value in values]
    shown = [str(values[0][1])] + [f"then {value} after step {step} (resumed)" for step, value in values[1:]]
    return f"| {key} | {table_cell(', '.join(shown))} |"


def _batch_trained(total, train_clips: int):
    """`total` (the batch asked for), or where the training set holds fewer clips, what each step trained with."""
    if not isinstance(total, int) or total <= train_clips:
        return total
    return f"{train_clips} ({total} asked: the training set holds {train_clips} clips, each step all of them at most)"


def table_cell(text: str) -> str:
    """`text` as one cell of a markdown table (the model card's recipe and results, the shard tool's classes): a class
    `a|b` was two cells and a class with a line break two rows, each shifting its row's other cells. A `|` is escaped
    as GFM tables read it (a backslash escaped first, so that `a\\|b` keeps both), a line break written `<br>` (the
    YAML of a card keeps every name as it is)."""
    escaped = text.replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(_lines(escaped))


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


# The characters that open or close markdown's inline syntax (emphasis, a link, a code span, inline HTML, an entity,
# GFM's strikethrough), and the backslash that escapes them
_INLINE_SYNTAX = re.compile(r"([\\`*_\[\]<>&~])")


def inline_text(text: str) -> str:
    """`text` as one line of the card's prose (a bullet, a heading) shows it: a data set `my_*data*` was emphasis,
    `[x](y)` a link, and a line break ended the bullet (a `# x` after it a heading). Each such character is
    backslash-escaped (CommonMark), a line break written `<br>`, as `table_cell` writes one."""
    return "<br>".join(_INLINE_SYNTAX.sub(r"\\\1", line) for line in _lines(text))


def inline_code(text: str) -> str:
    """`text` as a code span in the card's prose (a split, a data set's id): fenced by one backtick more than its
    longest run of them, and spaced where it starts or ends with one (CommonMark), as a backslash does not escape
    there; each line a span of its own, joined by `<br>` (a line break ended the bullet)."""

    def span(line: str) -> str:
        fence = "`" * (max(map(len, re.findall("`+", line)), default=0) + 1)
        pad = " " if line.startswith("`") or line.endswith("`") or (line[:1] == line[-1:] == " ") else ""
        return f"{fence}{pad}{line}{pad}{fence}" if line else ""

    return "<br>".join(span(line) for line in _lines(text))


def _is_hub_id(source: str | None) -> bool:
    """Only an `owner/name` (or `name`) that is not a path on this machine is a Hub id."""
    return bool(source) and looks_like_repo_id(str(source)) and not Path(str(source)).exists()


def _hub_base_model(source: str | None) -> str | None:
    """The `base_model` metadata of a model made from `source`: a Hub id as it is; a local folder written by our
    converter (`is_conversion_card`) the `base_model` its own card states: the same weights as that Hub checkpoint,
    so the Hub's model tree keeps the fine-tune's origin. Any other local folder (an `hf download --local-dir` copy,
    an earlier fine-tune's output) gives none, as transformers' Trainer does for a local path: its card's
    `base_model` names that folder's own parent, and the model tree showed the grandparent as the parent. None for
    a file or no source."""
    if _is_hub_id(source):
        return source
    card = Path(os.fspath(source or "")).expanduser() / "README.md"
    if not source or not card.is_file():
        return None
    import yaml
    from huggingface_hub.repocard import metadata_load

    try:
        if not is_conversion_card(card.read_text(encoding="utf-8")):
            return None
        stated = (metadata_load(card) or {}).get("base_model")
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):  # as `license_in_card`: none stated
        return None
    if isinstance(stated, list):  # the Hub takes a list too (a merge); one parent is what a fine-tune has
        stated = stated[0] if len(stated) == 1 else None
    return stated if isinstance(stated, str) and _is_hub_id(stated) else None


def is_conversion_card(text: str) -> bool:
    """A card `build_model_card` wrote for a conversion (`converted_from`): tagged `vivit_hf`, its first line of text
    saying what it was converted from. Its weights are its source's."""
    from huggingface_hub import ModelCard

    card = ModelCard(text, ignore_metadata_errors=True)
    tags = card.data.tags or []
    return "vivit_hf" in tags and re.search(r"^A ViViT .*\), converted from `", card.text, re.MULTILINE) is not None


def _dataset_names(dataset_name: str, dataset_id: str | None) -> tuple[str, str | None, str]:
    """(name, Hub id or None, `dataset.type`) for the card. `model-index`'s `dataset.type` is a Hub data set
    id; local data has none, so it gets a name made from the data set's name (a local path is cut to its folder
    name everywhere: the trainer's file system means nothing to a reader, and it may say more than intended)."""
    if dataset_name and (Path(dataset_name).exists() or looks_like_local_path(dataset_name)):
        dataset_name = Path(dataset_name.rstrip(os.sep)).name or dataset_name
    if not _is_hub_id(dataset_id):
        dataset_id = None
    slug = re.sub(r"[^a-z0-9._-]+", "-", dataset_name.lower()).strip("-._") or "local-data"
    return dataset_name, dataset_id, dataset_id or slug


def license_in_card(path) -> dict:
    """The licence a model card file (README.md) states, as card metadata: `license`, and for `other` its
    `license_name` / `license_link`; {} for a card without one (or no card: `path` None), and for one whose metadata
    cannot be read (a README.md opening with a `---` rule over text, YAML that does not parse): read at the end of a
    fine-tuning run, its error stopped the run there, its model unwritten."""
    import yaml
    from huggingface_hub.repocard import metadata_load

    try:
        metadata = (metadata_load(path) or {}) if path else {}
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        logger.warning("no licence read from %s: its metadata cannot be read (%s)", path, str(error).splitlines()[0])
        return {}
    license = metadata.get("license")
    if isinstance(license, list):  # the Hub takes a list too; one licence is what a card states
        license = license[0] if len(license) == 1 else None
    if not isinstance(license, str) or not license:
        return {}
    found = {"license": license}
    if license == "other":
        found.update({k: metadata[k] for k in ("license_name", "license_link") if isinstance(metadata.get(k), str)})
    return found


def source_license(source, *, subfolder: str | None = None, **download_kwargs) -> dict:
    """The licence (`license_in_card`) of the checkpoint a model was made from, a folder or Hub id (its README.md,
    in `subfolder` where the checkpoint is, read with `hf_hub_download(**download_kwargs)`, as `download_options`
    passes them), as transformers' Trainer takes a fine-tuned model's from its base model; {} when it has no card or
    its card states none, and for a file (an image ViT's .npz) or no source (a model trained from scratch). A card
    does not invent one: it said `apache-2.0` for every checkpoint, whatever its weights' licence. The one reading for
    a fine-tuned model's card and a converted one's.

    A Hub card out of reach (offline, no access, the Hub failing: `HUB_READ_ERRORS` only; any other error is a bug
    and raised) gives `{"license_unread": why}`, which `build_model_card` says in the card, and is logged: it gave
    {} as a card that states none did. Offline, a model `from_pretrained` downloaded has no card in the cache:
    from_pretrained fetches its config and weights, not its README.md."""
    if not source:
        return {}
    folder = Path(os.fspath(source)).expanduser()
    if folder.is_dir():
        card = folder / (subfolder or "") / "README.md"
        return license_in_card(card if card.is_file() else None)
    if not _is_hub_id(str(source)):
        return {}
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import LocalEntryNotFoundError, RemoteEntryNotFoundError

    options = download_options(download_kwargs)
    card = f"{subfolder.strip('/')}/README.md" if subfolder else "README.md"
    try:
        return license_in_card(hf_hub_download(str(source), card, **options))
    except RemoteEntryNotFoundError:  # the repo has no card: it states no licence
        return {}
    except HUB_READ_ERRORS as error:
        why = why_not_fetched(error, missing="its README.md", local_files_only=bool(options.get("local_files_only")))
        if isinstance(error, LocalEntryNotFoundError):  # offline, or the Hub out of reach, and not in the cache
            at = f" --revision {options['revision']}" if options.get("revision") else ""
            why += f" (from_pretrained caches no README.md; `hf download {source} {card}{at}` online does)"
        logger.warning(
            "no licence in the model card: %s's card (README.md), which states it, was not read: %s", source, why
        )
        return {"license_unread": why}


def _shown_source(source: str) -> str:
    """A checkpoint source as the card shows it: a Hub id as it is, a path on this machine cut to its last part (as a
    data set's path is: the converting machine's file system means nothing to a reader)."""
    if Path(source).exists() or looks_like_local_path(source):
        return Path(source.rstrip(os.sep)).name or source
    return source


def _shown_command(command: str) -> str:
    """The conversion command with each path in it cut as `_shown_source` cuts one (`--flag=path` too)."""

    def shown(token: str) -> str:
        flag, equals, value = token.partition("=") if token.startswith("-") else ("", "", token)
        if os.sep in value and (Path(value).exists() or looks_like_local_path(value)):
            value = _shown_source(value)
        return flag + equals + value

    try:
        return shlex.join(shown(token) for token in shlex.split(command))
    except ValueError:  # not shell syntax (unbalanced quotes): shown as given
        return command


def _classes(config) -> dict[str, int]:
    """Classes per head, as the results name them: `""` for a one-head model, each label space's name otherwise."""
    spaces = getattr(config, "label_spaces", None)
    return dict(spaces) if spaces else {"": config.num_labels}


def _trivial(key: str, value, classes: Mapping[str, int]) -> bool:
    """A top-k accuracy of a head of k classes or fewer: every clip is right by construction (top-5 of 3 classes:
    100%), which says nothing of the model. The model-index left out such ones; the Hub showed them as results."""
    head, _, k = key.rpartition("_") if "_" in key else ("", "", key)
    if not isinstance(value, float) or not k.startswith("top") or not k[3:].isdigit() or head not in classes:
        return False
    return int(k[3:]) > 1 and int(k[3:]) >= classes[head]


def _result_row(key: str, value, classes: Mapping[str, int]) -> str:
    """A row of the card's results table; a trivial top-k (`_trivial`) says why it is 1 with the head's numbers
    (`only 3 classes: every clip is in the top 5`; it said "k classes or fewer", a letter where they belong)."""
    if not isinstance(value, float):
        return f"| {table_cell(key)} | {value} |"
    # four digits: a rate of 0.9958 is not "1.00", and the model-index above reads 99.58
    if not _trivial(key, value, classes):
        return f"| {table_cell(key)} | {value:.4f} |"
    head, _, k = key.rpartition("_")
    return f"| {table_cell(key)} | {value:.4f} (only {classes[head]} classes: every clip is in the top {k[3:]}) |"


def _views(num_views: Sequence[int]) -> str:
    """The test views as the card says them: `4 clips x 3 crops`."""
    clips, crops = num_views
    return f"{clips} clip{'s' if clips > 1 else ''} x {crops} crop{'s' if crops > 1 else ''}"


def _eval_results(
    results: Mapping,
    dataset_name: str,
    dataset_type: str,
    split: str | None,
    views: str,
    classes: Mapping[str, int],
    source: Mapping[str, str | None],
) -> list[EvalResult]:
    # `source`: the configuration and revision `load_dataset` read (`dataset.config` / `dataset.revision`): UCF101's
    # official split 2 or a data set's second configuration is another test set than the one the id alone names
    common = dict(
        task_type="video-classification",
        task_name="Video Classification",
        dataset_type=dataset_type,
        dataset_name=dataset_name,
        dataset_split=split,
        **source,
    )
    metrics = []
    for key, value in results.items():
        if key == "map" and isinstance(value, float):  # a multi-label model's (Charades' measure), which has no top-k
            metrics.append(
                EvalResult(
                    metric_type="mAP", metric_name=f"mAP ({views})", metric_value=round(100 * value, 2), **common
                )
            )
            continue
        if not isinstance(value, float) or not key.endswith(("top1", "top5")) or _trivial(key, value, classes):
            continue
        head, _, k = key.rpartition("_") if "_" in key else ("", "", key)
        label = f"{head + ' ' if head else ''}top-{k[3:]} accuracy ({views})"
        metrics.append(
            EvalResult(metric_type="accuracy", metric_name=label, metric_value=round(100 * value, 2), **common)
        )
    return metrics


def _unread_clips(results: Mapping, split: str | None, train_skipped: int, never_trained: Mapping[str, int]) -> list:
    """The Data section's lines on clips that could not be decoded, which the accuracies leave out or never learnt
    from: the card reported its accuracy as if every clip had counted, and a class whose every training clip was
    unreadable, which the model cannot predict, went unsaid (all_results.json alone recorded it)."""
    lines = []
    skipped, evaluated = results.get("num_skipped") or 0, results.get("num_samples")
    if skipped and isinstance(evaluated, int):
        lines.append(
            f"- Unreadable clips: {skipped} of the {skipped + evaluated} clips of split {inline_code(str(split))} "
            f"could not be decoded; the results are of the other {evaluated}"
        )
    if train_skipped:
        lines.append(
            f"- Unreadable training clips: skipped {train_skipped} time{'s' if train_skipped > 1 else ''} (a clip "
            "that cannot be decoded is skipped in every epoch it comes up); the model trained on the other clips"
        )
    if never_trained:
        shown = ", ".join(
            f"{inline_text(name)} ({clips} clip{'s' if clips > 1 else ''})" for name, clips in never_trained.items()
        )
        lines.append(
            f"- Never trained on ({len(never_trained)} class{'es' if len(never_trained) > 1 else ''}, every training "
            f"clip unreadable): {shown}. The model cannot predict {'them' if len(never_trained) > 1 else 'it'}; "
            f"the results count each of {'their' if len(never_trained) > 1 else 'its'} clips as wrong"
        )
    return lines


def _sampling(processor) -> str:
    crop = getattr(processor, "crop_size", None) or {}
    size = getattr(processor, "size", None) or {}
    return (
        f"{processor.num_frames} frames, {getattr(processor, 'sampling_mode', 'stride')} sampling "
        f"(stride {getattr(processor, 'frame_stride', '-')}), shorter side {size.get('shortest_edge', '-')}"
        f", crop {crop.get('height', '-')}x{crop.get('width', '-')}, normalisation "
        f"{getattr(processor, 'normalization', '-')}"
    )


def _views_alike(processor, video_shape: Sequence[int] | None) -> tuple[bool, bool]:
    """(clips alike, crops alike) on videos of `video_shape` (frames, height, width): a stride-sampled clip that
    spans every frame has no other start, and a crop as large as the resized frame has no other place, so the
    paper's 4 clips x 3 crops would be 12 copies of one view (12 times the cost, the same logits)."""
    if video_shape is None:
        return False, False
    frames, height, width = video_shape
    span = processor.num_frames * getattr(processor, "frame_stride", 1) if processor.num_frames else frames
    clips_alike = getattr(processor, "sampling_mode", "stride") == "stride" and span >= frames
    crop = getattr(processor, "crop_size", None) or {}
    # the processor's own resize rule (`size` and `do_resize` read here missed `longest_edge` and `max_height` /
    # `max_width`, and once read every size as a `shortest_edge`: a 48x48 resize of 32x32 frames as 32x32, which a
    # 32x32 crop covers, so the card advised one crop where the 3 differ); a processor without it: not said alike
    resize = getattr(processor, "resized_frame_size", None)
    resized = resize(height, width) if resize is not None else None
    covered = resized is not None and crop.get("height", 0) >= resized[0] and crop.get("width", 0) >= resized[1]
    return clips_alike, bool(crop) and covered


def _test_views_advice(processor, video_shape: Sequence[int] | None) -> str:
    """The card's line on multi-view testing: the paper's 4 x 3, or what this data set's videos leave of it."""
    paper = "(`processor(video, num_clips=4, num_crops=3)`)"
    clips_alike, crops_alike = _views_alike(processor, video_shape)
    if not (clips_alike or crops_alike):
        return f"- The paper's test protocol averages the logits of 4 temporal clips x 3 spatial crops {paper}"
    frames, height, width = video_shape
    why = []
    if clips_alike:
        why.append(f"one clip of {processor.num_frames} frames at stride {processor.frame_stride} spans them all")
    if crops_alike:
        why.append(f"the {processor.crop_size['height']}x{processor.crop_size['width']} crop covers the whole frame")
    clips, crops = (1 if clips_alike else 4), (1 if crops_alike else 3)
    return (
        f"- Multi-view test: this data set's videos are {frames} frames of {height}x{width}; {' and '.join(why)}, so "
        f"the paper's 4 temporal clips x 3 spatial crops would repeat each view {(4 // clips) * (3 // crops)} times "
        f"here (as many times the cost, the same logits): test with `num_clips={clips}, num_crops={crops}`. On "
        f"longer or larger videos the paper averages 4 x 3 {paper}"
    )


def _trained_split(train_split: str | None, eval_split: str | None) -> str | None:
    """`train_split` with the share of it held out for evaluation beside it, which the run records only in its
    `eval_split` (`train (held out 10%)`, finetune.py's, also in all_results.json): the card said "trained on split
    `train`" of a run that trained on 90% of it. A subset (`--max_train_samples`) already says it is of the clips not
    held out."""
    held = re.match(rf"{re.escape(train_split or '')} \(held out ([^%()]+%)\)", str(eval_split or ""))
    return f"{train_split} (all but the {held[1]} held out for evaluation)" if train_split and held else train_split


# What the code a saved folder carries imports (its model and processor modules), for a reader of the card without
# vivit_hf: from a local copy the processor loaded, then failed its first video on "No module named 'av'"; from the
# Hub transformers refuses the folder naming the first packages missing. Pillow: the processor reads image files.
CARRIED_CODE_NEEDS = (
    "without vivit_hf, the folder's own code runs with: pip install torch transformers torchvision av pillow"
)


def _counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 layer`, `2 layers` (the card said "1 layers" of a one-layer model)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def build_model_card(
    config,
    *,
    model_name: str | None = None,
    processor=None,
    base_model: str | None = None,
    converted_from: str | None = None,
    command: str | None = None,
    notes: str = "",
    results: Mapping | None = None,
    dataset_name: str | None = None,
    dataset_id: str | None = None,
    dataset_config: str | None = None,
    dataset_revision: str | None = None,
    eval_split: str | None = None,
    train_split: str | None = None,
    training_args: Mapping | None = None,
    training_runs: Sequence[Mapping] = (),
    num_views: Sequence[int] = (1, 1),
    plots: Sequence[str] = (),
    train_skipped_clips: int = 0,
    classes_never_trained: Mapping[str, int] | None = None,
    license: str | None = None,
    license_name: str | None = None,
    license_link: str | None = None,
    license_unread: str | None = None,
    revision: str | None = None,
    video_shape: Sequence[int] | None = None,
    train_clips: int | None = None,
) -> ModelCard:
    """The model card of a ViViT checkpoint; `card.save(folder / "README.md")` writes it.

    `model_name` is the title, the `model-index` name and the repo id of the usage example; `processor` (the video
    processor saved beside the model) has its sampling described; `base_model` says where the weights started (a Hub
    id is also written as `base_model` metadata, and so is the one a local folder's own card states; None: trained
    from scratch, which the card says). A converted checkpoint gives `converted_from` and the `command`
    that converted it. A fine-tuned one gives its evaluation `results` (written as `model-index` eval results, so
    the Hub shows them), the data set (`dataset_id` is written as a Hub id only when it is one; a local path is cut
    to its folder name; `dataset_config` and, for a Hub id, `dataset_revision` as `load_dataset` read them),
    `eval_split` and `train_split` (the clips trained on: `train (16 of its 240 clips: --max_train_samples)` for a
    subset), the recipe's `training_args`, the test `num_views` (clips, crops) averaged,
    and `plots` (image files in the folder); the training clips skipped as unreadable (`train_skipped_clips`, a
    count over the epochs) and the classes never trained on (`classes_never_trained`: name -> clips in the training
    split), as all_results.json records them, and the evaluation's skipped clips (`results["num_skipped"]`) are said
    beside the data set. `notes` is appended as it is.

    A resumed training gives `training_runs`, oldest first, each `{"first_step": N, "settings":
    recipe_settings(its args)}` for the runs that trained a step: the recipe table then shows what the steps were
    trained with (a setting a resume changed: each value and the step it took over after), not the last command's
    `training_args`, whose flags a resume that trained no step (a finished run resumed) never trained with.

    `license` (a Hub license id; `other` with `license_name` / `license_link`, as the Hub's metadata spells a
    licence of its own) is the card's `license` metadata; None (the default: none is invented; it was `apache-2.0`
    for every card) leaves it out. A converted checkpoint's is its
    source's (`source_license`), and the card says which, or that the source states none. `license_unread`: why the
    source's (or base model's) card, which states its licence, could not be read (`source_license`): said in the
    card, where it read "the source checkpoint states none" (or, fine-tuned, nothing).

    A model without a classification head (`config.architectures` names a `...Model`: a converted `VivitModel`) is
    an encoder: no `video-classification` pipeline tag, and its usage example loads it with `AutoModel` (the card
    called it a video classifier of `num_labels` classes, and the Hub's widget and the example ran a random head).

    `revision`: the branch the checkpoint is pushed to (`--hub_revision`), which the usage example loads
    (`from_pretrained(repo, revision=...)`: without it the example loaded `main`, another model or none).

    `video_shape`: (frames, height, width) of the data set's videos where all have one (the bundled set: 16 frames of
    32x32). Where the processor's one clip spans them whole, or its crop covers the whole frame, the card says that
    the paper's multi-view test would repeat one view (it advised 4 x 3 for the bundled set: 12x the cost, the same
    logits).

    `train_clips`: the clips of the training split (an epoch's): a total batch above it is shown as the batch each
    step trained with (the card said the batch asked for).
    """
    dataset_name, dataset_id, dataset_type = _dataset_names(dataset_name or "", dataset_id)
    train_split = _trained_split(train_split, eval_split)
    views = _views(num_views)
    variant = _VARIANTS.get(config.model_type, config.model_type)
    # save_pretrained records the class saved; a config no model was saved with is taken as a classifier's
    architectures = getattr(config, "architectures", None) or ["ForVideoClassification"]
    classifies = any(name.endswith("ForVideoClassification") for name in architectures)
    suffix = "converted" if converted_from else "finetuned" if base_model else "trained"
    name = model_name or f"{config.model_type.replace('_', '-')}-{suffix}"
    dataset_revision = dataset_revision if dataset_id else None  # a local folder has no revision
    source = dict(dataset_config=dataset_config, dataset_revision=dataset_revision)
    eval_results = _eval_results(results or {}, dataset_name, dataset_type, eval_split, views, _classes(config), source)
    data = ModelCardData(
        model_name=name,
        license=license,
        license_name=license_name if license == "other" else None,
        license_link=license_link if license == "other" else None,
        library_name="transformers",
        pipeline_tag="video-classification" if classifies else None,
        tags=["vivit", "vivit_hf", *(["video-classification"] if classifies else []), config.model_type],
        # Only a Hub id makes sense as `base_model` metadata; a local path is named in the text only, its card's
        # base_model (what the folder was made from) in the metadata.
        base_model=_hub_base_model(base_model),
        datasets=[dataset_id] if dataset_id else None,
        metrics=sorted({"mAP" if r.metric_type == "mAP" else "accuracy" for r in eval_results}) or None,
        eval_results=eval_results or None,
    )
    t, h, w = config.tubelet_size
    height, width = config.image_size_hw
    heads = getattr(config, "label_spaces", None)
    labels = (
        ", ".join(f"{head} ({n})" for head, n in heads.items())
        if heads
        else _counted(config.num_labels, "class", "classes")
    )
    if converted_from:
        # The command is a fenced block of its own: a closing fence followed by anything (the sentence's full stop)
        # does not close it, and the rest of the card rendered as code.
        source = _shown_source(str(converted_from))
        origin = f"converted from `{source}` with:\n\n```bash\n{_shown_command(command)}\n```" if command else ""
        origin = origin or f"converted from `{source}`."
    else:
        # no base model: trained from random initialisation (the card said "fine-tuned" of it too)
        origin = (
            f"{'fine-tuned' if base_model else 'trained from scratch'} on {dataset_name}"
            f"{f' (split `{train_split}`)' if train_split else ''} with vivit_hf (`accelerate launch "
            "recipes/finetune.py`)."
            if dataset_name
            else "built with vivit_hf."
        )
    lines = [
        "---",
        data.to_yaml(),
        "---",
        "",
        f"# {name}",
        "",
        f"A ViViT {'video classifier' if classifies else 'video encoder (no classification head)'} ([Arnab et al., "
        f"ICCV 2021]({PAPER}), {variant}), {origin}",
        "",
        "## Model",
        f"- Variant: {variant} (`{config.model_type}`): hidden size {config.hidden_size}, "
        f"{_counted(config.num_hidden_layers, 'layer')}, {_counted(config.num_attention_heads, 'head')}, "
        f"tubelet {t}x{h}x{w} "
        f"({config.embedding_type}), {config.num_frames} frames at {height}x{width}",
        f"- Classifier: `{getattr(config, 'classifier', '-')}` pooling; labels: {labels}"
        if classifies
        else "- No classification head: the encoder's token embeddings (`last_hidden_state`)",
        f"- Activation `{config.hidden_act}`, LayerNorm eps {config.layer_norm_eps}",
    ]
    unread = f"unknown: the card that states it could not be read ({license_unread}); check the terms of"
    if not converted_from:
        lines.append(f"- Initialised from: {_shown_source(str(base_model)) if base_model else 'random initialisation'}")
        if license_unread and not license:  # a fine-tuned model is under its base model's licence
            lines.append(f"- License: {unread} {_shown_source(str(base_model))} before using or sharing this one")
    elif license:  # a conversion changes no licence: the source's, said where it comes from
        named = f" ({license_name})" if license == "other" and license_name else ""
        lines.append(f"- License: `{license}`{named}, the source checkpoint's")
    elif license_unread:
        lines.append(f"- License: {unread} the source checkpoint before using or sharing this one")
    else:
        lines.append(
            "- License: unknown: the source checkpoint states none; check its terms before using or sharing this one"
        )
    if processor is not None:
        lines += [
            "",
            "## Preprocessing",
            f"- Sampling: {_sampling(processor)}",
        ]
        if classifies:  # an encoder has no logits to average
            lines.append(_test_views_advice(processor, video_shape))
    if results is not None:
        classes = _classes(config)
        rows = [
            _result_row(key, value, classes)
            for key, value in results.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        ]
        # one view has nothing to average: the card said "logits averaged" of 1 clip x 1 crop
        averaging = "logits averaged (paper §4.1)" if tuple(num_views) != (1, 1) else "one view per video, no averaging"
        rows_of_recipe = (
            _recipe_row(key, training_args, training_runs, train_clips)
            for key in _RECIPE_KEYS
            if training_args and _used(key, training_args)
        )
        recipe = [row for row in rows_of_recipe if row]
        lines += [
            "",
            "## Data",
            f"- Data set: {inline_text(dataset_name)}{f' ({inline_code(dataset_id)})' if dataset_id else ''}"
            f"{f', configuration {inline_code(dataset_config)}' if dataset_config else ''}"
            f"{f', revision {inline_code(dataset_revision)}' if dataset_revision else ''}; "
            f"{f'trained on split {inline_code(train_split)}, ' if train_split else ''}"
            f"evaluated on split {inline_code(str(eval_split))}",
            f"- Test views: {views}, {averaging}",
            *_unread_clips(results, eval_split, train_skipped_clips, classes_never_trained or {}),
            "",
        ]
        if recipe:  # a card built without the recipe's settings (results alone) has no table of nothing
            lines += ["## Training recipe", "| setting | value |", "|---|---|", *recipe, ""]
        lines += [
            f"## Results ({inline_text(str(eval_split))}, {views})",
            "| metric | value |",
            "|---|---|",
            *rows,
            "",
            *(f"![{p}]({p})" for p in plots),
        ]
    repo = model_name or "path/or/repo-id"
    at = f', revision="{revision}"' if revision and revision != DEFAULT_REVISION else ""
    auto = "AutoModelForVideoClassification" if classifies else "AutoModel"
    lines += [
        "",
        "## Use",
        "```python",
        f"# {CARRIED_CODE_NEEDS}",
        f"from transformers import {auto}, AutoVideoProcessor",
        "",
        f'model = {auto}.from_pretrained("{repo}"{at}, trust_remote_code=True)  # or `import vivit_hf` first',
        f'processor = AutoVideoProcessor.from_pretrained("{repo}"{at}, trust_remote_code=True)',
        f'inputs = processor("video.mp4", return_tensors="pt")  # (1, {config.num_frames}, {config.num_channels}, '
        f"{height}, {width})",
        "logits = model(**inputs).logits" if classifies else "embeddings = model(**inputs).last_hidden_state",
        *_multi_label_classes(config, classifies),
        "```",
    ]
    if notes:
        lines += ["", notes.strip()]
    return ModelCard("\n".join(lines) + "\n")


def _multi_label_classes(config, classifies: bool) -> list[str]:
    """The Use example's line reading a multi-label model's classes: a sigmoid per class, each at 0.5 or more (the
    recipes' `micro_f1` threshold). An example that stopped at the logits left a user to the usual `argmax`, which
    names one class of a clip that has several."""
    if not classifies or getattr(config, "problem_type", None) != "multi_label_classification":
        return []
    return [
        "print([model.config.id2label[i] for i, p in enumerate(logits[0].sigmoid().tolist()) if p >= 0.5])"
        "  # multi-label: each class scored 0.5 or more, not an argmax"
    ]
