"""Loads one CSV delivery into its typed raw table, with quarantine and load log.

DuckDB's own CSV reader plus set-based SQL do all per-row work. A clean file
is typed in one pass straight from the scan (`_load_clean`); a file with a
defect falls back to the text path (`_stage`, `_apply`), which keeps a text
copy so quarantined rows carry their raw text and exact line. Both use the
same expressions, so a clean file gives the same rows either way. Python only
streams the file once (sha256, encoding detection, line count), transcodes
Windows-1252 to UTF-8 when needed, and, on the text path, computes record line
numbers when blank lines occur.

Everything that changes the warehouse for one file happens in one transaction.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from orchestration.defs.ingest.contracts import Column, FileKind
from orchestration.defs.ingest.privacy import MASK, hmac_pads, mask, mask_sql, person_hash_sql
from orchestration.defs.ingest.raw_schema import equal_columns, snapshots_table, spans_table, versions_table
from orchestration.warehouse import transaction

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

_CHUNK_BYTES = 8 * 1024 * 1024
# A file's modification time is trusted once it is this old (FAT keeps it to 2 s).
_SETTLED_NS = 3_000_000_000
_STAGED = "_ingest_staged"
_TYPED = "_ingest_typed"
_TYPED_ROWS = "_ingest_typed_rows"
_TYPED_LINES = "_ingest_typed_lines"
_LINES = "_ingest_lines"
_REJECT_ERRORS = "_ingest_reject_errors"
_REJECT_SCANS = "_ingest_reject_scans"
_DELIVERED = "_ingest_delivered_versions"
_CUT = "_ingest_cut_spans"
_MATCHED = "_ingest_matched_versions"
_NEW_SNAPSHOTS = "_ingest_new_snapshots"
_CLOSING = "_ingest_closing_spans"
# Quoted values in reasons are cut so one broken field cannot flood the log.
_ECHO_CHARS = 60


class CsvFileError(Exception):
    """The delivery cannot be loaded at all; the file is rejected whole (message in Swedish)."""


@dataclass(frozen=True)
class FileInspection:
    sha256: str
    encoding: str  # utf-8, utf-8-sig or cp1252
    physical_lines: int  # lines up to the last non-blank one
    has_quotes: bool  # without a quote character no record can span several lines


@dataclass
class FileResult:
    file_name: str
    kind: str
    sha256: str
    outcome: str  # loaded, rejected, skipped (content seen before; see previous_outcome)
    encoding: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    unknown_columns: tuple[str, ...] = ()
    message: str | None = None
    previous_outcome: str | None = None
    load_id: int | None = None
    fast_path: bool = False  # typed in one pass; False: staged as text (defects, or skipped/rejected)

    @property
    def is_rejected(self) -> bool:
        return self.outcome == "rejected" or self.previous_outcome == "rejected"

    def as_metadata(self) -> dict[str, object]:
        return {
            "outcome": self.outcome if self.outcome != "skipped" else f"skipped (already {self.previous_outcome})",
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "unknown_columns": list(self.unknown_columns),
            "encoding": self.encoding,
            "message": self.message,
        }


@dataclass(frozen=True)
class _Header:
    positions: dict[str, int]  # contract column -> field index
    field_count: int
    unknown: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _Reject:
    record: int  # DuckDB's record number (header = 1, blank lines counted)
    byte_position: int
    error_type: str
    error_message: str
    csv_line: str


def inspect_file(path: Path) -> FileInspection:
    """One streamed pass: sha256, encoding and line count, without holding the file in memory."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    newlines = 0
    has_quotes = False
    head = b""
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
            newlines += chunk.count(b"\n")
            has_quotes = has_quotes or b'"' in chunk
            head = head or chunk[:3]
            tail = (tail + chunk)[-65536:]
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    content = tail.rstrip(b"\r\n")
    trailing_newlines = tail[len(content) :].count(b"\n")
    physical_lines = newlines - trailing_newlines + (1 if content else 0)
    if is_utf8:
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    else:
        encoding = "cp1252"
    return FileInspection(
        sha256=digest.hexdigest(), encoding=encoding, physical_lines=max(physical_lines, 0), has_quotes=has_quotes
    )


