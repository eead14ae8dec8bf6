"""DDL of the raw schema (docs/architecture.md). Idempotent: safe to run before every load."""

from __future__ import annotations

import duckdb

from orchestration.defs.ingest.contracts import CSV_KINDS, DUCKDB_TYPES, LINEAGE_COLUMNS, FileKind

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


def snapshot_rows_table(kind: FileKind) -> str:
    return f"{kind.name}_snapshot_rows"


def _create_snapshot_storage(connection: duckdb.DuckDBPyConnection, kind: FileKind) -> None:
    """Snapshots stored as changes, read through a view with the columns of an ordinary raw table.

    A monthly full snapshot repeats almost every row of the month before. Each
    distinct content of a row is stored once in `<kind>_versions`; each
    snapshot adds only a narrow row per record in `<kind>_snapshot_rows`
    (date, version, lineage), which compresses to a few bytes because the
    date, file and load are constant within a snapshot and lines count up.
    """
    snapshot = kind.column(kind.snapshot_column)
    version_columns = [f"{column.raw_name} {DUCKDB_TYPES[column.type]}" for column in kind.columns if column is not snapshot]
    connection.execute(
        f"create table if not exists raw.{versions_table(kind)} (version_id BIGINT NOT NULL, {', '.join(version_columns)})"
    )
    lineage = ", ".join(f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS)
    connection.execute(
        f"create table if not exists raw.{snapshot_rows_table(kind)} "
        f"({snapshot.raw_name} {DUCKDB_TYPES[snapshot.type]} NOT NULL, version_id BIGINT NOT NULL, {lineage})"
    )
    existing = connection.execute(
        "select table_type from information_schema.tables where table_schema = 'raw' and table_name = $name",
        {"name": kind.name},
    ).fetchall()
    if existing and existing[0][0] == "BASE TABLE":
        _migrate_full_snapshots(connection, kind)
    columns = [
        f"snapshot_rows.{column.raw_name}" if column is snapshot else f"versions.{column.raw_name}" for column in kind.columns
    ]
    columns += [f"snapshot_rows.{name}" for name, _ in LINEAGE_COLUMNS]
    connection.execute(
        f"create or replace view raw.{kind.name} as select {', '.join(columns)} "
        f"from raw.{snapshot_rows_table(kind)} as snapshot_rows "
        f"join raw.{versions_table(kind)} as versions on versions.version_id = snapshot_rows.version_id"
    )


def _migrate_full_snapshots(connection: duckdb.DuckDBPyConnection, kind: FileKind) -> None:
    """A warehouse from before snapshots were stored as changes: move its full copies over once."""
    content = ", ".join(kind.versioned_columns)
    matches = " and ".join(f"versions.{name} is not distinct from old.{name}" for name in kind.versioned_columns)
    lineage = ", ".join(f"old.{name}" for name, _ in LINEAGE_COLUMNS)
    connection.execute("begin transaction")
    try:
        connection.execute(
            f"insert into raw.{versions_table(kind)} (version_id, {content}) "
            f"select row_number() over (order by {content}), {content} from (select distinct {content} from raw.{kind.name})"
        )
        connection.execute(
            f"insert into raw.{snapshot_rows_table(kind)} "
            f"select old.{kind.snapshot_column}, versions.version_id, {lineage} from raw.{kind.name} as old "
            f"join raw.{versions_table(kind)} as versions on {matches} order by old._load_id, old._source_line"
        )
        connection.execute(f"drop table raw.{kind.name}")
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise


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
