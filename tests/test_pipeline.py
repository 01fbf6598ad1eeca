# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""pipeline("video-classification") with each of the four models and ViViTVideoProcessor: transformers' own pipeline
(single view), and ours asked for by name with `pipeline_class=` (multi-view test, label spaces)."""

import logging
import math

import numpy as np
import pytest
import torch
from transformers import AutoModelForVideoClassification, AutoVideoProcessor, pipeline
from video_factory import write_video

import vivit_hf  # noqa: F401  (registers the four configs and models with the Auto classes)
from vivit_hf import VIVIT_MODELS, ViViTVideoClassificationPipeline, ViViTVideoProcessor

LOGGER = "vivit_hf.processing.processing_vivit"

TINY = dict(
    image_size=32,
    num_frames=4,
    tubelet_size=[2, 16, 16],
    hidden_size=32,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=64,
    num_labels=3,
    id2label={0: "run", 1: "jump", 2: "swim"},
    label2id={"run": 0, "jump": 1, "swim": 2},
)
PROCESSOR = dict(
    num_frames=4,
    frame_stride=2,
    size={"shortest_edge": 36},
    crop_size={"height": 32, "width": 32},
    decode_backend="pyav",
)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("pipe") / "clip.mp4", num_frames=24, height=48, width=64)


@pytest.fixture(scope="module", params=list(VIVIT_MODELS))
def model_dir(request, tmp_path_factory):
    config_class, _, classifier_class = VIVIT_MODELS[request.param]
    torch.manual_seed(0)
    model = classifier_class(config_class(**TINY)).eval()
    path = tmp_path_factory.mktemp(request.param)
    model.save_pretrained(path)
    ViViTVideoProcessor(**PROCESSOR).save_pretrained(path)
    return path


def vivit_pipeline(model):
    return pipeline("video-classification", model=str(model), pipeline_class=ViViTVideoClassificationPipeline)


def test_import_leaves_transformers_pipeline_registry_alone():
    from transformers.pipelines import PIPELINE_REGISTRY

    impl = PIPELINE_REGISTRY.supported_tasks["video-classification"]["impl"]  # transformers 5 keeps a dotted path
    assert getattr(impl, "__qualname__", impl).rsplit(".", 1)[-1] == "VideoClassificationPipeline", impl


@pytest.mark.parametrize(
    "make",
    [lambda model: pipeline("video-classification", model=str(model)), vivit_pipeline],
    ids=["transformers_pipeline", "vivit_pipeline"],
)
def test_pipeline_classifies_a_video_file(model_dir, video, make):
    classifier = make(model_dir)
    assert isinstance(classifier.video_processor, ViViTVideoProcessor)
    results = classifier(video, top_k=3)
    assert sorted(r["label"] for r in results) == ["jump", "run", "swim"]
    assert sum(r["score"] for r in results) == pytest.approx(1.0, abs=1e-5)


def test_transformers_pipeline_and_ours_agree_on_one_view(model_dir, video):
    theirs = pipeline("video-classification", model=str(model_dir))(video, top_k=3)
    ours = vivit_pipeline(model_dir)(video, top_k=3)
    assert [r["label"] for r in theirs] == [r["label"] for r in ours]
    assert [r["score"] for r in theirs] == pytest.approx([r["score"] for r in ours], abs=1e-6)


def test_pipeline_multi_view_averages_logits_of_all_views(model_dir, video):
    classifier = vivit_pipeline(model_dir)
    assert isinstance(classifier, ViViTVideoClassificationPipeline)
    results = classifier(video, num_clips=2, num_crops=3, top_k=3)
    inputs = classifier.video_processor(video, num_clips=2, num_crops=3, return_tensors="pt")
    assert inputs.pixel_values.shape == (6, 4, 3, 32, 32)
    with torch.no_grad():
        probabilities = classifier.model(**inputs).logits.mean(0).softmax(-1)
    expected = {classifier.model.config.id2label[i]: p.item() for i, p in enumerate(probabilities)}
    for result in results:
        assert result["score"] == pytest.approx(expected[result["label"]], abs=1e-5)


# -- the results' form, as transformers' own pipeline test gives it: its tests/pipelines/ is not in the sdist, and
# its video test reads a Hub video, so its checks are made here: `top_k` elements, each a `{"label": str, "score":
# float}` that matches the Hub's inference spec (what an inference endpoint or widget reads) --------------------
def assert_hub_spec(results, top_k):
    from huggingface_hub import VideoClassificationOutputElement
    from transformers.testing_utils import compare_pipeline_output_to_hub_spec

    assert len(results) == top_k, results
    for element in results:
        compare_pipeline_output_to_hub_spec(element, VideoClassificationOutputElement)
        assert type(element["label"]) is str and type(element["score"]) is float, element


@pytest.mark.parametrize(
    "make, options",
    [
        # transformers' pipeline batches only with a tokenizer, feature extractor or image processor: a list of
        # videos is scored one at a time there
        (lambda model: pipeline("video-classification", model=str(model)), {}),
        (vivit_pipeline, dict(batch_size=2, num_clips=2, num_crops=3)),
    ],
    ids=["transformers_pipeline", "vivit_pipeline_six_views"],
)
def test_pipeline_results_match_the_hub_spec_for_a_video_and_a_batch(model_dir, video, make, options):
    classifier = make(model_dir)
    views = {key: value for key, value in options.items() if key != "batch_size"}
    assert_hub_spec(classifier(video, top_k=2, **views), top_k=2)
    batched = classifier([video, video], top_k=2, **options)
    assert len(batched) == 2
    for results in batched:
        assert_hub_spec(results, top_k=2)


# -- named label spaces (Epic Kitchens): each head scored on its own, actions as verb x noun ------------------
HEADS = dict(
    label_spaces={"noun": 3, "verb": 2},
    id2label={0: "noun:tap", 1: "noun:pan", 2: "noun:cup", 3: "verb:open", 4: "verb:wash"},
)


@pytest.fixture(scope="module")
def heads_dir(tmp_path_factory):
    config_class, _, classifier_class = VIVIT_MODELS["factorised_encoder"]
    torch.manual_seed(0)
    tiny = {k: v for k, v in TINY.items() if k not in ("num_labels", "id2label", "label2id")}
    model = classifier_class(config_class(**tiny, **HEADS)).eval()
    with torch.no_grad():  # spread the logits so the probabilities differ clearly from a uniform 1/5
        model.classifier.weight.mul_(40.0)
    path = tmp_path_factory.mktemp("heads")
    model.save_pretrained(path)
    ViViTVideoProcessor(**PROCESSOR).save_pretrained(path)
    return path


def _softmax_by_hand(values):
    exps = [math.exp(v - max(values)) for v in values]
    return [e / sum(exps) for e in exps]


@pytest.mark.parametrize("views", [dict(), dict(num_clips=2, num_crops=3)])
def test_pipeline_scores_each_label_space_on_its_own_and_actions_as_products(heads_dir, video, views, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    classifier = vivit_pipeline(heads_dir)
    inputs = classifier.video_processor(video, return_tensors="pt", **views)
    with torch.no_grad():
        logits = classifier.model(**inputs).logits.mean(0).tolist()  # views averaged before any softmax
    noun = dict(zip(["tap", "pan", "cup"], _softmax_by_hand(logits[:3])))  # config order: noun (3), then verb (2)
    verb = dict(zip(["open", "wash"], _softmax_by_hand(logits[3:])))
    result = classifier(video, top_k=10, **views)
    assert set(result) == {"noun", "verb", "action"}
    # each head: its own softmax over its own classes, labels without the "head:" prefix, best first
    for head, expected in (("noun", noun), ("verb", verb)):
        assert [r["label"] for r in result[head]] == sorted(expected, key=expected.get, reverse=True)
        for r in result[head]:
            assert r["score"] == pytest.approx(expected[r["label"]], abs=1e-5)
        assert sum(r["score"] for r in result[head]) == pytest.approx(1.0, abs=1e-5)
    # actions: every (verb, noun) pair, scored p(verb) * p(noun)
    pairs = {(v, n): verb[v] * noun[n] for v in verb for n in noun}
    assert len(result["action"]) == 6
    assert [(a["verb"], a["noun"]) for a in result["action"]] == sorted(pairs, key=pairs.get, reverse=True)
    for a in result["action"]:
        assert a["label"] == f"{a['verb']} {a['noun']}"
        assert a["score"] == pytest.approx(pairs[(a["verb"], a["noun"])], abs=1e-5)
    top2 = classifier(video, top_k=2, **views)  # top_k applies per head and to actions
    assert [len(top2[k]) for k in ("noun", "verb", "action")] == [2, 2, 2]
    assert top2["action"] == result["action"][:2]
    assert not [r for r in caplog.records if "label spaces" in r.getMessage()]  # (transformers' pipeline's warning)


def test_transformers_pipeline_says_it_ranks_the_label_spaces_together(heads_dir, video, caplog):
    """transformers' own pipeline takes one softmax over the verb and noun heads' 5 classes and ranks them in one
    list: no head's probabilities, said in the docs alone. Its first call says so, naming our pipeline."""
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        theirs = pipeline("video-classification", model=str(heads_dir))
        scores = theirs(video, top_k=5)
        theirs.preprocess(video)  # said once (the call's processing is where it is said)
    assert {r["label"] for r in scores} == set(HEADS["id2label"].values())  # (the case: 5 classes, one softmax)
    assert sum(r["score"] for r in scores) == pytest.approx(1.0, abs=1e-5)
    said = [r.getMessage() for r in caplog.records if "label spaces" in r.getMessage()]
    assert said == [
        "transformers' pipeline('video-classification') scores this model's 2 label spaces (noun: 3, verb: 2) as "
        "one list: its softmax is taken over all 5 classes together (a noun class competes with the verb ones: its "
        "score is no head's probability) and top_k ranks them together. Build it with "
        "`pipeline_class=ViViTVideoClassificationPipeline` (from vivit_hf), which scores each head on its own (and "
        "verb-noun actions)."
    ]


