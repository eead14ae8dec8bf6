"""dbt models as Dagster assets, through dagster-dbt with its default translator.

dbt sources `raw.<table>` map to the asset keys ["raw", <table>] that the
ingest assets produce, so lineage lines up by naming alone.
"""

import os
from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.transform.project import dbt_project
from orchestration.defs.transform.state import build_args, project_fingerprint, store_fingerprint
from orchestration.settings import load_settings
from orchestration.warehouse import warehouse_lock


def export_warehouse_path() -> None:
    """dbt reads the warehouse file from DUCKDB_PATH; make it the one Dagster uses."""
    os.environ["DUCKDB_PATH"] = str(load_settings().duckdb_path)


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, pool="duckdb")
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    export_warehouse_path()
    settings = load_settings()
    fingerprint = project_fingerprint(dbt_project.manifest_path)
    args = build_args(settings, fingerprint)
    with warehouse_lock(settings):
        yield from dbt.cli(args, context=context).stream()
    # A failed build raised above; a partial selection leaves other models as they were.
    if not context.is_subset:
        store_fingerprint(settings, fingerprint)
