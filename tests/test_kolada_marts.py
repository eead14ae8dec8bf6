"""Kolada marts on the shipped sample, checked against an independent computation over the JSON files.

The fixture loads seeds/landing/kolada with the real loader and builds the Kolada part of the dbt
project into a private warehouse. The expected figures are computed here in plain Python/pandas
straight from the saved API pages, not from the warehouse.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.defs.ingest.landing import load_landing_folder
from orchestration.settings import DBT_PROJECT_DIR, SAMPLE_LANDING_DIR, Settings, load_settings

KOLADA_DIR = SAMPLE_LANDING_DIR / "kolada"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
KOLADA_MODELS = (
    "+dim_municipality +dim_kpi +fct_kolada_comparisons +fct_rka_indices +fct_rka_index_components "
    "+fct_goal_indicators +fct_goal_assessments"
)
GOTEBORGSREGIONEN = "G96190"
SIMILAR_TITLE = re.compile(r"^Liknande kommuner,? (.+), ([^,]+), (\d{4})$")


def build_kolada_warehouse(directory: Path) -> Settings:
    settings = load_settings({"LANDING_DIR": str(SAMPLE_LANDING_DIR), "DUCKDB_PATH": str(directory / "warehouse.duckdb")})
    summary = load_landing_folder(settings, kinds=["kolada"])
    assert summary.kolada.outcome == "loaded"
    # A separate process: dbt-duckdb would otherwise keep a read-write handle on the file in this one.
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"), "build",
            "--select", *KOLADA_MODELS.split(),
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(directory / "target"),
            "--log-path", str(directory / "logs"),
        ],
        env={**os.environ, "DUCKDB_PATH": str(settings.duckdb_path)},
        check=True,
        capture_output=True,
    )
    return settings


@pytest.fixture(scope="session")
def kolada_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_kolada_warehouse(tmp_path_factory.mktemp("kolada_warehouse"))


def query(settings: Settings, sql: str, parameters: list | None = None) -> pd.DataFrame:
    connection = duckdb.connect(str(settings.duckdb_path))
    try:
        return connection.execute(sql, parameters or []).df()
    finally:
        connection.close()


def read_values() -> pd.DataFrame:
    rows = []
    for path in sorted((KOLADA_DIR / "data").glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8"))["values"]:
            for entry in item["values"]:
                if entry["value"] is None or entry["isdeleted"]:
                    continue
                rows.append((item["kpi"], item["municipality"], int(item["period"]), entry["gender"], float(entry["value"])))
    return pd.DataFrame(rows, columns=["kpi_id", "municipality_id", "year", "gender", "value"])


@pytest.fixture(scope="module")
def expected_comparisons() -> pd.DataFrame:
    municipalities = json.loads((KOLADA_DIR / "municipality.json").read_text(encoding="utf-8"))["values"]
    kommun_ids = {entry["id"] for entry in municipalities if entry["type"] == "K"}
    kommun_by_name = {entry["title"]: entry["id"] for entry in municipalities if entry["type"] == "K"}
    groups = json.loads((KOLADA_DIR / "municipality_groups.json").read_text(encoding="utf-8"))["values"]
    members = {group["id"]: {member["member_id"] for member in group["members"]} for group in groups}
    own_group: dict[tuple[str, str], str] = {}
    for group in groups:
        match = SIMILAR_TITLE.match(group["title"])
        if match and match.group(1) in ("äldreomsorg", "LSS"):
            area = "aldreomsorg" if match.group(1) == "äldreomsorg" else "lss"
            own_group[(kommun_by_name[match.group(2)], area)] = group["id"]
    directions = pd.read_csv(SEEDS_DIR / "municipality_groups_extra_kpi_areas.csv", dtype=str)
    area_of = dict(zip(directions.kpi_id, directions.comparison_area, strict=True))
    higher_of = {kpi: (None if pd.isna(flag) else flag == "true") for kpi, flag in zip(directions.kpi_id, directions.higher_is_better, strict=True)}

    values = read_values()
    kommun = values[values.municipality_id.isin(kommun_ids)]
    lookup = {key: group for key, group in kommun.groupby(["kpi_id", "year", "gender"])}

    rows = []
    for (kpi, year, gender), group in lookup.items():
        by_id = dict(zip(group.municipality_id, group.value, strict=True))
        gr = [by_id[m] for m in members[GOTEBORGSREGIONEN] if m in by_id]
        higher = higher_of.get(kpi)
        ascending = sorted(by_id.values())
        n = len(ascending)
        for municipality, value in by_id.items():
            similar_id = own_group.get((municipality, area_of.get(kpi)))
            similar = [by_id[m] for m in members.get(similar_id, set()) if m in by_id]
            if higher is None:
                rank = percentile = light = None
            else:
                better = n - bisect.bisect_right(ascending, value) if higher else bisect.bisect_left(ascending, value)
                rank = 1 + better
                percentile = 100.0 if n == 1 else 100.0 * (n - rank) / (n - 1)
                light = "grön" if rank <= 0.25 * n else "röd" if rank > 0.75 * n else "gul"
            rows.append({
                "kpi_id": kpi, "municipality_id": municipality, "year": year, "gender": gender, "value": value,
                "goteborgsregionen_mean": sum(gr) / len(gr) if gr else None, "goteborgsregionen_n": len(gr),
                "similar_group_id": similar_id,
                "similar_group_mean": sum(similar) / len(similar) if similar else None, "similar_group_n": len(similar),
                "all_municipalities_mean": sum(by_id.values()) / n, "all_municipalities_n": n,
                "rank_among_municipalities": rank, "percentile": percentile, "traffic_light": light,
            })
    return pd.DataFrame(rows)


def test_every_valid_municipality_value_is_compared(kolada_warehouse, expected_comparisons):
    actual = query(kolada_warehouse, "select count(*) as n from marts.fct_kolada_comparisons where not is_riket and value is not null")
    assert actual.n[0] == len(expected_comparisons)


def test_comparisons_match_independent_computation(kolada_warehouse, expected_comparisons):
    actual = query(kolada_warehouse, "select * from marts.fct_kolada_comparisons where not is_riket and value is not null")
    merged = expected_comparisons.merge(actual, on=["kpi_id", "municipality_id", "year", "gender"], suffixes=("_expected", ""))
    assert len(merged) == len(expected_comparisons)
    for column in ["value", "goteborgsregionen_mean", "similar_group_mean", "all_municipalities_mean", "percentile"]:
        expected, got = merged[f"{column}_expected"].astype(float), merged[column].astype(float)
        # Relative for large values: the expected means are plain float sums, the mart's are exact decimal sums.
        same = (expected.isna() & got.isna()) | ((expected - got).abs() < 1e-9 * expected.abs().clip(lower=1))
        assert same.all(), f"{column}: {merged.loc[~same, ['kpi_id', 'municipality_id', 'year', 'gender']].head()}"
    for column in ["goteborgsregionen_n", "similar_group_n", "all_municipalities_n"]:
        assert (merged[f"{column}_expected"].fillna(0).astype(int) == merged[column].fillna(0).astype(int)).all(), column
    for column in ["similar_group_id", "rank_among_municipalities", "traffic_light"]:
        expected = merged[f"{column}_expected"].astype(object).where(merged[f"{column}_expected"].notna(), None)
        got = merged[column].astype(object).where(merged[column].notna(), None)
        assert [None if e is None else str(int(e)) if isinstance(e, float) else str(e) for e in expected] == [
            None if g is None else str(int(g)) if isinstance(g, float) else str(g) for g in got
        ], column


def test_alingsas_groups_and_lower_is_better_ranking(kolada_warehouse):
    alingsas = query(kolada_warehouse, "select * from marts.dim_municipality where municipality_id = '1489'").iloc[0]
    assert alingsas.similar_group_elderly_care_id == "G176486"
    assert alingsas.similar_group_lss_id == "G39499"
    assert bool(alingsas.is_goteborgsregionen_member)
    assert query(kolada_warehouse, "select count(*) as n from marts.dim_municipality where is_goteborgsregionen_member").n[0] == 13
    # Waiting time: the shortest wait is rank 1.
    best = query(kolada_warehouse, """
        select value, min(value) over () as shortest from marts.fct_kolada_comparisons
        where kpi_id = 'U23401' and year = 2022 and gender = 'T' and rank_among_municipalities = 1""")
    assert (best.value == best.shortest).all()


def test_withdrawn_values_never_count(tmp_path):
    """A value Kolada marks isdeleted is no value: not in means, counts or ranks."""
    landing = tmp_path / "landing"
    kolada = landing / "kolada"
    (kolada / "data").mkdir(parents=True)
    for name in ("kpi.json", "municipality.json", "municipality_groups.json"):
        (kolada / name).write_bytes((KOLADA_DIR / name).read_bytes())
    for path in (KOLADA_DIR / "data").glob("U23401*.json"):
        page = json.loads(path.read_text(encoding="utf-8"))
        for item in page["values"]:
            if item["municipality"] == "1489":
                for entry in item["values"]:
                    entry["isdeleted"] = True
        (kolada / "data" / path.name).write_text(json.dumps(page), encoding="utf-8")
    settings = build_kolada_warehouse_from(landing, tmp_path)
    rows = query(settings, """
        select municipality_id, value, rank_among_municipalities, all_municipalities_n,
               count(*) filter (where value is not null) over () as n_valid
        from marts.fct_kolada_comparisons where kpi_id = 'U23401' and year = 2022 and gender = 'T'""")
    alingsas = rows[rows.municipality_id == "1489"].iloc[0]
    assert pd.isna(alingsas.value) and pd.isna(alingsas.rank_among_municipalities)
    assert (rows.all_municipalities_n == rows.n_valid).all()


def build_kolada_warehouse_from(landing: Path, directory: Path) -> Settings:
    settings = load_settings({"LANDING_DIR": str(landing), "DUCKDB_PATH": str(directory / "warehouse.duckdb"), "PSEUDONYM_KEY": "test-key-only-for-this-test"})
    load_landing_folder(settings, kinds=["kolada"])
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"), "build",
            "--select", "+fct_kolada_comparisons",
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(directory / "target"),
            "--log-path", str(directory / "logs"),
        ],
        env={**os.environ, "DUCKDB_PATH": str(settings.duckdb_path)},
        check=True,
        capture_output=True,
    )
    return settings


def test_alingsas_kolada_2022_values_are_the_reported_goal_outcomes(kolada_warehouse):
    reported = {"U23516": 46, "U28528": 73, "U28535": 75, "U23401": 74}
    rows = query(kolada_warehouse, """
        select kolada_kpi_id, kolada_value, reported_outcome, outcome_source from marts.fct_goal_indicators
        where municipality_id = '1489' and year = 2022 and kolada_kpi_id in ('U23516', 'U28528', 'U28535', 'U23401')""")
    assert len(rows) == 4
    for row in rows.itertuples():
        assert math.isclose(row.kolada_value, reported[row.kolada_kpi_id]), row
        assert row.reported_outcome == reported[row.kolada_kpi_id]
        assert row.outcome_source == "Kolada"


def test_goal_assessments_reproduce_published_2024(kolada_warehouse):
    published = pd.read_csv(Path(__file__).parent / "reference" / "goal-indicators.csv", dtype=str)
    expected = published.groupby("goal_id").published_assessment_2024.first().to_dict()
    rows = query(kolada_warehouse, "select goal_id, assessment from marts.fct_goal_assessments where year = 2024")
    assert dict(zip(rows.goal_id, rows.assessment, strict=True)) == expected
