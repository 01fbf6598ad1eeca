# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Metric values against numbers worked out by hand (not against the code under test): top-1, top-5 (also with
fewer than five classes), per-class accuracy, the confusion matrix's orientation, and Epic Kitchens' verb, noun
and action accuracy; the loss against transformers' Trainer's eval_loss and torch's cross-entropy."""

import pytest
import torch
from test_models import SMALLEST

from vivit_hf.training.metrics import (
    NonFiniteLogitsError,
    classification_metrics,
    evaluation_loss,
    evaluation_metrics,
    topk_correct,
)


def logits_ranking(*rankings, num_classes):
    """Logits whose descending order of classes is each given ranking (first = predicted class)."""
    rows = []
    for ranking in rankings:
        row = torch.zeros(num_classes)
        for place, c in enumerate(ranking):
            row[c] = float(num_classes - place)
        rows.append(row)
    return torch.stack(rows)


# Six samples over 6 classes. Ranks of the true class (1 = top): 1, 2, 5, 6, 1, 3.
SIX = logits_ranking(
    [0, 1, 2, 3, 4, 5],  # true 0: rank 1
    [2, 1, 0, 3, 4, 5],  # true 1: rank 2
    [0, 1, 3, 4, 2, 5],  # true 2: rank 5
    [5, 4, 2, 1, 0, 3],  # true 3: rank 6
    [4, 0, 1, 2, 3, 5],  # true 4: rank 1
    [0, 1, 5, 2, 3, 4],  # true 5: rank 3
    num_classes=6,
)
SIX_LABELS = torch.tensor([0, 1, 2, 3, 4, 5])


def test_top1_and_top5_are_the_shares_with_the_true_class_in_the_first_one_and_five():
    results = classification_metrics(SIX, SIX_LABELS)
    assert results["top1"] == pytest.approx(2 / 6)  # ranks 1 and 1
    assert results["top5"] == pytest.approx(5 / 6)  # every rank but the 6
    assert results["num_samples"] == 6


def test_top5_with_fewer_than_five_classes_counts_every_sample_right():
    logits = logits_ranking([0, 1, 2], [0, 1, 2], [2, 0, 1], num_classes=3)
    labels = torch.tensor([2, 1, 0])
    results = classification_metrics(logits, labels)
    assert results["top1"] == pytest.approx(0.0)
    assert results["top5"] == pytest.approx(1.0)  # all 3 classes are in the top 5
    assert topk_correct(logits, labels, 2).tolist() == [False, True, True]


def test_tied_logits_rank_the_lower_class_first_as_the_confusion_matrix_does():
    # Ten equal logits (a constant head): argmax, and so the confusion matrix, predicts class 0; top-1 used topk,
    # whose first among ties is class 8 on CPU, so top-1 and the confusion matrix's diagonal disagreed.
    logits = torch.zeros(4, 10)
    logits[3, [3, 7]] = 1.0  # a tie of two: class 3 first, class 7 second
    labels = torch.tensor([0, 8, 5, 3])
    results = classification_metrics(logits, labels)
    assert results["top1"] == pytest.approx(2 / 4)  # rows 0 (class 0) and 3 (class 3)
    assert results["top1"] == pytest.approx(sum(results["confusion_matrix"][c][c] for c in range(10)) / 4)
    assert results["per_class_accuracy"] == {"0": 1.0, "8": 0.0, "5": 0.0, "3": 1.0}
    # top-5 is classes 0 to 4 for a row of ten equal logits, and 3, 7, 0, 1, 2 for the last
    assert topk_correct(logits, torch.tensor([4, 5, 9, 2]), 5).tolist() == [True, False, False, True]


def test_confusion_matrix_rows_are_the_true_class_and_columns_the_prediction():
    # true, predicted: (0, 1), (0, 1), (0, 0), (1, 2), (2, 2)
    logits = logits_ranking([1, 0, 2], [1, 0, 2], [0, 1, 2], [2, 0, 1], [2, 1, 0], num_classes=3)
    labels = torch.tensor([0, 0, 0, 1, 2])
    results = classification_metrics(logits, labels, ["a", "b", "c"])
    assert results["confusion_matrix"] == [[1, 2, 0], [0, 0, 1], [0, 0, 1]]
    # per-class accuracy is a row's diagonal over the row: a 1/3, b 0/1, c 1/1
    assert results["per_class_accuracy"] == pytest.approx({"a": 1 / 3, "b": 0.0, "c": 1.0})
    assert results["top1"] == pytest.approx(2 / 5)


