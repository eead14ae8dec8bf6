"""dbt, run in-process by the tests on a warehouse of their own (DUCKDB_PATH)."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.dbt_invocation import invoke_dbt


def run_dbt(args: list[str], target_path: Path) -> list[str]:
    """Run dbt in-process on the project (on DUCKDB_PATH); returns "<node>: <status>" for every node that did not pass."""
    result = invoke_dbt(args, target_path=target_path)
    if result.exception is not None:
        raise RuntimeError(f"dbt {args[0]} kunde inte köras: {result.exception}") from result.exception
    run_results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))
    return [
        f"{outcome['unique_id']}: {outcome['status']} {outcome.get('message') or ''}".strip()
        for outcome in run_results["results"]
        if outcome["status"] not in ("success", "pass")
    ]
