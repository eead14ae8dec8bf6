"""Which reports need writing: a fingerprint of each report's inputs, kept beside the reports.

A report is written again only when the published rows it reads, its year or the report
code changed since it was written, so a rerun with nothing new writes nothing and a new
month rewrites only the municipalities whose figures moved.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.files import write_text_atomically
from orchestration.fingerprint import stable_value_sql
from orchestration.reports.published import MUNICIPAL_TABLES, SHARED_TABLES, PublishedData, sql_literal

STATE_FILE = "report-inputs.json"
PARTS_FILE = "report-inputs-parts.json"
# Read for the own municipality only although kept whole in memory.
OWN_ROWS_OF_SHARED = ("fct_kolada_comparisons",)


@dataclass(frozen=True)
class Job:
    municipality_id: str
    year: int
    fingerprint: str

    @property
    def file_name(self) -> str:
        return f"nyckeltal_{self.municipality_id}_{self.year}.html"


def code_version() -> str:
    """The report code and the DuckDB version (its hash function makes the fingerprints)."""
    digest = hashlib.sha256(duckdb.__version__.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _row_hash(data: PublishedData, table: str) -> str:
    parts = [
        stable_value_sql(f'"{name}"', kind)
        for name, kind, *_ in data.connection.execute(f'describe "{table}"').fetchall()
    ]
    return f"hash({', '.join(parts)})"


def _metric_value_sums(data: PublishedData, source: str) -> list[list]:
    """Per municipality and year of `source`: months delivered, rows a report reads and their hash sum.

    One scan gives the municipalities, their months per year and the fingerprint of their figures.
    """
    keep = MUNICIPAL_TABLES["fct_metric_values"]
    rows = data.connection.execute(
        f"""
        select municipality_id, year,
            count(distinct period) filter (where period_type = 'month') as months,
            count(*) filter (where {keep}) as n_rows,
            coalesce(sum({_row_hash(data, "fct_metric_values")}) filter (where {keep}), 0)::varchar as row_hash
        from {source}
        group by municipality_id, year
        """
    ).fetchall()
    return [list(row) for row in rows]


def _metric_value_rows(data: PublishedData, cache_dir: Path | None, code: str) -> list[list]:
    """`_metric_value_sums` of the whole mart, its parts read only where their file is new.

    The mart is published in year parts, and a new month rewrites one or two of them: a part whose
    file (by its sha256 in the manifest) was summed before is taken from PARTS_FILE. The parts
    hold whole years, so no municipality and year spans two of them.
    """
    parts = data.part_files("fct_metric_values")
    if cache_dir is None or not parts:
        return _metric_value_sums(data, "fct_metric_values")
    cache_path = Path(cache_dir) / PARTS_FILE
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
        known = cache["parts"] if cache.get("code") == code else {}
    except (OSError, ValueError, KeyError, AttributeError):
        # A missing or damaged cache only costs reading every part.
        known = {}
    current = {
        sha256: known[sha256] if sha256 in known else _metric_value_sums(data, f"read_parquet({sql_literal(path)})")
        for path, sha256 in parts
    }
    if current != known:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(cache_path, json.dumps({"code": code, "parts": current}, sort_keys=True) + "\n")
    return [row for rows in current.values() for row in rows]


class Inputs:
    """Row counts and hash sums per municipality and year of every table a report reads."""

    def __init__(self, data: PublishedData, cache_dir: Path | None = None) -> None:
        """`cache_dir` keeps the sums of the metric values' year parts between runs (PARTS_FILE)."""
        data.require("fct_metric_values", "dim_metric")
        self.code = code_version()
        rows = sorted(_metric_value_rows(data, cache_dir, self.code), key=lambda row: (row[0], row[1]))
        self.months: dict[str, dict[int, int]] = {}
        self.parts: dict[str, dict[str, list]] = {}
        for municipality_id, year, months, n_rows, row_hash in rows:
            self.months.setdefault(municipality_id, {})[year] = months
            self.parts.setdefault(municipality_id, {}).setdefault("fct_metric_values", []).append(
                [year, n_rows, row_hash]
            )
        own_tables = [table for table in MUNICIPAL_TABLES if table != "fct_metric_values"]
        for table in [*own_tables, *OWN_ROWS_OF_SHARED]:
            if not data.has(table):
                continue
            year = "year" if "year" in data.columns(table) else "null"
            for municipality_id, one_year, n_rows, row_hash in data.connection.execute(
                f'select municipality_id, {year}, count(*), sum({_row_hash(data, table)})::varchar from "{table}" '
                "group by all order by all"
            ).fetchall():
                self.parts.setdefault(municipality_id, {}).setdefault(table, []).append([one_year, n_rows, row_hash])
        self.shared = {
            table: data.connection.execute(
                f'select count(*), coalesce(sum({_row_hash(data, table)}), 0)::varchar from "{table}"'
            ).fetchone()
            for table in SHARED_TABLES
            if data.has(table) and table not in OWN_ROWS_OF_SHARED
        }

    def municipalities(self) -> list[str]:
        return sorted(self.months)

    def latest_complete_year(self, municipality_id: str) -> int | None:
        """The last year with all twelve months of ledger or avvikelse figures, else the last year with any."""
        months = self.months.get(municipality_id)
        if not months:
            return None
        complete = [year for year, count in months.items() if count == 12]
        return max(complete or months)

    def job(self, municipality_id: str, year: int) -> Job:
        # A report shows its year and earlier ones, so later deliveries leave it as it is.
        own = {
            table: [part for part in parts if part[0] is None or part[0] <= year]
            for table, parts in sorted(self.parts.get(municipality_id, {}).items())
        }
        payload = json.dumps([self.code, municipality_id, year, self.shared, own], sort_keys=True, default=str)
        return Job(municipality_id, year, hashlib.sha256(payload.encode()).hexdigest())


def read_state(out_dir: Path) -> dict[str, str]:
    path = Path(out_dir) / STATE_FILE
    if not path.exists():
        return {}
    try:
        return {str(name): str(value) for name, value in json.loads(path.read_text(encoding="utf-8")).items()}
    except (ValueError, AttributeError):
        # A damaged state only costs a rebuild.
        return {}


def write_state(out_dir: Path, state: dict[str, str]) -> None:
    path = Path(out_dir) / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(state, indent=1, sort_keys=True) + "\n")


def is_unchanged(job: Job, state: dict[str, str], out_dir: Path) -> bool:
    return state.get(job.file_name) == job.fingerprint and (Path(out_dir) / job.file_name).exists()
