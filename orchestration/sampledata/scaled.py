"""Benchmark-sized raw exports: up to all 290 municipalities, not calibrated.

Same contract format as the sample. Rows are built with numpy per
municipality and month and appended to one file per kind and year, so memory
stays bounded by the largest municipality-month.
"""

from __future__ import annotations

import json
import shutil
from functools import lru_cache
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.sampledata._common import fmt_hours, fmt_money, last_day
from orchestration.settings import SAMPLE_LANDING_DIR

KOLADA_DIR = SAMPLE_LANDING_DIR / "kolada"
MAX_CENTIHOURS = 30000
RATE_TEXT = np.array([f"{v},0" for v in range(101)], dtype=object)
# Known large municipalities get realistic staff sizes; the rest are drawn.
LARGE = {"0180": 15000, "1480": 13000, "1280": 8500, "0380": 5200, "0580": 4300, "1880": 4100, "1980": 3900,
         "0581": 3600, "1281": 2900, "0680": 3300}
AREAS = (
    ("Äldreomsorg", "Särskilt boende", "boende", "510"),
    ("Äldreomsorg", "Hemtjänst", "hemtjanst", "511"),
    ("Funktionsstöd", "LSS boende", "lss", "520"),
    ("Funktionsstöd", "Personlig assistans", "pa", "521"),
    ("Kommunal primärvård", "Hälso- och sjukvård", "hsl", "513"),
    ("Myndighet och specialiststöd", "Myndighet", "myndighet", "590"),
    ("Individ- och familjeomsorg", "Barn och familj", "ifo", "531"),
    ("Socialtjänst centralt", "Ledning", "central", "590"),
)
AREA_WEIGHTS = np.array([0.30, 0.24, 0.14, 0.12, 0.08, 0.04, 0.06, 0.02])
UNIT_NAMES = {
    "boende": ("{place} äldreboende", "{place}gården", "Vård- och omsorgsboende {place}"),
    "hemtjanst": ("Hemtjänst {place}", "Hemtjänst {place} norra", "Hemtjänst {place} södra"),
    "lss": ("Gruppbostad {place}", "Serviceboende {place}", "Daglig verksamhet {place}"),
    "pa": ("Personlig assistans {place}",),
    "hsl": ("Hemsjukvård {place}", "Rehabenheten {place}"),
    "myndighet": ("Biståndsenheten {place}",),
    "ifo": ("Barn och unga {place}", "Vuxenenheten {place}"),
    "central": ("Förvaltningsledning {place}",),
}
OCCUPATION = {"boende": "Undersköterska", "hemtjanst": "Undersköterska", "lss": "Stödassistent",
              "pa": "Personlig assistent", "hsl": "Sjuksköterska", "myndighet": "Biståndshandläggare",
              "ifo": "Socialsekreterare", "central": "Administratör"}
ACCOUNTS = np.array(["3411", "3611", "3711", "4411", "4651", "5011", "5021", "5111", "5611", "6111", "7011", "8011"])
ACCOUNT_SHARE = np.array([-0.08, -0.05, -0.06, 0.04, 0.08, 0.45, 0.05, 0.02, 0.2, 0.09, 0.04, -0.9])
REASONS = np.array(["Egen begäran", "Pension", "Intern rörlighet", "Avliden", "Arbetsbrist", "Avsked"])
REASON_P = np.array([0.72, 0.15, 0.1, 0.01, 0.01, 0.01])
REPORT_TYPES = np.array(["Avvikelse", "Synpunkt/klagomål", "Samverkansavvikelse", "Arbetsskada", "Tillbud"])
REPORT_P = np.array([0.78, 0.04, 0.03, 0.04, 0.11])
CATEGORIES = np.array(["Fall", "Läkemedel", "Bemötande och förhållningssätt", "Handläggning och dokumentation",
                       "Vård och behandling", "Informationsöverföring", "Hot och våld", "Övrigt"])
