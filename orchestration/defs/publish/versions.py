"""Versioned, atomically swapped publications of the marts for BI tools.

Layout under PUBLISH_DIR:

    current -> versions/<version>        a relative symlink, replaced atomically
    versions/<version>/
        marts/<table>.parquet            one file per mart and dimension
        warehouse.duckdb                 the same tables, for tools that speak DuckDB
        quality/                         the run's GX Data Docs and overview page
        validation_summary.json          outcome of every suite that gated this version
        manifest.json                    version, tables, row counts, checksums, fingerprints (written last)

A version rewrites only the marts that changed. Each table's fingerprint (columns, comments,
row count, an order-independent digest of its rows, the file layout) is recorded in the
manifest; a table whose fingerprint equals the current version's shares that version's
Parquet file (a hard link: files are never modified once published), and warehouse.duckdb
starts as a copy of the current one with only the changed tables replaced. When no table
changed, no version is made at all.

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

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Mapping
from dataclasses import dataclass
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
SORT_COLUMNS = ("municipality_id", "metric_id", "kpi_id", "year", "period", "snapshot_date")
PARQUET_OPTIONS = "format parquet, compression zstd, row_group_size 122880"


class PublishRefused(RuntimeError):
    """Publishing would expose data that did not pass its checks, or there is nothing to publish."""


@dataclass(frozen=True)
class Publication:
    version: str
    path: Path
    rows_by_table: dict[str, int]
    unchanged: bool = False  # the marts held what the current version holds; nothing was written
    reused_tables: tuple[str, ...] = ()  # unchanged since the previous version, whose files were shared


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
    (staging / "marts").mkdir(parents=True)
    try:
        export = _export_marts(settings, staging / "marts", current=current)
        if export is None:
            shutil.rmtree(staging)
            return Publication(
                version=current["version"],
                path=versions / current["version"],
                rows_by_table={table: info["rows"] for table, info in current["tables"].items()},
                unchanged=True,
            )
        previous_dir = versions / current["version"] if current else None
        _build_duckdb_copy(settings, staging, export, previous_dir=previous_dir, version=version, run_id=run_id)
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
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _switch_current(publish_dir, version)
    prune_versions(publish_dir, keep=keep)
    return Publication(
        version=version,
        path=final,
        rows_by_table=export.rows_by_table,
        reused_tables=tuple(sorted(export.reused_tables)),
    )


@dataclass(frozen=True)
class PublishedTable:
    rows: int
    fingerprint: str
    reused_from: str | None  # the version whose file this version shares; None when written now
    sha256: str | None  # known up front for a shared file, computed after the lock is released otherwise


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


def _current_manifest(publish_dir: Path) -> dict[str, Any]:
    if current_version(publish_dir) is None:
        return {}
    return json.loads((current_link(publish_dir) / "manifest.json").read_text(encoding="utf-8"))


def _export_marts(settings: Settings, target: Path, *, current: Mapping[str, Any]) -> Export | None:
    """Copy each changed mart to Parquet while holding the warehouse lock; None when nothing changed.

    A mart whose fingerprint equals the one the current version recorded for it is not written again:
    the current version's file is hard-linked (or copied, where links are impossible) into the new one.
    """
    previous_dir = versions_dir(settings.publish_dir) / current["version"] if current else None
    previous_tables: Mapping[str, Any] = current.get("tables", {})
    with warehouse_connection(settings, read_only=True) as connection:
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
        plans: dict[str, tuple[str, int, str]] = {}
        for table in published:
            columns = [
                (name, data_type)
                for name, data_type in connection.execute(
                    "select column_name, data_type from duckdb_columns() where schema_name = ? and table_name = ? "
                    "order by column_index",
                    [MART_SCHEMA, table],
                ).fetchall()
                if name not in PERSONAL_COLUMNS
            ]
            sort_columns = [name for name in SORT_COLUMNS if name in dict(columns)]
            select = published_select(MART_SCHEMA, table, columns)
            rows, row_digest = _row_digest(connection, select, columns)
            if sort_columns:
                select += f" order by {', '.join(_quoted(name) for name in sort_columns)}"
            fingerprint = _digest(
                {
                    "columns": columns,
                    "rows": rows,
                    "row_digest": row_digest,
                    "comment": table_comments.get(table),
                    "column_comments": [entry[1:] for entry in column_comments if entry[0] == table],
                    "layout": [PARQUET_OPTIONS, sort_columns],
                }
            )
            plans[table] = (select, rows, fingerprint)
        fingerprint = _digest({table: plan[2] for table, plan in plans.items()})
        if fingerprint == current.get("fingerprint"):
            return None
        exported: dict[str, PublishedTable] = {}
        for table, (select, rows, table_fingerprint) in plans.items():
            parquet = target / f"{table}.parquet"
            previous = previous_tables.get(table, {})
            if (
                previous_dir is not None
                and previous.get("fingerprint") == table_fingerprint
                and _share(previous_dir / previous["parquet"], parquet)
            ):
                exported[table] = PublishedTable(rows, table_fingerprint, current["version"], previous["sha256"])
            else:
                connection.execute(f"copy ({select}) to '{_sql_path(parquet)}' ({PARQUET_OPTIONS})")
                exported[table] = PublishedTable(rows, table_fingerprint, None, None)
    return Export(
        tables=exported,
        table_comments=table_comments,
        column_comments=column_comments,
        fingerprint=fingerprint,
    )


def _row_digest(
    connection: duckdb.DuckDBPyConnection, select: str, columns: list[tuple[str, str]]
) -> tuple[int, str]:
    """Row count and an order-independent digest of every row: same rows, same digest."""
    digest_columns = ", ".join(stable_value_sql(_quoted(name), data_type) for name, data_type in columns)
    rows, row_digest = connection.execute(
        f"select count(*), coalesce(sum(hash(row_values)::hugeint), 0) "
        f"from (select {digest_columns} from ({select})) as row_values"
    ).fetchone()
    return rows, str(row_digest)


def _share(source: Path, target: Path) -> bool:
    """Put the previous version's file at `target` without rewriting it; False if it is gone."""
    if not source.is_file():
        return False
    try:
        os.link(source, target)
    except OSError:
        # A file system without hard links (or a publish dir spanning devices): copy the bytes.
        shutil.copyfile(source, target)
    return True


