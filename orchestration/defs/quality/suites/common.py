"""Expectations and comparison frames that several mart suites share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import duckdb
import great_expectations as gx
import pandas as pd

from orchestration.defs.quality.framework import expectation, read_frame

EX = gx.expectations

# Sums of DECIMAL(18,4) amounts read as float64: differences below this are rounding.
SEK_TOLERANCE = 0.01
HOURS_TOLERANCE = 0.01
PCT_TOLERANCE = 0.001

MIN_ROWS = "min_rows"
# Longer vocabularies are named by their source instead of listed in messages.
VALUES_LISTED = 12
MAX_ROWS = "max_rows"


def unique_key(columns: Sequence[str], what: str) -> gx.expectations.Expectation:
    if len(columns) == 1:
        return expectation(
            EX.ExpectColumnValuesToBeUnique, "key_unique", f"En rad per {what}.", column=columns[0]
        )
    return expectation(
        EX.ExpectCompoundColumnsToBeUnique,
        "key_unique",
        f"En rad per {what} ({', '.join(columns)}).",
        column_list=list(columns),
        ignore_row_if="never",
    )


def not_null(columns: Iterable[str]) -> list[gx.expectations.Expectation]:
    return [
        expectation(
            EX.ExpectColumnValuesToNotBeNull, f"{column}_not_null", f"{column} är alltid ifylld.", column=column
        )
        for column in columns
    ]


def in_vocabulary(
    column: str, values: Iterable[object], what: str, *, blocking: bool = True
) -> gx.expectations.Expectation:
    allowed = sorted({value for value in values if value is not None}, key=str)
    listed = ", ".join(map(str, allowed)) if len(allowed) <= VALUES_LISTED else f"{len(allowed)} kända värden"
    return expectation(
        EX.ExpectColumnValuesToBeInSet,
        f"{column}_in_vocabulary",
        f"{what}: bara {listed} (eller tomt).",
        column=column,
        value_set=allowed,
        blocking=blocking,
    )


def non_negative(columns: Iterable[str]) -> list[gx.expectations.Expectation]:
    return [
        expectation(
            EX.ExpectColumnValuesToBeBetween,
            f"{column}_non_negative",
            f"{column} är aldrig negativ.",
            column=column,
            min_value=0,
        )
        for column in columns
    ]


def percentages(columns: Iterable[str]) -> list[gx.expectations.Expectation]:
    return [
        expectation(
            EX.ExpectColumnValuesToBeBetween,
            f"{column}_within_0_100",
            f"{column} är en andel i procent, 0–100.",
            column=column,
            min_value=0,
            max_value=100,
        )
        for column in columns
    ]


def near_zero(column: str, check_id: str, description: str, tolerance: float) -> gx.expectations.Expectation:
    return expectation(
        EX.ExpectColumnValuesToBeBetween,
        check_id,
        description,
        column=column,
        min_value=-tolerance,
        max_value=tolerance,
    )


def all_true(column: str, check_id: str, description: str) -> gx.expectations.Expectation:
    return expectation(EX.ExpectColumnValuesToBeInSet, check_id, description, column=column, value_set=[True])


def row_count_within_raw_bounds(what: str) -> gx.expectations.Expectation:
    """Bounds come from the raw tables of the same run, as expectation parameters."""
    return expectation(
        EX.ExpectTableRowCountToBeBetween,
        "row_count_within_raw_bounds",
        f"Antalet rader stämmer med rådatan i samma körning ({what}).",
        min_value={"$PARAMETER": MIN_ROWS},
        max_value={"$PARAMETER": MAX_ROWS},
    )


def column_values(connection: duckdb.DuckDBPyConnection, sql: str) -> list[object]:
    return [row[0] for row in connection.execute(sql).fetchall()]


def delivered_periods_frame(
    connection: duckdb.DuckDBPyConnection, *, raw_sql: str, mart_sql: str
) -> pd.DataFrame:
    """Every (municipality, period) the raw data holds, flagged with whether the mart has it.

    Both queries return `municipality_id, period`; periods compare as text.
    """
    return read_frame(
        connection,
        f"""
        with delivered as (select distinct municipality_id, cast(period as varchar) as period from ({raw_sql})),
        in_mart as (select distinct municipality_id, cast(period as varchar) as period from ({mart_sql}))
        select
            delivered.municipality_id,
            delivered.period,
            in_mart.period is not null as present_in_mart
        from delivered
        left join in_mart using (municipality_id, period)
        order by all
        """,
    )


def newest_period_frame(connection: duckdb.DuckDBPyConnection, *, raw_sql: str, mart_sql: str) -> pd.DataFrame:
    """Per municipality: the newest period delivered and the newest period in the mart."""
    return read_frame(
        connection,
        f"""
        with delivered as (
            select municipality_id, max(cast(period as varchar)) as newest_delivered from ({raw_sql}) group by all
        ),
        in_mart as (
            select municipality_id, max(cast(period as varchar)) as newest_in_mart from ({mart_sql}) group by all
        )
        select
            delivered.municipality_id,
            delivered.newest_delivered,
            coalesce(in_mart.newest_in_mart, '') as newest_in_mart
        from delivered
        left join in_mart using (municipality_id)
        order by all
        """,
    )


def coverage_expectations(what: str) -> list[gx.expectations.Expectation]:
    return [
        all_true(
            "present_in_mart",
            "every_delivered_period_present",
            f"Varje kommun och period som levererats finns i {what}.",
        )
    ]


def freshness_expectations(what: str) -> list[gx.expectations.Expectation]:
    return [
        expectation(
            EX.ExpectColumnPairValuesToBeEqual,
            "newest_period_is_newest_delivered",
            f"Senaste perioden i {what} är den senast levererade.",
            column_A="newest_delivered",
            column_B="newest_in_mart",
        )
    ]
