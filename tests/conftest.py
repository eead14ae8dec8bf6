"""Shared fixtures: a warehouse built once per test session from the shipped sample."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestration.settings import DBT_PROJECT_DIR, SAMPLE_LANDING_DIR, load_settings


@dataclass(frozen=True)
class SampleBuild:
    duckdb_path: Path
    # "<resource> <name>: <status>" for every dbt node that did not pass.
    failures: tuple[str, ...]


def _dbt(args: list[str], target_path: Path) -> list[str]:
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


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> SampleBuild:
    """Ingest the shipped sample (seeds/landing) into a fresh warehouse, then `dbt seed` + `dbt build`."""
    from orchestration.defs.ingest.landing import load_landing_folder

    if not any(SAMPLE_LANDING_DIR.glob("*.csv")):
        pytest.fail(f"Det levererade exemplet saknas: inga CSV-filer i {SAMPLE_LANDING_DIR}.")
    workdir = tmp_path_factory.mktemp("sample_warehouse")
    duckdb_path = workdir / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        # The sample folder is the settings default; a developer's own LANDING_DIR must not leak in.
        patch.delenv("LANDING_DIR", raising=False)
        patch.setenv("DUCKDB_PATH", str(duckdb_path))
        summary = load_landing_folder(load_settings())
        assert not summary.errors, summary.errors
        failures = _dbt(["seed"], workdir / "dbt_target")
        failures += _dbt(["build"], workdir / "dbt_target")
    return SampleBuild(duckdb_path=duckdb_path, failures=tuple(failures))


@pytest.fixture(scope="session")
def sample_warehouse(sample_build: SampleBuild) -> Path:
    """Path of a DuckDB warehouse built from the shipped sample (raw + every dbt model)."""
    return sample_build.duckdb_path
