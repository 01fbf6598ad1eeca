# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Classification metrics computed locally (`evaluate.load` fetches metric code from the Hub) and their plots.

Multi-view testing (paper §4.1: 4 temporal clips x 3 spatial crops) averages the logits of a video's views
before any metric; `predict` does that and gathers the results of every process exactly once. The loss too is the
averaged prediction's (`evaluation_loss`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .data.dataset import model_pixel_values


@torch.no_grad()
def predict(
    model,
    dataloader,
    accelerator=None,
    num_views: int = 1,
    video_ids: list | None = None,
    truncated: list | None = None,
):
    """Logits averaged over each video's `num_views` views, labels and validity, over the whole data set.

    Batches come from `vivit_hf.training.data.collate_videos` (views of one video adjacent). With an
    `accelerator`, results of all processes are gathered with `gather_for_metrics`, which drops the
    samples repeated to even out the last batch, so 1..N processes give the same counts. Batches of a streamed
    split (`vivit_hf.training.data.streaming.StreamingLoader`) carry `real`, the rows that are clips: the others
    (padding, and the filler batches of a process that has run out) are dropped after gathering; their `ids` (the
    real rows' clip ids) are appended to `video_ids` when given, in the gathered rows' order. `truncated`, when given,
    gets one bool tensor, gathered as the labels are: which clips were segments read past their video's end.
    """
    model.eval()
    # Kept on the device until the end: a copy to the host per batch would wait for that batch's forward each time.
    all_logits, all_labels, all_valid, all_real, all_truncated = [], [], [], [], []
    for batch in dataloader:
        logits = model(pixel_values=model_pixel_values(batch)).logits.float()
        logits = logits.view(-1, num_views, logits.shape[-1]).mean(dim=1)
        labels, valid = batch["labels"], batch["valid"]
        # Asked for only: one more copy to the host. A batch made elsewhere may have no `truncated`: none was.
        cut = () if truncated is None else (batch.get("truncated", torch.zeros_like(valid, dtype=torch.bool)),)
        real = batch.get("real")
        if accelerator is not None:
            if real is None:
                logits, labels, valid, *cut = accelerator.gather_for_metrics((logits, labels, valid, *cut))
            else:
                logits, labels, valid, *cut, real = accelerator.gather_for_metrics((logits, labels, valid, *cut, real))
        if real is not None:  # a streamed split: padding rows and a finished process's filler batches are not clips
            all_real.append(real)
            if video_ids is not None:  # each process's real rows come first in its block, in process order
                ids = list(batch["ids"])
                if accelerator is not None and accelerator.num_processes > 1:
                    from accelerate.utils import gather_object

                    ids = gather_object(ids)
                video_ids.extend(ids)
        all_logits.append(logits)
        all_labels.append(labels)
        all_valid.append(valid)
        all_truncated.extend(cut)
    logits, labels, valid = (torch.cat(parts).cpu() for parts in (all_logits, all_labels, all_valid))
    cut = torch.cat(all_truncated).cpu().bool() if truncated is not None else None
    if all_real:
        real = torch.cat(all_real).cpu()
        logits, labels, valid = logits[real], labels[real], valid[real]
        cut = cut[real] if cut is not None else None
    if truncated is not None:
        truncated.append(cut)
    return logits, labels, valid


class NonFiniteLogitsError(ValueError):
    """Logits that are NaN or infinite: there is no prediction in them to score. (`argmax` of a row of NaN is its first
    NaN, so a diverged model would score the share of class 0 as top-1 and every clip right in top-5 with five or
    fewer classes.) `rows`: their row indices in the logits given (valid samples' only)."""

    def __init__(self, message: str, rows: list[int]):
        super().__init__(message)
        self.rows = rows


def refuse_non_finite(logits: torch.Tensor, valid: torch.Tensor, what: str) -> None:
    """Raise `NonFiniteLogitsError` where a valid clip's logits (`logits`: the valid clips', in order) are NaN or
    infinite, naming the rows among all clips (`valid`: which of all were kept) and `what` cannot be computed."""
    rows = (~torch.isfinite(logits).all(dim=-1)).nonzero().flatten().tolist()
    if rows:
        raise NonFiniteLogitsError(
            f"{len(rows)} of the {len(logits)} clips evaluated got NaN or infinite logits (the model's weights or "
            f"activations are not finite: a training that diverged, or an fp16 overflow); {what} can be computed "
            "from them",
            [int(i) for i in valid.nonzero().flatten()[rows]],
        )


def topk_correct(logits: torch.Tensor, labels: torch.Tensor, k: int) -> torch.Tensor:
    k = min(k, logits.shape[-1])
    # Equal logits ranked by class id, as `argmax` (the confusion matrix's and predictions.jsonl's prediction) ranks
    # them: `topk` leaves their order open (ten equal logits: topk's first is class 8 on CPU, argmax's class 0), so
    # top-1 disagreed with the confusion matrix wherever logits tied (a constant head, bf16 logits).
    ranked = logits.argsort(dim=-1, descending=True, stable=True)[:, :k]
    return (ranked == labels[:, None]).any(dim=-1)


