"""Incremental publishing: a new version rewrites only the marts that changed and shares the rest."""

from __future__ import annotations

import hashlib
import json
import os
import textwrap
from pathlib import Path

import duckdb
import pytest
from concurrent_reader import publish_while_reading

from orchestration.defs.publish import versions
from orchestration.defs.publish.versions import PUBLICATION_TABLE, prune_versions, publish_marts
from orchestration.defs.quality.framework import SuiteOutcome
from orchestration.settings import Settings, load_settings
from orchestration.warehouse import warehouse_connection

MUNICIPALITIES = ("1489", "1440", "1401", "1480")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {
            "LANDING_DIR": str(tmp_path / "landing"),
            "DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
            "PUBLISH_DIR": str(tmp_path / "published"),
            "PSEUDONYM_KEY": "test-key-for-publish-tests",
            "DUCKDB_MEMORY_LIMIT": "512MB",
        }
    )


def passed() -> SuiteOutcome:
    return SuiteOutcome(
        suite="personnel",
        title="Personal",
        validated_at="2025-03-05T06:10:00+00:00",
        expectations_by_mart={"fct_metric_values": 8},
        rows_by_frame={"fct_metric_values": 48},
        failures=[],
        data_docs_index="/nowhere/index.html",
    )


def build_warehouse(settings: Settings) -> None:
    """Marts in the shape the dbt project builds: metric values per unit with counts of individuals,
    a ledger, a person-level fact and a dimension, every row stored in no particular municipality order."""
    municipalities = ", ".join(f"('{municipality}')" for municipality in reversed(MUNICIPALITIES))
    with warehouse_connection(settings) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute(
            f"""
            create or replace table marts.fct_metric_values as
            select
                municipality_id,
                cast(2024 + year_offset as integer) as year,
                cast(2024 + year_offset as varchar) as period,
                'enhet' as level,
                cast(1000 + unit_number as varchar) as unit_id,
                metric as metric_id,
                cast(unit_number * 1.5 as double) as value,
                cast(3 + unit_number as bigint) as n_individuals
            from (values {municipalities}) as municipalities(municipality_id)
            cross join range(2) as years(year_offset)
            cross join range(3) as units(unit_number)
            cross join (values ('sick_leave_pct'), ('employees_permanent')) as metrics(metric)
            order by unit_number desc, municipality_id
            """
        )
        connection.execute(
            f"""
            create or replace table marts.fct_ledger_months as
            select
                municipality_id,
                '2024-01' as period,
                cast(-1000.25 * length(municipality_id) as decimal(18, 4)) as actual_sek,
                md5(municipality_id) as person_hash
            from (values {municipalities}) as municipalities(municipality_id)
            """
        )
        connection.execute(
            """
            create or replace table marts.fct_employment_months as
            select '1489' as municipality_id, '2024-01' as period, md5('a') as person_hash, 1.0 as fte_contracted
            """
        )
        connection.execute(
            f"""
            create or replace table marts.dim_municipality as
            select municipality_id, 'Kommun ' || municipality_id as municipality_name
            from (values {municipalities}) as municipalities(municipality_id)
            """
        )
        connection.execute("comment on table marts.dim_municipality is 'Kommuner'")
        connection.execute("comment on column marts.fct_ledger_months.actual_sek is 'Utfall i kronor'")


def publish(settings: Settings, run_id: str) -> versions.Publication:
    return publish_marts(settings, run_id=run_id, outcomes={"personnel": passed()}, quality_dir=None)


def manifest(publication: versions.Publication) -> dict:
    return json.loads((publication.path / "manifest.json").read_text(encoding="utf-8"))


