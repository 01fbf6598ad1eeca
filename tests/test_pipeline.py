"""pipeline("video-classification") with each of the four models and ViViTVideoProcessor, single and multi view."""

import pytest
import torch
from transformers import pipeline

import vivit_hf  # noqa: F401  (registers the four configs and models with the Auto classes)
from video_factory import write_video
from vivit_hf import VIVIT_MODELS
from vivit_hf.processing_vivit import ViViTVideoClassificationPipeline, ViViTVideoProcessor

TINY = dict(image_size=32, num_frames=4, tubelet_size=[2, 16, 16], hidden_size=32, num_hidden_layers=1,
            num_attention_heads=2, intermediate_size=64, num_labels=3,
            id2label={0: "run", 1: "jump", 2: "swim"}, label2id={"run": 0, "jump": 1, "swim": 2})
PROCESSOR = dict(num_frames=4, frame_stride=2, size={"shortest_edge": 36}, crop_size={"height": 32, "width": 32}, decode_backend="pyav")


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


def test_pipeline_classifies_a_video_file(model_dir, video):
    classifier = pipeline("video-classification", model=str(model_dir))
    assert isinstance(classifier.video_processor, ViViTVideoProcessor)
    results = classifier(video, top_k=3)
    assert sorted(r["label"] for r in results) == ["jump", "run", "swim"]
    assert sum(r["score"] for r in results) == pytest.approx(1.0, abs=1e-5)


def test_pipeline_multi_view_averages_logits_of_all_views(model_dir, video):
    classifier = pipeline("video-classification", model=str(model_dir))  # `import vivit_hf` registered multi-view
    assert isinstance(classifier, ViViTVideoClassificationPipeline)
    results = classifier(video, num_clips=2, num_crops=3, top_k=3)
    inputs = classifier.video_processor(video, num_clips=2, num_crops=3, return_tensors="pt")
    assert inputs.pixel_values.shape == (6, 4, 3, 32, 32)
    with torch.no_grad():
        probabilities = classifier.model(**inputs).logits.mean(0).softmax(-1)
    expected = {classifier.model.config.id2label[i]: p.item() for i, p in enumerate(probabilities)}
    for result in results:
        assert result["score"] == pytest.approx(expected[result["label"]], abs=1e-5)
