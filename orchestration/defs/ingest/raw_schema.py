"""DDL of the raw schema (docs/architecture.md). Idempotent: safe to run before every load."""

from __future__ import annotations

import duckdb

from orchestration.defs.ingest.contracts import CSV_KINDS, DUCKDB_TYPES, LINEAGE_COLUMNS, FileKind
from orchestration.warehouse import transaction

KOLADA_SNAPSHOT_COLUMNS = "_snapshot_id BIGINT NOT NULL, _snapshot_date DATE NOT NULL, _source_file VARCHAR NOT NULL"

KOLADA_TABLES: dict[str, str] = {
    "kolada_values": (
        "kpi VARCHAR NOT NULL, municipality VARCHAR NOT NULL, period INTEGER NOT NULL, gender VARCHAR NOT NULL, "
        "value DOUBLE, count INTEGER, status VARCHAR, isdeleted BOOLEAN"
    ),
    "kolada_kpis": (
        "id VARCHAR NOT NULL, title VARCHAR, description VARCHAR, is_divided_by_gender BOOLEAN, "
        "municipality_type VARCHAR, auspice VARCHAR, operating_area VARCHAR, perspective VARCHAR, "
        "prel_publication_date VARCHAR, publication_date VARCHAR, publ_period VARCHAR, has_ou_data BOOLEAN"
    ),
    "kolada_municipalities": "id VARCHAR NOT NULL, title VARCHAR, type VARCHAR",
    "kolada_municipality_groups": "id VARCHAR NOT NULL, title VARCHAR, member_id VARCHAR, member_title VARCHAR",
}

BOOKKEEPING_TABLES: dict[str, str] = {
    "load_log": (
        "load_id BIGINT NOT NULL, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, source_kind VARCHAR NOT NULL, "
        "kommunkod VARCHAR, encoding VARCHAR, rows_read BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, "
        "rows_quarantined BIGINT NOT NULL, unknown_columns VARCHAR, outcome VARCHAR NOT NULL, message VARCHAR, "
        "loaded_at TIMESTAMP NOT NULL"
    ),
    "quarantine": (
        "load_id BIGINT NOT NULL, file_name VARCHAR NOT NULL, source_kind VARCHAR NOT NULL, line_number BIGINT, "
        "raw_text VARCHAR, reason VARCHAR NOT NULL, quarantined_at TIMESTAMP NOT NULL"
    ),
    # What `csv_loader.inspect_file` found in a landing file, by name, size and modification time:
    # a file already loaded is then skipped without reading it again (csv_loader._inspect).
    "file_inspections": (
        "file_name VARCHAR NOT NULL, size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL, sha256 VARCHAR NOT NULL, "
        "encoding VARCHAR NOT NULL, physical_lines BIGINT NOT NULL, has_quotes BOOLEAN NOT NULL"
    ),
    "kolada_snapshots": (
        "snapshot_id BIGINT NOT NULL, snapshot_date DATE NOT NULL, content_sha256 VARCHAR NOT NULL, "
        "file_count INTEGER NOT NULL, loaded_at TIMESTAMP NOT NULL"
    ),
}


def csv_table_columns(kind: FileKind) -> str:
    columns = [f"{column.raw_name} {DUCKDB_TYPES[column.type]}" for column in kind.columns]
    columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS]
    return ", ".join(columns)


def versions_table(kind: FileKind) -> str:
    return f"{kind.name}_versions"


def snapshots_table(kind: FileKind) -> str:
    return f"{kind.name}_snapshots"


def spans_table(kind: FileKind) -> str:
    return f"{kind.name}_version_spans"


def equal_columns(left: str, right: str, names: tuple[str, ...] | list[str]) -> str:
    return " and ".join(f"{left}.{name} = {right}.{name}" for name in names)


