# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The recipes' argument parser: a flag it does not know is answered with the closest one it does.

`argparse` says only "unrecognized arguments: --lr 1e-3" (Python 3.14 adds `suggest_on_error`, for choices only).
The recipes take transformers' and accelerate's spellings (`--learning_rate`, `--num_train_epochs`); a user coming
from another trainer types `--lr` or `--epochs`, and deserves the name to use.
"""

from __future__ import annotations

import argparse
import difflib

# Spellings of other trainers (timm, mmaction2, PyTorch examples) that no string distance finds.
COMMON_ALIASES = {
    "--lr": "--learning_rate",
    "--learning-rate": "--learning_rate",
    "--epochs": "--num_train_epochs",
    "--batch_size": "--per_device_train_batch_size",
    "--batch-size": "--per_device_train_batch_size",
    "--bs": "--per_device_train_batch_size",
    "--workers": "--num_workers",
    "--wd": "--weight_decay",
    "--resume": "--resume_from_checkpoint",
    "--overwrite": "--overwrite_output_dir",  # transformers 4 examples: --overwrite_output_dir; some tools: --overwrite
    "--output": "--output_dir",
    "--out": "--output_dir",
    "--data": "--dataset",
}


class SuggestingArgumentParser(argparse.ArgumentParser):
    """An `ArgumentParser` whose "unrecognized arguments" error names the closest known flag for each."""

    def closest_flag(self, unknown: str) -> str | None:
        known = [s for a in self._actions for s in a.option_strings if s.startswith("--") and s != "--help"]
        flag = unknown.split("=", 1)[0]
        alias = COMMON_ALIASES.get(flag)
        if alias in known:
            return alias
        # compared with dashes and underscores alike (`--num-workers` is `--num_workers` misspelt)
        by_spelling = {k.replace("-", "_"): k for k in known}
        matches = difflib.get_close_matches(flag.replace("-", "_"), list(by_spelling), 1, 0.7)
        return by_spelling[matches[0]] if matches else None

    def error(self, message: str):
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            hints = []
            for token in message[len(prefix) :].split():
                if token.startswith("--"):
                    closest = self.closest_flag(token)
                    if closest:
                        hints.append(f"{token.split('=', 1)[0]} -> {closest}")
            if hints:
                message += f" (did you mean: {', '.join(hints)}?)"
        super().error(message)
