"""The board's key-figure report, built from the published marts only."""

from orchestration.reports.build import build_report, main

__all__ = ["build_report", "main"]
