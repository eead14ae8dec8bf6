"""The one-pass typed load of clean files and the fall-back to the text path for defective ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingest import csv_loader
from orchestration.defs.ingest.contracts import CSV_KINDS
from orchestration.defs.ingest.landing import load_landing_folder
from orchestration.settings import load_settings
# landing and settings are the fixtures of test_ingest_csv, shared by importing them.
from test_ingest_csv import (  # noqa: F401
    AVVIKELSER_HEADER,
    KEY,
    MANAD_HEADER,
    avvikelse_row,
    landing,
    manad_row,
    query,
    settings,
    write_csv,
)

SAMPLE_LANDING = Path(__file__).resolve().parents[1] / "seeds" / "landing"
# Columns that differ between two loads of the same files by design.
LOAD_TIME_COLUMNS = {"_loaded_at", "quarantined_at", "loaded_at"}


def _text_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_loader, "_load_clean", lambda *args, **kwargs: False)


def _raw_rows(path: Path) -> dict[str, list[tuple]]:
    tables = [*CSV_KINDS, "quarantine", "load_log"]
    rows = {}
    with duckdb.connect(str(path), read_only=True) as connection:
        for table in tables:
            columns = [
                name
                for (name,) in connection.execute(
                    "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ? "
                    "order by ordinal_position",
                    [table],
                ).fetchall()
                if name not in LOAD_TIME_COLUMNS
            ]
            rows[table] = connection.execute(f"select {', '.join(columns)} from raw.{table} order by all").fetchall()
    return rows


def test_shipped_sample_loads_the_same_rows_by_either_path(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    landing.mkdir()
    for path in SAMPLE_LANDING.glob("*.csv"):
        shutil.copy(path, landing / path.name)
    warehouses = {}
    for path_taken in ("typed", "text"):
        if path_taken == "text":
            _text_path_only(monkeypatch)
        settings = load_settings(
            {"LANDING_DIR": str(landing), "DUCKDB_PATH": str(tmp_path / f"{path_taken}.duckdb"), "PSEUDONYM_KEY": KEY}
        )
        summary = load_landing_folder(settings, kinds=list(CSV_KINDS))
        if path_taken == "typed":
            # Every clean file takes the one-pass load; a file with refused rows is staged as text.
            assert summary.files and all(result.fast_path == (result.rows_quarantined == 0) for result in summary.files)
            assert any(result.fast_path for result in summary.files)
        warehouses[path_taken] = _raw_rows(settings.duckdb_path)
    assert sum(len(rows) for rows in warehouses["typed"].values()) > 100_000
    for table, rows in warehouses["typed"].items():
        assert rows == warehouses["text"][table], table


def test_clean_file_with_line_breaks_in_quoted_fields_takes_the_fast_path_with_exact_lines(settings, landing):
    write_csv(
        landing / "avvikelser_1489_2024-03-31.csv",
        AVVIKELSER_HEADER,
        [
            avvikelse_row("A1", beskrivning="Första raden\r\noch en andra\r\noch en tredje"),  # lines 2-4
            avvikelse_row("A2", enhet_id="E\r\n200"),  # lines 5-6: a break in another column counts too
            avvikelse_row("A3"),  # line 7
        ],
        newline="\r\n",
    )
    [result] = load_landing_folder(settings).files
    assert result.fast_path
    assert query(settings, "select avvikelse_id, _source_line from raw.avvikelser order by 2") == [("A1", 2), ("A2", 5), ("A3", 7)]


def test_file_with_one_bad_row_falls_back_and_quarantines_that_row(settings, landing):
    write_csv(
        landing / "personal_manad_1489_2024-01.csv",
        MANAD_HEADER,
        [
            manad_row("A1", "19750312-1234"),
            manad_row("A2", "19800101-2222", overtid_h="tre"),  # line 3
            manad_row("A3", "19900101-3333", sjuk_h_dag60=""),
        ],
    )
    [result] = load_landing_folder(settings).files
    assert not result.fast_path
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert query(settings, "select anstallnings_id, _source_line, sjuk_h_dag60 from raw.personal_manad order by 1") == [
        ("A1", 2, 0), ("A3", 4, None),
    ]
    assert query(settings, "select file_name, line_number, reason from raw.quarantine") == [
        ("personal_manad_1489_2024-01.csv", 3, "kolumn overtid_h: 'tre' är inte ett tal"),
    ]
    [(raw_text,)] = query(settings, "select raw_text from raw.quarantine")
    assert "19800101" not in raw_text and "[personnummer]" in raw_text


def test_unparseable_record_or_blank_line_falls_back_with_right_line_numbers(settings, landing):
    path = write_csv(
        landing / "avvikelser_1489_2024-03-31.csv",
        AVVIKELSER_HEADER,
        [avvikelse_row("A1", beskrivning="två\nrader"), ["1489", "2024-03-31", "A2"], avvikelse_row("A3")],
    )
    path.write_bytes(path.read_bytes() + b"\n" + ";".join(avvikelse_row("A4")).encode() + b"\n")  # blank line 6, A4 on 7
    [result] = load_landing_folder(settings).files
    assert not result.fast_path
    assert query(settings, "select avvikelse_id, _source_line from raw.avvikelser order by 2") == [("A1", 2), ("A3", 5), ("A4", 7)]
    assert query(settings, "select line_number, reason from raw.quarantine") == [
        (4, "fel antal fält: raden har 3 fält, rubriken har 15"),
    ]


def test_blank_line_alone_falls_back_and_numbers_lines_by_the_file(settings, landing):
    path = write_csv(landing / "personal_manad_1489_2024-01.csv", MANAD_HEADER, [manad_row("A1", "19750312-1234")])
    path.write_bytes(path.read_bytes() + b"\n" + ";".join(manad_row("A2", "19800101-2222")).encode() + b"\n")
    [result] = load_landing_folder(settings).files
    assert not result.fast_path and result.rows_quarantined == 0
    assert query(settings, "select anstallnings_id, _source_line from raw.personal_manad order by 1") == [("A1", 2), ("A2", 4)]