def test_per_class_accuracy_leaves_out_classes_without_samples():
    logits = logits_ranking([0, 1, 2], [2, 1, 0], num_classes=3)
    results = classification_metrics(logits, torch.tensor([0, 0]), ["a", "b", "c"])
    assert results["per_class_accuracy"] == pytest.approx({"a": 0.5})


EPIC = {"noun": ["n0", "n1", "n2"], "verb": ["v0", "v1"]}


def epic_logits(noun_prediction, verb_prediction):
    noun = torch.full((3,), -1.0)
    noun[noun_prediction] = 1.0
    verb = torch.full((2,), -1.0)
    verb[verb_prediction] = 1.0
    return torch.cat([noun, verb])  # concatenated in the label spaces' order


def test_epic_kitchens_action_top1_needs_both_noun_and_verb_right():
    # (noun right, verb right): (yes, yes), (yes, no), (no, yes), (no, no), (yes, yes)
    predictions = [(0, 1), (1, 1), (0, 0), (1, 1), (2, 0)]
    labels = torch.tensor([[0, 1], [1, 0], [2, 0], [0, 0], [2, 0]])
    logits = torch.stack([epic_logits(n, v) for n, v in predictions])
    results = evaluation_metrics(logits, labels, torch.ones(5, dtype=torch.bool), EPIC)
    assert results["noun_top1"] == pytest.approx(3 / 5)
    assert results["verb_top1"] == pytest.approx(3 / 5)
    assert results["action_top1"] == pytest.approx(2 / 5)
    assert results["noun_confusion_matrix"] == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert results["verb_per_class_accuracy"] == pytest.approx({"v0": 2 / 4, "v1": 1.0})
    assert results["num_samples"] == 5 and results["num_skipped"] == 0


def test_broken_clips_are_left_out_of_every_metric_and_counted():
    # the invalid sample would be right on both heads: counted, it would lift every figure
    predictions = [(0, 1), (1, 0), (2, 0)]
    labels = torch.tensor([[0, 0], [1, 0], [2, 0]])
    logits = torch.stack([epic_logits(n, v) for n, v in predictions])
    valid = torch.tensor([True, True, False])
    results = evaluation_metrics(logits, labels, valid, EPIC)
    assert results["num_skipped"] == 1 and results["num_samples"] == 2
    assert results["noun_top1"] == pytest.approx(1.0)
    assert results["verb_top1"] == pytest.approx(0.5)
    assert results["action_top1"] == pytest.approx(0.5)
    single = evaluation_metrics(SIX, SIX_LABELS, torch.tensor([True] * 5 + [False]), {"x": list("abcdef")})
    assert single["num_skipped"] == 1 and single["top1"] == pytest.approx(2 / 5)


def test_logits_that_are_not_finite_are_refused_not_scored():
    # A diverged model's NaN logits used to score: argmax of a NaN row is class 0, so top-1 was the share of class 0
    # (here 2 of 4) and top-5 every sample with five or fewer classes.
    logits = torch.full((5, 3), float("nan"))
    labels = torch.tensor([0, 1, 2, 0, 0])
    valid = torch.tensor([True, True, True, True, False])
    with pytest.raises(NonFiniteLogitsError, match="4 of the 4 clips evaluated got NaN or infinite logits") as error:
        evaluation_metrics(logits, labels, valid, {"x": ["a", "b", "c"]})
    assert error.value.rows == [0, 1, 2, 3]
    logits = SIX.clone()
    logits[3, 2] = float("inf")
    with pytest.raises(NonFiniteLogitsError, match="1 of the 5 clips") as error:
        evaluation_metrics(
            logits, SIX_LABELS, torch.tensor([True, False, True, True, True, True]), {"x": list("abcdef")}
        )
    assert error.value.rows == [3]  # its row in the logits given, the invalid one counted
    # an invalid (broken) clip's logits are never scored, finite or not
    logits = SIX.clone()
    logits[5] = float("nan")
    assert evaluation_metrics(logits, SIX_LABELS, torch.tensor([True] * 5 + [False]), {"x": list("abcdef")})[
        "top1"
    ] == (pytest.approx(2 / 5))


