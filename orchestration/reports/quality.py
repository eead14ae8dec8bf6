"""Section Kvalitet: avvikelser, their handling, synpunkter och klagomål."""

from __future__ import annotations

from orchestration.reports import charts
from orchestration.reports.economy import MONTHS
from orchestration.reports.metrics import OWN_SOURCE, Metrics, clean_number
from orchestration.reports.model import Block, Chart, Row, Section, Table, cell
from orchestration.reports.tables import RowSpec, heading, year_comparison_table

SOURCE = (
    f"Källa: {OWN_SOURCE} (avvikelser ur verksamhetssystemet). Ett år räknas enligt den första ögonblicksbilden "
    "tagen efter årets sista dag."
)

DEVIATION_ROWS = (
    RowSpec("Rapporterade avvikelser totalt", "deviations_reported", indent=0),
    heading("Per kategori"),
    RowSpec("Fallhändelser", "deviations_falls"),
    RowSpec("– varav bedömda som allvarliga", "deviations_falls_serious", indent=2),
    RowSpec("Läkemedelshändelser", "deviations_medication"),
    RowSpec("Brister i bemötande och förhållningssätt", "deviations_conduct"),
    RowSpec("Brister i handläggning och dokumentation", "deviations_case_handling"),
    heading("Anmälda"),
    RowSpec("Lex Sarah", "deviations_lex_sarah"),
    RowSpec("Lex Maria", "deviations_lex_maria"),
)
HANDLING_ROWS = (
    RowSpec("Avvikelser med status Ny äldre än 30 dagar från rapportdatum", "deviations_new_older_than_30d", indent=0),
    RowSpec("Avvikelser som inte avslutats inom 60 dagar", "deviations_not_closed_within_60d", indent=0),
    RowSpec("Mediantid till avslut, dagar", "deviations_median_days_to_close", indent=0),
)
OTHER_REPORT_ROWS = (
    RowSpec("Synpunkter och klagomål", "complaints", indent=0),
    RowSpec("Samverkansavvikelser", "collaboration_deviations", indent=0),
    RowSpec("Arbetsskador", "work_injuries", indent=0),
    RowSpec("Tillbud", "near_misses", indent=0),
)
CATEGORY_CHART = (
    ("Fall", "deviations_falls"),
    ("Läkemedel", "deviations_medication"),
    ("Bemötande", "deviations_conduct"),
    ("Handläggning", "deviations_case_handling"),
)
AREA_COLUMNS = (
    ("Avvikelser", "deviations_reported"),
    ("Fall", "deviations_falls"),
    ("Läkemedel", "deviations_medication"),
    ("Status Ny > 30 dagar", "deviations_new_older_than_30d"),
    ("Ej avslutade inom 60 dagar", "deviations_not_closed_within_60d"),
    ("Synpunkter och klagomål", "complaints"),
)


def quality_section(metrics: Metrics, year: int) -> Section:
    years = [year - 1, year]
    specs = (*DEVIATION_ROWS, *HANDLING_ROWS, *OTHER_REPORT_ROWS)
    values = metrics.yearly(sorted({spec.metric_id for spec in specs if spec.metric_id}), years)
    section = Section("kvalitet", "Kvalitet")
    if not any(key[2] == year for key in values):
        section.empty_message = f"Det finns inga avvikelser för {year} i den publicerade versionen."
        return section

    deviations = year_comparison_table(
        metrics, values, DEVIATION_ROWS, years, f"Avvikelser {year - 1}–{year}, antal", label_header="Avvikelser"
    )
    deviations.source = SOURCE
    items: list[Table | Chart] = [deviations]
    category_chart = _category_chart(metrics, values, years)
    if category_chart:
        items.append(category_chart)
    monthly = _monthly_chart(metrics, years)
    if monthly:
        items.append(monthly)
    section.blocks.append(Block("Avvikelser per typ och kategori", items=items))

    handling = year_comparison_table(
        metrics,
        values,
        HANDLING_ROWS,
        years,
        f"Hantering av avvikelser {year - 1}–{year}",
        notes=[
            "En rapporterad avvikelse ska inom 60 dagar ha genomgått samtliga utredningssteg fram till uppföljning. "
            "Status Ny äldre än 30 dagar: arbetet med utredningen har inte påbörjats."
        ],
        label_header="Hantering",
    )
    handling.source = SOURCE
    section.blocks.append(Block("Handläggning inom 30 och 60 dagar", items=[handling]))

    other = year_comparison_table(
        metrics,
        values,
        OTHER_REPORT_ROWS,
        years,
        f"Synpunkter och klagomål, samverkansavvikelser, arbetsskador och tillbud {year - 1}–{year}, antal",
        label_header="Rapporttyp",
    )
    other.source = SOURCE
    section.blocks.append(Block("Synpunkter och klagomål, arbetsskador och tillbud", items=[other]))

    by_area = _by_area(metrics, year)
    if by_area:
        section.blocks.append(Block("Per verksamhetsområde", items=[by_area]))
    return section


