"""dbt models as Dagster assets, through dagster-dbt with its default translator.

dbt sources `raw.<table>` map to the asset keys ["raw", <table>] that the
ingest assets produce, so lineage lines up by naming alone.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.transform.project import dbt_project
from orchestration.defs.transform.state import build_args, project_fingerprint, store_fingerprint
from orchestration.settings import load_settings
from orchestration.warehouse import warehouse_lock

# dagster-dbt gives every dbt command a target folder of its own (compiled SQL, run results, logs:
# about 16 MB each here), and nothing removes them: a daily run would fill gigabytes a year. The
# newest are kept for debugging.
KEPT_RUN_FOLDERS = 10


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
        invocation = dbt.cli(args, context=context)
        try:
            yield from invocation.stream()
        finally:
            prune_run_folders(Path(invocation.target_path), keep=KEPT_RUN_FOLDERS)
    # A failed build raised above; a partial selection leaves other models as they were.
    if not context.is_subset:
        store_fingerprint(settings, fingerprint)


def prune_run_folders(newest: Path, *, keep: int) -> None:
    """Remove all but the `keep` newest target folders of the op that wrote `newest` (named `<op>-<run>-<id>`)."""
    prefix = newest.name.split("-", 1)[0] + "-"
    folders = [path for path in newest.parent.glob(f"{prefix}*") if path.is_dir() and path.name.count("-") == 2]
    folders.sort(key=lambda path: path.stat().st_mtime_ns, reverse=True)
    for folder in folders[keep:]:
        if folder != newest:
            shutil.rmtree(folder, ignore_errors=True)
