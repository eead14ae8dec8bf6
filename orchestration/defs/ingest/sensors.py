"""A sensor that starts the full pipeline when new files arrive in LANDING_DIR.

What counts as new is decided by content (sha256), as the loader does: a file
renamed, touched or delivered twice is not new; a corrected file under the
same name is. The sensor cursor remembers, per delivery file, its size, mtime,
sha256 and whether it was handed to a run, so a tick hashes only files that
changed and never opens the warehouse.

Only the very first tick (no cursor yet) asks the warehouse which contents are
already loaded (raw.load_log), so switching the sensor on next to a loaded
warehouse does not start a pointless run. It asks only when the warehouse lock
is free at that moment: a sensor tick must never wait behind a pipeline run
(DuckDB admits one writer or many readers, and the lock serialises both), so a
busy warehouse means "skip this tick and ask again at the next one".

A file is handed to a run only once it looked the same (size and mtime) on two
consecutive ticks, so a file still being copied into the folder is not loaded
half-written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import dagster as dg
import duckdb
from filelock import FileLock, Timeout

from orchestration.defs.ingest.contracts import kind_for_file
from orchestration.settings import Settings, load_settings
from orchestration.warehouse import warehouse_connection

FULL_PIPELINE_JOB = "full_pipeline"
SENSOR_NAME = "landing_files_sensor"
MINIMUM_INTERVAL_SECONDS = 60
FILES_LISTED_IN_TAG = 20
HANDLED_DIGESTS_KEPT = 5000


@dataclass
class SeenFile:
    size: int
    mtime_ns: int
    sha256: str | None = None  # computed once the file has stopped changing


@dataclass
class Cursor:
    files: dict[str, SeenFile]
    # Contents loaded before the sensor started or handed to a run, oldest first. Kept by
    # content, not by name, so a touched, renamed or re-delivered file is not new again.
    handled: list[str]

    def to_json(self) -> str:
        return json.dumps(
            {
                "files": {name: asdict(seen) for name, seen in sorted(self.files.items())},
                "handled": self.handled[-HANDLED_DIGESTS_KEPT:],
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        data = json.loads(text)
        return cls(
            files={name: SeenFile(**seen) for name, seen in data["files"].items()},
            handled=list(data["handled"]),
        )


@dataclass
class Evaluation:
    cursor: str
    run_request: dg.RunRequest | None
    skip_reason: str | None


def delivery_files(landing_dir: Path) -> Iterator[Path]:
    """The files the loaders read: CSV deliveries by kind prefix, and Kolada's saved JSON responses."""
    if not landing_dir.is_dir():
        return
    for path in sorted(landing_dir.iterdir()):
        if path.is_file() and not path.name.startswith(".") and kind_for_file(path.name) is not None:
            yield path
    kolada = landing_dir / "kolada"
    if kolada.is_dir():
        for path in sorted(kolada.rglob("*.json")):
            if path.is_file() and not path.name.startswith("."):
                yield path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def loaded_digests_if_idle(settings: Settings) -> set[str] | None:
    """sha256 of every file raw.load_log lists; None when the warehouse is busy right now."""
    if not settings.duckdb_path.exists():
        return set()
    try:
        # A non-blocking probe: the lock is free now, so the read below will not wait behind a run
        # (in the rare race where a run takes it in between, the read waits for that run).
        with FileLock(str(settings.lock_path), timeout=0):
            pass
    except Timeout:
        return None
    with warehouse_connection(settings, read_only=True) as connection:
        try:
            rows = connection.execute("select distinct sha256 from raw.load_log").fetchall()
        except duckdb.CatalogException:
            return set()
    return {row[0] for row in rows}


def evaluate_landing(settings: Settings, cursor_text: str | None) -> Evaluation:
    previous = Cursor.from_json(cursor_text)
    if previous is None:
        loaded = loaded_digests_if_idle(settings)
        if loaded is None:
            return Evaluation(
                cursor=cursor_text or "",
                run_request=None,
                skip_reason=(
                    "Lagret används av en körning just nu; leveransmappen jämförs med load_log vid nästa kontroll."
                ),
            )
        previous = Cursor(files={}, handled=sorted(loaded))

    landing_dir = settings.landing_dir
    handled = set(previous.handled)
    current = Cursor(files={}, handled=list(previous.handled))
    waiting: list[str] = []
    new_files: list[str] = []
    for path in delivery_files(landing_dir):
        name = path.relative_to(landing_dir).as_posix()
        status = path.stat()
        before = previous.files.get(name)
        if before is not None and (before.size, before.mtime_ns) == (status.st_size, status.st_mtime_ns):
            seen = before
            if seen.sha256 is None:
                seen.sha256 = file_sha256(path)
                if seen.sha256 not in handled:
                    new_files.append(name)
                    handled.add(seen.sha256)
                    current.handled.append(seen.sha256)
        else:
            seen = SeenFile(size=status.st_size, mtime_ns=status.st_mtime_ns)
            waiting.append(name)
        current.files[name] = seen

    if not new_files:
        reason = "Inga nya filer i leveransmappen."
        if waiting:
            reason = (
                f"{len(waiting)} filer är nya eller ändrade sedan förra kontrollen; "
                "de jämförs när de slutat ändras."
            )
        return Evaluation(cursor=current.to_json(), run_request=None, skip_reason=reason)

    digests = sorted(current.files[name].sha256 or "" for name in new_files)
    run_key = "landing-" + hashlib.sha256("\n".join(digests).encode()).hexdigest()[:24]
    listed = ", ".join(new_files[:FILES_LISTED_IN_TAG])
    if len(new_files) > FILES_LISTED_IN_TAG:
        listed += f" … (+{len(new_files) - FILES_LISTED_IN_TAG})"
    return Evaluation(
        cursor=current.to_json(),
        run_request=dg.RunRequest(
            run_key=run_key,
            job_name=FULL_PIPELINE_JOB,
            tags={"omsorgslager/trigger": SENSOR_NAME, "omsorgslager/new_files": listed},
        ),
        skip_reason=None,
    )


@dg.sensor(
    name=SENSOR_NAME,
    job_name=FULL_PIPELINE_JOB,
    minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Startar hela kedjan när nya filer (nytt innehåll) kommer till LANDING_DIR.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    evaluation = evaluate_landing(load_settings(), context.cursor)
    return dg.SensorResult(
        run_requests=[evaluation.run_request] if evaluation.run_request else [],
        skip_reason=evaluation.skip_reason,
        cursor=evaluation.cursor,
    )


def build_sensor_defs() -> dg.Definitions:
    return dg.Definitions(sensors=[landing_files_sensor])
