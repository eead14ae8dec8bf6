"""Avvikelser snapshots are stored as changes, yet `raw.avvikelser` reads exactly like full copies."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingest.contracts import AVVIKELSER, LINEAGE_COLUMNS
from orchestration.defs.ingest.landing import load_landing_folder
from orchestration.defs.ingest.raw_schema import create_raw_schema, csv_table_columns
from orchestration.settings import load_settings
from test_ingest_csv import AVVIKELSER_HEADER, KEY, avvikelse_row, query, write_csv

CONTRACT_COLUMNS = ", ".join(column.raw_name for column in AVVIKELSER.columns)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


@pytest.fixture
def settings(tmp_path: Path, landing: Path):
    return load_settings({"LANDING_DIR": str(landing), "DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"), "PSEUDONYM_KEY": KEY})


def _monthly_snapshots(landing: Path, months: int, reports_per_month: int) -> list[list[list[object]]]:
    """Month-end snapshots: every earlier report again, one status move per month, new reports added."""
    snapshots = []
    for month in range(1, months + 1):
        day = f"2024-{month:02d}-28"
        rows = []
        for index in range(month * reports_per_month):
            reported = index // reports_per_month + 1
            # Reports close two months after they came in; nothing else about them changes.
            closed = month >= reported + 2
            rows.append(
                avvikelse_row(
                    f"AV-{index:04d}",
                    uttagsdatum=day,
                    rapportdatum=f"2024-{reported:02d}-02",
                    status="Avslutad" if closed else "Ny",
                    avslutsdatum=f"2024-{reported + 2:02d}-01" if closed else "",
                    lagrum="" if index % 7 == 0 else "HSL",
                )
            )
        write_csv(landing / f"avvikelser_1489_{day}.csv", AVVIKELSER_HEADER, rows)
        snapshots.append(rows)
    return snapshots


def test_the_view_returns_every_snapshot_in_full_and_unchanged_reports_are_stored_once(settings, landing):
    snapshots = _monthly_snapshots(landing, months=6, reports_per_month=5)
    load_landing_folder(settings)

    delivered = sorted(tuple("" if value is None else str(value) for value in row) for rows in snapshots for row in rows)
    stored = query(
        settings,
        f"select {', '.join(f'coalesce(cast({name} as varchar), {chr(39)}{chr(39)})' for name in AVVIKELSER_HEADER)} "
        "from raw.avvikelser",
    )
    booleans = {"true": "J", "false": "N"}
    assert sorted(tuple(booleans.get(value, value) for value in row) for row in stored) == delivered
    # Each report has at most two contents (open, then closed): far fewer versions than delivered rows.
    versions = query(settings, "select count(*) from raw.avvikelser_versions")[0][0]
    assert versions == 30 + 20  # 30 reports, the 20 reported in months 1-4 also closed by month 6
    assert query(settings, "select count(*) from raw.avvikelser_snapshot_rows")[0][0] == len(delivered)
    lines = query(settings, "select _source_file, min(_source_line), max(_source_line) from raw.avvikelser group by 1 order by 1")
    assert lines[-1] == ("avvikelser_1489_2024-06-28.csv", 2, 31)


def test_view_has_the_columns_of_an_ordinary_raw_table(settings, landing):
    write_csv(landing / "avvikelser_1489_2024-03-31.csv", AVVIKELSER_HEADER, [avvikelse_row("A1")])
    load_landing_folder(settings)
    described = query(settings, "select column_name, column_type from (describe raw.avvikelser)")
    expected = [tuple(part.split(" ", 1)) for part in csv_table_columns(AVVIKELSER).split(", ")]
    assert described == expected
    assert [name for name, _ in described][-len(LINEAGE_COLUMNS):] == [name for name, _ in LINEAGE_COLUMNS]


def test_redelivered_snapshot_replaces_only_its_own_rows(settings, landing):
    write_csv(landing / "avvikelser_1489_2024-03-31.csv", AVVIKELSER_HEADER, [avvikelse_row("A1"), avvikelse_row("A2")])
    write_csv(landing / "avvikelser_1489_2024-04-30.csv", AVVIKELSER_HEADER,
              [avvikelse_row("A1", uttagsdatum="2024-04-30"), avvikelse_row("A2", uttagsdatum="2024-04-30")])
    load_landing_folder(settings)
    # The March snapshot again, corrected: A2 was closed, A3 was missing.
    write_csv(landing / "avvikelser_1489_2024-03-31_rattelse.csv", AVVIKELSER_HEADER,
              [avvikelse_row("A2", status="Avslutad", avslutsdatum="2024-03-20"), avvikelse_row("A3")])
    load_landing_folder(settings)

    assert query(settings, "select uttagsdatum::varchar, avvikelse_id, status, _source_file from raw.avvikelser order by 1, 2") == [
        ("2024-03-31", "A1", "Ny", "avvikelser_1489_2024-03-31.csv"),
        ("2024-03-31", "A2", "Avslutad", "avvikelser_1489_2024-03-31_rattelse.csv"),
        ("2024-03-31", "A3", "Ny", "avvikelser_1489_2024-03-31_rattelse.csv"),
        ("2024-04-30", "A1", "Ny", "avvikelser_1489_2024-04-30.csv"),
        ("2024-04-30", "A2", "Ny", "avvikelser_1489_2024-04-30.csv"),
    ]


def test_duplicate_keys_within_a_file_are_both_kept(settings, landing):
    write_csv(landing / "avvikelser_1489_2024-03-31.csv", AVVIKELSER_HEADER,
              [avvikelse_row("A1"), avvikelse_row("A1"), avvikelse_row("A1", status="Avslutad")])
    load_landing_folder(settings)
    assert query(settings, "select avvikelse_id, status from raw.avvikelser order by 2") == [
        ("A1", "Avslutad"), ("A1", "Ny"), ("A1", "Ny"),
    ]


def test_a_warehouse_with_full_snapshot_copies_is_migrated_once(settings):
    old_columns = csv_table_columns(AVVIKELSER)
    rows = [avvikelse_row("A1"), avvikelse_row("A1", uttagsdatum="2024-04-30"), avvikelse_row("A2", lagrum=None)]
    with duckdb.connect(str(settings.duckdb_path)) as connection:
        connection.execute("create schema raw")
        connection.execute(f"create table raw.avvikelser ({old_columns})")
        for line, row in enumerate(rows, start=2):
            connection.execute(
                f"insert into raw.avvikelser values ({', '.join('?' for _ in row)}, 'old.csv', {line}, 1, timestamp '2024-05-01')",
                [None if value == "" else value == "J" if value in ("J", "N") else value for value in row],
            )
        before = connection.execute(f"select {CONTRACT_COLUMNS}, _source_line from raw.avvikelser order by all").fetchall()
        create_raw_schema(connection)
        create_raw_schema(connection)
        after = connection.execute(f"select {CONTRACT_COLUMNS}, _source_line from raw.avvikelser order by all").fetchall()
        versions = connection.execute("select count(*) from raw.avvikelser_versions").fetchall()[0][0]
    assert after == before
    assert versions == 2
