"""The Dagster instance `omsorgslager prepare` configures: run history in SQLite, one flush per many events."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dagster as dg

from orchestration.cli import DAGSTER_YAML_HEADER, write_dagster_yaml
from orchestration.instance import RunHistoryEventLogStorage

CHECKS = 30


@dg.asset
def unit_register() -> int:
    return 1


@dg.multi_asset_check(specs=[dg.AssetCheckSpec(f"check_{number}", asset="unit_register") for number in range(CHECKS)])
def unit_register_checks():
    for number in range(CHECKS):
        yield dg.AssetCheckResult(asset_key="unit_register", check_name=f"check_{number}", passed=number != 3)


def test_prepare_writes_its_own_configuration_and_leaves_a_users(tmp_path: Path) -> None:
    write_dagster_yaml(tmp_path)
    ours = (tmp_path / "dagster.yaml").read_text(encoding="utf-8")
    assert ours.startswith(DAGSTER_YAML_HEADER)
    assert f"base_dir: {tmp_path.resolve() / 'history' / 'runs'}" in ours

    # An older file of ours is brought up to date; a file somebody wrote is theirs.
    (tmp_path / "dagster.yaml").write_text(f"{DAGSTER_YAML_HEADER} older\ntelemetry:\n  enabled: false\n", encoding="utf-8")
    write_dagster_yaml(tmp_path)
    assert (tmp_path / "dagster.yaml").read_text(encoding="utf-8") == ours
    own = "telemetry:\n  enabled: true\n"
    (tmp_path / "dagster.yaml").write_text(own, encoding="utf-8")
    write_dagster_yaml(tmp_path)
    assert (tmp_path / "dagster.yaml").read_text(encoding="utf-8") == own


def test_run_history_is_kept_and_readable(tmp_path: Path) -> None:
    write_dagster_yaml(tmp_path)
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, RunHistoryEventLogStorage)
        with storage.index_connection() as connection:
            assert connection.exec_driver_sql("pragma synchronous").fetchall() == [(1,)]  # NORMAL
            assert connection.exec_driver_sql("pragma journal_mode").fetchall() == [("wal",)]
        result = dg.materialize([unit_register, unit_register_checks], instance=instance, raise_on_error=False)
        run_id = result.run_id
        checks = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("unit_register"), f"check_{number}") for number in range(CHECKS)]
        )
        assert len(checks) == CHECKS
    # Everything was written to Dagster's usual files, readable by a plain instance (dagster dev, the UI).
    run_database = tmp_path / "history" / "runs" / f"{run_id}.db"
    with sqlite3.connect(run_database) as connection:
        stored = dict(
            connection.execute("select dagster_event_type, count(*) from event_logs group by dagster_event_type").fetchall()
        )
    assert stored["ASSET_CHECK_EVALUATION"] == CHECKS
    assert stored["ASSET_MATERIALIZATION"] == 1
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        record = instance.get_latest_materialization_event(dg.AssetKey("unit_register"))
        assert record is not None and record.run_id == run_id



def test_events_after_a_wipe_reach_the_new_database_files(tmp_path: Path) -> None:
    write_dagster_yaml(tmp_path)
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        run = instance.get_run_by_id(dg.materialize([unit_register], instance=instance).run_id)
        instance.event_log_storage.wipe()
        instance.report_engine_event("Efter rensningen", run)
    # Kept connections to the deleted files would have written there, out of reach.
    with sqlite3.connect(tmp_path / "history" / "runs" / f"{run.run_id}.db") as connection:
        messages = [row[0] for row in connection.execute("select event from event_logs").fetchall()]
    assert len(messages) == 1 and "Efter rensningen" in messages[0]
