"""A landing file loaded before is recognised by name, size and modification time, without reading it again."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from orchestration.defs.ingest import csv_loader
from orchestration.defs.ingest.landing import load_landing_folder
# landing and settings are the fixtures of test_ingest_csv, shared by importing them.
from test_ingest_csv import AVVIKELSER_HEADER, MANAD_HEADER, avvikelse_row, landing, manad_row, query, settings, write_csv  # noqa: F401


def _settled(path: Path, hours_ago: float = 1.0) -> Path:
    """Give the file the modification time of a delivery that arrived a while ago."""
    moment = time.time() - hours_ago * 3600
    os.utime(path, (moment, moment))
    return path


def _reading_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path) -> None:
        raise AssertionError(f"{path.name} was read again")

    monkeypatch.setattr(csv_loader, "inspect_file", refuse)


def test_a_settled_file_loaded_before_is_skipped_without_reading_it(settings, landing, monkeypatch):
    _settled(write_csv(landing / "personal_manad_1489_2024-01.csv", MANAD_HEADER, [manad_row("A1", "19750312-1234")]))
    _settled(write_csv(landing / "avvikelser_1489_2024-03-31.csv", AVVIKELSER_HEADER, [avvikelse_row("A1")]))
    first = load_landing_folder(settings)
    before = query(settings, "select * from raw.load_log order by all")

    _reading_forbidden(monkeypatch)
    second = load_landing_folder(settings)

    assert [result.outcome for result in first.files] == ["loaded", "loaded"]
    assert [(result.outcome, result.previous_outcome) for result in second.files] == [("skipped", "loaded")] * 2
    assert [result.sha256 for result in second.files] == [result.sha256 for result in first.files]
    assert [result.encoding for result in second.files] == ["utf-8", "utf-8"]
    assert query(settings, "select * from raw.load_log order by all") == before


def test_a_file_rewritten_under_the_same_name_and_size_is_read_and_loaded_again(settings, landing):
    path = landing / "personal_manad_1489_2024-01.csv"
    _settled(write_csv(path, MANAD_HEADER, [manad_row("A1", "19750312-1234", kon="K")]), hours_ago=2)
    load_landing_folder(settings)
    size = path.stat().st_size
    _settled(write_csv(path, MANAD_HEADER, [manad_row("A1", "19750312-1234", kon="M")]), hours_ago=1)
    assert path.stat().st_size == size

    second = load_landing_folder(settings)

    assert [result.outcome for result in second.files] == ["loaded"]
    assert query(settings, "select kon from raw.personal_manad") == [("M",)]
    assert query(settings, "select count(*) from raw.file_inspections where file_name = ?", [path.name]) == [(1,)]


def test_a_file_modified_just_now_is_not_remembered(settings, landing):
    # A file system with coarse timestamps could keep the modification time through a rewrite right after.
    write_csv(landing / "personal_manad_1489_2024-01.csv", MANAD_HEADER, [manad_row("A1", "19750312-1234")])
    load_landing_folder(settings)
    assert query(settings, "select count(*) from raw.file_inspections") == [(0,)]
