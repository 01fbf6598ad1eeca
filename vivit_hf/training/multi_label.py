"""Multi-label fine-tuning: several classes a clip (Charades, AVA-style data), as a `--dataset_format hub` label
column of lists gives them (`VideoClassificationData.multi_label`). The model is transformers' multi-label
classifier (`problem_type="multi_label_classification"`: a sigmoid per class, in its loss and the pipeline's
scores); this module holds the targets (multi-hot, `multi_hot`, built
where a sample is: `vivit_hf.training.data.labels`), the loss the recipe trains with, the metrics (mAP, the field's
measure: Charades'), and the flags that mean nothing for such a model, refused by name before a run starts."""

from __future__ import annotations

import json

import torch
import torch.nn.functional as F

from .data.labels import multi_hot
from .metrics import refuse_non_finite

__all__ = [
    "METRICS",
    "PROBLEM_TYPE",
    "average_precision",
    "multi_hot",
    "multi_label_flag_refusal",
    "multi_label_loss",
    "multi_label_metrics",
    "model_multi_hot",
    "single_label_model_warning",
    "write_multi_label_prediction_rows",
]

PROBLEM_TYPE = "multi_label_classification"

# What a multi-label evaluation reports (`multi_label_metrics`), each higher for a better model but the loss: the
# names `--metric_for_best_model` may take. Top-1 is no measure of a clip with several classes (or none).
METRICS = ("map", "micro_f1", "exact_match", "loss")