def test_pipeline_label_spaces_read_labels_keyed_by_strings(heads_dir, video):
    """`config.id2label` set from a JSON file is keyed by strings: every class was named `LABEL_<i>`."""
    classifier = vivit_pipeline(heads_dir)
    expected = classifier(video, top_k=10)
    classifier.model.config.id2label = {str(i): label for i, label in HEADS["id2label"].items()}
    assert classifier(video, top_k=10) == expected


def test_pipeline_one_head_reads_labels_keyed_by_strings(model_dir, video):
    """The same with one head: transformers' postprocess reads `id2label[0]`, a bare KeyError: 0."""
    classifier = vivit_pipeline(model_dir)
    expected = classifier(video, top_k=3)
    classifier.model.config.id2label = {str(i): label for i, label in TINY["id2label"].items()}
    assert classifier(video, top_k=3) == expected
    for result in classifier([video, video], batch_size=2, top_k=3):  # (a batch's logits differ in the last bits)
        assert [r["label"] for r in result] == [r["label"] for r in expected]


def test_pipeline_refuses_labels_numbered_past_the_classifier(heads_dir, video):
    """A config whose id2label skips a number (`{0: ..., 2: ...}` for 2 outputs, a hand edit) scored output 1 as
    `LABEL_1` and never named the class numbered 2: refused naming both."""
    classifier = vivit_pipeline(heads_dir)
    names = dict(classifier.model.config.id2label)
    classifier.model.config.id2label = {**{i: n for i, n in names.items() if i != 1}, len(names): names[1]}
    with pytest.raises(ValueError, match=rf"numbers classes \[{len(names)}\] but its classifier has {len(names)} "
                       rf"outputs, 0 \.\. {len(names) - 1}: output \[1\] would be scored with no name"):  # fmt: skip
        classifier(video, top_k=10)
    # names set on the loaded model, one more than its classifier's outputs: num_labels (the names' count) agreed
    # with them, and the class numbered past the outputs was never scored, without a word
    classifier.model.config.id2label = {**names, len(names): "extra"}
    with pytest.raises(ValueError, match=rf"numbers classes \[{len(names)}\] but its classifier has {len(names)} "
                       rf"outputs, 0 \.\. {len(names) - 1}: class \[{len(names)}\] would never be scored"):  # fmt: skip
        classifier(video, top_k=10)


