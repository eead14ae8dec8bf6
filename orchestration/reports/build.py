"""The board's key-figure report (nyckeltalsrapport) per municipality and year.

Reads only the published version (PUBLISH_DIR/current) and writes one
self-contained HTML file: inline CSS and SVG, no scripts, nothing fetched.
All municipalities' reports are written by worker processes, a batch of
municipalities per scan of the published files, and only where the report's
inputs changed since it was written (see inputs.py); --force writes them all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import multiprocessing
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from orchestration.files import write_text_atomically
from orchestration.reports.economy import economy_section
from orchestration.reports.effectiveness import effectiveness_section
from orchestration.reports.goals import goals_section
from orchestration.reports.inputs import Inputs, Job, is_unchanged, read_state, write_state
from orchestration.reports.metrics import Metrics
from orchestration.reports.model import Chart, Definition, Section, Table
from orchestration.reports.personnel import personnel_section
from orchestration.reports.published import SHARED_TABLES, PublishedData, PublishedDataMissing
from orchestration.reports.quality import quality_section
from orchestration.reports.render import render
from orchestration.settings import load_settings

# A batch is the municipalities one scan of the published files serves. Each worker gets a few
# batches, so the work evens out between them; a batch is at most this many municipalities, which
# bounds a worker's memory (some 20 000 rows each) while a national run needs only a handful of
# scans of files that are not sorted by municipality.
MAX_BATCH_SIZE = 40
BATCHES_PER_WORKER = 4
# Each worker holds the shared tables and one batch in memory; more than this buys little on a laptop.
MAX_WORKERS = 4


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



def write_report(data: PublishedData, municipality_id: str, year: int, out_dir: Path) -> Path:
    """Write the report for one municipality and year from an open publication; return the file's path."""
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
    write_text_atomically(target, html)
    return target


def build_report(publish_dir: Path, municipality_id: str, year: int, out_dir: Path) -> Path:
    """Write the report for one municipality and year; return the file's path."""
    with PublishedData(Path(publish_dir)) as data:
        data.focus(municipality_id)
        return write_report(data, municipality_id, year, out_dir)


# One open publication per worker process, kept for all the batches it is given.
_worker_data: PublishedData | None = None


def _open_publication(version: Path) -> PublishedData:
    data = PublishedData(version.parent, version=version)
    data.keep_in_memory(*SHARED_TABLES)
    return data


def _start_worker(version: Path) -> None:
    global _worker_data
    _worker_data = _open_publication(version)


def _write_batch(jobs: Sequence[Job], out_dir: Path, data: PublishedData | None = None) -> list[tuple[Job, Path]]:
    data = data or _worker_data
    data.narrow_to([job.municipality_id for job in jobs])
    written = []
    for job in jobs:
        data.focus(job.municipality_id)
        written.append((job, write_report(data, job.municipality_id, job.year, out_dir)))
    return written


def _batches(jobs: Sequence[Job], workers: int) -> list[list[Job]]:
    size = max(1, min(MAX_BATCH_SIZE, math.ceil(len(jobs) / (max(workers, 1) * BATCHES_PER_WORKER))))
    return [list(jobs[start : start + size]) for start in range(0, len(jobs), size)]


def write_reports(version: Path, jobs: Sequence[Job], out_dir: Path, workers: int) -> Iterator[tuple[Job, Path]]:
    """Write the reports, in worker processes when there is more than one batch and more than one core."""
    batches = _batches(jobs, workers)
    workers = min(workers, len(batches))
    if workers <= 1:
        with _open_publication(version) as data:
            for batch in batches:
                yield from _write_batch(batch, out_dir, data)
        return
    # spawn, not fork: the parent may hold DuckDB and Dagster threads a forked child would inherit half-way.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(version,)) as pool:
        futures = [pool.submit(_write_batch, batch, out_dir) for batch in batches]
        try:
            for future in as_completed(futures):
                yield from future.result()
        finally:
            for future in futures:
                future.cancel()


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="omsorgslager report",
        description="Skapa nämndens nyckeltalsrapport (HTML) ur den publicerade versionen. En rapport vars "
        "uppgifter inte ändrats sedan den skrevs skrivs inte om.",
    )
    parser.add_argument("--kommun", help="kommunkod, t.ex. 1489; utan: alla kommuner i den publicerade versionen")
    parser.add_argument("--year", type=int, help="år; utan: senaste hela året för varje kommun")
    parser.add_argument("--out", type=Path, help="mapp för rapporterna (standard: reports/ bredvid PUBLISH_DIR)")
    parser.add_argument("--publish-dir", type=Path, help="publiceringsmappen (standard: PUBLISH_DIR)")
    parser.add_argument("--force", action="store_true", help="skriv om alla rapporter, även oförändrade")
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="antal parallella processer (standard: en per kärna)"
    )
    args = parser.parse_args(argv)
    publish_dir = args.publish_dir or load_settings().publish_dir
    out_dir = args.out or default_out_dir(publish_dir)
    try:
        with PublishedData(publish_dir) as data:
            inputs = Inputs(data, cache_dir=out_dir)
            version = data.current
        municipalities = [args.kommun] if args.kommun else inputs.municipalities()
        jobs = []
        for municipality_id in municipalities:
            year = args.year or inputs.latest_complete_year(municipality_id)
            if year is None:
                print(f"Kommun {municipality_id} har inga uppgifter i den publicerade versionen.", file=sys.stderr)
                return 1
            jobs.append(inputs.job(municipality_id, year))
        if not jobs:
            print("Den publicerade versionen innehåller ingen kommun.", file=sys.stderr)
            return 1
        state = read_state(out_dir)
        pending = [job for job in jobs if args.force or not is_unchanged(job, state, out_dir)]
        written = 0
        try:
            for job, path in write_reports(version, pending, out_dir, args.workers):
                state[job.file_name] = job.fingerprint
                written += 1
                print(f"Rapport för {job.municipality_id} {job.year}: {path}")
        finally:
            if written:
                write_state(out_dir, state)
    except PublishedDataMissing as error:
        print(f"Ingen rapport: {error}", file=sys.stderr)
        return 1
    print(f"Rapporter i {out_dir}: {written} skrivna, {len(jobs) - len(pending)} oförändrade.")
    return 0
