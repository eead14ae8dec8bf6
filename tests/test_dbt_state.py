"""The transform step's full-refresh rule: incremental only while the dbt project is unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_runner import run_dbt

from orchestration.defs.transform.state import build_args, project_fingerprint, store_fingerprint
from orchestration.settings import load_settings

MANIFEST = {
    "metadata": {"project_name": "omsorgslager", "dbt_version": "1.11.16"},
    "nodes": {
        "model.omsorgslager.fct_metric_values": {
            "resource_type": "model",
            "checksum": {"name": "sha256", "checksum": "aaa"},
            "config": {"materialized": "incremental"},
        },
        "seed.omsorgslager.account_mapping": {
            "resource_type": "seed",
            "checksum": {"name": "sha256", "checksum": "bbb"},
            "config": {},
        },
        "test.omsorgslager.not_null_fct_metric_values_value": {
            "resource_type": "test",
            "checksum": {"name": "sha256", "checksum": "ccc"},
            "config": {},
        },
    },
    "macros": {
        "macro.omsorgslager.load_partitions_filter": {"package_name": "omsorgslager", "macro_sql": "true"},
        "macro.dbt.is_incremental": {"package_name": "dbt", "macro_sql": "adapter code"},
    },
}


def _fingerprint(tmp_path: Path, change: tuple[str, ...] = (), value: object = None) -> str:
    manifest = json.loads(json.dumps(MANIFEST))
    if change:
        *path, last = change
        target = manifest
        for key in path:
            target = target[key]
        target[last] = value
    path = tmp_path / f"manifest-{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return project_fingerprint(path)


def test_fingerprint_follows_what_builds_the_tables(tmp_path: Path) -> None:
    base = _fingerprint(tmp_path)
    assert _fingerprint(tmp_path) == base
    seed = ("nodes", "seed.omsorgslager.account_mapping", "checksum", "checksum")
    model_config = ("nodes", "model.omsorgslager.fct_metric_values", "config", "materialized")
    own_macro = ("macros", "macro.omsorgslager.load_partitions_filter", "macro_sql")
    for change, value in ((seed, "changed"), (model_config, "table"), (own_macro, "false")):
        assert _fingerprint(tmp_path, change, value) != base, change
    test_sql = ("nodes", "test.omsorgslager.not_null_fct_metric_values_value", "checksum", "checksum")
    assert _fingerprint(tmp_path, test_sql, "changed") == base


def test_full_refresh_until_the_same_project_has_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DEMO_MODE", "1")
    settings = load_settings()
    first, second = _fingerprint(tmp_path), _fingerprint(tmp_path, ("metadata", "dbt_version"), "1.12.0")
    assert build_args(settings, first) == ["build", "--exclude-resource-type", "unit_test", "--full-refresh"]
    store_fingerprint(settings, first)
    assert build_args(settings, first) == [
        "build", "--exclude-resource-type", "unit_test", "--exclude", "resource_type:seed", "--indirect-selection", "cautious"
    ]  # fmt: skip
    assert "--full-refresh" in build_args(settings, second)
    store_fingerprint(settings, second)
    assert "--full-refresh" not in build_args(settings, second)


def test_tables_of_retired_models_are_dropped(sample_warehouse: Path, tmp_path: Path) -> None:
    """A model removed from the project leaves no stale table behind; raw and the project's tables stay."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_warehouse, warehouse)
    connection = duckdb.connect(str(warehouse))
    try:
        connection.execute("create table intermediate.int_employment_months_joined_to_units as select 1 as one")
        connection.execute("create view marts.fct_retired as select 1 as one")
        connection.execute(
            "insert into transform_state.load_watermarks "
            "values ('int_employment_months_joined_to_units', 7, current_timestamp)"
        )
        raw_before = connection.execute("select count(*) from raw.personal_manad").fetchone()
    finally:
        connection.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DUCKDB_PATH", str(warehouse))
        assert not run_dbt(["run", "--select", "dim_calendar"], tmp_path / "dbt_target")
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = {
            (schema, name)
            for schema, name in connection.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        assert ("intermediate", "int_employment_months_joined_to_units") not in tables
        assert ("marts", "fct_retired") not in tables
        assert {("marts", "fct_employment_months"), ("reference", "areas"), ("raw", "load_log")} <= tables
        assert connection.execute(
            "select count(*) from transform_state.load_watermarks "
            "where model_name = 'int_employment_months_joined_to_units'"
        ).fetchone() == (0,)
        assert connection.execute("select count(*) from raw.personal_manad").fetchone() == raw_before
    finally:
        connection.close()