def test_prediction_copies_to_the_host_once_not_per_batch(monkeypatch):
    """On a GPU a copy to the host waits for the batch's forward: `predict` keeps logits, labels and validity on the
    device and copies them once at the end (it copied three tensors per batch). The values are the model's, batch by
    batch, averaged over each video's views, and a streamed split's padding rows (`real=False`) are dropped."""
    from vivit_hf.training.metrics import predict

    class Model(torch.nn.Module):  # logits = the first pixel of each view, 3 classes
        def forward(self, pixel_values):
            return type("Output", (), {"logits": pixel_values[:, 0, 0, 0, :3]})()

    torch.manual_seed(0)
    views, batches = 2, []
    for size in (4, 4, 3):
        batches.append(
            {
                "pixel_values": torch.randn(size * views, 1, 1, 1, 3),
                "labels": torch.randint(0, 3, (size,)),
                "valid": torch.rand(size) > 0.2,
                "real": torch.arange(size) < size - 1,  # the last row of each batch is padding
            }
        )
    copies = []
    to_host = torch.Tensor.cpu

    def counting_cpu(self, *args, **kwargs):
        copies.append(tuple(self.shape))
        return to_host(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "cpu", counting_cpu)
    logits, labels, valid = predict(Model(), batches, num_views=views)
    assert len(copies) == 4  # logits, labels, validity and the real-row mask, once each
    real = torch.cat([b["real"] for b in batches])
    expected = torch.cat([b["pixel_values"][:, 0, 0, 0, :3].view(-1, views, 3).mean(1) for b in batches])[real]
    torch.testing.assert_close(logits, expected)
    assert torch.equal(labels, torch.cat([b["labels"] for b in batches])[real])
    assert torch.equal(valid, torch.cat([b["valid"] for b in batches])[real])


def test_the_training_curves_of_several_evaluations_an_epoch_are_drawn_per_step(tmp_path, monkeypatch):
    """--eval_steps 5 over 2 epochs of 6 steps evaluates at steps 5, 10 and 12, epochs 0, 1 and 1: drawn per epoch,
    the two of epoch 1 stood one above the other (a vertical zigzag in the model card's plot). One evaluation an
    epoch stays drawn per epoch."""
    from matplotlib.axes import Axes

    from vivit_hf.training.metrics import plot_training_curves

    drawn = []
    plot = Axes.plot
    monkeypatch.setattr(
        Axes, "plot", lambda self, x, *args, **kwargs: drawn.append(list(x)) or plot(self, x, *args, **kwargs)
    )
    history = [{"epoch": e, "step": s, "eval/top1": t} for e, s, t in ((0, 5, 0.2), (1, 10, 0.3), (1, 12, 0.5))]
    plot_training_curves(history, tmp_path / "steps.png")
    plot_training_curves([history[0], history[2]], tmp_path / "epochs.png")
    assert drawn == [[5, 10, 12], [0, 1]]


def tiny_classifier(label_spaces=None, num_labels=3):
    from vivit_hf import ViViTSpatioTemporalConfig, ViViTSpatioTemporalForVideoClassification

    torch.manual_seed(0)
    config = ViViTSpatioTemporalConfig(
        **SMALLEST, num_labels=sum(label_spaces.values()) if label_spaces else num_labels, label_spaces=label_spaces
    )
    return ViViTSpatioTemporalForVideoClassification(config).eval()


@pytest.mark.parametrize("heads, smoothing", [({"x": 3}, 0.0), ({"x": 3}, 0.1), ({"noun": 3, "verb": 2}, 0.0)])
def test_the_evaluation_loss_is_trainers_eval_loss(tmp_path, heads, smoothing):
    """The evaluation reported no loss, so a Trainer user found no eval_loss and could not rank by it. It is now
    Trainer's own: 7 clips in batches of 3 (a last batch of 1, weighed by its clip, not as a batch), the label
    smoother's loss with label_smoothing_factor (`evaluation_targets`, fine-tuning's), the heads' mean with two."""
    from datasets import Dataset
    from transformers import Trainer, TrainingArguments

    from vivit_hf.training.finetune import evaluation_targets

    spaces = {head: [f"{head}{i}" for i in range(size)] for head, size in heads.items()}
    model = tiny_classifier(heads if len(heads) > 1 else None, num_labels=sum(heads.values()))
    generator = torch.Generator().manual_seed(1)
    pixel_values = torch.randn(7, 4, 3, 16, 16, generator=generator)
    labels = torch.stack([torch.randint(size, (7,), generator=generator) for size in heads.values()], dim=-1)
    labels = labels if len(heads) > 1 else labels[:, 0]
    data = Dataset.from_dict({"pixel_values": pixel_values.numpy(), "labels": labels.numpy()}).with_format("torch")
    args = TrainingArguments(
        tmp_path, per_device_eval_batch_size=3, label_smoothing_factor=smoothing, report_to=[], use_cpu=True
    )
    expected = Trainer(model=model, args=args).evaluate(data)["eval_loss"]
    with torch.no_grad():
        logits = model(pixel_values=pixel_values).logits
    targets = evaluation_targets(list(heads.values()), smoothing)
    results = evaluation_metrics(logits, labels, torch.ones(7, dtype=torch.bool), spaces, targets)
    assert results["loss"] == pytest.approx(expected, rel=1e-5)


