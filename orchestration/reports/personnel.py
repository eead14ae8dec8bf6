"""Section Personal: personalstatistik and sjukfrånvaro as in the boards' annual reports."""

from __future__ import annotations

from collections.abc import Sequence

from orchestration.reports import charts
from orchestration.reports.metrics import OWN_SOURCE, Metrics, clean_number, clean_count
from orchestration.reports.model import Block, Chart, Row, Section, Table, cell
from orchestration.reports.suppression import Cell, Difference, Status, suppress
from orchestration.reports.tables import MISSING_NOTE, SUPPRESSION_NOTE, RowSpec, heading, year_comparison_table

PERSONNEL_ROWS = (
    heading("Antal anställda (genomsnitt över årets månader)"),
    RowSpec("Tillsvidareanställda", "employees_permanent"),
    RowSpec("– varav kvinnor, procent", "share_women_permanent_pct", decimals=1, indent=2),
    RowSpec("– varav män, procent", "share_men_permanent_pct", decimals=1, indent=2),
    RowSpec("Visstidsanställda", "employees_temporary"),
    RowSpec("Heltidsanställda (månadsavlönade)", "employees_fulltime"),
    RowSpec("Deltidsanställda (månadsavlönade)", "employees_parttime"),
    heading("Antal årsarbetare"),
    RowSpec("Tillsvidareanställda (avtalad tid)", "fte_contracted_permanent"),
    RowSpec("Visstidsanställda (avtalad tid)", "fte_contracted_temporary"),
    RowSpec("Månadsavlönade, tillgänglig tid", "fte_available_monthly_paid"),
    RowSpec("Timavlönade", "fte_hourly", decimals=1),
    RowSpec("Totalt", "fte_total"),
    heading("Sysselsättningsgrad"),
    RowSpec("Tillsvidareanställda, procent", "avg_employment_rate_permanent_pct", decimals=1),
    heading("Medelålder"),
    RowSpec("Tillsvidareanställda, år", "avg_age_permanent", decimals=1),
    heading("Utförd tid av timavlönade"),
    RowSpec("Timmar", "hours_hourly"),
    heading("Fyllnad och övertid (omräknat till heltidsarbetare, 1 980 timmar/år)"),
    RowSpec("Fyllnadstid", "fte_extra_hours", decimals=1),
    RowSpec("Övertid", "fte_overtime", decimals=1),
    heading("Personalomsättning, tillsvidareanställda (procent)"),
    RowSpec("Total, intern och extern", "turnover_total_pct", decimals=1),
    RowSpec("Extern", "turnover_external_pct", decimals=1),
    RowSpec("Extern, exklusive pensionsavgångar", "turnover_external_excl_pension_pct", decimals=1),
)

SICK_LEAVE_ROWS = (
    RowSpec("Total sjukfrånvaro", "sick_leave_pct", "total", 1, indent=0),
    heading("Per kön"),
    RowSpec("Kvinnor", "sick_leave_pct", "kon=K", 1),
    RowSpec("Män", "sick_leave_pct", "kon=M", 1),
    heading("Per åldersgrupp"),
    RowSpec("29 år och yngre", "sick_leave_pct", "alder=-29", 1),
    RowSpec("30–49 år", "sick_leave_pct", "alder=30-49", 1),
    RowSpec("50 år och äldre", "sick_leave_pct", "alder=50-", 1),
    heading("Per sjukperiod"),
    RowSpec("Dag 1–14 (korttidssjukfrånvaro)", "sick_leave_pct", "sjukperiod=dag1-14", 1),
    RowSpec("Dag 15–59", "sick_leave_pct", "sjukperiod=dag15-59", 1),
    RowSpec("Dag 60 och längre (långtidssjukfrånvaro)", "sick_leave_pct", "sjukperiod=dag60-", 1),
)

SOURCE = f"Källa: {OWN_SOURCE}."


def personnel_section(metrics: Metrics, year: int) -> Section:
    years = [year - 2, year - 1, year]
    metric_ids = sorted({spec.metric_id for spec in (*PERSONNEL_ROWS, *SICK_LEAVE_ROWS) if spec.metric_id})
    values = metrics.yearly(metric_ids, years)
    section = Section("personal", "Personal")
    if not any(key[2] == year for key in values):
        section.empty_message = f"Det finns ingen personalstatistik för {year} i den publicerade versionen."
        return section

    personnel = year_comparison_table(
        metrics,
        values,
        PERSONNEL_ROWS,
        years,
        f"Personalstatistik {years[0]}–{year}",
        notes=[
            "Antal anställda är ett genomsnitt av antalet anställningar under årets månader. Differensen för "
            "procenttal anges i procentenheter.",
        ],
        label_header="Personalstatistik",
    )
    personnel.source = SOURCE
    section.blocks.append(Block("Personalstatistik", items=[personnel]))

    sick = year_comparison_table(
        metrics,
        values,
        SICK_LEAVE_ROWS,
        years,
        f"Sjukfrånvaro {years[0]}–{year}, procent av ordinarie arbetstid",
        notes=[
            "Sjukfrånvaro i procent av ordinarie arbetstid för månadsavlönade (tillsvidare och visstid). "
            "Sjukperiodernas andelar summerar till totalen. Differensen anges i procentenheter.",
        ],
        label_header="Sjukfrånvaro",
    )
    sick.source = SOURCE
    blocks = [sick]
    chart = _sick_leave_chart(metrics, values, years)
    if chart:
        blocks.append(chart)
    by_department = _sick_leave_by_department(metrics, years[-2:])
    if by_department:
        blocks.append(by_department)
    section.blocks.append(Block("Sjukfrånvaro", items=blocks))
    return section


