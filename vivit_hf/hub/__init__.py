# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The Hub side of a checkpoint: its model card and its uploads. Nothing else of vivit_hf is imported."""

from .cards import build_model_card
from .upload import BackgroundUploader, looks_like_repo_id, push_folder

__all__ = ["BackgroundUploader", "build_model_card", "looks_like_repo_id", "push_folder"]
