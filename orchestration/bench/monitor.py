"""Resident memory of a process and all its descendants, sampled in a background thread.

The pipeline runs dbt as a child process of the Dagster process, so the
memory a stage needs is the sum over the tree, not the root's own RSS. Shared
pages are counted once per process, which overstates slightly; the target is
an upper bound, so overstating is the safe side.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psutil

SAMPLE_SECONDS = 0.2


@dataclass
class MemoryTrace:
    # (wall-clock seconds since the epoch, summed RSS in bytes)
    samples: list[tuple[float, int]] = field(default_factory=list)

    @property
    def peak(self) -> int:
        return max((rss for _, rss in self.samples), default=0)

    def peak_between(self, start: float, end: float) -> int:
        inside = [rss for moment, rss in self.samples if start <= moment <= end]
        if inside:
            return max(inside)
        # A step shorter than one sampling interval: the nearest sample is the best estimate.
        nearest = min(self.samples, key=lambda sample: abs(sample[0] - start), default=(0.0, 0))
        return nearest[1]


def tree_rss(root: psutil.Process) -> int:
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


class TreeMemorySampler:
    """`with TreeMemorySampler(pid) as trace:` samples until the block ends."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS):
        self._root = psutil.Process(pid)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)
        self.trace = MemoryTrace()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.trace.samples.append((time.time(), tree_rss(self._root)))
            self._stop.wait(self._interval)

    def __enter__(self) -> MemoryTrace:
        self._thread.start()
        return self.trace

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
