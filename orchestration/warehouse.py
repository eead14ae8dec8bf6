"""The one way to open the warehouse file.

DuckDB allows one writer or many readers per file, never both at once. Every
step that touches the warehouse (ingest, dbt, checks, publish) opens it through
`warehouse_connection`, which holds an inter-process file lock for as long as
the connection is open, so steps of one run, a sensor-started run and a manual
run never collide. BI tools never open this file: they read the published copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock

from orchestration.settings import Settings, load_settings

LOCK_TIMEOUT_SECONDS = 3600


@contextmanager
def transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One DuckDB transaction: committed when the block ends, rolled back if it raises."""
    connection.execute("begin transaction")
    try:
        yield
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise


@contextmanager
def warehouse_lock(settings: Settings | None = None) -> Iterator[None]:
    settings = settings or load_settings()
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(settings.lock_path), timeout=LOCK_TIMEOUT_SECONDS):
        yield


@contextmanager
def warehouse_connection(
    settings: Settings | None = None, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    settings = settings or load_settings()
    with warehouse_lock(settings):
        if read_only and not Path(settings.duckdb_path).exists():
            raise FileNotFoundError(f"Warehouse file {settings.duckdb_path} does not exist yet; run the pipeline first.")
        connection = duckdb.connect(str(settings.duckdb_path), read_only=read_only)
        # Set after opening rather than passed as connect() config: DuckDB refuses a second handle on a
        # file with another configuration in one process, and dbt-duckdb (in-process for what-if) opens plainly.
        for name, value in settings.duckdb_config().items():
            quoted = value.replace("'", "''")
            connection.execute(f"set {name} = '{quoted}'")
        try:
            yield connection
        finally:
            connection.close()
