"""Deliveries the scaled generator does not write, derived from the ones it did.

- The next month: what a municipality delivers a month after the last
  generated one (one month of personal_manad and ledger rows, one new
  avvikelser snapshot). It repeats the last month's employments and accounts
  under the new period, and moves the open reports of the last snapshot one
  step on (new reports are not invented; the month's changes are status moves).
- A year of monthly avvikelser snapshots: the reports of the last generated
  snapshot as they stood at each month's end of its year, reconstructed from
  their report and closing dates.

All of it is plain DuckDB over the generated CSV files, in the contract's format.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import duckdb

from orchestration.defs.ingest.contracts import AVVIKELSER, EKONOMI_HUVUDBOK, PERSONAL_MANAD

# Days after the report date when a report still open at year end counts as under investigation.
INVESTIGATION_STARTS_AFTER_DAYS = 10


def _files(landing: Path, kind: str) -> list[Path]:
    return sorted(landing.glob(f"{kind}_*.csv"))


def _read(path: Path, columns: tuple[str, ...]) -> str:
    spec = ", ".join(f"'{name}': 'VARCHAR'" for name in columns)
    return (
        f"read_csv('{str(path).replace(chr(39), chr(39) * 2)}', delim = ';', quote = '\"', escape = '\"', "
        f"header = true, auto_detect = false, columns = {{{spec}}})"
    )


def _names(kind) -> tuple[str, ...]:
    return tuple(column.name for column in kind.columns)


def _copy(connection: duckdb.DuckDBPyConnection, select: str, target: Path) -> None:
    # The contract's dialect: ';', '"' quoting only where needed, empty field for NULL.
    connection.execute(
        f"copy ({select}) to '{target}' (format csv, delimiter ';', quote '\"', escape '\"', header true)"
    )


def _shift_month(period: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def _month_end(period: str) -> dt.date:
    year, month = (int(part) for part in period.split("-"))
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def write_next_month(landing: Path, out_dir: Path) -> tuple[str, list[Path]]:
    """One month of deliveries after the last generated period; returns (period, files written)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    try:
        last_manad = _files(landing, PERSONAL_MANAD.name)[-1]
        manad = _read(last_manad, _names(PERSONAL_MANAD))
        last_period = connection.execute(f"select max(period) from {manad}").fetchall()[0][0]
        period = _shift_month(last_period)
        written = []
        for kind, source in ((PERSONAL_MANAD, last_manad), (EKONOMI_HUVUDBOK, _files(landing, EKONOMI_HUVUDBOK.name)[-1])):
            columns = ", ".join(f"'{period}' as period" if name == "period" else name for name in _names(kind))
            target = out_dir / f"{kind.name}_riket_{period}.csv"
            _copy(connection, f"select {columns} from {_read(source, _names(kind))} where period = '{last_period}'", target)
            written.append(target)
        snapshot = _month_end(period)
        last_snapshot = _files(landing, AVVIKELSER.name)[-1]
        target = out_dir / f"avvikelser_riket_{snapshot.isoformat()}.csv"
        _copy(connection, _moved_on_snapshot(_read(last_snapshot, _names(AVVIKELSER)), snapshot), target)
        written.append(target)
        return period, written
    finally:
        connection.close()


def _moved_on_snapshot(source: str, snapshot: dt.date) -> str:
    """The last snapshot one month on: new reports go under investigation, investigated ones close."""
    day = f"date '{snapshot.isoformat()}'"
    replaced = {
        "uttagsdatum": f"'{snapshot.isoformat()}' as uttagsdatum",
        "status": "case status when 'Ny' then 'Under utredning' when 'Under utredning' then 'Avslutad' else status end as status",
        "allvarlighetsgrad": "case when status = 'Ny' then 'Lindrig' else allvarlighetsgrad end as allvarlighetsgrad",
        "avslutsdatum": (
            f"case when status = 'Under utredning' then strftime({day}, '%Y-%m-%d') else avslutsdatum end as avslutsdatum"
        ),
    }
    columns = ", ".join(replaced.get(name, name) for name in _names(AVVIKELSER))
    return f"select {columns} from {source}"


def write_monthly_snapshots(landing: Path, out_dir: Path) -> list[Path]:
    """Twelve month-end snapshots of the last generated snapshot's year."""
    out_dir.mkdir(parents=True, exist_ok=True)
    last_snapshot = _files(landing, AVVIKELSER.name)[-1]
    source = _read(last_snapshot, _names(AVVIKELSER))
    connection = duckdb.connect()
    try:
        year_end = connection.execute(f"select max(uttagsdatum) from {source}").fetchall()[0][0]
        year = int(year_end[:4])
        connection.execute(f"create table year_end as select * from {source}")
        written = []
        for month in range(1, 13):
            day = dt.date(year, month, calendar.monthrange(year, month)[1])
            literal = f"date '{day.isoformat()}'"
            closed = f"(avslutsdatum <> '' and cast(avslutsdatum as date) <= {literal})"
            investigating = (
                f"(status <> 'Ny' and cast(rapportdatum as date) + {INVESTIGATION_STARTS_AFTER_DAYS} <= {literal})"
            )
            replaced = {
                "uttagsdatum": f"'{day.isoformat()}' as uttagsdatum",
                "status": f"case when {closed} then 'Avslutad' when {investigating} then 'Under utredning' else 'Ny' end as status",
                "allvarlighetsgrad": f"case when {closed} or {investigating} then allvarlighetsgrad end as allvarlighetsgrad",
                "avslutsdatum": f"case when {closed} then avslutsdatum end as avslutsdatum",
            }
            columns = ", ".join(replaced.get(name, name) for name in _names(AVVIKELSER))
            target = out_dir / f"avvikelser_riket_{day.isoformat()}.csv"
            _copy(
                connection,
                f"select {columns} from year_end where cast(rapportdatum as date) <= {literal} order by rapportdatum, avvikelse_id",
                target,
            )
            written.append(target)
        return written
    finally:
        connection.close()
