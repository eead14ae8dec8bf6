"""Loads the saved Kolada API pages of LANDING_DIR/kolada/ into dated raw snapshots.

Kolada revises values and withdraws KPIs without notice, so a report must be
rebuildable as it was: every load whose content differs from the latest
snapshot becomes a new snapshot (all four tables, one `_snapshot_id`), and a
load of identical content changes nothing. Content is the set of saved files
(relative path and sha256): the client saves responses unchanged, so equal
responses give equal files.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.defs.ingest.kolada_client import KoladaPageError, parse_page
from orchestration.warehouse import transaction

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

KOLADA_FOLDER = "kolada"
# Table -> file stem in the kolada folder; data pages live in data/.
METADATA_STEMS = {
    "kolada_kpis": "kpi",
    "kolada_municipalities": "municipality",
    "kolada_municipality_groups": "municipality_groups",
}
KOLADA_TABLE_NAMES = ("kolada_values", *METADATA_STEMS)

_PAGE_FILE = re.compile(r"^(?P<stem>.+?)(?:\.page(?P<number>[0-9]+))?\.json$")

_KPI_COLUMNS = (
    "id",
    "title",
    "description",
    "is_divided_by_gender",
    "municipality_type",
    "auspice",
    "operating_area",
    "perspective",
    "prel_publication_date",
    "publication_date",
    "publ_period",
    "has_ou_data",
)


class KoladaLoadError(RuntimeError):
    """The saved Kolada pages are incomplete or malformed; nothing was loaded (message in Swedish)."""


@dataclass
class KoladaResult:
    outcome: str  # loaded, unchanged, absent
    snapshot_id: int | None = None
    snapshot_date: date | None = None
    content_sha256: str | None = None
    files: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    message: str | None = None


def _page_order(path: Path) -> tuple[str, int]:
    match = _PAGE_FILE.match(path.name)
    if match is None:
        raise KoladaLoadError(f"Okänd fil i Kolada-mappen: {path.name}.")
    return match["stem"], int(match["number"] or 1)


def _pages(folder: Path, stem: str | None) -> list[Path]:
    """Pages of one stem (or of every stem) in page order: X.json, X.page2.json, ..."""
    paths = [path for path in folder.glob("*.json") if stem is None or _page_order(path)[0] == stem]
    return sorted(paths, key=_page_order)


def _read_items(path: Path, kolada_dir: Path) -> list[dict]:
    source = path.relative_to(kolada_dir.parent).as_posix()
    try:
        return parse_page(path.read_bytes(), source).values
    except KoladaPageError as error:
        raise KoladaLoadError(str(error)) from error


def _period(value: object, source: str, position: int) -> int:
    if isinstance(value, bool):
        raise KoladaLoadError(f"Kolada-filen {source}: post {position} har ogiltig period {value!r}.")
    try:
        return int(str(value).strip())
    except ValueError as error:
        raise KoladaLoadError(f"Kolada-filen {source}: post {position} har ogiltig period {value!r}.") from error


def _value(value: object, source: str, position: int) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KoladaLoadError(f"Kolada-filen {source}: post {position} har ett värde som inte är ett tal: {value!r}.")
    return float(value)


def _value_rows(path: Path, kolada_dir: Path) -> list[tuple]:
    source = path.relative_to(kolada_dir.parent).as_posix()
    rows = []
    for position, item in enumerate(_read_items(path, kolada_dir)):
        missing = [key for key in ("kpi", "municipality", "period", "values") if key not in item]
        if missing or not isinstance(item.get("values"), list):
            raise KoladaLoadError(f"Kolada-filen {source}: post {position} saknar {', '.join(missing) or 'values-lista'}.")
        period = _period(item["period"], source, position)
        for entry in item["values"]:
            if not isinstance(entry, dict) or entry.get("gender") not in ("T", "K", "M"):
                raise KoladaLoadError(f"Kolada-filen {source}: post {position} har ett värde utan giltigt kön (T/K/M).")
            rows.append(
                (
                    str(item["kpi"]),
                    str(item["municipality"]),
                    period,
                    entry["gender"],
                    _value(entry.get("value"), source, position),
                    entry.get("count"),
                    entry.get("status"),
                    entry.get("isdeleted"),
                    source,
                )
            )
    return rows


def _metadata_rows(table: str, path: Path, kolada_dir: Path) -> list[tuple]:
    source = path.relative_to(kolada_dir.parent).as_posix()
    rows = []
    for position, item in enumerate(_read_items(path, kolada_dir)):
        if "id" not in item:
            raise KoladaLoadError(f"Kolada-filen {source}: post {position} saknar id.")
        if table == "kolada_kpis":
            rows.append((*(item.get(column) for column in _KPI_COLUMNS), source))
        elif table == "kolada_municipalities":
            rows.append((item["id"], item.get("title"), item.get("type"), source))
        else:
            # A group without members still exists: keep it as one row with NULL member.
            members = item.get("members") or [{}]
            rows += [(item["id"], item.get("title"), member.get("member_id"), member.get("member_title"), source) for member in members]
    return rows


_COLUMNS = {
    "kolada_values": ("kpi", "municipality", "period", "gender", "value", "count", "status", "isdeleted"),
    "kolada_kpis": _KPI_COLUMNS,
    "kolada_municipalities": ("id", "title", "type"),
    "kolada_municipality_groups": ("id", "title", "member_id", "member_title"),
}


def kolada_files(kolada_dir: Path) -> dict[str, list[Path]]:
    """The saved pages per raw table; a missing metadata file is an error, not an empty table."""
    data_dir = kolada_dir / "data"
    files = {"kolada_values": _pages(data_dir, None) if data_dir.is_dir() else []}
    for table, stem in METADATA_STEMS.items():
        files[table] = _pages(kolada_dir, stem)
    missing = [f"{KOLADA_FOLDER}/{stem}.json" for table, stem in METADATA_STEMS.items() if not files[table]]
    if not files["kolada_values"]:
        missing.insert(0, f"{KOLADA_FOLDER}/data/<KPI>.json")
    if missing:
        raise KoladaLoadError(f"Kolada-mappen {kolada_dir} är ofullständig: {', '.join(missing)} saknas.")
    return files


def _content_sha256(kolada_dir: Path, files: dict[str, list[Path]]) -> str:
    digest = hashlib.sha256()
    for path in sorted(path for paths in files.values() for path in paths):
        digest.update(path.relative_to(kolada_dir).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _log_new_pages(
    connection: duckdb.DuckDBPyConnection, kolada_dir: Path, rows_per_file: dict[Path, int], snapshot_id: int, loaded_at: datetime
) -> None:
    """One load_log row per page not logged before, so the log lists every delivered file once."""
    logged = {sha256 for (sha256,) in connection.execute("select sha256 from raw.load_log where source_kind = 'kolada'").fetchall()}
    load_id = connection.execute("select coalesce(max(load_id), 0) from raw.load_log").fetchall()[0][0]
    for path, rows in sorted(rows_per_file.items()):
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        if sha256 in logged:
            continue
        logged.add(sha256)
        load_id += 1
        connection.execute(
            "insert into raw.load_log (load_id, file_name, sha256, source_kind, kommunkod, encoding, rows_read, rows_loaded, "
            "rows_quarantined, unknown_columns, outcome, message, loaded_at) values "
            "($load_id, $file_name, $sha256, 'kolada', null, 'utf-8', $rows, $rows, 0, null, 'loaded', $message, $loaded_at)",
            {
                "load_id": load_id,
                "file_name": path.relative_to(kolada_dir.parent).as_posix(),
                "sha256": sha256,
                "rows": rows,
                "message": f"Kolada-ögonblicksbild {snapshot_id}.",
                "loaded_at": loaded_at,
            },
        )


def load_kolada_folder(
    connection: duckdb.DuckDBPyConnection, landing_dir: Path, progress: Progress | None = None
) -> KoladaResult:
    """Load LANDING_DIR/kolada as a new snapshot unless its content equals the latest snapshot."""
    progress = progress or logger.info
    kolada_dir = landing_dir / KOLADA_FOLDER
    if not kolada_dir.is_dir():
        progress(f"no {KOLADA_FOLDER}/ folder in {landing_dir}: Kolada not loaded")
        return KoladaResult(outcome="absent", message=f"Ingen Kolada-mapp i {landing_dir}.")
    started = time.monotonic()
    files = kolada_files(kolada_dir)
    content_sha256 = _content_sha256(kolada_dir, files)
    file_count = sum(len(paths) for paths in files.values())
    latest = connection.execute(
        "select snapshot_id, snapshot_date, content_sha256 from raw.kolada_snapshots order by snapshot_id desc limit 1"
    ).fetchall()
    if latest and latest[0][2] == content_sha256:
        progress(f"Kolada: content unchanged since snapshot {latest[0][0]} ({latest[0][1]}), nothing loaded")
        return KoladaResult(
            outcome="unchanged",
            snapshot_id=latest[0][0],
            snapshot_date=latest[0][1],
            content_sha256=content_sha256,
            files=file_count,
            message=f"Oförändrat sedan ögonblicksbild {latest[0][0]}.",
        )

    # Parse everything before touching the warehouse: a broken page leaves the last snapshot as it was.
    frames: dict[str, pd.DataFrame] = {}
    rows_per_file: dict[Path, int] = {}
    for table, paths in files.items():
        rows: list[tuple] = []
        for path in paths:
            file_rows = _value_rows(path, kolada_dir) if table == "kolada_values" else _metadata_rows(table, path, kolada_dir)
            rows_per_file[path] = len(file_rows)
            rows += file_rows
        frames[table] = pd.DataFrame(rows, columns=[*_COLUMNS[table], "_source_file"], dtype=object)
        progress(f"Kolada: {table}: {len(rows)} rows from {len(paths)} files")

    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    with transaction(connection):
        snapshot_id = connection.execute("select coalesce(max(snapshot_id), 0) + 1 from raw.kolada_snapshots").fetchall()[0][0]
        snapshot_date = loaded_at.date()
        for table, frame in frames.items():
            columns = ", ".join(_COLUMNS[table])
            connection.register("_kolada_frame", frame)
            try:
                connection.execute(
                    f"insert into raw.{table} ({columns}, _snapshot_id, _snapshot_date, _source_file) "
                    f"select {columns}, $snapshot_id, $snapshot_date, _source_file from _kolada_frame",
                    {"snapshot_id": snapshot_id, "snapshot_date": snapshot_date},
                )
            finally:
                connection.unregister("_kolada_frame")
        _log_new_pages(connection, kolada_dir, rows_per_file, snapshot_id, loaded_at)
        connection.execute(
            "insert into raw.kolada_snapshots (snapshot_id, snapshot_date, content_sha256, file_count, loaded_at) "
            "values ($snapshot_id, $snapshot_date, $sha, $files, $loaded_at)",
            {"snapshot_id": snapshot_id, "snapshot_date": snapshot_date, "sha": content_sha256, "files": file_count, "loaded_at": loaded_at},
        )
    rows = {table: len(frame) for table, frame in frames.items()}
    progress(f"Kolada: snapshot {snapshot_id} loaded ({file_count} files, {time.monotonic() - started:.1f} s)")
    return KoladaResult(
        outcome="loaded",
        snapshot_id=snapshot_id,
        snapshot_date=snapshot_date,
        content_sha256=content_sha256,
        files=file_count,
        rows=rows,
    )
