"""What a report is made of: sections of tables, charts and text, before HTML."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from orchestration.reports.suppression import Status

SUPPRESSED_MARK = "–"
MISSING_MARK = ".."
SUPPRESSED_TITLE = (
    "Visas inte: uppgiften gäller färre än 5 personer, eller skulle göra det möjligt att räkna fram en sådan uppgift."
)
MISSING_TITLE = "Uppgift saknas."


@dataclass(frozen=True)
class Definition:
    """One entry of the appendix; `key` is the metric id or Kolada KPI id."""

    key: str
    name: str
    definition: str
    unit: str
    source: str

    @property
    def anchor(self) -> str:
        return "def-" + "".join(character if character.isalnum() else "-" for character in self.key)

    @property
    def tooltip(self) -> str:
        return f"{self.name} ({self.key}): {self.definition}"


@dataclass
class ValueCell:
    text: str
    title: str | None = None
    css_class: str = "num"


@dataclass
class Row:
    label: str
    cells: list[ValueCell] = field(default_factory=list)
    definition: Definition | None = None
    heading: bool = False
    indent: int = 0


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    source: str | None = None
    label_header: str = ""
    css_class: str = ""
    # Metrics named in column headers or single cells rather than per row.
    definitions: list[Definition] = field(default_factory=list)


@dataclass
class Chart:
    svg: str
    caption: str
    definitions: list[Definition] = field(default_factory=list)
    source: str | None = None


@dataclass
class Block:
    """A piece of a section: optional heading and paragraphs, then tables and charts in order."""

    heading: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    items: list[Table | Chart] = field(default_factory=list)
    grid: bool = False
    # A goal's assessment, shown as a labelled badge under the heading.
    badge: str | None = None
    badge_class: str = ""


@dataclass
class Section:
    anchor: str
    title: str
    intro: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    empty_message: str | None = None


def format_number(value: float | None, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING_MARK
    rounded = round(float(value), decimals)
    if rounded == 0:
        rounded = 0.0
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def format_signed(value: float | None, decimals: int = 0) -> str:
    text = format_number(value, decimals)
    if value is not None and text != MISSING_MARK and round(float(value), decimals) > 0:
        return "+" + text
    return text


def cell(value: float | None, status: Status = Status.SHOWN, decimals: int = 0, signed: bool = False) -> ValueCell:
    if status is not Status.SHOWN:
        return ValueCell(SUPPRESSED_MARK, SUPPRESSED_TITLE, "num suppressed")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ValueCell(MISSING_MARK, MISSING_TITLE, "num missing")
    return ValueCell(format_signed(value, decimals) if signed else format_number(value, decimals))


def text_cell(text: str, css_class: str = "text", title: str | None = None) -> ValueCell:
    return ValueCell(text, title, css_class)
