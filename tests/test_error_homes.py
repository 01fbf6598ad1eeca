# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The errors of a sample that cannot make a clip have one home, `vivit_hf.processing.errors`: `VideoDecodeError`
stands beside `BrokenVideoError` there, and every place it was imported from before still gives the same class, in
vivit_hf and in a saved processor's code loaded with `trust_remote_code` where vivit_hf cannot be imported."""

import textwrap

import pytest
from test_remote_code import HIDE_VIVIT_HF, without_vivit_hf

import vivit_hf
from vivit_hf.processing import errors, video_io, video_reader

NOT_A_VIDEO = b"not a video at all" * 10


def test_video_decode_error_is_defined_beside_broken_video_error():
    assert errors.VideoDecodeError.__module__ == errors.__name__
    assert issubclass(errors.VideoDecodeError, errors.BrokenVideoError)
    assert "VideoDecodeError" in errors.__all__
    # and its kind of an encrypted (DRM) file, which lived in video_pyav.py
    assert errors.EncryptedVideoError.__module__ == errors.__name__ and "EncryptedVideoError" in errors.__all__
    assert issubclass(errors.EncryptedVideoError, errors.VideoDecodeError)


@pytest.mark.parametrize("home", [video_reader, video_io, vivit_hf.processing, vivit_hf], ids=lambda m: m.__name__)
def test_video_decode_error_imports_from_where_it_did_before(home):
    assert home.VideoDecodeError is errors.VideoDecodeError


@pytest.mark.parametrize("home", [vivit_hf.processing, vivit_hf], ids=lambda m: m.__name__)
def test_processor_config_error_imports_from_where_the_other_errors_do(home, tmp_path):
    """The docs name the error a refused saved option raises (`ProcessorConfigError`) for a caller to catch; it was
    importable from `vivit_hf.processing.errors` alone, not beside `BrokenVideoError`."""
    import json

    assert home.ProcessorConfigError is errors.ProcessorConfigError
    vivit_hf.ViViTVideoProcessor(num_frames=4).save_pretrained(tmp_path)
    config = tmp_path / "video_preprocessor_config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "num_crops": 5}))
    with pytest.raises(home.ProcessorConfigError, match="num_crops"):
        vivit_hf.ViViTVideoProcessor.from_pretrained(tmp_path)


def test_a_reader_raises_the_error_from_its_home(tmp_path):
    path = tmp_path / "bad.mp4"
    path.write_bytes(NOT_A_VIDEO)
    with pytest.raises(errors.VideoDecodeError, match="bad.mp4"):
        video_io.open_video(str(path))


REMOTE_DECODE_ERROR = HIDE_VIVIT_HF + textwrap.dedent(
    """
    import importlib
    from transformers import AutoVideoProcessor

    folder, video = sys.argv[1], sys.argv[2]
    processor = AutoVideoProcessor.from_pretrained(folder, trust_remote_code=True)
    package = type(processor).__module__.rpartition(".")[0]
    assert not package.startswith("vivit_hf"), package
    home = importlib.import_module(package + ".errors")
    assert importlib.import_module(package + ".video_reader").VideoDecodeError is home.VideoDecodeError
    try:
        processor(videos=[video], return_tensors="pt")
    except home.VideoDecodeError as error:
        assert "bad.mp4" in str(error), error
        assert isinstance(error, home.BrokenVideoError)
    else:
        raise SystemExit("a file that is no video was read")
    """
)


def test_saved_processor_code_raises_the_error_from_its_home(tmp_path, hf_modules_cache):
    folder = tmp_path / "processor"
    vivit_hf.ViViTVideoProcessor(num_frames=4).save_pretrained(folder)
    assert (folder / "errors.py").is_file()
    video = tmp_path / "bad.mp4"
    video.write_bytes(NOT_A_VIDEO)
    without_vivit_hf(hf_modules_cache, REMOTE_DECODE_ERROR, folder, video, cwd=tmp_path)