def classification_metrics(
    logits: torch.Tensor, labels: torch.Tensor, label_names: Sequence[str] | None = None, prefix: str = ""
) -> dict:
    """Top-1, top-5, per-class accuracy (classes with samples) and the confusion matrix (rows: true class)."""
    num_classes = logits.shape[-1]
    names = list(label_names) if label_names is not None else [str(i) for i in range(num_classes)]
    predictions = logits.argmax(dim=-1)
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.long)
    confusion.index_put_((labels.long(), predictions), torch.ones_like(labels, dtype=torch.long), accumulate=True)
    support = confusion.sum(dim=1)
    per_class = {names[c]: float(confusion[c, c] / support[c]) for c in range(num_classes) if support[c] > 0}
    n = len(labels)  # no sample: no accuracy (None, left out by `scalar_metrics` and model cards), never 0.0
    return {
        f"{prefix}top1": float(topk_correct(logits, labels, 1).sum()) / n if n else None,
        f"{prefix}top5": float(topk_correct(logits, labels, 5).sum()) / n if n else None,
        f"{prefix}num_samples": len(labels),
        f"{prefix}per_class_accuracy": per_class,
        f"{prefix}confusion_matrix": confusion.tolist(),
    }


def evaluation_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    head_sizes: Sequence[int],
    loss_targets: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> float | None:
    """transformers' Trainer's `eval_loss`: the model's own loss (`multi_head_cross_entropy`, its forward's with
    `labels=`) over the whole evaluation set taken as one batch: each head's cross-entropy summed over its labelled
    (clip, head) entries, divided by their count, so that a class id of -100 (a clip with a verb but no noun) leaves
    that entry out, as the model's loss and torch's `ignore_index` do. With every entry labelled it is each clip's loss
    (the heads' mean with several) averaged over the clips: Trainer's figure (it repeats each batch's mean once per
    sample and averages what `gather_for_metrics` gathered), every clip once whatever the processes. (With -100s
    Trainer's figure depends on how they fall into batches; this one does not. Averaging each clip's heads' mean
    would count a -100 entry as a loss of 0: 30 clips with a verb and 10 with a noun would read 2/3 of the loss.)
    Against the class ids, or against `loss_targets(labels)`, soft targets laid out like the logits (fine-tuning's:
    its label smoothing and class weights, as Trainer's `prediction_step` computes the loss through `compute_loss`,
    its label smoother included). `logits` are a video's views averaged (`predict`): the loss of the prediction the
    accuracies score, not the mean of the views' losses. None where no entry is labelled."""
    labels = labels.view(len(labels), len(head_sizes))
    labelled = labels.ne(-100)
    if not labelled.any():
        return None
    heads = logits.float().split(list(head_sizes), dim=-1)
    if loss_targets is None:  # (cross_entropy's ignore_index, -100, gives those entries 0)
        per_entry = [F.cross_entropy(head, labels[:, i].long(), reduction="none") for i, head in enumerate(heads)]
    else:  # soft targets of a stand-in class where there is no label: left out below
        soft = loss_targets(labels.masked_fill(~labelled, 0)).to(logits.device).split(list(head_sizes), dim=-1)
        per_entry = [F.cross_entropy(head, target, reduction="none") for head, target in zip(heads, soft)]
    losses = torch.stack(per_entry, dim=-1).double() * labelled
    return float(losses.sum() / labelled.sum())


