"""Reading fct_metric_values and dim_metric from the published files."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from orchestration.reports.model import Definition
from orchestration.reports.published import PublishedData

OWN_SOURCE = "egna beräkningar på kommunens data (personal-, ekonomi- och verksamhetssystem)"
UNIT_NAMES = {"kr": "kronor"}


@dataclass(frozen=True)
class MetricValue:
    value: float | None
    n_individuals: int | None


def clean_number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)


def clean_count(value: object) -> int | None:
    cleaned = clean_number(value)
    return None if cleaned is None else int(cleaned)


class Metrics:
    """The municipality's figures from fct_metric_values, keyed for table building."""

    def __init__(self, data: PublishedData, municipality_id: str) -> None:
        data.require("fct_metric_values", "dim_metric")
        self.data = data
        self.municipality_id = municipality_id
        self._cache: dict[tuple[str, str], pd.DataFrame] = {}
        catalogue = data.shared_query("select * from dim_metric")
        self.definitions = {
            row.metric_id: Definition(
                key=row.metric_id,
                name=row.name_sv,
                definition=row.definition_sv,
                unit=UNIT_NAMES.get(row.unit, row.unit),
                source=OWN_SOURCE,
            )
            for row in catalogue.itertuples()
        }

    def definition(self, metric_id: str) -> Definition:
        return self.definitions.get(
            metric_id,
            Definition(metric_id, metric_id, "Definition saknas i måttkatalogen.", "", OWN_SOURCE),
        )

    def frame(
        self,
        metric_ids: Iterable[str],
        years: Sequence[int],
        level: str = "kommun",
        period_type: str = "year",
    ) -> pd.DataFrame:
        rows = self._rows(level, period_type)
        chosen = rows["metric_id"].isin(list(metric_ids)) & rows["year"].isin(list(years))
        return rows[chosen].reset_index(drop=True)

    def _rows(self, level: str, period_type: str) -> pd.DataFrame:
        """The municipality's figures at one level and period type, read once per report."""
        key = (level, period_type)
        if key not in self._cache:
            # The publish step blanks figures about fewer than 5 people; count them as such so the
            # report's secondary suppression still protects them.
            individuals = (
                "case when is_suppressed then 0 else n_individuals end"
                if "is_suppressed" in self.data.columns("fct_metric_values")
                else "n_individuals"
            )
            self._cache[key] = self.data.query(
                f"""
                select period, year, level, area, department, unit_id, metric_id, slice, value,
                    {individuals} as n_individuals
                from fct_metric_values
                where municipality_id = ? and level = ? and period_type = ?
                order by metric_id, slice, period
                """,
                [self.municipality_id, level, period_type],
            )
        return self._cache[key]

    def yearly(
        self, metric_ids: Iterable[str], years: Sequence[int], level: str = "kommun"
    ) -> dict[tuple[str, str, int], MetricValue]:
        """(metric_id, slice, year) → value for one level, summed over nothing (level kommun is one row)."""
        frame = self.frame(metric_ids, years, level=level)
        return {
            (row.metric_id, row.slice, int(row.year)): MetricValue(
                clean_number(row.value), clean_count(row.n_individuals)
            )
            for row in frame.itertuples()
        }

    def years_with_data(self) -> list[int]:
        frame = self.data.query(
            "select distinct year from fct_metric_values where municipality_id = ? order by year",
            [self.municipality_id],
        )
        return [int(year) for year in frame["year"]]
