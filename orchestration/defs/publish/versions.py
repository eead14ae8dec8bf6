"""Versioned, atomically swapped publications of the marts for BI tools.

Layout under PUBLISH_DIR:

    current -> versions/<version>        a relative symlink, replaced atomically
    versions/<version>/
        marts/<table>.parquet            one file per small mart and dimension
        marts/<table>/<table>_<part>.parquet
                                         the big facts (PARTITION_COLUMNS): one file per year
                                         (per snapshot date for the avvikelse snapshots)
        warehouse.duckdb                 the same tables, for tools that speak DuckDB
        quality/                         the run's GX Data Docs and overview page
        validation_summary.json          outcome of every suite that gated this version
        manifest.json                    version, tables, their files, row counts, checksums,
                                         fingerprints (written last)

A version rewrites only the files whose rows changed. Every file's fingerprint (columns, layout,
partition value, row count and an order-independent digest of its rows, all parts of a table
digested in one grouped scan) is recorded in the manifest; a file whose fingerprint equals the
current version's shares that version's file (a hard link: files are never modified once
published). A new month thus writes the current year's parts and shares the earlier years.
warehouse.duckdb starts as a copy of the current one when most rows are unchanged, loses the
rows of the changed parts and gets the new ones; its content equals a fresh build's. It is built on
a second thread while the Parquet files are written, each part inserted once its file is complete.
When nothing changed (rows or descriptions), no version is made at all.

The pseudonymised person key (person_hash) stays in the warehouse: BI tools get
counts of individuals from the marts, never a key that follows one person.

A version is built in a hidden directory beside the others and renamed into
place when complete, then `current` is switched with one `os.replace` of a
symlink. A reader that opens `current/warehouse.duckdb`, or resolves `current`
once and reads the files below it, therefore sees one complete version. Old
versions are pruned only beyond the newest `keep`, and never while a process
has a file in them open, so a reader in the middle of a version keeps it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import queue
import re
import shutil
import stat
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import psutil

from orchestration.defs.publish.disclosure import SUPPRESSION_COMMENT, is_published, published_select
from orchestration.defs.publish.disclosure import quoted as _quoted
from orchestration.defs.quality.framework import PERSONAL_COLUMNS, SuiteOutcome
from orchestration.files import point_link_at
from orchestration.fingerprint import stable_value_sql
from orchestration.settings import Settings
from orchestration.warehouse import warehouse_connection

VERSIONS_KEPT = 3
MART_SCHEMA = "marts"
PUBLICATION_TABLE = "_publication"
BUILDING_PREFIX = ".building-"
VERSION_PATTERN = re.compile(r"^\d{8}T\d{6}\.\d{6}Z$")

# Rows sorted by municipality (then measure and period, where a table has them), so a reader filtering
# on municipality_id (each report, a BI tool's slicer) skips the row groups of every other municipality
# by their min/max statistics. Grouping a measure's rows also keeps the file as small as unsorted.
# Row groups of DuckDB's default size: at national scale a municipality spans one or two of them.
# zstd at level 1 rather than DuckDB's default 3: measured on a snapshot part (360 000 rows, 29 columns)
# and a year of fct_metric_values (1.6 M rows), writing took 40 % and 26 % less time for files 2 % smaller
# and 14 % larger. Every Parquet reader decodes any zstd level.
SORT_COLUMNS = ("municipality_id", "metric_id", "kpi_id", "year", "period", "snapshot_date")
PARQUET_OPTIONS = "format parquet, compression zstd, compression_level 1, row_group_size 122880"
MARTS_DIR = "marts"
# The big facts are published as a folder of parts, one per value of this column (a year; the report
# year for the incident versions, whose changes are mostly in reports of the last months), so a new
# month rewrites the parts it touched and shares the others. Small tables stay one file each.
PARTITION_COLUMNS = {
    "fct_metric_values": "year",
    "fct_ledger_months": "year",
    "fct_incidents_monthly": "year",
    "fct_personnel_yearly": "year",
    "fct_incident_versions": "report_year",
}


class PublishRefused(RuntimeError):
    """Publishing would expose data that did not pass its checks, or there is nothing to publish."""


@dataclass(frozen=True)
class Publication:
    version: str
    path: Path
    rows_by_table: dict[str, int]
    unchanged: bool = False  # the marts held what the current version holds; nothing was written
    reused_tables: tuple[str, ...] = ()  # unchanged since the previous version, whose files were shared
    written_files: tuple[str, ...] = ()  # the files written now; every other file is shared


def current_link(publish_dir: Path) -> Path:
    return publish_dir / "current"


def versions_dir(publish_dir: Path) -> Path:
    return publish_dir / "versions"


def current_version(publish_dir: Path) -> str | None:
    link = current_link(publish_dir)
    return Path(os.readlink(link)).name if link.is_symlink() else None


def new_version_name(now: dt.datetime | None = None) -> str:
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S.%fZ")


def publish_marts(
    settings: Settings,
    *,
    run_id: str,
    outcomes: Mapping[str, SuiteOutcome],
    quality_dir: Path | None,
    keep: int = VERSIONS_KEPT,
) -> Publication:
    """Publish every table of the `marts` schema as a new version, if every suite passed.

    When the marts hold exactly what the current version holds, the current version stays:
    running the pipeline again without new deliveries changes nothing.
    """
    failed = [outcome for outcome in outcomes.values() if not outcome.success]
    if failed:
        raise PublishRefused("\n".join(outcome.message() for outcome in failed))
    if not outcomes:
        raise PublishRefused("Inga kvalitetskontroller har körts: inget publiceras utan godkända kontroller.")

    publish_dir = settings.publish_dir
    versions = versions_dir(publish_dir)
    versions.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_builds(versions)
    current = _current_manifest(publish_dir)
    version = new_version_name()
    staging = versions / f"{BUILDING_PREFIX}{version}-{os.getpid()}"
    (staging / MARTS_DIR).mkdir(parents=True)
    previous_dir = versions / current["version"] if current else None
    duckdb_copy: _DuckdbCopyBuilder | None = None
    try:
        with warehouse_connection(settings, read_only=True) as connection:
            planned = _plan_export(connection, staging, current=current, previous_dir=previous_dir)
            if planned is not None:
                export, plans = planned
                duckdb_copy = _DuckdbCopyBuilder(
                    functools.partial(
                        _build_duckdb_copy,
                        settings,
                        staging,
                        export,
                        current=current,
                        previous_dir=previous_dir,
                        version=version,
                        run_id=run_id,
                    )
                )
                _write_parts(connection, staging, export, plans, written=duckdb_copy.written)
        if planned is None:
            shutil.rmtree(staging)
            return Publication(
                version=current["version"],
                path=versions / current["version"],
                rows_by_table={table: info["rows"] for table, info in current["tables"].items()},
                unchanged=True,
            )
        # Checksums of the files just written, while the copy takes in the last of them.
        export = _with_checksums(export, staging)
        duckdb_copy.finish()
        if quality_dir is not None and quality_dir.is_dir():
            shutil.copytree(quality_dir, staging / "quality", symlinks=False)
        _write_json(
            staging / "validation_summary.json",
            {
                "version": version,
                "run_id": run_id,
                "success": True,
                "suites": {name: outcome.to_json() for name, outcome in sorted(outcomes.items())},
            },
        )
        _write_json(staging / "manifest.json", _manifest(staging, version, run_id, export))
        _make_read_only(staging)
        final = versions / version
        os.rename(staging, final)
    except BaseException:
        if duckdb_copy is not None:
            duckdb_copy.abort()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _switch_current(publish_dir, version)
    prune_versions(publish_dir, keep=keep)
    return Publication(
        version=version,
        path=final,
        rows_by_table=export.rows_by_table,
        reused_tables=tuple(sorted(export.reused_tables)),
        written_files=tuple(export.written_files),
    )


@dataclass(frozen=True)
class PublishedFile:
    path: str  # relative to the version directory
    part: Any  # the partition value (a year, a snapshot date) its rows share; None for a table in one file
    rows: int
    fingerprint: str
    reused_from: str | None  # the version whose file this version shares; None when written now
    sha256: str | None  # known up front for a shared file, computed once the file is written otherwise


@dataclass(frozen=True)
class PublishedTable:
    rows: int
    fingerprint: str
    structure: str  # columns, sort order and partitioning: what the files' layout depends on
    partitioned_by: str | None
    files: tuple[PublishedFile, ...]

    @property
    def reused_from(self) -> str | None:
        """The previous version, when every file of this table is shared with it."""
        versions = {file.reused_from for file in self.files}
        return versions.pop() if len(versions) == 1 else None

    @property
    def parquet(self) -> str:
        """What a reader opens: the file, or a glob over the table's folder of parts."""
        first = Path(self.files[0].path)
        return str(first if self.partitioned_by is None else first.parent / "*.parquet")


