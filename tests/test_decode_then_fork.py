# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Decoding in a process, then forking DataLoader workers from it, must not hang.

The recipe's decoded-clip cache decodes in the main process and then starts its DataLoader workers by fork (Linux's
default); so does any user who looks at a clip before training. With PyAV 18 a decoded frame whose side data was read
sits in a reference cycle, so it lives until the garbage collector runs; had it kept libswscale's converter (with its
slice threads), a worker that collected it would free threads that do not exist in the child and wait forever (the
README's main command hung so on a fresh install). Each case runs in a child interpreter under a time limit (forked
from tests/fresh_python.py's server, which has imported torch and PyAV but decoded nothing and started no thread), so a
hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import fresh_python
import pytest
from video_factory import write_video

REPO = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import gc, sys
    import torch
    from vivit_hf import ViViTVideoProcessor
    from vivit_hf.processing.video_io import open_video

    path = sys.argv[1]
    # both conversions: resized in the decoder (libswscale scales and converts), and at the stored size
    sizes = dict(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    proc = ViViTVideoProcessor(num_frames=8, frame_stride=2, **sizes)
    print(tuple(proc.decode_video_frames(path).shape), flush=True)
    with open_video(path, backend="pyav") as reader:
        print(tuple(reader.read(list(range(8))).shape), flush=True)


    class Collecting(torch.utils.data.Dataset):  # a worker's garbage collection frees what the fork copied
        def __len__(self):
            return 4

        def __getitem__(self, i):
            gc.collect()
            return i


    print(list(torch.utils.data.DataLoader(Collecting(), num_workers=2, batch_size=None)), flush=True)
    """
)


def test_dataloader_workers_forked_after_a_decode_do_not_hang(tmp_path):
    video = write_video(tmp_path / "clip.mp4", num_frames=24, height=120, width=160)
    try:
        result = fresh_python.server(fresh_python.EXAMPLES, os.environ).run(
            ["-c", CHILD, video],
            cwd=REPO,
            timeout=120,  # about 10 s on 2 busy cores; a hang waits forever
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"the DataLoader workers forked after a decode hung: {error.stdout!r} {error.stderr!r}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[-1] == "[0, 1, 2, 3]"
