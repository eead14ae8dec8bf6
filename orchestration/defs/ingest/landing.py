"""Loads a whole landing folder: every CSV delivery by kind, then the Kolada pages.

`load_landing_folder` is the plain-Python entry point for the CLI and tests; the
Dagster assets call `load_landing` with their own connection and logger.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.defs.ingest.contracts import CSV_KINDS, kind_for_file
from orchestration.defs.ingest.csv_loader import FileResult, Progress, load_csv_files
from orchestration.defs.ingest.kolada_loader import KOLADA_FOLDER, KoladaLoadError, KoladaResult, load_kolada_folder
from orchestration.defs.ingest.raw_schema import create_raw_schema
from orchestration.settings import Settings
from orchestration.warehouse import warehouse_connection

logger = logging.getLogger(__name__)

KOLADA = "kolada"
ALL_KINDS: tuple[str, ...] = (*CSV_KINDS, KOLADA)


@dataclass
class LoadSummary:
    files: list[FileResult] = field(default_factory=list)
    kolada: KoladaResult | None = None
    ignored_files: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> list[FileResult]:
        """Files rejected now or in an earlier run and still in the landing folder."""
        return [result for result in self.files if result.is_rejected]

    @property
    def errors(self) -> list[str]:
        messages = [
            result.message if result.outcome == "rejected" else f"Filen {result.file_name} avvisades vid en tidigare körning och ligger kvar i leveransmappen."
            for result in self.rejected
        ]
        if self.kolada is not None and self.kolada.outcome == "rejected":
            messages.append(self.kolada.message or "Kolada-filerna kunde inte läsas in.")
        return [message for message in messages if message]

    def files_of(self, kind: str) -> list[FileResult]:
        return [result for result in self.files if result.kind == kind]


def landing_files(landing_dir: Path) -> tuple[dict[str, list[Path]], list[str]]:
    """CSV deliveries per kind in file-name order, and the names of files that belong to no kind."""
    by_kind: dict[str, list[Path]] = {name: [] for name in CSV_KINDS}
    ignored: list[str] = []
    if not landing_dir.is_dir():
        raise FileNotFoundError(f"Leveransmappen {landing_dir} finns inte (LANDING_DIR).")
    for path in sorted(landing_dir.iterdir(), key=lambda item: item.name):
        if path.name.startswith(".") or path.name == KOLADA_FOLDER or not path.is_file():
            continue
        kind = kind_for_file(path.name)
        if kind is None:
            ignored.append(path.name)
        else:
            by_kind[kind.name].append(path)
    return by_kind, ignored


def load_landing(
    connection: duckdb.DuckDBPyConnection,
    settings: Settings,
    kinds: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> LoadSummary:
    progress = progress or logger.info
    selected = list(ALL_KINDS if kinds is None else kinds)
    unknown = [kind for kind in selected if kind not in ALL_KINDS]
    if unknown:
        raise ValueError(f"Unknown source kinds {unknown}; known: {', '.join(ALL_KINDS)}")
    create_raw_schema(connection)
    by_kind, ignored = landing_files(settings.landing_dir)
    summary = LoadSummary(ignored_files=ignored if kinds is None else [])
    for name in ignored if kinds is None else []:
        progress(f"{name}: file name matches no delivery kind, ignored")
    for kind_name in selected:
        if kind_name == KOLADA:
            try:
                summary.kolada = load_kolada_folder(connection, settings.landing_dir, progress)
            except KoladaLoadError as error:
                progress(f"Kolada: REJECTED: {error}")
                summary.kolada = KoladaResult(outcome="rejected", message=str(error))
            continue
        files = by_kind[kind_name]
        progress(f"{kind_name}: {len(files)} file(s) in {settings.landing_dir}")
        summary.files += load_csv_files(connection, files, CSV_KINDS[kind_name], settings.pseudonym_key, progress)
    return summary


def load_landing_folder(
    settings: Settings, kinds: Iterable[str] | None = None, progress: Progress | None = None
) -> LoadSummary:
    """Load LANDING_DIR into the warehouse's raw schema (all kinds, or the ones named)."""
    with warehouse_connection(settings) as connection:
        return load_landing(connection, settings, kinds, progress)