def _inspect(connection: duckdb.DuckDBPyConnection, path: Path) -> FileInspection:
    """`inspect_file`, remembered by file name, size and modification time.

    Every run looks at every file in the landing folder, and deciding that one
    was loaded before took its sha256, i.e. reading it whole: at national scale
    several GB per run, growing with every delivery kept (each monthly
    avvikelser snapshot adds 360 MB). A file whose name, size and modification
    time (nanoseconds) are unchanged is taken to have the same content, as the
    landing sensor does. A file modified within the last seconds is not
    remembered: on a file system with coarse timestamps a rewrite in the same
    tick would keep its modification time.
    """
    before = path.stat()
    known = connection.execute(
        "select sha256, encoding, physical_lines, has_quotes from raw.file_inspections "
        "where file_name = $name and size = $size and mtime_ns = $mtime_ns",
        {"name": path.name, "size": before.st_size, "mtime_ns": before.st_mtime_ns},
    ).fetchall()
    if known:
        return FileInspection(*known[0])
    inspection = inspect_file(path)
    after = path.stat()
    unchanged = (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    if unchanged and time.time_ns() - after.st_mtime_ns > _SETTLED_NS:
        with transaction(connection):
            connection.execute("delete from raw.file_inspections where file_name = $name", {"name": path.name})
            connection.execute(
                "insert into raw.file_inspections values ($name, $size, $mtime_ns, $sha256, $encoding, $lines, $quotes)",
                {
                    "name": path.name,
                    "size": after.st_size,
                    "mtime_ns": after.st_mtime_ns,
                    "sha256": inspection.sha256,
                    "encoding": inspection.encoding,
                    "lines": inspection.physical_lines,
                    "quotes": inspection.has_quotes,
                },
            )
    return inspection


def _transcode_cp1252(source: Path, target: Path) -> None:
    decoder = codecs.getincrementaldecoder("cp1252")()
    offset = 0
    with source.open("rb") as reader, target.open("w", encoding="utf-8", newline="") as writer:
        while chunk := reader.read(_CHUNK_BYTES):
            try:
                writer.write(decoder.decode(chunk))
            except UnicodeDecodeError as error:
                raise CsvFileError(
                    f"Filen {source.name} är varken UTF-8 eller Windows-1252: okänt tecken (byte 0x{chunk[error.start]:02X}) "
                    f"på byteposition {offset + error.start}."
                ) from error
            offset += len(chunk)


def _read_header(path: Path, kind: FileKind, file_name: str) -> _Header:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
    if not first_line.strip():
        raise CsvFileError(f"Filen {file_name} är tom eller saknar rubrikrad.")
    names = next(csv.reader([first_line.rstrip("\r\n")], delimiter=";", quotechar='"'))
    contract_names = {column.name for column in kind.columns}
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    unknown: list[str] = []
    for index, name in enumerate(names):
        normalised = name.strip().lower()
        if normalised in contract_names:
            if normalised in positions:
                duplicates.append(normalised)
            positions.setdefault(normalised, index)
        else:
            unknown.append(mask(name.strip()) or f"(tom rubrik i kolumn {index + 1})")
    missing = [column.name for column in kind.columns if column.required and column.name not in positions]
    if missing:
        raise CsvFileError(
            f"Filen {file_name} saknar obligatoriska kolumner: {', '.join(missing)}. Hela filen avvisades."
        )
    if duplicates:
        raise CsvFileError(
            f"Filen {file_name} har kolumnen {', '.join(sorted(set(duplicates)))} mer än en gång. Hela filen avvisades."
        )
    return _Header(positions=positions, field_count=len(names), unknown=tuple(unknown))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _field(index: int) -> str:
    return f"f{index}"


@dataclass(frozen=True)
class _ColumnSql:
    """SQL of one contract column in three nested projections, so no expression runs twice per row.

    `cleaned` (over the staged fields) trims the text once; `typed` (over the
    cleaned columns) checks and converts it once; `errors` (over the typed
    columns) only compare the results. In a single projection every regexp
    was repeated in the value and in each error condition, and the typed
    step was the slowest part of a load.
    """

    cleaned: str  # expression over staged.fN, aliased _c_<name>
    typed: list[str]  # expressions over _c_<name>, aliased _v_<name> (and _ok_<name>)
    errors: list[str]  # SQL expressions, NULL when the value is fine
    value: str  # the stored value, over the typed columns


def _without_spaces(raw: str) -> str:
    # Spaces, tabs and no-break spaces; plain replace() is cheaper than a regexp character class,
    # and most numbers have none: looking first spares them four copies (a fifth of a number's cost).
    spaces = ("' '", "chr(9)", "chr(160)", "chr(8239)")
    expression = raw
    for character in spaces:
        expression = f"replace({expression}, {character}, '')"
    found = " or ".join(f"contains({raw}, {character})" for character in spaces)
    return f"case when {found} then {expression} else {raw} end"


def _column_sql(column: Column, raw: str) -> _ColumnSql:
    label = f"kolumn {column.name}"
    cleaned = f"_c_{column.name}"
    value = f"_v_{column.name}"
    echo = f"left(nullif(trim({raw}), ''), {_ECHO_CHARS})"
    errors: list[str] = []
    null_check = f"{cleaned} is null"
    stored = value
    if column.type == "personnummer":
        # Staging already replaced the field by its hash and a state; the clear value is gone.
        cleaned_sql = "_personnummer_state"
        typed = [f"person_hash as {value}"]
        errors.append(
            f"case {cleaned} when 'invalid' then {_literal(label + ': ogiltigt format (väntade ÅÅÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN)')} end"
        )
        null_check = f"{cleaned} = 'empty'"
    elif column.type in ("decimal", "int"):
        cleaned_sql = f"nullif({_without_spaces(raw)}, '')"
        if column.type == "decimal":
            pattern, target = "[-+]?[0-9]+(,[0-9]+)?", "decimal(18,4)"
        else:
            pattern, target = "[-+]?[0-9]+", "integer"
        well_formed = f"_ok_{column.name}"
        # The cast alone would accept forms the contract does not (1e3, 1.5); the pattern decides, once.
        typed = [
            f"regexp_full_match({cleaned}, '{pattern}') as {well_formed}",
            f"try_cast(replace({cleaned}, ',', '.') as {target}) as {value}",
        ]
        stored = f"case when {well_formed} then {value} end"
        noun = "ett tal" if column.type == "decimal" else "ett heltal"
        errors.append(f"case when {cleaned} is not null and not {well_formed} then '{label}: ''' || {echo} || ''' är inte {noun}' end")
        errors.append(f"case when {well_formed} and {value} is null then '{label}: ''' || {echo} || ''' är för stort' end")
    else:
        cleaned_sql = f"nullif(trim({raw}), '')"
        message = None
        if column.type == "date":
            typed_sql = f"case when regexp_full_match({cleaned}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') then try_cast({cleaned} as date) end"
            message = "är inget giltigt datum (ÅÅÅÅ-MM-DD)"
        elif column.type == "period_month":
            typed_sql = f"case when regexp_full_match({cleaned}, '[0-9]{{4}}-(0[1-9]|1[0-2])') then {cleaned} end"
            message = "är ingen giltig period (ÅÅÅÅ-MM)"
        elif column.type == "yes_no":
            typed_sql = f"case upper({cleaned}) when 'J' then true when 'N' then false end"
            message = "ska vara J eller N"
        elif column.type == "free_text":
            typed_sql = f"case when {cleaned} is not null then {mask_sql(f'replace({raw}, chr(13) || chr(10), chr(10))')} end"
        elif column.allowed:
            # Case-insensitive match, stored in the contract's spelling.
            cases = " ".join(f"when {_literal(allowed.lower())} then {_literal(allowed)}" for allowed in column.allowed)
            typed_sql = f"case lower({cleaned}) {cases} end"
            message = f"är inte ett tillåtet värde ({', '.join(column.allowed)})"
        else:
            typed_sql = cleaned
        typed = [f"{typed_sql} as {value}"]
        if message:
            errors.append(f"case when {cleaned} is not null and {value} is null then '{label}: ''' || {echo} || ''' {message}' end")
        if column.name == "kommunkod":
            errors.append(
                f"case when {cleaned} is not null and not regexp_full_match({cleaned}, '[0-9]{{4}}') "
                f"then '{label}: ''' || {echo} || ''' är ingen fyrsiffrig kommunkod' end"
            )
    if not column.nullable:
        errors.append(f"case when {null_check} then {_literal(label + ' saknar värde')} end")
    return _ColumnSql(cleaned=f"{cleaned_sql} as {cleaned}", typed=typed, errors=errors, value=stored)


def _raw_text_sql(header: _Header, personnummer_index: int | None) -> str:
    """The record as `;`-separated text, quoted where needed, personnummer masked."""
    parts = []
    for index in range(header.field_count):
        if index == personnummer_index:
            parts.append(f"case when _personnummer_state = 'empty' then '' else {_literal(MASK)} end")
            continue
        raw = f"staged.{_field(index)}"
        parts.append(
            f"case when {raw} is null then '' "
            f"when regexp_matches({raw}, '[;\"\\n\\r]') then '\"' || replace({raw}, '\"', '\"\"') || '\"' "
            f"else {raw} end"
        )
    return mask_sql(f"concat_ws(';', {', '.join(parts)})")


def _reject_reason(reject: _Reject, field_count: int) -> str:
    if reject.error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        found = reject.error_message.rsplit("Found:", 1)[-1].strip().split()[0] if "Found:" in reject.error_message else "?"
        return f"fel antal fält: raden har {found} fält, rubriken har {field_count}"
    if reject.error_type == "UNQUOTED VALUE":
        return "ett fält med citattecken (\") avslutas inte korrekt; raden kunde inte delas upp i fält"
    return f"raden kunde inte tolkas ({reject.error_type.lower()})"


def _record_start_lines(path: Path) -> tuple[list[int], list[bool]]:
    """Physical start line and blankness of every record (header = record 1), as DuckDB numbers records.

    Only needed when records span several lines or blank lines occur; then the
    n-th loaded row is no longer on line n + 1.
    """
    csv.field_size_limit(2**31 - 1)  # free text may be long; the default 128 KiB limit would split records
    starts: list[int] = []
    blank: list[bool] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";", quotechar='"')
        previous = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:
                # Unterminated quote: the rest of the file is one record, as in DuckDB.
                starts.append(previous + 1)
                blank.append(False)
                break
            starts.append(previous + 1)
            blank.append(not row)
            previous = reader.line_num
    return starts, blank


