"""The landing-folder sensor and the monthly schedule.

Deliveries here are files in the contract's shape; the warehouse's load log is
the raw schema's own table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.ingest.raw_schema import create_raw_schema
from orchestration.defs.ingest.sensors import (
    FULL_PIPELINE_JOB,
    build_sensor_defs,
    file_sha256,
    landing_files_sensor,
)
from orchestration.defs.publish import build_defs as build_publish_defs
from orchestration.defs.publish.schedules import monthly_full_pipeline
from orchestration.settings import load_settings
from orchestration.warehouse import warehouse_connection, warehouse_lock

PERSONAL_MANAD_HEADER = (
    "kommunkod;period;anstallnings_id;personnummer;kon;fodelsear;enhet_id;yrkesgrupp;anstallningsform;"
    "sysselsattningsgrad;ordinarie_tid_h;sjuk_h_dag1_14;sjuk_h_dag15_59;sjuk_h_dag60;overtid_h;fyllnadstid_h;"
    "timavlonad_h"
)
LEDGER_HEADER = "kommunkod;period;ansvar;verksamhet;konto;utfall;budget"


def personal_manad(period: str, rows: int = 2) -> str:
    lines = [PERSONAL_MANAD_HEADER]
    for number in range(rows):
        lines.append(
            f"1489;{period};A{number:04d};19800101-000{number % 10};K;1980;1001;Undersköterska;Tillsvidare;"
            "75,0;120,0;8,0;;;2,5;;"
        )
    return "\n".join(lines) + "\n"


def ledger(period: str) -> str:
    return f"{LEDGER_HEADER}\n1489;{period};1001;510;5011;-8 687;-9 000\n1489;{period};1001;510;3011;1 234,50;\n"


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    landing_dir = tmp_path / "landing"
    landing_dir.mkdir()
    monkeypatch.setenv("LANDING_DIR", str(landing_dir))
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("PUBLISH_DIR", str(tmp_path / "published"))
    monkeypatch.setenv("PSEUDONYM_KEY", "test-key-for-sensor-tests")
    return landing_dir


def tick(cursor: str | None) -> dg.SensorResult:
    result = landing_files_sensor(dg.build_sensor_context(cursor=cursor))
    assert isinstance(result, dg.SensorResult)
    return result


def settle(cursor: str | None) -> tuple[dg.SensorResult, str]:
    """Two ticks: a new file is handed to a run only once it looked the same twice."""
    first = tick(cursor)
    assert not first.run_requests
    second = tick(first.cursor)
    return second, second.cursor


def test_new_delivery_starts_the_full_pipeline_once(landing: Path) -> None:
    (landing / "personal_manad_1489_2025-01.csv").write_text(personal_manad("2025-01"), encoding="utf-8")

    result, cursor = settle(None)

    assert [request.job_name for request in result.run_requests] == [FULL_PIPELINE_JOB]
    assert "personal_manad_1489_2025-01.csv" in result.run_requests[0].tags["omsorgslager/new_files"]
    again = tick(cursor)
    assert not again.run_requests
    assert again.skip_reason is not None


def test_only_files_with_new_content_start_a_run(landing: Path) -> None:
    first = landing / "personal_manad_1489_2025-01.csv"
    first.write_text(personal_manad("2025-01"), encoding="utf-8")
    _, cursor = settle(None)

    # The same content delivered again under another name, and a touched file: nothing new.
    (landing / "personal_manad_1489_2025-01_igen.csv").write_bytes(first.read_bytes())
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 10_000_000_000))
    result, cursor = settle(cursor)
    assert not result.run_requests

    # A new month and a corrected file under an old name: one run naming both, and no others.
    (landing / "ekonomi_huvudbok_1489_2025-02.csv").write_text(ledger("2025-02"), encoding="utf-8")
    first.write_text(personal_manad("2025-01", rows=3), encoding="utf-8")
    (landing / "notes.txt").write_text("inte en leverans", encoding="utf-8")
    result, cursor = settle(cursor)
    assert len(result.run_requests) == 1
    listed = result.run_requests[0].tags["omsorgslager/new_files"]
    assert "ekonomi_huvudbok_1489_2025-02.csv" in listed
    assert "personal_manad_1489_2025-01.csv" in listed
    assert "notes.txt" not in listed


def test_a_file_still_being_written_waits(landing: Path) -> None:
    growing = landing / "ekonomi_huvudbok_1489_2025-03.csv"
    growing.write_text(LEDGER_HEADER + "\n", encoding="utf-8")
    first = tick(None)
    with growing.open("a", encoding="utf-8") as handle:
        handle.write("1489;2025-03;1001;510;5011;-8 687;-9 000\n")
    second = tick(first.cursor)
    assert not first.run_requests and not second.run_requests
    third = tick(second.cursor)
    assert len(third.run_requests) == 1


def test_kolada_pages_count_as_deliveries(landing: Path) -> None:
    pages = landing / "kolada" / "data"
    pages.mkdir(parents=True)
    (pages / "N20900.json").write_text(json.dumps({"values": [], "count": 0, "next_url": None}), encoding="utf-8")
    (pages / ".N20900.json.abc.tmp").write_text("{", encoding="utf-8")

    result, _ = settle(None)

    assert len(result.run_requests) == 1
    assert result.run_requests[0].tags["omsorgslager/new_files"] == "kolada/data/N20900.json"


def test_files_already_in_the_load_log_start_nothing(landing: Path) -> None:
    delivered = landing / "personal_manad_1489_2025-01.csv"
    delivered.write_text(personal_manad("2025-01"), encoding="utf-8")
    settings = load_settings()
    with warehouse_connection(settings) as connection:
        create_raw_schema(connection)
        connection.execute(
            "insert into raw.load_log values (1, ?, ?, 'personal_manad', '1489', 'utf-8', 2, 2, 0, null, 'loaded', "
            "null, ?)",
            [delivered.name, file_sha256(delivered), dt.datetime(2025, 2, 3, 6, 0)],
        )

    first = tick(None)
    second = tick(first.cursor)

    assert not first.run_requests and not second.run_requests
    assert file_sha256(delivered) in json.loads(second.cursor)["handled"]


def test_first_tick_never_waits_for_a_busy_warehouse(landing: Path) -> None:
    (landing / "personal_manad_1489_2025-01.csv").write_text(personal_manad("2025-01"), encoding="utf-8")
    settings = load_settings()
    with warehouse_connection(settings) as connection:
        create_raw_schema(connection)

    with warehouse_lock(settings):
        busy = tick(None)
    assert not busy.run_requests
    assert busy.skip_reason is not None and "används" in (busy.skip_reason.skip_message or "")
    assert not busy.cursor

    result, _ = settle(busy.cursor)
    assert len(result.run_requests) == 1


def test_schedule_and_sensor_target_the_full_pipeline_job() -> None:
    assert monthly_full_pipeline.cron_schedule == "0 6 5 * *"
    assert monthly_full_pipeline.execution_timezone == "Europe/Stockholm"
    definitions = dg.Definitions.merge(
        build_sensor_defs(),
        build_publish_defs(),
        dg.Definitions(jobs=[dg.define_asset_job(FULL_PIPELINE_JOB, selection=dg.AssetSelection.all())]),
    )
    repository = definitions.get_repository_def()
    assert repository.get_schedule_def("monthly_full_pipeline").job_name == FULL_PIPELINE_JOB
    assert repository.get_sensor_def("landing_files_sensor").job_name == FULL_PIPELINE_JOB
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2025, 3, 5, 6))
    requests = monthly_full_pipeline.evaluate_tick(context).run_requests
    assert requests and all(request.job_name in (None, FULL_PIPELINE_JOB) for request in requests)