def evaluation_metrics(
    logits: torch.Tensor,
    labels: torch.Tensor,
    valid: torch.Tensor,
    label_spaces: Mapping[str, Sequence[str]],
    loss_targets: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> dict:
    """Metrics of the valid samples: the loss (`evaluation_loss`, with `loss_targets`), top-1, top-5...; with
    several heads, per head (`noun_top1`...) plus `action_top1`, the share of videos where every head's top-1 is
    right (Epic Kitchens' action accuracy). A valid sample whose logits are not finite raises
    `NonFiniteLogitsError`."""
    valid = valid.bool()
    logits, labels = logits[valid], labels[valid]
    refuse_non_finite(logits, valid, "no accuracy")
    sizes = [len(names) for names in label_spaces.values()]
    results: dict = {"loss": evaluation_loss(logits, labels, sizes, loss_targets), "num_skipped": int((~valid).sum())}
    # A head's class id of -100 is no label (the model's loss leaves it out): each head is scored on the clips it
    # labels. It was scored as a wrong answer, and its confusion-matrix row was class -100 counted from the end
    # (noun 200 of Epic Kitchens' 300) or an IndexError below 100 classes.
    by_head = labels.view(len(labels), len(sizes))
    labelled = by_head.ne(-100)
    if len(label_spaces) == 1:
        names = next(iter(label_spaces.values()))
        results.update(classification_metrics(logits[labelled[:, 0]], by_head[labelled[:, 0], 0], names))
        return results  # (num_samples: the labelled clips, those top-1 is of)
    every = labelled.all(dim=-1)  # the action: right where every head is right, of the clips every head labels
    all_right = torch.ones(int(every.sum()), dtype=torch.bool)
    for i, (head, head_logits) in enumerate(zip(label_spaces, logits.split(sizes, dim=-1))):
        mine = labelled[:, i]
        results.update(
            classification_metrics(head_logits[mine], by_head[mine, i], label_spaces[head], prefix=f"{head}_")
        )
        all_right &= head_logits[every].argmax(dim=-1) == by_head[every, i]
    results["action_top1"] = float(all_right.sum()) / len(all_right) if len(all_right) else None
    results["num_samples"] = len(labels)  # the valid clips; each head's labelled ones: <head>_num_samples
    return results


def scalar_metrics(results: Mapping, prefix: str = "") -> dict:
    """The numbers of `results` fit for a tracker or a results table, each name after `prefix` (a tracker's `eval/`,
    transformers' Trainer's `eval_`: eval_loss, eval_top1)."""
    return {prefix + k: v for k, v in results.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


@contextmanager
def _figure(path, figsize):
    """One figure and its axes, drawn off screen (matplotlib's Agg: no display needed) and saved to `path` as a
    100 dpi PNG when the block ends; matplotlib is imported only here, where a plot is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    yield fig, ax
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_confusion_matrix(confusion: Sequence[Sequence[int]], label_names: Sequence[str], path, title: str = ""):
    """Row-normalised confusion matrix as a PNG (class names on the axes up to 40 classes)."""
    matrix = np.asarray(confusion, dtype=np.float64)
    matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    n = len(label_names)
    side = min(max(6.0, 0.35 * n + 3), 20.0)
    with _figure(path, (side, side)) as (fig, ax):
        image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
        if n <= 40:
            ax.set_xticks(range(n), label_names, rotation=90)
            ax.set_yticks(range(n), label_names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title or "Confusion matrix")


def plot_per_class_accuracy(per_class: Mapping[str, float], path, title: str = ""):
    """Per-class top-1 accuracy as a horizontal bar chart PNG (worst classes first)."""
    items = sorted(per_class.items(), key=lambda item: item[1])
    with _figure(path, (7, min(max(2.5, 0.25 * len(items) + 1), 60))) as (_, ax):
        ax.barh(range(len(items)), [value for _, value in items], color="tab:blue")
        ax.set_yticks(range(len(items)), [name for name, _ in items], fontsize=8 if len(items) > 30 else 10)
        ax.set_xlim(0, 1)
        ax.set_xlabel("top-1 accuracy")
        ax.set_title(title or "Per-class accuracy")


def save_evaluation_plots(results: Mapping, label_spaces: Mapping[str, Sequence[str]], output_dir, tag: str = "eval"):
    """Confusion matrix and per-class bar chart for each head; returns the written file names."""
    output_dir = Path(output_dir)
    written = []
    heads = (
        [("", next(iter(label_spaces.values())))]
        if len(label_spaces) == 1
        else [(f"{head}_", names) for head, names in label_spaces.items()]
    )
    for prefix, names in heads:
        confusion_path = output_dir / f"{tag}_{prefix}confusion_matrix.png"
        per_class_path = output_dir / f"{tag}_{prefix}per_class_accuracy.png"
        head = prefix.rstrip("_")
        plot_confusion_matrix(
            results[f"{prefix}confusion_matrix"], names, confusion_path, title=f"Confusion matrix {head}".strip()
        )
        plot_per_class_accuracy(
            results[f"{prefix}per_class_accuracy"], per_class_path, title=f"Per-class accuracy {head}".strip()
        )
        written += [confusion_path.name, per_class_path.name]
    return written


def plot_training_curves(history: Sequence[Mapping], path) -> str:
    """Evaluation top-1 per epoch as a PNG, or per optimiser step where an epoch has several evaluations
    (--eval_steps): the history's `epoch` is the epoch's index, and those were drawn one above the other at it, the
    curve a vertical zigzag. Returns the file name."""
    epochs = [entry["epoch"] for entry in history]
    axis = "epoch" if len(set(epochs)) == len(epochs) else "step"
    with _figure(path, (5, 3.5)) as (_, ax):
        # a multi-label run's mAP where it has no top-1
        keys = sorted({k for entry in history for k in entry if k.endswith("top1")}) or ["eval/map"]
        for key in keys:
            ax.plot(
                [entry[axis] for entry in history if key in entry],
                [entry[key] for entry in history if key in entry],
                marker="o",
                label=key.removeprefix("eval/"),
            )
        ax.set_xlabel(axis if axis == "epoch" else "optimiser step")
        ax.set_ylabel("top-1 accuracy" if keys != ["eval/map"] else "mAP")
        ax.set_ylim(0, 1)
        ax.legend()
        ax.grid(alpha=0.3)
    return Path(path).name
