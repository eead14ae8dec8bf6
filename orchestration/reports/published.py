"""Read access to the published marts (PUBLISH_DIR/current), never the warehouse.

The publish step writes one Parquet file per mart; the report reads those
through an in-memory DuckDB connection, so it needs no lock and works while
the pipeline writes the next version (the swap of `current` is atomic).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd


# The tables a report reads for its own municipality only, with the rows of them it can use:
# month figures only at the level kommun (the report shows no monthly figure below it).
MUNICIPAL_TABLES = {
    "fct_metric_values": "level = 'kommun' or period_type = 'year'",
    "fct_goal_indicators": "true",
    "fct_goal_assessments": "true",
    "dim_unit": "true",
}
# Small tables every report reads whole or in part.
SHARED_TABLES = ("dim_metric", "dim_kpi", "dim_municipality", "fct_kolada_comparisons", "fct_rka_indices")


def sql_literal(text: str) -> str:
    return "'{}'".format(text.replace("'", "''"))


class PublishedDataMissing(FileNotFoundError):
    """The published files the report needs are not there."""


class PublishedData:
    def __init__(self, publish_dir: Path, version: Path | None = None) -> None:
        """`version` pins a version directory another process resolved, so workers read what it planned from."""
        self.current = Path(version) if version is not None else Path(publish_dir) / "current"
        if not self.current.is_dir():
            raise PublishedDataMissing(
                f"Hittar ingen publicerad version i {self.current}. Kör kedjan först (make run), "
                "eller ange rätt PUBLISH_DIR."
            )
        # resolve() pins the version `current` points to now, so one report reads one version.
        self.current = self.current.resolve()
        self.connection = duckdb.connect()
        # The report's output is its list of files, not DuckDB's progress bar on stderr.
        self.connection.execute("set enable_progress_bar = false")
        self.sources: dict[str, str] = {}
        for name, pattern in self._parquet_tables().items():
            self.sources[name] = "read_parquet('{}')".format(pattern.replace("'", "''"))
            self.connection.execute(f'create view "{name}" as select * from {self.sources[name]}')
        self.tables: set[str] = set(self.sources)
        self.materialised: set[str] = set()
        # Narrowing keeps every column, so the names stay valid.
        self.column_names: dict[str, set[str]] = {}
        self.shared_results: dict[tuple[str, str], pd.DataFrame] = {}
        self.batch: set[str] = set()

    def _parquet_tables(self) -> dict[str, str]:
        tables: dict[str, str] = {}
        for path in sorted(self.current.rglob("*.parquet")):
            # A mart is either <name>.parquet or a folder <name>/ of Parquet parts.
            if path.parent != self.current and path.parent.name.startswith(("fct_", "dim_")):
                tables[path.parent.name] = str(path.parent / "*.parquet")
            else:
                tables[path.stem] = str(path)
        return tables

    def keep_in_memory(self, *tables: str) -> None:
        """Read small tables once instead of once per query."""
        for table in tables:
            if table in self.tables:
                self._replace(table, f"select * from {self.sources[table]}")

    def narrow_to(self, municipality_ids: list[str]) -> None:
        """Read these municipalities' rows of the municipal tables into memory, for focus().

        One scan per table and batch of municipalities replaces one scan of the whole
        Parquet file per query; when the files are sorted by municipality_id the scan
        reads only the row groups of the batch.
        """
        listed = ", ".join(sql_literal(one) for one in municipality_ids)
        for table, rows in MUNICIPAL_TABLES.items():
            if table in self.tables:
                self.connection.execute(
                    f'create or replace table "batch_{table}" as select * from {self.sources[table]} '
                    f"where municipality_id in ({listed}) and ({rows})"
                )
        self.batch = set(municipality_ids)

    def focus(self, municipality_id: str) -> None:
        """From now on the municipal tables hold only this municipality's rows (of the current batch).

        A report's many small queries then each read some ten thousand rows, not the batch's.
        """
        if municipality_id not in self.batch:
            self.narrow_to([municipality_id])
        for table in MUNICIPAL_TABLES:
            if table in self.tables:
                self._replace(
                    table, f'select * from "batch_{table}" where municipality_id = {sql_literal(municipality_id)}'
                )

    def _replace(self, table: str, select: str) -> None:
        if table not in self.materialised:
            self.connection.execute(f'drop view "{table}"')
            self.materialised.add(table)
        self.connection.execute(f'create or replace table "{table}" as {select}')

    def has(self, table: str) -> bool:
        return table in self.tables

    def part_files(self, table: str) -> list[tuple[str, str]]:
        """(file, sha256) of each Parquet part of a table published in parts, from the version's manifest;
        empty for a table in one file or a version without a manifest."""
        manifest = self.current / "manifest.json"
        if table not in self.tables or not manifest.is_file():
            return []
        info = json.loads(manifest.read_text(encoding="utf-8")).get("tables", {}).get(table, {})
        if not info.get("partitioned_by"):
            return []
        return [(str(self.current / file["path"]), file["sha256"]) for file in info.get("files", [])]

    def require(self, *tables: str) -> None:
        missing = [table for table in tables if table not in self.tables]
        if missing:
            raise PublishedDataMissing(
                f"Publiceringen i {self.current} saknar {', '.join(missing)}; kör kedjan igen (make run)."
            )

    def query(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        return self.connection.execute(sql, parameters or []).df()

    def shared_query(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        """A query over shared tables only, run once per publication; callers must not change the frame."""
        key = (sql, repr(parameters))
        if key not in self.shared_results:
            self.shared_results[key] = self.query(sql, parameters)
        return self.shared_results[key]

    def columns(self, table: str) -> set[str]:
        if table not in self.tables:
            return set()
        if table not in self.column_names:
            described = self.connection.execute(f'describe "{table}"').fetchall()
            self.column_names[table] = {row[0] for row in described}
        return self.column_names[table]

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> PublishedData:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
