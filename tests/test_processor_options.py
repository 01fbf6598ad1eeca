# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""ViViTVideoProcessor's option names: a misspelt option is named with the closest valid one, never silently dropped.

Direct construction refuses it; a saved config (which another version of vivit_hf may have written) loads with a
warning; the keys transformers itself writes into a saved config load silently."""

import json
import logging

import pytest

from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

LOGGER = "vivit_hf.processing.processing_vivit"
CONFIG = "video_preprocessor_config.json"


def save_with(tmp_path, **extra):
    """A saved processor (8 frames) whose config also carries `extra` keys."""
    ViViTVideoProcessor(num_frames=8).save_pretrained(tmp_path)
    path = tmp_path / CONFIG
    saved = json.loads(path.read_text())
    saved.update(extra)
    path.write_text(json.dumps(saved))
    return tmp_path


def warnings_of(caplog):
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING]


def test_constructor_refuses_a_misspelt_option_naming_the_closest_one():
    with pytest.raises(ValueError, match=r"'num_frame' \(did you mean 'num_frames'\?\)"):
        ViViTVideoProcessor(num_frame=8)
    with pytest.raises(ValueError, match=r"'frame_strid' \(did you mean 'frame_stride'\?\).*valid ones: \[.*'seed'"):
        ViViTVideoProcessor(frame_strid=1)


def test_constructor_names_an_option_with_nothing_close_without_a_guess():
    with pytest.raises(ValueError, match=r"unknown options \['zzz'\]; valid ones"):
        ViViTVideoProcessor(zzz=1)


def test_call_refuses_a_misspelt_option_naming_the_closest_one():
    proc = ViViTVideoProcessor()
    with pytest.raises(ValueError, match=r"'num_clip' \(did you mean 'num_clips'\?\)"):
        proc([], num_clip=4)


@pytest.mark.parametrize("load", ["from_pretrained", "from_json_file", "auto"])
def test_saved_config_with_a_misspelt_key_loads_with_a_warning_naming_it(tmp_path, caplog, load):
    folder = save_with(tmp_path, num_frame=4)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        if load == "from_pretrained":
            loaded = ViViTVideoProcessor.from_pretrained(folder)
        elif load == "from_json_file":
            loaded = ViViTVideoProcessor.from_json_file(folder / CONFIG)
        else:
            from transformers import AutoVideoProcessor

            from vivit_hf.models.configuration_vivit import ViViTSpatioTemporalConfig

            AutoVideoProcessor.register(ViViTSpatioTemporalConfig, ViViTVideoProcessor, exist_ok=True)
            ViViTSpatioTemporalConfig().save_pretrained(folder)
            loaded = AutoVideoProcessor.from_pretrained(folder)
    assert type(loaded) is ViViTVideoProcessor
    assert loaded.num_frames == 8  # the saved option; the misspelt key changes nothing
    (message,) = warnings_of(caplog)
    assert "'num_frame' (did you mean 'num_frames'?)" in message


def test_saved_misspelt_key_is_kept_so_saving_again_loses_nothing(tmp_path, caplog):
    loaded = ViViTVideoProcessor.from_pretrained(save_with(tmp_path, num_frame=4, option_of_a_newer_version=[1, 2]))
    resaved = tmp_path / "again"
    loaded.save_pretrained(resaved)
    saved = json.loads((resaved / CONFIG).read_text())
    assert saved["num_frame"] == 4 and saved["option_of_a_newer_version"] == [1, 2]


def test_saved_config_with_transformers_bookkeeping_keys_loads_silently(tmp_path, caplog):
    bookkeeping = {
        "video_processor_type": "ViViTVideoProcessor",
        "image_processor_type": "ViViTVideoProcessor",
        "feature_extractor_type": "ViViTVideoProcessor",
        "processor_class": "SomeProcessor",
        "_processor_class": "SomeProcessor",
        "auto_map": {"AutoVideoProcessor": "processing_vivit.ViViTVideoProcessor"},
    }
    folder = save_with(tmp_path, **bookkeeping)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        loaded = ViViTVideoProcessor.from_pretrained(folder)
        ViViTVideoProcessor(**json.loads((folder / CONFIG).read_text()))  # and by hand, as a dict
    assert warnings_of(caplog) == []
    assert loaded.num_frames == 8


def test_misspelt_loading_option_warns_naming_it(tmp_path, caplog):
    folder = save_with(tmp_path)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        loaded = ViViTVideoProcessor.from_pretrained(folder, num_frame=4)
    (message,) = warnings_of(caplog)
    assert "'num_frame' (did you mean 'num_frames'?)" in message
    assert loaded.num_frames == 8
    assert ViViTVideoProcessor.from_pretrained(folder, num_frames=4).num_frames == 4  # a valid one still applies


def test_transformers_own_loading_options_do_not_warn(tmp_path, caplog):
    folder = save_with(tmp_path)
    with caplog.at_level(logging.WARNING, logger=LOGGER):  # what the pipeline passes on to the processor's loading
        ViViTVideoProcessor.from_pretrained(folder, dtype="float32", code_revision=None, _from_pipeline="video")
    assert warnings_of(caplog) == []


def test_save_load_round_trip_is_unchanged_and_silent(tmp_path, caplog):
    original = ViViTVideoProcessor(num_frames=8, num_clips=2, num_crops=3, normalization="imagenet", seed=3)
    original.save_pretrained(tmp_path)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        loaded = ViViTVideoProcessor.from_pretrained(tmp_path)
    assert warnings_of(caplog) == []
    assert loaded.to_dict() == original.to_dict()
    loaded.save_pretrained(tmp_path / "again")
    assert (tmp_path / "again" / CONFIG).read_text() == (tmp_path / CONFIG).read_text()
