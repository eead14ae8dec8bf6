"""Shared pieces of the sample generators: calendar, CSV writing in the
contract's dialects, number formatting, synthetic personnummer, exact splits.

Money is kept as integer öre and hours as integer hundredths of an hour, so
every total the generator promises is exact and survives formatting.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

YEARS = (2023, 2024, 2025)
NBSP = "\u00a0"

# One full-time employment's ordinary hours: 1980 a year, 165 a month. Ordinary hours are
# sysselsättningsgrad × 165 h, so every way of computing "available FTE" (per row, per month or
# per year) gives the same number.
HOURS_PER_FTE_YEAR = 1980


def month_index(year: int, month: int) -> int:
    return (year - YEARS[0]) * 12 + month - 1


def month_of(index: int, first_year: int = YEARS[0]) -> tuple[int, int]:
    return first_year + index // 12, index % 12 + 1


def period_label(index: int, first_year: int = YEARS[0]) -> str:
    year, month = month_of(index, first_year)
    return f"{year}-{month:02d}"


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Split an integer total in proportion to weights; parts sum to total exactly."""
    if total == 0 or not weights:
        return [0] * len(weights)
    weight_sum = float(sum(weights))
    if weight_sum <= 0:
        raise ValueError("weights must have a positive sum")
    sign = 1 if total >= 0 else -1
    magnitude = abs(total)
    raw = [magnitude * w / weight_sum for w in weights]
    parts = [int(x) for x in raw]
    short = magnitude - sum(parts)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:short]:
        parts[i] += 1
    return [sign * p for p in parts]


def fmt_fixed(value: int, scale_digits: int, decimals: int, thousands: str = "", trim: bool = False) -> str:
    """Format an integer in units of 10**-scale_digits with a decimal comma.

    `decimals` <= scale_digits digits are shown; `trim` drops a zero fraction
    ("165" instead of "165,00"), as some payroll exports do.
    """
    negative = value < 0
    magnitude = -value if negative else value
    factor = 10**scale_digits
    whole, fraction = divmod(magnitude, factor)
    if decimals < scale_digits:
        cut = 10 ** (scale_digits - decimals)
        if fraction % cut:
            raise ValueError(f"{value} has more than {decimals} decimals")
        fraction //= cut
    whole_text = str(whole)
    if thousands and len(whole_text) > 3:
        groups = []
        while whole_text:
            groups.append(whole_text[-3:])
            whole_text = whole_text[:-3]
        whole_text = thousands.join(reversed(groups))
    if decimals == 0 or (trim and fraction == 0):
        text = whole_text
    else:
        text = f"{whole_text},{fraction:0{decimals}d}"
        if trim:
            text = text.rstrip("0").rstrip(",")
    return ("-" if negative and magnitude else "") + text


def fmt_hours(centihours: int) -> str:
    return fmt_fixed(centihours, 2, 2, trim=True)


def fmt_money(ore: int, thousands: str = "") -> str:
    return fmt_fixed(ore, 2, 2, thousands=thousands)


def quote(field: str) -> str:
    if any(ch in field for ch in ';"\n\r'):
        return '"' + field.replace('"', '""') + '"'
    return field


@dataclass(frozen=True)
class Dialect:
    """How one delivered file is encoded: the contract allows all of these."""

    encoding: str = "utf-8"  # "utf-8" or "cp1252"
    bom: bool = False
    newline: str = "\n"


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], dialect: Dialect) -> Path:
    lines = [";".join(quote(h) for h in header)]
    lines.extend(";".join(quote(field) for field in row) for row in rows)
    text = dialect.newline.join(lines) + dialect.newline
    data = text.encode(dialect.encoding)
    if dialect.bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def write_raw_lines(path: Path, header: Sequence[str], lines: Iterable[str], dialect: Dialect) -> Path:
    """Like write_csv for lines already joined (used to inject defective rows)."""
    text = dialect.newline.join([";".join(header), *lines]) + dialect.newline
    data = text.encode(dialect.encoding)
    if dialect.bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def luhn_digit(nine_digits: str) -> int:
    total = 0
    for position, char in enumerate(nine_digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def personnummer(birth: date, serial: int, hyphen: bool) -> str:
    """A fictional personnummer: valid format and check digit, with the birth
    number taken from 980–999 so generated numbers are easy to recognise."""
    birth_number = 980 + serial % 20
    body = f"{birth:%y%m%d}{birth_number:03d}"
    check = luhn_digit(body)
    separator = "-" if hyphen else ""
    return f"{birth:%Y%m%d}{separator}{birth_number:03d}{check}"


def random_birth_date(rng: random.Random, year: int) -> date:
    month = rng.randint(1, 12)
    return date(year, month, rng.randint(1, calendar.monthrange(year, month)[1]))


def round_half_away(value: float, decimals: int) -> float:
    """The rounding printed reports use (0.5 away from zero), not banker's rounding."""
    from decimal import ROUND_HALF_UP, Decimal

    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))
