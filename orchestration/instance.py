"""The Dagster instance's run history: Dagster's SQLite event log, without a new database connection per event.

Dagster's SQLite event log creates an engine and opens a new connection for every write, commits
and closes it again, several times per event: an asset materialization or check result is written
to the run's own database and to the index, and a check's execution once more. One run of this
pipeline records about a thousand events (dbt's tests and the GX expectations are asset checks).
With SQLite's defaults each of those waited for the disk twice: the commit (`synchronous=FULL`) and
the close, because the last connection to close a database in WAL mode checkpoints it and deletes
the log. Here that was 15 ms per event; even without the disk waits, setting up the engine and the
connection cost about 8 ms per event, several seconds of every run.

`RunHistoryEventLogStorage` keeps Dagster's storage and layout (existing history stays readable)
and changes two things: its connections commit with `synchronous=NORMAL`, which in WAL mode never
corrupts the database (an application crash loses nothing, a power cut at most the last events of
the run history), and it keeps one engine with one open connection per database it has recently
written, reused for every write. Dagster's storage lock already serialises these writes, so one
connection per database is enough, from whichever thread. An open connection also keeps SQLite
from checkpointing at every write; it still checkpoints when the log grows past its threshold and
when the connection is closed. The warehouse (DuckDB) does not depend on any of this.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

# Databases kept open at once: the index and the current run's, with room for a few readers'.
HELD_DATABASES = 8


def _relaxed_sync(connection: Any, _record: Any) -> None:
    # Per connection, once, before any statement opens a transaction.
    connection.execute("PRAGMA synchronous=NORMAL")


class RunHistoryEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` that reuses one connection per database and commits without flushing."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        # Set before Dagster's constructor, which already connects to the index.
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> RunHistoryEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Any]:
        # As Dagster's own `_connect`, with the engine kept instead of created and disposed each time.
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, under `_db_lock`; the least recently used beyond HELD_DATABASES is closed."""
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = db.create_engine(
            self.conn_string_for_shard(shard),
            # One connection, handed to whichever thread holds `_db_lock`.
            poolclass=StaticPool,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        db.event.listen(engine, "connect", _relaxed_sync)
        self._engines[shard] = engine
        while len(self._engines) > HELD_DATABASES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    def _close_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                _, engine = self._engines.popitem(last=False)
                engine.dispose()

    def wipe(self) -> None:
        # Dagster deletes the runs' database files: a connection kept to one would go on writing to the deleted file.
        self._close_engines()
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()
