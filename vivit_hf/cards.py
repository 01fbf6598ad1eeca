"""Model cards for fine-tuned ViViT models, built with ``huggingface_hub``'s ``ModelCard`` / ``EvalResult``.

The card records what someone needs to trust and reproduce a checkpoint: the variant and its size, the data
set and split, how frames were sampled and how many views were averaged at test, where the weights started,
the training recipe, and the results (as ``model-index`` eval results, so the Hub shows them) with the plots.
``ModelCard.push_to_hub`` validates the YAML against the public Hub, so the card is saved as ``README.md``
and uploaded like any other file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from .data.hub import looks_like_repo_id

PAPER = "https://arxiv.org/abs/2103.15691"

_VARIANTS = {
    "vivit_spatio_temporal": "Model 1, spatio-temporal attention",
    "vivit_factorised_encoder": "Model 2, factorised encoder",
    "vivit_factorised_self_attention": "Model 3, factorised self-attention",
    "vivit_factorised_dot_product": "Model 4, factorised dot-product attention",
}

_RECIPE_KEYS = (
    "preset", "optimizer", "learning_rate", "momentum", "weight_decay", "lr_scheduler_type", "warmup_epochs",
    "num_train_epochs", "max_train_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
    "max_grad_norm", "label_smoothing", "mixup_alpha", "cutmix_alpha", "drop_path_rate", "rand_augment",
    "color_jitter", "do_flip", "scale_jitter", "mixed_precision", "seed", "freeze",
)


def _is_hub_id(source: str | None) -> bool:
    """Only an ``owner/name`` (or ``name``) that is not a path on this machine is a Hub id."""
    return bool(source) and looks_like_repo_id(str(source)) and not Path(str(source)).exists()


def _dataset_names(dataset_name: str, dataset_id: str | None) -> tuple[str, str | None, str]:
    """(name, Hub id or None, ``dataset.type``) for the card. ``model-index``'s ``dataset.type`` is a Hub data set
    id; local data has none, so it gets a name made from the data set's name (a local path is cut to its folder
    name everywhere: the trainer's file system means nothing to a reader, and it may say more than intended)."""
    if dataset_name and (Path(dataset_name).exists() or os.path.isabs(dataset_name)
                         or os.sep in dataset_name.rstrip(os.sep) and not looks_like_repo_id(dataset_name)):
        dataset_name = Path(dataset_name.rstrip(os.sep)).name or dataset_name
    if not _is_hub_id(dataset_id):
        dataset_id = None
    slug = re.sub(r"[^a-z0-9._-]+", "-", dataset_name.lower()).strip("-._") or "local-data"
    return dataset_name, dataset_id, dataset_id or slug


def _eval_results(results: Mapping, dataset_name: str, dataset_type: str, split: str | None,
                  views: str) -> list[EvalResult]:
    common = dict(task_type="video-classification", task_name="Video Classification",
                  dataset_type=dataset_type, dataset_name=dataset_name, dataset_split=split)
    metrics = []
    for key, value in results.items():
        if not isinstance(value, float) or not key.endswith(("top1", "top5")):
            continue
        head, _, k = key.rpartition("_") if "_" in key else ("", "", key)
        label = f"{head + ' ' if head else ''}top-{k[3:]} accuracy ({views})"
        metrics.append(EvalResult(metric_type="accuracy", metric_name=label, metric_value=round(100 * value, 2),
                                  **common))
    return metrics


