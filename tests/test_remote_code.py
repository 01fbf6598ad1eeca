# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A saved folder loads with `trust_remote_code=True` in a process where vivit_hf cannot be imported."""

import json
import os
import re
import sys
import textwrap
from pathlib import Path

import fresh_python
import pytest
import torch

from vivit_hf import VIVIT_MODELS

# The start of a child process's script: from here on, vivit_hf cannot be imported, as if it were not installed.
HIDE_VIVIT_HF = textwrap.dedent(
    """
    import sys

    class NoVivitHf:
        def find_spec(self, name, path=None, target=None):
            if name == "vivit_hf" or name.startswith("vivit_hf."):
                raise ModuleNotFoundError(f"No module named {name!r}")

    sys.meta_path.insert(0, NoVivitHf())
    """
)

LOADER = HIDE_VIVIT_HF + textwrap.dedent(
    """
    import torch
    from transformers import AutoModel, AutoModelForVideoClassification

    folder = sys.argv[1]
    try:
        import vivit_hf  # noqa: F401
        raise SystemExit("vivit_hf is importable: the test would prove nothing")
    except ModuleNotFoundError:
        pass
    model = AutoModelForVideoClassification.from_pretrained(folder, trust_remote_code=True).eval()
    assert not type(model).__module__.startswith("vivit_hf"), type(model).__module__
    backbone = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
    video = torch.load(folder + "/video.pt")
    with torch.no_grad():
        torch.save({"logits": model(pixel_values=video).logits,
                    "pooled": backbone(pixel_values=video).pooler_output}, folder + "/remote.pt")
    if sys.argv[2:] == ["refusals"]:  # what the carried code's refusals advise, said as they are
        import json
        said = {}
        try:
            AutoModelForVideoClassification.from_pretrained(folder, trust_remote_code=True, num_frames=8)
        except RuntimeError as refusal:
            said["grid"] = str(refusal)
        model.config.num_labels = 7
        try:
            model(pixel_values=video)
        except ValueError as refusal:
            said["head"] = str(refusal)
        with open(folder + "/said.json", "w") as file:
            json.dump(said, file)
    """
)


def without_vivit_hf(hf_modules_cache, code: str, *args, cwd) -> None:
    """`python -c CODE ARGS` in a process where vivit_hf cannot be imported (CODE starts with HIDE_VIVIT_HF), forked
    from a server that has imported torch and transformers once (tests/fresh_python.py), not a new interpreter that
    imports them again: 5-8 s less a run. The server imports nothing of vivit_hf, and each child is a new process,
    so no module a folder's code defined before is there to be reused."""
    result = server(hf_modules_cache).run(["-c", code, *args], cwd=cwd)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def server(hf_modules_cache):
    """This module's server (tests/fresh_python.py) for the children that load or save folders."""
    env = dict(os.environ, HF_MODULES_CACHE=str(hf_modules_cache), HF_HUB_OFFLINE="1")
    return fresh_python.server(fresh_python.EXAMPLES, env)


@pytest.mark.parametrize("name", list(VIVIT_MODELS))
def test_trust_remote_code_without_vivit_hf(name, tmp_path, hf_modules_cache):
    config_class, _, classifier_class = VIVIT_MODELS[name]
    config = config_class(
        image_size=32,
        num_frames=4,
        tubelet_size=[2, 8, 8],
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        num_labels=3,
    )
    torch.manual_seed(0)
    model = classifier_class(config).eval()
    model.save_pretrained(tmp_path)
    video = torch.randn(2, 4, 3, 32, 32)
    torch.save(video, tmp_path / "video.pt")
    refusals = ["refusals"] if name == "spatio_temporal" else []
    without_vivit_hf(hf_modules_cache, LOADER, tmp_path, *refusals, cwd=tmp_path)
    remote = torch.load(tmp_path / "remote.pt")
    with torch.no_grad():
        torch.testing.assert_close(remote["logits"], model(pixel_values=video).logits, rtol=0, atol=0)
        torch.testing.assert_close(remote["pooled"], model.vivit(pixel_values=video).pooler_output, rtol=0, atol=0)
    if refusals:
        # The carried code's refusals advise `vivit_hf.conversion.from_vivit_checkpoint(...)`, which, followed where
        # vivit_hf is not installed, failed with "No module named 'vivit_hf'": there they say to install it first;
        # where vivit_hf imports, they do not.
        said = json.loads((tmp_path / "said.json").read_text())
        assert set(said) == {"grid", "head"}, said
        install = "vivit_hf, which that advice needs, is not installed in this process"
        for message in said.values():
            assert "vivit_hf.conversion.from_vivit_checkpoint(" in message and install in message, message
            # (as the README installs it: `pip install vivit_hf` found no such package)
            assert message.endswith(
                "from a clone of vivit_hf as its README says (`pip install -e .` in the clone; it is not on PyPI)."
            ), message
        with pytest.raises(RuntimeError, match="from_vivit_checkpoint") as here:
            classifier_class.from_pretrained(tmp_path, num_frames=8)
        assert install not in str(here.value)


