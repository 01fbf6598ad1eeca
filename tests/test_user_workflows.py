# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""vivit_hf used as the Hugging Face docs teach video classification, by someone who never read our recipes: a video
folder read with `datasets`, the processor in `set_transform`, transformers' `Trainer` (evaluation, checkpoints, the
best model at the end, resume), the saved folder served without vivit_hf, a plain accelerate loop on two processes
(run in test_recipes_distributed's accelerate launch, where its test is), and the task guide's `from_pretrained(...,
label2id=, id2label=, ignore_mismatched_sizes=True)`. Each is checked against what does not go through the path under
test: an uninterrupted run, one process, a fresh load, transformers' own ViViT."""

from pathlib import Path

import numpy as np
import pytest
import torch
import transformers
from test_remote_code import HIDE_VIVIT_HF, without_vivit_hf
from transformers import (
    AutoModelForVideoClassification,
    Trainer,
    TrainingArguments,
    VivitConfig,
    VivitForVideoClassification,
)
from video_factory import write_video

from vivit_hf import VIVIT_MODELS, ViViTVideoProcessor

REPO = Path(__file__).resolve().parents[1]
TINY = dict(
    image_size=32,
    num_frames=4,
    tubelet_size=[2, 8, 8],
    hidden_size=32,
    num_hidden_layers=1,
    num_attention_heads=4,
    intermediate_size=64,
)
PROCESSOR = dict(num_frames=4, frame_stride=1, size={"shortest_edge": 32}, crop_size=32)


@pytest.fixture(autouse=True)
def quiet_transformers():
    before = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()
    yield
    transformers.logging.set_verbosity(before)


def tiny_classifier(name: str = "spatio_temporal", **config):
    config_class, _, classifier_class = VIVIT_MODELS[name]
    torch.manual_seed(0)
    return classifier_class(config_class(**{**TINY, **config}))


def flat_weights(model) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


# -- Trainer: resume ------------------------------------------------------------------------------------------------

VIDEOS = [np.random.default_rng(i).integers(0, 256, (8, 40, 48, 3), dtype=np.uint8) for i in range(4)]


def test_torch_s_generator_state_restored_restores_the_processor_s_training_draws():
    """As a torch random transform's: restoring torch's state (what Trainer's resume does) restores the draws. A stream
    made from torch's seed went on from where it was: the second call drew another clip and crop."""
    processor = ViViTVideoProcessor(**PROCESSOR, do_train_augment=True)
    torch.manual_seed(0)
    state = torch.get_rng_state()
    first = processor(VIDEOS[0], do_sample_frames=True, return_tensors="pt").pixel_values
    torch.set_rng_state(state)
    again = processor(VIDEOS[0], do_sample_frames=True, return_tensors="pt").pixel_values
    assert torch.equal(first, again)
    assert not torch.equal(first, processor(VIDEOS[0], do_sample_frames=True, return_tensors="pt").pixel_values)


def test_an_inference_call_leaves_torch_s_generator_as_it_was():
    """A deterministic call draws nothing: a test-time call between training steps changes no dropout mask."""
    processor = ViViTVideoProcessor(**PROCESSOR)
    state = torch.get_rng_state()
    processor(VIDEOS[0], do_sample_frames=True, return_tensors="pt")
    assert torch.equal(torch.get_rng_state(), state)


def test_the_processor_in_a_forked_child_after_the_parent_used_it_does_not_hang(tmp_path):
    """`Dataset.map(process, batched=True, num_proc=2)` after trying the processor once in the notebook: datasets forks
    its workers, and torch's OpenMP thread pool, started by the parent's resize, cannot start in a forked child: the
    child's first parallel resize waited forever (the map never ended, 3 clips). In a forked child the processor runs
    its call on one thread, as torch's DataLoader workers do: it gives the parent's pixels, and leaves the child's
    thread count as it was for the child's own torch work (an at-fork hook registered by `import vivit_hf` had set
    one thread in every forked child, 2 -> 1)."""
    import os
    import signal
    import time

    video = write_video(tmp_path / "a.mp4", num_frames=8, height=48, width=64)
    # enlarged to 224 in torch, a resize big enough for torch to run it on its thread pool
    processor = ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 224}, crop_size=224)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # a pool of threads on any machine (a 1-core runner would start none)
    try:
        expected = processor(video, return_tensors="pt").pixel_values
        np.save(tmp_path / "expected.npy", expected.numpy())
        pid = os.fork()
        if pid == 0:  # the child: what a datasets map worker runs
            try:
                got = processor(video, return_tensors="pt").pixel_values.numpy()
                if torch.get_num_threads() != 2:
                    os._exit(5)
                os._exit(0 if np.array_equal(got, np.load(tmp_path / "expected.npy")) else 3)
            finally:
                os._exit(4)
    finally:
        torch.set_num_threads(threads)
    deadline = time.monotonic() + 60  # the child takes well under a second; on the old code it never ended
    while (waited := os.waitpid(pid, os.WNOHANG)) == (0, 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    if waited == (0, 0):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert waited != (0, 0), "the forked child never finished its processor call"
    status = os.waitstatus_to_exitcode(waited[1])
    assert status != 5, "the processor's call changed the forked child's torch thread count"
    assert status == 0, "the forked child's pixels are not the parent's"


def augmenting_dataset():
    from datasets import Dataset

    processor = ViViTVideoProcessor(**PROCESSOR, do_train_augment=True)

    def transform(batch):
        videos = [VIDEOS[i] for i in batch["index"]]
        pixel_values = processor(videos, do_sample_frames=True, return_tensors="pt").pixel_values
        return {"pixel_values": pixel_values, "labels": batch["label"]}

    data = Dataset.from_dict({"index": list(range(len(VIDEOS))), "label": [0, 1, 0, 1]})
    data.set_transform(transform)
    return data


def train(folder: Path, epochs: int, resume: str | None = None) -> torch.Tensor:
    model = tiny_classifier(num_labels=2)
    args = TrainingArguments(
        folder,
        remove_unused_columns=False,
        per_device_train_batch_size=2,
        num_train_epochs=epochs,
        save_strategy="epoch",
        learning_rate=1e-2,
        lr_scheduler_type="constant",
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
    )
    Trainer(model=model, args=args, train_dataset=augmenting_dataset()).train(resume_from_checkpoint=resume)
    return flat_weights(model)


def test_trainer_resumed_from_a_checkpoint_trains_as_the_uninterrupted_run_with_the_processor_augmenting(tmp_path):
    """Trainer restores torch's generator on resume, which makes a run with torch's random transforms resume
    exactly. The processor's stream was made from torch's seed, which Trainer sets again at the start: the resumed
    second epoch drew the first epoch's crops again, and the weights ended 0.03 off the uninterrupted run's."""
    whole = train(tmp_path / "whole", epochs=2)
    train(tmp_path / "stopped", epochs=1)
    resumed = train(tmp_path / "stopped", epochs=2, resume=str(tmp_path / "stopped" / "checkpoint-2"))
    torch.testing.assert_close(resumed, whole, rtol=0, atol=0)


# -- Trainer: the task guide's run on a video folder, then the saved folder without vivit_hf -----------------------


@pytest.fixture(scope="module")
def video_folder(tmp_path_factory) -> Path:
    """clips/{train,validation}/{bright,dark}/*.mp4, as `load_dataset("videofolder", data_dir=...)` reads it."""
    root = tmp_path_factory.mktemp("videofolder") / "clips"
    for split, count in (("train", 3), ("validation", 2)):
        for name, level in (("bright", 200), ("dark", 40)):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(count):
                frames = np.full((10, 40, 48, 3), level + 5 * i, dtype=np.uint8)
                write_video(folder / f"{name}{i}.mp4", num_frames=10, height=40, width=48, frames=frames)
    return root


SERVE = HIDE_VIVIT_HF + (
    "import json, torch\n"
    "from transformers import AutoModelForVideoClassification, AutoVideoProcessor, pipeline\n"
    "folder, videos = sys.argv[1], sys.argv[2:]\n"
    "model = AutoModelForVideoClassification.from_pretrained(folder, trust_remote_code=True).eval()\n"
    "processor = AutoVideoProcessor.from_pretrained(folder, trust_remote_code=True)\n"
    "with torch.no_grad():\n"
    "    logits = model(**processor(videos, return_tensors='pt')).logits\n"
    "pipe = pipeline('video-classification', model=folder, trust_remote_code=True)\n"
    "torch.save({'logits': logits, 'pipeline': [pipe(video, top_k=2) for video in videos]}, 'served.pt')\n"
)


def test_trainer_on_a_video_folder_keeps_the_best_model_and_its_folder_serves_without_vivit_hf(
    video_folder, tmp_path, hf_modules_cache
):
    from datasets import Video, load_dataset

    data = load_dataset("videofolder", data_dir=str(video_folder)).cast_column("video", Video(decode=False))
    names = data["train"].features["label"].names
    processor = ViViTVideoProcessor(**PROCESSOR)

    def transform(batch):
        out = processor(batch["video"], return_tensors="pt")  # datasets' {"path", "bytes"} dicts as given
        return {"pixel_values": out.pixel_values, "labels": batch["label"]}

    for split in data.values():
        split.set_transform(transform)
    model = tiny_classifier(
        "factorised_encoder", id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)}
    )

    def compute_metrics(prediction):
        return {"accuracy": float((np.argmax(prediction.predictions, axis=1) == prediction.label_ids).mean())}

    args = TrainingArguments(
        tmp_path / "out",
        remove_unused_columns=False,
        label_names=["labels"],
        eval_strategy="epoch",
        save_strategy="epoch",
        load_best_model_at_end=True,
        metric_for_best_model="loss",
        num_train_epochs=3,
        per_device_train_batch_size=2,
        per_device_eval_batch_size=3,
        learning_rate=3e-3,
        gradient_checkpointing=True,
        bf16=True,
        use_cpu=True,
        torch_compile=False,
        report_to=[],
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=data["train"],
        eval_dataset=data["validation"],
        processing_class=processor,
        compute_metrics=compute_metrics,
    )
    trainer.train()
    assert trainer.model.is_gradient_checkpointing
    history = [entry for entry in trainer.state.log_history if "eval_loss" in entry]
    best = min(history, key=lambda entry: entry["eval_loss"])
    assert trainer.state.best_model_checkpoint.endswith(f"checkpoint-{best['step']}")
    # the model at the end is the best checkpoint's, as a fresh load of that folder gives it
    saved = AutoModelForVideoClassification.from_pretrained(trainer.state.best_model_checkpoint)
    torch.testing.assert_close(flat_weights(trainer.model), flat_weights(saved), rtol=0, atol=0)
    trainer.save_model(tmp_path / "final")
    videos = [str(path) for path in sorted((video_folder / "validation").rglob("*.mp4"))]
    without_vivit_hf(hf_modules_cache, SERVE, tmp_path / "final", *videos, cwd=tmp_path)
    served = torch.load(tmp_path / "served.pt")
    saved.eval()
    with torch.no_grad():
        logits = saved(**processor(videos, return_tensors="pt")).logits
    torch.testing.assert_close(served["logits"], logits, rtol=0, atol=0)
    for row, scores in zip(logits.softmax(-1), served["pipeline"], strict=True):
        expected = sorted(((names[i], float(p)) for i, p in enumerate(row)), key=lambda pair: -pair[1])
        assert [entry["label"] for entry in scores] == [label for label, _ in expected]
        assert [entry["score"] for entry in scores] == pytest.approx([score for _, score in expected], abs=1e-6)


