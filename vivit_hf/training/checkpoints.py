# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Training checkpoints (accelerate's `save_state`, written atomically) and `save_pretrained` for sharded models."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch

CHECKPOINTS = "checkpoints"
STATE_FILE = "trainer_state.json"


def save_checkpoint(accelerator, output_dir: Path, name: str, state: dict, total_limit: int | None) -> Path:
    """`save_state` into a temporary folder renamed into place, so a kill never leaves a half checkpoint."""
    root = output_dir / CHECKPOINTS
    final, tmp = root / name, root / f".tmp-{name}"
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        (tmp / STATE_FILE).write_text(json.dumps(state, indent=2))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        for old in list_checkpoints(output_dir)[:-total_limit] if total_limit else []:
            shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()
    return final


def list_checkpoints(output_dir: Path) -> list[Path]:
    """Finished checkpoints, oldest first (temporary folders of an interrupted save are ignored)."""
    root = Path(output_dir) / CHECKPOINTS
    done = [p for p in root.glob("*") if p.is_dir() and not p.name.startswith(".") and (p / STATE_FILE).exists()]
    return sorted(done, key=lambda p: json.loads((p / STATE_FILE).read_text())["completed_steps"])


def save_pretrained(model, folder, **kwargs) -> None:
    """`model.save_pretrained(folder, **kwargs)`, also for a model sharded by FSDP2.

    `fully_shard` (what accelerate's FSDP plugin applies) swaps in a subclass of the model's class defined in a torch
    module; transformers would copy that torch module into the folder as the model code and name the wrapper in
    `auto_map`, so the folder would not load with `trust_remote_code`. Such a model is saved through a stand-in of
    its own class built on the meta device (no memory), which needs the full `state_dict`
    (`accelerator.get_state_dict(model)`, a collective every rank calls).
    """
    own_class = next(c for c in type(model).__mro__ if not c.__module__.startswith("torch."))
    if own_class is not type(model):
        if kwargs.get("state_dict") is None:
            raise ValueError(f"{type(model).__name__} is sharded: pass its full state_dict to save it")
        with torch.device("meta"):
            model = own_class(model.config)
    model.save_pretrained(folder, **kwargs)
