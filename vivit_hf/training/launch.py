# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What the recipes need to know about how they were launched, shared by finetune.py and evaluate.py."""

from __future__ import annotations

import os

import torch


def cpu_process_group() -> bool:
    """True for one of several processes (torchrun, `accelerate launch`) on a machine without a GPU, or when
    ACCELERATE_USE_CPU asks for the CPU: pass it as `Accelerator(cpu=...)`.

    accelerate 1.x joins CPU processes (gloo) only when told to use the CPU; otherwise each process runs alone as
    rank 0 on all the data, every one writing the same output folder.
    """
    if os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes"):
        return True
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.accelerator.is_available()