def _line_numbers(
    path: Path, inspection: FileInspection, loaded_rows: int, rejects: list[_Reject]
) -> tuple[np.ndarray | None, dict[int, int]]:
    """Line numbers of the loaded rows (None: row n is on line n + 2) and of the rejected records."""
    rejected = {reject.record for reject in rejects}
    if inspection.physical_lines == 1 + loaded_rows + len(rejected):
        # One record per line, no blank lines: DuckDB's record number is the line number.
        if not rejected:
            return None, {}
        all_records = np.arange(2, 2 + loaded_rows + len(rejected), dtype=np.int64)
        accepted = np.setdiff1d(all_records, np.fromiter(rejected, dtype=np.int64), assume_unique=True)
        return accepted, {record: record for record in rejected}
    starts, blank = _record_start_lines(path)
    accepted_lines = [
        starts[index]
        for index in range(1, len(starts))
        if not blank[index] and (index + 1) not in rejected
    ]
    if len(accepted_lines) != loaded_rows:
        raise RuntimeError(
            f"Line numbering of {path.name} is inconsistent: {loaded_rows} rows read, {len(accepted_lines)} records found."
        )
    return np.asarray(accepted_lines, dtype=np.int64), {record: starts[record - 1] for record in rejected}


def _previous_outcome(connection: duckdb.DuckDBPyConnection, sha256: str, kind: FileKind) -> str | None:
    row = connection.execute(
        "select outcome from raw.load_log where sha256 = $sha and source_kind = $kind order by load_id desc limit 1",
        {"sha": sha256, "kind": kind.name},
    ).fetchall()
    return row[0][0] if row else None


