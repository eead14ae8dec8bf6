"""Independent reference computation of the published metrics from raw CSV files.

Reads delivered files exactly as the contract describes them (encoding
detection, `;`, quoted fields, decimal comma, thousands separators, empty =
NULL, file-name order with later deliveries replacing earlier rows by key,
unparseable rows left out) and computes every metric in
tests/reference/published-figures.csv under the definitions in
docs/raw-exports.md. It shares no code with the generator or the dbt models,
so it serves as the cross-check for both.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from orchestration.defs.ingest.contracts import CSV_KINDS, FileKind

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMBER = re.compile(r"^-?\d+(,\d+)?$")
HOURS_PER_FTE_YEAR = 1980
TOTAL_AREA = "Förvaltningen totalt"


def decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def parse_number(text: str) -> float | None:
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if cleaned == "":
        return None
    if not NUMBER.match(cleaned):
        raise ValueError(f"not a number: {text!r}")
    return float(cleaned.replace(",", "."))


def parse_date(text: str) -> date | None:
    if text.strip() == "":
        return None
    if not DATE.match(text.strip()):
        raise ValueError(f"not a date: {text!r}")
    return date.fromisoformat(text.strip())


@dataclass
class ParsedFile:
    name: str
    encoding: str
    header: list[str]
    rows: list[dict]
    rejected: list[tuple[int, str]]  # (line number, reason)


def parse_file(path: Path, kind: FileKind) -> ParsedFile:
    text, encoding = decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    header = [h.strip().lower() for h in next(reader)]
    missing = [c.name for c in kind.columns if c.required and c.name not in header]
    if missing:
        raise ValueError(f"{path.name}: kolumner saknas: {missing}")
    rows, rejected = [], []
    line = 1
    for record in reader:
        line = reader.line_num
        if len(record) != len(header):
            rejected.append((line, "fel antal fält"))
            continue
        values = dict(zip(header, record))
        parsed: dict = {}
        try:
            for column in kind.columns:
                raw = values.get(column.name, "")
                if raw.strip() == "":
                    if not column.nullable:
                        raise ValueError(f"{column.name} saknas")
                    parsed[column.name] = None
                    continue
                if column.type == "decimal":
                    parsed[column.name] = parse_number(raw)
                elif column.type == "int":
                    number = parse_number(raw)
                    if number is None or number != int(number):
                        raise ValueError(f"{column.name}: inte ett heltal")
                    parsed[column.name] = int(number)
                elif column.type == "date":
                    parsed[column.name] = parse_date(raw)
                elif column.type == "period_month":
                    if not PERIOD.match(raw.strip()):
                        raise ValueError(f"{column.name}: ogiltig period")
                    parsed[column.name] = raw.strip()
                elif column.allowed is not None and raw.strip() not in column.allowed:
                    raise ValueError(f"{column.name}: okänt värde {raw!r}")
                else:
                    parsed[column.name] = raw.strip() if column.type != "free_text" else raw
        except ValueError as error:
            rejected.append((line, str(error)))
            continue
        rows.append(parsed)
    return ParsedFile(path.name, encoding, header, rows, rejected)


def load_landing(landing: Path) -> dict[str, pd.DataFrame]:
    """Clean rows per kind after applying every delivery in file-name order."""
    tables: dict[str, dict[tuple, dict]] = {name: {} for name in CSV_KINDS}
    for path in sorted(p for p in Path(landing).iterdir() if p.is_file() and p.suffix.lower() == ".csv"):
        kind = next((k for k in CSV_KINDS.values() if path.name.lower().startswith(k.name + "_")), None)
        if kind is None:
            continue
        parsed = parse_file(path, kind)
        for row in parsed.rows:
            tables[kind.name][tuple(row[c] for c in kind.key)] = row
    return {name: pd.DataFrame(list(rows.values())) for name, rows in tables.items()}


def round_half_away(value: float, decimals: int) -> float:
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- organisation


def _org_lookup(organisation: pd.DataFrame) -> dict[str, list[tuple[date, date | None, str, str, str]]]:
    lookup: dict[str, list] = {}
    for row in organisation.itertuples(index=False):
        lookup.setdefault((row.kommunkod, row.enhet_id), []).append(
            (row.giltig_from, row.giltig_tom, row.enhet_namn, row.avdelning, row.verksamhetsomrade))
    return lookup


def _org_at(lookup, municipality: str, unit: str, day: date) -> tuple[str, str, str]:
    for valid_from, valid_to, name, department, area in lookup.get((municipality, unit), []):
        if valid_from <= day and (valid_to is None or day <= valid_to):
            return name, department, area
    return "", "", ""


# --------------------------------------------------------------------------- metrics


def _hr_metrics(manad: pd.DataFrame, avgang: pd.DataFrame, municipality: str, year: int) -> dict:
    rows = manad[(manad["kommunkod"] == municipality) & (manad["period"].str.startswith(f"{year}-"))]
    months = 12
    out: dict[tuple[str, str], float] = {}
    permanent = rows[rows["anstallningsform"] == "Tillsvidare"]
    temporary = rows[rows["anstallningsform"] == "Visstid"]
    monthly = rows[rows["anstallningsform"].isin(["Tillsvidare", "Visstid"])]
    hourly = rows[rows["anstallningsform"] == "Timavlönad"]

    def average_count(frame: pd.DataFrame) -> float:
        return frame.groupby("period")["anstallnings_id"].nunique().sum() / months

    permanent_count = average_count(permanent)
    out[("employees_permanent", "total")] = permanent_count
    out[("employees_temporary", "total")] = average_count(temporary)
    out[("employees_fulltime", "total")] = average_count(monthly[monthly["sysselsattningsgrad"] == 100])
    out[("employees_parttime", "total")] = average_count(monthly[monthly["sysselsattningsgrad"] < 100])
    out[("share_women_permanent_pct", "total")] = average_count(permanent[permanent["kon"] == "K"]) / permanent_count * 100
    out[("share_men_permanent_pct", "total")] = average_count(permanent[permanent["kon"] == "M"]) / permanent_count * 100
    out[("fte_contracted_permanent", "total")] = permanent["sysselsattningsgrad"].sum() / 100 / months
    out[("fte_contracted_temporary", "total")] = temporary["sysselsattningsgrad"].sum() / 100 / months
    rate = monthly["sysselsattningsgrad"].fillna(0) / 100
    ordinary = monthly["ordinarie_tid_h"].fillna(0)
    long_term = monthly["sjuk_h_dag60"].fillna(0)
    lost = (long_term / ordinary.where(ordinary > 0)).fillna(0)
    available = (rate * (1 - lost)).sum() / months
    hourly_hours = hourly["timavlonad_h"].fillna(0).sum()
    out[("fte_available_monthly_paid", "total")] = available
    out[("fte_hourly", "total")] = hourly_hours / HOURS_PER_FTE_YEAR
    out[("fte_total", "total")] = available + hourly_hours / HOURS_PER_FTE_YEAR
    out[("fte_overtime", "total")] = rows["overtid_h"].fillna(0).sum() / HOURS_PER_FTE_YEAR
    out[("fte_extra_hours", "total")] = rows["fyllnadstid_h"].fillna(0).sum() / HOURS_PER_FTE_YEAR
    out[("hours_hourly", "total")] = hourly_hours
    for sex in ("K", "M"):
        out[("hours_hourly", f"kon={sex}")] = hourly.loc[hourly["kon"] == sex, "timavlonad_h"].fillna(0).sum()
    out[("avg_employment_rate_permanent_pct", "total")] = permanent["sysselsattningsgrad"].mean()
    out[("avg_age_permanent", "total")] = (year - permanent["fodelsear"]).mean()
    sick_columns = ["sjuk_h_dag1_14", "sjuk_h_dag15_59", "sjuk_h_dag60"]
    sick = monthly[sick_columns].fillna(0)
    age = year - monthly["fodelsear"]

    def sick_pct(mask: pd.Series, columns=sick_columns) -> float:
        return sick.loc[mask, columns].to_numpy().sum() / ordinary[mask].sum() * 100

    everyone = pd.Series(True, index=monthly.index)
    out[("sick_leave_pct", "total")] = sick_pct(everyone)
    out[("sick_leave_pct", "kon=K")] = sick_pct(monthly["kon"] == "K")
    out[("sick_leave_pct", "kon=M")] = sick_pct(monthly["kon"] == "M")
    out[("sick_leave_pct", "alder=-29")] = sick_pct(age <= 29)
    out[("sick_leave_pct", "alder=30-49")] = sick_pct((age >= 30) & (age <= 49))
    out[("sick_leave_pct", "alder=50-")] = sick_pct(age >= 50)
    for column, band in zip(sick_columns, ("dag1-14", "dag15-59", "dag60-")):
        out[("sick_leave_pct", f"sjukperiod={band}")] = sick_pct(everyone, [column])
    endings = avgang[(avgang["kommunkod"] == municipality) & (avgang["anstallningsform"] == "Tillsvidare")]
    endings = endings[endings["slutdatum"].map(lambda d: d.year == year)]
    reasons = endings["avgangsorsak"]
    out[("turnover_total_pct", "total")] = len(endings) / permanent_count * 100
    out[("turnover_external_pct", "total")] = (reasons != "Intern rörlighet").sum() / permanent_count * 100
    out[("turnover_external_excl_pension_pct", "total")] = (
        (~reasons.isin(["Intern rörlighet", "Pension"])).sum() / permanent_count * 100)
    return out


def _category(account: str) -> str | None:
    number = int(account)
    if 3000 <= number <= 3999:
        return "revenue"
    if 4600 <= number <= 4699:
        return "purchased_services"
    if 5000 <= number <= 5999:
        return "personnel_costs"
    if 6100 <= number <= 6199:
        return "premises_rent"
    if 4000 <= number <= 7999:
        return "other_costs"
    return None


def _ledger_frame(ledger: pd.DataFrame, organisation: pd.DataFrame) -> pd.DataFrame:
    lookup = _org_lookup(organisation)
    frame = ledger.copy()
    frame["category"] = frame["konto"].map(_category)
    frame = frame[frame["category"].notna()]
    first_days = {p: date(int(p[:4]), int(p[5:]), 1) for p in frame["period"].unique()}
    org = [_org_at(lookup, m, u, first_days[p]) for m, u, p in zip(frame["kommunkod"], frame["ansvar"], frame["period"])]
    frame["unit_name"] = [o[0] for o in org]
    frame["department"] = [o[1] for o in org]
    frame["area"] = [o[2] for o in org]
    # shown sign: revenues positive, costs negative
    frame["shown"] = -frame["utfall"]
    frame["shown_budget"] = -frame["budget"]
    return frame


def _economy_value(frame: pd.DataFrame, metric: str) -> float:
    budget = metric.endswith("_budget")
    base = metric[: -len("_budget")] if budget else metric
    column = "shown_budget" if budget else "shown"
    costs = ["personnel_costs", "premises_rent", "purchased_services", "other_costs"]
    if base in ("revenue", *costs):
        selected = frame[frame["category"] == base]
    elif base == "total_costs":
        selected = frame[frame["category"].isin(costs)]
    elif base in ("net_cost", "result"):
        selected = frame
    else:
        raise KeyError(metric)
    return selected[column].sum(skipna=True) / 1000


def _snapshot_for(snapshots: list[date], period_end: date) -> date:
    later = [s for s in snapshots if s >= period_end]
    return min(later) if later else max(snapshots)


INCIDENT_FILTERS = {
    "deviations_reported": ("Avvikelse", None),
    "deviations_falls": ("Avvikelse", "Fall"),
    "deviations_medication": ("Avvikelse", "Läkemedel"),
    "deviations_conduct": ("Avvikelse", "Bemötande och förhållningssätt"),
    "deviations_case_handling": ("Avvikelse", "Handläggning och dokumentation"),
    "collaboration_deviations": ("Samverkansavvikelse", None),
    "complaints": ("Synpunkt/klagomål", None),
    "work_injuries": ("Arbetsskada", None),
    "near_misses": ("Tillbud", None),
}


def _incident_value(incidents: pd.DataFrame, lookup, municipality: str, year: int, metric: str, area: str) -> float:
    rows = incidents[incidents["kommunkod"] == municipality]
    snapshots = sorted(rows["uttagsdatum"].unique())
    snapshot = _snapshot_for(snapshots, date(year, 12, 31))
    rows = rows[(rows["uttagsdatum"] == snapshot) & rows["rapportdatum"].map(lambda d: d.year == year)]
    if area != TOTAL_AREA:
        areas = [_org_at(lookup, municipality, u, d)[2] for u, d in zip(rows["enhet_id"], rows["rapportdatum"])]
        rows = rows[[a == area for a in areas]]
    if metric in INCIDENT_FILTERS:
        report_type, category = INCIDENT_FILTERS[metric]
        selected = rows[rows["rapporttyp"] == report_type]
        if category:
            selected = selected[selected["kategori"] == category]
        return float(len(selected))
    deviations = rows[rows["rapporttyp"] == "Avvikelse"]
    if metric == "deviations_falls_serious":
        return float(((deviations["kategori"] == "Fall") & (deviations["allvarlighetsgrad"] == "Allvarlig")).sum())
    if metric == "deviations_new_older_than_30d":
        limit = snapshot - timedelta(days=30)
        return float(((deviations["status"] == "Ny") & deviations["rapportdatum"].map(lambda d: d <= limit)).sum())
    if metric == "deviations_not_closed_within_60d":
        limit = snapshot - timedelta(days=60)
        late = [
            (closed is not None and (closed - reported).days > 60) or (closed is None and reported <= limit)
            for closed, reported in zip(deviations["avslutsdatum"].where(deviations["avslutsdatum"].notna(), None),
                                        deviations["rapportdatum"])
        ]
        return float(sum(late))
    raise KeyError(metric)


def compare_with_published(landing: Path, published_csv: Path,
                           municipalities: tuple[str, ...] = ("1489", "1440")) -> pd.DataFrame:
    """One row per published figure: computed value, rounded as published, and whether it matches."""
    tables = load_landing(landing)
    published = pd.read_csv(published_csv, dtype=str, keep_default_na=False)
    published = published[published["kommunkod"].isin(municipalities)]
    organisation = tables["organisation"]
    lookup = _org_lookup(organisation)
    ledger = _ledger_frame(tables["ekonomi_huvudbok"], organisation)
    hr_cache: dict[tuple[str, int], dict] = {}
    results = []
    for figure in published.itertuples(index=False):
        municipality, year, metric = figure.kommunkod, int(figure.year), figure.metric
        decimals = len(figure.value.split(".")[1]) if "." in figure.value else 0
        value: float
        if metric in INCIDENT_FILTERS or metric.startswith("deviations_"):
            value = _incident_value(tables["avvikelser"], lookup, municipality, year, metric, figure.area)
        elif figure.unit in ("tkr",):
            frame = ledger[ledger["kommunkod"] == municipality]
            frame = frame[frame["period"] == figure.period] if len(figure.period) == 7 else frame[
                frame["period"].str.startswith(f"{year}-")]
            if figure.unit_id:
                frame = frame[frame["ansvar"] == figure.unit_id]
            elif " / " in figure.area:
                area, department = figure.area.split(" / ", 1)
                frame = frame[(frame["area"] == area) & (frame["department"] == department)]
            elif figure.area != TOTAL_AREA:
                frame = frame[frame["area"] == figure.area]
            value = _economy_value(frame, metric)
        else:
            key = (municipality, year)
            if key not in hr_cache:
                hr_cache[key] = _hr_metrics(tables["personal_manad"], tables["personal_avgang"], municipality, year)
            value = hr_cache[key][(metric, figure.slice)]
        rounded = round_half_away(float(value), decimals)
        results.append({
            "kommunkod": municipality, "year": year, "period": figure.period, "area": figure.area,
            "unit_id": figure.unit_id, "metric": metric, "slice": figure.slice, "published": float(figure.value),
            "computed": float(value), "rounded": rounded, "match": rounded == float(figure.value),
        })
    return pd.DataFrame(results)


def rejected_rows(landing: Path) -> dict[str, list[tuple[int, str]]]:
    """Rows a loader must quarantine, per file (for the contract tests)."""
    result = {}
    for path in sorted(Path(landing).glob("*.csv")):
        kind = next((k for k in CSV_KINDS.values() if path.name.lower().startswith(k.name + "_")), None)
        if kind is not None:
            result[path.name] = parse_file(path, kind).rejected
    return result