@dataclass(frozen=True)
class Export:
    tables: dict[str, PublishedTable]
    table_comments: dict[str, str]
    column_comments: list[tuple[str, str, str]]
    fingerprint: str

    @property
    def rows_by_table(self) -> dict[str, int]:
        return {table: info.rows for table, info in self.tables.items()}

    @property
    def reused_tables(self) -> set[str]:
        return {table for table, info in self.tables.items() if info.reused_from is not None}

    @property
    def written_files(self) -> list[str]:
        return [file.path for info in self.tables.values() for file in info.files if file.reused_from is None]


def _current_manifest(publish_dir: Path) -> dict[str, Any]:
    if current_version(publish_dir) is None:
        return {}
    return json.loads((current_link(publish_dir) / "manifest.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class _Plan:
    select: str
    columns: list[tuple[str, str]]
    sort_columns: list[str]
    table: PublishedTable


def _plan_export(
    connection: duckdb.DuckDBPyConnection, target: Path, *, current: Mapping[str, Any], previous_dir: Path | None
) -> tuple[Export, dict[str, _Plan]] | None:
    """Every mart's files and fingerprints, the unchanged ones already shared; None when nothing changed.

    A part whose fingerprint equals the one the current version recorded for the same file is not written
    again: the current version's file is hard-linked (or copied, where links are impossible) into the new one.
    Runs under the warehouse lock.
    """
    previous_files = {
        file["path"]: file for info in current.get("tables", {}).values() for file in info.get("files", [])
    }
    tables = [
        row[0]
        for row in connection.execute(
            "select table_name from information_schema.tables where table_schema = ? order by table_name",
            [MART_SCHEMA],
        ).fetchall()
    ]
    if not tables:
        raise PublishRefused(f"Schemat {MART_SCHEMA} i lagret saknar tabeller: inget att publicera.")
    published = list(filter(is_published, tables))
    # dbt persists the Swedish model and column descriptions as comments; BI users see them too.
    table_comments = {
        table: comment
        for table, comment in connection.execute(
            "select table_name, comment from duckdb_tables() where schema_name = ? and comment is not null",
            [MART_SCHEMA],
        ).fetchall()
        if table in published
    }
    column_comments = [
        (table, column, comment)
        for table, column, comment in connection.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where schema_name = ? and comment is not null order by all",
            [MART_SCHEMA],
        ).fetchall()
        if table in published and column not in PERSONAL_COLUMNS
    ]
    plans = {table: _plan(connection, table, table_comments.get(table), column_comments) for table in published}
    fingerprint = _digest({table: plan.table.fingerprint for table, plan in plans.items()})
    if fingerprint == current.get("fingerprint"):
        return None
    exported: dict[str, PublishedTable] = {}
    for table, plan in plans.items():
        files = []
        for file in plan.table.files:
            previous = previous_files.get(file.path, {})
            if (
                previous_dir is not None
                and previous.get("fingerprint") == file.fingerprint
                and _share(previous_dir / file.path, target / file.path)
            ):
                file = replace(file, reused_from=current["version"], sha256=previous["sha256"])
            files.append(file)
        exported[table] = replace(plan.table, files=tuple(files))
    export = Export(
        tables=exported, table_comments=table_comments, column_comments=column_comments, fingerprint=fingerprint
    )
    return export, plans


def _write_parts(
    connection: duckdb.DuckDBPyConnection,
    target: Path,
    export: Export,
    plans: Mapping[str, _Plan],
    *,
    written: Callable[[str], None],
) -> None:
    """Write every file the export does not share, in export order, telling `written` each finished path."""
    for table, info in export.tables.items():
        plan = plans[table]
        order = ", ".join(_quoted(name) for name in plan.sort_columns)
        for file in info.files:
            if file.reused_from is not None:
                continue
            (target / file.path).parent.mkdir(parents=True, exist_ok=True)
            connection.execute(
                f"copy ({plan.select} where {_part_condition(info.partitioned_by, plan.columns, file.part)}"
                f"{f' order by {order}' if order else ''}) to '{_sql_path(target / file.path)}' ({PARQUET_OPTIONS})"
            )
            written(file.path)


def _plan(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    comment: str | None,
    column_comments: list[tuple[str, str, str]],
) -> _Plan:
    """The files `table` is published as, each with the fingerprint of the rows it holds."""
    columns = [
        (name, data_type)
        for name, data_type in connection.execute(
            "select column_name, data_type from duckdb_columns() where schema_name = ? and table_name = ? "
            "order by column_index",
            [MART_SCHEMA, table],
        ).fetchall()
        if name not in PERSONAL_COLUMNS
    ]
    names = dict(columns)
    sort_columns = [name for name in SORT_COLUMNS if name in names]
    partitioned_by = PARTITION_COLUMNS.get(table) if PARTITION_COLUMNS.get(table) in names else None
    select = published_select(MART_SCHEMA, table, columns)
    structure = _digest(
        {"columns": columns, "layout": [PARQUET_OPTIONS, sort_columns], "partitioned_by": partitioned_by}
    )
    files = tuple(
        PublishedFile(
            path=_file_path(table, partitioned_by, part),
            part=part,
            rows=rows,
            fingerprint=_digest({"structure": structure, "part": part, "rows": rows, "row_digest": row_digest}),
            reused_from=None,
            sha256=None,
        )
        for part, rows, row_digest in _part_digests(connection, select, columns, partitioned_by)
    )
    fingerprint = _digest(
        {
            "structure": structure,
            "comment": comment,
            "column_comments": [entry[1:] for entry in column_comments if entry[0] == table],
            "files": [[file.path, file.fingerprint] for file in files],
        }
    )
    return _Plan(
        select=select,
        columns=columns,
        sort_columns=sort_columns,
        table=PublishedTable(
            rows=sum(file.rows for file in files),
            fingerprint=fingerprint,
            structure=structure,
            partitioned_by=partitioned_by,
            files=files,
        ),
    )


def _part_digests(
    connection: duckdb.DuckDBPyConnection, select: str, columns: list[tuple[str, str]], partitioned_by: str | None
) -> list[tuple[Any, int, str]]:
    """Per part: its partition value, row count and an order-independent digest of its rows, in one scan.

    Same rows, same digest. A table without rows still gets one (empty) file, so readers find its columns.
    """
    digest_columns = ", ".join(stable_value_sql(_quoted(name), data_type) for name, data_type in columns)
    part = _quoted(partitioned_by) if partitioned_by else "null"
    parts = connection.execute(
        f"select {part} as part, count(*), sum(hash({digest_columns})) "
        f"from ({select}) group by part order by part nulls last"
    ).fetchall()
    return [(value, rows, str(row_digest)) for value, rows, row_digest in parts] or [(None, 0, "0")]


def _file_path(table: str, partitioned_by: str | None, part: Any) -> str:
    if partitioned_by is None:
        return f"{MARTS_DIR}/{table}.parquet"
    return f"{MARTS_DIR}/{table}/{table}_{'null' if part is None else part}.parquet"


def _part_condition(partitioned_by: str | None, columns: list[tuple[str, str]], part: Any) -> str:
    """The rows of one part. `part` may come from a manifest (JSON text) or from DuckDB (a date, an int)."""
    if partitioned_by is None:
        return "true"
    if part is None:
        return f"{_quoted(partitioned_by)} is null"
    return f"{_quoted(partitioned_by)} = cast({_literal(str(part))} as {dict(columns)[partitioned_by]})"


def _share(source: Path, target: Path) -> bool:
    """Put the previous version's file at `target` without rewriting it; False if it is gone."""
    if not source.is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        # A file system without hard links (or a publish dir spanning devices): copy the bytes.
        shutil.copyfile(source, target)
    return True


class _CopyAborted(Exception):
    """The Parquet files were not all written; the DuckDB copy is abandoned with the build."""


_ALL_WRITTEN = ""


class _DuckdbCopyBuilder:
    """Builds the version's warehouse.duckdb on a thread of its own while the Parquet files are written.

    Storing rows in DuckDB's format costs about as much as writing them to Parquet (most of it
    compressing the key columns) and runs on one core, so the copy takes each part as soon as its
    file is written instead of after the last one: the two overlap. The copy reads only files of the
    version being built, never the warehouse, so it needs no lock. `finish` waits for it and raises
    what it raised; `abort` stops it when writing failed.
    """

    def __init__(self, build_copy: Callable[..., None]) -> None:
        """`build_copy(wait_for=, connected=)` builds the copy, reading a written file once `wait_for` returns."""
        self._written: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None

        def build() -> None:
            try:
                build_copy(wait_for=self._wait_for, connected=self._connected)
            except BaseException as error:  # handed to the publishing thread by finish()
                self._error = error

        self._thread = threading.Thread(target=build, name="publish-duckdb-copy", daemon=True)
        self._thread.start()

    def written(self, path: str) -> None:
        self._written.put(path)

    def finish(self) -> None:
        self._written.put(_ALL_WRITTEN)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        self._written.put(None)
        connection = self._connection
        if connection is not None:
            # Stops a statement under way; the thread then finds the abort at its next file.
            with contextlib.suppress(duckdb.Error):
                connection.interrupt()
        self._thread.join()

    def _connected(self, connection: duckdb.DuckDBPyConnection) -> None:
        self._connection = connection

    def _wait_for(self, path: str) -> None:
        """Block until `path` is written; files are written in the order the copy takes them."""
        announced = self._written.get()
        if announced is None:
            raise _CopyAborted(path)
        if announced != path:
            raise RuntimeError(f"Parquet-filen {path} väntades men {announced or 'inga fler'} skrevs.")


def _build_duckdb_copy(
    settings: Settings,
    staging: Path,
    export: Export,
    *,
    current: Mapping[str, Any],
    previous_dir: Path | None,
    version: str,
    run_id: str,
    wait_for: Callable[[str], None],
    connected: Callable[[duckdb.DuckDBPyConnection], None],
) -> None:
    """The version's warehouse.duckdb, with the same tables and rows as the version's Parquet files.

    When most rows are unchanged it starts as a copy of the previous version's file: a table whose
    structure is unchanged loses the rows of its changed parts and gets the new parts' rows; other
    changed tables are replaced whole. Otherwise it is written fresh, which is then cheaper.
    A file written for this version is read once `wait_for(path)` returns; a shared one at once.
    """
    database = staging / "warehouse.duckdb"
    previous_tables: Mapping[str, Any] = current.get("tables", {})
    kept = {
        table
        for table, info in export.tables.items()
        if previous_tables.get(table, {}).get("structure") == info.structure
        and any(file.reused_from is not None for file in info.files)
    }
    rows_to_insert = sum(
        file.rows
        for table, info in export.tables.items()
        for file in info.files
        if table not in kept or file.reused_from is None
    )
    previous = previous_dir / "warehouse.duckdb" if previous_dir is not None else None
    if kept and previous is not None and previous.is_file() and 2 * rows_to_insert <= sum(export.rows_by_table.values()):
        shutil.copyfile(previous, database)
    else:
        kept = set()
    spill = staging / ".spill"
    connection = duckdb.connect(str(database), config={**settings.duckdb_config(), "temp_directory": str(spill)})
    connected(connection)
    try:
        for table in _main_tables(connection):
            if table not in kept:
                connection.execute(f"drop table {_quoted(table)}")
        for table in kept:
            info = export.tables[table]
            shared_parts = {str(file.part) for file in info.files if file.reused_from is not None}
            columns = connection.execute(f"describe {_quoted(table)}").fetchall()
            stale = [
                _part_condition(info.partitioned_by, [row[:2] for row in columns], file["part"])
                for file in previous_tables[table]["files"]
                if str(file["part"]) not in shared_parts
            ]
            if stale:
                connection.execute(f"delete from {_quoted(table)} where {' or '.join(stale)}")
        # Blocks freed by the drops and deletes are reused by the rows written below only after a
        # checkpoint; without it every replaced part would leave its old size behind in the file.
        connection.execute("checkpoint")
        for table, info in export.tables.items():
            created = table in kept
            # Parts in partition order: a table written fresh holds its rows in the order of its files.
            for file in info.files:
                if table in kept and file.reused_from is not None:
                    continue
                if file.reused_from is None:
                    wait_for(file.path)
                source = f"read_parquet({_literal(str(staging / file.path))})"
                if created:
                    connection.execute(f"insert into {_quoted(table)} select * from {source}")
                else:
                    connection.execute(f"create table {_quoted(table)} as select * from {source}")
                    created = True
        wait_for(_ALL_WRITTEN)
        _apply_comments(connection, export)
        connection.execute(
            f"create table {PUBLICATION_TABLE} as select ? as version, ? as run_id, current_timestamp as published_at",
            [version, run_id],
        )
        connection.execute("checkpoint")
    finally:
        connection.close()
        shutil.rmtree(spill, ignore_errors=True)


def _main_tables(connection: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0]
        for row in connection.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()
    ]