def test_pipeline_label_spaces_with_raw_logits_has_no_actions(heads_dir, video):
    # "none" gives each head's logits as scores; a product of logits is no score, so no actions
    classifier = vivit_pipeline(heads_dir)
    inputs = classifier.video_processor(video, return_tensors="pt")
    with torch.no_grad():
        logits = classifier.model(**inputs).logits[0].tolist()
    result = classifier(video, function_to_apply="none", top_k=3)
    assert set(result) == {"noun", "verb"}
    assert {r["label"]: r["score"] for r in result["verb"]} == pytest.approx(
        {"open": logits[3], "wash": logits[4]}, abs=1e-5
    )


# -- options the pipeline's messages suggest must be accepted ---------------------------------------------------
def test_pipeline_accepts_the_short_video_option_its_error_suggests(model_dir, tmp_path):
    one_frame = write_video(tmp_path / "one.mp4", num_frames=1, height=48, width=64)
    classifier = vivit_pipeline(model_dir)
    with pytest.raises(ValueError, match="pass short_video='loop' or 'pad'"):
        classifier(one_frame)
    for policy in ("loop", "pad"):  # each suggestion works on the pipeline, as the message spells it
        results = classifier(one_frame, short_video=policy, top_k=3)
        assert sorted(r["label"] for r in results) == ["jump", "run", "swim"]
    with pytest.raises(ValueError, match="short_video must be one of"):
        classifier(one_frame, short_video="wrap")


# -- a misspelt option is named, with the closest valid one ----------------------------------------------------
def test_pipeline_names_a_misspelt_option_the_closest_valid_one_and_the_valid_list(model_dir, video):
    classifier = vivit_pipeline(model_dir)
    closest = r"'num_clip' \(did you mean 'num_clips'\?\)"
    with pytest.raises(ValueError, match=closest + r".*valid ones: \[.*'batch_size'.*'num_crops'.*'short_video'"):
        classifier(video, num_clip=4)
    with pytest.raises(ValueError, match=closest):  # at construction too, where transformers passes its options
        pipeline(
            "video-classification", model=str(model_dir), pipeline_class=ViViTVideoClassificationPipeline, num_clip=4
        )


