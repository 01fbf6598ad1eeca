# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""How fast the fine-tuning loop trains and how much of its time it waits for data (issue 17).

`ThroughputMeter` times each optimiser step of `recipes/finetune.py` on the host: the time spent in `next()` of the
data loader's iterator (data wait) and the wall time from one step's start to the next one's, after the first
`warmup_steps` steps. `combine` turns the sums of every process into the run's figures.

Where the clock is read matters on an accelerator, whose kernels run behind the host: the host only learns that a
step has ended when it syncs. A step's wall time therefore runs from the moment it asks for its first batch to the
moment the next step asks for its own (or `pause` is called): any host sync in between, such as a logging step's
`loss.item()`, falls inside it, and in steady state the host cannot run more than a few steps ahead of the device
(kernel launches block once the device's queue is full), so the sum over many steps is the device's time. The data
wait is the time the host spent in `next()`: while it waits, the device can still be finishing queued work, so the
wait share is an upper bound of the device's idle share, and equals it once the device has drained its queue (a
loader that cannot keep up). This only holds if `next()` itself does not sync with the device: a blocking copy to
the GPU does (the recipe pins memory and copies without blocking).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Iterator

# The first steps start the DataLoader workers, warm the kernels and (with --torch_compile) compile: not measured.
WARMUP_STEPS = 5
WARMUP_SHARE = 0.1


def warmup_steps(steps_to_train: int) -> int:
    """Steps left out of the measurement: the first 5, or the first 10% of a run shorter than 50 steps."""
    return min(WARMUP_STEPS, int(steps_to_train * WARMUP_SHARE))


class ThroughputMeter:
    """Per optimiser step: the host time waiting for batches and the wall time; sums over the steps after warm-up.

    Use: iterate the loader through `timed(loader)`, call `add_clips(n)` per batch and `end_step()` after each
    optimiser step, and `pause()` before anything that is not training (evaluation, the end of the run): a step's
    wall time runs until the next step asks for a batch or until `pause`. `clips` may be a device tensor (no sync:
    it is only read by `totals`)."""

    def __init__(
        self,
        warmup_steps: int = 0,
        clock: Callable[[], float] = time.perf_counter,
        synchronize: Callable[[], None] | None = None,
    ):
        self.warmup_steps = warmup_steps
        self.clock = clock
        self.synchronize = synchronize  # the device's, called by `pause`: the last step's end becomes exact
        self.steps_done = 0  # optimiser steps ended, warm-up included
        self.step_seconds: list[float] = []  # wall time of each measured step
        self.wait_seconds = 0.0  # of the measured steps
        self.clips = 0  # of the measured steps
        self._start: float | None = None  # when the step now open asked for its first batch
        self._wait = 0.0  # of the step now open
        self._clips = 0  # of the step now open
        self._ended = False  # the open step has ended; its wall time closes at the next request or pause

    def timed(self, batches: Iterable) -> Iterator:
        """The batches of `batches`, the time spent getting each (creating the iterator included) counted as data
        wait of the step that asked for it."""
        start = self.clock()
        iterator = iter(batches)
        while True:
            try:
                batch = next(iterator)
            except StopIteration:  # the last step stays open for `pause`, which syncs before closing it
                return
            got = self.clock()
            self._open(start)
            self._wait += got - start
            yield batch
            start = self.clock()

    def add_clips(self, clips) -> None:
        """Clips in the batch just trained on (an int or a tensor)."""
        self._clips = self._clips + clips

    def end_step(self) -> None:
        """An optimiser step is done: its wall time ends when the next step asks for a batch, or at `pause`."""
        self._ended = True

    def pause(self) -> None:
        """Leaving training: the device finishes its queue, the ended step closes now; a step begun but not ended
        (the loop stopped between its batches) is dropped."""
        if self.synchronize is not None:
            self.synchronize()
        if self._ended:
            self._close(self.clock())
        self._start, self._wait, self._clips = None, 0.0, 0

    def totals(self) -> dict:
        """This process's sums over the measured steps (`clips` read from the device here)."""
        return {
            "steps": len(self.step_seconds),
            "clips": float(self.clips),
            "seconds": sum(self.step_seconds),
            "wait_seconds": self.wait_seconds,
            "median_step_seconds": statistics.median(self.step_seconds) if self.step_seconds else 0.0,
        }

    def _open(self, now: float) -> None:
        if self._ended:  # the previous step ends where this request starts
            self._close(now)
        if self._start is None:
            self._start = now

    def _close(self, now: float) -> None:
        self.steps_done += 1
        if self.steps_done > self.warmup_steps:
            self.step_seconds.append(now - self._start)
            self.wait_seconds += self._wait
            self.clips = self.clips + self._clips
        self._start, self._wait, self._clips, self._ended = None, 0.0, 0, False


# The order of `combine`'s input: each process's totals as one vector, summed over the processes.
TOTALS = ("steps", "clips", "seconds", "wait_seconds", "median_step_seconds")


def combine(summed: dict, num_processes: int) -> dict:
    """The run's figures from the totals of every process summed (`TOTALS`): clips per second of all processes
    together (they step in lockstep: all clips over one process's wall time, the mean), the share of the wall time
    spent waiting for data and the median step (means over the processes). None before any step is measured."""
    if not summed["steps"] or not summed["seconds"]:
        return {
            "train_clips_per_second": None,
            "train_data_wait_share": None,
            "train_step_seconds_median": None,
            "train_throughput_steps": 0,
            "train_throughput_clips": 0,
        }
    return {
        "train_clips_per_second": summed["clips"] / (summed["seconds"] / num_processes),
        "train_data_wait_share": summed["wait_seconds"] / summed["seconds"],
        "train_step_seconds_median": summed["median_step_seconds"] / num_processes,
        "train_throughput_steps": round(summed["steps"] / num_processes),
        "train_throughput_clips": round(summed["clips"]),
    }
