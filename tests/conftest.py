"""Shared fixtures: a warehouse built once per test session from the shipped sample."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from dbt_runner import run_dbt

from orchestration.settings import SAMPLE_LANDING_DIR, load_settings


@dataclass(frozen=True)
class SampleBuild:
    duckdb_path: Path
    # "<resource> <name>: <status>" for every dbt node that did not pass.
    failures: tuple[str, ...]


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
        failures = run_dbt(["seed"], workdir / "dbt_target")
        failures += run_dbt(["build"], workdir / "dbt_target")
    return SampleBuild(duckdb_path=duckdb_path, failures=tuple(failures))


@pytest.fixture(scope="session")
def sample_warehouse(sample_build: SampleBuild) -> Path:
    """Path of a DuckDB warehouse built from the shipped sample (raw + every dbt model)."""
    return sample_build.duckdb_path
