"""Read the municipalities' published figures the calibrated sample must reproduce."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import PROJECT_ROOT

PUBLISHED_FIGURES_CSV = PROJECT_ROOT / "tests" / "reference" / "published-figures.csv"
TOTAL_AREA = "Förvaltningen totalt"


@dataclass(frozen=True)
class Figure:
    municipality: str
    year: int
    period: str
    area: str
    unit_id: str
    metric: str
    slice: str
    value: float
    decimals: int
    unit: str
    note: str


def load_figures(path: Path = PUBLISHED_FIGURES_CSV) -> list[Figure]:
    if not path.exists():
        raise FileNotFoundError(f"publicerade siffror saknas: {path}")
    figures = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["value"].strip()
            decimals = len(text.split(".")[1]) if "." in text else 0
            figures.append(
                Figure(
                    municipality=row["kommunkod"],
                    year=int(row["year"]),
                    period=row["period"],
                    area=row["area"],
                    unit_id=row["unit_id"] or "",
                    metric=row["metric"],
                    slice=row["slice"],
                    value=float(text),
                    decimals=decimals,
                    unit=row["unit"],
                    note=row["note"] or "",
                )
            )
    return figures


class FigureBook:
    """Look-ups into the published figures of one municipality."""

    def __init__(self, figures: list[Figure], municipality: str):
        self.figures = [f for f in figures if f.municipality == municipality]

    def get(
        self,
        metric: str,
        year: int,
        *,
        slice: str = "total",
        area: str = TOTAL_AREA,
        period: str | None = None,
        unit_id: str = "",
    ) -> Figure | None:
        wanted_period = period or str(year)
        for figure in self.figures:
            if (
                figure.metric == metric
                and figure.year == year
                and figure.slice == slice
                and figure.area == area
                and figure.period == wanted_period
                and figure.unit_id == unit_id
            ):
                return figure
        return None

    def value(self, metric: str, year: int, default: float | None = None, **kwargs) -> float | None:
        figure = self.get(metric, year, **kwargs)
        return figure.value if figure else default
