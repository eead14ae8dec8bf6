"""The board's key-figure report (nyckeltalsrapport) per municipality and year.

Reads only the published version (PUBLISH_DIR/current) and writes one
self-contained HTML file: inline CSS and SVG, no scripts, nothing fetched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from orchestration.reports.economy import economy_section
from orchestration.reports.effectiveness import effectiveness_section
from orchestration.reports.goals import goals_section
from orchestration.reports.metrics import Metrics
from orchestration.reports.model import Chart, Definition, Section, Table
from orchestration.reports.personnel import personnel_section
from orchestration.reports.published import PublishedData, PublishedDataMissing
from orchestration.reports.quality import quality_section
from orchestration.reports.render import render
from orchestration.settings import load_settings



def default_out_dir(publish_dir: Path) -> Path:
    """Reports live beside the publication they were made from (data/reports by default)."""
    return publish_dir.parent / "reports"


def report_file_name(municipality_id: str, year: int) -> str:
    return f"nyckeltal_{municipality_id}_{year}.html"


def municipality_name(data: PublishedData, municipality_id: str) -> str:
    columns = data.columns("dim_municipality")
    for column in ("municipality_name", "name", "title"):
        if column in columns:
            frame = data.query(
                f'select "{column}" as name from dim_municipality where municipality_id = ?', [municipality_id]
            )
            if not frame.empty and frame["name"].iloc[0]:
                return str(frame["name"].iloc[0])
    return municipality_id


def available_municipalities(data: PublishedData) -> list[str]:
    data.require("fct_metric_values")
    frame = data.query("select distinct municipality_id from fct_metric_values order by municipality_id")
    return [str(value) for value in frame["municipality_id"]]


def latest_complete_year(data: PublishedData, municipality_id: str) -> int | None:
    """The last year with all twelve months of ledger or avvikelse figures, else the last year with any."""
    frame = data.query(
        """
        select year, count(distinct period) filter (where period_type = 'month') as months
        from fct_metric_values
        where municipality_id = ?
        group by year
        order by year
        """,
        [municipality_id],
    )
    if frame.empty:
        return None
    complete = frame[frame["months"] == 12]
    chosen = complete if not complete.empty else frame
    return int(chosen["year"].max())


def _definitions(sections: Sequence[Section]) -> list[Definition]:
    found: dict[str, Definition] = {}
    for section in sections:
        for block in section.blocks:
            for item in block.items:
                if isinstance(item, Table):
                    candidates = [row.definition for row in item.rows if row.definition] + item.definitions
                elif isinstance(item, Chart):
                    candidates = item.definitions
                else:
                    candidates = []
                for definition in candidates:
                    found.setdefault(definition.key, definition)
    return sorted(found.values(), key=lambda definition: (definition.name.casefold(), definition.key))


def build_report(publish_dir: Path, municipality_id: str, year: int, out_dir: Path) -> Path:
    """Write the report for one municipality and year; return the file's path."""
    with PublishedData(Path(publish_dir)) as data:
        metrics = Metrics(data, municipality_id)
        if not metrics.years_with_data():
            raise PublishedDataMissing(
                f"Den publicerade versionen i {data.current} har inga uppgifter för kommun {municipality_id}."
            )
        name = municipality_name(data, municipality_id)
        sections = [
            effectiveness_section(data, municipality_id, name, year),
            personnel_section(metrics, year),
            economy_section(data, metrics, year),
            quality_section(metrics, year),
            goals_section(data, municipality_id, year),
        ]
        version = data.current.name
    html = render(
        title=f"Nyckeltal {year} – {name}",
        subtitle=[
            "Vård och omsorg: effektivitet, personal, ekonomi, kvalitet och mål",
            f"Kommun {name} ({municipality_id}), år {year}",
        ],
        reading_notes=[
            "Siffrorna kommer från den publicerade versionen av informationslagret "
            f"({version}). Kolada-uppgifter är märkta ”Källa: Kolada”; allt annat är egna beräkningar enligt "
            "måttens definitioner, som finns sist i rapporten.",
            "– = uppgiften visas inte eftersom den gäller färre än 5 personer (eller skulle avslöja en sådan "
            "uppgift). .. = uppgift saknas.",
        ],
        sections=sections,
        definitions=_definitions(sections),
        footer=[
            f"Skapad {dt.date.today().isoformat()} av omsorgslager ur publicerad version {version}.",
            "Uppgifter ur Kolada: Källa: Kolada (RKA). Medelvärden, index och rangordningar som räknats fram i "
            "projektet är egna beräkningar på data från Kolada.",
        ],
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / report_file_name(municipality_id, year)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(html, encoding="utf-8")
    os.replace(temporary, target)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="omsorgslager report",
        description="Skapa nämndens nyckeltalsrapport (HTML) ur den publicerade versionen.",
    )
    parser.add_argument("--kommun", help="kommunkod, t.ex. 1489; utan: alla kommuner i den publicerade versionen")
    parser.add_argument("--year", type=int, help="år; utan: senaste hela året för varje kommun")
    parser.add_argument("--out", type=Path, help="mapp för rapporterna (standard: reports/ bredvid PUBLISH_DIR)")
    parser.add_argument("--publish-dir", type=Path, help="publiceringsmappen (standard: PUBLISH_DIR)")
    args = parser.parse_args(argv)
    publish_dir = args.publish_dir or load_settings().publish_dir
    out_dir = args.out or default_out_dir(publish_dir)
    try:
        with PublishedData(publish_dir) as data:
            municipalities = [args.kommun] if args.kommun else available_municipalities(data)
            jobs = []
            for municipality_id in municipalities:
                year = args.year or latest_complete_year(data, municipality_id)
                if year is None:
                    print(f"Kommun {municipality_id} har inga uppgifter i den publicerade versionen.", file=sys.stderr)
                    return 1
                jobs.append((municipality_id, year))
        if not jobs:
            print("Den publicerade versionen innehåller ingen kommun.", file=sys.stderr)
            return 1
        for municipality_id, year in jobs:
            path = build_report(publish_dir, municipality_id, year, out_dir)
            print(f"Rapport för {municipality_id} {year}: {path}")
    except PublishedDataMissing as error:
        print(f"Ingen rapport: {error}", file=sys.stderr)
        return 1
    return 0
