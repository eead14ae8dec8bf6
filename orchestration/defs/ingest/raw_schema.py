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


def create_raw_schema(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("create schema if not exists raw")
    tables = {name: csv_table_columns(kind) for name, kind in CSV_KINDS.items()}
    tables |= {name: f"{columns}, {KOLADA_SNAPSHOT_COLUMNS}" for name, columns in KOLADA_TABLES.items()}
    tables |= BOOKKEEPING_TABLES
    for name, columns in tables.items():
        connection.execute(f"create table if not exists raw.{name} ({columns})")
