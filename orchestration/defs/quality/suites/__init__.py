"""The mart suites, one per mart, in the order they run."""

from __future__ import annotations

from orchestration.defs.quality.framework import MartSuite
from orchestration.defs.quality.suites import personnel

SUITES: list[MartSuite] = [personnel.SUITE]