def test_pipeline_points_processor_option_names_to_where_they_go(model_dir, video):
    classifier = vivit_pipeline(model_dir)
    with pytest.raises(ValueError, match=r"'frame_stride' \(the pipeline calls it 'frame_sampling_rate'\)"):
        classifier(video, frame_stride=2)
    with pytest.raises(
        ValueError, match=r"'sampling_mode' \(a processor option .* `pipe\.video_processor\.sampling_mode`\)"
    ):
        classifier(video, sampling_mode="uniform")


# -- batch_size > 1: the video processor collates (transformers' Pipeline collates only with a tokenizer, a
# feature extractor or an image processor, and refused "Pipeline without tokenizer or feature_extractor") ----------
@pytest.fixture(scope="module")
def three_videos(tmp_path_factory):
    """Three files whose clips differ (lengths and sizes differ, so the sampled frames and the resize differ)."""
    folder = tmp_path_factory.mktemp("batch")
    return [
        str(write_video(folder / "a.mp4", num_frames=24, height=48, width=64)),
        str(write_video(folder / "b.mp4", num_frames=40, height=64, width=48)),
        str(write_video(folder / "c.mp4", num_frames=12, height=40, width=40)),
    ]


def _scores_by_hand(classifier, video, views: dict) -> dict:
    """Each label's probability: the model on the processor's views of `video`, logits averaged, softmax."""
    inputs = classifier.video_processor(video, return_tensors="pt", **views)
    with torch.no_grad():
        probabilities = classifier.model(**inputs).logits.mean(0).softmax(-1)
    return {classifier.model.config.id2label[i]: p.item() for i, p in enumerate(probabilities)}


@pytest.mark.parametrize("views", [{}, {"num_clips": 2, "num_crops": 3}], ids=["one_view", "six_views"])
def test_pipeline_batch_size_2_scores_each_video_as_one_at_a_time(model_dir, three_videos, views):
    classifier = vivit_pipeline(model_dir)
    batched = classifier(three_videos, batch_size=2, top_k=3, **views)  # batches of 2, then 1
    assert len(batched) == 3
    for video, results in zip(three_videos, batched):
        expected = _scores_by_hand(classifier, video, views)
        assert {r["label"]: r["score"] for r in results} == pytest.approx(expected, abs=1e-5)


def test_pipeline_batch_size_2_with_label_spaces_scores_each_head_per_video(heads_dir, three_videos):
    classifier = vivit_pipeline(heads_dir)
    batched = classifier(three_videos, batch_size=2, top_k=3)
    for video, result in zip(three_videos, batched):
        inputs = classifier.video_processor(video, return_tensors="pt")
        with torch.no_grad():
            logits = classifier.model(**inputs).logits[0]
        nouns, verbs = _softmax_by_hand(logits[:3].tolist()), _softmax_by_hand(logits[3:].tolist())
        assert {r["label"]: r["score"] for r in result["noun"]} == pytest.approx(
            dict(zip(["tap", "pan", "cup"], nouns)), abs=1e-5
        )
        assert {r["label"]: r["score"] for r in result["verb"]} == pytest.approx(
            dict(zip(["open", "wash"], verbs)), abs=1e-5
        )


# -- a processor saved in training mode (transformers' Trainer saves its processing_class, the training processor):
# inference stays deterministic, with the test clip and centre crop ---------------------------------------------
TRAINING = dict(do_train_augment=True, do_color_jitter=True, color_jitter_prob=1.0, rand_augment=[2, 9])


@pytest.fixture(scope="module")
def training_dirs(tmp_path_factory):
    """The same tiny model saved twice: with the processor in training mode, and in eval mode."""
    config_class, _, classifier_class = VIVIT_MODELS["factorised_encoder"]
    torch.manual_seed(0)
    model = classifier_class(config_class(**TINY)).eval()
    with torch.no_grad():  # spread the logits, so another clip or crop moves the scores clearly
        model.classifier.weight.mul_(40.0)
    folders = {}
    for name, options in (("train", {**PROCESSOR, **TRAINING}), ("eval", PROCESSOR)):
        folders[name] = tmp_path_factory.mktemp(name)
        model.save_pretrained(folders[name])
        ViViTVideoProcessor(**options).save_pretrained(folders[name])
    return folders


