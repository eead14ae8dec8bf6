"""Statistical disclosure control for published tables.

A figure about fewer than `MIN_INDIVIDUALS` people is not shown (primary
suppression). Hiding one cell is not enough when the reader can get it back
by arithmetic: from a total and the other parts of the total, or from a
difference column and the other year. Those cells are hidden too (secondary
suppression), so the hidden value cannot be recomputed from what is shown.

Cells are addressed by any hashable key; the caller says which cells form an
additive group (a total and its parts) and which cells are differences of two
others. A cell without a count of individuals (`n_individuals is None`) is not
about people (money, Kolada averages) and is never suppressed on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

MIN_INDIVIDUALS = 5


class Status(Enum):
    SHOWN = "shown"
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class Cell:
    value: float | None
    n_individuals: int | None = None


@dataclass(frozen=True)
class Group:
    """A total and the cells that make it up (the parts need not cover it fully)."""

    total: Hashable
    parts: tuple[Hashable, ...]


@dataclass(frozen=True)
class Difference:
    """`cell` = `minuend` − `subtrahend`; any one of the three reveals the others."""

    cell: Hashable
    minuend: Hashable
    subtrahend: Hashable


def is_primary(cell: Cell, threshold: int = MIN_INDIVIDUALS) -> bool:
    return cell.n_individuals is not None and cell.n_individuals < threshold


def suppress(
    cells: Mapping[Hashable, Cell],
    groups: Iterable[Group] = (),
    differences: Iterable[Difference] = (),
    threshold: int = MIN_INDIVIDUALS,
) -> dict[Hashable, Status]:
    """Return the status of every cell after primary and secondary suppression.

    Repeats until nothing changes, because hiding a cell for one group can
    leave another group with a single hidden cell.
    """
    groups = list(groups)
    differences = list(differences)
    for reference in _references(groups, differences):
        if reference not in cells:
            raise KeyError(f"suppression rule names a cell that is not in the table: {reference!r}")
    status = {key: Status.PRIMARY if is_primary(cell, threshold) else Status.SHOWN for key, cell in cells.items()}

    def hide(key: Hashable) -> bool:
        if status[key] is Status.SHOWN and cells[key].value is not None:
            status[key] = Status.SECONDARY
            return True
        return False

    changed = True
    while changed:
        changed = False
        for group in groups:
            changed |= _protect_group(group, cells, status, hide)
        for difference in differences:
            changed |= _protect_difference(difference, status, hide)
    return status


def _references(groups: Sequence[Group], differences: Sequence[Difference]) -> Iterable[Hashable]:
    for group in groups:
        yield group.total
        yield from group.parts
    for difference in differences:
        yield from (difference.cell, difference.minuend, difference.subtrahend)


def _hidden(status: Mapping[Hashable, Status], key: Hashable) -> bool:
    return status[key] is not Status.SHOWN


def _protect_group(
    group: Group, cells: Mapping[Hashable, Cell], status: dict[Hashable, Status], hide: Callable[[Hashable], bool]
) -> bool:
    members = (group.total, *group.parts)
    hidden = [key for key in members if _hidden(status, key)]
    if len(hidden) != 1:
        return False
    # One hidden member of an additive group is the total minus the others:
    # hide the smallest visible part as well (it gives away the least), or the
    # total when no part is left.
    candidates = [key for key in group.parts if not _hidden(status, key) and cells[key].value is not None]
    if candidates:
        smallest = min(candidates, key=lambda key: (cells[key].n_individuals or 0, abs(cells[key].value or 0)))
        return hide(smallest)
    return hide(group.total)


def _protect_difference(
    difference: Difference, status: dict[Hashable, Status], hide: Callable[[Hashable], bool]
) -> bool:
    keys = (difference.cell, difference.minuend, difference.subtrahend)
    if not any(_hidden(status, key) for key in keys):
        return False
    # A difference is only worth showing when both years are shown; hiding the
    # difference (never a year) keeps the other year's figure visible.
    if _hidden(status, difference.minuend) or _hidden(status, difference.subtrahend):
        return hide(difference.cell)
    # The difference itself was hidden (it is about few people): with both
    # years visible it could be recomputed, so hide the later year.
    return hide(difference.minuend)
