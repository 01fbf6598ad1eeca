# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What the recipes are built of: data set adapters and the bundled data (`data/`), mixup, metrics, the paper's
presets, launch helpers, checkpoints, and the fine-tuning recipe's flags, model and loss (`finetune.py`)."""