def test_the_evaluation_loss_is_the_training_objective_of_the_valid_clips_views_averaged():
    """With --class_weights and --label_smoothing the loss is the training step's (`classification_loss` of its
    targets), so eval_loss and train_loss are one objective; a broken clip has none; under multi-view testing it is
    the loss of the views' averaged logits, the prediction top-1 scores, not the mean of the views' losses."""
    from vivit_hf.training.finetune import classification_loss, evaluation_targets, soft_targets

    generator = torch.Generator().manual_seed(2)
    views = torch.randn(6, 4, 3, generator=generator) * 3  # 6 videos, 4 views each
    logits, labels = views.mean(dim=1), torch.tensor([0, 1, 2, 0, 1, 2])
    valid = torch.tensor([True, True, True, True, True, False])
    weights = torch.tensor([0.5, 1.0, 2.0])
    results = evaluation_metrics(logits, labels, valid, {"x": ["a", "b", "c"]}, evaluation_targets([3], 0.2, weights))
    # The reference is built apart from the targets under test (a mistake shared by `soft_targets` and the
    # evaluation's targets would pass a comparison of the two): torch's own label smoothing and class weights, per
    # clip (its class-index form's per-clip loss is the weighted smoothed targets' cross-entropy), averaged over the
    # clips as the training step averages them.
    by_torch = torch.nn.functional.cross_entropy(
        logits[:5], labels[:5], weight=weights, label_smoothing=0.2, reduction="none"
    )
    assert results["loss"] == pytest.approx(float(by_torch.mean()), rel=1e-6)
    trained = classification_loss(logits, soft_targets(labels, [3], 0.2) * weights, valid, [3])
    assert results["loss"] == pytest.approx(float(trained), rel=1e-6)  # and the step's own objective is that one
    plain = evaluation_metrics(logits, labels, valid, {"x": ["a", "b", "c"]})["loss"]
    assert plain == pytest.approx(float(torch.nn.functional.cross_entropy(logits[:5], labels[:5])), rel=1e-6)
    per_view = torch.nn.functional.cross_entropy(views[:5].reshape(20, 3), labels[:5].repeat_interleave(4))
    assert abs(plain - float(per_view)) > 0.1  # the choice matters: the views' own losses average otherwise
    nothing = evaluation_metrics(logits, labels, torch.zeros(6, dtype=torch.bool), {"x": ["a", "b", "c"]})
    assert nothing["loss"] is None and nothing["top1"] is None


def test_the_evaluation_loss_of_heads_without_a_label_is_the_models_loss_over_the_labelled_entries():
    """A class id of -100 leaves that head out for that clip (a clip with a verb but no noun), in the model's loss
    (`model(pixel_values, labels=...)`) and in torch's `ignore_index`. The evaluation's loss took each clip's heads'
    mean with those entries as 0: 6 clips with a verb and 2 with a noun read the loss of 8 entries over 12. It is
    now the model's own loss of the whole set as one batch, torch's cross-entropy summed over the labelled entries
    over their count; with label smoothing (fine-tuning's targets) too."""
    from vivit_hf.training.finetune import evaluation_targets

    heads = {"noun": 3, "verb": 2}
    spaces = {head: [f"{head}{i}" for i in range(size)] for head, size in heads.items()}
    model = tiny_classifier(heads)
    generator = torch.Generator().manual_seed(3)
    pixel_values = torch.randn(6, 4, 3, 16, 16, generator=generator)
    labels = torch.tensor([[0, 1], [-100, 0], [2, 1], [-100, 1], [-100, 0], [-100, 1]])
    with torch.no_grad():
        output = model(pixel_values=pixel_values, labels=labels)
    logits = output.logits
    noun, verb = logits[:, :3], logits[:, 3:]
    by_hand = torch.cat(
        [
            torch.nn.functional.cross_entropy(noun[labels[:, 0] >= 0], labels[labels[:, 0] >= 0, 0], reduction="none"),
            torch.nn.functional.cross_entropy(verb, labels[:, 1], reduction="none"),
        ]
    ).mean()  # 2 noun entries and 6 verb ones
    loss = evaluation_loss(logits, labels, [3, 2])
    assert loss == pytest.approx(float(by_hand), rel=1e-6)
    assert loss == pytest.approx(float(output.loss), rel=1e-5)  # the model's own
    assert evaluation_metrics(logits, labels, torch.ones(6, dtype=torch.bool), spaces)["loss"] == loss
    smoothed = evaluation_loss(logits, labels, [3, 2], evaluation_targets([3, 2], 0.1))
    by_torch = torch.cat(
        [
            torch.nn.functional.cross_entropy(noun, labels[:, 0], label_smoothing=0.1, reduction="none")[:1],
            torch.nn.functional.cross_entropy(noun, labels[:, 0], label_smoothing=0.1, reduction="none")[2:3],
            torch.nn.functional.cross_entropy(verb, labels[:, 1], label_smoothing=0.1, reduction="none"),
        ]
    ).mean()
    assert smoothed == pytest.approx(float(by_torch), rel=1e-6)
    assert evaluation_loss(logits[:1], torch.tensor([[-100, -100]]), [3, 2]) is None  # no labelled entry (it read 0.0)