def _next_load_id(connection: duckdb.DuckDBPyConnection) -> int:
    return connection.execute("select coalesce(max(load_id), 0) + 1 from raw.load_log").fetchall()[0][0]


def _log_file(connection: duckdb.DuckDBPyConnection, result: FileResult, kommunkod: str | None, loaded_at: datetime) -> None:
    connection.execute(
        "insert into raw.load_log (load_id, file_name, sha256, source_kind, kommunkod, encoding, rows_read, rows_loaded, "
        "rows_quarantined, unknown_columns, outcome, message, loaded_at) values "
        "($load_id, $file_name, $sha256, $kind, $kommunkod, $encoding, $rows_read, $rows_loaded, $rows_quarantined, "
        "$unknown, $outcome, $message, $loaded_at)",
        {
            "load_id": result.load_id,
            "file_name": result.file_name,
            "sha256": result.sha256,
            "kind": result.kind,
            "kommunkod": kommunkod,
            "encoding": result.encoding,
            "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded,
            "rows_quarantined": result.rows_quarantined,
            "unknown": ", ".join(result.unknown_columns) or None,
            "outcome": result.outcome,
            "message": result.message,
            "loaded_at": loaded_at,
        },
    )


def load_csv_file(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    kind: FileKind,
    pseudonym_key: bytes,
    progress: Progress | None = None,
) -> FileResult:
    """Load one delivery; the raw schema must exist. Returns what happened, never raises for bad data."""
    progress = progress or logger.info
    started = time.monotonic()
    inspection = _inspect(connection, path)
    result = FileResult(file_name=path.name, kind=kind.name, sha256=inspection.sha256, outcome="loaded", encoding=inspection.encoding)
    previous = _previous_outcome(connection, inspection.sha256, kind)
    if previous is not None:
        result.outcome, result.previous_outcome = "skipped", previous
        result.message = f"Filen {path.name} har lästs in tidigare (samma innehåll); den tillämpas inte igen."
        progress(f"{path.name}: already loaded before (same sha256), skipped")
        return result
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    with tempfile.TemporaryDirectory(prefix="omsorgslager-ingest-") as scratch:
        try:
            readable = path
            if inspection.encoding == "cp1252":
                readable = Path(scratch) / "utf8.csv"
                _transcode_cp1252(path, readable)
            header = _read_header(readable, kind, path.name)
        except CsvFileError as error:
            with transaction(connection):
                result.outcome, result.message = "rejected", str(error)
                result.load_id = _next_load_id(connection)
                _log_file(connection, result, None, loaded_at)
            progress(f"{path.name}: REJECTED: {error}")
            return result
        result.unknown_columns = header.unknown
        if header.unknown:
            progress(f"{path.name}: unknown columns not loaded: {', '.join(header.unknown)}")
        try:
            result.fast_path = _load_clean(connection, readable, kind, header, inspection, result, loaded_at, pseudonym_key)
            if not result.fast_path:
                _stage(connection, readable, kind, header, pseudonym_key)
                _apply(connection, readable, kind, header, inspection, result, loaded_at)
        finally:
            _drop_typed(connection)
            for table in (_STAGED, _REJECT_ERRORS, _REJECT_SCANS):
                connection.execute(f"drop table if exists {table}")
    progress(
        f"{path.name}: {result.rows_read} rows read, {result.rows_loaded} loaded, {result.rows_quarantined} quarantined "
        f"({inspection.encoding}, {'typed in one pass' if result.fast_path else 'staged as text'}, "
        f"{time.monotonic() - started:.1f} s)"
    )
    return result


def _drop_typed(connection: duckdb.DuckDBPyConnection) -> None:
    """The typed rows: a table, or on the one pass a view over `_TYPED_ROWS` (and `_TYPED_LINES`) that adds their lineage."""
    kinds = dict(
        connection.execute(
            "select table_name, table_type from information_schema.tables where table_catalog = 'temp'"
        ).fetchall()
    )
    if kinds.get(_TYPED) == "VIEW":
        connection.execute(f"drop view {_TYPED}")
    connection.execute(f"drop table if exists {_TYPED}")
    connection.execute(f"drop table if exists {_TYPED_ROWS}")
    connection.execute(f"drop table if exists {_TYPED_LINES}")


def _personnummer_index(kind: FileKind, header: _Header) -> int | None:
    return next((header.positions[column.name] for column in kind.columns if column.type == "personnummer"), None)


