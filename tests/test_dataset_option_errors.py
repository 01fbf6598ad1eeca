# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A training set's broken videos are skipped and counted; an option no clip can be processed with is not a broken
video. `unreadable_training_set` (the recipe's check before the first step) took any ValueError from the first clip
for "every clip is unreadable"."""

import argparse

import pytest
from test_recipes_finetune import tiny_clip

from vivit_hf import ViViTVideoProcessor
from vivit_hf.training.data.dataset import ProcessorOptionError, VideoClassificationDataset
from vivit_hf.training.finetune import unreadable_training_set

ARGS = argparse.Namespace(dataset="my_videos", train_split="train")


def processor():
    return ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16})


def test_an_option_no_clip_can_be_processed_with_is_named_not_read_as_unreadable_videos(tmp_path):
    """`frame_stride` 0 set as an attribute (as the recipe sets its flags; a checkpoint's config may say it) failed on
    every clip, and the run said that none of the training clips could be decoded, every one unreadable."""
    tiny_clip(tmp_path / "a.mp4", label=0, seed=0)
    options = processor()
    options.frame_stride = 0
    dataset = VideoClassificationDataset([{"video": str(tmp_path / "a.mp4"), "label": 0}], options)
    with pytest.raises(ProcessorOptionError) as refused:
        unreadable_training_set(ARGS, dataset)
    said = str(refused.value)
    assert "frame_stride must be a positive integer, got 0" in said and "not at fault" in said, said
    assert "could be decoded" not in said and "unreadable" not in said, said


def test_broken_videos_are_still_skipped_counted_and_named_with_the_first_ones_error(tmp_path):
    from vivit_hf.training.data.dataset import NoDecodableClipError

    (tmp_path / "broken.mp4").write_bytes(b"not a video at all")
    tiny_clip(tmp_path / "good.mp4", label=1, seed=1)
    examples = [{"video": str(tmp_path / "broken.mp4"), "label": 0}, {"video": str(tmp_path / "good.mp4"), "label": 1}]
    dataset = VideoClassificationDataset(examples, processor())
    assert unreadable_training_set(ARGS, dataset) is None  # one clip decodes: trained on
    assert [bool(dataset[i]["valid"]) for i in range(2)] == [False, True]  # the broken one skipped and marked
    only_broken = VideoClassificationDataset(examples[:1], processor())
    with pytest.raises(NoDecodableClipError) as error:
        only_broken.sample_shape()
    assert error.value.first == str(tmp_path / "broken.mp4") and error.value.first_error is not None
    said = unreadable_training_set(ARGS, only_broken)
    assert said.startswith("none of the 1 training clips of my_videos (split train) could be decoded"), said
    assert f"(the first: {tmp_path / 'broken.mp4'}: " in said, said


def test_a_recipe_run_from_a_checkpoint_whose_processor_option_fails_names_the_option(videofolder, tmp_path):
    """As a user runs it: `--init_from` a model folder whose video processor config says `short_video: "bogus"` (a
    hand-edited config): the run said "none of the 12 training
    clips ... could be decoded: every one is unreadable", of videos that play. Streamed (`--streaming`, the clips
    decoded in a DataLoader worker), the same error was torch's worker traceback ("Caught ValueError in DataLoader
    worker process 0 ... Original Traceback"). Both paths end in one line naming the option, status 2 (argparse's,
    for the user's own flags and files), said as the model loads: the processor refuses such a config when built,
    and the line names the folder's config file to correct. That is before the two paths part (`build_model`, after
    the data is opened), so the streamed run (5 s: the clips sharded, then opened) is not run again here."""
    import json

    from test_recipes_evaluate import tiny_model
    from test_recipes_finetune import FINETUNE, run

    model = tmp_path / "model"
    tiny_model(model, ("up", "down"))
    config_file = model / "video_preprocessor_config.json"
    config_file.write_text(json.dumps({**json.loads(config_file.read_text()), "short_video": "bogus"}))
    dataset = ["--dataset", videofolder]
    flags = ["--init_from", model, "--num_frames", "4", "--crop_size", "16", "--resize_shortest_edge", "16"]
    flags += ["--num_workers", "0", "--with_tracking", "false"]
    flags += ["--per_device_train_batch_size", "2", "--num_train_epochs", "1"]
    result = run(FINETUNE, *dataset, "--output_dir", tmp_path / "out", *flags, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    line = result.stderr.strip().splitlines()[-1]
    # refused as the model loads, before any clip is read, naming the file to correct
    assert line.startswith(f"error: --init_from {model}: its video_preprocessor_config.json holds an option"), line
    assert "short_video must be one of" in line and "got 'bogus'" in line and "not at fault" in line, line
    assert "could be decoded" not in line, line
    assert not (tmp_path / "out" / "model.safetensors").exists()


@pytest.mark.parametrize("streaming", [False, True], ids=["map-style", "streamed"])
def test_evaluating_a_model_whose_processor_option_fails_is_one_line_on_both_paths(
    videofolder,
    tmp_path,
    streaming,
):
    """recipes/evaluate.py, the same model: map-style it said so in one line with status 1 (2 for the user's other
    flags and files); streamed, a traceback from the main process (StreamingLoader's error was not among evaluate's
    user errors). Both now end in one line naming the option, the model and its config file, status 2, and write no
    results."""
    import json

    from test_recipes_evaluate import tiny_model
    from test_recipes_finetune import EVALUATE, run

    from vivit_hf.training.data.shard import main as shard_main

    model = tmp_path / "model"
    tiny_model(model, ("up", "down"))
    config_file = model / "video_preprocessor_config.json"
    config_file.write_text(json.dumps({**json.loads(config_file.read_text()), "short_video": "bogus"}))
    dataset = ["--dataset", videofolder]
    if streaming:
        shard_main(["--dataset", str(videofolder), "--out", str(tmp_path / "shards"), "--shard_size", "1MB"])
        dataset = ["--dataset", tmp_path / "shards", "--dataset_format", "hub", "--streaming"]
    out = tmp_path / "eval"
    flags = ["--model", model, "--output_dir", out, "--num_workers", "1" if streaming else "0"]
    result = run(EVALUATE, *dataset, *flags, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: --model {model}: its video_preprocessor_config.json holds an option"), line
    assert "short_video must be one of" in line and "got 'bogus'" in line and "not at fault" in line, line
    assert not (out / "eval_results.json").exists()


def test_predicting_with_a_model_whose_processor_option_fails_names_the_config_file(tmp_path, capsys):
    """recipes/predict.py, the same model: transformers' pipeline takes an error loading the processor for none there,
    and the run said "The video-classification pipeline requires either a video processor or an image processor". It
    now names the option and the folder's config file, status 2, before any video is read."""
    import json

    from test_recipes_evaluate import tiny_model
    from test_recipes_finetune import tiny_clip
    from test_timeline_predict import load_predict

    model = tmp_path / "model"
    tiny_model(model, ("up", "down"))
    config_file = model / "video_preprocessor_config.json"
    config_file.write_text(json.dumps({**json.loads(config_file.read_text()), "short_video": "bogus"}))
    tiny_clip(tmp_path / "a.mp4", label=0, seed=0)
    argv = ["--model", str(model), "--videos", str(tmp_path / "a.mp4"), "--output_dir", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as ended:
        load_predict().main(argv)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert ended.value.code == 2, line
    assert line.startswith(f"predict.py: error: --model {model}: its video_preprocessor_config.json holds"), line
    assert "short_video must be one of" in line and "got 'bogus'" in line, line
    assert not (tmp_path / "out" / "predictions.jsonl").exists()


def test_an_evaluation_clip_whose_uncropped_views_do_not_fit_is_one_line_before_training(tmp_path, monkeypatch):
    """finetune.py `--init_from` a folder whose processor crops nothing (do_center_crop false, a shortest edge
    resized): training random-crops every clip to `crop_size` (a 16x24 clip trains as 16x16, not skipped as broken),
    but each evaluation clip's views are its own resized frames. A 16x24 one after a 16x16 one was a traceback at
    the first evaluation, an epoch of training later: torch's "Sizes of tensors must match" from a DataLoader worker
    where a batch held both, the model's where one held the 16x24 alone. Now the check before training passes the
    first clip and finds the 16x24 one from its container's header (decoded then to make sure), naming it; a clip
    whose header says nothing (a URL) is found by the loader's workers, which send the refusal to the main process,
    raised there as one line naming it."""
    from vivit_hf import ViViTSpatioTemporalConfig
    from vivit_hf.training.data import dataset
    from vivit_hf.training.data.dataset import evaluation_views_refusal, model_pixel_values
    from vivit_hf.training.finetune import build_dataloaders, build_datasets, evaluation_view_refusal

    examples = []
    for index, width in enumerate((16, 24, 16)):
        tiny_clip(tmp_path / f"{index}.mp4", label=0, seed=index, width=width)
        examples.append({"video": str(tmp_path / f"{index}.mp4"), "label": 0})
    options = processor()
    options.do_center_crop = False
    args = argparse.Namespace(
        init_from="model", eval_num_clips=1, eval_num_crops=1, seed=0, cache_decoded_videos="no", num_workers=2
    )
    args.per_device_train_batch_size = args.per_device_eval_batch_size = 2
    config = ViViTSpatioTemporalConfig(image_size=16)
    view_refusal = evaluation_view_refusal(args, options, config)
    train, evaluation = build_datasets(args, examples, examples, options, view_refusal)
    said = evaluation_views_refusal(view_refusal, options, args.eval_num_crops, evaluation)  # (it was None)
    assert said and said.startswith("--init_from model: its video processor crops nothing"), said
    named = f"; the first clip that does not: {tmp_path / '1.mp4'}"
    assert "made views of 16x24 pixels but the model takes 16x16" in said and said.endswith(named), said
    monkeypatch.setattr(dataset, "stored_frame_size", lambda source: None)  # headers that say nothing: as before
    assert evaluation_views_refusal(view_refusal, options, args.eval_num_crops, evaluation) is None
    training, evaluating = build_dataloaders(args, train, evaluation)
    assert [tuple(batch["pixel_values"].shape[-2:]) for batch in training] == [(16, 16)] * 2
    assert all(batch["valid"].all() for batch in training)  # the 16x24 clip cropped, not skipped as broken
    with pytest.raises(ProcessorOptionError) as refused:
        for batch in evaluating:
            model_pixel_values(batch)
    said = str(refused.value)
    assert "\n" not in said and said.startswith("--init_from model: its video processor crops nothing"), said
    assert "made views of 16x24 pixels but the model takes 16x16" in said, said
    assert said.endswith(named), said
    options.size = {"height": 12, "width": 16}  # a fixed size the model does not take: refused before training
    said = evaluation_views_refusal(view_refusal, options, args.eval_num_crops, evaluation)
    assert said and "made views of 12x16 pixels but the model takes 16x16" in said, said
    options.do_center_crop = True  # crops of the model's size: nothing to check
    assert evaluation_view_refusal(args, options, config) is None


def test_processes_each_read_their_share_of_the_evaluation_headers_and_all_say_the_first_refusal(tmp_path, monkeypatch):
    """The check before training of each evaluation clip's header (a processor that crops nothing) was every process's
    own, in full: Kinetics' 20 000 validation clips, read at about 1 600 headers/s (8 000 from a cold disk: 500/s),
    12-40 s on every process, as many times as there are processes. Now process r of W reads the headers of every
    W-th video from the r-th (a video's segments fall to one process, its header read once), and the first refusal
    of all of them (`first_across_processes`) is the one a single process finds: here rank 0 reads 3 of the 5 videos
    (video 2's two segments once) and rank 1 the one of its 2 it stops at, and rank 0, whose own share holds only the
    later odd clip, says the earlier one rank 1 found."""
    from vivit_hf import ViViTSpatioTemporalConfig
    from vivit_hf.training import agreement
    from vivit_hf.training.data import dataset
    from vivit_hf.training.finetune import build_datasets, evaluation_view_refusal

    examples = []
    for index, width in enumerate((16, 24, 16, 16, 24)):
        tiny_clip(tmp_path / f"{index}.mp4", label=0, seed=index, width=width)
        examples.append({"video": str(tmp_path / f"{index}.mp4"), "label": 0})
    examples.insert(3, dict(examples[2]))  # a second segment of video 2: its header read once, by video 2's process
    options = processor()
    options.do_center_crop = False
    args = argparse.Namespace(
        init_from="model", eval_num_clips=1, eval_num_crops=1, seed=0, cache_decoded_videos="no", num_workers=0
    )
    args.per_device_train_batch_size = args.per_device_eval_batch_size = 2
    view_refusal = evaluation_view_refusal(args, options, ViViTSpatioTemporalConfig(image_size=16))
    _, evaluation = build_datasets(args, examples, examples, options, view_refusal)
    read = []
    headers = dataset.stored_frame_size
    monkeypatch.setattr(dataset, "stored_frame_size", lambda source: read.append(source) or headers(source))
    alone = evaluation.header_refusal()
    assert alone and alone.endswith(f"; the first clip that does not: {tmp_path / '1.mp4'}"), alone
    assert len(read) == 2  # up to the first that does not fit
    shares = {}
    for rank in (0, 1):
        read.clear()
        shares[rank] = (evaluation.header_refusal_in(rank, 2), sorted(read))
    assert shares[0][1] == [str(tmp_path / f"{index}.mp4") for index in (0, 2, 4)]
    assert shares[1][1] == [str(tmp_path / "1.mp4")]  # its first refused: 3.mp4 unread
    assert shares[0][0][0] == 5 and shares[1][0] == (1, alone)  # (4.mp4 is example 5, after video 2's two segments)
    assert min(found for found, _ in shares.values())[1] == alone  # what first_across_processes says on every rank
    assert agreement.first_across_processes(evaluation.header_refusal_in) == alone  # one process: nothing exchanged


def test_first_across_processes_exchanges_once_whatever_a_process_finds_or_raises(monkeypatch):
    """On several processes every process joins the one exchange whatever its own share gave: a finding, nothing, or
    an exception (a process that raised before the exchange would leave the others waiting in it for ever). The
    lowest position wins; a process whose look raised is named on the others and raises its own on itself."""
    from vivit_hf.training import agreement

    sent = []
    monkeypatch.setattr(agreement.dist, "is_available", lambda: True)
    monkeypatch.setattr(agreement.dist, "is_initialized", lambda: True)
    monkeypatch.setattr(agreement.dist, "get_world_size", lambda: 3)
    monkeypatch.setattr(agreement.dist, "get_rank", lambda: 0)

    def exchange(others):
        monkeypatch.setattr(agreement, "_gather", lambda mine: sent.append(mine) or [mine, *others])

    def broken(rank, world_size):
        raise OSError("disk gone")

    quiet = {"found": None, "error": None, "where": "rank 1"}
    exchange([{**quiet, "found": (7, "late")}, {**quiet, "found": (2, "early"), "where": "rank 2"}])
    assert agreement.first_across_processes(lambda rank, world_size: (9, "mine")) == "early"
    exchange([quiet, quiet])
    assert agreement.first_across_processes(lambda rank, world_size: None) is None
    with pytest.raises(OSError, match="disk gone"):  # its own error, once the others have heard of it
        agreement.first_across_processes(broken)
    assert sent[-1]["error"] == "OSError: disk gone"
    exchange([{**quiet, "error": "OSError: disk gone"}, quiet])
    with pytest.raises(SystemExit, match="^error: rank 1 failed: OSError: disk gone$"):
        agreement.first_across_processes(lambda rank, world_size: (0, "mine"))
    assert len(sent) == 4  # one exchange a call, on every path


def test_evaluate_and_finetune_check_the_evaluation_views_in_one_order():
    """evaluate.py's view-size check (streamed: the processor's rule; whole: the first clip) and finetune.py's (the
    rule, else the first clip) were two shapes of one check: now one, `evaluation_views_refusal`, in one order. The
    views' fixed size first, no clip read; else the first clip that decodes (evaluate.py reads it before, for its own
    refusals); then the later clips' headers; nothing where the first clip cannot be read (said where it is)."""
    from vivit_hf.training.data.dataset import evaluation_views_refusal

    class Processor:
        def __init__(self, view):
            self.view = view

        def view_size(self, num_crops):
            if isinstance(self.view, Exception):
                raise self.view
            return self.view

    class Dataset:
        def __init__(self, first, later=None):
            self.first, self.later, self.read = first, later, []

        def sample_shape(self):
            self.read.append("first")
            if isinstance(self.first, Exception):
                raise self.first
            return self.first

        def header_refusal(self):
            self.read.append("headers")
            return self.later

    def refusal(view):
        return None if tuple(view[-2:]) == (16, 16) else f"views of {view[-2]}x{view[-1]}"

    unread = Dataset(ValueError("no clip decodes"))
    assert evaluation_views_refusal(refusal, Processor((12, 16)), 1, unread) == "views of 12x16" and not unread.read
    assert evaluation_views_refusal(refusal, Processor((12, 16)), 1) == "views of 12x16"  # streamed: no data set
    assert evaluation_views_refusal(refusal, Processor(None), 1) is None  # streamed: each clip as it is read
    assert evaluation_views_refusal(None, Processor((12, 16)), 1, unread) is None  # crops checked elsewhere
    odd_first = Dataset((2, 3, 16, 24), "a later clip")
    assert evaluation_views_refusal(refusal, Processor(None), 1, odd_first) == "views of 16x24"
    assert odd_first.read == ["first"]  # the first clip's line, not a later one's
    fits = Dataset((2, 3, 16, 16), "a later clip")
    assert evaluation_views_refusal(refusal, Processor(None), 1, fits) == "a later clip"
    assert fits.read == ["first", "headers"]
    assert evaluation_views_refusal(refusal, Processor(None), 1, unread) is None
    assert evaluation_views_refusal(refusal, Processor(TypeError("options")), 1, odd_first) == "views of 16x24"