def parquet(publication: versions.Publication, table: str) -> Path:
    return publication.path / "marts" / f"{table}.parquet"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_changed_mart_is_rewritten_and_the_unchanged_ones_are_shared_with_the_previous_version(
    settings: Settings,
) -> None:
    build_warehouse(settings)
    first = publish(settings, "run-1")
    first_files = {table: os.stat(parquet(first, table)) for table in first.rows_by_table}
    with warehouse_connection(settings) as connection:
        connection.execute("update marts.fct_ledger_months set actual_sek = actual_sek - 1 where municipality_id = '1440'")

    second = publish(settings, "run-2")

    assert not second.unchanged and second.version != first.version
    assert second.reused_tables == ("dim_municipality", "fct_metric_values")
    for table in second.reused_tables:
        shared = os.stat(parquet(second, table))
        assert (shared.st_ino, shared.st_dev) == (first_files[table].st_ino, first_files[table].st_dev)
        assert shared.st_mtime_ns == first_files[table].st_mtime_ns
    assert os.stat(parquet(second, "fct_ledger_months")).st_ino != first_files["fct_ledger_months"].st_ino
    tables = manifest(second)["tables"]
    assert {table: info["reused_from"] for table, info in tables.items()} == {
        "dim_municipality": first.version,
        "fct_ledger_months": None,
        "fct_metric_values": first.version,
    }
    for table, info in tables.items():
        assert sha256(second.path / info["parquet"]) == info["sha256"]
    assert sha256(second.path / "warehouse.duckdb") == manifest(second)["duckdb"]["sha256"]

    with duckdb.connect(str(second.path / "warehouse.duckdb"), read_only=True) as reader:
        assert reader.execute(f"select version, run_id from {PUBLICATION_TABLE}").fetchall() == [
            (second.version, "run-2")
        ]
        assert {row[0] for row in reader.execute("select table_name from duckdb_tables()").fetchall()} == {
            "dim_municipality",
            "fct_ledger_months",
            "fct_metric_values",
            PUBLICATION_TABLE,
        }
        assert reader.execute(
            "select actual_sek from fct_ledger_months where municipality_id = '1440'"
        ).fetchone()[0] == pytest.approx(-4002.0)
        assert reader.execute("select count(*) from fct_metric_values").fetchone()[0] == 48
        assert reader.execute(
            "select comment from duckdb_tables() where table_name = 'dim_municipality'"
        ).fetchone() == ("Kommuner",)
        assert reader.execute(
            "select comment from duckdb_columns() where table_name = 'fct_ledger_months' and column_name = 'actual_sek'"
        ).fetchone() == ("Utfall i kronor",)
        assert reader.execute(
            "select count(*) from duckdb_columns() where column_name = 'person_hash'"
        ).fetchone() == (0,)
        # Suppression survives the reuse: the shared table's small cells are still blank and flagged.
        assert reader.execute(
            "select count(*), count(value) from fct_metric_values where is_suppressed"
        ).fetchone() == (32, 0)


def test_publishing_again_after_the_change_keeps_the_version_with_the_shared_files(settings: Settings) -> None:
    build_warehouse(settings)
    publish(settings, "run-1")
    with warehouse_connection(settings) as connection:
        connection.execute("update marts.dim_municipality set municipality_name = 'Ale' where municipality_id = '1440'")
    second = publish(settings, "run-2")

    again = publish(settings, "run-3")

    assert again.unchanged and again.version == second.version
    assert again.rows_by_table == second.rows_by_table


def test_a_changed_description_alone_rewrites_that_mart(settings: Settings) -> None:
    build_warehouse(settings)
    first = publish(settings, "run-1")
    with warehouse_connection(settings) as connection:
        connection.execute("comment on table marts.dim_municipality is 'Kommuner och regioner'")

    second = publish(settings, "run-2")

    assert second.reused_tables == ("fct_ledger_months", "fct_metric_values")
    assert os.stat(parquet(second, "dim_municipality")).st_ino != os.stat(parquet(first, "dim_municipality")).st_ino
    with duckdb.connect(str(second.path / "warehouse.duckdb"), read_only=True) as reader:
        assert reader.execute(
            "select comment from duckdb_tables() where table_name = 'dim_municipality'"
        ).fetchone() == ("Kommuner och regioner",)


def test_a_mart_dropped_from_the_warehouse_leaves_the_new_version(settings: Settings) -> None:
    build_warehouse(settings)
    publish(settings, "run-1")
    with warehouse_connection(settings) as connection:
        connection.execute("drop table marts.fct_ledger_months")

    second = publish(settings, "run-2")

    assert second.reused_tables == ("dim_municipality", "fct_metric_values")
    assert not parquet(second, "fct_ledger_months").exists()
    assert set(manifest(second)["tables"]) == {"dim_municipality", "fct_metric_values"}
    with duckdb.connect(str(second.path / "warehouse.duckdb"), read_only=True) as reader:
        assert {row[0] for row in reader.execute("select table_name from duckdb_tables()").fetchall()} == {
            "dim_municipality",
            "fct_metric_values",
            PUBLICATION_TABLE,
        }