# -- the task guide's head swap, against transformers' own ViViT ---------------------------------------------------

GUIDE_LOADS = {
    "label2id and id2label": dict(label2id={"a": 0, "b": 1, "c": 2}, id2label={0: "a", 1: "b", 2: "c"}),
    "num_labels": dict(num_labels=3),
    "num_labels and id2label": dict(num_labels=3, id2label={0: "a", 1: "b", 2: "c"}),
    "names for the same classes": dict(id2label={i: f"x{i}" for i in range(5)}),
}


@pytest.mark.parametrize("load", GUIDE_LOADS, ids=list(GUIDE_LOADS))
@pytest.mark.parametrize("name", list(VIVIT_MODELS))
def test_a_new_head_at_load_is_the_one_transformers_vivit_gets(name, load, tmp_path):
    """`from_pretrained(checkpoint of 5 classes, ..., ignore_mismatched_sizes=True)` gives the labels, head size and
    a head started as a fresh model's (zero bias) that transformers' VivitForVideoClassification gets, the encoder
    as saved."""
    torch.manual_seed(0)
    VivitForVideoClassification(VivitConfig(**TINY, num_labels=5)).save_pretrained(tmp_path / "theirs")
    ours = tiny_classifier(name, num_labels=5)
    ours.save_pretrained(tmp_path / "ours")
    kwargs = dict(GUIDE_LOADS[load], ignore_mismatched_sizes=True)
    theirs = AutoModelForVideoClassification.from_pretrained(tmp_path / "theirs", **kwargs)
    loaded = AutoModelForVideoClassification.from_pretrained(tmp_path / "ours", **kwargs)
    for field in ("num_labels", "id2label", "label2id", "problem_type"):
        assert getattr(loaded.config, field) == getattr(theirs.config, field), field
    assert loaded.classifier.weight.shape == theirs.classifier.weight.shape
    if loaded.config.num_labels == 5:
        torch.testing.assert_close(loaded.classifier.weight, ours.classifier.weight, rtol=0, atol=0)
    else:
        assert not loaded.classifier.bias.any() and loaded.classifier.weight.std() > 0
    torch.testing.assert_close(flat_weights(loaded.vivit), flat_weights(ours.vivit), rtol=0, atol=0)