def _apply_comments(connection: duckdb.DuckDBPyConnection, export: Export) -> None:
    """Give every table and column the description it has now, changing only those that differ."""
    wanted_tables = {table: export.table_comments.get(table) for table in export.tables}
    wanted_columns = {(table, column): comment for table, column, comment in export.column_comments}
    for table, comment in connection.execute(
        "select table_name, comment from duckdb_tables() where schema_name = 'main'"
    ).fetchall():
        if table in wanted_tables and wanted_tables[table] != comment:
            connection.execute(f"comment on table {_quoted(table)} is {_literal_or_null(wanted_tables[table])}")
    for table, column, comment in connection.execute(
        "select table_name, column_name, comment from duckdb_columns() where schema_name = 'main'"
    ).fetchall():
        if table not in wanted_tables:
            continue
        wanted = SUPPRESSION_COMMENT if column == "is_suppressed" else wanted_columns.get((table, column))
        if wanted != comment:
            connection.execute(
                f"comment on column {_quoted(table)}.{_quoted(column)} is {_literal_or_null(wanted)}"
            )


def _manifest(staging: Path, version: str, run_id: str, export: Export) -> dict[str, Any]:
    return {
        "version": version,
        "run_id": run_id,
        "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "fingerprint": export.fingerprint,
        "tables": {
            table: {
                "rows": info.rows,
                "parquet": info.parquet,
                "partitioned_by": info.partitioned_by,
                "fingerprint": info.fingerprint,
                "structure": info.structure,
                "reused_from": info.reused_from,
                "files": [
                    {
                        "path": file.path,
                        "part": file.part,
                        "rows": file.rows,
                        "sha256": file.sha256,
                        "fingerprint": file.fingerprint,
                        "reused_from": file.reused_from,
                    }
                    for file in info.files
                ],
            }
            for table, info in export.tables.items()
        },
        "duckdb": {"path": "warehouse.duckdb", "sha256": _sha256(staging / "warehouse.duckdb")},
    }


