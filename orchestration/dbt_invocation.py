"""dbt run in this process on a chosen warehouse file, beside the builds Dagster runs.

dbt reads the warehouse file from DUCKDB_PATH (profiles.yml), so it is set for the call only. Each
call writes to a target path of its own, leaving the manifest Dagster reads in dbt_project/target
untouched. dbt-duckdb keeps its DuckDB instance open for the life of the process, and with it the
file; it is released after the call so the file can be opened, measured or locked again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.settings import DBT_PROJECT_DIR

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult


def invoke_dbt(args: Sequence[str], *, target_path: Path, duckdb_path: Path | None = None) -> dbtRunnerResult:
    """`dbt <args>` on the project; with `duckdb_path`, on that file instead of DUCKDB_PATH's."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    previous_path = os.environ.get("DUCKDB_PATH")
    if duckdb_path is not None:
        os.environ["DUCKDB_PATH"] = str(duckdb_path)
    try:
        return dbtRunner().invoke(
            [
                *args,
                "--project-dir", str(DBT_PROJECT_DIR),
                "--profiles-dir", str(DBT_PROJECT_DIR),
                "--target-path", str(target_path),
                "--log-path", str(target_path / "logs"),
            ]
        )  # fmt: skip
    finally:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
        if previous_path is None:
            os.environ.pop("DUCKDB_PATH", None)
        else:
            os.environ["DUCKDB_PATH"] = previous_path
