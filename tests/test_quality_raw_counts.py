"""Row-count bounds counted from raw once and recounted only for partitions that later loads touched.

Raw tables filled by the real ingest from files in the contract's shape; after
every delivery the counts kept in the store must equal a full recount, and the
store must actually be what answers for untouched partitions.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from orchestration.defs.ingest.landing import load_landing_folder
from orchestration.defs.quality.batches import PassedBatches, count_raw
from orchestration.defs.quality.suites import personnel, quality
# landing and settings are the fixtures of test_ingest_csv, shared by importing them.
from test_ingest_csv import (  # noqa: F401
    AVVIKELSER_HEADER,
    MANAD_HEADER,
    avvikelse_row,
    landing,
    manad_row,
    settings,
    write_csv,
)


def counts_kept_and_recounted(settings, store: Path, spec) -> tuple[dict, dict]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
        passed = PassedBatches(store)
        kept = count_raw(connection, spec, passed)
        passed.save()
        return kept, count_raw(connection, spec)


def write_months(landing: Path, name: str, period: str, employees: list[str]) -> None:
    for municipality in ("1489", "1490"):
        write_csv(
            landing / f"personal_manad_{municipality}_{name}.csv",
            MANAD_HEADER,
            [
                manad_row(employee, f"19750312-{index:04d}", period=period, kommunkod=municipality)
                for index, employee in enumerate(employees)
            ],
        )


def test_employment_counts_follow_new_months_and_corrections(settings, landing, tmp_path):
    store = tmp_path / "passed" / "personnel.json"
    write_months(landing, "2024-01", "2024-01", ["A1", "A2", "A3"])
    load_landing_folder(settings)
    kept, full = counts_kept_and_recounted(settings, store, personnel.RAW_COUNTS)
    assert kept == full == {
        "1489/2024-01": {"min_rows": 3, "max_rows": 3},
        "1490/2024-01": {"min_rows": 3, "max_rows": 3},
    }

    write_months(landing, "2024-02", "2024-02", ["A1", "A2"])
    # A correction of one municipality's January: one employment more.
    write_csv(
        landing / "personal_manad_1490_2024-01_rattelse.csv",
        MANAD_HEADER,
        [manad_row("A4", "19800101-2222", period="2024-01", kommunkod="1490")],
    )
    load_landing_folder(settings)
    kept, full = counts_kept_and_recounted(settings, store, personnel.RAW_COUNTS)
    assert kept == full
    assert kept["1490/2024-01"] == {"min_rows": 4, "max_rows": 4}
    assert kept["1489/2024-02"] == {"min_rows": 2, "max_rows": 2}


def test_a_partition_whose_loads_are_unchanged_is_answered_from_the_store(settings, landing, tmp_path):
    store = tmp_path / "passed" / "personnel.json"
    write_months(landing, "2024-01", "2024-01", ["A1", "A2", "A3"])
    load_landing_folder(settings)
    counts_kept_and_recounted(settings, store, personnel.RAW_COUNTS)
    # Mark the kept counts: what is not recounted comes back marked.
    data = json.loads(store.read_text(encoding="utf-8"))
    for entry in data["raw_counts"].values():
        for counts in entry["counts"].values():
            counts["max_rows"] = 999
    store.write_text(json.dumps(data), encoding="utf-8")
    write_months(landing, "2024-02", "2024-02", ["A1"])
    load_landing_folder(settings)

    kept, full = counts_kept_and_recounted(settings, store, personnel.RAW_COUNTS)

    assert kept["1489/2024-01"]["max_rows"] == 999
    assert kept["1489/2024-02"] == full["1489/2024-02"] == {"min_rows": 1, "max_rows": 1}


def test_rows_deleted_outside_a_load_are_recounted(settings, landing, tmp_path):
    store = tmp_path / "passed" / "personnel.json"
    write_months(landing, "2024-01", "2024-01", ["A1", "A2", "A3"])
    load_landing_folder(settings)
    counts_kept_and_recounted(settings, store, personnel.RAW_COUNTS)
    with duckdb.connect(str(settings.duckdb_path)) as connection:
        connection.execute("delete from raw.personal_manad where kommunkod = '1489' and anstallnings_id = 'A3'")

    kept, full = counts_kept_and_recounted(settings, store, personnel.RAW_COUNTS)

    assert kept == full
    assert kept["1489/2024-01"] == {"min_rows": 2, "max_rows": 2}


def snapshot(landing: Path, day: str, reports: list[str], *, name: str | None = None, **overrides) -> None:
    write_csv(
        landing / f"avvikelser_1489_{name or day}.csv",
        AVVIKELSER_HEADER,
        [avvikelse_row(report, uttagsdatum=day, **overrides) for report in reports],
    )


def test_snapshot_counts_follow_new_redelivered_and_corrected_snapshots(settings, landing, tmp_path):
    store = tmp_path / "passed" / "quality.json"
    for day, reports in (("2024-03-31", ["A1", "A2"]), ("2024-04-30", ["A1", "A2", "A3"])):
        snapshot(landing, day, reports)
    load_landing_folder(settings)
    kept, full = counts_kept_and_recounted(settings, store, quality.RAW_COUNTS)
    assert kept == full == {
        "1489/2024-03-31": {"raw_reports": 2},
        "1489/2024-04-30": {"raw_reports": 3},
    }

    # A new month, and March again, corrected between the others: A3 was missing, A2 was closed.
    snapshot(landing, "2024-05-31", ["A1", "A2", "A3", "A4"])
    snapshot(landing, "2024-03-31", ["A1", "A2", "A3"], name="2024-03-31_rattelse")
    load_landing_folder(settings)
    kept, full = counts_kept_and_recounted(settings, store, quality.RAW_COUNTS)
    assert kept == full == {
        "1489/2024-03-31": {"raw_reports": 3},
        "1489/2024-04-30": {"raw_reports": 3},
        "1489/2024-05-31": {"raw_reports": 4},
    }

    # The latest snapshot re-delivered in part (replaced by key): A4 corrected, A5 was missing.
    snapshot(landing, "2024-05-31", ["A4", "A5"], name="2024-05-31_rattelse", status="Avslutad")
    load_landing_folder(settings)
    kept, full = counts_kept_and_recounted(settings, store, quality.RAW_COUNTS)
    assert kept == full
    assert kept["1489/2024-05-31"] == {"raw_reports": 5}