CATEGORY_P = np.array([0.32, 0.26, 0.03, 0.05, 0.14, 0.1, 0.05, 0.05])
STATUSES = np.array(["Ny", "Under utredning", "Åtgärdad", "Avslutad"])
SEVERITIES = np.array(["Ingen", "Lindrig", "Måttlig", "Allvarlig"])
TEXTS = np.array(["Brukaren föll i badrummet, inga synliga skador.", "Kvällsdosen ej given enligt signeringslista.",
                  "Information från sjukhuset saknades vid hemgång.", "Medarbetare knuffad vid omvårdnad; rapporterat.",
                  "Larm fungerade inte vid test.\nFelanmält till leverantören."])

MANAD_HEADER = ("kommunkod;period;anstallnings_id;personnummer;kon;fodelsear;enhet_id;yrkesgrupp;anstallningsform;"
                "sysselsattningsgrad;ordinarie_tid_h;sjuk_h_dag1_14;sjuk_h_dag15_59;sjuk_h_dag60;overtid_h;"
                "fyllnadstid_h;timavlonad_h")
AVGANG_HEADER = "kommunkod;anstallnings_id;personnummer;anstallningsform;enhet_id;yrkesgrupp;slutdatum;avgangsorsak"
LEDGER_HEADER = "kommunkod;period;ansvar;verksamhet;konto;utfall;budget"
ORGANISATION_HEADER = "kommunkod;enhet_id;enhet_namn;avdelning;verksamhetsomrade;giltig_from;giltig_tom"
AVVIKELSER_HEADER = ("kommunkod;uttagsdatum;avvikelse_id;rapporttyp;kategori;lagrum;enhet_id;handelsedatum;"
                     "rapportdatum;allvarlighetsgrad;status;avslutsdatum;lex_sarah;lex_maria;beskrivning")


def municipalities_from_kolada(kolada_dir: Path = KOLADA_DIR) -> list[tuple[str, str]]:
    data = json.loads((kolada_dir / "municipality.json").read_text(encoding="utf-8"))
    return sorted((m["id"], m["title"]) for m in data["values"] if m["type"] == "K")


@lru_cache(maxsize=1)
def _hours_table() -> np.ndarray:
    """Decimal-comma text of every hour value a row can hold, for vectorised look-up."""
    return np.array([fmt_hours(v) for v in range(MAX_CENTIHOURS + 1)], dtype=object)


def _hours(centi: np.ndarray) -> np.ndarray:
    return _hours_table()[np.clip(np.asarray(centi, dtype=np.int64), 0, MAX_CENTIHOURS)]


def _money(ore: np.ndarray, thousands: str) -> list[str]:
    return [fmt_money(int(v), thousands) for v in ore]