@pytest.mark.parametrize("views", [{}, {"num_clips": 2, "num_crops": 3}], ids=["one_view", "six_views"])
def test_pipeline_with_a_processor_saved_in_training_mode_scores_the_test_views(training_dirs, video, views):
    classifier = vivit_pipeline(training_dirs["train"])
    classifier.video_processor.do_train_augment = True  # as if loaded so: the pipeline turns it off per call
    first, second = (classifier(video, top_k=3, **views) for _ in range(2))
    assert first == second
    # by hand: the model on an eval-mode processor's views (test clips, centre / three crops), logits averaged
    views_by_hand = ViViTVideoProcessor(**PROCESSOR)(video, num_frames=4, return_tensors="pt", **views)
    with torch.no_grad():
        probabilities = classifier.model(**views_by_hand).logits.mean(0).softmax(-1).tolist()
    expected = {TINY["id2label"][i]: p for i, p in enumerate(probabilities)}
    assert {r["label"]: r["score"] for r in first} == pytest.approx(expected, abs=1e-5)
    batched = classifier([video, video], batch_size=2, top_k=3, **views)  # the batched path calls preprocess too
    assert [{r["label"]: r["score"] for r in result} for result in batched] == [pytest.approx(expected, abs=1e-5)] * 2


def test_pipeline_timeline_with_a_processor_saved_in_training_mode_is_the_eval_processors(training_dirs, video):
    timeline = vivit_pipeline(training_dirs["train"])(video, window="8f", top_k=3)
    expected = vivit_pipeline(training_dirs["eval"])(video, window="8f", top_k=3)
    assert len(timeline["windows"]) > 1
    assert timeline == expected


