"""The board's key-figure report: suppression rules and the generated HTML."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.reports import build_report, main
from orchestration.reports.suppression import Cell, Difference, Group, Status, suppress

METRIC_CATALOGUE = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "metric_catalogue.csv"

# --- suppression -------------------------------------------------------------


def test_cells_about_fewer_than_five_people_are_hidden_and_money_never_is():
    status = suppress(
        {
            "sick_men": Cell(4.9, n_individuals=4),
            "sick_women": Cell(9.0, n_individuals=5),
            "net_cost": Cell(-964_456_000.0),
        }
    )
    assert status == {"sick_men": Status.PRIMARY, "sick_women": Status.SHOWN, "net_cost": Status.SHOWN}


def test_a_lone_hidden_part_takes_the_smallest_other_part_with_it():
    cells = {
        "total": Cell(40, n_individuals=40),
        "falls": Cell(3, n_individuals=3),
        "medication": Cell(12, n_individuals=12),
        "conduct": Cell(25, n_individuals=25),
    }
    status = suppress(cells, groups=[Group("total", ("falls", "medication", "conduct"))])
    assert status["falls"] is Status.PRIMARY
    assert status["medication"] is Status.SECONDARY
    assert status["conduct"] is Status.SHOWN
    assert status["total"] is Status.SHOWN


def test_two_hidden_parts_need_nothing_more():
    cells = {
        "total": Cell(40, n_individuals=40),
        "a": Cell(3, n_individuals=3),
        "b": Cell(2, n_individuals=2),
        "c": Cell(35, n_individuals=35),
    }
    status = suppress(cells, groups=[Group("total", ("a", "b", "c"))])
    assert [status[key] for key in ("total", "a", "b", "c")] == [
        Status.SHOWN,
        Status.PRIMARY,
        Status.PRIMARY,
        Status.SHOWN,
    ]


def test_a_hidden_total_with_every_part_shown_hides_a_part():
    cells = {"total": Cell(7, n_individuals=4), "k": Cell(5, n_individuals=5), "m": Cell(2, n_individuals=6)}
    status = suppress(cells, groups=[Group("total", ("k", "m"))])
    assert status["total"] is Status.PRIMARY
    assert status["k"] is Status.SECONDARY
    assert status["m"] is Status.SHOWN


def test_a_difference_is_hidden_when_either_year_is():
    cells = {
        "2023": Cell(4.1, n_individuals=6),
        "2024": Cell(4.9, n_individuals=4),
        "diff": Cell(0.8),
    }
    status = suppress(cells, differences=[Difference("diff", "2024", "2023")])
    assert status == {"2023": Status.SHOWN, "2024": Status.PRIMARY, "diff": Status.SECONDARY}


def test_secondary_suppression_spreads_until_nothing_can_be_recomputed():
    # Year 2024: men (3 people) hidden → women hidden too (group). The women's
    # difference then reveals nothing new, but must go as well.
    cells = {
        ("total", 2023): Cell(100, n_individuals=100),
        ("k", 2023): Cell(90, n_individuals=90),
        ("m", 2023): Cell(10, n_individuals=10),
        ("total", 2024): Cell(93, n_individuals=93),
        ("k", 2024): Cell(90, n_individuals=90),
        ("m", 2024): Cell(3, n_individuals=3),
        ("total", "diff"): Cell(-7),
        ("k", "diff"): Cell(0),
        ("m", "diff"): Cell(-7),
    }
    groups = [Group(("total", year), (("k", year), ("m", year))) for year in (2023, 2024)]
    differences = [Difference((row, "diff"), (row, 2024), (row, 2023)) for row in ("total", "k", "m")]
    status = suppress(cells, groups=groups, differences=differences)
    hidden = {key for key, value in status.items() if value is not Status.SHOWN}
    assert hidden == {("m", 2024), ("k", 2024), ("m", "diff"), ("k", "diff")}
    assert status[("total", 2024)] is Status.SHOWN
    assert status[("total", "diff")] is Status.SHOWN


def test_missing_values_are_not_used_as_secondary_cells():
    cells = {"total": Cell(30, n_individuals=30), "a": Cell(2, n_individuals=2), "b": Cell(None), "c": Cell(28, 28)}
    status = suppress(cells, groups=[Group("total", ("a", "b", "c"))])
    assert status["b"] is Status.SHOWN
    assert status["c"] is Status.SECONDARY


def test_a_rule_naming_an_unknown_cell_is_an_error():
    with pytest.raises(KeyError, match="not in the table"):
        suppress({"a": Cell(1, 10)}, groups=[Group("a", ("nope",))])


# --- a small publication in the publish step's layout --------------------------

MUNICIPALITY = "1489"
YEARS = (2022, 2023, 2024)
PERSONNEL_2024 = {
    "employees_permanent": 1318, "employees_temporary": 131, "employees_fulltime": 1190, "employees_parttime": 259,
    "share_women_permanent_pct": 84.2, "share_men_permanent_pct": 15.1, "fte_contracted_permanent": 1267,
    "fte_contracted_temporary": 121, "fte_available_monthly_paid": 1342, "fte_hourly": 181.6, "fte_total": 1523.6,
    "fte_overtime": 14.9, "fte_extra_hours": 5.3, "hours_hourly": 359_568, "avg_employment_rate_permanent_pct": 96.0,
    "avg_age_permanent": 45.0, "turnover_total_pct": 14.1, "turnover_external_pct": 11.9,
    "turnover_external_excl_pension_pct": 9.0,
}  # fmt: skip
SICK_LEAVE_2024 = {
    "total": 8.2, "kon=K": 9.0, "kon=M": 4.9, "alder=-29": 5.3, "alder=30-49": 8.2, "alder=50-": 9.7,
    "sjukperiod=dag1-14": 3.5, "sjukperiod=dag15-59": 1.2, "sjukperiod=dag60-": 3.5,
}  # fmt: skip
LEDGER_2024_KR = {
    "revenue": 254_669_000, "personnel_costs": -821_815_000, "premises_rent": -114_174_000,
    "purchased_services": -188_451_000, "other_costs": -94_685_000,
}  # fmt: skip
LEDGER_BUDGET_2024_KR = {
    "revenue": 206_297_000, "personnel_costs": -802_020_000, "premises_rent": -113_241_000,
    "purchased_services": -176_046_000, "other_costs": -81_323_000,
}  # fmt: skip
DEPARTMENTS = (
    # area, department, unit, people (the small one makes the report suppress)
    ("Äldreomsorg", "Hemtjänst", "6341", 180),
    ("Äldreomsorg", "Äldreboende", "6411", 240),
    ("Funktionsstöd", "LSS boende och arbete", "7110", 150),
    ("Kommunal primärvård", "Rehab", "8120", 4),
)
DEVIATIONS_2024 = {
    "deviations_reported": 4672, "deviations_falls": 1961, "deviations_falls_serious": 12,
    "deviations_medication": 1436, "deviations_conduct": 75, "deviations_case_handling": 205,
    "deviations_new_older_than_30d": 972, "deviations_not_closed_within_60d": 719,
    "deviations_median_days_to_close": 21, "deviations_lex_sarah": 9, "deviations_lex_maria": 4,
    "collaboration_deviations": 88, "complaints": 96, "work_injuries": 154, "near_misses": 713,
}  # fmt: skip


def _metric_rows() -> list[dict]:
    rows: list[dict] = []

    def add(metric, value, year, *, period=None, level="kommun", slice_="total", n=None, area=None,
            department=None, unit_id=None):  # fmt: skip
        rows.append(
            {
                "municipality_id": MUNICIPALITY,
                "period": period or str(year),
                "period_type": "month" if period else "year",
                "year": year,
                "level": level,
                "area": area,
                "department": department,
                "unit_id": unit_id,
                "metric_id": metric,
                "slice": slice_,
                "value": value,
                "numerator": None,
                "denominator": None,
                "n_individuals": n,
            }
        )

    for offset, year in enumerate(reversed(YEARS)):
        drift = 1 - 0.03 * offset
        for metric, value in PERSONNEL_2024.items():
            add(metric, round(value * drift, 1), year, n=1449)
        for slice_, value in SICK_LEAVE_2024.items():
            people = 230 if slice_ == "kon=M" else 1200
            add("sick_leave_pct", round(value + 0.2 * offset, 1), year, slice_=slice_, n=people)
        for area, department, unit_id, people in DEPARTMENTS:
            add("sick_leave_pct", 7.5 + offset, year, level="avdelning", area=area, department=department, n=people)
        for metric, value in DEVIATIONS_2024.items():
            add(metric, round(value * drift), year)
        for area, _, _, people in DEPARTMENTS:
            add("deviations_reported", people * 3, year, level="verksamhetsomrade", area=area)
        budget_total = net_total = 0.0
        for metric in LEDGER_2024_KR:
            outcome, budget = LEDGER_2024_KR[metric] * drift, LEDGER_BUDGET_2024_KR[metric] * drift
            add(metric, outcome, year)
            add(f"{metric}_budget", budget, year)
            net_total += outcome
            budget_total += budget
        costs = net_total - LEDGER_2024_KR["revenue"] * drift
        add("total_costs", costs, year)
        add("total_costs_budget", budget_total - LEDGER_BUDGET_2024_KR["revenue"] * drift, year)
        add("net_cost", net_total, year)
        add("net_cost_budget", budget_total, year)
        for area, department, unit_id, people in DEPARTMENTS:
            share = people / 574
            add("net_cost", net_total * share, year, level="verksamhetsomrade", area=area)
            add("net_cost_budget", budget_total * share, year, level="verksamhetsomrade", area=area)
            add("result", net_total * share, year, level="enhet", area=area, department=department, unit_id=unit_id)
            add("result_budget", budget_total * share * 1.01, year, level="enhet", area=area,
                department=department, unit_id=unit_id)  # fmt: skip
        accumulated = 0.0
        for month in range(1, 13):
            period = f"{year}-{month:02d}"
            seasonal = 1.15 if month in (7, 8) else 1.0
            outcome = net_total / 12 * seasonal
            accumulated += outcome
            add("revenue", LEDGER_2024_KR["revenue"] * drift / 12, year, period=period)
            add("total_costs", outcome - LEDGER_2024_KR["revenue"] * drift / 12, year, period=period)
            add("result", outcome, year, period=period)
            add("result_budget", budget_total / 12, year, period=period)
            add("net_cost", outcome, year, period=period)
            add("net_cost_budget", budget_total / 12, year, period=period)
            add("net_cost_forecast", accumulated / month * 12, year, period=period)
            add("deviations_reported", round(DEVIATIONS_2024["deviations_reported"] * drift / 12) + month, year,
                period=period)  # fmt: skip
    return rows


KOLADA_KPIS = {
    # kpi: (title, area, value 2022 for Alingsås, higher is better)
    "U20900": ("Effektivitetsindex äldreomsorg", "aldreomsorg", 74.0, True),
    "U20404": ("Kvalitetsindex äldreomsorg", "aldreomsorg", 85.0, True),
    "U20008": ("Resursindex äldreomsorg", "aldreomsorg", 53.0, True),
    "U28900": ("Effektivitetsindex LSS boende och daglig verksamhet", "lss", 74.0, True),
    "U28408": ("Kvalitetsindex LSS boende och daglig verksamhet", "lss", 67.0, True),
    "U28001": ("Resursindex LSS boende och daglig verksamhet", "lss", 70.0, True),
    "U23401": ("Väntetid i antal dagar från ansökningsdatum till första erbjudet inflyttningsdatum till särskilt "
               "boende, medelvärde", "aldreomsorg", 57.0, False),
    "U28528": ("Brukarbedömning servicebostad LSS - Personalen pratar så brukaren förstår, lägeskommun, andel (%)",
               "lss", 74.0, True),
}  # fmt: skip
KOLADA_YEARS = (2019, 2020, 2021, 2022)


def _kolada_tables() -> dict[str, pd.DataFrame]:
    comparisons, indices = [], []
    for kpi, (_, area, latest, higher) in KOLADA_KPIS.items():
        for offset, year in enumerate(reversed(KOLADA_YEARS)):
            value = latest - 3 * offset if higher else latest + 4 * offset
            before = value - 3 if higher else value + 4
            light = "grön" if kpi != "U20008" else "gul"
            comparisons.append(
                {
                    "kpi_id": kpi, "municipality_id": MUNICIPALITY, "year": year, "gender": "T", "is_riket": False,
                    "value": value, "previous_year_value": before, "change_from_previous_year": value - before,
                    "goteborgsregionen_mean": value - 10, "goteborgsregionen_n": 13, "comparison_area": area,
                    "similar_group_id": "G176486" if area == "aldreomsorg" else "G39499",
                    "similar_group_mean": value - 15, "similar_group_n": 7, "all_municipalities_mean": value - 12,
                    "all_municipalities_n": 290, "riket_value": None if kpi.startswith("U2") and "index" in
                    KOLADA_KPIS[kpi][0] else value - 11, "higher_is_better": higher,
                    "rank_among_municipalities": 40, "n_ranked": 288, "percentile": 86.4, "traffic_light": light,
                }
            )  # fmt: skip
            if "index" in KOLADA_KPIS[kpi][0]:
                for other, shift in ((MUNICIPALITY, 0.4), ("1440", -1.5), ("1480", 3.5)):
                    indices.append(
                        {
                            "index_kpi_id": kpi, "index_title": KOLADA_KPIS[kpi][0], "municipality_id": other,
                            "year": year, "recomputed_value": value + shift, "published_value": value,
                            "difference": shift, "most_influential_component_id": "U23401",
                            "most_influential_gain": 6.5,
                        }
                    )  # fmt: skip
    kpis = pd.DataFrame(
        [{"kpi_id": kpi, "kpi_title": title, "kpi_description": f"Beskrivning av {title} enligt Kolada."}
         for kpi, (title, *_rest) in KOLADA_KPIS.items()]
    )  # fmt: skip
    return {
        "fct_kolada_comparisons": pd.DataFrame(comparisons),
        "fct_rka_indices": pd.DataFrame(indices),
        "dim_kpi": kpis,
    }


GOAL_INDICATORS = Path(__file__).resolve().parent / "reference" / "goal-indicators.csv"


def _goal_tables() -> dict[str, pd.DataFrame]:
    """The published goals and outcomes shaped like fct_goal_indicators / fct_goal_assessments."""
    reference = pd.read_csv(GOAL_INDICATORS, dtype={"kommunkod": str})
    reference["indicator_id"] = reference.groupby("goal_id").cumcount().add(1).astype(str).radd(
        reference["goal_id"] + "."
    )
    indicators = []
    for row in reference.itertuples():
        for year in (2022, 2023, 2024):
            outcome = getattr(row, f"outcome_{year}")
            outcome = None if pd.isna(outcome) else float(outcome)
            target = float(row.target_2024) if year == 2024 else None
            met = None
            if target is not None and outcome is not None:
                met = outcome >= target if row.direction == "higher" else outcome <= target
            indicators.append(
                {
                    "indicator_id": row.indicator_id, "municipality_id": row.kommunkod, "goal_id": row.goal_id,
                    "goal": row.goal, "indicator": row.indicator,
                    "kolada_kpi_id": None if pd.isna(row.kolada_kpi) else row.kolada_kpi,
                    "direction": row.direction, "year": year, "target": target, "reported_outcome": outcome,
                    "kolada_value": None, "outcome": outcome,
                    "outcome_source": None if outcome is None else "Rapporterat", "is_met": met,
                }
            )  # fmt: skip
    indicators_frame = pd.DataFrame(indicators)
    assessments = []
    for (goal_id, year), rows in indicators_frame.groupby(["goal_id", "year"]):
        assessed = rows["is_met"].dropna()
        met = int(assessed.sum())
        verdict = None
        if len(assessed):
            verdict = "Helt uppfyllt" if met == len(assessed) else "Delvis uppfyllt" if met else "Ej uppfyllt"
        published = reference.loc[reference["goal_id"] == goal_id, "published_assessment_2024"].iloc[0]
        assessments.append(
            {
                "municipality_id": MUNICIPALITY, "goal_id": goal_id, "goal": rows["goal"].iloc[0], "year": year,
                "n_indicators": len(rows), "n_assessed": len(assessed), "n_met": met, "assessment": verdict,
                "published_assessment": published if year == 2024 else None,
            }
        )  # fmt: skip
    return {"fct_goal_indicators": indicators_frame, "fct_goal_assessments": pd.DataFrame(assessments)}


def write_publication(publish_dir: Path) -> Path:
    """A published version shaped like the publish step's: versions/<v>/marts/<table>.parquet, current → it."""
    marts = publish_dir / "versions" / "20250101T000000.000000Z" / "marts"
    marts.mkdir(parents=True)
    tables = {
        "fct_metric_values": pd.DataFrame(_metric_rows()),
        "dim_metric": pd.read_csv(METRIC_CATALOGUE, dtype=str).assign(
            higher_is_better=lambda frame: frame["higher_is_better"].map({"true": True, "false": False})
        ),
        "dim_municipality": pd.DataFrame([{"municipality_id": MUNICIPALITY, "municipality_name": "Alingsås"}]),
        "dim_unit": pd.DataFrame(
            [
                {"municipality_id": MUNICIPALITY, "unit_id": unit_id, "unit_name": f"{department} {unit_id}",
                 "department": department, "area": area, "valid_from": dt.date(2020, 1, 1)}
                for area, department, unit_id, _ in DEPARTMENTS
            ]
        ),  # fmt: skip
        **_kolada_tables(),
        **_goal_tables(),
    }
    with duckdb.connect() as connection:
        for name, frame in tables.items():
            connection.register("frame", frame)
            connection.execute(f"copy (select * from frame) to '{marts / (name + '.parquet')}' (format parquet)")
            connection.unregister("frame")
    (publish_dir / "current").symlink_to(Path("versions") / marts.parent.name)
    return publish_dir


