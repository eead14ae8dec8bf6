"""Section Mål: each goal with its indicators, target, outcome and assessment."""

from __future__ import annotations

import pandas as pd

from orchestration.reports.metrics import clean_number
from orchestration.reports.model import Block, Definition, Row, Section, Table, ValueCell, cell, text_cell
from orchestration.reports.published import PublishedData

ASSESSMENT_CLASS = {"Helt uppfyllt": "helt", "Delvis uppfyllt": "delvis", "Ej uppfyllt": "ej"}
SOURCE_TEXT = {"Kolada": "Kolada", "Rapporterat": "Nämndens rapport"}
GOAL_SOURCE = (
    "Källa: målvärden och rapporterade utfall ur nämndens årsredovisning; utfall märkta Kolada: Källa: Kolada. "
    "Bedömningen är en egen beräkning: Helt uppfyllt när alla indikatorer med målvärde och utfall nådde målvärdet, "
    "Delvis när några gjorde det, Ej uppfyllt när ingen gjorde det."
)


def goals_section(data: PublishedData, municipality_id: str, year: int) -> Section:
    section = Section("mal", "Mål")
    if not data.has("fct_goal_indicators"):
        section.empty_message = "Målen finns inte i den publicerade versionen."
        return section
    indicators = data.query(
        """
        select * from fct_goal_indicators
        where municipality_id = ? and year <= ?
        order by goal_id, indicator_id, year
        """,
        [municipality_id, year],
    )
    with_target = indicators[indicators["target"].notna()]
    if with_target.empty:
        section.empty_message = (
            f"Nämnden har inga mål med målvärden för {year} eller tidigare i den publicerade versionen."
        )
        return section
    goal_year = int(with_target["year"].max())
    assessments = {}
    if data.has("fct_goal_assessments"):
        frame = data.query(
            "select * from fct_goal_assessments where municipality_id = ? and year = ?", [municipality_id, goal_year]
        )
        assessments = {row.goal_id: row for row in frame.itertuples()}
    kpi_titles = {}
    if data.has("dim_kpi"):
        kpi_titles = dict(data.shared_query("select kpi_id, kpi_title from dim_kpi").itertuples(index=False, name=None))

    if goal_year != year:
        section.intro.append(f"Senaste år med målvärden är {goal_year}; målen nedan gäller det året.")
    years = [goal_year, goal_year - 1, goal_year - 2]
    counts = {"Helt uppfyllt": 0, "Delvis uppfyllt": 0, "Ej uppfyllt": 0}
    for goal_id, goal_rows in indicators.groupby("goal_id", sort=True):
        goal = str(goal_rows["goal"].dropna().iloc[0]) if goal_rows["goal"].notna().any() else goal_id
        assessment = assessments.get(goal_id)
        verdict = assessment.assessment if assessment is not None and isinstance(assessment.assessment, str) else None
        if verdict in counts:
            counts[verdict] += 1
        paragraphs = []
        published = getattr(assessment, "published_assessment", None) if assessment is not None else None
        if isinstance(published, str) and published:
            agreement = "samma som" if published == verdict else "skiljer sig från"
            paragraphs.append(f"Nämndens publicerade bedömning: {published} ({agreement} beräkningen här).")
        rows = []
        for indicator_id, rows_of_indicator in goal_rows.groupby("indicator_id", sort=True):
            by_year = {int(row.year): row for row in rows_of_indicator.itertuples()}
            current = by_year.get(goal_year)
            first = rows_of_indicator.iloc[0]
            kpi = first["kolada_kpi_id"] if isinstance(first["kolada_kpi_id"], str) else None
            label = str(first["indicator"]) + (f" ({kpi})" if kpi else "")
            direction = "högre är bättre" if first["direction"] == "higher" else "lägre är bättre"
            definition = Definition(
                key=kpi or str(indicator_id),
                name=kpi_titles.get(kpi, str(first["indicator"])) if kpi else str(first["indicator"]),
                definition=f"Målindikator {indicator_id} för mål {goal_id} ({direction})."
                + (" Utfallet hämtas från Kolada när Kolada har ett värde." if kpi else ""),
                unit="se indikatorn",
                source="Kolada" if kpi else "nämndens årsredovisning",
            )
            decimals = _decimals(rows_of_indicator)
            outcome_cells = [
                cell(clean_number(by_year[one_year].outcome) if one_year in by_year else None, decimals=decimals)
                for one_year in years
            ]
            met = current.is_met if current is not None else None
            met_cell = text_cell("..", "text missing")
            if met is not None and not pd.isna(met):
                met = bool(met)
                met_cell = ValueCell("Ja" if met else "Nej", None, "text " + ("met" if met else "not-met"))
            source = current.outcome_source if current is not None else None
            target = clean_number(current.target) if current is not None else None
            rows.append(
                Row(
                    label,
                    [
                        cell(target, decimals=decimals),
                        *outcome_cells,
                        met_cell,
                        text_cell(SOURCE_TEXT.get(source, "..") if isinstance(source, str) else ".."),
                    ],
                    definition,
                    indent=0,
                )
            )
        table = Table(
            f"{goal_id}: indikatorer, målvärde och utfall",
            [f"Mål {goal_year}", *[f"Utfall {one_year}" for one_year in years], "Målvärdet nått", "Utfallets källa"],
            rows,
            [],
            GOAL_SOURCE,
            label_header="Indikator",
        )
        section.blocks.append(
            Block(
                f"{goal_id} – {goal}",
                paragraphs,
                [table],
                badge=f"Bedömning {goal_year}: {verdict or 'kan inte bedömas (målvärde eller utfall saknas)'}",
                badge_class=ASSESSMENT_CLASS.get(verdict or "", "none"),
            )
        )
    total = sum(counts.values())
    if total:
        section.intro.insert(
            0,
            f"Nämnden har {len(section.blocks)} mål för {goal_year}. Av dessa bedöms {counts['Helt uppfyllt']} vara "
            f"helt uppfyllda, {counts['Delvis uppfyllt']} delvis uppfyllda och {counts['Ej uppfyllt']} ej uppfyllda.",
        )
    return section


def _decimals(rows) -> int:
    values = [clean_number(value) for column in ("target", "outcome") for value in rows[column]]
    return 1 if any(value is not None and value != round(value) for value in values) else 0
