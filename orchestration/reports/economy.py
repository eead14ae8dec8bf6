"""Section Ekonomi: drift, nettokostnad per verksamhetsområde and enhet, months, helårsprognos."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from orchestration.reports import charts
from orchestration.reports.metrics import OWN_SOURCE, Metrics, clean_number
from orchestration.reports.model import Block, Chart, Row, Section, Table, cell
from orchestration.reports.published import PublishedData

MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
MONTH_NAMES = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip
THOUSAND = 1000.0
SOURCE = f"Källa: {OWN_SOURCE} (huvudbok och enhetsregister). Belopp i tusentals kronor (tkr)."
SIGN_NOTE = (
    "Intäkter visas positiva och kostnader negativa; avvikelse = utfall − budget, så ett positivt tal är bättre "
    "än budget."
)

DRIFT_ROWS = (
    ("Verksamhetens intäkter", "revenue"),
    ("Personalkostnader", "personnel_costs"),
    ("Lokalhyror", "premises_rent"),
    ("Köp av huvudverksamhet", "purchased_services"),
    ("Övriga kostnader", "other_costs"),
    ("Verksamhetens kostnader", "total_costs"),
    ("Verksamhetens nettokostnad", "net_cost"),
)


def tkr(value: float | None) -> float | None:
    return None if value is None else value / THOUSAND


def economy_section(data: PublishedData, metrics: Metrics, year: int) -> Section:
    section = Section("ekonomi", "Ekonomi")
    drift = _drift_table(metrics, year)
    if drift is None:
        section.empty_message = f"Det finns inget ekonomiskt utfall för {year} i den publicerade versionen."
        return section
    section.blocks.append(Block("Drift", items=[drift]))
    by_area = _net_cost_by_area(metrics, year)
    if by_area:
        section.blocks.append(Block("Nettokostnad per verksamhetsområde", items=[by_area]))
    monthly = _monthly_block(metrics, year)
    if monthly:
        section.blocks.append(monthly)
    forecast = _forecast_block(metrics, year)
    if forecast:
        section.blocks.append(forecast)
    by_unit = _result_by_unit(data, metrics, year)
    if by_unit:
        section.blocks.append(Block("Resultat per enhet", items=[by_unit]))
    return section


def _yearly(metrics: Metrics, metric_ids: Sequence[str], years: Sequence[int], level: str) -> pd.DataFrame:
    frame = metrics.frame(metric_ids, years, level=level)
    return frame[frame["slice"] == "total"]


def _drift_table(metrics: Metrics, year: int) -> Table | None:
    metric_ids = [metric for _, metric in DRIFT_ROWS] + [f"{metric}_budget" for _, metric in DRIFT_ROWS]
    frame = _yearly(metrics, metric_ids, [year - 1, year], "kommun")
    values = {(row.metric_id, int(row.year)): clean_number(row.value) for row in frame.itertuples()}
    if not any(year == key[1] for key in values):
        return None
    rows = []
    for label, metric in DRIFT_ROWS:
        budget = values.get((f"{metric}_budget", year))
        outcome = values.get((metric, year))
        before = values.get((metric, year - 1))
        deviation = None if budget is None or outcome is None else outcome - budget
        change = None if before is None or outcome is None else outcome - before
        rows.append(
            Row(
                label,
                [
                    cell(tkr(budget)),
                    cell(tkr(outcome)),
                    cell(tkr(deviation), signed=True),
                    cell(tkr(before)),
                    cell(tkr(change), signed=True),
                ],
                metrics.definition(metric),
                indent=0 if metric in ("total_costs", "net_cost") else 1,
            )
        )
    return Table(
        f"Drift {year}, belopp i tkr",
        [f"Budget {year}", f"Utfall {year}", f"Avvikelse från budget {year}", f"Utfall {year - 1}",
         f"Differens utfall {year - 1}/{year}"],
        rows,
        [SIGN_NOTE],
        SOURCE,
        label_header="Belopp i tkr",
    )  # fmt: skip


def _net_cost_by_area(metrics: Metrics, year: int) -> Table | None:
    frame = _yearly(metrics, ["net_cost", "net_cost_budget"], [year - 1, year], "verksamhetsomrade")
    if frame.empty:
        return None
    values = {(row.area, row.metric_id, int(row.year)): clean_number(row.value) for row in frame.itertuples()}
    areas = sorted({row.area for row in frame.itertuples() if row.area is not None})
    totals = _yearly(metrics, ["net_cost", "net_cost_budget"], [year - 1, year], "kommun")
    for row in totals.itertuples():
        values[("__total__", row.metric_id, int(row.year))] = clean_number(row.value)
    rows = []
    for area in [*areas, "__total__"]:
        budget, outcome = values.get((area, "net_cost_budget", year)), values.get((area, "net_cost", year))
        budget_before = values.get((area, "net_cost_budget", year - 1))
        outcome_before = values.get((area, "net_cost", year - 1))
        rows.append(
            Row(
                "Nettokostnad totalt" if area == "__total__" else area,
                [
                    cell(tkr(budget)),
                    cell(tkr(outcome)),
                    cell(tkr(_minus(outcome, budget)), signed=True),
                    cell(tkr(_minus(outcome_before, budget_before)), signed=True),
                ],
                metrics.definition("net_cost"),
                indent=0 if area == "__total__" else 1,
            )
        )
    return Table(
        f"Nettokostnad per verksamhetsområde {year}, tkr",
        [f"Budget {year}", f"Utfall {year}", f"Avvikelse budget {year}", f"Avvikelse budget {year - 1}"],
        rows,
        [SIGN_NOTE],
        SOURCE,
        label_header="Verksamhetsområde",
    )


def _minus(left: float | None, right: float | None) -> float | None:
    return None if left is None or right is None else left - right


def _monthly_values(metrics: Metrics, metric_ids: Sequence[str], year: int) -> dict[tuple[str, int], float | None]:
    frame = metrics.frame(metric_ids, [year], level="kommun", period_type="month")
    frame = frame[frame["slice"] == "total"]
    return {(row.metric_id, int(str(row.period)[5:7])): clean_number(row.value) for row in frame.itertuples()}


def _monthly_block(metrics: Metrics, year: int) -> Block | None:
    values = _monthly_values(metrics, ["revenue", "total_costs", "result", "result_budget"], year)
    if not values:
        return None
    outcome = [tkr(values.get(("result", month))) for month in range(1, 13)]
    budget = [tkr(values.get(("result_budget", month))) for month in range(1, 13)]
    svg = charts.monthly_result_chart(
        "manadsresultat",
        f"Resultat per månad {year}",
        MONTHS,
        outcome,
        budget,
        "tkr",
        f"Övre diagrammet: förvaltningens resultat per månad {year} i tkr, utfall bredvid budget. Nedre "
        "diagrammet: avvikelsen mot budget per månad och den ackumulerade avvikelsen. Samma siffror som i "
        "tabellen nedan.",
    )
    chart = Chart(
        svg,
        f"Resultat per månad {year} (tkr): utfall och budget, avvikelse per månad och ackumulerad avvikelse. "
        "Resultatet är intäkter plus kostnader före kommunbidrag och därför negativt.",
        [metrics.definition("result"), metrics.definition("result_budget")],
        SOURCE,
    )
    table_rows = []
    for label, metric in (
        ("Intäkter", "revenue"),
        ("Kostnader", "total_costs"),
        ("Resultat", "result"),
        ("Budget, resultat", "result_budget"),
    ):
        monthly = [tkr(values.get((metric, month))) for month in range(1, 13)]
        known = [value for value in monthly if value is not None]
        total = sum(known) if known else None
        table_rows.append(
            Row(label, [cell(value) for value in monthly] + [cell(total)], metrics.definition(metric), indent=0)
        )
    deviation = [_minus(out, bud) for out, bud in zip(outcome, budget, strict=True)]
    known = [value for value in deviation if value is not None]
    table_rows.append(
        Row(
            "Avvikelse mot budget",
            [cell(value, signed=True) for value in deviation] + [cell(sum(known) if known else None, signed=True)],
            metrics.definition("result"),
            indent=0,
        )
    )
    table = Table(
        f"Resultat per månad {year}, tkr",
        [*MONTHS, "Hittills"],
        table_rows,
        [SIGN_NOTE],
        SOURCE,
        label_header="tkr",
        css_class="wide",
    )
    return Block("Resultat per månad", items=[chart, table])


def _forecast_block(metrics: Metrics, year: int) -> Block | None:
    values = _monthly_values(metrics, ["net_cost_forecast", "net_cost"], year)
    forecasts = {month: value for (metric, month), value in values.items() if metric == "net_cost_forecast"}
    if not forecasts:
        return None
    yearly = _yearly(metrics, ["net_cost_budget", "net_cost"], [year], "kommun")
    year_values = {row.metric_id: clean_number(row.value) for row in yearly.itertuples()}
    year_budget = year_values.get("net_cost_budget")
    months_with_outcome = sorted(month for (metric, month) in values if metric == "net_cost")
    complete = len(months_with_outcome) == 12
    final = year_values.get("net_cost") if complete else None
    rows = []
    for month in sorted(forecasts):
        forecast = forecasts[month]
        row_cells = [
            cell(tkr(forecast)),
            cell(tkr(year_budget)),
            cell(tkr(_minus(forecast, year_budget)), signed=True),
        ]
        if complete:
            row_cells.append(cell(tkr(_minus(final, forecast)), signed=True))
        definition = metrics.definition("net_cost_forecast")
        rows.append(Row(f"Efter {MONTH_NAMES[month - 1]}", row_cells, definition, indent=0))
    columns = ["Prognos helår", f"Budget {year}", "Prognostiserad avvikelse"]
    if complete:
        columns.append("Utfall minus prognos")
    latest = max(forecasts)
    paragraphs = [
        "Prognosen är en rak uppräkning av årets nettokostnad hittills: ackumulerad nettokostnad delad med "
        "antalet förflutna månader gånger tolv (egen beräkning, inte förvaltningens egen prognos)."
    ]
    if complete:
        paragraphs.append(
            f"Året är avslutat. Kolumnen Utfall minus prognos visar hur väl prognosen träffade bokslutet "
            f"(nettokostnad {charts.swedish_number(tkr(final) or 0)} tkr)."
            if final is not None
            else "Året är avslutat."
        )
    else:
        paragraphs.append(
            f"Senaste prognos (efter {MONTH_NAMES[latest - 1]}): {charts.swedish_number(tkr(forecasts[latest]) or 0)} "
            "tkr."
        )
    table = Table(
        f"Helårsprognos för nettokostnaden {year}, tkr",
        columns,
        rows,
        [SIGN_NOTE],
        SOURCE,
        label_header="Prognostillfälle",
    )
    chart_series = [
        charts.Series("Prognos helår", [tkr(forecasts.get(month)) for month in range(1, 13)], emphasis=True),
        charts.Series("Budget helår", [tkr(year_budget)] * 12),
    ]
    svg = charts.line_chart(
        "helarsprognos",
        f"Helårsprognos för nettokostnaden {year}",
        MONTHS,
        chart_series,
        "tkr",
        "Linjediagram över helårsprognosen för nettokostnaden efter varje månad jämfört med årsbudgeten. "
        "Samma siffror som i tabellen.",
    )
    chart = Chart(
        svg,
        f"Helårsprognos för nettokostnaden efter varje månad {year}, jämfört med budget (tkr).",
        [metrics.definition("net_cost_forecast"), metrics.definition("net_cost_budget")],
        SOURCE,
    )
    return Block("Helårsprognos", paragraphs, [chart, table])


def _unit_names(data: PublishedData, municipality_id: str) -> dict[str, str]:
    if "unit_name" not in data.columns("dim_unit"):
        return {}
    frame = data.query(
        """
        select unit_id, unit_name from dim_unit
        where municipality_id = ?
        qualify row_number() over (partition by unit_id order by valid_from desc) = 1
        """,
        [municipality_id],
    )
    return dict(zip(frame["unit_id"], frame["unit_name"], strict=True))


def _result_by_unit(data: PublishedData, metrics: Metrics, year: int) -> Table | None:
    frame = _yearly(metrics, ["result", "result_budget"], [year], "enhet")
    if frame.empty:
        return None
    names = _unit_names(data, metrics.municipality_id)
    values = {(row.unit_id, row.metric_id): clean_number(row.value) for row in frame.itertuples()}
    placement = {row.unit_id: (row.area or "", row.department or "") for row in frame.itertuples()}
    rows: list[Row] = []
    current_group = None
    for unit_id in sorted(placement, key=lambda unit: (*placement[unit], unit)):
        group = placement[unit_id]
        if group != current_group:
            rows.append(Row(" – ".join(part for part in group if part) or "Utan verksamhetsområde", heading=True))
            current_group = group
        budget, outcome = values.get((unit_id, "result_budget")), values.get((unit_id, "result"))
        deviation = _minus(outcome, budget)
        deviation_cell = cell(tkr(deviation), signed=True)
        if deviation is not None and round(deviation / THOUSAND) < 0:
            deviation_cell.css_class += " negative"
        name = names.get(unit_id)
        rows.append(
            Row(
                f"{unit_id} {name}" if name else unit_id,
                [cell(tkr(budget)), cell(tkr(outcome)), deviation_cell],
                metrics.definition("result"),
            )
        )
    return Table(
        f"Resultat per enhet {year}, tkr",
        [f"Budget {year}", f"Utfall {year}", "Avvikelse"],
        rows,
        [SIGN_NOTE, "Enheterna redovisas i den organisation som gällde när kostnaden bokfördes."],
        SOURCE,
        label_header="Enhet",
    )
