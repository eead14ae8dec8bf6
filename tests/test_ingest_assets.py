"""The Dagster ingest assets materialise, report per file, and fail loudly on a rejected file."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.ingest import build_defs
from orchestration.defs.ingest.assets import ASSETS
from orchestration.defs.ingest.contracts import CSV_KINDS
from orchestration.settings import SAMPLE_LANDING_DIR

KEY = "test-key-not-for-production-0123"
ORGANISATION_HEADER = ";".join(column.name for column in CSV_KINDS["organisation"].columns)


@pytest.fixture
def landing(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "landing"
    shutil.copytree(SAMPLE_LANDING_DIR / "kolada", folder / "kolada")
    (folder / "organisation_1489.csv").write_text(
        f"{ORGANISATION_HEADER};ny_kolumn\n1489;E1;Ängåsen;Äldreboende;Äldreomsorg;2024-01-01;;x\n1489;E2;Trasig;;Äldreomsorg;2024-13-01;;x\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("LANDING_DIR", str(folder))
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("PSEUDONYM_KEY", KEY)
    return folder


def metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {
        "/".join(event.asset_key.path): {key: value.value for key, value in event.materialization.metadata.items()}
        for event in result.get_asset_materialization_events()
    }


def test_build_defs_exposes_every_raw_asset():
    keys = {"/".join(key.path) for key in build_defs().resolve_asset_graph().get_all_asset_keys()}
    assert keys == {f"raw/{name}" for name in CSV_KINDS} | {
        "raw/avvikelser_versions", "raw/avvikelser_snapshots", "raw/avvikelser_version_spans",
        "raw/kolada_values", "raw/kolada_kpis", "raw/kolada_municipalities", "raw/kolada_municipality_groups",
    }


def test_assets_materialise_with_per_file_metadata(landing, tmp_path):
    result = dg.materialize(ASSETS)

    assert result.success
    reported = metadata(result)
    organisation = reported["raw/organisation"]
    assert (organisation["rows_read"], organisation["rows_loaded"], organisation["rows_quarantined"]) == (2, 1, 1)
    assert organisation["unknown_columns"] == {"organisation_1489.csv": ["ny_kolumn"]}
    assert organisation["files"]["organisation_1489.csv"]["outcome"] == "loaded"
    assert reported["raw/kolada_values"]["rows_loaded"] == 103130
    assert reported["raw/personal_manad"]["rows_read"] == 0
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.execute("select enhet_namn from raw.organisation").fetchall() == [("Ängåsen",)]


def test_rejected_file_fails_the_asset_after_the_other_files_are_loaded(landing, tmp_path):
    (landing / "organisation_1489_fel.csv").write_text("kommunkod;enhet_id\n1489;E9\n", encoding="utf-8")
    result = dg.materialize(ASSETS, selection=["raw/organisation"], raise_on_error=False)

    assert not result.success
    [failure] = [event for event in result.all_events if event.is_step_failure]
    message = failure.step_failure_data.user_failure_data.description
    assert "organisation_1489_fel.csv" in message and "enhet_namn" in message and "giltig_from" in message
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.execute("select file_name, outcome from raw.load_log order by 1").fetchall() == [
            ("organisation_1489.csv", "loaded"), ("organisation_1489_fel.csv", "rejected"),
        ]
