"""Kolada file loader: saved v3 pages into dated raw snapshots."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingest.landing import load_landing_folder
from orchestration.settings import SAMPLE_LANDING_DIR, load_settings

KEY = "test-key-not-for-production-0123"


def envelope(values: list[dict], next_url: str | None = None) -> dict:
    return {"values": values, "count": len(values), "next_url": next_url, "previous_url": None}


def item(kpi: str, municipality: str, period: object, *values: dict) -> dict:
    return {"kpi": kpi, "municipality": municipality, "period": period, "values": list(values)}


def value(gender: str, number: float | None, *, isdeleted: bool = False) -> dict:
    return {"count": 1, "gender": gender, "status": "Missing" if number is None else "", "value": number, "isdeleted": isdeleted}


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    kolada = tmp_path / "landing" / "kolada"
    write_json(kolada / "data" / "U20900.json", envelope([item("U20900", "0114", 2021, value("T", 77.5))], next_url="https://x/page=2"))
    write_json(
        kolada / "data" / "U20900.page2.json",
        envelope([item("U20900", "1489", "2022", value("T", None)), item("U20900", "1440", 2022, value("T", 0.0, isdeleted=True))]),
    )
    write_json(kolada / "data" / "N21704.json", envelope([item("N21704", "1489", 2022, value("T", 10.0), value("K", 12.0), value("M", 8.0))]))
    write_json(kolada / "kpi.json", envelope([
        {"id": "U20900", "title": "Effektivitetsindex äldreomsorg", "description": "…", "is_divided_by_gender": False,
         "municipality_type": "K", "auspice": None, "operating_area": "Äldreomsorg", "perspective": "Effektivitet",
         "prel_publication_date": None, "publication_date": "2023-06-01", "publ_period": "2022", "has_ou_data": False},
        {"id": "N21704", "title": "Invånare 80+ med hemtjänst", "is_divided_by_gender": True},
    ]))
    write_json(kolada / "municipality.json", envelope([{"id": "0114", "title": "Upplands Väsby", "type": "K"},
                                                       {"id": "0000", "title": "Riket", "type": "L"}]))
    write_json(kolada / "municipality_groups.json", envelope([
        {"id": "G96190", "title": "Göteborgsregionen", "members": [{"member_id": "1440", "member_title": "Ale"},
                                                                 {"member_id": "1489", "member_title": "Alingsås"}]},
        {"id": "G1", "title": "Tom grupp", "members": []},
    ]))
    (kolada / "README.md").write_text("ignored", encoding="utf-8")
    return tmp_path / "landing"


@pytest.fixture
def settings(tmp_path: Path, landing: Path):
    return load_settings({"LANDING_DIR": str(landing), "DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"), "PSEUDONYM_KEY": KEY})


def query(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_pages_null_values_string_periods_and_isdeleted(settings):
    summary = load_landing_folder(settings, kinds=["kolada"])
    assert summary.kolada.outcome == "loaded"
    assert query(settings, "select kpi, municipality, period, gender, value, count, status, isdeleted, _source_file "
                           "from raw.kolada_values order by kpi, municipality, gender") == [
        ("N21704", "1489", 2022, "K", 12.0, 1, "", False, "kolada/data/N21704.json"),
        ("N21704", "1489", 2022, "M", 8.0, 1, "", False, "kolada/data/N21704.json"),
        ("N21704", "1489", 2022, "T", 10.0, 1, "", False, "kolada/data/N21704.json"),
        ("U20900", "0114", 2021, "T", 77.5, 1, "", False, "kolada/data/U20900.json"),
        ("U20900", "1440", 2022, "T", 0.0, 1, "", True, "kolada/data/U20900.page2.json"),
        ("U20900", "1489", 2022, "T", None, 1, "Missing", False, "kolada/data/U20900.page2.json"),
    ]
    assert query(settings, "select id, is_divided_by_gender, operating_area, publ_period from raw.kolada_kpis order by id") == [
        ("N21704", True, None, None), ("U20900", False, "Äldreomsorg", "2022"),
    ]
    assert query(settings, "select id, member_id from raw.kolada_municipality_groups order by id, member_id") == [
        ("G1", None), ("G96190", "1440"), ("G96190", "1489"),
    ]
    assert query(settings, "select count(*) from raw.kolada_municipalities") == [(2,)]


def test_new_snapshot_only_when_content_changes(settings, landing):
    load_landing_folder(settings, kinds=["kolada"])
    assert load_landing_folder(settings, kinds=["kolada"]).kolada.outcome == "unchanged"
    assert query(settings, "select count(*), count(distinct _snapshot_id) from raw.kolada_values") == [(6, 1)]

    page = landing / "kolada" / "data" / "U20900.json"
    write_json(page, envelope([item("U20900", "0114", 2021, value("T", 78.0))], next_url="https://x/page=2"))
    second = load_landing_folder(settings, kinds=["kolada"])

    assert (second.kolada.outcome, second.kolada.snapshot_id) == ("loaded", 2)
    assert query(settings, "select _snapshot_id, value from raw.kolada_values where municipality = '0114' order by 1") == [(1, 77.5), (2, 78.0)]
    assert query(settings, "select _snapshot_id, count(*) from raw.kolada_municipalities group by all order by 1") == [(1, 2), (2, 2)]
    assert query(settings, "select snapshot_id, file_count from raw.kolada_snapshots order by 1") == [(1, 6), (2, 6)]
    # Every delivered page is logged once; the changed page is a new delivery.
    assert query(settings, "select file_name, rows_read, rows_loaded, rows_quarantined from raw.load_log order by load_id") == [
        ("kolada/data/N21704.json", 3, 3, 0),
        ("kolada/data/U20900.json", 1, 1, 0),
        ("kolada/data/U20900.page2.json", 2, 2, 0),
        ("kolada/kpi.json", 2, 2, 0),
        ("kolada/municipality.json", 2, 2, 0),
        ("kolada/municipality_groups.json", 3, 3, 0),
        ("kolada/data/U20900.json", 1, 1, 0),
    ]


def test_truncated_page_is_a_clear_error_and_keeps_the_last_snapshot(settings, landing):
    load_landing_folder(settings, kinds=["kolada"])
    page = landing / "kolada" / "data" / "U20900.page2.json"
    page.write_bytes(page.read_bytes()[:40])
    summary = load_landing_folder(settings, kinds=["kolada"])

    assert summary.kolada.outcome == "rejected"
    assert "kolada/data/U20900.page2.json" in summary.kolada.message
    assert summary.errors == [summary.kolada.message]
    assert query(settings, "select count(distinct _snapshot_id) from raw.kolada_values") == [(1,)]


def test_envelope_without_values_is_rejected(settings, landing):
    write_json(landing / "kolada" / "kpi.json", {"items": []})
    summary = load_landing_folder(settings, kinds=["kolada"])
    assert summary.kolada.outcome == "rejected" and "kolada/kpi.json" in summary.kolada.message


def test_missing_metadata_file_is_named(settings, landing):
    (landing / "kolada" / "municipality.json").unlink()
    summary = load_landing_folder(settings, kinds=["kolada"])
    assert summary.kolada.outcome == "rejected" and "kolada/municipality.json" in summary.kolada.message


def test_shipped_sample_matches_its_readme(tmp_path):
    settings = load_settings({"LANDING_DIR": str(SAMPLE_LANDING_DIR), "DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")})
    summary = load_landing_folder(settings, kinds=["kolada"])

    assert summary.kolada.outcome == "loaded"
    # Numbers from seeds/landing/kolada/README.md.
    assert query(settings, "select count(distinct _source_file), count(distinct (kpi, municipality, period)), count(*), "
                           "count(*) filter (where value is null) from raw.kolada_values") == [(71, 51602, 103130, 33926)]
    assert query(settings, "select count(*) from raw.kolada_kpis") == [(27,)]
    assert query(settings, "select type, count(*) from raw.kolada_municipalities group by type order by type") == [("K", 290), ("L", 22)]
    assert query(settings, "select count(distinct id), count(*) from raw.kolada_municipality_groups") == [(3630, 26573)]
    assert query(settings, "select count(*) from raw.kolada_municipality_groups where id = 'G96190'") == [(13,)]
    assert query(settings, "select count(*) from raw.kolada_values where kpi = 'U23401' and gender = 'K' "
                           "and municipality = '2462' and period = 2017") == [(0,)]