def _with_checksums(export: Export, staging: Path) -> Export:
    tables = {
        table: replace(
            info,
            files=tuple(
                file if file.sha256 is not None else replace(file, sha256=_sha256(staging / file.path))
                for file in info.files
            ),
        )
        for table, info in export.tables.items()
    }
    return replace(export, tables=tables)


def _switch_current(publish_dir: Path, version: str) -> None:
    point_link_at(current_link(publish_dir), Path("versions") / version)


def prune_versions(publish_dir: Path, *, keep: int = VERSIONS_KEPT) -> list[str]:
    """Remove versions beyond the newest `keep`, except the current one and any a reader has open."""
    versions = versions_dir(publish_dir)
    current = current_version(publish_dir)
    names = sorted((path.name for path in versions.iterdir() if VERSION_PATTERN.match(path.name)), reverse=True)
    candidates = [name for name in names[keep:] if name != current]
    if not candidates:
        return []
    in_use = _directories_in_use([versions / name for name in candidates])
    removed = []
    for name in candidates:
        if versions / name in in_use:
            continue
        shutil.rmtree(versions / name, onerror=_make_writable_and_retry)
        removed.append(name)
    return removed


def _directories_in_use(directories: list[Path]) -> set[Path]:
    """Which of `directories` hold a file some process has open (as far as this user may see)."""
    resolved = {directory.resolve(): directory for directory in directories}
    in_use: set[Path] = set()
    for process in psutil.process_iter():
        try:
            open_files = process.open_files()
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
        for open_file in open_files:
            for parent in Path(open_file.path).parents:
                if parent in resolved:
                    in_use.add(resolved[parent])
                    break
    return in_use


def _remove_abandoned_builds(versions: Path) -> None:
    """A build directory whose publishing process is gone was left by a crash."""
    for path in versions.glob(f"{BUILDING_PREFIX}*"):
        pid = path.name.rsplit("-", 1)[-1]
        if not (pid.isdigit() and psutil.pid_exists(int(pid)) and int(pid) != os.getpid()):
            shutil.rmtree(path, onerror=_make_writable_and_retry)


def _make_read_only(directory: Path) -> None:
    read_only = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    writable = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    for path in directory.rglob("*"):
        # A file shared with the previous version is read-only already, and may belong to another user.
        if path.is_file() and path.stat().st_mode & writable:
            path.chmod(read_only)


def _make_writable_and_retry(function: Any, path: str, _error: Any) -> None:
    os.chmod(os.path.dirname(path), stat.S_IRWXU)
    function(path)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def _digest(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _literal_or_null(text: str | None) -> str:
    return "null" if text is None else _literal(text)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
