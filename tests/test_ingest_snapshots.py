"""Avvikelser snapshots are stored as changes, yet `raw.avvikelser` reads exactly like full copies."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingest.contracts import AVVIKELSER, LINEAGE_COLUMNS
from orchestration.defs.ingest.landing import load_landing_folder
from orchestration.defs.ingest.raw_schema import create_raw_schema, csv_table_columns
# landing and settings are the fixtures of test_ingest_csv, shared by importing them.
from test_ingest_csv import AVVIKELSER_HEADER, avvikelse_row, landing, query, settings, write_csv  # noqa: F401

CONTRACT_COLUMNS = ", ".join(column.raw_name for column in AVVIKELSER.columns)


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
    # Every report keeps its line, so each version is one span however many snapshots repeat it.
    assert query(settings, "select count(*) from raw.avvikelser_version_spans")[0][0] == versions
    assert query(settings, "select count(*) from raw.avvikelser_snapshots")[0][0] == 6
    lines = query(settings, "select _source_file, min(_source_line), max(_source_line) from raw.avvikelser group by 1 order by 1")
    assert lines[-1] == ("avvikelser_1489_2024-06-28.csv", 2, 31)


def test_lineage_is_the_line_of_each_snapshot_even_when_a_report_moves(settings, landing):
    write_csv(landing / "avvikelser_1489_2024-03-31.csv", AVVIKELSER_HEADER, [avvikelse_row("A1"), avvikelse_row("A2")])
    write_csv(landing / "avvikelser_1489_2024-04-30.csv", AVVIKELSER_HEADER,
              [avvikelse_row("A2", uttagsdatum="2024-04-30"), avvikelse_row("A1", uttagsdatum="2024-04-30")])
    write_csv(landing / "avvikelser_1489_2024-05-31.csv", AVVIKELSER_HEADER,
              [avvikelse_row("A2", uttagsdatum="2024-05-31"), avvikelse_row("A1", uttagsdatum="2024-05-31")])
    load_landing_folder(settings)
    assert query(settings, "select uttagsdatum::varchar, avvikelse_id, _source_file, _source_line, _load_id "
                 "from raw.avvikelser order by 1, 2") == [
        ("2024-03-31", "A1", "avvikelser_1489_2024-03-31.csv", 2, 1),
        ("2024-03-31", "A2", "avvikelser_1489_2024-03-31.csv", 3, 1),
        ("2024-04-30", "A1", "avvikelser_1489_2024-04-30.csv", 3, 2),
        ("2024-04-30", "A2", "avvikelser_1489_2024-04-30.csv", 2, 2),
        ("2024-05-31", "A1", "avvikelser_1489_2024-05-31.csv", 3, 3),
        ("2024-05-31", "A2", "avvikelser_1489_2024-05-31.csv", 2, 3),
    ]
    # Moving to another line starts a new span; staying on it keeps the span open (NULL: up to the latest).
    assert query(settings, "select version_id, _source_line, first_sequence, last_sequence "
                 "from raw.avvikelser_version_spans order by all") == [(1, 2, 1, 1), (1, 3, 2, None), (2, 2, 2, None), (2, 3, 1, 1)]


def test_municipalities_delivering_in_turn_each_keep_their_spans(settings, landing):
    for day in ("2024-03-31", "2024-04-30", "2024-05-31"):
        for kommunkod in ("1489", "1440"):
            write_csv(landing / f"avvikelser_{kommunkod}_{day}.csv", AVVIKELSER_HEADER,
                      [avvikelse_row(f"{kommunkod}-1", kommunkod=kommunkod, uttagsdatum=day)])
    load_landing_folder(settings)
    assert query(settings, "select kommunkod, count(*) from raw.avvikelser group by 1 order by 1") == [("1440", 3), ("1489", 3)]
    assert query(settings, "select first_sequence, last_sequence from raw.avvikelser_version_spans") == [(1, None), (1, None)]
    # Loading the same folder again changes nothing.
    tables = ("avvikelser_versions", "avvikelser_snapshots", "avvikelser_version_spans")
    before = [query(settings, f"select * from raw.{table} order by all") for table in tables]
    load_landing_folder(settings)
    assert [query(settings, f"select * from raw.{table} order by all") for table in tables] == before


def test_a_file_with_two_snapshot_dates_keeps_both_in_date_order(settings, landing):
    write_csv(landing / "avvikelser_1489_2024-04-30.csv", AVVIKELSER_HEADER, [
        avvikelse_row("A1", uttagsdatum="2024-04-30"), avvikelse_row("A2", uttagsdatum="2024-04-30"),
        avvikelse_row("A1", uttagsdatum="2024-03-31"),
    ])
    write_csv(landing / "avvikelser_1489_2024-05-31.csv", AVVIKELSER_HEADER, [avvikelse_row("A1", uttagsdatum="2024-05-31")])
    load_landing_folder(settings)
    assert query(settings, "select uttagsdatum::varchar, avvikelse_id, _source_line from raw.avvikelser order by 1, 2") == [
        ("2024-03-31", "A1", 4), ("2024-04-30", "A1", 2), ("2024-04-30", "A2", 3), ("2024-05-31", "A1", 2),
    ]
    assert query(settings, "select uttagsdatum::varchar, sequence from raw.avvikelser_snapshots order by 2") == [
        ("2024-03-31", 1), ("2024-04-30", 2), ("2024-05-31", 3),
    ]


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


def test_a_corrected_snapshot_between_others_is_cut_out_of_their_spans(settings, landing):
    for day in ("2024-03-31", "2024-04-30", "2024-05-31"):
        write_csv(landing / f"avvikelser_1489_{day}.csv", AVVIKELSER_HEADER,
                  [avvikelse_row("A1", uttagsdatum=day), avvikelse_row("A2", uttagsdatum=day)])
    load_landing_folder(settings)
    write_csv(landing / "avvikelser_1489_2024-04-30_rattelse.csv", AVVIKELSER_HEADER,
              [avvikelse_row("A2", uttagsdatum="2024-04-30", status="Avslutad", avslutsdatum="2024-04-20")])
    load_landing_folder(settings)
    assert query(settings, "select uttagsdatum::varchar, avvikelse_id, status, _source_file, _source_line "
                 "from raw.avvikelser order by 1, 2") == [
        ("2024-03-31", "A1", "Ny", "avvikelser_1489_2024-03-31.csv", 2),
        ("2024-03-31", "A2", "Ny", "avvikelser_1489_2024-03-31.csv", 3),
        ("2024-04-30", "A1", "Ny", "avvikelser_1489_2024-04-30.csv", 2),
        ("2024-04-30", "A2", "Avslutad", "avvikelser_1489_2024-04-30_rattelse.csv", 2),
        ("2024-05-31", "A1", "Ny", "avvikelser_1489_2024-05-31.csv", 2),
        ("2024-05-31", "A2", "Ny", "avvikelser_1489_2024-05-31.csv", 3),
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


def test_a_warehouse_with_one_row_per_report_and_snapshot_is_folded_into_spans_once(settings, landing):
    lineage = ", ".join(f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS)
    content = ", ".join(AVVIKELSER.versioned_columns)
    # The previous layout: each content once, plus a narrow row per report and snapshot.
    with duckdb.connect(str(settings.duckdb_path)) as connection:
        connection.execute("create schema raw")
        connection.execute(f"create table raw.avvikelser ({csv_table_columns(AVVIKELSER)})")
        rows = [
            (avvikelse_row("A1"), "m.csv", 2, 1), (avvikelse_row("A2", lagrum=None), "m.csv", 3, 1),
            (avvikelse_row("A1", uttagsdatum="2024-04-30"), "a.csv", 2, 2),
            (avvikelse_row("A2", uttagsdatum="2024-04-30", status="Avslutad"), "a.csv", 3, 2),
            (avvikelse_row("A1", uttagsdatum="2024-05-31"), "j.csv", 2, 3),
        ]
        for row, file_name, line, load_id in rows:
            connection.execute(
                f"insert into raw.avvikelser values ({', '.join('?' for _ in row)}, ?, ?, ?, timestamp '2024-06-01')",
                [None if value == "" else value == "J" if value in ("J", "N") else value for value in row] + [file_name, line, load_id],
            )
        connection.execute(f"create table raw.avvikelser_versions as select row_number() over (order by {content}) as version_id, "
                           f"{content} from (select distinct {content} from raw.avvikelser)")
        connection.execute(
            f"create table raw.avvikelser_snapshot_rows as select old.uttagsdatum, versions.version_id, "
            f"{', '.join(f'old.{name}' for name, _ in LINEAGE_COLUMNS)} from raw.avvikelser as old join raw.avvikelser_versions "
            f"as versions on {' and '.join(f'versions.{name} is not distinct from old.{name}' for name in AVVIKELSER.versioned_columns)}"
        )
        before = connection.execute("select * from raw.avvikelser order by all").fetchall()
        connection.execute("drop table raw.avvikelser")
        connection.execute(
            f"create view raw.avvikelser as select * exclude (version_id) from raw.avvikelser_snapshot_rows "
            f"join raw.avvikelser_versions using (version_id)"
        )
        create_raw_schema(connection)
        create_raw_schema(connection)
        after = connection.execute("select * from raw.avvikelser order by all").fetchall()
        spans = connection.execute("select count(*) from raw.avvikelser_version_spans").fetchall()[0][0]
        tables = connection.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
    assert after == before
    assert spans == 3  # A1 unchanged in three snapshots, A2 open then closed
    assert ("avvikelser_snapshot_rows",) not in tables
    # The next delivery continues the migrated spans.
    write_csv(landing / "avvikelser_1489_2024-06-30.csv", AVVIKELSER_HEADER, [avvikelse_row("A1", uttagsdatum="2024-06-30")])
    load_landing_folder(settings)
    assert query(settings, "select first_sequence, last_sequence from raw.avvikelser_version_spans order by all") == [
        (1, 1), (1, None), (2, 2),
    ]
