"""The floor: what this machine needs just to read the delivered files once.

DuckDB reads every delivered file, with no pipeline around it, and computes
one aggregate per file over a numeric column, so every byte is read and that
column parsed. Nothing is stored. Whatever the pipeline does beyond this
(validating, hashing, keeping history, building marts, checking, publishing)
is measured as a multiple of this number.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.defs.ingest.contracts import kind_for_file

KOLADA_FOLDER = "kolada"


@dataclass(frozen=True)
class FloorResult:
    seconds: float
    files: int
    rows: int
    bytes: int


def _numeric_column(file_name: str) -> str:
    kind = kind_for_file(file_name)
    if kind is None:
        raise ValueError(f"{file_name} is no delivery kind")
    numeric = [column.name for column in kind.columns if column.type in ("decimal", "int")]
    # organisation and avvikelser have no number: count a date instead, which parses it all the same.
    return numeric[0] if numeric else next(column.name for column in kind.columns if column.type == "date")


def _csv_sql(path: Path) -> str:
    column = _numeric_column(path.name)
    kind = kind_for_file(path.name)
    assert kind is not None
    if kind.column(column).type == "date":
        value = f"try_cast({column} as date)"
        aggregate = f"count({value})"
    else:
        value = f"try_cast(replace(regexp_replace({column}, '[ \\xa0]', '', 'g'), ',', '.') as double)"
        aggregate = f"sum({value})"
    source = str(path).replace("'", "''")
    columns = ", ".join(f"'{name}': 'VARCHAR'" for name in _header(path))
    return (
        f"select count(*), {aggregate} from read_csv('{source}', delim = ';', quote = '\"', escape = '\"', "
        f"header = true, auto_detect = false, columns = {{{columns}}})"
    )


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig") as handle:
        return [name.strip().lower() for name in handle.readline().rstrip("\r\n").split(";")]


def _kolada_sql(path: Path) -> str:
    source = str(path).replace("'", "''")
    if path.parent.name == "data":
        return (
            f"select count(*), sum(item.value) from (select unnest(entry.values) as item from "
            f"(select unnest(values) as entry from read_json('{source}', maximum_object_size = 536870912)))"
        )
    return f"select count(*), null from (select unnest(values) from read_json('{source}', maximum_object_size = 536870912))"


def delivered_files(landing: Path) -> list[Path]:
    csv_files = sorted(path for path in landing.glob("*.csv") if kind_for_file(path.name) is not None)
    return csv_files + sorted((landing / KOLADA_FOLDER).rglob("*.json"))


def measure_floor(landing: Path) -> FloorResult:
    files = delivered_files(landing)
    connection = duckdb.connect()
    try:
        started = time.perf_counter()
        rows = 0
        for path in files:
            sql = _kolada_sql(path) if path.suffix == ".json" else _csv_sql(path)
            rows += connection.execute(sql).fetchall()[0][0]
        seconds = time.perf_counter() - started
    finally:
        connection.close()
    return FloorResult(seconds=seconds, files=len(files), rows=rows, bytes=sum(path.stat().st_size for path in files))
