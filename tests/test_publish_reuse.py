"""Incremental publishing: a new version rewrites only the marts that changed and shares the rest."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import textwrap
import threading
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from concurrent_reader import publish_while_reading

from orchestration.defs.publish import versions
from orchestration.defs.publish.versions import PUBLICATION_TABLE, prune_versions, publish_marts
from orchestration.defs.quality.framework import SuiteOutcome
from orchestration.reports.published import PublishedData
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
    """Marts in the shape the dbt project builds: metric values per unit and year with counts of individuals,
    avvikelse report versions of two report years, a ledger, a person-level fact and a dimension, every row
    stored in no particular municipality order.

    Per municipality: three 2024 reports first seen in the 2024-12-31 snapshot, the first of which changed
    in the 2025-12-31 one (so two versions), and four 2025 reports first seen on 2025-12-31."""
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
            create or replace table marts.fct_incident_versions as
            select
                municipality_id,
                municipality_id || '-' || report_year || '-' || incident_number as incident_id,
                first_snapshot_date,
                last_snapshot_date,
                last_snapshot_date is null as is_current,
                cast(report_year as integer) as report_year
            from (values {municipalities}) as municipalities(municipality_id)
            cross join (
                select 2024 as report_year, incident_number, date '2024-12-31' as first_snapshot_date,
                    case when incident_number = 1 then date '2024-12-31' end as last_snapshot_date
                from range(1, 4) as incidents(incident_number)
                union all
                select 2024, 1, date '2025-12-31', null
                union all
                select 2025, incident_number, date '2025-12-31', null
                from range(1, 5) as incidents(incident_number)
            ) as versions
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
        connection.execute("comment on column marts.fct_metric_values.value is 'Måttets värde'")


def add_month(settings: Settings) -> None:
    """A new month: figures of a new year and a 2026-01-31 avvikelse snapshot with two new 2026 reports per
    municipality and a changed 2025 report, whose version seen last on 2025-12-31 ends."""
    with warehouse_connection(settings) as connection:
        connection.execute(
            """
            insert into marts.fct_metric_values
            select municipality_id, 2026, '2026-01', level, unit_id, metric_id, value + 1, n_individuals
            from marts.fct_metric_values where year = 2025
            """
        )
        connection.execute(
            """
            insert into marts.fct_incident_versions
            select municipality_id, municipality_id || '-2026-' || incident_number, date '2026-01-31', null, true, 2026
            from (select distinct municipality_id from marts.fct_incident_versions)
            cross join range(1, 3) as incidents(incident_number)
            """
        )
        connection.execute(
            """
            update marts.fct_incident_versions
            set last_snapshot_date = date '2025-12-31', is_current = false
            where report_year = 2025 and incident_id like '%-1'
            """
        )
        connection.execute(
            """
            insert into marts.fct_incident_versions
            select municipality_id, incident_id, date '2026-01-31', null, true, report_year
            from marts.fct_incident_versions where report_year = 2025 and last_snapshot_date = date '2025-12-31'
            """
        )


def publish(settings: Settings, run_id: str) -> versions.Publication:
    return publish_marts(settings, run_id=run_id, outcomes={"personnel": passed()}, quality_dir=None)


def manifest(publication: versions.Publication) -> dict:
    return json.loads((publication.path / "manifest.json").read_text(encoding="utf-8"))


def files(publication: versions.Publication, table: str) -> dict[str, Path]:
    """The table's files by their name, as the manifest lists them."""
    listed = manifest(publication)["tables"][table]["files"]
    return {Path(file["path"]).name: publication.path / file["path"] for file in listed}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def same_file(first: Path, second: Path) -> bool:
    return (os.stat(first).st_ino, os.stat(first).st_dev) == (os.stat(second).st_ino, os.stat(second).st_dev)


def duckdb_content(database: Path) -> dict:
    """Every table's columns, descriptions and rows (sorted) of a published DuckDB copy."""
    with duckdb.connect(str(database), read_only=True) as reader:
        tables = sorted(
            row[0] for row in reader.execute("select table_name from duckdb_tables()").fetchall()
            if row[0] != PUBLICATION_TABLE
        )
        return {
            "tables": tables,
            "comments": reader.execute(
                "select table_name, comment from duckdb_tables() where table_name <> ? order by all",
                [PUBLICATION_TABLE],
            ).fetchall(),
            "columns": reader.execute(
                "select table_name, column_index, column_name, data_type, comment from duckdb_columns() "
                "where table_name <> ? order by all",
                [PUBLICATION_TABLE],
            ).fetchall(),
            "rows": {table: reader.execute(f'select * from "{table}" order by all').fetchall() for table in tables},
        }