def test_a_processor_saved_in_training_mode_loads_for_inference_and_says_how_to_train(training_dirs, caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert not ViViTVideoProcessor.from_pretrained(training_dirs["eval"]).do_train_augment
        assert not caplog.records
        kept = ViViTVideoProcessor.from_pretrained(training_dirs["train"], do_train_augment=True)
        assert kept.do_train_augment and kept.do_color_jitter and kept.rand_augment == [2, 9]
        assert not caplog.records
        loaded = AutoVideoProcessor.from_pretrained(training_dirs["train"])
    (record,) = caplog.records
    assert "saved in training mode (do_train_augment=True)" in record.getMessage()
    assert "pass do_train_augment=True" in record.getMessage()
    assert not loaded.do_train_augment
    assert loaded.do_color_jitter and loaded.rand_augment == [2, 9]  # the rest as saved, for a later training call


def test_transformers_plain_pipeline_with_a_processor_saved_in_training_mode_is_deterministic(training_dirs, video):
    """transformers' own pipeline calls the processor as loaded (it cannot ask for inference): it gives the same
    scores every call, those of the folder saved with the eval processor."""
    theirs = pipeline("video-classification", model=str(training_dirs["train"]))
    assert type(theirs).__name__ == "VideoClassificationPipeline"
    first, second = (theirs(video, top_k=3) for _ in range(2))
    assert first == second
    expected = pipeline("video-classification", model=str(training_dirs["eval"]))(video, top_k=3)
    assert first == expected


def test_pipeline_timeline_of_a_float_video_scores_its_float_frames_as_a_call_does(model_dir):
    """The timeline rounded a float video to uint8 before the processor, which takes floats as they are: each
    window's logits were 2e-4 to 3e-4 off those of the model on the processor's views of the same frames."""
    from vivit_hf.processing.timeline import plan_windows

    classifier = vivit_pipeline(model_dir)
    video = (np.random.default_rng(0).random((16, 40, 48, 3)) * 255).astype(np.float32)  # [0, 255], not whole
    timeline = classifier(video, window="8f", function_to_apply="none", top_k=3)
    for result, window in zip(timeline["windows"], plan_windows(16, None, "8f", None, 4), strict=True):
        inputs = classifier.video_processor(video[list(window.frames)], do_sample_frames=False, return_tensors="pt")
        with torch.no_grad():
            logits = classifier.model(**inputs).logits[0]
        expected = {classifier.model.config.id2label[i]: value.item() for i, value in enumerate(logits)}
        assert {r["label"]: r["score"] for r in result["predictions"]} == pytest.approx(expected, abs=1e-6)


# -- a saved processor config holding an option the processor refuses: transformers' pipeline takes the error for no
# processor at all ("requires either a video processor or an image processor"), which named neither file nor option --
@pytest.fixture()
def refused_config_dir(training_dirs, tmp_path):
    import json
    import shutil

    folder = shutil.copytree(training_dirs["eval"], tmp_path / "model")
    config_file = folder / "video_preprocessor_config.json"
    config_file.write_text(json.dumps({**json.loads(config_file.read_text()), "sampling_mode": "random"}))
    return folder


@pytest.mark.parametrize("saved_as", ["video_preprocessor_config.json", "preprocessor_config.json"])
def test_vivit_pipeline_names_the_file_and_option_of_a_refused_saved_processor(refused_config_dir, saved_as):
    # (transformers reads preprocessor_config.json where a folder has no video_preprocessor_config.json)
    (refused_config_dir / "video_preprocessor_config.json").rename(refused_config_dir / saved_as)
    with pytest.raises(ValueError, match=f" {saved_as} holds an option") as refused:
        vivit_pipeline(refused_config_dir)
    message = str(refused.value)
    assert str(refused_config_dir) in message and "sampling_mode must be one of" in message and "'random'" in message
    assert "requires either a video processor" not in message


def test_transformers_pipeline_logs_the_option_of_a_refused_saved_processor(refused_config_dir, caplog):
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        with pytest.raises(ValueError, match="requires either a video processor"):  # transformers' own error, kept
            pipeline("video-classification", model=str(refused_config_dir))
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "video_preprocessor_config.json, else preprocessor_config.json" in record.getMessage()
    assert "sampling_mode must be one of" in record.getMessage() and "'random'" in record.getMessage()


def test_transformers_pipeline_log_names_processor_configs_nested_video_processor(refused_config_dir, caplog):
    """transformers reads a `processor_config.json` holding a `video_processor` before the folder's other files (its
    v5 save): a refused option there was logged as one of video_preprocessor_config.json / preprocessor_config.json,
    which here are fine. The reference: `saved_config_name`, the file the ViViT pipeline's error names."""
    import json

    from vivit_hf.processing.processor_options import saved_config_name

    config_file = refused_config_dir / "video_preprocessor_config.json"
    nested = json.loads(config_file.read_text())
    config_file.write_text(json.dumps({**nested, "sampling_mode": "stride"}))  # fine: not the one read
    (refused_config_dir / "processor_config.json").write_text(json.dumps({"video_processor": nested}))
    assert saved_config_name(refused_config_dir) == "processor_config.json"
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        with pytest.raises(ValueError, match="requires either a video processor"):
            pipeline("video-classification", model=str(refused_config_dir))
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert 'the "video_processor" in processor_config.json' in record.getMessage()
    assert "sampling_mode must be one of" in record.getMessage() and "'random'" in record.getMessage()


def test_vivit_pipeline_without_any_processor_keeps_transformers_error(training_dirs, tmp_path):
    import shutil

    folder = shutil.copytree(training_dirs["eval"], tmp_path / "model")
    (folder / "video_preprocessor_config.json").unlink()
    with pytest.raises(ValueError, match="requires either a video processor or an image processor"):
        vivit_pipeline(folder)


# -- frame_sampling_rate where the processor samples no rate (sampling_mode="uniform": the clip spread over the whole
# video): passed as the call's frame_stride, it changed no frame, and the pipeline answered as if it had ----------
def test_pipeline_refuses_a_frame_sampling_rate_its_uniform_processor_would_ignore(training_dirs, video):
    classifier = vivit_pipeline(training_dirs["eval"])
    classifier.video_processor.sampling_mode = "uniform"
    uniform = classifier(video, top_k=3)
    with pytest.raises(ValueError, match=r"frame_sampling_rate changes no frame: .* sampling_mode='uniform'"):
        classifier(video, frame_sampling_rate=3, top_k=3)
    classifier.video_processor.sampling_mode = "stride"  # as the message says: the rate then picks the frames
    assert classifier(video, frame_sampling_rate=3, top_k=3) != uniform


# -- a processor saved with several views (num_clips > 1, num_crops = 3) under transformers' own pipeline, which
# scores the first view alone (logits[0]: the first clip's first crop): it did so without a word ----------------
def test_transformers_pipeline_warns_once_that_it_scores_one_of_the_saved_views(training_dirs, video, tmp_path, caplog):
    import shutil

    folder = shutil.copytree(training_dirs["eval"], tmp_path / "model")
    ViViTVideoProcessor(**PROCESSOR, num_clips=2, num_crops=3).save_pretrained(folder)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        theirs = pipeline("video-classification", model=str(folder))
        first = theirs(video, top_k=3)
        assert theirs(video, top_k=3) == first
    (record,) = [r for r in caplog.records if "first of the 6 views" in r.getMessage()]
    assert "pipeline_class=ViViTVideoClassificationPipeline" in record.getMessage()
    # the view it scored: the processor's first, alone
    view = ViViTVideoProcessor(**PROCESSOR, num_clips=2, num_crops=3)(video, num_frames=4, return_tensors="pt")
    with torch.no_grad():
        probabilities = theirs.model(pixel_values=view["pixel_values"][:1]).logits[0].softmax(-1).tolist()
    # (the pipeline ran all 6 views as one batch: another GEMM blocking than this batch of 1, ~1e-6 apart)
    expected = dict(zip(TINY["label2id"], probabilities))
    assert {r["label"]: r["score"] for r in first} == pytest.approx(expected, rel=1e-5, abs=1e-6)
    saved = tmp_path / "saved"
    theirs.video_processor.save_pretrained(saved)  # the mark is the loaded instance's, never saved
    assert "pipeline" not in (saved / "video_preprocessor_config.json").read_text()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):  # ours averages the views: nothing to say
        ours = vivit_pipeline(folder)(video, top_k=3)
    assert not [r for r in caplog.records if "views" in r.getMessage()]
    assert ours != first


