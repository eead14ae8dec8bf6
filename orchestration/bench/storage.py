"""Storage cost of monthly avvikelser snapshots in the warehouse.

Each measurement loads files through the real ingest code into a fresh
DuckDB file, builds the avvikelser dbt chain (staging views, intermediate
tables and the marts `fct_incident_versions` and `dim_incident_snapshots`)
into the same file, and reads the checkpointed file's size, so the number
includes whatever the ingest layer and the models store for the snapshots
(tables, indexes, lineage). The raw schema's share is read before dbt runs.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.defs.ingest.contracts import AVVIKELSER
from orchestration.defs.ingest.csv_loader import load_csv_files
from orchestration.defs.ingest.raw_schema import create_raw_schema
from orchestration.dbt_invocation import invoke_dbt
from orchestration.settings import DEMO_PSEUDONYM_KEY

# The marts the avvikelser snapshots end in; `+` builds everything they read from.
INCIDENT_CHAIN = ("+fct_incident_versions", "+dim_incident_snapshots")


@dataclass(frozen=True)
class SnapshotStorage:
    snapshots: int
    rows_delivered: int
    bytes_one: int  # the last snapshot alone, raw schema and dbt chain
    bytes_all: int  # every snapshot, raw schema and dbt chain
    raw_bytes_one: int  # the last snapshot alone, raw schema only
    raw_bytes_all: int  # every snapshot, raw schema only

    @property
    def ratio(self) -> float:
        """Storage of all snapshots in units of one snapshot (12 = twelve full copies)."""
        return self.bytes_all / self.bytes_one if self.bytes_one else float("nan")

    @property
    def raw_ratio(self) -> float:
        """The same for the raw schema alone."""
        return self.raw_bytes_all / self.raw_bytes_one if self.raw_bytes_one else float("nan")


def _checkpointed_size(path: Path) -> int:
    connection = duckdb.connect(str(path))
    try:
        connection.execute("checkpoint")
    finally:
        connection.close()
    return os.path.getsize(path)


def _build_incident_chain(path: Path, target_path: Path) -> None:
    """`dbt run` of the avvikelser chain into the file at `path`, in this process."""
    result = invoke_dbt(["run", "--select", *INCIDENT_CHAIN, "--quiet"], target_path=target_path, duckdb_path=path)
    if not result.success:
        failed = [
            f"{outcome.node.unique_id}: {outcome.message}"
            for outcome in (result.result.results if result.result is not None else [])
            if outcome.status != "success"
        ]
        raise RuntimeError(f"dbt kunde inte bygga avvikelsekedjan: {result.exception or '; '.join(failed)}")


def _database_bytes(path: Path, files: list[Path], target_path: Path) -> tuple[int, int, int]:
    """(bytes the snapshots add to an empty raw schema with the dbt chain, without it, rows delivered)."""
    path.unlink(missing_ok=True)
    connection = duckdb.connect(str(path))
    try:
        create_raw_schema(connection)
        connection.execute("checkpoint")
        empty = os.path.getsize(path)
        results = load_csv_files(connection, files, AVVIKELSER, DEMO_PSEUDONYM_KEY.encode(), progress=lambda _: None)
        connection.execute("checkpoint")
    finally:
        connection.close()
    raw = os.path.getsize(path) - empty
    _build_incident_chain(path, target_path)
    return _checkpointed_size(path) - empty, raw, sum(result.rows_read for result in results)


def measure_snapshot_storage(snapshot_files: list[Path], scratch: Path) -> SnapshotStorage:
    scratch.mkdir(parents=True, exist_ok=True)
    files = sorted(snapshot_files)
    target_path = scratch / "dbt_target"
    bytes_one, raw_bytes_one, _ = _database_bytes(scratch / "one_snapshot.duckdb", files[-1:], target_path)
    bytes_all, raw_bytes_all, rows = _database_bytes(scratch / "all_snapshots.duckdb", files, target_path)
    for name in ("one_snapshot.duckdb", "all_snapshots.duckdb"):
        (scratch / name).unlink(missing_ok=True)
    shutil.rmtree(target_path, ignore_errors=True)
    return SnapshotStorage(
        snapshots=len(files),
        rows_delivered=rows,
        bytes_one=bytes_one,
        bytes_all=bytes_all,
        raw_bytes_one=raw_bytes_one,
        raw_bytes_all=raw_bytes_all,
    )
