"""Storage cost of monthly avvikelser snapshots in the raw schema.

Each measurement loads files through the real ingest code into a fresh
DuckDB file and reads the checkpointed file's size, so the number includes
whatever the ingest layer stores for the snapshots (tables, indexes, lineage).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.defs.ingest.contracts import AVVIKELSER
from orchestration.defs.ingest.csv_loader import load_csv_files
from orchestration.defs.ingest.raw_schema import create_raw_schema
from orchestration.settings import DEMO_PSEUDONYM_KEY


@dataclass(frozen=True)
class SnapshotStorage:
    snapshots: int
    rows_delivered: int
    bytes_one: int  # the last snapshot alone
    bytes_all: int  # every snapshot

    @property
    def ratio(self) -> float:
        """Storage of all snapshots in units of one snapshot (12 = twelve full copies)."""
        return self.bytes_all / self.bytes_one if self.bytes_one else float("nan")


def _database_bytes(path: Path, files: list[Path]) -> tuple[int, int]:
    """(bytes the snapshots add to an empty raw schema, rows delivered)."""
    if path.exists():
        path.unlink()
    connection = duckdb.connect(str(path))
    try:
        create_raw_schema(connection)
        connection.execute("checkpoint")
        empty = os.path.getsize(path)
        results = load_csv_files(connection, files, AVVIKELSER, DEMO_PSEUDONYM_KEY.encode(), progress=lambda _: None)
        connection.execute("checkpoint")
    finally:
        connection.close()
    return os.path.getsize(path) - empty, sum(result.rows_read for result in results)


def measure_snapshot_storage(snapshot_files: list[Path], scratch: Path) -> SnapshotStorage:
    scratch.mkdir(parents=True, exist_ok=True)
    files = sorted(snapshot_files)
    bytes_one, _ = _database_bytes(scratch / "one_snapshot.duckdb", files[-1:])
    bytes_all, rows = _database_bytes(scratch / "all_snapshots.duckdb", files)
    for name in ("one_snapshot.duckdb", "all_snapshots.duckdb"):
        (scratch / name).unlink(missing_ok=True)
    return SnapshotStorage(snapshots=len(files), rows_delivered=rows, bytes_one=bytes_one, bytes_all=bytes_all)
