"""The board's key-figure report: suppression rules and the generated HTML."""

from __future__ import annotations

import pytest

from orchestration.reports.suppression import Cell, Difference, Group, Status, suppress

# --- suppression -------------------------------------------------------------


def test_cells_about_fewer_than_five_people_are_hidden_and_money_never_is():
    status = suppress(
        {
            "sick_men": Cell(4.9, n_individuals=4),
            "sick_women": Cell(9.0, n_individuals=5),
            "net_cost": Cell(-964_456_000.0),
        }
    )
    assert status == {"sick_men": Status.PRIMARY, "sick_women": Status.SHOWN, "net_cost": Status.SHOWN}


def test_a_lone_hidden_part_takes_the_smallest_other_part_with_it():
    cells = {
        "total": Cell(40, n_individuals=40),
        "falls": Cell(3, n_individuals=3),
        "medication": Cell(12, n_individuals=12),
        "conduct": Cell(25, n_individuals=25),
    }
    status = suppress(cells, groups=[Group("total", ("falls", "medication", "conduct"))])
    assert status["falls"] is Status.PRIMARY
    assert status["medication"] is Status.SECONDARY
    assert status["conduct"] is Status.SHOWN
    assert status["total"] is Status.SHOWN


def test_two_hidden_parts_need_nothing_more():
    cells = {
        "total": Cell(40, n_individuals=40),
        "a": Cell(3, n_individuals=3),
        "b": Cell(2, n_individuals=2),
        "c": Cell(35, n_individuals=35),
    }
    status = suppress(cells, groups=[Group("total", ("a", "b", "c"))])
    assert [status[key] for key in ("total", "a", "b", "c")] == [
        Status.SHOWN,
        Status.PRIMARY,
        Status.PRIMARY,
        Status.SHOWN,
    ]


def test_a_hidden_total_with_every_part_shown_hides_a_part():
    cells = {"total": Cell(7, n_individuals=4), "k": Cell(5, n_individuals=5), "m": Cell(2, n_individuals=6)}
    status = suppress(cells, groups=[Group("total", ("k", "m"))])
    assert status["total"] is Status.PRIMARY
    assert status["k"] is Status.SECONDARY
    assert status["m"] is Status.SHOWN


def test_a_difference_is_hidden_when_either_year_is():
    cells = {
        "2023": Cell(4.1, n_individuals=6),
        "2024": Cell(4.9, n_individuals=4),
        "diff": Cell(0.8),
    }
    status = suppress(cells, differences=[Difference("diff", "2024", "2023")])
    assert status == {"2023": Status.SHOWN, "2024": Status.PRIMARY, "diff": Status.SECONDARY}


def test_secondary_suppression_spreads_until_nothing_can_be_recomputed():
    # Year 2024: men (3 people) hidden → women hidden too (group). The women's
    # difference then reveals nothing new, but must go as well.
    cells = {
        ("total", 2023): Cell(100, n_individuals=100),
        ("k", 2023): Cell(90, n_individuals=90),
        ("m", 2023): Cell(10, n_individuals=10),
        ("total", 2024): Cell(93, n_individuals=93),
        ("k", 2024): Cell(90, n_individuals=90),
        ("m", 2024): Cell(3, n_individuals=3),
        ("total", "diff"): Cell(-7),
        ("k", "diff"): Cell(0),
        ("m", "diff"): Cell(-7),
    }
    groups = [Group(("total", year), (("k", year), ("m", year))) for year in (2023, 2024)]
    differences = [Difference((row, "diff"), (row, 2024), (row, 2023)) for row in ("total", "k", "m")]
    status = suppress(cells, groups=groups, differences=differences)
    hidden = {key for key, value in status.items() if value is not Status.SHOWN}
    assert hidden == {("m", 2024), ("k", 2024), ("m", "diff"), ("k", "diff")}
    assert status[("total", 2024)] is Status.SHOWN
    assert status[("total", "diff")] is Status.SHOWN


def test_missing_values_are_not_used_as_secondary_cells():
    cells = {"total": Cell(30, n_individuals=30), "a": Cell(2, n_individuals=2), "b": Cell(None), "c": Cell(28, 28)}
    status = suppress(cells, groups=[Group("total", ("a", "b", "c"))])
    assert status["b"] is Status.SHOWN
    assert status["c"] is Status.SECONDARY


def test_a_rule_naming_an_unknown_cell_is_an_error():
    with pytest.raises(KeyError, match="not in the table"):
        suppress({"a": Cell(1, 10)}, groups=[Group("a", ("nope",))])