def build_model_card(config, *, results: Mapping, dataset_name: str, dataset_id: str | None = None,
                     eval_split: str | None = None, base_model: str | None = None, processor=None,
                     training_args: Mapping | None = None, num_views: Sequence[int] = (1, 1),
                     plots: Sequence[str] = (), model_name: str | None = None, license: str = "apache-2.0") -> ModelCard:
    """A ``ModelCard`` for a fine-tuned model; ``card.save(folder / "README.md")`` writes it.

    ``dataset_id`` is written as the data set's Hub id only when it is one (not a local path); local data is named
    by ``dataset_name`` (a path is cut to its folder name)."""
    dataset_name, dataset_id, dataset_type = _dataset_names(dataset_name, dataset_id)
    views = f"{num_views[0]} clip{'s' if num_views[0] > 1 else ''} x {num_views[1]} crop{'s' if num_views[1] > 1 else ''}"
    variant = _VARIANTS.get(config.model_type, config.model_type)
    name = model_name or f"{config.model_type.replace('_', '-')}-finetuned"
    data = ModelCardData(
        model_name=name,
        license=license,
        library_name="transformers",
        pipeline_tag="video-classification",
        tags=["vivit", "vivit_hf", "video-classification", config.model_type],
        # Only a Hub id makes sense as `base_model` metadata; a local path is named in the text only.
        base_model=base_model if _is_hub_id(base_model) else None,
        datasets=[dataset_id] if dataset_id else None,
        metrics=["accuracy"],
        eval_results=_eval_results(results, dataset_name, dataset_type, eval_split, views) or None,
    )
    sampling = "-"
    if processor is not None:
        crop = getattr(processor, "crop_size", None) or {}
        size = getattr(processor, "size", None) or {}
        sampling = (f"{processor.num_frames} frames, {getattr(processor, 'sampling_mode', 'stride')} sampling "
                    f"(stride {getattr(processor, 'frame_stride', '-')}), shorter side {size.get('shortest_edge', '-')}"
                    f", crop {crop.get('height', '-')}x{crop.get('width', '-')}, normalisation "
                    f"{getattr(processor, 'normalization', '-')}")
    size = (f"hidden {config.hidden_size}, {config.num_hidden_layers} layers, {config.num_attention_heads} heads, "
            f"tubelet {list(config.tubelet_size)}, {config.num_frames} frames of {config.image_size}px")
    heads = getattr(config, "label_spaces", None)
    labels = (", ".join(f"{head} ({n})" for head, n in heads.items()) if heads else f"{config.num_labels} classes")

    rows = [f"| {key} | {value:.2f} |" if isinstance(value, float) else f"| {key} | {value} |"
            for key, value in results.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)]
    recipe = [f"| {key} | {training_args[key]} |" for key in _RECIPE_KEYS
              if training_args and training_args.get(key) not in (None, [], "")]
    images = "\n".join(f"![{p}]({p})" for p in plots)
    content = f"""---
{data.to_yaml()}
---

# {name}

A ViViT video classifier ([Arnab et al., ICCV 2021]({PAPER}), {variant}) fine-tuned on {dataset_name}
with vivit_hf (`accelerate launch recipes/finetune.py`).

## Model
- Variant: {variant} (`{config.model_type}`), {size}
- Classifier: `{getattr(config, 'classifier', '-')}` pooling; labels: {labels}
- Initialised from: {base_model or 'random initialisation'}

## Data and sampling
- Data set: {dataset_name}{f' (`{dataset_id}`)' if dataset_id else ''}; evaluated on split `{eval_split}`
- Sampling: {sampling}
- Test views: {views}, logits averaged (paper §4.1)

## Training recipe
| setting | value |
|---|---|
{chr(10).join(recipe) if recipe else '| - | - |'}

## Results ({eval_split}, {views})
| metric | value |
|---|---|
{chr(10).join(rows)}

{images}

## Use
```python
import vivit_hf  # registers the ViViT classes (or pass trust_remote_code=True without it)
from transformers import pipeline
classifier = pipeline("video-classification", model="{model_name or 'path/to/this/folder'}")
```
"""
    return ModelCard(content)


def plot_training_curves(history: Sequence[Mapping], path) -> str:
    """Evaluation top-1 per epoch as a PNG; returns the file name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for key in sorted({k for entry in history for k in entry if k.endswith("top1")}):
        ax.plot([entry["epoch"] for entry in history], [entry[key] for entry in history], marker="o",
                label=key.removeprefix("eval/"))
    ax.set_xlabel("epoch")
    ax.set_ylabel("top-1 accuracy")
    ax.set_ylim(0, 1)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path).name
