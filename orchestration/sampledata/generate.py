"""Generate raw exports in the contract's CSV format (docs/raw-exports.md).

- `generate_sample(out_dir)`: the committed two-municipality sample (Alingsås
  1489, Ale 1440, 2023–2025), calibrated so that the metric definitions
  reproduce the municipalities' published figures; byte-for-byte deterministic.
- `generate_scaled(out_dir, municipalities, years, seed)`: uncalibrated files of
  realistic size for benchmarks, up to all 290 municipalities, written
  streaming.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from orchestration.defs.ingest.contracts import CSV_KINDS
from orchestration.sampledata import hr, incidents, ledger
from orchestration.sampledata._common import YEARS, Dialect, quote, write_csv, write_raw_lines
from orchestration.sampledata.organisation import ALE, ALINGSAS, ORGANISATION_HEADER, organisation_rows
from orchestration.sampledata.published import FigureBook, load_figures
from orchestration.sampledata.scaled import generate_scaled

SEED = 20250101
ALINGSAS_HR = Dialect(encoding="cp1252", newline="\r\n")
ALE_HR = Dialect(encoding="utf-8", bom=True)
LEDGER_ALINGSAS = Dialect(newline="\r\n")
LEDGER_ALE = Dialect()
ORGANISATION_DIALECT = {ALINGSAS: Dialect(bom=True, newline="\r\n"), ALE: Dialect()}
INCIDENT_DIALECT = {ALINGSAS: Dialect(bom=True), ALE: Dialect(newline="\r\n")}
THOUSANDS = {ALINGSAS: "\u00a0", ALE: " "}

# One delivery reorders its columns, two carry a column the contract does not know.
REORDERED_HR_FILE = (ALE, 2024)
EXTRA_HR_COLUMN = (ALE, 2025, "exportversion", "Heroma 25.2")
EXTRA_ORGANISATION_COLUMN = (ALINGSAS, "kostnadsstalle_fritext")


def _defect(kind: str, *fields: str) -> str:
    return ";".join(fields)


def _insert(lines: list[str], position: int, extra: list[str]) -> list[str]:
    position = min(position, len(lines))
    return lines[:position] + extra + lines[position:]


def _join(row: Sequence[str]) -> str:
    return ";".join(quote(field) for field in row)


# Rows that must end in quarantine, one kind of defect each; none belongs to a
# real employment, account or report, so no published figure depends on them.
def _hr_defects(municipality: str, year: int) -> list[str]:
    if municipality == ALINGSAS and year == 2023:
        return [
            _defect("non-number", "1489", "2023-03", "23999001", "198105129817", "K", "1981", "7111",
                    "Undersköterska", "Tillsvidare", "heltid", "165", "0", "0", "0", "0", "0", ""),
            # Unquoted ';' inside the occupation: one field too many.
            _defect("fields", "1489", "2023-04", "23999002", "199002029804", "M", "1990", "7121",
                    "Undersköterska", " natt", "Tillsvidare", "100,0", "165", "0", "0", "0", "0", "0", ""),
        ]
    if municipality == ALE and year == 2024:
        return [_defect("missing key", "1440", "2024-06", "", "19870611-9816", "K", "1987", "6342",
                        "Undersköterska", "Tillsvidare", "100,0", "165", "0", "0", "0", "0", "0", "")]
    if municipality == ALE and year == 2025:
        return [_defect("fields", "1440", "2025-02", "ALE999001", "19920304-9807", "K", "1992", "6343",
                        "Vårdbiträde", "Visstid", "75,0", "123,75", "0", "0", "0", "0", "0")]
    return []


def _write_hr(out_dir: Path, municipality: str, sample: hr.HrSample) -> list[Path]:
    paths = []
    dialect = ALINGSAS_HR if municipality == ALINGSAS else ALE_HR
    for year in YEARS:
        header = list(hr.PERSONAL_MANAD_HEADER)
        rows = hr.manad_rows(sample, year)
        if (municipality, year) == REORDERED_HR_FILE:
            order = [header.index(c) for c in (
                "period", "kommunkod", "enhet_id", "anstallnings_id", "anstallningsform", "yrkesgrupp", "kon",
                "fodelsear", "personnummer", "sysselsattningsgrad", "ordinarie_tid_h", "timavlonad_h", "overtid_h",
                "fyllnadstid_h", "sjuk_h_dag1_14", "sjuk_h_dag15_59", "sjuk_h_dag60")]
            header = [header[i] for i in order]
            rows = [[row[i] for i in order] for row in rows]
            defects = [";".join(d.split(";")[i] for i in order) for d in _hr_defects(municipality, year)]
        elif (municipality, year) == EXTRA_HR_COLUMN[:2]:
            header.append(EXTRA_HR_COLUMN[2])
            rows = [row + [EXTRA_HR_COLUMN[3]] for row in rows]
            defects = _hr_defects(municipality, year)
        else:
            defects = _hr_defects(municipality, year)
        lines = _insert([_join(r) for r in rows], 1500, defects)
        path = out_dir / f"personal_manad_{municipality}_{year}.csv"
        paths.append(write_raw_lines(path, header, lines, dialect))
        endings = hr.avgang_rows(sample, year)
        lines = [_join(r) for r in endings]
        if municipality == ALE and year == 2024:
            lines = _insert(lines, 40, [_defect("date", "1440", "ALE999002", "19850101-9808", "Tillsvidare", "6311",
                                                "Undersköterska", "2024-02-30", "Egen begäran")])
        if municipality == ALINGSAS and year == 2024:
            lines = _insert(lines, 25, [_defect("missing key", "1489", "", "197511119802", "Tillsvidare", "7113",
                                                "Undersköterska", "2024-05-31", "Pension")])
        path = out_dir / f"personal_avgang_{municipality}_{year}.csv"
        paths.append(write_raw_lines(path, hr.PERSONAL_AVGANG_HEADER, lines, dialect))
    return paths


# Keys of Ale's 2025 ledger delivered wrong first and corrected in
# ekonomi_huvudbok_1440_2025_rattelse.csv: (period, ansvar, konto, wrong outcome delta in öre)
CORRECTIONS = (
    ("2025-05", "6343", "5011", 1_000_000),
    ("2025-08", "6611", "4651", -2_350_000),
    ("2025-11", "6431", "5611", 98_700),
    ("2025-03", "6001", "3611", -5_000_000),
)


def _write_ledger(out_dir: Path, municipality: str, book: FigureBook) -> list[Path]:
    paths = []
    rng = random.Random(SEED + int(municipality))
    dialect = LEDGER_ALINGSAS if municipality == ALINGSAS else LEDGER_ALE
    thousands = THOUSANDS[municipality]
    for year in YEARS:
        plan = ledger.plan_year(municipality, book, year, rng)
        rows = ledger.ledger_rows(municipality, year, plan, rng)
        formatted = [ledger.format_row(municipality, row, thousands) for row in rows]
        corrected: list[list[str]] = []
        if municipality == ALE and year == 2025:
            for period, unit_id, account, delta in CORRECTIONS:
                index = next(i for i, row in enumerate(rows)
                             if (row.period, row.unit, row.account) == (period, unit_id, account))
                corrected.append(formatted[index])
                wrong = ledger.LedgerRow(period, unit_id, rows[index].activity, account, rows[index].outcome + delta,
                                         rows[index].budget)
                formatted[index] = ledger.format_row(municipality, wrong, thousands)
        lines = [_join(r) for r in formatted]
        if municipality == ALINGSAS and year == 2024:
            lines = _insert(lines, 700, [
                _defect("non-number", "1489", "2024-07", "7112", "510", "4411", "12\u00a04O0,00", "10\u00a0000,00"),
                _defect("fields", "1489", "2024-09", "7121", "511", "5011", "1\u00a0234,50"),
            ])
        if municipality == ALE and year == 2023:
            lines = _insert(lines, 300, [
                _defect("missing key", "1440", "2023-04", "6311", "510", "", "45 000,00", ""),
                _defect("period", "1440", "2023-13", "6312", "510", "5011", "1 000,00", ""),
            ])
        path = out_dir / f"ekonomi_huvudbok_{municipality}_{year}.csv"
        paths.append(write_raw_lines(path, ledger.LEDGER_HEADER, lines, dialect))
        if corrected:
            path = out_dir / f"ekonomi_huvudbok_{municipality}_{year}_rattelse.csv"
            paths.append(write_csv(path, ledger.LEDGER_HEADER, corrected, dialect))
    return paths


def _write_organisation(out_dir: Path, municipality: str) -> Path:
    header = list(ORGANISATION_HEADER)
    rows = organisation_rows(municipality)
    if municipality == EXTRA_ORGANISATION_COLUMN[0]:
        header.append(EXTRA_ORGANISATION_COLUMN[1])
        rows = [row + [f"KST {row[1]} {row[2]}"] for row in rows]
    lines = [_join(r) for r in rows]
    if municipality == ALE:
        lines = _insert(lines, 10, [_defect("date", "1440", "6399", "Vikariepoolen", "Bemanning", "Äldreomsorg",
                                            "2023-02-30", "")])
    return write_raw_lines(out_dir / f"organisation_{municipality}.csv", header, lines,
                           ORGANISATION_DIALECT[municipality])


def _write_incidents(out_dir: Path, municipality: str) -> list[Path]:
    reports = incidents.build_incidents(municipality, SEED + 7 * int(municipality))
    paths = []
    for snapshot in incidents.SNAPSHOTS:
        rows = incidents.snapshot_rows(municipality, reports, snapshot)
        lines = [_join(r) for r in rows]
        if municipality == ALE and snapshot == date(2025, 12, 31):
            lines = _insert(lines, 5000, [
                _join(["1440", "2025-12-31", "AV-2025-99001", "Avvikelse", "Fall", "HSL", "6311", "2025-02-27",
                       "2025-02-30", "", "Ny", "", "N", "N", "Datum felregistrerat i verksamhetssystemet."]),
                _join(["1440", "2025-12-31", "", "Avvikelse", "Övrigt", "SoL", "6342", "2025-03-03", "2025-03-04",
                       "", "Ny", "", "N", "N", "Rapport utan id"]),
            ])
        if municipality == ALINGSAS and snapshot == date(2024, 12, 31):
            lines = _insert(lines, 800, [_defect("fields", "1489", "2024-12-31", "ALS-2024-99001", "Tillbud",
                                                 "Hot och våld", "", "7111", "2024-05-02")])
        path = out_dir / f"avvikelser_{municipality}_{snapshot.isoformat()}.csv"
        paths.append(write_raw_lines(path, incidents.AVVIKELSER_HEADER, lines, INCIDENT_DIALECT[municipality]))
    return paths


def _clear_previous(out_dir: Path) -> None:
    for path in out_dir.glob("*.csv"):
        if any(path.name.lower().startswith(kind + "_") for kind in CSV_KINDS):
            path.unlink()


def generate_sample(out_dir: Path) -> list[Path]:
    """Write the calibrated Alingsås + Ale sample into out_dir (kolada/ is left alone)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear_previous(out_dir)
    figures = load_figures()
    paths: list[Path] = []
    for municipality in (ALINGSAS, ALE):
        book = FigureBook(figures, municipality)
        paths.append(_write_organisation(out_dir, municipality))
        sample = hr.build_hr(municipality, book, SEED + int(municipality))
        paths.extend(_write_hr(out_dir, municipality, sample))
        paths.extend(_write_ledger(out_dir, municipality, book))
        paths.extend(_write_incidents(out_dir, municipality))
    return sorted(paths)


def unmatched_figures() -> list[str]:
    """Published figures the sample cannot reproduce (they contradict each other)."""
    figures = load_figures()
    notes = []
    for municipality in (ALINGSAS, ALE):
        sample = hr.build_hr(municipality, FigureBook(figures, municipality), SEED + int(municipality))
        notes.extend(sample.unmatched)
    return notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omsorgslager generate-sample",
                                     description="Skriv exempelleveranser enligt docs/raw-exports.md.")
    parser.add_argument("--out", type=Path, required=True, help="målmapp (landningsmapp)")
    parser.add_argument("--scale", type=int, default=None,
                        help="antal kommuner för benchmarkdata (okalibrerat); utan flaggan skrivs det kalibrerade urvalet")
    parser.add_argument("--years", default=",".join(str(y) for y in YEARS), help="år, kommaseparerade")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.scale is None:
        paths = generate_sample(args.out)
    else:
        years = tuple(int(y) for y in args.years.split(",") if y.strip())
        paths = generate_scaled(args.out, args.scale, years, args.seed)
    print(f"{len(paths)} filer skrivna till {args.out}")
    return 0


__all__ = ["generate_sample", "generate_scaled", "main", "unmatched_figures"]

if __name__ == "__main__":
    raise SystemExit(main())