def test_a_head_without_a_label_is_scored_on_the_clips_it_labels():
    """-100 (no label for that head) was scored as a wrong answer, and counted in the confusion matrix as class -100
    from the end (or an IndexError with fewer than 100 classes). Each head is now scored on the clips it labels, the
    action on the clips every head labels."""
    # (noun right, verb right): (yes, yes), (-, yes), (no, yes), (-, no), (yes, no)
    predictions = [(0, 1), (1, 0), (0, 0), (1, 1), (2, 0)]
    labels = torch.tensor([[0, 1], [-100, 0], [2, 0], [-100, 0], [2, 1]])
    logits = torch.stack([epic_logits(n, v) for n, v in predictions])
    results = evaluation_metrics(logits, labels, torch.ones(5, dtype=torch.bool), EPIC)
    assert results["noun_top1"] == pytest.approx(2 / 3) and results["noun_num_samples"] == 3
    assert results["noun_confusion_matrix"] == [[1, 0, 0], [0, 0, 0], [1, 0, 1]]
    assert results["verb_top1"] == pytest.approx(3 / 5) and results["verb_num_samples"] == 5
    assert results["action_top1"] == pytest.approx(1 / 3)  # clips 0, 2, 4: only clip 0 has both right
    assert results["num_samples"] == 5
    single = evaluation_metrics(
        SIX, torch.tensor([0, 1, -100, 3, 4, 5]), torch.ones(6, dtype=torch.bool), {"x": list("abcdef")}
    )
    assert single["top1"] == pytest.approx(2 / 5) and single["num_samples"] == 5


def test_the_epoch_report_of_an_evaluation_where_no_clip_labels_every_head():
    """Verbs without nouns: the action's top-1 is over the clips that label every head, here none (None). The epoch
    report formatted it with `:.4f`, a TypeError that ended the run at its first evaluation; it says `-` and the
    heads' own top-1 now."""
    from vivit_hf.training.finetune import evaluation_figures

    labels = torch.tensor([[-100, 1], [-100, 0], [-100, 0]])
    logits = torch.stack([epic_logits(0, 1), epic_logits(1, 1), epic_logits(2, 0)])
    results = evaluation_metrics(logits, labels, torch.ones(3, dtype=torch.bool), EPIC)
    assert results["action_top1"] is None and results["noun_top1"] is None
    with pytest.raises(TypeError):  # what the report did with it
        f"{results['action_top1']:.4f}"
    loss = float(torch.nn.functional.cross_entropy(logits[:, 3:], labels[:, 1]))  # the verbs' alone
    said = evaluation_figures(results)
    assert said == f"eval top-1 -, loss {loss:.4f} (no clip labels every head; top-1 verb {2 / 3:.4f})"
    every = evaluation_metrics(logits, torch.tensor([[0, 1], [0, 1], [2, 0]]), torch.ones(3, dtype=torch.bool), EPIC)
    assert evaluation_figures(every) == f"eval top-1 {2 / 3:.4f}, loss {every['loss']:.4f}"
    single = evaluation_metrics(SIX, torch.tensor([0, 1, 2, 3, 4, 5]), torch.ones(6, dtype=torch.bool), {"x": "abcdef"})
    assert evaluation_figures(single).startswith(f"eval top-1 {single['top1']:.4f}, loss ")