SHARD_AND_SAVE = textwrap.dedent(
    """
    import os, sys
    import torch
    import torch.distributed as dist
    from torch.distributed.fsdp import fully_shard
    from vivit_hf import VIVIT_MODELS
    from vivit_hf.training.checkpoints import save_pretrained

    root, port, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=port, RANK="0", WORLD_SIZE="1")
    dist.init_process_group("gloo")
    for name in names:  # one launch for every variant: a new interpreter importing torch costs seconds
        folder = os.path.join(root, name)
        config_class, _, classifier_class = VIVIT_MODELS[name]
        config = config_class(image_size=32, num_frames=4, tubelet_size=[2, 8, 8], hidden_size=32,
                              num_hidden_layers=2, num_attention_heads=4, intermediate_size=64, num_labels=3)
        torch.manual_seed(0)
        model = classifier_class(config).eval()
        video = torch.randn(2, 4, 3, 32, 32)
        with torch.no_grad():
            expected = model(pixel_values=video).logits
        fully_shard(model)  # FSDP2 swaps in a subclass defined in torch's own module
        assert type(model) is not classifier_class
        state = {k: (v.full_tensor() if hasattr(v, "full_tensor") else v) for k, v in model.state_dict().items()}
        save_pretrained(model, folder, state_dict=state)
        torch.save(video, folder + "/video.pt")
        torch.save(expected, folder + "/expected.pt")
    dist.destroy_process_group()
    """
)