def multi_label_loss(logits: torch.Tensor, targets: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy with logits, each clip's the mean over its classes (transformers' `BCEWithLogitsLoss` of
    `problem_type="multi_label_classification"`), averaged over the `valid` clips as the recipe's single-label loss
    is. `targets` may be soft (mixup's, CutMix's mix of two clips' multi-hot targets: timm trains so)."""
    per_clip = F.binary_cross_entropy_with_logits(logits.float(), targets.float(), reduction="none").mean(dim=-1)
    valid = valid.to(per_clip.device).bool()
    # (selected, not multiplied by 0: a left-out clip's infinite logits would make the sum NaN)
    return torch.where(valid, per_clip, 0.0).sum() / valid.sum().clamp(min=1)


def average_precision(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Each class's average precision (a column of `scores` (clips, classes) against `targets`' 0/1): the precision
    at each distinct score, weighted by the recall it adds, `sum_n (R_n - R_(n-1)) P_n`, sklearn's
    `average_precision_score` (clips of one score counted together: no order among ties is favoured). NaN for a
    class with no positive clip, whose precision is undefined."""
    scores, targets = scores.double(), targets.double()
    out = torch.full((scores.shape[1],), float("nan"), dtype=torch.float64)
    for c in range(scores.shape[1]):
        positives = targets[:, c].sum()
        if positives == 0:
            continue
        order = torch.argsort(scores[:, c], descending=True, stable=True)
        ranked, hits = scores[order, c], targets[order, c]
        true_positives = hits.cumsum(0)
        # the last clip of each run of equal scores: a threshold there takes them all
        last = torch.cat([ranked[1:] != ranked[:-1], torch.tensor([True])]).nonzero().flatten()
        precision = true_positives[last] / (last + 1).double()
        recall = true_positives[last] / positives
        out[c] = ((recall - torch.cat([recall.new_zeros(1), recall[:-1]])) * precision).sum()
    return out


def multi_label_metrics(logits: torch.Tensor, labels: torch.Tensor, valid: torch.Tensor, names, threshold=0.5):
    """Metrics of the valid clips of a multi-label evaluation (`labels`: multi-hot, (clips, classes)):
    `map`, the mean over classes with a positive clip of their average precision (Charades' mAP; `ap` gives each
    class's, None where it has none), `micro_f1` and `exact_match` (every class of a clip right: subset accuracy) of
    the sigmoid scores at `threshold`, the loss (`multi_label_loss`). A valid clip whose logits are not finite
    raises `NonFiniteLogitsError`, as a single-label evaluation does."""
    valid = valid.bool()
    logits, labels = logits[valid].float(), labels[valid].float()
    refuse_non_finite(logits, valid, "no mAP")
    results: dict = {"num_samples": len(labels), "num_skipped": int((~valid).sum())}
    if not len(labels):
        return {**results, "loss": None, "map": None, "micro_f1": None, "exact_match": None, "ap": {}}
    results["loss"] = float(multi_label_loss(logits, labels, torch.ones(len(labels))))
    # ranked by the logits, the sigmoid's order: float32's sigmoid is 1.0 from a logit of about 17 on, so the clips a
    # confident model scored 20 and 30 were one tie (a class's AP 0.5 where its one positive ranked first: 1.0)
    ap = average_precision(logits, labels)
    scored = ~torch.isnan(ap)
    results["map"] = float(ap[scored].mean()) if scored.any() else None
    results["num_classes_scored"] = int(scored.sum())
    results["ap"] = {name: (None if torch.isnan(value) else float(value)) for name, value in zip(names, ap)}
    predicted = (torch.sigmoid(logits) >= threshold).float()
    hits = float((predicted * labels).sum())
    wrong = float((predicted != labels).float().sum())  # false positives and negatives
    # no positive clip and none predicted: 0.0, scikit-learn's f1_score (zero_division's default; it said 1.0)
    results["micro_f1"] = 2 * hits / (2 * hits + wrong) if hits or wrong else 0.0
    # counted, not a float32 mean (1 in 6 read 0.1666666716)
    results["exact_match"] = int((predicted == labels).all(dim=-1).sum()) / len(labels)
    return results


def score_name(multi_label: bool) -> str:
    """What an evaluation scores a model by, as the warnings that it is no test of the model name it: a multi-label
    model's mAP (it has no accuracy: no top-1), else its accuracy."""
    return "mAP" if multi_label else "accuracy"


def drop_preset_label_smoothing(args) -> str | None:
    """A `--preset`'s label smoothing (ssv2_vivit_b_fe's 0.3), which the user did not type, taken out of a multi-label
    run (`args.label_smoothing` 0): it is no choice of theirs, and was refused as if typed, its fix to type
    `--label_smoothing 0`. Returns the one line that says so (None: nothing dropped). Typed, it is refused
    (`multi_label_flag_refusal`). `args.typed_flags`: the flags typed (`finetune_flags.parse_args`); without it,
    every flag counts as typed."""
    if not args.label_smoothing or "label_smoothing" in getattr(args, "typed_flags", ("label_smoothing",)):
        return None
    smoothing, args.label_smoothing = args.label_smoothing, 0.0
    return (
        f"--preset {args.preset}: its label smoothing ({smoothing:g}) is left out, the data set being multi-label "
        "(a label column of lists: a sigmoid per class, where label smoothing is a softmax's)"
    )


def multi_label_flag_refusal(args) -> str | None:
    """Why a flag cannot train a multi-label model (None: every flag can), said before the run starts.
    `--label_smoothing` smooths a one-hot target over its classes (softmax's), and `--class_weights balanced`
    weighs each clip by its one class's frequency: neither has a meaning for a clip of several classes or none.
    Mixup and CutMix mix two clips' multi-hot targets as they mix one-hot ones: kept."""
    if args.label_smoothing:
        return (
            f"--label_smoothing {args.label_smoothing:g}: the data set is multi-label (a label column of lists), "
            "trained with a sigmoid per class, and label smoothing is a softmax's (one class per clip); leave it out"
        )
    if args.class_weights:
        return (
            f"--class_weights {args.class_weights}: the data set is multi-label (a label column of lists), and "
            "balanced weights are one class's per clip; leave it out"
        )
    return None


def single_label_model_warning(config, model_name) -> str | None:
    """What a multi-label evaluation of a model not trained multi-label means (None: one trained so). A softmax's
    logits rank the classes of a clip, but are free per clip by a constant (softmax is the same for logits + k):
    mAP ranks the clips of a class by them, so compares numbers of no shared zero, and micro-F1 and exact match
    threshold a sigmoid the model was never trained with. Plausible (a single-label model scored on Charades-style
    data as a baseline), so said, not refused."""
    if getattr(config, "problem_type", None) == PROBLEM_TYPE:
        return None
    trained = config.problem_type or "no problem_type in its config.json: a softmax, as transformers trains one"
    return (
        f"--model {model_name} was not trained multi-label ({trained}) and the data set is (a label column of "
        "lists): its mAP ranks each class's clips by the model's logits, which its softmax leaves free by a "
        "constant per clip (not its softmax scores, which the pipeline gives), and micro_f1 / exact_match take a "
        "sigmoid of them at 0.5, which it was never trained to give; compare such figures with those of a model "
        "fine-tuned on the multi-label data (recipes/finetune.py reads a column of lists as multi-label)"
    )


def model_multi_hot(labels: torch.Tensor, mapping: list[int], num_classes: int) -> torch.Tensor:
    """A data set's multi-hot labels (its classes' columns) as the model's (`num_classes` columns): each class's
    column moved to the model's id of it (`evaluation.check_labels`' mapping, by name), the model's other classes 0."""
    out = labels.new_zeros(len(labels), num_classes)
    out[:, torch.as_tensor(mapping, dtype=torch.long)] = labels
    return out


def write_multi_label_prediction_rows(path, video_ids, logits, labels, valid, names, threshold: float = 0.5) -> None:
    """One JSON line per video, as `evaluation.write_prediction_rows` writes a single-label one's: its id, its
    classes (`label`, ids, and `label_name`), the classes whose sigmoid score is `threshold` or more (`prediction`,
    `prediction_name`; None for a broken clip, never seen) and every class's score (`scores`, by name)."""
    if len(video_ids) != len(logits):
        raise RuntimeError(f"{len(logits)} prediction rows for {len(video_ids)} videos")
    scores = torch.sigmoid(logits.float())
    with open(path, "w", encoding="utf-8") as f:
        for index, (video_id, target, score, ok) in enumerate(zip(video_ids, labels, scores, valid.tolist())):
            label = target.nonzero().flatten().tolist()
            predicted = (score >= threshold).nonzero().flatten().tolist() if ok else None
            row = {
                "index": index,
                "video_id": video_id,
                "label": label,
                "prediction": predicted,
                "valid": bool(ok),
                "label_name": [names[i] for i in label],
                "prediction_name": [names[i] for i in predicted] if ok else None,
                "scores": {name: round(float(s), 6) for name, s in zip(names, score)} if ok else None,
            }
            f.write(json.dumps(row) + "\n")
