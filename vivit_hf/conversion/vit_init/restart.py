# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The old path of `vivit_hf/conversion/restart.py`, where `from_vivit_checkpoint` (a ViViT checkpoint restarted, not
an image ViT's start) lived: importing it gives that module itself, not a copy of its names, so a patch of one of its
helpers here (`unfit_layers`, `layer_of`) reaches `from_vivit_checkpoint` as it did before the move (a re-export's
patch changed a name nothing reads), and its private names import from here as they did."""

import sys

from .. import restart

sys.modules[__name__] = restart