def _scan_sql(path: Path, kind: FileKind, header: _Header, *, count_newlines: bool) -> str:
    """The file's records as text fields f0, f1, …, in file order.

    A table created from this keeps the file order (DuckDB preserves insertion
    order for a single scan), so its rowid is the record's number from 0. No
    window function numbers the records: one that keeps the order makes DuckDB
    run the whole pipeline on one thread. The personnummer field is replaced by
    its hash and a state inside the scan, so the clear value is never stored,
    not even in a temporary table. Hashing every row is cheaper than hashing
    each distinct personnummer once: that needs a second scan of the file (the
    clear values may not be kept between statements), and parsing a record
    again costs more than its two SHA-256 passes. `_record_newlines` (optional)
    counts the line breaks inside the record's quoted fields.
    """
    personnummer_index = _personnummer_index(kind, header)
    columns = ", ".join(f"'{_field(index)}': 'VARCHAR'" for index in range(header.field_count))
    fields = [_field(index) for index in range(header.field_count)]
    select = [name for index, name in enumerate(fields) if index != personnummer_index]
    if personnummer_index is not None:
        raw = _field(personnummer_index)
        select += [
            f"{person_hash_sql(raw)} as person_hash",
            f"case when nullif(trim({raw}), '') is null then 'empty' "
            f"when person_hash is null then 'invalid' else 'ok' end as _personnummer_state",
        ]
    if count_newlines:
        record = f"concat({', '.join(fields)})"
        select.append(f"strlen({record}) - strlen(replace({record}, chr(10), '')) as _record_newlines")
    return (
        f"select {', '.join(select)} "
        f"from read_csv({_literal(str(path))}, auto_detect = false, header = false, skip = 1, delim = ';', "
        f"quote = '\"', escape = '\"', strict_mode = true, columns = {{{columns}}}, "
        f"store_rejects = true, rejects_table = '{_REJECT_ERRORS}', rejects_scan = '{_REJECT_SCANS}')"
    )


def _scan_parameters(kind: FileKind, header: _Header, pseudonym_key: bytes) -> dict[str, bytes] | None:
    return hmac_pads(pseudonym_key) if _personnummer_index(kind, header) is not None else None


def _typed_sql(kind: FileKind, header: _Header, source: str, lineage: dict[str, str]) -> str:
    """Typed contract columns, the reason a row is refused (NULL when it is fine) and `lineage` (name: expression)."""
    cleaned, typed, values, errors = [], [], [], []
    for column in kind.columns:
        index = header.positions.get(column.name)
        raw = f"staged.{_field(index)}" if index is not None else "null::varchar"
        column_sql = _column_sql(column, raw)
        cleaned.append(column_sql.cleaned)
        typed += column_sql.typed
        values.append(f"{column_sql.value} as {column.raw_name}")
        errors += column_sql.errors
    reason = mask_sql(f"nullif(concat_ws('; ', {', '.join(errors)}), '')") if errors else "null"
    return (
        f"select {', '.join(values)}, {reason} as _reason{''.join(', ' + name for name in lineage)} from ("
        f"select *, {', '.join(typed)} from ("
        f"select staged.*, {', '.join(cleaned)}{''.join(f', {sql} as {name}' for name, sql in lineage.items())} "
        f"from {source}) as staged) as staged"
    )


def _load_clean(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    kind: FileKind,
    header: _Header,
    inspection: FileInspection,
    result: FileResult,
    loaded_at: datetime,
    pseudonym_key: bytes,
) -> bool:
    """Load a file without defects in one pass: typed straight from the scan, no text copy of the file.

    The same expressions as the text path decide every value and every
    refusal, so a clean file gives the same rows either way. Returns False,
    having written nothing, when a record does not parse, a value is refused
    or the line numbers cannot be derived from the scan (blank lines: the
    physical lines are not the records plus the line breaks inside them); the
    text path then loads the file with exact quarantine.
    """
    for table in (_TYPED_ROWS, _TYPED_LINES, _REJECT_ERRORS, _REJECT_SCANS):
        connection.execute(f"drop table if exists {table}")
    multiline = inspection.has_quotes
    scan = _scan_sql(path, kind, header, count_newlines=multiline)
    lineage = {"_newlines": "staged._record_newlines"} if multiline else {}
    connection.execute(
        f"create temp table {_TYPED_ROWS} as {_typed_sql(kind, header, f'({scan}) as staged', lineage)}",
        _scan_parameters(kind, header, pseudonym_key),
    )
    if connection.execute(f"select count(*) from {_REJECT_ERRORS}").fetchall()[0][0]:
        return False
    rows, refused, inner_lines = connection.execute(
        f"select count(*), count(_reason), {'coalesce(sum(_newlines), 0)' if multiline else '0'} from {_TYPED_ROWS}"
    ).fetchall()[0]
    if refused or inspection.physical_lines != 1 + rows + inner_lines:
        return False
    # The rowid is the record's number (see _scan_sql); a record starts after the line breaks of
    # the records before it. The lines are a narrow table in record order, paired with the typed
    # rows by position: copying the typed rows to add them cost more than the running sum.
    if inner_lines:
        connection.execute(
            f"create temp table {_TYPED_LINES} as select rowid + 2 + coalesce(sum(_newlines) over (order by rowid "
            f"rows between unbounded preceding and 1 preceding), 0) as _source_line from {_TYPED_ROWS} order by rowid"
        )
        connection.execute(
            f"create temp view {_TYPED} as select typed_rows.* exclude (_newlines), typed_rows.rowid as _rid, "
            f"lines._source_line from {_TYPED_ROWS} as typed_rows positional join {_TYPED_LINES} as lines"
        )
    else:
        connection.execute(
            f"create temp view {_TYPED} as select *, rowid as _rid, rowid + 2 as _source_line from {_TYPED_ROWS}"
        )
    _commit(connection, path, kind, header, result, loaded_at, rejects=[], reject_lines={}, staged=False)
    return True


