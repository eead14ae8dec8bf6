"""dbt, run in-process by the tests on a warehouse of their own (DUCKDB_PATH)."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR


def run_dbt(args: list[str], target_path: Path) -> list[str]:
    """Run dbt in-process on the project; returns "<node>: <status>" for every node that did not pass."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        [
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path / "logs"),
        ]
    )
    # dbt-duckdb keeps its DuckDB instance open for the life of the process; release the file so
    # the tests can open it read-only afterwards.
    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager._ENV = None
    if result.exception is not None:
        raise RuntimeError(f"dbt {args[0]} kunde inte köras: {result.exception}") from result.exception
    run_results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))
    return [
        f"{outcome['unique_id']}: {outcome['status']} {outcome.get('message') or ''}".strip()
        for outcome in run_results["results"]
        if outcome["status"] not in ("success", "pass")
    ]
