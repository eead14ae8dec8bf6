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


def period_frames(
    connection: duckdb.DuckDBPyConnection, *, raw_sql: str, mart_sql: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The delivered frame and the freshness frame of the same raw and mart periods.

    Delivered: every (municipality, period) the raw data holds, flagged with whether the mart
    has it. Freshness: per municipality, the newest period delivered and the newest in the mart.
    Both queries return `municipality_id, period`; periods compare as text. Each side is read
    once (a scan of the whole table) as its few distinct periods, which both frames are built from.
    """
    sides = {
        "quality_delivered_periods": raw_sql,
        "quality_mart_periods": mart_sql,
    }
    for name, sql in sides.items():
        connection.execute(
            f"create or replace temp table {name} as "
            f"select distinct municipality_id, cast(period as varchar) as period from ({sql})"
        )
    try:
        delivered = read_frame(
            connection,
            """
            select
                delivered.municipality_id,
                delivered.period,
                in_mart.period is not null as present_in_mart
            from quality_delivered_periods as delivered
            left join quality_mart_periods as in_mart using (municipality_id, period)
            order by all
            """,
        )
        newest = read_frame(
            connection,
            """
            with delivered as (
                select municipality_id, max(period) as newest_delivered from quality_delivered_periods group by all
            ),
            in_mart as (
                select municipality_id, max(period) as newest_in_mart from quality_mart_periods group by all
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
    finally:
        for name in sides:
            connection.execute(f"drop table if exists {name}")
    return delivered, newest


def delivered_periods_frame(connection: duckdb.DuckDBPyConnection, *, raw_sql: str, mart_sql: str) -> pd.DataFrame:
    """Every (municipality, period) the raw data holds, flagged with whether the mart has it."""
    return period_frames(connection, raw_sql=raw_sql, mart_sql=mart_sql)[0]


def newest_period_frame(connection: duckdb.DuckDBPyConnection, *, raw_sql: str, mart_sql: str) -> pd.DataFrame:
    """Per municipality: the newest period delivered and the newest period in the mart."""
    return period_frames(connection, raw_sql=raw_sql, mart_sql=mart_sql)[1]


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
