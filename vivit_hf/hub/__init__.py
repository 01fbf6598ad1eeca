# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The Hub side of a checkpoint: its model card (`cards`), its uploads (`upload`) and the commands' flags for them
(`push_flags`), why a Hub id gave no files (`sources`), and a saved model folder replaced as a whole (`folders`). The
one rule for whether a user's string is a Hub repo id or a local path is `vivit_hf.repo_id`'s (shared with
`vivit_hf.export`), re-exported here; nothing else of vivit_hf is imported."""

from ..repo_id import looks_like_local_path, looks_like_repo_id  # importable from here as before; home: repo_id
from .cards import build_model_card
from .upload import BackgroundUploader, push_folder

__all__ = ["BackgroundUploader", "build_model_card", "looks_like_local_path", "looks_like_repo_id", "push_folder"]