def test_a_changed_mart_is_rewritten_and_the_unchanged_ones_are_shared_with_the_previous_version(
    settings: Settings,
) -> None:
    build_warehouse(settings)
    first = publish(settings, "run-1")
    with warehouse_connection(settings) as connection:
        connection.execute("update marts.fct_ledger_months set actual_sek = actual_sek - 1 where municipality_id = '1440'")

    second = publish(settings, "run-2")

    assert not second.unchanged and second.version != first.version
    assert second.reused_tables == ("dim_municipality", "fct_incident_versions", "fct_metric_values")
    assert second.written_files == ("marts/fct_ledger_months.parquet",)
    for table in second.reused_tables:
        for name, path in files(second, table).items():
            assert same_file(path, files(first, table)[name])
            assert os.stat(path).st_mtime_ns == os.stat(files(first, table)[name]).st_mtime_ns
    tables = manifest(second)["tables"]
    assert {table: info["reused_from"] for table, info in tables.items()} == {
        "dim_municipality": first.version,
        "fct_incident_versions": first.version,
        "fct_ledger_months": None,
        "fct_metric_values": first.version,
    }
    for info in tables.values():
        for file in info["files"]:
            assert sha256(second.path / file["path"]) == file["sha256"]
    assert sha256(second.path / "warehouse.duckdb") == manifest(second)["duckdb"]["sha256"]

    with duckdb.connect(str(second.path / "warehouse.duckdb"), read_only=True) as reader:
        assert reader.execute(f"select version, run_id from {PUBLICATION_TABLE}").fetchall() == [
            (second.version, "run-2")
        ]
        assert {row[0] for row in reader.execute("select table_name from duckdb_tables()").fetchall()} == {
            "dim_municipality",
            "fct_incident_versions",
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


def test_the_big_facts_are_a_folder_of_parts_per_year_and_small_tables_one_file(
    settings: Settings,
) -> None:
    build_warehouse(settings)

    publication = publish(settings, "run-1")

    tables = manifest(publication)["tables"]
    assert tables["fct_metric_values"]["parquet"] == "marts/fct_metric_values/*.parquet"
    assert [(file["path"], file["part"], file["rows"]) for file in tables["fct_metric_values"]["files"]] == [
        ("marts/fct_metric_values/fct_metric_values_2024.parquet", 2024, 24),
        ("marts/fct_metric_values/fct_metric_values_2025.parquet", 2025, 24),
    ]
    assert tables["fct_incident_versions"]["partitioned_by"] == "report_year"
    assert [(file["path"], file["part"], file["rows"]) for file in tables["fct_incident_versions"]["files"]] == [
        ("marts/fct_incident_versions/fct_incident_versions_2024.parquet", 2024, 16),
        ("marts/fct_incident_versions/fct_incident_versions_2025.parquet", 2025, 16),
    ]
    assert tables["dim_municipality"]["parquet"] == "marts/dim_municipality.parquet"
    assert tables["fct_ledger_months"]["partitioned_by"] is None
    with duckdb.connect() as reader:
        # As a BI tool reads a folder: every part, each holding only its own year.
        assert reader.execute(
            f"select year, count(*), count(distinct filename) from "
            f"read_parquet('{publication.path}/marts/fct_metric_values/*.parquet', filename = true) "
            "group by year order by year"
        ).fetchall() == [(2024, 24, 1), (2025, 24, 1)]


def started_from_previous_copy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each DuckDB copy that starts as a copy of the previous version's file."""
    copies: list[str] = []
    copy = versions.shutil.copyfile

    def recording_copy(source: os.PathLike, target: os.PathLike) -> object:
        if Path(target).name == "warehouse.duckdb":
            copies.append(Path(source).parent.name)
        return copy(source, target)

    monkeypatch.setattr(versions.shutil, "copyfile", recording_copy)
    return copies


def test_a_new_month_writes_only_the_parts_it_changed_and_the_duckdb_copy_equals_a_fresh_one(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_warehouse(settings)
    first = publish(settings, "run-1")
    add_month(settings)
    copies = started_from_previous_copy(monkeypatch)

    second = publish(settings, "run-2")

    assert copies == [first.version]

    assert second.written_files == (
        "marts/fct_incident_versions/fct_incident_versions_2025.parquet",
        "marts/fct_incident_versions/fct_incident_versions_2026.parquet",
        "marts/fct_metric_values/fct_metric_values_2026.parquet",
    )
    assert same_file(files(second, "fct_metric_values")["fct_metric_values_2025.parquet"],
                     files(first, "fct_metric_values")["fct_metric_values_2025.parquet"])
    assert same_file(files(second, "fct_incident_versions")["fct_incident_versions_2024.parquet"],
                     files(first, "fct_incident_versions")["fct_incident_versions_2024.parquet"])
    fresh_settings = replace(settings, publish_dir=tmp_path / "fresh")
    fresh = publish(fresh_settings, "run-fresh")
    assert fresh.written_files == tuple(
        file["path"] for info in manifest(fresh)["tables"].values() for file in info["files"]
    )
    assert duckdb_content(second.path / "warehouse.duckdb") == duckdb_content(fresh.path / "warehouse.duckdb")
    with duckdb.connect(str(second.path / "warehouse.duckdb"), read_only=True) as reader:
        # Per municipality: three 2024 reports, four 2025 reports (one changed) and two new 2026 reports.
        assert reader.execute(
            "select report_year, count(*), count(distinct incident_id) from fct_incident_versions "
            "where is_current group by all order by all"
        ).fetchall() == [(2024, 12, 12), (2025, 16, 16), (2026, 8, 8)]
        assert reader.execute(
            "select count(*) from fct_incident_versions where last_snapshot_date = ?", [dt.date(2025, 12, 31)]
        ).fetchone() == (4,)


def test_a_changed_earlier_year_and_a_dropped_part_leave_the_duckdb_copy_equal_to_a_fresh_one(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_warehouse(settings)
    publish(settings, "run-1")
    add_month(settings)
    second = publish(settings, "run-2")
    with warehouse_connection(settings) as connection:
        connection.execute("update marts.fct_metric_values set value = value * 2 where year = 2024")
        connection.execute("delete from marts.fct_incident_versions where report_year = 2024")
    copies = started_from_previous_copy(monkeypatch)

    third = publish(settings, "run-3")

    assert copies == [second.version]

    assert third.written_files == ("marts/fct_metric_values/fct_metric_values_2024.parquet",)
    assert set(files(third, "fct_incident_versions")) == {
        "fct_incident_versions_2025.parquet",
        "fct_incident_versions_2026.parquet",
    }
    fresh = publish(replace(settings, publish_dir=tmp_path / "fresh"), "run-fresh")
    assert duckdb_content(third.path / "warehouse.duckdb") == duckdb_content(fresh.path / "warehouse.duckdb")


def test_publishing_again_after_the_change_keeps_the_version_with_the_shared_files(settings: Settings) -> None:
    build_warehouse(settings)
    publish(settings, "run-1")
    with warehouse_connection(settings) as connection:
        connection.execute("update marts.dim_municipality set municipality_name = 'Ale' where municipality_id = '1440'")
    second = publish(settings, "run-2")

    again = publish(settings, "run-3")

    assert again.unchanged and again.version == second.version
    assert again.rows_by_table == second.rows_by_table


def test_a_changed_description_alone_makes_a_version_that_shares_every_file(settings: Settings) -> None:
    build_warehouse(settings)
    first = publish(settings, "run-1")
    with warehouse_connection(settings) as connection:
        connection.execute("comment on table marts.dim_municipality is 'Kommuner och regioner'")
        connection.execute("comment on column marts.fct_metric_values.value is null")

    second = publish(settings, "run-2")

    # Descriptions live in the DuckDB copy (and the dbt docs), not in the Parquet files.
    assert not second.unchanged and second.written_files == ()
    assert same_file(files(second, "dim_municipality")["dim_municipality.parquet"],
                     files(first, "dim_municipality")["dim_municipality.parquet"])
    with duckdb.connect(str(second.path / "warehouse.duckdb"), read_only=True) as reader:
        assert reader.execute(
            "select comment from duckdb_tables() where table_name = 'dim_municipality'"
        ).fetchone() == ("Kommuner och regioner",)
        assert reader.execute(
            "select comment from duckdb_columns() where table_name = 'fct_metric_values' and column_name = 'value'"
        ).fetchone() == (None,)


def test_a_mart_dropped_from_the_warehouse_leaves_the_new_version(settings: Settings) -> None:
    build_warehouse(settings)
    publish(settings, "run-1")
    with warehouse_connection(settings) as connection:
        connection.execute("drop table marts.fct_ledger_months")

    second = publish(settings, "run-2")

    assert second.reused_tables == ("dim_municipality", "fct_incident_versions", "fct_metric_values")
    assert not (second.path / "marts" / "fct_ledger_months.parquet").exists()
    assert set(manifest(second)["tables"]) == {"dim_municipality", "fct_incident_versions", "fct_metric_values"}
    with duckdb.connect(str(second.path / "warehouse.duckdb"), read_only=True) as reader:
        assert {row[0] for row in reader.execute("select table_name from duckdb_tables()").fetchall()} == {
            "dim_municipality",
            "fct_incident_versions",
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

    table = manifest(second)["tables"]["fct_metric_values"]
    assert table["reused_from"] == first.version
    for file in table["files"]:
        assert sha256(second.path / file["path"]) == file["sha256"]
    with duckdb.connect() as reader:
        assert reader.execute(f"select count(*) from read_parquet('{second.path / table['parquet']}')").fetchone() == (
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

    listed = {Path(file["path"]).name: file for file in manifest(second)["tables"]["fct_metric_values"]["files"]}
    for name, copied in files(second, "fct_metric_values").items():
        original = files(first, "fct_metric_values")[name]
        assert not same_file(copied, original)
        assert sha256(copied) == sha256(original) == listed[name]["sha256"]
        assert not os.access(copied, os.W_OK) or os.geteuid() == 0


def test_marts_are_written_in_municipality_order_so_readers_can_skip_row_groups(settings: Settings) -> None:
    build_warehouse(settings)

    publication = publish(settings, "run-1")

    rows = []
    with duckdb.connect() as reader:
        for path in files(publication, "fct_metric_values").values():
            part = reader.execute(f"select municipality_id, metric_id, year from read_parquet('{path}')").fetchall()
            assert part == sorted(part)
            rows += part
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
                for file in info["files"]:
                    path = version_dir / file["path"]
                    if hashlib.sha256(path.read_bytes()).hexdigest() != file["sha256"]:
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
        assert publication.reused_tables == ("dim_municipality", "fct_incident_versions", "fct_metric_values")
        return publication

    seen = publish_while_reading(READER, settings.publish_dir, tmp_path, publish_generation, range(1, 9))
    assert len({read["duckdb"] for read in seen}) >= 8


def test_the_reports_read_a_table_published_as_a_folder_of_parts_whole(settings: Settings) -> None:
    build_warehouse(settings)
    add_month(settings)
    publish(settings, "run-1")

    with PublishedData(settings.publish_dir) as data:
        assert data.has("fct_metric_values") and data.has("fct_incident_versions")
        assert data.query("select year, count(*) as n from fct_metric_values group by year order by year")[
            ["year", "n"]
        ].values.tolist() == [[2024, 24], [2025, 24], [2026, 24]]
        assert data.query(
            "select report_year, count(*) as n from fct_incident_versions group by report_year order by report_year"
        )[["report_year", "n"]].values.tolist() == [[2024, 16], [2025, 20], [2026, 8]]


def copy_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "publish-duckdb-copy"]


def test_a_parquet_write_failing_midway_leaves_no_version_and_no_copy_building(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_warehouse(settings)
    first = publish(settings, "run-1")
    add_month(settings)
    written_part = versions._part_condition

    def failing_after_the_first_part(partitioned_by: str | None, columns: list[tuple[str, str]], part: object) -> str:
        condition = written_part(partitioned_by, columns, part)
        # The second written file's query no longer binds: DuckDB fails inside the COPY.
        return condition if str(part) == "2025" else f"{condition} and no_such_column"

    monkeypatch.setattr(versions, "_part_condition", failing_after_the_first_part)

    with pytest.raises(duckdb.BinderException, match="no_such_column"):
        publish(settings, "run-2")

    assert versions.current_version(settings.publish_dir) == first.version
    assert [path.name for path in versions.versions_dir(settings.publish_dir).iterdir()] == [first.version]
    assert copy_threads() == []


def test_a_failing_duckdb_copy_fails_the_publication_after_the_parquet_files(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_warehouse(settings)
    first = publish(settings, "run-1")
    add_month(settings)

    def disk_full(connection: duckdb.DuckDBPyConnection, export: versions.Export) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(versions, "_apply_comments", disk_full)

    with pytest.raises(OSError, match="No space left"):
        publish(settings, "run-2")

    assert versions.current_version(settings.publish_dir) == first.version
    assert [path.name for path in versions.versions_dir(settings.publish_dir).iterdir()] == [first.version]
    assert copy_threads() == []
