# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What the recipes are built of: data set adapters and the bundled data (`data/`), mixup (`mixup.py`), metrics
(`metrics.py`), the paper's presets (`presets.py`), launch helpers (`launch.py`), checkpoints (`checkpoints.py`), the
fine-tuning recipe's data, model and loss (`finetune.py`), its flags (`finetune_flags.py`), what a resume may change
(`resume.py`), the best model and early stopping (`best_model.py`), the weights' moving average
(`model_ema.py`), layer-wise learning-rate decay
(`layer_decay.py`), class weights (`class_weights.py`), multi-label data's loss and mAP (`multi_label.py`),
evaluate.py's reusable parts (`evaluation.py`), every recipe's parser and its closest-flag answer (`flags.py`), what
every process of a launch agrees on before a run (`agreement.py`), and the loop's clips per second and data wait
(`throughput.py`). docs/layout.md maps each."""