def _stage(
    connection: duckdb.DuckDBPyConnection, path: Path, kind: FileKind, header: _Header, pseudonym_key: bytes
) -> None:
    """Read the whole file as text fields (the text path), keeping what DuckDB's reader rejects."""
    _drop_typed(connection)
    for table in (_REJECT_ERRORS, _REJECT_SCANS):
        connection.execute(f"drop table if exists {table}")
    connection.execute(
        f"create or replace temp table {_STAGED} as {_scan_sql(path, kind, header, count_newlines=False)}",
        _scan_parameters(kind, header, pseudonym_key),
    )


def _rejects(connection: duckdb.DuckDBPyConnection) -> list[_Reject]:
    rows = connection.execute(
        f"select line, min(line_byte_position), first(error_type order by column_idx), "
        f"first(error_message order by column_idx), first(csv_line order by column_idx) "
        f"from {_REJECT_ERRORS} group by line order by line"
    ).fetchall()
    return [_Reject(int(record), int(position or 0), str(kind), str(message), str(text or "")) for record, position, kind, message, text in rows]


def _store_rows(connection: duckdb.DuckDBPyConnection, kind: FileKind, parameters: dict[str, object]) -> None:
    """Replace earlier rows with the keys of this file's clean rows, then add them."""
    if kind.snapshot_column is not None:
        _store_snapshot_rows(connection, kind, parameters)
        return
    raw_names = [column.raw_name for column in kind.columns]
    # A new month shares no (kommunkod, period) with the table: the cheap look at two short columns
    # spares the delete's join of every key of the file against every row of the table.
    prefix = kind.key[:2]
    overlaps = connection.execute(
        f"select exists (select 1 from raw.{kind.name} as target semi join "
        f"(select distinct {', '.join(prefix)} from {_TYPED} where _reason is null) as incoming "
        f"on {equal_columns('target', 'incoming', prefix)})"
    ).fetchall()[0][0]
    if overlaps:
        connection.execute(
            f"delete from raw.{kind.name} as target using "
            f"(select distinct {', '.join(kind.key)} from {_TYPED} where _reason is null) as incoming "
            f"where {equal_columns('target', 'incoming', kind.key)}"
        )
    connection.execute(
        f"insert into raw.{kind.name} ({', '.join(raw_names)}, _source_file, _source_line, _load_id, _loaded_at) "
        f"select {', '.join(raw_names)}, $file_name, _source_line, $load_id, $loaded_at from {_TYPED} "
        f"where _reason is null",
        parameters,
    )


