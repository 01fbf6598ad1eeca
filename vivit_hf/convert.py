# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`python -m vivit_hf.convert` and the scenic conversion functions under their documented names.

`load_scenic(params, scenic_config)` returns the right `*ForVideoClassification` in eval mode; `to_scenic(model)`
maps back to scenic names; `convert_scenic_checkpoint` / `convert_transformers_checkpoint` write a Hub-ready folder,
as the command line does. The code lives in `vivit_hf.conversion` (`scenic.py`, `cli.py`).
"""

from .conversion.cli import convert_scenic_checkpoint, convert_transformers_checkpoint, main
from .conversion.scenic import ScenicConversionError, config_from_scenic, load_scenic, load_scenic_into, to_scenic

__all__ = [
    "ScenicConversionError",
    "config_from_scenic",
    "convert_scenic_checkpoint",
    "convert_transformers_checkpoint",
    "load_scenic",
    "load_scenic_into",
    "main",
    "to_scenic",
]

if __name__ == "__main__":
    raise SystemExit(main())