def test_fsdp2_sharded_models_save_our_code_not_torchs(tmp_path, hf_modules_cache):
    """A model under FSDP2 (what `accelerate launch --config_file fsdp.yaml` trains), saved by the recipes'
    `save_pretrained`, gives a folder that loads with `trust_remote_code`: our modules and class names, none of torch's
    FSDP files. Models 1 and 4, saved in one launch."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    names = ["spatio_temporal", "factorised_dot_product"]
    # in a process of its own (its process group), forked from the loaders' server: a new interpreter importing
    # torch, transformers and vivit_hf cost some 5 s of CPU more
    saved = server(hf_modules_cache).run(["-c", SHARD_AND_SAVE, tmp_path, port, *names], cwd=tmp_path)
    assert saved.returncode == 0, saved.stdout[-3000:] + saved.stderr[-3000:]
    for name in names:
        folder = tmp_path / name
        saved = sorted(p.name for p in folder.glob("*.py"))
        assert saved == [
            "configuration_vivit.py",
            "device_maps.py",
            "loading_checks.py",
            "losses.py",
            "modeling_blocks.py",
            "modeling_vivit.py",
            "rollout.py",
        ], saved
        auto_map = json.loads((folder / "config.json").read_text())["auto_map"]
        assert all(
            value.startswith(("modeling_vivit.ViViT", "configuration_vivit.ViViT")) for value in auto_map.values()
        )
        without_vivit_hf(hf_modules_cache, LOADER, folder, cwd=tmp_path)
        torch.testing.assert_close(
            torch.load(folder / "remote.pt")["logits"], torch.load(folder / "expected.pt"), rtol=1e-6, atol=1e-6
        )


PROCESSOR_LOADER = HIDE_VIVIT_HF + textwrap.dedent(
    """
    import logging
    import torch
    from transformers import AutoVideoProcessor

    folder = sys.argv[1]
    processor = AutoVideoProcessor.from_pretrained(folder, trust_remote_code=True)
    module = type(processor).__module__
    assert not module.startswith("vivit_hf"), module
    warned = []
    handler = logging.Handler()
    handler.emit = warned.append
    logging.getLogger(module).addHandler(handler)  # the logger the processor's own module warns on
    video = torch.load(folder + "/video.pt")
    pixels = processor(video, return_tensors="pt").pixel_values
    assert [record.name for record in warned] == [module], [(r.name, r.getMessage()) for r in warned]
    torch.save(pixels, folder + "/remote.pt")
    """
)


def test_saved_processor_carries_its_modules_and_gives_its_pixels_without_vivit_hf(tmp_path, hf_modules_cache):
    """The processor's code is several modules (`processing_vivit` imports `video_inputs` and `processor_options`): a
    saved folder carries each, and the carried code gives the installed processor's pixels, warning on the logger of
    the processor's module, as the installed one does (`vivit_hf.processing.processing_vivit`)."""
    from vivit_hf import ViViTVideoProcessor

    processor = ViViTVideoProcessor(num_frames=4, frame_stride=1, size={"shortest_edge": 32}, crop_size=24)
    processor.save_pretrained(tmp_path)
    carried = {path.name for path in tmp_path.glob("*.py")}
    assert {"processing_vivit.py", "video_inputs.py", "processor_options.py"} <= carried, carried
    assert "pipeline.py" not in carried
    # (8, 3, 40, 3): 8 frames of 3 x 40 or 40 x 3, an ambiguous channel axis, which video_inputs warns of
    video = torch.randint(0, 256, (8, 3, 40, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    torch.save(video, tmp_path / "video.pt")
    without_vivit_hf(hf_modules_cache, PROCESSOR_LOADER, tmp_path, cwd=tmp_path)
    torch.testing.assert_close(
        torch.load(tmp_path / "remote.pt"), processor(video, return_tensors="pt").pixel_values, rtol=0, atol=0
    )


def test_carried_code_imports_no_optional_package(tmp_path):
    """From a Hub repo (not a local folder), transformers runs `check_imports` on every carried file, each import
    outside a `try` counted, lazy ones in functions too, and refuses the whole model or processor over one package
    missing: `AutoVideoProcessor` and `pipeline(..., trust_remote_code=True)` of a pushed folder failed with "requires
    the following packages ...: torchcodec" (optional) where it was not installed. Each carried file needs no more
    than setup.cfg's install_requires. And the model card's Use, which loads the folder so, names in its
    `pip install` every package they import that transformers does not bring: it named none, and with transformers and
    torch alone a local copy's processor loaded, then failed its first video on "No module named 'av'"."""
    import configparser
    from importlib import metadata

    from transformers.dynamic_module_utils import get_imports

    from vivit_hf import ViViTVideoProcessor
    from vivit_hf.hub.cards import build_model_card

    setup = configparser.ConfigParser()
    setup.read(Path(__file__).parents[1] / "setup.cfg")
    required = {re.split("[<>=!~ ]", line)[0] for line in setup["options"]["install_requires"].split()}
    allowed = {"PIL" if name == "pillow" else name for name in required} | set(sys.stdlib_module_names)
    config_class, _, classifier_class = VIVIT_MODELS["factorised_encoder"]  # the four carry the same files
    config = config_class(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8)
    classifier_class(config).save_pretrained(tmp_path)
    ViViTVideoProcessor().save_pretrained(tmp_path)
    carried = sorted(tmp_path.glob("*.py"))
    assert {"modeling_vivit.py", "processing_vivit.py", "video_torchcodec.py"} <= {path.name for path in carried}
    imports = {path.name: set(get_imports(path)) - set(sys.stdlib_module_names) for path in carried}
    extra = {file: sorted(packages - allowed) for file, packages in imports.items()}
    assert not any(extra.values()), {file: packages for file, packages in extra.items() if packages}

    def package(name):  # as pip spells it (PEP 503), from an import or a requirement
        return re.sub(r"[-_.]+", "-", {"PIL": "pillow"}.get(name, name)).lower()

    imported = {package(name) for packages in imports.values() for name in packages}
    assert {"torch", "transformers", "av"} <= imported, imported
    use = build_model_card(config, results={"top1": 0.5}).content.split("## Use")[1]
    install = re.search(r"pip install ([\w -]+)", use)
    assert install, use
    brought = {
        package(re.split("[<>=!~ ;[]", req)[0]) for req in metadata.requires("transformers") if "extra ==" not in req
    }
    unnamed = imported - {package(name) for name in install.group(1).split()} - brought
    assert not unnamed, f"the card's Use section does not name {sorted(unnamed)}"


def test_carried_model_files_state_their_licence_in_full(tmp_path):
    """A saved folder's model, configuration and processor files travel alone to the Hub, where transformers' model
    linter (TRF028) and a reader look for the whole Apache notice in each: a one-line mention left out where to read
    the licence and the warranty disclaimer."""
    from vivit_hf import ViViTVideoProcessor

    config_class, _, classifier_class = VIVIT_MODELS["spatio_temporal"]
    classifier_class(
        config_class(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8)
    ).save_pretrained(tmp_path)
    ViViTVideoProcessor().save_pretrained(tmp_path)
    named = [p for p in tmp_path.glob("*.py") if re.match(r"(modeling|configuration|processing)_", p.name)]
    assert {p.name for p in named} >= {"modeling_vivit.py", "modeling_blocks.py", "configuration_vivit.py"}
    notice = [
        "you may obtain a copy of the license at",
        "http://www.apache.org/licenses/license-2.0",
        'distributed on an "as is" basis',
        "limitations under the license.",
    ]
    for path in named:
        head = " ".join(line.lstrip("# ") for line in path.read_text().splitlines()[:25]).lower()
        assert all(clause in head for clause in notice), f"{path.name} lacks the Apache notice"


@pytest.mark.parametrize("classifies", [True, False, "multi-label"], ids=["classifier", "encoder", "multi-label"])
def test_the_model_cards_usage_example_runs_as_written_without_vivit_hf(classifies, tmp_path, hf_modules_cache):
    """The card a recipe writes ends with a ```python example a user copies, said to run where vivit_hf is not
    installed: it runs as written (its folder for "path/or/repo-id", a video for "video.mp4"), and the shape its
    comment gives is what the processor returns, the model's clip (8 frames of 32x40 here, not the paper's
    32x224x224). A multi-label model's example names the clip's classes, each whose sigmoid is 0.5 or more (its
    logit 0 or more): it stopped at the logits, leaving a user to the usual argmax, one class of a clip of several."""
    from video_factory import write_video

    from vivit_hf import ViViTVideoProcessor
    from vivit_hf.hub.cards import build_model_card

    config_class, model_class, classifier_class = VIVIT_MODELS["spatio_temporal"]
    config = config_class(
        num_frames=8,
        image_size=[32, 40],
        tubelet_size=[2, 8, 8],
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        num_labels=3,
        id2label={0: "sit", 1: "talk", 2: "walk"},
        problem_type="multi_label_classification" if classifies == "multi-label" else None,
    )
    (classifier_class if classifies else model_class)(config).save_pretrained(tmp_path / "model")
    ViViTVideoProcessor(
        num_frames=8, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 40}
    ).save_pretrained(tmp_path / "model")
    card = build_model_card(config, results={"top1": 0.5}).content
    example = re.search(r"## Use\n```python\n(.*?)```", card, flags=re.S).group(1)
    assert example.count('"path/or/repo-id"') == 2 and '"video.mp4"' in example, example
    commented = re.search(r"# \((\d+(?:, \d+)*)\)", example).group(1)
    write_video(tmp_path / "video.mp4", num_frames=30, height=48, width=64)
    code = example.replace('"path/or/repo-id"', '"model"')
    code += "print(tuple(inputs['pixel_values'].shape), tuple((logits if 'logits' in dir() else embeddings).shape))\n"
    code += "print(logits[0].tolist() if 'logits' in dir() else None)\n"
    result = server(hf_modules_cache).run(["-c", HIDE_VIVIT_HF + code], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    *said, shapes, logits = result.stdout.strip().splitlines()
    if classifies == "multi-label":  # the classes of logit 0 or more (sigmoid 0.5), from the logits printed
        scored = [name for name, logit in zip(("sit", "talk", "walk"), json.loads(logits)) if logit >= 0]
        assert ".argmax(" not in example and said[-1:] == [str(scored)], result.stdout
    else:
        assert "sigmoid" not in example, example
    shape, output = shapes.split(") (")
    assert shape + ")" == f"({commented})" == "(1, 8, 3, 32, 40)", (commented, result.stdout)
    assert output.startswith("1, 3)" if classifies else "1, 81, 16)"), result.stdout


def test_multi_view_pipeline_reads_a_remote_code_processor_as_vivit_hfs(tmp_path, hf_modules_cache, monkeypatch):
    """A model and processor loaded with `trust_remote_code=True` before vivit_hf is imported are the classes of the
    folder's code, which transformers' own pipeline then warns scores one view ("build it with
    `pipeline_class=ViViTVideoClassificationPipeline`"). Given to that pipeline, the processor was taken for another
    one: a folder saved with 2 clips had its first view scored alone (a tiny model's top score 0.3746 where the two
    views' average is 0.3738), `frame_sampling_rate` changed no frame, and `num_clips=` / `window=` were refused as
    needing a ViViTVideoProcessor. It answers as vivit_hf's own classes loaded from the same folder."""
    import numpy as np
    from transformers import dynamic_module_utils, pipeline

    from vivit_hf import ViViTVideoClassificationPipeline, ViViTVideoProcessor

    monkeypatch.setattr(dynamic_module_utils, "HF_MODULES_CACHE", str(hf_modules_cache))
    config_class, _, classifier_class = VIVIT_MODELS["factorised_encoder"]
    config = config_class(
        image_size=32,
        num_frames=4,
        tubelet_size=[2, 8, 8],
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=4,
        intermediate_size=64,
        num_labels=3,
    )
    torch.manual_seed(0)
    classifier_class(config).save_pretrained(tmp_path)
    ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 32}, crop_size=32, num_clips=2).save_pretrained(tmp_path)

    def remote(name):
        return dynamic_module_utils.get_class_from_dynamic_module(name, tmp_path).from_pretrained(tmp_path)

    processor = remote("processing_vivit.ViViTVideoProcessor")
    model = remote(f"modeling_vivit.{classifier_class.__name__}").eval()
    assert not type(processor).__module__.startswith("vivit_hf") and not type(model).__module__.startswith("vivit_hf")
    theirs = pipeline(
        "video-classification", model=model, video_processor=processor, pipeline_class=ViViTVideoClassificationPipeline
    )
    # with vivit_hf imported transformers prefers its registered classes to the folder's code (docs/models.md)
    ours = pipeline(
        "video-classification",
        model=str(tmp_path),
        trust_remote_code=True,
        pipeline_class=ViViTVideoClassificationPipeline,
    )
    assert type(ours.model) is classifier_class and type(ours.video_processor) is ViViTVideoProcessor
    video = np.random.default_rng(0).integers(0, 256, (24, 40, 48, 3), dtype=np.uint8)
    for options in ({}, {"frame_sampling_rate": 3}, {"num_clips": 1, "num_crops": 3}, {"window": "8f"}):
        assert theirs(video, top_k=3, **options) == ours(video, top_k=3, **options), options
    assert type(theirs.video_processor) is ViViTVideoProcessor
    assert theirs.video_processor.to_dict() == processor.to_dict()
    # an option given when the pipeline is built is checked against vivit_hf's class too: the copy was read as ours
    # only after, so a `frame_sampling_rate` over its uniform sampling was built in, and changed no frame
    processor.sampling_mode = "uniform"
    with pytest.raises(ValueError, match="frame_sampling_rate changes no frame"):
        pipeline(
            "video-classification",
            model=model,
            video_processor=processor,
            pipeline_class=ViViTVideoClassificationPipeline,
            frame_sampling_rate=3,
        )


