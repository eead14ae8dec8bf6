"""Read access to the published marts (PUBLISH_DIR/current), never the warehouse.

The publish step writes one Parquet file per mart; the report reads those
through an in-memory DuckDB connection, so it needs no lock and works while
the pipeline writes the next version (the swap of `current` is atomic).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


class PublishedDataMissing(FileNotFoundError):
    """The published files the report needs are not there."""


class PublishedData:
    def __init__(self, publish_dir: Path) -> None:
        self.current = Path(publish_dir) / "current"
        if not self.current.is_dir():
            raise PublishedDataMissing(
                f"Hittar ingen publicerad version i {self.current}. Kör kedjan först (make run), "
                "eller ange rätt PUBLISH_DIR."
            )
        # resolve() pins the version `current` points to now, so one report reads one version.
        self.current = self.current.resolve()
        self.connection = duckdb.connect()
        self.tables: set[str] = set()
        for name, pattern in self._parquet_tables().items():
            quoted = pattern.replace("'", "''")
            self.connection.execute(f"create view \"{name}\" as select * from read_parquet('{quoted}')")
            self.tables.add(name)

    def _parquet_tables(self) -> dict[str, str]:
        tables: dict[str, str] = {}
        for path in sorted(self.current.rglob("*.parquet")):
            # A mart is either <name>.parquet or a folder <name>/ of Parquet parts.
            if path.parent != self.current and path.parent.name.startswith(("fct_", "dim_")):
                tables[path.parent.name] = str(path.parent / "*.parquet")
            else:
                tables[path.stem] = str(path)
        return tables

    def has(self, table: str) -> bool:
        return table in self.tables

    def require(self, *tables: str) -> None:
        missing = [table for table in tables if table not in self.tables]
        if missing:
            raise PublishedDataMissing(
                f"Publiceringen i {self.current} saknar {', '.join(missing)}; kör kedjan igen (make run)."
            )

    def query(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        return self.connection.execute(sql, parameters or []).df()

    def columns(self, table: str) -> set[str]:
        if table not in self.tables:
            return set()
        return {row[0] for row in self.connection.execute(f'describe "{table}"').fetchall()}

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> PublishedData:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
