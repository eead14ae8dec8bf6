"""The Dagster instance's run history: Dagster's SQLite event log, without disk flushes per event.

Dagster's SQLite event log opens a new connection for every event it stores, commits, and closes
it again; an asset materialization or check result is written twice (the run's own database and
the index). One run of this pipeline records about a thousand events (dbt's tests and the GX
expectations are asset checks). With SQLite's defaults each of those waits for the disk twice:
the commit (`synchronous=FULL`) and the close, because the last connection to close a database
in WAL mode checkpoints it and deletes the log. Here that was 15 ms per event, seconds to tens of
seconds per run: more than loading a month of data.

`RunHistoryEventLogStorage` keeps Dagster's storage and layout (existing history stays readable)
and changes two things: its connections commit with `synchronous=NORMAL`, which in WAL mode
never corrupts the database (an application crash loses nothing, a power cut at most the last
events of the run history), and it holds one idle connection open to each database it has
recently written, so closing the per-event connections does not checkpoint. SQLite still
checkpoints when the log grows past its threshold and when the process ends. The warehouse
(DuckDB) does not depend on any of this.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._serdes import ConfigurableClassData

# Databases kept open at once: the index and the current run's, with room for a few readers'.
HELD_DATABASES = 8


class RunHistoryEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` that commits without flushing and does not checkpoint on every event."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        # Set before Dagster's constructor, which already connects to the index.
        self._held: OrderedDict[str, sqlite3.Connection] = OrderedDict()
        self._held_lock = threading.Lock()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> RunHistoryEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Any]:
        with super()._connect(shard) as connection:
            # Per connection, before the first statement opens the transaction.
            connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            self._hold(shard)
            yield connection

    def _hold(self, shard: str) -> None:
        with self._held_lock:
            if shard in self._held:
                self._held.move_to_end(shard)
                return
            held = sqlite3.connect(self.path_for_shard(shard), check_same_thread=False)
            # A connection joins the WAL (and so counts as open) only once it has read.
            held.execute("select count(*) from sqlite_master").fetchall()
            self._held[shard] = held
            while len(self._held) > HELD_DATABASES:
                _, oldest = self._held.popitem(last=False)
                oldest.close()

    def dispose(self) -> None:
        with self._held_lock:
            while self._held:
                _, connection = self._held.popitem(last=False)
                connection.close()
        super().dispose()