def _build_duckdb_copy(
    settings: Settings, staging: Path, export: Export, *, previous_dir: Path | None, version: str, run_id: str
) -> None:
    """The version's warehouse.duckdb: the previous one with its changed tables replaced, when one can be reused."""
    database = staging / "warehouse.duckdb"
    reused = export.reused_tables
    previous = previous_dir / "warehouse.duckdb" if previous_dir is not None else None
    if reused and previous is not None and previous.is_file():
        shutil.copyfile(previous, database)
    else:
        reused = set()
    spill = staging / ".spill"
    connection = duckdb.connect(str(database), config={**settings.duckdb_config(), "temp_directory": str(spill)})
    try:
        stale = [
            row[0]
            for row in connection.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()
            if row[0] not in reused
        ]
        for table in stale:
            connection.execute(f"drop table {_quoted(table)}")
        # Blocks freed by the drops are reused by the tables created below only after a checkpoint;
        # without it every replaced table would leave its old size behind in the file.
        connection.execute("checkpoint")
        written = [table for table in export.tables if table not in reused]
        for table in written:
            parquet = staging / "marts" / f"{table}.parquet"
            connection.execute(f"create table {_quoted(table)} as select * from read_parquet('{_sql_path(parquet)}')")
        for table, comment in export.table_comments.items():
            if table in written:
                connection.execute(f"comment on table {_quoted(table)} is {_literal(comment)}")
        for table, column, comment in export.column_comments:
            if table in written:
                connection.execute(f"comment on column {_quoted(table)}.{_quoted(column)} is {_literal(comment)}")
        for table in written:
            columns = {row[0] for row in connection.execute(f"describe {_quoted(table)}").fetchall()}
            if "is_suppressed" in columns:
                connection.execute(f"comment on column {_quoted(table)}.is_suppressed is {_literal(SUPPRESSION_COMMENT)}")
        connection.execute(
            f"create table {PUBLICATION_TABLE} as select ? as version, ? as run_id, current_timestamp as published_at",
            [version, run_id],
        )
        connection.execute("checkpoint")
    finally:
        connection.close()
        shutil.rmtree(spill, ignore_errors=True)


def _manifest(staging: Path, version: str, run_id: str, export: Export) -> dict[str, Any]:
    return {
        "version": version,
        "run_id": run_id,
        "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "fingerprint": export.fingerprint,
        "tables": {
            table: {
                "rows": info.rows,
                "parquet": f"marts/{table}.parquet",
                "sha256": info.sha256 or _sha256(staging / "marts" / f"{table}.parquet"),
                "fingerprint": info.fingerprint,
                "reused_from": info.reused_from,
            }
            for table, info in export.tables.items()
        },
        "duckdb": {"path": "warehouse.duckdb", "sha256": _sha256(staging / "warehouse.duckdb")},
    }


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


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
