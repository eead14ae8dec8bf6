"""Calibrated payroll sample: personal_manad and personal_avgang.

The population is a panel over 2023–2025: employments continue across years,
end with a reason, and are replaced by new hires. Each published figure is
then hit constructively, year by year:

- head counts: the number of employments per month is fixed in advance, so
  yearly averages are exact;
- turnover: the number of endings per reason is fixed in advance;
- heltid/deltid and årsarbetare: sysselsättningsgrad is set per employment and
  year (people move between part- and full-time), part-time rates fine-tune FTE;
- sex and age: only people who are new in the year being calibrated are
  changed, so earlier years stay as calibrated;
- sick leave: exact rates for every published slice are solved together
  (they share one total), then hours are placed on rows, long spells as runs of
  months;
- hours (hourly-paid, overtime, fyllnadstid) are split with largest remainder.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from scipy.optimize import linprog

from orchestration.sampledata._common import (
    HOURS_PER_FTE_YEAR,
    YEARS,
    largest_remainder,
    last_day,
    month_of,
    personnummer,
    random_birth_date,
)
from orchestration.sampledata.organisation import ALE, ALINGSAS, OCCUPATIONS, UNITS, Unit
from orchestration.sampledata.published import FigureBook

FIRST_MONTH = {year: (year - YEARS[0]) * 12 for year in YEARS}
AGE_BANDS = ("alder=-29", "alder=30-49", "alder=50-")
AGE_RANGES = {0: (20, 29), 1: (30, 49), 2: (50, 63)}
SPELL_BANDS = ("sjukperiod=dag1-14", "sjukperiod=dag15-59", "sjukperiod=dag60-")
SEX_SLICES = {"K": "kon=K", "M": "kon=M"}
LEAVING_MONTH_WEIGHTS = (6, 6, 7, 7, 8, 12, 7, 11, 8, 8, 7, 13)
HOURLY_SEASON = (0.9, 0.85, 0.9, 0.9, 1.0, 1.35, 1.7, 1.5, 0.95, 0.9, 0.9, 1.05)


def age_band(age: int) -> int:
    return 0 if age <= 29 else (1 if age <= 49 else 2)


@dataclass
class Person:
    pnr: str
    sex: str  # "K", "M" or "" (not registered)
    birth_year: int
    first_month: int  # first month the person is seen in the export
    birthday: tuple[int, int, int] = (1, 1, 0)  # month, day, serial; the number is set once the age is final
    frozen: bool = False  # pensioners keep their age

    def assign_personnummer(self, hyphen: bool) -> None:
        month, day, serial = self.birthday
        self.pnr = personnummer(date(self.birth_year, month, min(day, 28 if month == 2 else day)), serial, hyphen)


@dataclass
class Employment:
    emp_id: str
    person: int
    form: str
    unit: str
    occupation: str
    start: int
    end: int  # inclusive month index; last month of the panel if still employed
    syss: dict[int, int] = field(default_factory=dict)  # year -> percent
    ending: tuple[date, str] | None = None
    hourly_intensity: float = 0.0

    def months_in(self, year: int) -> int:
        first = FIRST_MONTH[year]
        return max(0, min(self.end, first + 11) - max(self.start, first) + 1)

    def month_indices(self, year: int) -> range:
        first = FIRST_MONTH[year]
        return range(max(self.start, first), min(self.end, first + 11) + 1)


@dataclass
class YearSpec:
    """What one year of one municipality must add up to."""

    permanent_months: int
    temporary_months: int
    fulltime_months: int | None
    contracted_permanent_pm: int | None  # sum of sysselsättningsgrad (percent) × months, Tillsvidare
    contracted_temporary_pm: int | None
    available_window: tuple[float, float] | None  # monthly-paid available FTE must fall inside
    part_time_rate: int  # typical part-time sysselsättningsgrad
    permanent_by_sex: dict[str, int] | None
    female_share: float
    leavers: dict[str, int]  # reason -> count of Tillsvidare endings
    hourly_hours: dict[str, int]  # sex ("K", "M", "", or "*" for all) -> centi-hours
    overtime: int  # centi-hours
    extra_hours: int  # centi-hours (fyllnadstid)
    sick_centre: dict[str, float]
    sick_published: frozenset[str]
    avg_age_permanent: float | None


@dataclass
class HrSample:
    municipality: str
    people: list[Person]
    employments: list[Employment]
    # (employment index, month index) -> hours in centi-hours
    sick: dict[tuple[int, int], list[int]]
    overtime: dict[tuple[int, int], int]
    extra: dict[tuple[int, int], int]
    hourly: dict[tuple[int, int], int]
    sick_rates: dict[int, dict[str, float]]
    unmatched: list[str]


# --------------------------------------------------------------------------- specs


def _rounds_to(value: float, published: float, decimals: int) -> bool:
    return abs(value - published) < 0.5 * 10.0**-decimals - 1e-9


def _count_for_share(total: int, share_pct: float, decimals: int = 1) -> int:
    count = round(total * share_pct / 100)
    for candidate in sorted(range(count - 3, count + 4), key=lambda c: abs(c - total * share_pct / 100)):
        if _rounds_to(candidate / total * 100, share_pct, decimals):
            return candidate
    raise ValueError(f"no count of {total} gives {share_pct} %")


def _leavers_for(denominator: float, total: float | None, external: float | None, excl_pension: float | None,
                 defaults: dict[str, int]) -> dict[str, int]:
    """Endings per reason whose shares of the denominator round to the published turnover."""

    def count_for(pct: float | None, fallback: int) -> int:
        if pct is None:
            return fallback
        base = round(denominator * pct / 100)
        for candidate in sorted(range(base - 3, base + 4), key=lambda c: abs(c - denominator * pct / 100)):
            if _rounds_to(candidate / denominator * 100, pct, 1):
                return candidate
        raise ValueError(f"no ending count gives turnover {pct} %")

    other = count_for(excl_pension, defaults["other"])
    external_count = count_for(external, other + defaults["pension"])
    total_count = count_for(total, external_count + defaults["intern"])
    return {"other": other, "pension": external_count - other, "intern": total_count - external_count}


def build_specs(municipality: str, book: FigureBook) -> dict[int, YearSpec]:
    specs: dict[int, YearSpec] = {}
    defaults = _DEFAULTS[municipality]
    for year in YEARS:
        d = defaults[year]

        def pub(metric: str, slice: str = "total", *, _year: int = year) -> float | None:
            return book.value(metric, _year, slice=slice)

        permanent = pub("employees_permanent") or d["permanent"]
        temporary = pub("employees_temporary") or d["temporary"]
        permanent_months = int(round(permanent * 12))
        temporary_months = _pick_months(temporary, d.get("temporary_offset", 0))
        fulltime_months = None
        fulltime, parttime = pub("employees_fulltime"), pub("employees_parttime")
        if fulltime is not None and parttime is not None:
            monthly_paid = permanent_months + temporary_months
            # Temporary head count can move within its rounding interval so the
            # monthly-paid total also splits into the published full/part counts.
            for temp_months in sorted(range(int((temporary - 0.5) * 12) + 1, int((temporary + 0.5) * 12)),
                                      key=lambda m: abs(m - temporary * 12)):
                monthly_paid = permanent_months + temp_months
                options = [
                    ft for ft in range(int((fulltime - 0.5) * 12) + 1, int((fulltime + 0.5) * 12))
                    if _rounds_to((monthly_paid - ft) / 12, parttime, 0)
                ]
                if options:
                    temporary_months = temp_months
                    fulltime_months = options[len(options) // 2]
                    break
            if fulltime_months is None:
                raise ValueError(f"{municipality} {year}: full/part-time counts cannot be met")

        def pm_target(metric: str) -> int | None:
            value = pub(metric)
            return int(round(value * 1200)) if value is not None else None

        available_window = None
        available = pub("fte_available_monthly_paid")
        if available is not None:
            low, high = available - 0.5, available + 0.5
            total = pub("fte_total")
            hourly_total = pub("hours_hourly")
            if total is not None and hourly_total is not None:
                hourly_fte = hourly_total / HOURS_PER_FTE_YEAR
                low, high = max(low, total - 0.5 - hourly_fte), min(high, total + 0.5 - hourly_fte)
            available_window = (low, high)

        by_sex = None
        women, men = pub("share_women_permanent_pct"), pub("share_men_permanent_pct")
        if women is not None and men is not None:
            by_sex = {"K": _count_for_share(permanent_months, women), "M": _count_for_share(permanent_months, men)}
        leavers = _leavers_for(
            permanent_months / 12,
            pub("turnover_total_pct"),
            pub("turnover_external_pct"),
            pub("turnover_external_excl_pension_pct"),
            d["leavers"],
        )
        hourly: dict[str, int]
        hours_total = pub("hours_hourly")
        if hours_total is not None:
            hourly = {"*": int(hours_total) * 100}
            women_hours, men_hours = pub("hours_hourly", "kon=K"), pub("hours_hourly", "kon=M")
            if women_hours is not None and men_hours is not None:
                hourly = {
                    "K": int(women_hours) * 100,
                    "M": int(men_hours) * 100,
                    "": int(hours_total - women_hours - men_hours) * 100,
                }
        else:
            fte_hourly = pub("fte_hourly")
            hours = round(fte_hourly * HOURS_PER_FTE_YEAR) if fte_hourly is not None else d["hourly_hours"]
            hourly = {"*": int(hours) * 100}
        overtime = pub("fte_overtime")
        extra = pub("fte_extra_hours")
        sick_centre = dict(d["sick"])
        published = set()
        for slice_name in ("total", "kon=K", "kon=M", *AGE_BANDS, *SPELL_BANDS):
            value = pub("sick_leave_pct", slice_name)
            if value is not None:
                sick_centre[slice_name] = value
                published.add(slice_name)
        specs[year] = YearSpec(
            permanent_months=permanent_months,
            temporary_months=temporary_months,
            fulltime_months=fulltime_months,
            contracted_permanent_pm=pm_target("fte_contracted_permanent"),
            contracted_temporary_pm=pm_target("fte_contracted_temporary"),
            available_window=available_window,
            part_time_rate=d["part_time_rate"],
            permanent_by_sex=by_sex,
            female_share=d["female_share"],
            leavers=leavers,
            hourly_hours=hourly,
            overtime=int(round((overtime if overtime is not None else d["overtime_fte"]) * HOURS_PER_FTE_YEAR)) * 100,
            extra_hours=int(round((extra if extra is not None else d["extra_fte"]) * HOURS_PER_FTE_YEAR)) * 100,
            sick_centre=sick_centre,
            sick_published=frozenset(published),
            avg_age_permanent=pub("avg_age_permanent") or d.get("avg_age"),
        )
    return specs


def _pick_months(average: float, offset: int) -> int:
    return int(round(average * 12)) + offset


_SICK_ALINGSAS_2025 = {
    "total": 8.0, "kon=K": 8.9, "kon=M": 4.6, "alder=-29": 5.2, "alder=30-49": 7.9, "alder=50-": 9.3,
    "sjukperiod=dag1-14": 3.4, "sjukperiod=dag15-59": 1.2, "sjukperiod=dag60-": 3.4,
}
_SICK_TEMPLATE = {
    "total": 10.0, "kon=K": 10.5, "kon=M": 7.0, "alder=-29": 8.0, "alder=30-49": 10.0, "alder=50-": 11.0,
    "sjukperiod=dag1-14": 4.0, "sjukperiod=dag15-59": 1.5, "sjukperiod=dag60-": 4.5,
}

# Values for years and slices the municipalities did not publish (never checked).
_DEFAULTS: dict[str, dict[int, dict]] = {
    ALINGSAS: {
        2023: dict(permanent=1315, temporary=112, part_time_rate=75, female_share=0.83,
                   leavers={"other": 129, "pension": 26, "intern": 20}, hourly_hours=341550,
                   overtime_fte=17.8, extra_fte=6.1, sick=_SICK_TEMPLATE),
        2024: dict(permanent=1318, temporary=131, part_time_rate=75, female_share=0.83,
                   leavers={"other": 119, "pension": 24, "intern": 22}, hourly_hours=359568,
                   overtime_fte=14.9, extra_fte=5.3, sick=_SICK_TEMPLATE),
        2025: dict(permanent=1322, temporary=128, part_time_rate=76, female_share=0.83,
                   leavers={"other": 123, "pension": 25, "intern": 20}, hourly_hours=350460,
                   overtime_fte=15.6, extra_fte=5.0, sick=_SICK_ALINGSAS_2025, avg_age=45.2),
    },
    ALE: {
        2023: dict(permanent=855, temporary=66, part_time_rate=35, female_share=0.87,
                   leavers={"other": 144, "pension": 7, "intern": 25}, hourly_hours=172271,
                   overtime_fte=10.6, extra_fte=2.0, sick=_SICK_TEMPLATE),
        2024: dict(permanent=842, temporary=44, part_time_rate=55, female_share=0.87,
                   leavers={"other": 105, "pension": 16, "intern": 34}, hourly_hours=169694,
                   overtime_fte=9.8, extra_fte=1.7, sick=_SICK_TEMPLATE),
        2025: dict(permanent=861, temporary=64, part_time_rate=35, female_share=0.86,
                   leavers={"other": 101, "pension": 11, "intern": 27}, hourly_hours=215870,
                   overtime_fte=10.4, extra_fte=1.6, sick=_SICK_TEMPLATE),
    },
}


# --------------------------------------------------------------------------- builder


class _Builder:
    def __init__(self, municipality: str, specs: dict[int, YearSpec], seed: int):
        self.municipality = municipality
        self.specs = specs
        self.rng = random.Random(seed)
        self.units: list[Unit] = UNITS[municipality]
        self.people: list[Person] = []
        self.employments: list[Employment] = []
        self.hyphen = municipality == ALE
        self.next_emp = 1
        self.serial = 0
        self.unmatched: list[str] = []

    # ---------------------------------------------------------------- identities
    def new_person(self, age_in_first_year: int, first_month: int, sex: str | None = None) -> int:
        year = month_of(first_month)[0]
        birth_year = year - age_in_first_year
        self.serial += 1
        if sex is None:
            sex = "K" if self.rng.random() < self.specs[year].female_share else "M"
        birth = random_birth_date(self.rng, birth_year)
        self.people.append(Person("", sex, birth_year, first_month, (birth.month, birth.day, self.serial)))
        return len(self.people) - 1

    def new_emp_id(self) -> str:
        self.next_emp += 1
        if self.municipality == ALE:
            return f"ALE{self.next_emp * 7 + 100000:06d}"
        return f"{23000000 + self.next_emp * 3}"

    def pick_unit(self, exclude: str | None = None) -> Unit:
        units = [u for u in self.units if u.unit_id != exclude]
        return self.rng.choices(units, weights=[u.staff for u in units])[0]

    def pick_occupation(self, unit: Unit, form: str) -> str:
        names, weights = zip(*OCCUPATIONS[unit.profile])
        occupation = self.rng.choices(names, weights=weights)[0]
        if form != "Tillsvidare" and occupation == "Enhetschef":
            occupation = names[0]
        return occupation

    def random_age(self, young: bool = False) -> int:
        if young:
            return int(min(60, max(19, self.rng.gauss(31, 9))))
        return int(min(63, max(20, self.rng.gauss(45, 11))))

    def add_employment(self, person: int, form: str, start: int, end: int, unit: Unit | None = None) -> int:
        unit = unit or self.pick_unit()
        emp = Employment(self.new_emp_id(), person, form, unit.unit_id, self.pick_occupation(unit, form), start, end)
        self.employments.append(emp)
        return len(self.employments) - 1

    # ---------------------------------------------------------------- panels
    def build_permanent(self) -> None:
        months = 12 * len(YEARS)
        heads = []
        for year in YEARS:
            q, r = divmod(self.specs[year].permanent_months, 12)
            heads.extend(q + (1 if m < r else 0) for m in range(12))
        leavers_per_month: list[list[str]] = []
        for year in YEARS:
            reasons = self.leaving_reasons(year)
            self.rng.shuffle(reasons)
            counts = largest_remainder(len(reasons), LEAVING_MONTH_WEIGHTS)
            position = 0
            for count in counts:
                leavers_per_month.append(reasons[position:position + count])
                position += count
        active: list[int] = []
        for _ in range(heads[0]):
            person = self.new_person(self.random_age(), 0)
            active.append(self.add_employment(person, "Tillsvidare", -24, months - 1))
        movers: list[tuple[int, str]] = []  # (person, old unit) starting next month
        for t in range(months):
            if t > 0:
                joiners = heads[t] - len(active)
                if joiners < 0:
                    raise ValueError(f"{self.municipality}: too few leavers before month {t}")
                for person, old_unit in movers[:joiners]:
                    active.append(self.add_employment(person, "Tillsvidare", t, months - 1,
                                                      self.pick_unit(exclude=old_unit)))
                for _ in range(joiners - min(joiners, len(movers))):
                    person = self.new_person(self.random_age(young=True), t)
                    active.append(self.add_employment(person, "Tillsvidare", t, months - 1))
                movers = []
            year, month = month_of(t)
            for reason in leavers_per_month[t]:
                index = self.choose_leaver(active, reason, year)
                active.remove(index)
                emp = self.employments[index]
                emp.end = t
                day = last_day(year, month) if self.rng.random() < 0.6 else date(year, month, self.rng.randint(1, 28))
                emp.ending = (day, reason)
                if reason == "Pension":
                    self.people[emp.person].frozen = True
                if reason == "Intern rörlighet" and self.rng.random() < 0.5 and t < months - 1:
                    movers.append((emp.person, emp.unit))

    def leaving_reasons(self, year: int) -> list[str]:
        counts = self.specs[year].leavers
        other = counts["other"]
        died = 1 if other > 60 else 0
        dismissed = 1 if other > 90 else 0
        shortage = 1 if other > 120 else 0
        reasons = ["Pension"] * counts["pension"] + ["Intern rörlighet"] * counts["intern"]
        reasons += ["Avliden"] * died + ["Avsked"] * dismissed + ["Arbetsbrist"] * shortage
        reasons += ["Egen begäran"] * (other - died - dismissed - shortage)
        return reasons

    def choose_leaver(self, active: list[int], reason: str, year: int) -> int:
        def age(index: int) -> int:
            return year - self.people[self.employments[index].person].birth_year

        if reason == "Pension":
            candidates = sorted(active, key=lambda i: (-age(i), i))[:40]
            return self.rng.choice(candidates[:10])
        if reason == "Avliden":
            return self.rng.choice(active)
        # People leave more often early in their career.
        sample = self.rng.sample(active, 6)
        sample = [i for i in sample if age(i) < 62] or sample
        return min(sample, key=lambda i: (age(i), i))

    def build_temporary(self) -> None:
        months = 12 * len(YEARS)
        heads = []
        for year in YEARS:
            q, r = divmod(self.specs[year].temporary_months, 12)
            heads.extend(q + (1 if (m * 5) % 12 < r else 0) for m in range(12))
        active: list[int] = []
        for t in range(months):
            active = [i for i in active if self.employments[i].end >= t]
            while len(active) > heads[t]:
                index = min(active, key=lambda i: (self.employments[i].end, i))
                self.employments[index].end = t - 1
                active.remove(index)
            while len(active) < heads[t]:
                duration = min(12, max(1, int(self.rng.expovariate(1 / 5)) + 1))
                start = t if t > 0 else -self.rng.randint(0, 6)
                person = self.new_person(self.random_age(young=True), max(t, 0))
                active.append(self.add_employment(person, "Visstid", start, min(months - 1, t + duration - 1)))
        for emp in self.employments:
            if emp.form == "Visstid" and emp.end < months - 1:
                year, month = month_of(emp.end)
                reason = "Visstid upphör" if self.rng.random() < 0.85 else "Egen begäran"
                emp.ending = (last_day(year, month), reason)

    def build_hourly(self) -> None:
        months = 12 * len(YEARS)
        monthly_paid_people = [e.person for e in self.employments if e.form == "Tillsvidare"]
        for year in YEARS:
            hours = sum(self.specs[year].hourly_hours.values()) / 100
            heads = max(5, int(hours / 12 / 110))
            first = FIRST_MONTH[year]
            for t in range(first, first + 12):
                present = sum(1 for e in self.employments if e.form == "Timavlönad" and e.start <= t <= e.end)
                for _ in range(max(0, heads - present)):
                    duration = min(36, max(1, int(self.rng.expovariate(1 / 14)) + 1))
                    start = t if t > 0 else -self.rng.randint(0, 12)
                    if self.rng.random() < 0.04:
                        # Some monthly-paid staff also take hourly shifts elsewhere.
                        person = self.rng.choice(monthly_paid_people)
                    else:
                        person = self.new_person(self.random_age(young=True), max(t, 0))
                    index = self.add_employment(person, "Timavlönad", start, min(months - 1, t + duration - 1))
                    emp = self.employments[index]
                    emp.occupation = self.hourly_occupation(emp.unit)
                    emp.hourly_intensity = self.rng.uniform(25, 140)
        for emp in self.employments:
            if emp.form == "Timavlönad" and emp.end < months - 1 and self.rng.random() < 0.7:
                year, month = month_of(emp.end)
                emp.ending = (last_day(year, month), "Visstid upphör" if self.rng.random() < 0.7 else "Egen begäran")

    def hourly_occupation(self, unit_id: str) -> str:
        profile = next(u.profile for u in self.units if u.unit_id == unit_id)
        return {"lss": "Stödassistent", "pa": "Personlig assistent", "hsl": "Undersköterska",
                "ifo": "Socialsekreterare", "myndighet": "Administratör", "central": "Administratör"}.get(
            profile, self.rng.choice(("Undersköterska", "Vårdbiträde")))

    def register_unregistered_sex(self) -> None:
        """A few people have no registered sex (counts in totals, in neither K nor M)."""
        hourly_people = {e.person for e in self.employments if e.form == "Timavlönad"}
        permanent_people = sorted({e.person for e in self.employments if e.form == "Tillsvidare"} - hourly_people)
        for person in self.rng.sample(permanent_people, 4):
            self.people[person].sex = ""

    # ---------------------------------------------------------------- calibration helpers
    def monthly_paid(self, year: int) -> list[int]:
        return [i for i, e in enumerate(self.employments) if e.form != "Timavlönad" and e.months_in(year) > 0]

    def calibrate_employment_rates(self, year: int) -> None:
        spec = self.specs[year]
        indices = self.monthly_paid(year)
        for i in indices:
            emp = self.employments[i]
            if year not in emp.syss:
                previous = emp.syss.get(year - 1)
                if previous is not None and self.rng.random() < 0.9:
                    emp.syss[year] = previous
                else:
                    share_full = 0.95 if self.municipality == ALE else (0.82 if emp.form == "Tillsvidare" else 0.7)
                    full = self.rng.random() < share_full or emp.occupation == "Enhetschef"
                    emp.syss[year] = 100 if full else self.part_rate(spec)
        if spec.fulltime_months is not None:
            self.hit_fulltime(year, indices, spec.fulltime_months)
        if spec.contracted_permanent_pm is not None:
            self.hit_contracted(year, [i for i in indices if self.employments[i].form == "Tillsvidare"],
                                spec.contracted_permanent_pm)
        if spec.contracted_temporary_pm is not None:
            self.hit_contracted(year, [i for i in indices if self.employments[i].form == "Visstid"],
                                spec.contracted_temporary_pm)

    def part_rate(self, spec: YearSpec) -> int:
        return int(min(95, max(15, round(self.rng.gauss(spec.part_time_rate, 12)))))

    def hit_fulltime(self, year: int, indices: list[int], target: int) -> None:
        spec = self.specs[year]

        def fulltime_months() -> int:
            return sum(self.employments[i].months_in(year) for i in indices if self.employments[i].syss[year] == 100)

        need = target - fulltime_months()
        order = indices[:]
        self.rng.shuffle(order)
        order.sort(key=lambda i: -self.employments[i].months_in(year))
        for i in order:
            emp = self.employments[i]
            months = emp.months_in(year)
            if need > 0 and emp.syss[year] < 100 and months <= need:
                emp.syss[year] = 100
                need -= months
            elif need < 0 and emp.syss[year] == 100 and months <= -need and emp.occupation != "Enhetschef":
                emp.syss[year] = self.part_rate(spec)
                need += months
            if need == 0:
                break
        if need != 0:
            raise ValueError(f"{self.municipality} {year}: cannot reach {target} full-time months")

    def hit_contracted(self, year: int, indices: list[int], target_pm: int, tolerance: int = 0) -> None:
        """Adjust part-time rates so that sum(sysselsättningsgrad × months) is the target."""
        parts = [i for i in indices if self.employments[i].syss[year] < 100]

        def total() -> int:
            return sum(self.employments[i].syss[year] * self.employments[i].months_in(year) for i in indices)

        diff = target_pm - total()
        if parts:
            # Spread the bulk of the change evenly first, then fine-tune one month at a time.
            part_months = sum(self.employments[i].months_in(year) for i in parts)
            step = int(diff / part_months) if part_months else 0
            for i in parts:
                emp = self.employments[i]
                emp.syss[year] = min(99, max(15, emp.syss[year] + step))
            diff = target_pm - total()
        guard = 0
        while abs(diff) > tolerance:
            guard += 1
            if guard > 200000:
                raise ValueError(f"{self.municipality} {year}: cannot reach contracted FTE target")
            candidates = [i for i in parts if self.employments[i].months_in(year) <= abs(diff) - 0
                          and (15 < self.employments[i].syss[year] if diff < 0 else self.employments[i].syss[year] < 99)]
            if not candidates:
                raise ValueError(f"{self.municipality} {year}: contracted FTE target unreachable")
            i = max(candidates, key=lambda c: (self.employments[c].months_in(year), -c))
            self.employments[i].syss[year] += 1 if diff > 0 else -1
            diff = target_pm - total()

    def eligible_people(self, year: int) -> set[int]:
        first = FIRST_MONTH[year]
        return {p for p, person in enumerate(self.people) if person.first_month >= first and not person.frozen} if (
            year != YEARS[0]) else {p for p, person in enumerate(self.people) if not person.frozen}

    def calibrate_sex(self, year: int) -> None:
        spec = self.specs[year]
        if spec.permanent_by_sex is None:
            return
        eligible = self.eligible_people(year)
        months: dict[int, int] = defaultdict(int)
        last_month: dict[int, int] = defaultdict(int)
        for emp in self.employments:
            if emp.form == "Tillsvidare":
                months[emp.person] += emp.months_in(year)
                last_month[emp.person] = max(last_month[emp.person], emp.end)
        year_end = FIRST_MONTH[year] + 11
        target = dict(spec.permanent_by_sex)
        target[""] = sum(months.values()) - target["K"] - target["M"]

        def current(sex: str) -> int:
            return sum(m for p, m in months.items() if self.people[p].sex == sex)

        def preference(p: int, gain: str) -> tuple:
            # Unregistered sex goes to people who leave within the year, so the
            # next year's count is not locked in by this one.
            leaves = last_month[p] <= year_end
            return (leaves if gain == "" else not leaves, months[p], -p)

        for _ in range(5000):
            diffs = {sex: target[sex] - current(sex) for sex in ("K", "M", "")}
            if all(v == 0 for v in diffs.values()):
                return
            gain = max(diffs, key=lambda s: (diffs[s], s))
            lose = min(diffs, key=lambda s: (diffs[s], s))
            limit = min(diffs[gain], -diffs[lose])
            candidates = [p for p in eligible if self.people[p].sex == lose and 0 < months.get(p, 0) <= limit]
            if not candidates:
                # Move through the third sex to reach an exact split.
                third = ({"K", "M", ""} - {gain, lose}).pop()
                candidates = [p for p in eligible
                              if self.people[p].sex == lose and 0 < months.get(p, 0) <= -diffs[lose]]
                if not candidates:
                    break
                person = min(candidates, key=lambda p: (months[p], p))
                self.people[person].sex = third
                continue
            person = max(candidates, key=lambda p: preference(p, gain))
            self.people[person].sex = gain
        raise ValueError(f"{self.municipality} {year}: cannot reach the published split by sex")

    def weights_by_person(self, year: int) -> dict[int, int]:
        """Ordinary-hour weight (sysselsättningsgrad × months) of monthly-paid rows per person."""
        weights: dict[int, int] = defaultdict(int)
        for i in self.monthly_paid(year):
            emp = self.employments[i]
            weights[emp.person] += emp.syss[year] * emp.months_in(year)
        return weights

    def calibrate_ages(self) -> None:
        """Choose birth years so that, in every year at once, the published
        age-band sick rates agree with the published total (they share one
        numerator, so the age mix of ordinary hours is pinned down) and the
        average age of Tillsvidare employees is the published one.

        People are moved to ages that keep them in one band for all three
        years, so a move has a predictable effect on every year.
        """
        years = list(YEARS)
        weight = {y: self.weights_by_person(y) for y in years}
        total = {y: sum(weight[y].values()) for y in years}
        rates = {y: [self.specs[y].sick_centre[b] for b in AGE_BANDS] for y in years}
        centre_total = {y: self.specs[y].sick_centre["total"] for y in years}
        permanent_months: dict[int, dict[int, int]] = {y: defaultdict(int) for y in years}
        for emp in self.employments:
            if emp.form == "Tillsvidare":
                for y in years:
                    if emp.months_in(y):
                        permanent_months[y][emp.person] += emp.months_in(y)
        age_targets = {y: self.specs[y].avg_age_permanent for y in years}
        people = sorted({p for y in years for p in weight[y]} | {p for y in years for p in permanent_months[y]})
        movable = [p for p in people if not self.people[p].frozen]
        first_year = {p: min(y for y in years if weight[y].get(p) or permanent_months[y].get(p)) for p in people}

        def band_sums(y: int) -> list[int]:
            sums = [0, 0, 0]
            for p, w in weight[y].items():
                sums[age_band(y - self.people[p].birth_year)] += w
            return sums

        def gaps() -> dict[int, float]:
            return {y: sum(r * b for r, b in zip(rates[y], band_sums(y))) / total[y] - centre_total[y]
                    for y in years}

        def age_sum(y: int) -> int:
            return sum((y - self.people[p].birth_year) * m for p, m in permanent_months[y].items())

        month_total = {y: sum(permanent_months[y].values()) for y in years}
        band_ranges = {0: (20, 27), 1: (31, 47), 2: (51, 61)}
        gap = gaps()
        ages = {y: age_sum(y) for y in years}

        def score(gap_values: dict[int, float], age_values: dict[int, int]) -> float:
            value = sum((g / 0.012) ** 2 for g in gap_values.values())
            for y in years:
                if age_targets[y] is not None:
                    value += ((age_values[y] / month_total[y] - age_targets[y]) / 0.02) ** 2
            return value

        def effect(p: int, birth_year: int) -> tuple[dict[int, float], dict[int, int]]:
            old = self.people[p].birth_year
            new_gap, new_ages = dict(gap), dict(ages)
            for y in years:
                w = weight[y].get(p, 0)
                if w:
                    before, after = age_band(y - old), age_band(y - birth_year)
                    if before != after:
                        new_gap[y] += w * (rates[y][after] - rates[y][before]) / total[y]
                m = permanent_months[y].get(p, 0)
                if m:
                    new_ages[y] += (old - birth_year) * m
            return new_gap, new_ages

        def done() -> bool:
            if any(abs(g) > 0.015 for g in gap.values()):
                return False
            return all(age_targets[y] is None or abs(ages[y] / month_total[y] - age_targets[y]) < 0.01
                       for y in years)

        current = score(gap, ages)
        for _ in range(20000):
            if done():
                return
            best = None
            for p in self.rng.sample(movable, min(250, len(movable))):
                y0 = first_year[p]
                options = []
                for band, (low, high) in band_ranges.items():
                    options.append(y0 - self.rng.randint(low, high))
                old_age = y0 - self.people[p].birth_year
                for step in (-1, 1):
                    # Small shifts that keep the person in the same band in every year.
                    candidate = self.people[p].birth_year + step
                    if all(age_band(y - candidate) == age_band(y - self.people[p].birth_year) for y in years) and (
                            19 <= old_age - step <= 64):
                        options.append(candidate)
                for birth_year in options:
                    new_gap, new_ages = effect(p, birth_year)
                    value = score(new_gap, new_ages)
                    if best is None or value < best[0]:
                        best = (value, p, birth_year, new_gap, new_ages)
            if best is None or best[0] >= current:
                continue
            current, p, birth_year, gap, ages = best
            self.people[p].birth_year = birth_year
        raise ValueError(f"{self.municipality}: age mix did not converge (gaps {gap})")

    # ---------------------------------------------------------------- sick leave
    def ordinary_by_cell(self, year: int) -> dict[tuple[str, int], int]:
        cells: dict[tuple[str, int], int] = defaultdict(int)
        for i in self.monthly_paid(year):
            emp = self.employments[i]
            person = self.people[emp.person]
            cell = (person.sex, age_band(year - person.birth_year))
            cells[cell] += emp.syss[year] * 165 * emp.months_in(year)
        return cells

    def solve_sick_rates(self, year: int) -> dict[str, float]:
        spec = self.specs[year]
        cells = self.ordinary_by_cell(year)
        total = sum(cells.values())
        sex_share = {s: sum(v for (sx, _), v in cells.items() if sx == s) / total for s in ("K", "M", "")}
        age_share = [sum(v for (_, a), v in cells.items() if a == band) / total for band in range(3)]
        names = ["total", "kon=K", "kon=M", "kon=", *AGE_BANDS, *SPELL_BANDS]
        centre = dict(spec.sick_centre)
        centre["kon="] = centre["total"]
        bounds = []
        for name in names:
            c = centre[name]
            if name == "kon=":
                bounds.append((0.3 * c, 2.5 * c) if sex_share[""] > 0 else (c, c))
            elif name in spec.sick_published:
                bounds.append((c - 0.04, c + 0.04))
            else:
                bounds.append((max(0.0, c - 0.6), c + 0.6))
        n = len(names)
        a_eq = np.zeros((3, n))
        a_eq[0, 0] = -1
        a_eq[0, 1:4] = [sex_share["K"], sex_share["M"], sex_share[""]]
        a_eq[1, 0] = -1
        a_eq[1, 4:7] = age_share
        a_eq[2, 0] = -1
        a_eq[2, 7:10] = 1
        # minimise the distance to the published values: x = c + plus - minus
        c_vec = np.concatenate([np.zeros(n), np.ones(n), np.ones(n)])
        a_full = np.zeros((3 + n, 3 * n))
        b_full = np.zeros(3 + n)
        a_full[:3, :n] = a_eq
        for k in range(n):
            a_full[3 + k, k] = 1
            a_full[3 + k, n + k] = -1
            a_full[3 + k, 2 * n + k] = 1
            b_full[3 + k] = centre[names[k]]
        result = linprog(c_vec, A_eq=a_full, b_eq=b_full,
                         bounds=bounds + [(0, None)] * (2 * n), method="highs")
        if result.status != 0:
            raise ValueError(f"{self.municipality} {year}: published sick-leave slices are inconsistent "
                             f"with the population mix ({result.message})")
        return dict(zip(names, (float(x) for x in result.x[:n])))

    def fit_available_fte(self, year: int, rates: dict[str, float]) -> bool:
        """Adjust part-time rates so contracted × (1 − long-term share) lands in the window."""
        window = self.specs[year].available_window
        if window is None:
            return True
        indices = self.monthly_paid(year)
        share = rates["sjukperiod=dag60-"] / 100
        pm = sum(self.employments[i].syss[year] * self.employments[i].months_in(year) for i in indices)
        available = pm / 1200 * (1 - share)
        low, high = window
        if low + 0.05 <= available <= high - 0.05:
            return True
        target_available = (low + high) / 2
        target_pm = int(round(target_available / (1 - share) * 1200))
        fulltime_pm = sum(100 * self.employments[i].months_in(year) for i in indices
                          if self.employments[i].syss[year] == 100)
        parttime_months = sum(self.employments[i].months_in(year) for i in indices
                              if self.employments[i].syss[year] < 100)
        if target_pm < fulltime_pm + 15 * parttime_months:
            # The published head counts of full-timers alone exceed the published
            # available FTE once long-term sick leave is taken off: keep realistic
            # part-time rates and report the figure as not reproducible.
            self.unmatched.append(
                f"{self.municipality} {year} fte_available_monthly_paid: {available:.2f} "
                f"(published window {low:.2f}–{high:.2f} needs contracted FTE {target_pm / 1200:.1f}, "
                f"but full-timers alone give {fulltime_pm / 1200:.1f})"
            )
            return True
        self.hit_contracted(year, indices, target_pm, tolerance=6)
        return False

    def assign_sick_leave(self, year: int, rates: dict[str, float],
                          sick: dict[tuple[int, int], list[int]]) -> None:
        cells = self.ordinary_by_cell(year)
        keys = sorted(cells)
        ordinary = np.array([cells[k] for k in keys], dtype=float)
        sex_rate = {"K": rates["kon=K"], "M": rates["kon=M"], "": rates["kon="]}
        age_rate = [rates[b] for b in AGE_BANDS]
        seed = np.array([cells[k] * sex_rate[k[0]] * age_rate[k[1]] for k in keys])
        sex_target = {s: sex_rate[s] / 100 * sum(cells[k] for k in keys if k[0] == s) for s in sex_rate}
        age_target = [age_rate[a] / 100 * sum(cells[k] for k in keys if k[1] == a) for a in range(3)]
        table = seed.copy()
        for _ in range(200):
            for s, target in sex_target.items():
                mask = np.array([k[0] == s for k in keys])
                if mask.any() and table[mask].sum() > 0:
                    table[mask] *= target / table[mask].sum()
            for a in range(3):
                mask = np.array([k[1] == a for k in keys])
                if mask.any() and table[mask].sum() > 0:
                    table[mask] *= age_target[a] / table[mask].sum()
        if np.any(table > ordinary * 0.6):
            raise ValueError(f"{self.municipality} {year}: sick-leave cell above 60 % of ordinary time")
        spell_rates = [rates[b] for b in SPELL_BANDS]
        spell_total = sum(spell_rates)
        rows_by_cell: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
        for i in self.monthly_paid(year):
            emp = self.employments[i]
            person = self.people[emp.person]
            cell = (person.sex, age_band(year - person.birth_year))
            for t in emp.month_indices(year):
                rows_by_cell[cell].append((i, t))
        for k, cell in enumerate(keys):
            cell_total = table[k]
            targets = [int(round(cell_total * r / spell_total)) for r in spell_rates]
            self.place_sick_hours(rows_by_cell[cell], targets, year, sick)

    def place_sick_hours(self, rows: list[tuple[int, int]], targets: list[int], year: int,
                         sick: dict[tuple[int, int], list[int]]) -> None:
        def ordinary(row: tuple[int, int]) -> int:
            return self.employments[row[0]].syss[year] * 165

        def room(row: tuple[int, int]) -> int:
            return ordinary(row) - sum(sick.get(row, (0, 0, 0)))

        def add(row: tuple[int, int], band: int, amount: int) -> None:
            values = sick.setdefault(row, [0, 0, 0])
            values[band] += amount

        # Long spells: runs of consecutive months for a few people.
        remaining = targets[2]
        by_emp: dict[int, list[int]] = defaultdict(list)
        for i, t in rows:
            by_emp[i].append(t)
        emps = sorted(by_emp)
        self.rng.shuffle(emps)
        for i in emps:
            if remaining <= 0:
                break
            months = sorted(by_emp[i])
            run = self.rng.randint(2, 12)
            start = self.rng.randint(0, max(0, len(months) - run))
            fraction = self.rng.choice((1.0, 1.0, 1.0, 0.75, 0.5, 0.5, 0.25))
            for t in months[start:start + run]:
                row = (i, t)
                amount = min(remaining, int(room(row) * fraction) // 25 * 25)
                if amount <= 0:
                    continue
                add(row, 2, amount)
                remaining -= amount
                if remaining <= 0:
                    break
        shuffled = rows[:]
        self.rng.shuffle(shuffled)
        remaining = self.spread(shuffled, remaining, 2, add, room, (400, 16500))
        # Medium spells: a fifth to half of a month.
        remaining_medium = self.spread(shuffled, targets[1], 1, add, room, (1500, 8000))
        # Short spells: a few days.
        remaining_short = self.spread(shuffled, targets[0], 0, add, room, (400, 3200))
        if remaining or remaining_medium or remaining_short:
            raise ValueError(f"{self.municipality} {year}: not enough ordinary time for sick leave")

    def spread(self, rows, amount: int, band: int, add, room, size: tuple[int, int]) -> int:
        position = self.rng.randrange(len(rows)) if rows else 0
        for _ in range(3):
            for k in range(len(rows)):
                if amount <= 0:
                    return 0
                row = rows[(position + k) % len(rows)]
                free = room(row)
                if free <= 0:
                    continue
                piece = min(amount, free, self.rng.randint(*size) // 25 * 25 or 25)
                add(row, band, piece)
                amount -= piece
            size = (size[0], size[1] * 4)
        return amount

    # ---------------------------------------------------------------- other hours
    def assign_hours(self, year: int, overtime: dict, extra: dict, hourly: dict) -> None:
        spec = self.specs[year]
        rows = [(i, t) for i in self.monthly_paid(year) for t in self.employments[i].month_indices(year)]
        chosen = [row for row in rows if self.rng.random() < 0.14]
        weights = [self.rng.uniform(1, 12) * (1.6 if month_of(t)[1] in (6, 7, 8) else 1.0) for _, t in chosen]
        for row, value in zip(chosen, largest_remainder(spec.overtime, weights)):
            if value:
                overtime[row] = value
        part_rows = [row for row in rows if self.employments[row[0]].syss[year] < 100 and self.rng.random() < 0.45]
        weights = [self.rng.uniform(2, 20) for _ in part_rows]
        for row, value in zip(part_rows, largest_remainder(spec.extra_hours, weights)):
            if value:
                extra[row] = value
        hourly_rows = [(i, t) for i, e in enumerate(self.employments) if e.form == "Timavlönad"
                       for t in e.month_indices(year)]
        for sex, total in spec.hourly_hours.items():
            group = [row for row in hourly_rows if sex == "*" or self.people[self.employments[row[0]].person].sex == sex]
            if not group and total:
                raise ValueError(f"{self.municipality} {year}: no hourly-paid with sex '{sex}'")
            weights = [self.employments[i].hourly_intensity * HOURLY_SEASON[month_of(t)[1] - 1]
                       * self.rng.uniform(0.6, 1.4) for i, t in group]
            for row, value in zip(group, largest_remainder(total, weights)):
                hourly[row] = value

    def ensure_hourly_sexes(self) -> None:
        """Hourly-paid people with unregistered sex exist in every year that publishes it."""
        for year in YEARS:
            if "" not in self.specs[year].hourly_hours:
                continue
            people = {self.employments[i].person for i, e in enumerate(self.employments)
                      if e.form == "Timavlönad" and e.months_in(year) > 0}
            own = [p for p in sorted(people) if not any(
                e.person == p and e.form != "Timavlönad" for e in self.employments)]
            if not any(self.people[p].sex == "" for p in people):
                for p in self.rng.sample(own, 2):
                    self.people[p].sex = ""


def build_hr(municipality: str, book: FigureBook, seed: int) -> HrSample:
    specs = build_specs(municipality, book)
    builder = _Builder(municipality, specs, seed)
    builder.build_permanent()
    builder.build_temporary()
    builder.build_hourly()
    if all(spec.permanent_by_sex is None for spec in specs.values()):
        builder.register_unregistered_sex()
    builder.ensure_hourly_sexes()
    for person in builder.people:
        if person.sex not in ("K", "M", ""):
            raise AssertionError(person)
    sick: dict[tuple[int, int], list[int]] = {}
    overtime: dict[tuple[int, int], int] = {}
    extra: dict[tuple[int, int], int] = {}
    hourly: dict[tuple[int, int], int] = {}
    rates_by_year: dict[int, dict[str, float]] = {}
    for year in YEARS:
        builder.calibrate_employment_rates(year)
        builder.calibrate_sex(year)
    builder.calibrate_ages()
    for year in YEARS:
        for _ in range(6):
            rates = builder.solve_sick_rates(year)
            if builder.fit_available_fte(year, rates):
                break
        else:
            raise ValueError(f"{municipality} {year}: available FTE did not settle")
        rates_by_year[year] = rates
    # Hours and identities are set only once every person's sex and age is final.
    for person in builder.people:
        person.assign_personnummer(builder.hyphen)
    for year in YEARS:
        builder.assign_sick_leave(year, rates_by_year[year], sick)
        builder.assign_hours(year, overtime, extra, hourly)
    return HrSample(municipality, builder.people, builder.employments, sick, overtime, extra, hourly, rates_by_year,
                    builder.unmatched)


# --------------------------------------------------------------------------- rows

PERSONAL_MANAD_HEADER = (
    "kommunkod", "period", "anstallnings_id", "personnummer", "kon", "fodelsear", "enhet_id", "yrkesgrupp",
    "anstallningsform", "sysselsattningsgrad", "ordinarie_tid_h", "sjuk_h_dag1_14", "sjuk_h_dag15_59",
    "sjuk_h_dag60", "overtid_h", "fyllnadstid_h", "timavlonad_h",
)
PERSONAL_AVGANG_HEADER = (
    "kommunkod", "anstallnings_id", "personnummer", "anstallningsform", "enhet_id", "yrkesgrupp", "slutdatum",
    "avgangsorsak",
)


def manad_rows(sample: HrSample, year: int) -> list[list[str]]:
    from orchestration.sampledata._common import fmt_hours, period_label

    rows = []
    for t in range(FIRST_MONTH[year], FIRST_MONTH[year] + 12):
        period = period_label(t)
        for i, emp in enumerate(sample.employments):
            if not emp.start <= t <= emp.end:
                continue
            person = sample.people[emp.person]
            common = [sample.municipality, period, emp.emp_id, person.pnr, person.sex, str(person.birth_year),
                      emp.unit, emp.occupation, emp.form]
            key = (i, t)
            if emp.form == "Timavlönad":
                rows.append(common + ["", "0", "0", "0", "0", "0", "", fmt_hours(sample.hourly.get(key, 0))])
                continue
            syss = emp.syss[year]
            sick = sample.sick.get(key, (0, 0, 0))
            rows.append(common + [
                f"{syss},0",
                fmt_hours(syss * 165),
                fmt_hours(sick[0]),
                fmt_hours(sick[1]),
                fmt_hours(sick[2]),
                fmt_hours(sample.overtime.get(key, 0)),
                fmt_hours(sample.extra.get(key, 0)),
                "",
            ])
    return rows


def avgang_rows(sample: HrSample, year: int) -> list[list[str]]:
    rows = []
    for emp in sample.employments:
        if emp.ending is None or emp.ending[0].year != year:
            continue
        person = sample.people[emp.person]
        rows.append([sample.municipality, emp.emp_id, person.pnr, emp.form, emp.unit, emp.occupation,
                     emp.ending[0].isoformat(), emp.ending[1]])
    rows.sort(key=lambda row: (row[6], row[1]))
    return rows