# -- a video processor given as the image processor (`image_processor=`, the name transformers' video pipelines took
# before video processors): transformers' pipeline decoded the first num_frames frames itself and handed them over as
# images, skipping the processor's sampling; ours did the same, and scored another clip than `video_processor=` -------
def test_a_video_processor_given_as_the_image_processor_samples_as_the_video_processor(training_dirs, video, caplog):
    model = AutoModelForVideoClassification.from_pretrained(training_dirs["eval"])
    processor = ViViTVideoProcessor(**PROCESSOR)
    expected = pipeline("video-classification", model=model, video_processor=processor)(video, top_k=3)
    ours = pipeline(
        "video-classification", model=model, image_processor=processor, pipeline_class=ViViTVideoClassificationPipeline
    )
    assert ours(video, top_k=3) == expected
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        theirs = pipeline("video-classification", model=model, image_processor=processor)
        assert theirs(video, top_k=3) != expected  # transformers' own frames 0 to 3: its rule, said
        theirs(video, top_k=3)
    (record,) = [r for r in caplog.records if "image processor" in r.getMessage()]
    assert "decodes frames 0 to 3 itself" in record.getMessage()
    assert "Pass it as `video_processor=` instead" in record.getMessage()
    assert not [r for r in caplog.records if "views" in r.getMessage()]  # one view: the one scored
    # its frames cropped three times are three views, of which it scores the first: said (it was not)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        three_crops = ViViTVideoProcessor(**PROCESSOR, num_crops=3)
        pipeline("video-classification", model=model, image_processor=three_crops)(video, top_k=3)
    assert [r for r in caplog.records if "scores only the first of the 3 views" in r.getMessage()]


# -- beside the processor transformers' `pipeline()` loads from the model's folder, the one given as the image
# processor was dropped for it without a word: the saved options (here frame_stride=2) scored, not the given ones (1) --
def test_a_video_processor_given_as_the_image_processor_is_taken_over_the_folders_own(training_dirs, video):
    given = ViViTVideoProcessor(**{**PROCESSOR, "frame_stride": 1})
    folder = str(training_dirs["eval"])
    pipe = pipeline(
        "video-classification", model=folder, image_processor=given, pipeline_class=ViViTVideoClassificationPipeline
    )
    assert pipe.video_processor is given
    saved = pipeline("video-classification", model=folder, pipeline_class=ViViTVideoClassificationPipeline)
    assert pipe(video, top_k=3) != saved(video, top_k=3)  # (the case tells the two apart)
    # a processor given as `video_processor=` stays the video processor
    pipe = pipeline(
        "video-classification",
        model=folder,
        video_processor=saved.video_processor,
        image_processor=given,
        pipeline_class=ViViTVideoClassificationPipeline,
    )
    assert pipe.video_processor is saved.video_processor


# -- the same warnings where transformers' pipeline is given the processor (`video_processor=processor`) rather than
# loading it: only a processor it loaded said them, so this one scored the first of 2 views and ignored the rate
# without a word ------------------------------------------------------------------------------------------------------
def test_transformers_pipeline_given_the_processor_says_it_scores_one_view_and_ignores_the_rate(
    training_dirs, video, caplog
):
    model = AutoModelForVideoClassification.from_pretrained(training_dirs["eval"])
    processor = ViViTVideoProcessor(**PROCESSOR, num_clips=2)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        pipeline("video-classification", model=model, video_processor=processor)(video, frame_sampling_rate=3)
    said = [r.getMessage() for r in caplog.records]
    assert [m for m in said if "first of the 2 views" in m]
    assert [m for m in said if "does not pass frame_sampling_rate=3" in m]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):  # called by the user: no pipeline to speak of
        processor(video, num_frames=4)
    assert not caplog.records


# -- a model loaded in bf16: its views' logits are averaged and scored in float32 (as transformers' pipelines upcast for
# the softmax); averaged and softmaxed in bf16, the scores were up to ~1e-2 off those of the same logits in float32 ----
def _bf16_logits(classifier, video, **options) -> torch.Tensor:
    """The bf16 model's logits of each of the processor's views of `video`, in one batch as the pipeline runs them."""
    inputs = classifier.video_processor(video, return_tensors="pt", **options).to(torch.bfloat16)
    with torch.no_grad():
        logits = classifier.model(**inputs).logits
    assert logits.dtype == torch.bfloat16
    return logits.float()