def _create_snapshot_storage(connection: duckdb.DuckDBPyConnection, kind: FileKind) -> None:
    """Snapshots stored as changes, read through a view with the columns of an ordinary raw table.

    A monthly full snapshot repeats almost every row of the month before.
    `<kind>_versions` holds each distinct content of a row once.
    `<kind>_snapshots` has one row per delivered file and series (municipality)
    with the snapshot's date and the file's lineage, numbered 1, 2, … within
    its series in the order of loading. `<kind>_version_spans` says in which
    snapshots a version was delivered, and on which line: a version seen on the
    same line in consecutive snapshots of its series is one span, so an
    unchanged record costs nothing per further snapshot. A span still
    delivered in the latest snapshot of its series is open (`last_sequence`
    NULL), so a new snapshot touches only what changed. The view expands the
    spans against the snapshots, which gives back every delivered row with its
    own file, line and load.
    """
    snapshot = kind.column(kind.snapshot_column)
    series_columns = [kind.column(name) for name in kind.snapshot_series]
    version_columns = [f"{column.raw_name} {DUCKDB_TYPES[column.type]}" for column in kind.columns if column is not snapshot]
    lineage = dict(LINEAGE_COLUMNS)
    series_ddl = ", ".join(f"{column.raw_name} {DUCKDB_TYPES[column.type]} NOT NULL" for column in series_columns)
    connection.execute(
        f"create table if not exists raw.{versions_table(kind)} (version_id BIGINT NOT NULL, {', '.join(version_columns)})"
    )
    connection.execute(
        f"create table if not exists raw.{snapshots_table(kind)} ({series_ddl}, sequence BIGINT NOT NULL, "
        f"{snapshot.raw_name} {DUCKDB_TYPES[snapshot.type]} NOT NULL, _source_file {lineage['_source_file']}, "
        f"_load_id {lineage['_load_id']}, _loaded_at {lineage['_loaded_at']})"
    )
    connection.execute(
        f"create table if not exists raw.{spans_table(kind)} (version_id BIGINT NOT NULL, "
        f"_source_line {lineage['_source_line']}, first_sequence BIGINT NOT NULL, last_sequence BIGINT)"
    )
    tables = dict(
        connection.execute(
            "select table_name, table_type from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    )
    if tables.get(kind.name) == "BASE TABLE":
        _migrate_full_snapshots(connection, kind)
    elif f"{kind.name}_snapshot_rows" in tables:
        _migrate_snapshot_rows(connection, kind)
    columns = [
        f"snapshots.{column.raw_name}" if column is snapshot else f"versions.{column.raw_name}" for column in kind.columns
    ]
    columns += [f"spans.{name}" if name == "_source_line" else f"snapshots.{name}" for name, _ in LINEAGE_COLUMNS]
    series = [column.raw_name for column in series_columns]
    connection.execute(
        f"create or replace view raw.{kind.name} as select {', '.join(columns)} "
        f"from raw.{spans_table(kind)} as spans "
        f"join raw.{versions_table(kind)} as versions on versions.version_id = spans.version_id "
        f"join raw.{snapshots_table(kind)} as snapshots on {equal_columns('snapshots', 'versions', series)} "
        f"and snapshots.sequence >= spans.first_sequence "
        f"and (spans.last_sequence is null or snapshots.sequence <= spans.last_sequence)"
    )


def _store_delivered_rows(connection: duckdb.DuckDBPyConnection, kind: FileKind, delivered: str) -> None:
    """Snapshots and spans of `delivered` (version_id, series, snapshot date and lineage of every row)."""
    series = ", ".join(kind.snapshot_series)
    snapshot = kind.snapshot_column
    connection.execute(
        f"insert into raw.{snapshots_table(kind)} ({series}, sequence, {snapshot}, _source_file, _load_id, _loaded_at) "
        f"select {series}, row_number() over (partition by {series} order by _load_id, {snapshot}), "
        f"{snapshot}, _source_file, _load_id, _loaded_at "
        f"from (select distinct {series}, {snapshot}, _source_file, _load_id, _loaded_at from {delivered})"
    )
    # Gaps and islands: within one version and line, consecutive sequence numbers form one span.
    connection.execute(
        f"insert into raw.{spans_table(kind)} (version_id, _source_line, first_sequence, last_sequence) "
        f"select version_id, _source_line, min(sequence), "
        f"case when max(sequence) = any_value(latest) then null else max(sequence) end from ("
        f"select delivered.version_id, delivered._source_line, snapshots.sequence, snapshots.sequence - row_number() "
        f"over (partition by delivered.version_id, delivered._source_line order by snapshots.sequence) as island, "
        f"max(snapshots.sequence) over (partition by {', '.join(f'snapshots.{name}' for name in kind.snapshot_series)}) "
        f"as latest "
        f"from {delivered} as delivered join raw.{snapshots_table(kind)} as snapshots "
        f"on {equal_columns('snapshots', 'delivered', list(kind.snapshot_series) + [snapshot, '_load_id'])}) "
        f"group by version_id, _source_line, island order by min(sequence), version_id"
    )


def _migrate_full_snapshots(connection: duckdb.DuckDBPyConnection, kind: FileKind) -> None:
    """A warehouse from before snapshots were stored as changes: move its full copies over once."""
    content = ", ".join(kind.versioned_columns)
    matches = " and ".join(f"versions.{name} is not distinct from old.{name}" for name in kind.versioned_columns)
    lineage = ", ".join(f"old.{name}" for name, _ in LINEAGE_COLUMNS)
    series = ", ".join(f"old.{name}" for name in kind.snapshot_series)
    with transaction(connection):
        connection.execute(
            f"insert into raw.{versions_table(kind)} (version_id, {content}) "
            f"select row_number() over (order by {content}), {content} from (select distinct {content} from raw.{kind.name})"
        )
        connection.execute(
            f"create or replace temp table _delivered_snapshot_rows as "
            f"select versions.version_id, {series}, old.{kind.snapshot_column}, {lineage} from raw.{kind.name} as old "
            f"join raw.{versions_table(kind)} as versions on {matches}"
        )
        _store_delivered_rows(connection, kind, "_delivered_snapshot_rows")
        connection.execute("drop table _delivered_snapshot_rows")
        connection.execute(f"drop table raw.{kind.name}")


def _migrate_snapshot_rows(connection: duckdb.DuckDBPyConnection, kind: FileKind) -> None:
    """A warehouse with one narrow row per record and snapshot (the layout before spans): fold them into spans once."""
    old = f"raw.{kind.name}_snapshot_rows"
    series = ", ".join(f"versions.{name}" for name in kind.snapshot_series)
    lineage = ", ".join(f"snapshot_rows.{name}" for name, _ in LINEAGE_COLUMNS)
    with transaction(connection):
        connection.execute(
            f"create or replace temp table _delivered_snapshot_rows as "
            f"select versions.version_id, {series}, snapshot_rows.{kind.snapshot_column}, {lineage} "
            f"from {old} as snapshot_rows join raw.{versions_table(kind)} as versions using (version_id)"
        )
        _store_delivered_rows(connection, kind, "_delivered_snapshot_rows")
        connection.execute("drop table _delivered_snapshot_rows")
        connection.execute(f"drop view if exists raw.{kind.name}")
        connection.execute(f"drop table {old}")


def create_raw_schema(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("create schema if not exists raw")
    tables = {name: csv_table_columns(kind) for name, kind in CSV_KINDS.items() if kind.snapshot_column is None}
    tables |= {name: f"{columns}, {KOLADA_SNAPSHOT_COLUMNS}" for name, columns in KOLADA_TABLES.items()}
    tables |= BOOKKEEPING_TABLES
    for name, columns in tables.items():
        connection.execute(f"create table if not exists raw.{name} ({columns})")
    for kind in CSV_KINDS.values():
        if kind.snapshot_column is not None:
            _create_snapshot_storage(connection, kind)
