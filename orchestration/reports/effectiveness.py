"""Section Effektivitet: Kolada's indices and KPIs beside the comparison groups, and
the project's recomputation of RKA's indices."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from orchestration.reports import charts
from orchestration.reports.metrics import clean_number
from orchestration.reports.model import Block, Chart, Definition, Row, Section, Table, ValueCell, cell, text_cell
from orchestration.reports.published import PublishedData

KOLADA_SOURCE = "Kolada (RKA)"
OWN_KOLADA_SOURCE = "egna beräkningar på data från Kolada"
RKA_METHOD = "beräkning enligt RKA:s metod, gjord i detta projekt"

INDEX_ROWS = (
    ("Äldreomsorg", "U20900", 0),
    ("Äldreomsorg", "U20404", 1),
    ("Äldreomsorg", "U20008", 1),
    ("LSS boende och daglig verksamhet", "U28900", 0),
    ("LSS boende och daglig verksamhet", "U28408", 1),
    ("LSS boende och daglig verksamhet", "U28001", 1),
)
INDEX_IDS = {kpi for _, kpi, _ in INDEX_ROWS}
AREA_LABELS = {"aldreomsorg": "Äldreomsorg", "lss": "LSS"}
LIGHT_TEXT = {"grön": "Grön", "gul": "Gul", "röd": "Röd"}
LIGHT_TITLE = (
    "Trafikljus (egen beräkning på data från Kolada): grön = bland de 25 % bästa kommunerna, röd = bland de 25 % "
    "sämsta, gul = däremellan."
)
COMPARISON_NOTES = [
    "Kommunens värde och Riket: Källa: Kolada. Kolumnerna Göteborgsregionen, Liknande kommuner (RKA:s grupp för "
    "kommunen och området) och Alla kommuner är ovägda medelvärden: egna beräkningar på data från Kolada.",
    "Trafikljus och rang: egna beräkningar på data från Kolada. Grön = bland den bästa fjärdedelen av kommunerna, "
    "gul = mellersta hälften, röd = sämsta fjärdedelen, med hänsyn till om högt eller lågt värde är bäst. "
    "Förändring = skillnad mot kommunens värde året före.",
]


@dataclass(frozen=True)
class Comparison:
    year: int
    value: float | None
    goteborgsregionen: float | None
    similar: float | None
    all_municipalities: float | None
    riket: float | None
    traffic_light: str | None
    rank: int | None
    n_ranked: int | None
    change: float | None


def effectiveness_section(data: PublishedData, municipality_id: str, municipality: str, year: int) -> Section:
    section = Section("effektivitet", "Effektivitet")
    if not data.has("fct_kolada_comparisons"):
        section.empty_message = "Kolada-jämförelserna finns inte i den publicerade versionen."
        return section
    frame = data.query(
        """
        select * from fct_kolada_comparisons
        where municipality_id = ? and gender = 'T' and year <= ?
        order by kpi_id, year
        """,
        [municipality_id, year],
    )
    frame = frame[frame["value"].notna()]
    if frame.empty:
        section.empty_message = f"Kolada har inga värden för {municipality} till och med {year}."
        return section
    kpis = _kpi_definitions(data)
    section.intro = [
        "Kommunens resultat i Koladas nyckeltal jämfört med genomsnittet i Göteborgsregionen, liknande kommuner, "
        "alla kommuner och Riket. Index visar kommunens läge i jämförelse med andra: 0 är lägst och 100 bäst. "
        f"Värdena är de senaste som Kolada har för {year} eller tidigare.",
    ]
    by_kpi = dict(tuple(frame.groupby("kpi_id", sort=True)))
    latest = {kpi_id: _comparison(group.iloc[-1]) for kpi_id, group in by_kpi.items()}
    index_table = _comparison_table(
        "Effektivitetsindex, kvalitetsindex och resursindex",
        [(area, kpi, indent) for area, kpi, indent in INDEX_ROWS if kpi in latest],
        latest,
        kpis,
        municipality,
    )
    if index_table:
        section.blocks.append(Block("Effektivitetsindex", items=[index_table]))
        section.blocks.append(
            Block(
                "Index över tid",
                items=[
                    chart
                    for _, kpi, _ in INDEX_ROWS
                    if kpi in latest and (chart := _trend_chart(by_kpi[kpi], kpi, kpis, municipality)) is not None
                ],
                grid=True,
            )
        )
    other = sorted(
        (kpi for kpi in latest if kpi not in INDEX_IDS),
        key=lambda kpi: (_area_of(by_kpi[kpi]), kpi),
    )
    if other:
        rows = [(AREA_LABELS.get(_area_of(by_kpi[kpi]), "Övrigt"), kpi, 1) for kpi in other]
        table = _comparison_table("Kvalitets- och resursnyckeltal", rows, latest, kpis, municipality)
        section.blocks.append(Block("Nyckeltal", items=[table]))
        section.blocks.append(
            Block(
                "Nyckeltal över tid",
                items=[
                    chart for kpi in other if (chart := _trend_chart(by_kpi[kpi], kpi, kpis, municipality)) is not None
                ],
                grid=True,
            )
        )
    rka = _rka_block(data, municipality_id, year, kpis)
    if rka:
        section.blocks.append(rka)
    return section


def _kpi_definitions(data: PublishedData) -> dict[str, Definition]:
    if not data.has("dim_kpi"):
        return {}
    frame = data.shared_query("select kpi_id, kpi_title, kpi_description from dim_kpi")
    return {
        row.kpi_id: Definition(
            key=row.kpi_id,
            name=_tidy(row.kpi_title) or row.kpi_id,
            definition=_tidy(row.kpi_description) or "Beskrivning saknas i Kolada.",
            unit="se definitionen",
            source=KOLADA_SOURCE,
        )
        for row in frame.itertuples()
    }


def _tidy(text: object) -> str:
    return " ".join(str(text).split()) if isinstance(text, str) else ""


def _kpi(kpis: dict[str, Definition], kpi_id: str) -> Definition:
    return kpis.get(kpi_id) or Definition(kpi_id, kpi_id, "Beskrivning saknas.", "", KOLADA_SOURCE)


def _area_of(kpi_rows: pd.DataFrame) -> str:
    areas = kpi_rows["comparison_area"].dropna()
    return str(areas.iloc[-1]) if not areas.empty else ""


def _integer(value: object) -> int | None:
    number = clean_number(value)
    return None if number is None else int(number)


def _comparison(row: pd.Series) -> Comparison:
    light = row.get("traffic_light")
    return Comparison(
        year=int(row["year"]),
        value=clean_number(row["value"]),
        goteborgsregionen=clean_number(row.get("goteborgsregionen_mean")),
        similar=clean_number(row.get("similar_group_mean")),
        all_municipalities=clean_number(row.get("all_municipalities_mean")),
        riket=clean_number(row.get("riket_value")),
        traffic_light=light if isinstance(light, str) else None,
        rank=_integer(row.get("rank_among_municipalities")),
        n_ranked=_integer(row.get("n_ranked")),
        change=clean_number(row.get("change_from_previous_year")),
    )


def _decimals(comparison: Comparison) -> int:
    values = [comparison.value, comparison.goteborgsregionen, comparison.similar, comparison.all_municipalities]
    largest = max((abs(value) for value in values if value is not None), default=0)
    return 0 if largest >= 100 else 1


def _comparison_table(
    caption: str,
    rows: list[tuple[str, str, int]],
    latest: dict[str, Comparison],
    kpis: dict[str, Definition],
    municipality: str,
) -> Table | None:
    if not rows:
        return None
    table_rows: list[Row] = []
    shown_area = None
    for area, kpi_id, indent in rows:
        if area != shown_area:
            table_rows.append(Row(area, heading=True))
            shown_area = area
        comparison = latest[kpi_id]
        # RKA's indices are read as whole numbers, as in the boards' own tables.
        decimals = 0 if kpi_id in INDEX_IDS else _decimals(comparison)
        light_cell = text_cell("..", "text missing")
        if comparison.traffic_light:
            rank = (
                f", plats {comparison.rank} av {comparison.n_ranked}" if comparison.rank and comparison.n_ranked else ""
            )
            light_cell = ValueCell(
                LIGHT_TEXT.get(comparison.traffic_light, comparison.traffic_light) + rank,
                LIGHT_TITLE,
                f"text light light-{_light_class(comparison.traffic_light)}",
            )
        table_rows.append(
            Row(
                _kpi(kpis, kpi_id).name,
                [
                    text_cell(str(comparison.year), "num"),
                    cell(comparison.value, decimals=decimals),
                    cell(comparison.goteborgsregionen, decimals=decimals),
                    cell(comparison.similar, decimals=decimals),
                    cell(comparison.all_municipalities, decimals=decimals),
                    cell(comparison.riket, decimals=decimals),
                    light_cell,
                    cell(comparison.change, decimals=decimals, signed=True),
                ],
                _kpi(kpis, kpi_id),
                indent=indent,
            )
        )
    return Table(
        caption,
        ["År", municipality, "Göteborgs\u00adregionen", "Liknande kommuner", "Alla kommuner", "Riket", "Trafikljus",
         "Förändring"],
        table_rows,
        COMPARISON_NOTES,
        "Källa: Kolada (kommunens värde och Riket); genomsnitt, trafikljus och förändring: egna beräkningar på data "
        "från Kolada.",
        label_header="Nyckeltal",
    )  # fmt: skip


def _light_class(light: str) -> str:
    return {"grön": "green", "gul": "yellow", "röd": "red"}.get(light, "none")


def _trend_chart(
    kpi_rows: pd.DataFrame, kpi_id: str, kpis: dict[str, Definition], municipality: str
) -> Chart | None:
    rows = kpi_rows.sort_values("year")
    if len(rows) < 2:
        return None
    years = [str(int(year)) for year in rows["year"]]

    def values(column: str) -> list[float | None]:
        return [clean_number(value) for value in rows[column]] if column in rows else [None] * len(rows)

    series = [
        charts.Series(municipality, values("value"), emphasis=True),
        charts.Series("Göteborgsregionen", values("goteborgsregionen_mean")),
        charts.Series("Liknande kommuner", values("similar_group_mean")),
        charts.Series("Alla kommuner", values("all_municipalities_mean")),
        charts.Series("Riket", values("riket_value")),
    ]
    series = [one for one in series if any(value is not None for value in one.values)]
    definition = _kpi(kpis, kpi_id)
    largest = max((abs(value) for one in series for value in one.values if value is not None), default=0)
    svg = charts.line_chart(
        f"kolada-{kpi_id.lower()}",
        definition.name,
        years,
        series,
        "",
        f"Linjediagram: {definition.name} för {municipality} år {years[0]}–{years[-1]} jämfört med "
        "genomsnitten för Göteborgsregionen, liknande kommuner och alla kommuner samt Riket.",
        decimals=0 if largest >= 100 else 1 if largest < 10 else 0,
        size=(4.6, 2.6),
        legend_below=True,
    )
    return Chart(
        svg,
        f"{definition.name} ({kpi_id}), {years[0]}–{years[-1]}.",
        [definition],
        "Källa: Kolada; genomsnitten är egna beräkningar på data från Kolada.",
    )


# The tolerance the project's fit tests and docs/rka-index.md use.
FIT_TOLERANCE = 0.5


def _rka_block(data: PublishedData, municipality_id: str, year: int, kpis: dict[str, Definition]) -> Block | None:
    if not data.has("fct_rka_indices"):
        return None
    frame = data.shared_query("select * from fct_rka_indices where year <= ?", [year])
    own = frame[(frame["municipality_id"] == municipality_id) & frame["published_value"].notna()]
    if own.empty:
        return None
    latest_year = int(own["year"].max())
    rows: list[Row] = []
    for _, kpi_id, indent in INDEX_ROWS:
        match = own[(own["index_kpi_id"] == kpi_id) & (own["year"] == latest_year)]
        if match.empty:
            continue
        record = match.iloc[0]
        population = frame[(frame["index_kpi_id"] == kpi_id) & (frame["year"] == latest_year)]
        differences = population["difference"].dropna().abs()
        within = (differences <= FIT_TOLERANCE).mean() * 100 if not differences.empty else None
        lever = record.get("most_influential_component_id")
        gain = clean_number(record.get("most_influential_gain"))
        lever_text = ".."
        if isinstance(lever, str) and gain is not None:
            lever_text = f"{_kpi(kpis, lever).name} ({lever}): +{charts.swedish_number(gain, 1)}"
        rows.append(
            Row(
                _kpi(kpis, kpi_id).name,
                [
                    cell(clean_number(record["published_value"]), decimals=0),
                    cell(clean_number(record["recomputed_value"]), decimals=1),
                    cell(clean_number(record["difference"]), decimals=1, signed=True),
                    cell(float(differences.mean()) if not differences.empty else None, decimals=1),
                    cell(within, decimals=0),
                    text_cell(lever_text),
                ],
                _kpi(kpis, kpi_id),
                indent=indent,
            )
        )
    if not rows:
        return None
    table = Table(
        f"RKA:s index {latest_year}: publicerat i Kolada och omräknat i projektet",
        ["Publicerat (Kolada)", "Omräknat (projektet)", "Differens",
         "Medelavvikelse alla kommuner", "Andel kommuner inom ±0,5, %", "Störst effekt om bäst bland kommunerna"],
        rows,
        [
            f"Omräknat: {RKA_METHOD} – inte Koladas siffror. Indexet räknas om ur de ingående nyckeltalen så "
            "att man kan se vilken komponent som påverkar mest; differensen visar hur nära omräkningen kommer "
            "det publicerade värdet.",
            "Medelavvikelse och andel inom ±0,5 indexenheter gäller alla kommuner samma år och visar hur väl "
            "omräkningen träffar Koladas index.",
        ],
        f"Publicerat: Källa: Kolada. Omräknat, differenser och effekt: {OWN_KOLADA_SOURCE} ({RKA_METHOD}).",
        label_header="Index",
    )  # fmt: skip
    return Block(
        "Omräkning av RKA:s index",
        [
            f"Projektet räknar om RKA:s effektivitets-, kvalitets- och resursindex ur de nyckeltal som ingår "
            f"({RKA_METHOD}). Omräkningen används för att se vad som driver indexet; de officiella värdena är "
            "Koladas."
        ],
        [table],
    )