class DatasetsDecoder:
    """What a torchcodec decoder of a `datasets.Video` value shows vivit_hf (`is_torchcodec_decoder` is duck-typed):
    `_hf_encoded`, the path and bytes datasets decoded it from; none for a decoder built by hand."""

    metadata = None

    def __init__(self, encoded=None):
        if encoded is not None:
            self._hf_encoded = encoded

    def get_frames_at(self, indices):
        raise AssertionError("read before PyAV was looked for")


def test_a_processor_where_pyav_is_not_installed_names_the_package_it_needs(tmp_path, monkeypatch):
    """A Hub user loads a folder with `trust_remote_code=True` having installed transformers and torchvision, not
    PyAV (vivit_hf's install brings it; transformers reads videos with torchcodec): the processor loaded, then its
    first video failed with a bare "No module named 'av'" from inside the reader (`is_av_container`), naming neither
    the video nor what to install; a datasets.Video decoder of a local file, or of its bytes, or one built by hand,
    failed so too (its file is indexed, its codec looked up, with PyAV). The carried code is this module's file, so
    the installed class shows it."""
    from video_factory import write_video

    from vivit_hf import ViViTVideoProcessor

    path = write_video(tmp_path / "clip.mp4", num_frames=8)
    processor = ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 32}, crop_size=32)
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now raises, as where PyAV is not installed
    for backend in ("auto", "torchcodec"):  # torchcodec's reads look up tracks and rotation with PyAV too
        with pytest.raises(ModuleNotFoundError, match=r"'.*clip\.mp4'.*PyAV.*pip install av"):
            processor(str(path), decode_backend=backend, return_tensors="pt")
    decoders = [  # (the video as the message names it, the decoder)
        (r"'.*clip\.mp4'", DatasetsDecoder({"path": path, "bytes": None})),
        ("<DatasetsDecoder>", DatasetsDecoder({"path": None, "bytes": Path(path).read_bytes()})),
        ("<DatasetsDecoder>", DatasetsDecoder()),
    ]
    for name, decoder in decoders:
        with pytest.raises(ModuleNotFoundError, match=f"Cannot read video {name}: .*PyAV.*pip install av"):
            processor(decoder, return_tensors="pt")