@pytest.fixture(scope="module")
def publication(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_publication(tmp_path_factory.mktemp("publication") / "published")


@pytest.fixture(scope="module")
def report_html(publication: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = build_report(publication, MUNICIPALITY, 2024, tmp_path_factory.mktemp("reports"))
    return path.read_text(encoding="utf-8")


def test_the_report_is_one_self_contained_file(report_html: str):
    assert report_html.startswith("<!DOCTYPE html>")
    assert '<html lang="sv">' in report_html
    assert not re.search(r"<script|<link|@import|url\(https?:|src=\"https?:", report_html)
    assert "<svg" in report_html


def _section(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}"')
    return html[start : html.index("</section>", start)]


def test_sections_follow_the_boards_documents(report_html: str):
    headings = re.findall(r'<h2 id="[^"]+">([^<]+)</h2>', report_html)
    assert headings == ["Effektivitet", "Personal", "Ekonomi", "Kvalitet", "Mål", "Definitioner"]
    for caption in (
        "Personalstatistik 2022–2024",
        "Sjukfrånvaro 2022–2024, procent av ordinarie arbetstid",
        "Drift 2024, belopp i tkr",
        "Nettokostnad per verksamhetsområde 2024, tkr",
        "Helårsprognos för nettokostnaden 2024, tkr",
        "Avvikelser 2023–2024, antal",
        "Hantering av avvikelser 2023–2024",
    ):
        assert f"<caption>{caption}</caption>" in report_html
    assert report_html.count("<table") == report_html.count("<caption>")


def test_personnel_figures_are_formatted_the_swedish_way_with_their_definition(report_html: str):
    personal = _section(report_html, "personal")
    row = re.search(r'<tr title="([^"]+)" data-metric="employees_permanent">(.*?)</tr>', personal, re.DOTALL)
    assert row is not None
    assert "Antal tillsvidareanställda (employees_permanent)" in row.group(1)
    cells = re.findall(r'<td class="num">([^<]+)</td>', row.group(2))
    assert cells == ["1\u00a0239", "1\u00a0278", "1\u00a0318", "+40"]
    assert '<a href="#def-employees-permanent">Tillsvidareanställda</a>' in row.group(2)
    assert 'id="def-employees-permanent"' in report_html
    sick_total = re.search(
        r'data-metric="sick_leave_pct">\s*<th scope="row"><a[^>]*>Total sjukfrånvaro</a></th>(.*?)</tr>',
        personal,
        re.DOTALL,
    )
    assert re.findall(r">([^<]+)</td>", sick_total.group(1)) == ["8,6", "8,4", "8,2", "-0,2"]


def test_a_department_with_fewer_than_five_people_is_suppressed_with_a_note(report_html: str):
    personal = _section(report_html, "personal")
    rehab = re.search(r">Rehab</a></th>(.*?)</tr>", personal, re.DOTALL).group(1)
    assert re.findall(r'<td class="num suppressed"[^>]*>([^<]+)</td>', rehab) == ["–", "–", "–"]
    assert "färre än 5 personer" in personal
    assert "7,5" not in rehab and "8,5" not in rehab


def test_kolada_figures_are_attributed_and_the_recomputation_is_labelled_as_ours(report_html: str):
    effectiveness = _section(report_html, "effektivitet")
    assert "Källa: Kolada" in effectiveness
    assert "egna beräkningar på data från Kolada" in effectiveness
    assert "beräkning enligt RKA:s metod, gjord i detta projekt" in effectiveness
    assert "inte Koladas siffror" in effectiveness
    row = re.search(r'data-metric="U20900">(.*?)</tr>', effectiveness, re.DOTALL).group(1)
    assert re.findall(r'<td class="num">([^<]+)</td>', row)[:5] == ["2022", "74", "64", "59", "62"]
    assert "light-green" in row and "Grön, plats 40 av 288" in row
    assert effectiveness.count('<svg role="img"') >= 6


def test_economy_shows_budget_outcome_and_deviation_in_tkr(report_html: str):
    economy = _section(report_html, "ekonomi")
    personnel_costs = re.search(r'data-metric="personnel_costs">(.*?)</tr>', economy, re.DOTALL).group(1)
    assert re.findall(r'<td class="num">([^<]+)</td>', personnel_costs)[:3] == [
        "-802\u00a0020",
        "-821\u00a0815",
        "-19\u00a0795",
    ]
    assert "Resultat per enhet 2024, tkr" in economy
    assert "6341 Hemtjänst 6341" in economy


def test_goals_carry_their_assessment(report_html: str):
    goals = _section(report_html, "mal")
    assert "Bedömning 2024: Helt uppfyllt" in goals
    assert goals.count("Bedömning 2024: Delvis uppfyllt") == 2
    assert "(U23516)" in goals


def test_main_writes_one_report_per_municipality_for_the_latest_complete_year(publication: Path, tmp_path: Path):
    out = tmp_path / "alla"
    assert main(["--publish-dir", str(publication), "--out", str(out)]) == 0
    assert sorted(path.name for path in out.iterdir()) == ["nyckeltal_1489_2024.html", "report-inputs.json"]


def test_without_a_publication_main_explains_what_to_do(tmp_path: Path, capsys):
    assert main(["--publish-dir", str(tmp_path / "inget"), "--out", str(tmp_path / "ut")]) == 1
    assert "Kör kedjan först" in capsys.readouterr().err


def test_building_twice_gives_the_same_file_apart_from_the_date(publication: Path, tmp_path: Path):
    first = build_report(publication, MUNICIPALITY, 2024, tmp_path / "a").read_text(encoding="utf-8")
    second = build_report(publication, MUNICIPALITY, 2024, tmp_path / "b").read_text(encoding="utf-8")
    assert first == second