def test_a_shared_file_outlives_the_pruned_version_it_was_first_written_in(settings: Settings) -> None:
    build_warehouse(settings)
    first = publish(settings, "run-1")
    with warehouse_connection(settings) as connection:
        connection.execute("update marts.fct_ledger_months set actual_sek = 0")
    second = publish(settings, "run-2")

    assert prune_versions(settings.publish_dir, keep=1) == [first.version]

    shared = manifest(second)["tables"]["fct_metric_values"]
    assert shared["reused_from"] == first.version
    assert sha256(second.path / shared["parquet"]) == shared["sha256"]
    with duckdb.connect() as reader:
        assert reader.execute(f"select count(*) from read_parquet('{second.path / shared['parquet']}')").fetchone() == (
            48,
        )


def test_without_hard_links_the_unchanged_file_is_copied_byte_for_byte(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_warehouse(settings)
    first = publish(settings, "run-1")
    with warehouse_connection(settings) as connection:
        connection.execute("update marts.fct_ledger_months set actual_sek = 0")

    def no_links(source: os.PathLike, target: os.PathLike) -> None:
        raise OSError(95, "Operation not supported", str(target))

    monkeypatch.setattr(versions.os, "link", no_links)
    second = publish(settings, "run-2")

    copied = parquet(second, "fct_metric_values")
    assert os.stat(copied).st_ino != os.stat(parquet(first, "fct_metric_values")).st_ino
    assert sha256(copied) == sha256(parquet(first, "fct_metric_values")) == manifest(second)["tables"][
        "fct_metric_values"
    ]["sha256"]
    assert not os.access(copied, os.W_OK) or os.geteuid() == 0


def test_marts_are_written_in_municipality_order_so_readers_can_skip_row_groups(settings: Settings) -> None:
    build_warehouse(settings)

    publication = publish(settings, "run-1")

    with duckdb.connect() as reader:
        rows = reader.execute(
            f"select municipality_id, metric_id, year from read_parquet('{parquet(publication, 'fct_metric_values')}')"
        ).fetchall()
    assert rows == sorted(rows)
    with duckdb.connect(str(publication.path / "warehouse.duckdb"), read_only=True) as reader:
        stored = reader.execute("select municipality_id, metric_id, year from fct_metric_values").fetchall()
    assert stored == rows


READER = textwrap.dedent(
    """
    import hashlib, json, os, sys, traceback
    from pathlib import Path
    import duckdb

    publish_dir, stop_file = Path(sys.argv[1]), Path(sys.argv[2])
    try:
        while not stop_file.exists():
            with duckdb.connect(str(publish_dir / "current" / "warehouse.duckdb"), read_only=True) as connection:
                version = connection.execute("select version from _publication").fetchone()[0]
                manifest = json.loads((publish_dir / "versions" / version / "manifest.json").read_text())
                for table, info in manifest["tables"].items():
                    count = connection.execute(f'select count(*) from "{table}"').fetchone()[0]
                    if count != info["rows"]:
                        raise AssertionError(f"{version} {table}: {count} rows, manifest says {info['rows']}")
                generation = connection.execute("select max(generation) from fct_ledger_months").fetchone()[0]
                if manifest["tables"]["fct_ledger_months"]["rows"] != 10 + generation:
                    raise AssertionError(f"{version}: ledger of generation {generation} in another version")
            version_dir = Path(os.path.realpath(publish_dir / "current"))
            manifest = json.loads((version_dir / "manifest.json").read_text())
            for table, info in manifest["tables"].items():
                path = version_dir / info["parquet"]
                if hashlib.sha256(path.read_bytes()).hexdigest() != info["sha256"]:
                    raise AssertionError(f"{path}: checksum differs from the manifest")
            print(json.dumps({"duckdb": version, "parquet": manifest["version"]}), flush=True)
    except BaseException:
        print(json.dumps({"error": traceback.format_exc()}), flush=True)
        sys.exit(1)
    """
)


def test_a_concurrent_reader_sees_complete_versions_while_most_files_are_shared(
    settings: Settings, tmp_path: Path
) -> None:
    build_warehouse(settings)

    def write_ledger(generation: int) -> None:
        with warehouse_connection(settings) as connection:
            connection.execute(
                f"""
                create or replace table marts.fct_ledger_months as
                select '1489' as municipality_id, {generation} as generation, month_number
                from range({10 + generation}) as months(month_number)
                """
            )

    write_ledger(0)
    publish(settings, "run-0")

    def publish_generation(generation: int) -> versions.Publication:
        write_ledger(generation)
        publication = publish(settings, f"run-{generation}")
        assert publication.reused_tables == ("dim_municipality", "fct_metric_values")
        return publication

    seen = publish_while_reading(READER, settings.publish_dir, tmp_path, publish_generation, range(1, 9))
    assert len({read["duckdb"] for read in seen}) >= 8
