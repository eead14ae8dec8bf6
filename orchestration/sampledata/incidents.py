"""Calibrated avvikelser sample: full snapshots of the case-management system.

Every report has one life cycle (reported → under investigation → åtgärdad →
closed); a snapshot shows each report's state on its uttagsdatum, so the status
moves on between snapshots. Counts by type, category and area are fixed per
year; the published backlog figures are met by choosing which reports are
still new at the year-end snapshot and which take long to close. No report is
dated on the boundary days D−30 and D−60 of a year-end snapshot, so "older
than" is unambiguous.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from orchestration.sampledata._common import YEARS, personnummer
from orchestration.sampledata.organisation import ALE, ALINGSAS, UNITS, Unit

AVVIKELSER_HEADER = (
    "kommunkod", "uttagsdatum", "avvikelse_id", "rapporttyp", "kategori", "lagrum", "enhet_id", "handelsedatum",
    "rapportdatum", "allvarlighetsgrad", "status", "avslutsdatum", "lex_sarah", "lex_maria", "beskrivning",
)
SNAPSHOTS = (date(2023, 12, 31), date(2024, 6, 30), date(2024, 12, 31), date(2025, 12, 31))

AO, FS, IFO, MOS, SC, KPV = (
    "Äldreomsorg", "Funktionsstöd", "Individ- och familjeomsorg", "Myndighet och specialiststöd",
    "Socialtjänst centralt", "Kommunal primärvård",
)

# Per year: rapporttyp -> {kategori: count}; Avvikelse also -> per area.
_ALE_AVVIKELSE = {
    2023: {"Fall": 1050, "Läkemedel": 880, "Bemötande och förhållningssätt": 45,
           "Handläggning och dokumentation": 100, "Vård och behandling": 700, "Informationsöverföring": 520,
           "Hot och våld": 260, "Övrigt": 295},
    2024: {"Fall": 1165, "Läkemedel": 920, "Bemötande och förhållningssätt": 39,
           "Handläggning och dokumentation": 112, "Vård och behandling": 700, "Informationsöverföring": 550,
           "Hot och våld": 280, "Övrigt": 303},
    2025: {"Fall": 1961, "Läkemedel": 1436, "Bemötande och förhållningssätt": 75,
           "Handläggning och dokumentation": 205, "Vård och behandling": 400, "Informationsöverföring": 300,
           "Hot och våld": 150, "Övrigt": 145},
}
# Areas of 2025's Avvikelse reports: 3584 belong to äldreomsorgen; the conduct
# reports split 31 äldreomsorg, 43 funktionsstöd, 1 IFO as published.
_ALE_AREAS_2025 = {
    "Fall": {AO: 1750, FS: 120, MOS: 91},
    "Läkemedel": {AO: 1150, FS: 190, MOS: 96},
    "Bemötande och förhållningssätt": {AO: 31, FS: 43, IFO: 1},
    "Handläggning och dokumentation": {AO: 60, MOS: 80, IFO: 45, FS: 20},
    "Vård och behandling": {AO: 300, MOS: 70, FS: 30},
    "Informationsöverföring": {AO: 180, MOS: 70, IFO: 30, FS: 20},
    "Hot och våld": {AO: 60, FS: 60, IFO: 30},
    "Övrigt": {AO: 53, FS: 40, IFO: 30, SC: 22},
}
_AREA_SHARE = {AO: 0.74, FS: 0.14, MOS: 0.08, IFO: 0.03, SC: 0.01}
_ALINGSAS_AREA_SHARE = {AO: 0.62, FS: 0.22, KPV: 0.12, MOS: 0.03, SC: 0.01}
_ALINGSAS_AVVIKELSE = {"Fall": 0.34, "Läkemedel": 0.29, "Bemötande och förhållningssätt": 0.04,
                       "Handläggning och dokumentation": 0.05, "Vård och behandling": 0.11,
                       "Informationsöverföring": 0.08, "Hot och våld": 0.045, "Övrigt": 0.045}

OTHER_TYPES = {
    ALE: {
        2023: {"Samverkansavvikelse": 130, "Synpunkt/klagomål": 180, "Arbetsskada": 95, "Tillbud": 240},
        2024: {"Samverkansavvikelse": 147, "Synpunkt/klagomål": 200, "Arbetsskada": 100, "Tillbud": 260},
        2025: {"Samverkansavvikelse": 88, "Synpunkt/klagomål": 84, "Arbetsskada": 110, "Tillbud": 280},
    },
    ALINGSAS: {
        2023: {"Samverkansavvikelse": 90, "Synpunkt/klagomål": 110, "Arbetsskada": 146, "Tillbud": 485},
        2024: {"Samverkansavvikelse": 95, "Synpunkt/klagomål": 120, "Arbetsskada": 154, "Tillbud": 713},
        2025: {"Samverkansavvikelse": 100, "Synpunkt/klagomål": 115, "Arbetsskada": 150, "Tillbud": 640},
    },
}
_ALINGSAS_AVVIKELSE_TOTAL = {2023: 1100, 2024: 1150, 2025: 1200}
# Categories of the other report types avoid the four categories published for
# rapporttyp Avvikelse, so category counts cannot be mixed up between types.
_OTHER_CATEGORIES = {
    "Samverkansavvikelse": ("Informationsöverföring", "Vård och behandling"),
    "Synpunkt/klagomål": ("Vård och behandling", "Informationsöverföring", "Övrigt"),
    "Arbetsskada": ("Hot och våld", "Övrigt"),
    "Tillbud": ("Hot och våld", "Övrigt", "Vård och behandling"),
}
# Published backlog (Ale): reports still "Ny" more than 30 days after being
# reported at the year-end snapshot, and reports not closed within 60 days.
_ALE_BACKLOG = {2024: {"new_older_than_30d": 1713}, 2025: {"new_older_than_30d": 972, "not_closed_within_60d": 719}}

_TEXTS = {
    "Fall": ("Brukaren hittades sittande på golvet i badrummet, inga synliga skador.",
             "Föll vid förflyttning från rullstol till säng; larmade sjuksköterska.",
             "Snubblade på mattan i hallen. Anhörig underrättad."),
    "Läkemedel": ("Kvällsdosen ej given enligt signeringslista.",
                  "Fel dos dispenserad; läkare kontaktad och ordination kontrollerad.",
                  "Läkemedel saknades i dosetten vid lunch."),
    "Bemötande och förhållningssätt": ("Anhörig upplevde otrevligt bemötande vid telefonsamtal.",
                                       "Brukaren kände sig inte lyssnad på vid besöket."),
    "Handläggning och dokumentation": ("Beslut saknades i akten vid uppföljning.",
                                       "Genomförandeplan ej uppdaterad efter ändrat beslut."),
    "Vård och behandling": ("Såromläggning utfördes inte enligt ordination.",
                            "Försenad insats p.g.a. personalbrist."),
    "Informationsöverföring": ("Information från sjukhuset kom inte fram vid utskrivning.",
                               "Överrapportering mellan arbetspass saknades."),
    "Hot och våld": ("Medarbetare blev knuffad av brukare vid dusch.",
                     "Hotfullt uttalande mot personal i samband med besök."),
    "Övrigt": ("Larm fungerade inte vid test.", "Nyckel saknades vid passets början."),
}


@dataclass
class Report:
    report_id: str
    report_type: str
    category: str
    legal_basis: str
    unit: str
    happened: date
    reported: date
    investigate: date
    fixed: date
    closed: date
    severity: str
    lex_sarah: bool
    lex_maria: bool
    text: str

    def row(self, municipality: str, snapshot: date) -> list[str]:
        if self.closed <= snapshot:
            status, closed = "Avslutad", self.closed.isoformat()
        elif self.fixed <= snapshot:
            status, closed = "Åtgärdad", ""
        elif self.investigate <= snapshot:
            status, closed = "Under utredning", ""
        else:
            status, closed = "Ny", ""
        assessed = status != "Ny"
        return [
            municipality, snapshot.isoformat(), self.report_id, self.report_type, self.category, self.legal_basis,
            self.unit, self.happened.isoformat(), self.reported.isoformat(), self.severity if assessed else "",
            status, closed, "J" if assessed and self.lex_sarah else "N", "J" if assessed and self.lex_maria else "N",
            self.text,
        ]


def _days_of(year: int, first: date | None = None, last: date | None = None) -> list[date]:
    start = first or date(year, 1, 1)
    end = last or date(year, 12, 31)
    excluded = {date(year, 11, 1), date(year, 12, 1)}
    days = []
    day = start
    while day <= end:
        if day not in excluded:
            days.append(day)
        day += timedelta(days=1)
    return days


def _split(total: int, shares: dict[str, float]) -> dict[str, int]:
    from orchestration.sampledata._common import largest_remainder

    keys = list(shares)
    return dict(zip(keys, largest_remainder(total, [shares[k] for k in keys])))


class _IncidentBuilder:
    def __init__(self, municipality: str, seed: int):
        self.municipality = municipality
        self.rng = random.Random(seed)
        self.units: list[Unit] = UNITS[municipality]
        self.reports: list[Report] = []
        self.serial = 0

    def unit_in(self, area: str, category: str) -> Unit:
        units = [u for u in self.units if u.current.area == area]
        preferred = {
            "Fall": ("boende", "hemtjanst", "lss", "hsl"),
            "Läkemedel": ("boende", "hemtjanst", "hsl", "lss"),
            "Handläggning och dokumentation": ("myndighet", "ifo", "hemtjanst", "lss"),
        }.get(category)
        if preferred:
            units = [u for u in units if u.profile in preferred] or units
        return self.rng.choices(units, weights=[u.staff for u in units])[0]

    def legal_basis(self, report_type: str, category: str, unit: Unit) -> str:
        if report_type in ("Arbetsskada", "Tillbud"):
            return ""
        if category in ("Bemötande och förhållningssätt", "Handläggning och dokumentation"):
            return "LSS" if unit.current.area == FS and unit.profile in ("lss", "pa") else "SoL"
        if category == "Läkemedel" or report_type == "Samverkansavvikelse" or unit.profile == "hsl":
            return "HSL"
        if unit.current.area == FS and unit.profile in ("lss", "pa"):
            return "LSS" if self.rng.random() < 0.7 else "HSL"
        if category in ("Fall", "Vård och behandling"):
            return "HSL" if self.rng.random() < 0.6 else "SoL"
        return self.rng.choice(("SoL", "SoL", ""))

    def text(self, category: str) -> str:
        text = self.rng.choice(_TEXTS[category])
        roll = self.rng.random()
        if roll < 0.04:
            birth = date(self.rng.randint(1925, 1950), self.rng.randint(1, 12), self.rng.randint(1, 28))
            text = f"{text} Gäller {personnummer(birth, self.rng.randint(0, 19), True)}."
        elif roll < 0.08:
            text = f"{text}\nÅtgärd: samtal med berörd personal; uppföljning på APT."
        elif roll < 0.1:
            text = f'{text} Anhörig: "kontakta oss direkt"'
        return text

    def add(self, year: int, report_type: str, category: str, unit: Unit, reported: date, *,
            new_until: date | None = None, open_until: date | None = None, slow: bool = False) -> None:
        self.serial += 1
        prefix = "AV" if self.municipality == ALE else "ALS"
        investigate = reported + timedelta(days=self.rng.randint(1, 20))
        if new_until is not None:
            investigate = new_until + timedelta(days=self.rng.randint(5, 90))
        fixed = investigate + timedelta(days=self.rng.randint(3, 20))
        closed = fixed + timedelta(days=self.rng.randint(2, 15))
        if open_until is not None:
            investigate = min(investigate, open_until - timedelta(days=2))
            closed = open_until + timedelta(days=self.rng.randint(5, 60))
            fixed = min(fixed, closed - timedelta(days=1))
        if slow:
            closed = reported + timedelta(days=self.rng.randint(62, 75))
            fixed = min(fixed, closed - timedelta(days=1))
        severity = self.rng.choices(("Ingen", "Lindrig", "Måttlig", "Allvarlig"), weights=(25, 50, 20, 5))[0]
        if category == "Fall" and year == 2025 and severity == "Allvarlig":
            severity = "Måttlig"
        legal = self.legal_basis(report_type, category, unit)
        self.reports.append(Report(
            report_id=f"{prefix}-{year}-{self.serial:05d}",
            report_type=report_type,
            category=category,
            legal_basis=legal,
            unit=unit.unit_id,
            happened=reported - timedelta(days=self.rng.choice((0, 0, 0, 1, 1, 2, 3))),
            reported=reported,
            investigate=investigate,
            fixed=fixed,
            closed=closed,
            severity=severity,
            lex_sarah=severity == "Allvarlig" and legal in ("SoL", "LSS") and self.rng.random() < 0.5,
            lex_maria=severity == "Allvarlig" and legal == "HSL" and self.rng.random() < 0.3,
            text=self.text(category),
        ))

    def build_year(self, year: int) -> None:
        avvikelse = self.avvikelse_plan(year)
        # (category, area) slots for rapporttyp Avvikelse, in random order
        slots = [(category, area) for (category, area), count in sorted(avvikelse.items()) for _ in range(count)]
        self.rng.shuffle(slots)
        year_end = date(year, 12, 31)
        backlog = _ALE_BACKLOG.get(year, {}) if self.municipality == ALE else {}
        new_old = backlog.get("new_older_than_30d", int(len(slots) * 0.08))
        not_closed = backlog.get("not_closed_within_60d")
        days = _days_of(year)
        dates = sorted(self.rng.choice(days) for _ in slots)
        early = [i for i, d in enumerate(dates) if d < date(year, 11, 1)]
        november = [i for i, d in enumerate(dates) if date(year, 11, 1) < d < date(year, 12, 1)]
        if not_closed is not None:
            recent = min(len(november) - 20, 300)
            chosen_early = new_old - recent
            extra = not_closed - chosen_early
            if chosen_early < 0 or extra < 0:
                raise ValueError(f"avvikelser {year}: backlog figures are inconsistent")
        else:
            recent = min(len(november) // 2, new_old // 4)
            chosen_early = new_old - recent
            extra = 0
        picked_early = self.rng.sample(early, chosen_early + extra)
        new_set = set(picked_early[:chosen_early]) | set(self.rng.sample(november, recent))
        open_set = set(picked_early[chosen_early:chosen_early + (extra * 2) // 3])
        slow_set = set(picked_early[chosen_early + (extra * 2) // 3:])
        for i, (category, area) in enumerate(slots):
            unit = self.unit_in(area, category)
            self.add(year, "Avvikelse", category, unit, dates[i],
                     new_until=year_end if i in new_set else None,
                     open_until=year_end if i in open_set else None,
                     slow=i in slow_set)
        for report_type, count in OTHER_TYPES[self.municipality][year].items():
            for _ in range(count):
                category = self.rng.choice(_OTHER_CATEGORIES[report_type])
                area = self.rng.choices(list(self.area_shares()), weights=list(self.area_shares().values()))[0]
                reported = self.rng.choice(days)
                self.add(year, report_type, category, self.unit_in(area, category), reported)

    def area_shares(self) -> dict[str, float]:
        return _AREA_SHARE if self.municipality == ALE else _ALINGSAS_AREA_SHARE

    def avvikelse_plan(self, year: int) -> dict[tuple[str, str], int]:
        plan: dict[tuple[str, str], int] = {}
        if self.municipality == ALE:
            by_category = _ALE_AVVIKELSE[year]
            for category, count in by_category.items():
                areas = _ALE_AREAS_2025[category] if year == 2025 else _split(count, _AREA_SHARE)
                if year == 2025 and sum(areas.values()) != count:
                    raise ValueError(f"avvikelser 2025 {category}: areas add up to {sum(areas.values())}")
                for area, n in areas.items():
                    plan[(category, area)] = plan.get((category, area), 0) + n
        else:
            by_category = _split(_ALINGSAS_AVVIKELSE_TOTAL[year], _ALINGSAS_AVVIKELSE)
            for category, count in by_category.items():
                for area, n in _split(count, _ALINGSAS_AREA_SHARE).items():
                    plan[(category, area)] = n
        return {key: n for key, n in plan.items() if n}


def build_incidents(municipality: str, seed: int) -> list[Report]:
    builder = _IncidentBuilder(municipality, seed)
    for year in YEARS:
        builder.build_year(year)
    return sorted(builder.reports, key=lambda r: r.report_id)


def snapshot_rows(municipality: str, reports: list[Report], snapshot: date) -> list[list[str]]:
    return [r.row(municipality, snapshot) for r in reports if r.reported <= snapshot]
