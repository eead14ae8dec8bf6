"""Ingest: landing-folder deliveries into the DuckDB `raw` schema."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.ingest.assets import ASSETS


def build_defs() -> dg.Definitions:
    return dg.Definitions(assets=ASSETS)