def _category_chart(metrics: Metrics, values, years) -> Chart | None:
    series = [
        charts.Series(
            str(one_year),
            [
                values[key].value if (key := (metric, "total", one_year)) in values else None
                for _, metric in CATEGORY_CHART
            ],
            emphasis=one_year == years[-1],
        )
        for one_year in years
    ]
    if not any(value for one in series for value in one.values):
        return None
    svg = charts.grouped_bar_chart(
        "avvikelser-kategori",
        f"Avvikelser per kategori {years[0]}–{years[-1]}",
        [label for label, _ in CATEGORY_CHART],
        series,
        "antal",
        "Stapeldiagram över antalet avvikelser per kategori, föregående år bredvid årets. Samma siffror som i "
        "tabellen ovan.",
    )
    return Chart(
        svg,
        f"Avvikelser per kategori {years[0]}–{years[-1]}.",
        [metrics.definition(metric) for _, metric in CATEGORY_CHART],
        SOURCE,
    )


def _monthly_chart(metrics: Metrics, years) -> Chart | None:
    frame = metrics.frame(["deviations_reported"], years, level="kommun", period_type="month")
    frame = frame[frame["slice"] == "total"]
    if frame.empty:
        return None
    by_month = {(int(row.year), int(str(row.period)[5:7])): clean_number(row.value) for row in frame.itertuples()}
    series = [
        charts.Series(str(one_year), [by_month.get((one_year, month)) for month in range(1, 13)], one_year == years[-1])
        for one_year in years
    ]
    svg = charts.line_chart(
        "avvikelser-manad",
        "Rapporterade avvikelser per månad",
        MONTHS,
        series,
        "antal",
        f"Linjediagram över antalet rapporterade avvikelser per månad {years[0]} och {years[-1]}.",
    )
    return Chart(
        svg,
        f"Rapporterade avvikelser per månad, {years[0]} och {years[-1]}.",
        [metrics.definition("deviations_reported")],
        SOURCE,
    )


def _by_area(metrics: Metrics, year: int) -> Table | None:
    frame = metrics.frame([metric for _, metric in AREA_COLUMNS], [year], level="verksamhetsomrade")
    frame = frame[frame["slice"] == "total"]
    if frame.empty:
        return None
    values = {(row.area, row.metric_id): clean_number(row.value) for row in frame.itertuples()}
    areas = sorted({row.area for row in frame.itertuples() if row.area is not None})
    rows = []
    for area in areas:
        row_cells = []
        for label, metric in AREA_COLUMNS:
            one = cell(values.get((area, metric)))
            one.title = f"{label}, {area} {year}. {metrics.definition(metric).tooltip}"
            row_cells.append(one)
        rows.append(Row(area, row_cells, indent=0))
    return Table(
        f"Avvikelser och klagomål per verksamhetsområde {year}, antal",
        [label for label, _ in AREA_COLUMNS],
        rows,
        ["Kolumnernas mått finns under Definitioner."],
        SOURCE,
        label_header="Verksamhetsområde",
        definitions=[metrics.definition(metric) for _, metric in AREA_COLUMNS],
    )
