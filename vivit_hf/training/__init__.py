# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What the recipes are built of: data set adapters and the bundled data (`data/`), mixup, metrics, the paper's
presets, launch helpers, checkpoints, the fine-tuning recipe's data, model and loss (`finetune.py`), its flags
(`finetune_flags.py`), what a resume may change (`resume.py`), the best model and early stopping (`best_model.py`),
layer-wise learning-rate decay (`layer_decay.py`), class weights (`class_weights.py`), and evaluate.py's reusable
parts (`evaluation.py`)."""