# -- a plain accelerate loop on two processes (run and checked in test_recipes_distributed's accelerate launch) ------

ACCELERATE_LOOP = """
import json, sys, torch
from accelerate import Accelerator
from torch.utils.data import DataLoader
from vivit_hf import VIVIT_MODELS

folder = sys.argv[1]
accelerator = Accelerator(cpu=True)
config_class, _, classifier_class = VIVIT_MODELS["factorised_encoder"]
torch.manual_seed(0)
model = classifier_class(config_class(**json.loads(sys.argv[2])))
data = torch.load(folder + "/data.pt")
train = DataLoader([dict(pixel_values=v, labels=l) for v, l in zip(*data["train"])], batch_size=2)
test = DataLoader([dict(pixel_values=v, labels=l) for v, l in zip(*data["test"])], batch_size=2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model, optimizer, train, test = accelerator.prepare(model, optimizer, train, test)

def step(batch):
    accelerator.backward(model(**batch).loss)
    optimizer.step()
    optimizer.zero_grad()

model.train()
batches = iter(train)
step(next(batches))
accelerator.save_state(folder + "/state")
step(next(batches))
continued = [p.detach().clone() for p in model.parameters()]
accelerator.load_state(folder + "/state")
batches = iter(train)
next(batches)
step(next(batches))
resumed = [p.detach() for p in model.parameters()]
model.eval()
logits, labels = [], []
for batch in test:
    with torch.no_grad():
        out = model(**batch).logits
    out, label = accelerator.gather_for_metrics((out, batch["labels"]))
    logits.append(out)
    labels.append(label)
record = dict(rank=accelerator.process_index, processes=accelerator.num_processes, threads=torch.get_num_threads(),
              resumed_off=max((a - b).abs().max().item() for a, b in zip(continued, resumed)))
json.dump(record, open(f"{folder}/rank{accelerator.process_index}.json", "w"))
if accelerator.is_main_process:
    torch.save(dict(logits=torch.cat(logits), labels=torch.cat(labels)), folder + "/gathered.pt")
    accelerator.unwrap_model(model).save_pretrained(folder + "/model", save_function=accelerator.save)
"""
