"""The mart suites, one per mart, in the order they run."""

from __future__ import annotations

from orchestration.defs.quality.framework import MartSuite
from orchestration.defs.quality.suites import economy, effectiveness, goals, metrics, personnel, quality

SUITES: list[MartSuite] = [
    personnel.SUITE,
    economy.SUITE,
    quality.SUITE,
    effectiveness.SUITE,
    goals.SUITE,
    metrics.SUITE,
]
