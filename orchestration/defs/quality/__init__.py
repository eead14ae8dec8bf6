"""Quality: one GX Core suite per mart, each a blocking Dagster asset check."""

from __future__ import annotations

import dagster as dg


def build_defs() -> dg.Definitions:
    from orchestration.defs.quality.checks import build_suite_checks
    from orchestration.defs.quality.suites import SUITES

    return dg.Definitions(asset_checks=build_suite_checks(SUITES))