def _store_snapshot_rows(connection: duckdb.DuckDBPyConnection, kind: FileKind, parameters: dict[str, object]) -> None:
    """The same for a snapshot kind, stored as changes (raw_schema._create_snapshot_storage).

    Seen through the view, the result is exactly that of the plain delete and
    insert: a row's version is matched on every column (NULL equal to NULL).
    A version delivered on the same line as in its series' previous snapshot
    costs nothing: its open span covers the new snapshot by itself. Only the
    open spans this snapshot does not repeat are closed, and only new
    versions or lines start a span.
    """
    snapshot = kind.snapshot_column
    series = list(kind.snapshot_series)
    versions, snapshots, spans = (f"raw.{table(kind)}" for table in (versions_table, snapshots_table, spans_table))
    content = kind.versioned_columns
    _remove_replaced_snapshot_rows(connection, kind)
    listed = ", ".join(content)
    # One join of the file's rows with the stored versions finds every known content; only the rows
    # it leaves unmatched (new or changed records, a few per cent of a monthly snapshot) are grouped
    # into new versions, instead of grouping the whole file and joining it twice. The join keeps
    # the content of those rows only (NULL elsewhere), so they are not read from the file's rows again.
    connection.execute(
        f"create or replace temp table {_MATCHED} as "
        f"select typed._rid, typed._source_line, {', '.join(f'typed.{name}' for name in series + [snapshot])}, "
        f"versions.version_id, "
        f"{', '.join(f'case when versions.version_id is null then typed.{name} end as _new_{name}' for name in content)} "
        f"from {_TYPED} as typed left join {versions} as versions on {_same_content('typed', content)} "
        f"where typed._reason is null"
    )
    newest = connection.execute(f"select coalesce(max(version_id), 0) from {versions}").fetchall()[0][0]
    unmatched = (
        f"(select _rid, {', '.join(f'_new_{name} as {name}' for name in content)} from {_MATCHED} "
        f"where version_id is null) as typed"
    )
    # New versions are numbered in file order: an export lists its records in a stable order, so
    # version ids count up with the line numbers and the spans compress to a few bits per column.
    connection.execute(
        f"insert into {versions} (version_id, {listed}) "
        f"select $newest + row_number() over (order by first_rid), {listed} "
        f"from (select {listed}, min(_rid) as first_rid from {unmatched} group by all)",
        {"newest": newest},
    )
    incoming_series = ", ".join(f"incoming.{name}" for name in series)
    # A file holds one snapshot per series (the contract); should it hold several dates, they
    # follow each other in date order, and each one (step) is applied on top of the one before.
    connection.execute(
        f"create or replace temp table {_NEW_SNAPSHOTS} as "
        f"select {incoming_series}, incoming.{snapshot}, coalesce(latest.sequence, 0) + step as sequence, step from ("
        f"select {', '.join(series)}, {snapshot}, row_number() over (partition by {', '.join(series)} order by {snapshot}) "
        f"as step from (select distinct {', '.join(series)}, {snapshot} from {_MATCHED})) as incoming "
        f"left join (select {', '.join(series)}, max(sequence) as sequence from {snapshots} group by all) as latest "
        f"on {equal_columns('latest', 'incoming', series)}"
    )
    connection.execute(
        f"insert into {snapshots} ({', '.join(series)}, sequence, {snapshot}, _source_file, _load_id, _loaded_at) "
        f"select {', '.join(series)}, sequence, {snapshot}, $file_name, $load_id, $loaded_at from {_NEW_SNAPSHOTS}",
        parameters,
    )
    connection.execute(
        f"create or replace temp table {_DELIVERED} as "
        f"select coalesce(matched.version_id, fresh.version_id) as version_id, matched._source_line, "
        f"new_snapshots.sequence, new_snapshots.step, matched._rid from {_MATCHED} as matched "
        f"left join (select typed._rid, versions.version_id from {unmatched} join {versions} as versions "
        f"on versions.version_id > $newest and {_same_content('typed', content)}) as fresh on fresh._rid = matched._rid "
        f"join {_NEW_SNAPSHOTS} as new_snapshots on {equal_columns('new_snapshots', 'matched', series + [snapshot])}",
        {"newest": newest},
    )
    steps = connection.execute(f"select max(step) from {_NEW_SNAPSHOTS}").fetchall()[0][0] or 0
    same_place = "spans.version_id = delivered.version_id and spans._source_line = delivered._source_line"
    for step in range(1, steps + 1):
        connection.execute(
            f"create or replace temp table {_CLOSING} as "
            f"select spans.rowid as span_row, new_snapshots.sequence - 1 as last_sequence from {spans} as spans "
            f"join {versions} as versions on versions.version_id = spans.version_id "
            f"join {_NEW_SNAPSHOTS} as new_snapshots on {equal_columns('new_snapshots', 'versions', series)} "
            f"and new_snapshots.step = $step "
            f"anti join {_DELIVERED} as delivered on {same_place} and delivered.sequence = new_snapshots.sequence "
            f"where spans.last_sequence is null",
            {"step": step},
        )
        connection.execute(
            f"update {spans} as spans set last_sequence = closing.last_sequence from {_CLOSING} as closing "
            f"where spans.rowid = closing.span_row"
        )
        connection.execute(
            f"insert into {spans} (version_id, _source_line, first_sequence, last_sequence) "
            f"select delivered.version_id, delivered._source_line, delivered.sequence, null "
            f"from {_DELIVERED} as delivered anti join {spans} as spans on {same_place} and spans.last_sequence is null "
            f"where delivered.step = $step order by delivered._rid",
            {"step": step},
        )
    # Temporary tables made inside the load's transaction vanish with it on rollback.
    for table in (_CLOSING, _DELIVERED, _MATCHED, _NEW_SNAPSHOTS):
        connection.execute(f"drop table if exists {table}")


def _same_content(alias: str, content: tuple[str, ...]) -> str:
    """A stored version equals a row on every column, NULL equal to NULL."""
    return " and ".join(f"versions.{name} is not distinct from {alias}.{name}" for name in content)


def _remove_replaced_snapshot_rows(connection: duckdb.DuckDBPyConnection, kind: FileKind) -> None:
    """Cut the snapshots whose keys this file delivers again out of the spans that cover them.

    Only a re-delivered snapshot (same series and date) replaces anything, so a
    new month costs one look at the snapshot list.
    """
    snapshot = kind.snapshot_column
    series = list(kind.snapshot_series)
    versions, snapshots, spans = (f"raw.{table(kind)}" for table in (versions_table, snapshots_table, spans_table))
    redelivered = connection.execute(
        f"select count(*) from {snapshots} as snapshots semi join "
        f"(select distinct {', '.join(series)}, {snapshot} from {_TYPED} where _reason is null) as incoming "
        f"on {equal_columns('snapshots', 'incoming', series + [snapshot])}"
    ).fetchall()[0][0]
    if not redelivered:
        return
    identity = [name for name in kind.key if name != snapshot and name not in series]
    connection.execute(
        f"create or replace temp table {_CUT} as "
        f"select spans.rowid as span_row, spans.version_id, spans._source_line, spans.first_sequence, "
        f"spans.last_sequence, coalesce(spans.last_sequence, latest.sequence) as covered_until, "
        f"snapshots.sequence as cut_sequence "
        f"from {spans} as spans join {versions} as versions on versions.version_id = spans.version_id "
        f"join (select distinct {', '.join(kind.key)} from {_TYPED} where _reason is null) as incoming "
        f"on {equal_columns('incoming', 'versions', series + identity)} "
        f"join (select {', '.join(series)}, max(sequence) as sequence from {snapshots} group by all) as latest "
        f"on {equal_columns('latest', 'versions', series)} "
        f"join {snapshots} as snapshots on {equal_columns('snapshots', 'versions', series)} "
        f"and snapshots.{snapshot} = incoming.{snapshot} "
        f"and snapshots.sequence between spans.first_sequence and coalesce(spans.last_sequence, latest.sequence)"
    )
    connection.execute(f"delete from {spans} where rowid in (select span_row from {_CUT})")
    # What is left of each cut span, split into runs of consecutive snapshots again; a run up to
    # the latest snapshot of an open span stays open.
    connection.execute(
        f"insert into {spans} (version_id, _source_line, first_sequence, last_sequence) "
        f"select version_id, _source_line, min(sequence), "
        f"case when any_value(last_sequence) is null and max(sequence) = any_value(covered_until) then null "
        f"else max(sequence) end from ("
        f"select span_row, version_id, _source_line, last_sequence, covered_until, sequence, "
        f"sequence - row_number() over (partition by span_row order by sequence) as island from ("
        f"select span_row, version_id, _source_line, last_sequence, covered_until, "
        f"unnest(range(first_sequence, covered_until + 1)) as sequence from ("
        f"select distinct span_row, version_id, _source_line, first_sequence, last_sequence, covered_until from {_CUT})"
        f") as kept where not exists (select 1 from {_CUT} as cut where cut.span_row = kept.span_row "
        f"and cut.cut_sequence = kept.sequence)) "
        f"group by span_row, version_id, _source_line, island"
    )
    connection.execute(f"drop table {_CUT}")