def _sick_leave_chart(metrics: Metrics, values, years: Sequence[int]) -> Chart | None:
    rows = [spec for spec in SICK_LEAVE_ROWS if spec.metric_id]
    cells = {
        (spec.slice, one_year): Cell(
            values[key].value if (key := ("sick_leave_pct", spec.slice, one_year)) in values else None,
            values[key].n_individuals if key in values else None,
        )
        for spec in rows
        for one_year in years
    }
    status = suppress(cells)
    series = [
        charts.Series(
            str(one_year),
            [
                cells[(spec.slice, one_year)].value if status[(spec.slice, one_year)] is Status.SHOWN else None
                for spec in rows
            ],
            emphasis=one_year == years[-1],
        )
        for one_year in years
    ]
    if not any(value is not None for one in series for value in one.values):
        return None
    labels = ["Totalt", "Kvinnor", "Män", "−29 år", "30–49 år", "50− år", "Dag\n1–14", "Dag\n15–59", "Dag\n60−"]
    svg = charts.grouped_bar_chart(
        "sjukfranvaro",
        f"Sjukfrånvaro {years[0]}–{years[-1]}",
        labels,
        series,
        "procent av ordinarie tid",
        "Stapeldiagram över sjukfrånvaron totalt, per kön, åldersgrupp och sjukperiod för de tre senaste åren. "
        "Samma siffror som i tabellen ovan.",
        decimals=1,
        size=(8.5, 3.2),
    )
    return Chart(
        svg,
        f"Sjukfrånvaro per kön, ålder och sjukperiod {years[0]}–{years[-1]}.",
        [metrics.definition("sick_leave_pct")],
        SOURCE,
    )


def _sick_leave_by_department(metrics: Metrics, years: Sequence[int]) -> Table | None:
    frame = metrics.frame(["sick_leave_pct"], years, level="avdelning")
    frame = frame[frame["slice"] == "total"]
    if frame.empty:
        return None
    previous, current = years
    departments = sorted(
        {(row.area or "", row.department or "") for row in frame.itertuples()},
    )
    cells: dict[tuple[str, str, object], Cell] = {}
    for row in frame.itertuples():
        key = (row.area or "", row.department or "", int(row.year))
        cells[key] = Cell(clean_number(row.value), clean_count(row.n_individuals))
    differences = []
    for area, department in departments:
        for one_year in years:
            cells.setdefault((area, department, one_year), Cell(None))
        now, before = cells[(area, department, current)], cells[(area, department, previous)]
        change = None if now.value is None or before.value is None else now.value - before.value
        cells[(area, department, "diff")] = Cell(change)
        differences.append(
            Difference((area, department, "diff"), (area, department, current), (area, department, previous))
        )
    status = suppress(cells, differences=differences)
    rows: list[Row] = []
    shown_area = None
    definition = metrics.definition("sick_leave_pct")
    for area, department in departments:
        if area != shown_area:
            rows.append(Row(area or "Verksamhetsområde saknas", heading=True))
            shown_area = area
        rows.append(
            Row(
                department or "Avdelning saknas",
                [
                    cell(cells[(area, department, previous)].value, status[(area, department, previous)], 1),
                    cell(cells[(area, department, current)].value, status[(area, department, current)], 1),
                    cell(cells[(area, department, "diff")].value, status[(area, department, "diff")], 1, signed=True),
                ],
                definition,
            )
        )
    notes = ["Differensen anges i procentenheter."]
    if any(value is not Status.SHOWN for value in status.values()):
        notes.append(SUPPRESSION_NOTE)
    if any(one.value is None for key, one in cells.items() if key[2] != "diff"):
        notes.append(MISSING_NOTE)
    return Table(
        f"Sjukfrånvaro per avdelning {previous}–{current}, procent av ordinarie arbetstid",
        [str(previous), str(current), f"Differens {previous}/{current}"],
        rows,
        notes,
        SOURCE,
        label_header="Avdelning",
    )
