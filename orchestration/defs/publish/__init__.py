"""Publish: the checked marts for BI tools, and the monthly schedule of the whole pipeline."""

from __future__ import annotations

import dagster as dg


def build_defs() -> dg.Definitions:
    from orchestration.defs.publish.assets import published_marts
    from orchestration.defs.publish.schedules import monthly_full_pipeline

    return dg.Definitions(assets=[published_marts], schedules=[monthly_full_pipeline])