def _apply(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    kind: FileKind,
    header: _Header,
    inspection: FileInspection,
    result: FileResult,
    loaded_at: datetime,
) -> None:
    rejects = _rejects(connection)
    staged_rows = connection.execute(f"select count(*) from {_STAGED}").fetchall()[0][0]
    accepted_lines, reject_lines = _line_numbers(path, inspection, staged_rows, rejects)
    # The staged table keeps the file order: its rowid is the record's number among the loaded ones.
    if accepted_lines is None:
        source = f"{_STAGED} as staged"
        line = "staged.rowid + 2"
    else:
        connection.register(_LINES, pd.DataFrame({"rid": np.arange(len(accepted_lines)), "line": accepted_lines}))
        source = f"{_STAGED} as staged join {_LINES} as lines on lines.rid = staged.rowid"
        line = "lines.line"
    try:
        connection.execute(
            f"create or replace temp table {_TYPED} as "
            f"{_typed_sql(kind, header, source, {'_rid': 'staged.rowid', '_source_line': line})}"
        )
    finally:
        if accepted_lines is not None:
            connection.unregister(_LINES)
    _commit(connection, path, kind, header, result, loaded_at, rejects=rejects, reject_lines=reject_lines, staged=True)


def _commit(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    kind: FileKind,
    header: _Header,
    result: FileResult,
    loaded_at: datetime,
    *,
    rejects: list[_Reject],
    reject_lines: dict[int, int],
    staged: bool,
) -> None:
    """Store the typed rows, quarantine and load log of one file in one transaction (`staged`: text path)."""
    parameters = {"file_name": path.name, "load_id": None, "loaded_at": loaded_at}
    with transaction(connection):
        result.load_id = parameters["load_id"] = _next_load_id(connection)
        _store_rows(connection, kind, parameters)
        if staged:
            connection.execute(
                f"insert into raw.quarantine (load_id, file_name, source_kind, line_number, raw_text, reason, quarantined_at) "
                f"select $load_id, $file_name, {_literal(kind.name)}, typed._source_line, "
                f"{_raw_text_sql(header, _personnummer_index(kind, header))}, typed._reason, $loaded_at "
                f"from {_TYPED} as typed join {_STAGED} as staged on staged.rowid = typed._rid "
                f"where typed._reason is not null order by typed._rid",
                parameters,
            )
        for reject in rejects:
            connection.execute(
                "insert into raw.quarantine (load_id, file_name, source_kind, line_number, raw_text, reason, quarantined_at) "
                "values ($load_id, $file_name, $kind, $line, $raw_text, $reason, $loaded_at)",
                parameters
                | {
                    "kind": kind.name,
                    "line": reject_lines[reject.record],
                    "raw_text": mask(reject.csv_line.rstrip("\r\n")),
                    "reason": _reject_reason(reject, header.field_count),
                },
            )
        loaded, quarantined, kommunkod = connection.execute(
            f"select count(*) filter (where _reason is null), count(*) filter (where _reason is not null), "
            f"string_agg(distinct kommunkod, ',' order by kommunkod) filter (where _reason is null) from {_TYPED}"
        ).fetchall()[0]
        result.rows_loaded = loaded
        result.rows_quarantined = quarantined + len(rejects)
        result.rows_read = result.rows_loaded + result.rows_quarantined
        if result.rows_quarantined:
            result.message = f"{result.rows_quarantined} rader i karantän (se raw.quarantine, load_id {result.load_id})."
        _log_file(connection, result, kommunkod, loaded_at)


def load_csv_files(
    connection: duckdb.DuckDBPyConnection,
    files: list[Path],
    kind: FileKind,
    pseudonym_key: bytes,
    progress: Progress | None = None,
) -> list[FileResult]:
    """Apply the deliveries of one kind in file-name order (a later file corrects an earlier one)."""
    return [load_csv_file(connection, path, kind, pseudonym_key, progress) for path in sorted(files, key=lambda p: p.name)]
