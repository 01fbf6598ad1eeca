# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The older and newer dependency versions setup.cfg accepts, whose APIs differ from the ones installed here.

setup.cfg takes any PyAV and any transformers 5.x; the GPU image runs PyAV 19 and transformers 5.17 where this
suite runs PyAV 18 and transformers 5.25. Each test below fakes the other version's API on the installed package
and checks that vivit_hf reads the same as it does with the installed one."""

from collections.abc import Mapping

import av
import numpy as np
from test_video_display_matrix import write_with_matrix
from test_video_realworld_files import sequential_decode
from video_factory import write_video

from vivit_hf.processing.frame_display import display_orientation
from vivit_hf.processing.video_io import open_video


def test_a_video_opens_under_pyav_19_which_has_no_metadata_errors_option(tmp_path, monkeypatch):
    # PyAV 19 took `metadata_errors` out of `av.open` (a TypeError): every file was refused as "Cannot open video"
    path = write_video(tmp_path / "clip.mp4", num_frames=8)
    truth = sequential_decode(path)
    real_open = av.open

    def pyav_19_open(file, mode="r", **kwargs):
        if "metadata_errors" in kwargs:
            raise TypeError("open() got an unexpected keyword argument 'metadata_errors'")
        return real_open(file, mode, **kwargs)

    monkeypatch.setattr(av, "__version__", "19.0.2")
    monkeypatch.setattr(av, "open", pyav_19_open)
    with open_video(path, backend="pyav") as reader:
        assert np.array_equal(reader.read(range(8)), truth)


class _TypesFirst(Mapping):
    """A frame's side data as PyAV 19 lists it: iterating gives the types (PyAV 18: the entries themselves)."""

    def __init__(self, side_data):
        self._by_type = {getattr(entry, "type", entry): side_data[getattr(entry, "type", entry)] for entry in side_data}

    def __iter__(self):
        return iter(self._by_type)

    def __len__(self):
        return len(self._by_type)

    def __getitem__(self, key):
        return self._by_type[key]


class _Frame:
    def __init__(self, frame, side_data):
        self.side_data, self.rotation = side_data, frame.rotation


def test_a_mirrored_display_matrix_reads_the_same_from_pyav_19s_side_data(tmp_path):
    # PyAV 19's side data iterates its types, which have no `.type`: every rotated or mirrored video (a phone's)
    # failed with AttributeError
    path = write_with_matrix(tmp_path / "rot90_hflip.mp4", 90, hflip=True, vflip=False, num_frames=2)
    with av.open(path) as container:
        frame = next(container.decode(video=0))
        assert display_orientation(frame) == (90, True)
        assert display_orientation(_Frame(frame, _TypesFirst(frame.side_data))) == (90, True)


def test_sdpa_runs_under_transformers_5_0s_attention_registry(monkeypatch):
    # transformers 5.0's registry has no `get_interface` (5.1 added it): every model on sdpa, flash or flex failed
    # with AttributeError on the first forward; its own models index the registry by name
    import torch

    from vivit_hf import ViViTFactorisedDotProductConfig, ViViTFactorisedDotProductForVideoClassification
    from vivit_hf.models import modeling_blocks

    config = ViViTFactorisedDotProductConfig(
        image_size=32, num_frames=4, tubelet_size=[2, 8, 8], hidden_size=32, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=64, num_labels=5, attn_implementation="sdpa",
    )  # fmt: skip
    torch.manual_seed(0)
    model = ViViTFactorisedDotProductForVideoClassification(config).eval()
    pixels = torch.randn(2, 4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        eager = model(pixels, output_attentions=True).logits  # asking for the maps runs the eager kernel
        monkeypatch.setattr(modeling_blocks, "ALL_ATTENTION_FUNCTIONS", dict(modeling_blocks.ALL_ATTENTION_FUNCTIONS))
        torch.testing.assert_close(model(pixels).logits, eager)


def test_label_spaces_set_after_construction_resize_the_classifier_before_transformers_5_25(monkeypatch):
    # transformers before 5.25 marks no end of construction (`_post_init_done`): on 5.17, `config.label_spaces = ...`
    # and `config.update(...)` left num_labels as it was, and the classifier's columns did not match the heads
    from transformers import PreTrainedConfig

    from vivit_hf import ViViTSpatioTemporalConfig

    post_init = PreTrainedConfig.__post_init__

    def post_init_of_5_17(self, **kwargs):
        post_init(self, **kwargs)
        self.__dict__.pop("_post_init_done", None)

    monkeypatch.setattr(PreTrainedConfig, "__post_init__", post_init_of_5_17)
    config = ViViTSpatioTemporalConfig(num_frames=4, num_labels=5)
    assert "_post_init_done" not in config.__dict__
    config.label_spaces = {"noun": 4, "verb": 3}
    assert config.num_labels == 7
    config.update({"label_spaces": {"a": 2, "b": 2}})
    assert config.num_labels == 4


def test_a_batchs_bad_video_is_named_by_position_on_python_3_10_which_has_no_exception_notes(monkeypatch):
    # Python 3.10 (setup.cfg's floor) has no BaseException.add_note: the error naming the bad video of a batch was
    # replaced by "AttributeError: ... has no attribute 'add_note'"
    import pytest

    from vivit_hf import ViViTVideoProcessor
    from vivit_hf.processing.errors import BrokenVideoError

    class ErrorOfPython310(BrokenVideoError):
        @property
        def add_note(self):
            raise AttributeError("'ErrorOfPython310' object has no attribute 'add_note'")

    def broken(self, video, *args):
        raise ErrorOfPython310("Cannot open video 'a.mp4': Invalid data found when processing input")

    monkeypatch.setattr(ViViTVideoProcessor, "_process_one", broken)
    with pytest.raises(ErrorOfPython310, match=r"(?s)Cannot open video 'a\.mp4'.*\(video 0 of the 2 in this call\)"):
        ViViTVideoProcessor(num_frames=2)(["a.mp4", "b.mp4"])
