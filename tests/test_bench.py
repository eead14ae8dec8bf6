"""The benchmark harness end to end in --quick mode: it runs, measures every stage and writes its results.

No timing is asserted: CI machines differ. What must hold is that the harness
drives the real pipeline to success (full and incremental run), measures the
floor and the snapshot storage, and writes the Markdown table and the chart.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from orchestration.bench import main
from orchestration.bench.deliveries import write_monthly_snapshots, write_next_month
from orchestration.bench.floor import delivered_files, measure_floor
from orchestration.bench.pipeline import STAGE_ORDER


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    root = tmp_path_factory.mktemp("bench")
    out = root / "docs" / "benchmarks.md"
    exit_code = main(["--quick", "--work", str(root / "work"), "--out", str(out)])
    return root, out, exit_code


def test_quick_run_succeeds_and_writes_table_chart_and_raw_results(quick_run):
    root, out, exit_code = quick_run
    assert exit_code == 0, (root / "work").rglob("*.log")
    text = out.read_text(encoding="utf-8")
    assert "| target | measured | ratio to target | verdict |" in text
    assert "| municipalities | stage | wall time | rows/s | peak memory |" in text
    for stage in ("floor", "ingest", "dbt build", "checks", "publish", "report", "**end to end**"):
        assert f"| {stage} |" in text, stage
    assert "one new month ≤ 15 % of a full rebuild" in text
    assert "monthly avvikelser snapshots" in text
    svg = out.with_suffix(".svg")
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert "benchmarks.svg" in text

    results = json.loads((root / "work" / "results.json").read_text(encoding="utf-8"))
    (result,) = results
    assert result["municipalities"] == 2
    assert result["full"]["success"] and result["incremental"]["success"]
    # Both runs of the new month started from the same warehouse, so each loaded its three files.
    assert len(result["incremental_seconds"]) == 2
    for number in (1, 2):
        log = (root / "work" / "scale-2" / "logs" / f"incremental-{number}.log").read_text(encoding="utf-8")
        assert log.count("0 quarantined") == 3 and "already loaded before" in log, log
    stages = {stage["name"]: stage for stage in result["full"]["stages"]}
    assert set(stages) <= set(STAGE_ORDER)
    assert all(stages[name]["seconds"] > 0 for name in ("ingest", "dbt build", "checks", "publish", "report"))
    assert result["full"]["peak_rss"] > 0
    assert result["floor"]["rows"] > 0 and result["floor"]["seconds"] > 0
    assert result["warehouse_bytes"] > 0 and result["published_bytes"] > 0
    assert stages["report"]["steps"] >= 1, "no HTML report was written"
    storage = result["snapshot_storage"]
    assert storage["snapshots"] == 12
    # The dbt chain is built on top of the raw schema in the same file, so it can only add to it.
    assert storage["bytes_one"] >= storage["raw_bytes_one"] > 0
    assert storage["bytes_all"] >= storage["raw_bytes_all"] > 0


def test_rerun_keeps_hand_written_findings(quick_run, tmp_path):
    from orchestration.bench.report import FINDINGS_END, FINDINGS_START, _previous_findings

    _, out, _ = quick_run
    text = out.read_text(encoding="utf-8")
    edited = text.replace(f"{FINDINGS_START}\n(none recorded yet)", f"{FINDINGS_START}\nThe dbt step dominates.")
    target = tmp_path / "benchmarks.md"
    target.write_text(edited, encoding="utf-8")
    assert _previous_findings(target) == "The dbt step dominates."
    assert FINDINGS_END in edited


def test_derived_deliveries_follow_the_contract(quick_run, tmp_path):
    """The next month and the monthly snapshots load without a single quarantined row."""
    import duckdb

    from orchestration.defs.ingest.contracts import CSV_KINDS, kind_for_file
    from orchestration.defs.ingest.csv_loader import load_csv_files
    from orchestration.defs.ingest.raw_schema import create_raw_schema

    root, _, _ = quick_run
    landing = root / "work" / "scale-2" / "landing"
    period, files = write_next_month(landing, tmp_path / "next")
    snapshots = write_monthly_snapshots(landing, tmp_path / "snapshots")
    assert len(snapshots) == 12
    connection = duckdb.connect()
    create_raw_schema(connection)
    for path in [*files, *snapshots]:
        kind = kind_for_file(path.name)
        assert kind is not None, path.name
        (result,) = load_csv_files(connection, [path], CSV_KINDS[kind.name], b"bench-test-key-0123", lambda _: None)
        assert result.outcome == "loaded" and result.rows_loaded > 0 and result.rows_quarantined == 0, result
    assert connection.execute("select distinct period from raw.personal_manad").fetchall() == [(period,)]
    open_in_january, open_in_december = connection.execute(
        "select count(*) filter (where uttagsdatum = min_day and status <> 'Avslutad'), "
        "count(*) filter (where uttagsdatum = max_day and status <> 'Avslutad') "
        "from raw.avvikelser, (select min(uttagsdatum) as min_day, max(uttagsdatum) as max_day from raw.avvikelser)"
    ).fetchall()[0]
    assert open_in_january > 0 and open_in_december >= 0


def test_floor_reads_every_delivered_file(quick_run):
    root, _, _ = quick_run
    landing = root / "work" / "scale-2" / "landing"
    floor = measure_floor(landing)
    files = delivered_files(landing)
    assert floor.files == len(files) and any(path.suffix == ".json" for path in files)
    csv_records = 0
    for path in files:
        if path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as handle:
                csv_records += sum(1 for _ in csv.reader(handle, delimiter=";")) - 1
    assert floor.rows > csv_records  # every CSV record plus the Kolada values