@pytest.mark.parametrize("heads", [False, True], ids=["one_head", "label_spaces"])
def test_bf16_pipeline_averages_and_scores_the_views_logits_in_float32(training_dirs, heads_dir, video, heads):
    folder = heads_dir if heads else training_dirs["eval"]
    classifier = pipeline(
        "video-classification", model=str(folder), pipeline_class=ViViTVideoClassificationPipeline, dtype=torch.bfloat16
    )
    views = dict(num_clips=2, num_crops=3)
    logits = _bf16_logits(classifier, video, **views).mean(0)  # the reference: the same bf16 logits, mean in float32
    result = classifier(video, top_k=10, **views)
    if heads:  # config order: noun (3), then verb (2)
        nouns, verbs = logits[:3].softmax(-1).tolist(), logits[3:].softmax(-1).tolist()
        assert as_scores(result["noun"]) == pytest.approx(dict(zip(["tap", "pan", "cup"], nouns)), rel=0, abs=1e-6)
        assert as_scores(result["verb"]) == pytest.approx(dict(zip(["open", "wash"], verbs)), rel=0, abs=1e-6)
        return
    expected = dict(zip(TINY["label2id"], logits.softmax(-1).tolist()))
    assert as_scores(result) == pytest.approx(expected, rel=0, abs=1e-6)
    raw = classifier(video, top_k=3, function_to_apply="none", **views)
    assert as_scores(raw) == pytest.approx(dict(zip(TINY["label2id"], logits.tolist())), rel=0, abs=1e-6)


def test_bf16_pipeline_timeline_averages_each_windows_crops_in_float32(training_dirs):
    """A timeline's windows (recipes/predict.py's) with 3 crops each: averaged in bf16, as the views of a call were."""
    from vivit_hf.processing.timeline import plan_windows

    classifier = pipeline(
        "video-classification",
        model=str(training_dirs["eval"]),
        pipeline_class=ViViTVideoClassificationPipeline,
        dtype=torch.bfloat16,
    )
    video = np.random.default_rng(0).integers(0, 256, (16, 40, 48, 3), dtype=np.uint8)
    timeline = classifier(video, window="8f", num_crops=3, window_batch_size=1, function_to_apply="none", top_k=3)
    windows = plan_windows(16, None, "8f", None, 4)
    assert len(windows) == len(timeline["windows"]) == 2
    means = []
    for result, window in zip(timeline["windows"], windows):
        clip = video[list(window.frames)]
        means.append(_bf16_logits(classifier, clip, do_sample_frames=False, num_crops=3).mean(0))
        expected = dict(zip(TINY["label2id"], means[-1].tolist()))
        assert as_scores(result["predictions"]) == pytest.approx(expected, rel=0, abs=1e-6)
    aggregate = dict(zip(TINY["label2id"], torch.stack(means).mean(0).tolist()))
    assert as_scores(timeline["aggregate"]) == pytest.approx(aggregate, rel=0, abs=1e-6)


def as_scores(results) -> dict:
    return {r["label"]: r["score"] for r in results}


# -- a timeline with a processor saved with several clips (the paper's 4 x 3): each window is one clip; every window was
# refused, "num_clips > 1 needs do_sample_frames=True", a call's num_clips=1 too --------------------------------------
def test_pipeline_timeline_with_a_processor_saved_with_several_clips_scores_one_clip_a_window(training_dirs, tmp_path):
    import shutil

    folder = shutil.copytree(training_dirs["eval"], tmp_path / "model")
    ViViTVideoProcessor(**PROCESSOR, num_clips=2).save_pretrained(folder)
    video = np.random.default_rng(0).integers(0, 256, (16, 40, 48, 3), dtype=np.uint8)
    expected = vivit_pipeline(training_dirs["eval"])(video, window="8f", top_k=3)  # saved with one clip
    assert len(expected["windows"]) == 2
    assert vivit_pipeline(folder)(video, window="8f", top_k=3) == expected
    assert vivit_pipeline(folder)(video, window="8f", num_clips=1, top_k=3) == expected


# -- a pipeline saved or pushed: transformers' Pipeline.save_pretrained saves no video processor, so the folder (or Hub
# repo) came back without one, "requires either a video processor or an image processor" -----------------------------
def test_pipeline_saved_and_pushed_carries_its_video_processor(training_dirs, video, tmp_path, monkeypatch):
    from hub_standin import HubStandIn, read_from

    classifier = vivit_pipeline(training_dirs["eval"])
    classifier.video_processor.num_crops = 3  # as set on the pipeline's own processor: saved so
    expected = classifier(video, top_k=3)
    classifier.save_pretrained(tmp_path / "saved")
    reloaded = vivit_pipeline(tmp_path / "saved")
    assert reloaded.video_processor.num_crops == 3
    assert reloaded(video, top_k=3) == expected
    with HubStandIn() as hub:
        read_from(hub, monkeypatch, tmp_path / "hub-cache")  # (the model card's read too, not the Hub's)
        classifier.push_to_hub("someone/pushed", token="hf_standin")
    assert "video_preprocessor_config.json" in hub.repos["someone/pushed"]
    assert "model.safetensors" in hub.repos["someone/pushed"]
