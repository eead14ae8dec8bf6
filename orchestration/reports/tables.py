"""Tables of one figure per year and a difference column, as the boards lay them out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from orchestration.reports.metrics import MetricValue, Metrics
from orchestration.reports.model import SUPPRESSED_MARK, Row, Table, cell
from orchestration.reports.suppression import Cell, Difference, Group, Status, suppress

SLICE_FAMILIES = {
    "kon": ("kon=K", "kon=M"),
    "alder": ("alder=-29", "alder=30-49", "alder=50-"),
    "sjukperiod": ("sjukperiod=dag1-14", "sjukperiod=dag15-59", "sjukperiod=dag60-"),
}
SUPPRESSION_NOTE = (
    f"{SUPPRESSED_MARK} = visas inte: uppgiften gäller färre än 5 personer, eller skulle tillsammans med andra "
    "uppgifter i tabellen göra det möjligt att räkna fram en sådan uppgift."
)
MISSING_NOTE = ".. = uppgift saknas."


@dataclass(frozen=True)
class RowSpec:
    label: str
    metric_id: str | None = None
    slice: str = "total"
    decimals: int = 0
    indent: int = 1

    @property
    def heading(self) -> bool:
        return self.metric_id is None


def heading(label: str) -> RowSpec:
    return RowSpec(label)


def year_columns(years: Sequence[int], prefix: str = "") -> list[str]:
    return [f"{prefix}{year}" for year in years]


def suppression_rules(
    specs: Sequence[RowSpec], years: Sequence[int], present: set[tuple[str, str, object]]
) -> tuple[list[Group], list[Difference]]:
    groups: list[Group] = []
    differences: list[Difference] = []
    metric_ids = sorted({spec.metric_id for spec in specs if spec.metric_id})
    for metric_id in metric_ids:
        for year in years:
            total = (metric_id, "total", year)
            if total not in present:
                continue
            for family in SLICE_FAMILIES.values():
                parts = tuple((metric_id, one, year) for one in family if (metric_id, one, year) in present)
                if parts:
                    groups.append(Group(total, parts))
    if len(years) >= 2:
        current, previous = years[-1], years[-2]
        for spec in specs:
            if spec.metric_id is None:
                continue
            keys = ((spec.metric_id, spec.slice, "diff"), (spec.metric_id, spec.slice, current))
            if all(key in present for key in keys) and (spec.metric_id, spec.slice, previous) in present:
                differences.append(Difference(keys[0], keys[1], (spec.metric_id, spec.slice, previous)))
    return groups, differences


def year_comparison_table(
    metrics: Metrics,
    values: Mapping[tuple[str, str, int], MetricValue],
    specs: Sequence[RowSpec],
    years: Sequence[int],
    caption: str,
    notes: Sequence[str] = (),
    with_difference: bool = True,
    label_header: str = "",
) -> Table:
    """Rows of metrics, one column per year (oldest first) and the change over the last year."""
    current, previous = years[-1], years[-2] if len(years) >= 2 else None
    cells: dict[tuple[str, str, object], Cell] = {}
    for spec in specs:
        if spec.metric_id is None:
            continue
        for year in years:
            found = values.get((spec.metric_id, spec.slice, year))
            cells[(spec.metric_id, spec.slice, year)] = Cell(
                found.value if found else None, found.n_individuals if found else None
            )
        if with_difference and previous is not None:
            now, before = cells[(spec.metric_id, spec.slice, current)], cells[(spec.metric_id, spec.slice, previous)]
            change = None if now.value is None or before.value is None else now.value - before.value
            cells[(spec.metric_id, spec.slice, "diff")] = Cell(change)
    groups, differences = suppression_rules(specs, years, set(cells))
    status = suppress(cells, groups=groups, differences=differences if with_difference else ())

    rows: list[Row] = []
    any_suppressed = any(value is not Status.SHOWN for value in status.values())
    any_missing = False
    for spec in specs:
        if spec.heading:
            rows.append(Row(spec.label, heading=True))
            continue
        row_cells = []
        for year in years:
            key = (spec.metric_id, spec.slice, year)
            row_cells.append(cell(cells[key].value, status[key], spec.decimals))
            any_missing |= cells[key].value is None and status[key] is Status.SHOWN
        if with_difference and previous is not None:
            key = (spec.metric_id, spec.slice, "diff")
            row_cells.append(cell(cells[key].value, status[key], spec.decimals, signed=True))
        rows.append(Row(spec.label, row_cells, metrics.definition(spec.metric_id), indent=spec.indent))

    columns = year_columns(years)
    if with_difference and previous is not None:
        columns.append(f"Differens {previous}/{current}")
    table_notes = list(notes)
    if any_suppressed:
        table_notes.append(SUPPRESSION_NOTE)
    if any_missing:
        table_notes.append(MISSING_NOTE)
    return Table(caption, columns, rows, table_notes, label_header=label_header)