def _luhn(nine: np.ndarray) -> np.ndarray:
    digits = np.stack([(nine // 10 ** (8 - k)) % 10 for k in range(9)], axis=1)
    factors = np.array([2, 1, 2, 1, 2, 1, 2, 1, 2])
    products = digits * factors
    total = (products // 10 + products % 10).sum(axis=1)
    return (10 - total % 10) % 10


def _personnummer(birth_year: np.ndarray, rng: np.random.Generator, hyphen: bool) -> np.ndarray:
    month = rng.integers(1, 13, birth_year.size)
    day = rng.integers(1, 29, birth_year.size)
    number = rng.integers(980, 1000, birth_year.size)
    nine = (birth_year % 100) * 10**7 + month * 10**5 + day * 10**3 + number
    check = _luhn(nine)
    date_part = pd.Series(birth_year * 10000 + month * 100 + day).astype(str)
    tail = pd.Series(number * 10 + check).astype(str)
    return (date_part + ("-" if hyphen else "") + tail).to_numpy()


class _Municipality:
    def __init__(self, code: str, name: str, rng: np.random.Generator, years: Sequence[int]):
        self.code = code
        self.name = name
        self.rng = rng
        size = LARGE.get(code) or int(np.clip(rng.lognormal(7.0, 0.8), 300, 12000))
        self.size = size
        n_units = max(8, size // 28)
        area_index = rng.choice(len(AREAS), n_units, p=AREA_WEIGHTS)
        area_index[: len(AREAS)] = np.arange(len(AREAS))
        self.unit_ids = np.array([f"{1000 + 7 * k}" for k in range(n_units)])
        self.unit_area = area_index
        self.unit_names = []
        for k, a in enumerate(area_index):
            template = UNIT_NAMES[AREAS[a][2]][k % len(UNIT_NAMES[AREAS[a][2]])]
            self.unit_names.append(template.format(place=f"{name} {k // 8 + 1}" if k >= 8 else name))
        # Employment pool over all years: monthly-paid and hourly-paid.
        months = 12 * len(years)
        self.months = months
        total = int(size * (1 + 0.3 * len(years)))
        self.form = rng.choice(np.array(["Tillsvidare", "Visstid", "Timavlönad"]), total, p=[0.72, 0.08, 0.20])
        self.start = np.where(rng.random(total) < size / total, -1, rng.integers(0, months, total))
        length = rng.geometric(np.where(self.form == "Tillsvidare", 1 / 60, 1 / 7))
        self.end = np.minimum(months - 1, np.maximum(self.start, 0) + length)
        self.ended = self.end < months - 1
        self.emp_ids = np.array([f"{code}{k:07d}" for k in range(total)])
        self.birth_year = years[0] - np.clip(rng.normal(44, 12, total), 19, 66).astype(int)
        self.sex = rng.choice(np.array(["K", "M", ""]), total, p=[0.82, 0.177, 0.003])
        self.pnr = _personnummer(self.birth_year, rng, hyphen=bool(int(code) % 2))
        self.unit = rng.choice(n_units, total, p=self._unit_weights())
        self.occupation = np.array([OCCUPATION[AREAS[self.unit_area[u]][2]] for u in self.unit])
        full = rng.random(total) < 0.8
        rate = np.where(full, 100, rng.integers(40, 100, total))
        self.rate = np.where(self.form == "Timavlönad", 0, rate)
        self.hourly_mean = rng.uniform(20, 140, total)
        self.sick_prone = rng.random(total) < 0.12

    def _unit_weights(self) -> np.ndarray:
        weights = AREA_WEIGHTS[self.unit_area] / np.bincount(self.unit_area, minlength=len(AREAS))[self.unit_area]
        return weights / weights.sum()

    def manad_month(self, t: int, period: str) -> pd.DataFrame:
        present = np.flatnonzero((self.start <= t) & (self.end >= t))
        rng = self.rng
        n = present.size
        form = self.form[present]
        hourly = form == "Timavlönad"
        rate = self.rate[present]
        ordinary = rate * 165
        sick = np.where(self.sick_prone[present], rng.uniform(0.0, 1.0, n), rng.uniform(0, 0.08, n))
        sick = np.where(rng.random(n) < 0.5, 0, sick)
        sick_total = (ordinary * sick).astype(np.int64) // 25 * 25
        long_share = np.where(self.sick_prone[present], 0.7, 0.0)
        day60 = (sick_total * long_share).astype(np.int64)
        day15 = ((sick_total - day60) * 0.2).astype(np.int64)
        day1 = sick_total - day60 - day15
        overtime = np.where(rng.random(n) < 0.12, rng.integers(100, 2000, n), 0)
        extra = np.where((rate < 100) & (rng.random(n) < 0.3), rng.integers(100, 1600, n), 0)
        hours = (self.hourly_mean[present] * rng.uniform(0.5, 1.5, n) * 100).astype(np.int64)
        empty = np.full(n, "", dtype=object)
        frame = pd.DataFrame({
            "kommunkod": self.code,
            "period": period,
            "anstallnings_id": self.emp_ids[present],
            "personnummer": self.pnr[present],
            "kon": self.sex[present],
            "fodelsear": self.birth_year[present],
            "enhet_id": self.unit_ids[self.unit[present]],
            "yrkesgrupp": self.occupation[present],
            "anstallningsform": form,
            "sysselsattningsgrad": np.where(hourly, empty, RATE_TEXT[rate]),
            "ordinarie_tid_h": np.where(hourly, "0", _hours(ordinary)),
            "sjuk_h_dag1_14": np.where(hourly, "0", _hours(day1)),
            "sjuk_h_dag15_59": np.where(hourly, "0", _hours(day15)),
            "sjuk_h_dag60": np.where(hourly, "0", _hours(day60)),
            "overtid_h": np.where(hourly, "0", _hours(overtime)),
            "fyllnadstid_h": np.where(hourly, empty, _hours(extra)),
            "timavlonad_h": np.where(hourly, _hours(hours), empty),
        })
        return frame

    def endings(self, year_months: range, years: Sequence[int]) -> pd.DataFrame:
        idx = np.flatnonzero(self.ended & (self.end >= year_months.start) & (self.end < year_months.stop))
        n = idx.size
        reason = np.where(self.form[idx] == "Tillsvidare", self.rng.choice(REASONS, n, p=REASON_P),
                          np.where(self.rng.random(n) < 0.8, "Visstid upphör", "Egen begäran"))
        end_month = self.end[idx]
        days = [last_day(years[0] + int(m) // 12, int(m) % 12 + 1).isoformat() for m in end_month]
        return pd.DataFrame({
            "kommunkod": self.code, "anstallnings_id": self.emp_ids[idx], "personnummer": self.pnr[idx],
            "anstallningsform": self.form[idx], "enhet_id": self.unit_ids[self.unit[idx]],
            "yrkesgrupp": self.occupation[idx], "slutdatum": days, "avgangsorsak": reason,
        })

    def ledger_year(self, year: int) -> pd.DataFrame:
        n_units = self.unit_ids.size
        staff = np.bincount(self.unit, minlength=n_units) + 1
        periods = np.array([f"{year}-{m:02d}" for m in range(1, 13)])
        unit_grid, month_grid, account_grid = np.meshgrid(np.arange(n_units), np.arange(12), np.arange(ACCOUNTS.size),
                                                          indexing="ij")
        unit_grid, month_grid, account_grid = unit_grid.ravel(), month_grid.ravel(), account_grid.ravel()
        base = staff[unit_grid] * 48_000_00 * ACCOUNT_SHARE[account_grid]
        noise = self.rng.uniform(0.85, 1.15, base.size)
        outcome = (base * noise).astype(np.int64)
        budget = (base * self.rng.uniform(0.95, 1.03, base.size)).astype(np.int64) // 100 * 100
        budget_text = np.where(self.rng.random(base.size) < 0.05, "", np.array(_money(budget, " "), dtype=object))
        activity = np.array([AREAS[a][3] for a in self.unit_area])
        return pd.DataFrame({
            "kommunkod": self.code, "period": periods[month_grid], "ansvar": self.unit_ids[unit_grid],
            "verksamhet": activity[unit_grid], "konto": ACCOUNTS[account_grid],
            "utfall": _money(outcome, "\u00a0"), "budget": budget_text,
        })

    def organisation(self) -> pd.DataFrame:
        return pd.DataFrame({
            "kommunkod": self.code, "enhet_id": self.unit_ids, "enhet_namn": self.unit_names,
            "avdelning": [AREAS[a][1] for a in self.unit_area], "verksamhetsomrade": [AREAS[a][0] for a in self.unit_area],
            "giltig_from": "2019-01-01", "giltig_tom": "",
        })

    def reports(self, years: Sequence[int]) -> pd.DataFrame:
        per_year = int(self.size * 1.5)
        n = per_year * len(years)
        first = np.datetime64(f"{years[0]}-01-01")
        span = (np.datetime64(f"{years[-1] + 1}-01-01") - first).astype(int)
        reported = first + self.rng.integers(0, span, n).astype("timedelta64[D]")
        order = np.argsort(reported, kind="stable")
        reported = reported[order]
        handle = self.rng.integers(1, 60, n).astype("timedelta64[D]")
        return pd.DataFrame({
            "avvikelse_id": [f"{self.code}-{k:07d}" for k in range(n)],
            "rapporttyp": self.rng.choice(REPORT_TYPES, n, p=REPORT_P),
            "kategori": self.rng.choice(CATEGORIES, n, p=CATEGORY_P),
            "lagrum": self.rng.choice(np.array(["HSL", "SoL", "LSS", ""]), n, p=[0.45, 0.35, 0.15, 0.05]),
            "enhet_id": self.unit_ids[self.rng.integers(0, self.unit_ids.size, n)],
            "rapportdatum": reported,
            "handelsedatum": reported - self.rng.integers(0, 3, n).astype("timedelta64[D]"),
            "utredning": reported + handle // 3,
            "avslut": reported + handle,
            "allvarlighetsgrad": self.rng.choice(SEVERITIES, n, p=[0.25, 0.5, 0.2, 0.05]),
            "beskrivning": self.rng.choice(TEXTS, n),
        })


def _snapshot(frame: pd.DataFrame, code: str, day: np.datetime64) -> pd.DataFrame:
    shown = frame[frame["rapportdatum"] <= day]
    closed = shown["avslut"] <= day
    investigating = shown["utredning"] <= day
    status = np.where(closed, "Avslutad", np.where(investigating, "Under utredning", "Ny"))
    return pd.DataFrame({
        "kommunkod": code, "uttagsdatum": str(day), "avvikelse_id": shown["avvikelse_id"],
        "rapporttyp": shown["rapporttyp"], "kategori": shown["kategori"], "lagrum": shown["lagrum"],
        "enhet_id": shown["enhet_id"], "handelsedatum": shown["handelsedatum"].astype(str),
        "rapportdatum": shown["rapportdatum"].astype(str),
        "allvarlighetsgrad": np.where(status == "Ny", "", shown["allvarlighetsgrad"]), "status": status,
        "avslutsdatum": np.where(closed, shown["avslut"].astype(str), ""), "lex_sarah": "N", "lex_maria": "N",
        "beskrivning": shown["beskrivning"],
    })


def _append(frame: pd.DataFrame, handle) -> None:
    frame.to_csv(handle, sep=";", header=False, index=False, lineterminator="\n")


def generate_scaled(out_dir: Path, municipalities: int, years: tuple[int, ...], seed: int = 0) -> list[Path]:
    """Write uncalibrated exports for the first `municipalities` of Kolada's 290, plus the Kolada folder."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    years = tuple(sorted(years))
    if not years:
        raise ValueError("minst ett år krävs")
    chosen = municipalities_from_kolada()[: max(1, min(municipalities, 290))]
    kolada_target = out_dir / "kolada"
    if kolada_target.exists():
        shutil.rmtree(kolada_target)
    shutil.copytree(KOLADA_DIR, kolada_target)
    paths = {
        "organisation": out_dir / "organisation_riket.csv",
        **{("manad", y): out_dir / f"personal_manad_riket_{y}.csv" for y in years},
        **{("avgang", y): out_dir / f"personal_avgang_riket_{y}.csv" for y in years},
        **{("ledger", y): out_dir / f"ekonomi_huvudbok_riket_{y}.csv" for y in years},
        **{("avv", y): out_dir / f"avvikelser_riket_{y}-12-31.csv" for y in years},
    }
    headers = {"organisation": ORGANISATION_HEADER, "manad": MANAD_HEADER, "avgang": AVGANG_HEADER,
               "ledger": LEDGER_HEADER, "avv": AVVIKELSER_HEADER}
    handles = {}
    try:
        for key, path in paths.items():
            handle = path.open("w", encoding="utf-8", newline="")
            handle.write(headers[key if isinstance(key, str) else key[0]] + "\n")
            handles[key] = handle
        for position, (code, name) in enumerate(chosen):
            rng = np.random.default_rng([seed, position, int(code)])
            municipality = _Municipality(code, name, rng, years)
            _append(municipality.organisation(), handles["organisation"])
            reports = municipality.reports(years)
            for y_index, year in enumerate(years):
                for month in range(12):
                    t = y_index * 12 + month
                    _append(municipality.manad_month(t, f"{year}-{month + 1:02d}"), handles[("manad", year)])
                _append(municipality.endings(range(y_index * 12, y_index * 12 + 12), years), handles[("avgang", year)])
                _append(municipality.ledger_year(year), handles[("ledger", year)])
                _append(_snapshot(reports, code, np.datetime64(f"{year}-12-31")), handles[("avv", year)])
    finally:
        for handle in handles.values():
            handle.close()
    return sorted(paths.values())
