"""The code location: composes the concerns, nothing else."""

from __future__ import annotations

import dagster as dg

from orchestration.defs import ingest, publish, quality, transform
from orchestration.defs.ingest.sensors import build_sensor_defs

FULL_PIPELINE_JOB = "full_pipeline"


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions.merge(
        ingest.build_defs(),
        transform.build_defs(),
        quality.build_defs(),
        publish.build_defs(),
        build_sensor_defs(),
        dg.Definitions(
            jobs=[dg.define_asset_job(FULL_PIPELINE_JOB, selection=dg.AssetSelection.all())],
            # Steps share one DuckDB file: run them one after another in one process.
            executor=dg.in_process_executor,
        ),
    )
