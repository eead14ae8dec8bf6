"""Economy mart: fct_ledger_months and fct_net_cost_yearly."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.defs.quality.batches import (
    MunicipalityBatches,
    PassedBatches,
    RawCounts,
    count_raw,
    text_literal,
)
from orchestration.defs.quality.framework import FrameCheck, MartSuite, expectation, read_frame
from orchestration.defs.quality.suites import common
from orchestration.defs.quality.suites.common import EX

LINE_KINDS = ("revenue", "cost", "outside")
NET_COST_LEVELS = ("kommun", "verksamhetsomrade")

LEDGER_MONTH_KEY = ("municipality_id", "period", "unit_id", "report_line")
LEDGER_ENTRY_KEY = ("municipality_id", "period", "unit_id", "activity_code", "account_code")
NET_COST_KEY = ("municipality_id", "year", "level", "area")

RAW_MONTHS = "select kommunkod as municipality_id, period from raw.ekonomi_huvudbok"
KEY_COUNTS = RawCounts(
    relation="raw.ekonomi_huvudbok",
    stamps="raw.ekonomi_huvudbok",
    period="period",
    # A struct's DISTINCT counts NULL equal to NULL, as the grouping of duplicated keys does.
    counts={"rows": "count(*)", "distinct_keys": "count(distinct (ansvar, verksamhet, konto))"},
)
RAW_COUNTS = RawCounts(
    relation="raw.ekonomi_huvudbok",
    stamps="raw.ekonomi_huvudbok",
    period="period",
    counts={common.MIN_ROWS: "count(distinct ansvar)", common.MAX_ROWS: "count(distinct (ansvar, konto))"},
)
MART_MONTHS = "select municipality_id, period from marts.fct_ledger_months"


def ledger_months_check(
    frame: pd.DataFrame | MunicipalityBatches,
    *,
    areas: list[str],
    report_lines: list[str],
    min_rows: int,
    max_rows: int,
) -> FrameCheck:
    expectations = [
        common.unique_key(LEDGER_MONTH_KEY, "kommun, månad, enhet och rapportrad"),
        *common.not_null(("municipality_id", "period", "unit_id", "report_line", "line_kind")),
        common.in_vocabulary("report_line", report_lines, "Rapportrad (referensdata account_mapping)"),
        common.in_vocabulary("line_kind", LINE_KINDS, "Radtyp"),
        common.in_vocabulary("area", areas, "Verksamhetsområde (referensdata areas)"),
        expectation(
            EX.ExpectColumnValuesToNotBeNull,
            "unit_in_register",
            "Ansvaret (enheten) finns i enhetsregistret (organisation) för månaden.",
            column="unit_key",
        ),
        expectation(
            EX.ExpectColumnValuesToBeBetween,
            "month_within_year",
            "Månaden är 1–12.",
            column="month",
            min_value=1,
            max_value=12,
        ),
        expectation(
            EX.ExpectColumnValuesToBeBetween,
            "built_from_ledger_rows",
            "Varje rad bygger på minst en huvudboksrad.",
            column="n_ledger_rows",
            min_value=1,
        ),
        common.row_count_within_raw_bounds(
            "mellan antal enhetsmånader och antal konton per enhetsmånad i huvudboken"
        ),
    ]
    return FrameCheck(
        name="fct_ledger_months",
        mart="fct_ledger_months",
        frame=frame,
        key_columns=LEDGER_MONTH_KEY,
        expectations=expectations,
        parameters={common.MIN_ROWS: min_rows, common.MAX_ROWS: max_rows},
    )


def ledger_totals_check(frame: pd.DataFrame) -> FrameCheck:
    """`frame`: per municipality and month, the mart's totals minus the raw ledger's (sign-flipped)."""
    return FrameCheck(
        name="ledger_totals_vs_raw",
        mart="fct_ledger_months",
        frame=frame,
        key_columns=("municipality_id", "period"),
        expectations=[
            common.near_zero(
                "actual_difference",
                "ledger_totals_match_raw",
                "Utfallet per kommun och månad i marten är lika med huvudbokens (med omvänt tecken).",
                common.SEK_TOLERANCE,
            ),
            common.near_zero(
                "budget_difference",
                "budget_totals_match_raw",
                "Budgeten per kommun och månad i marten är lika med huvudbokens (med omvänt tecken).",
                common.SEK_TOLERANCE,
            ),
        ],
    )


def duplicated_entries_check(frame: pd.DataFrame) -> FrameCheck:
    """`frame`: the raw ledger keys that occur more than once (empty when the delivery is clean).

    The mart sums ledger rows, so a row delivered twice doubles an amount without breaking
    the mart's own key; the ledger key is checked where the duplicate is still visible.
    """
    return FrameCheck(
        name="ledger_entries_duplicated",
        mart="fct_ledger_months",
        frame=frame,
        key_columns=(*LEDGER_ENTRY_KEY, "source_file", "source_line"),
        expectations=[
            expectation(
                EX.ExpectColumnValuesToBeBetween,
                "ledger_entry_key_unique",
                "Huvudboken har en rad per kommun, månad, ansvar, verksamhet och konto.",
                column="rows_with_key",
                max_value=1,
            )
        ],
    )


def net_cost_yearly_check(frame: pd.DataFrame | MunicipalityBatches, *, areas: list[str]) -> FrameCheck:
    return FrameCheck(
        name="fct_net_cost_yearly",
        mart="fct_net_cost_yearly",
        frame=frame,
        key_columns=NET_COST_KEY,
        expectations=[
            common.unique_key(NET_COST_KEY, "kommun, år och nivå"),
            *common.not_null(("municipality_id", "year", "level", "months_in_period")),
            common.in_vocabulary("level", NET_COST_LEVELS, "Nivå"),
            common.in_vocabulary("area", areas, "Verksamhetsområde (referensdata areas)"),
            expectation(
                EX.ExpectColumnValuesToBeBetween,
                "months_in_period_within_year",
                "Antalet bokförda månader per år är 1–12.",
                column="months_in_period",
                min_value=1,
                max_value=12,
            ),
            common.near_zero(
                "net_cost_difference",
                "net_cost_is_revenue_plus_costs",
                "Nettokostnaden är intäkter + kostnader.",
                common.SEK_TOLERANCE,
            ),
            common.near_zero(
                "ledger_difference",
                "net_cost_matches_ledger_months",
                "Kommunens nettokostnad per år är summan av huvudbokens rader inom verksamhetens nettokostnad.",
                common.SEK_TOLERANCE,
            ),
        ],
    )


def _equals(column: str, key_text: str) -> str:
    """`column` equal to a partition key's part, where '' stands for NULL (`batches.partition_key`)."""
    return f"{column} is null" if key_text == "" else f"{column} = {text_literal(key_text)}"


def build(connection: duckdb.DuckDBPyConnection, passed: PassedBatches | None = None) -> list[FrameCheck]:
    areas = common.column_values(connection, "select area from reference.areas")
    report_lines = common.column_values(connection, "select distinct report_line from reference.account_mapping")
    raw_counts = count_raw(connection, RAW_COUNTS, passed)
    min_rows = sum(counts[common.MIN_ROWS] for counts in raw_counts.values())
    max_rows = sum(counts[common.MAX_ROWS] for counts in raw_counts.values())
    ledger_months = MunicipalityBatches(
        "select * from marts.fct_ledger_months", parameters_by_municipality=raw_counts, period_column="period"
    )
    totals = read_frame(
        connection,
        """
        with raw_totals as (
            select
                kommunkod as municipality_id,
                period,
                -coalesce(sum(utfall), 0) as actual_sek,
                -coalesce(sum(budget), 0) as budget_sek
            from raw.ekonomi_huvudbok
            group by all
        ),
        mart_totals as (
            select
                municipality_id,
                period,
                coalesce(sum(actual_sek), 0) as actual_sek,
                coalesce(sum(budget_sek), 0) as budget_sek
            from marts.fct_ledger_months
            group by all
        )
        select
            coalesce(raw_totals.municipality_id, mart_totals.municipality_id) as municipality_id,
            coalesce(raw_totals.period, mart_totals.period) as period,
            cast(coalesce(mart_totals.actual_sek, 0) - coalesce(raw_totals.actual_sek, 0) as double)
                as actual_difference,
            cast(coalesce(mart_totals.budget_sek, 0) - coalesce(raw_totals.budget_sek, 0) as double)
                as budget_difference
        from raw_totals
        full outer join mart_totals
            on raw_totals.municipality_id = mart_totals.municipality_id and raw_totals.period = mart_totals.period
        order by all
        """,
    )
    # A ledger key holds its municipality and month, so duplicates lie within one partition: only
    # partitions with fewer distinct keys than rows (counted when their loads changed) are searched.
    with_duplicates = sorted(
        partition
        for partition, counts in count_raw(connection, KEY_COUNTS, passed).items()
        if counts["distinct_keys"] < counts["rows"]
    )
    in_partitions = (
        "("
        + " or ".join(
            f"({_equals('kommunkod', municipality)} and {_equals('period', period)})"
            for municipality, period in (partition.split("/", 1) for partition in with_duplicates)
        )
        + ")"
        if with_duplicates
        else "false"
    )
    duplicated = read_frame(
        connection,
        # The keys first, the file and line only for duplicated keys: taking the smallest file name
        # of every key of the ledger costs more than finding the duplicates.
        f"""
        with duplicated_keys as (
            select kommunkod, period, ansvar, verksamhet, konto, count(*) as rows_with_key
            from raw.ekonomi_huvudbok
            where {in_partitions}
            group by all
            having count(*) > 1
        )
        select
            duplicated_keys.kommunkod as municipality_id,
            duplicated_keys.period,
            duplicated_keys.ansvar as unit_id,
            duplicated_keys.verksamhet as activity_code,
            duplicated_keys.konto as account_code,
            duplicated_keys.rows_with_key,
            min(ledger._source_file) as source_file,
            min(ledger._source_line) as source_line
        from raw.ekonomi_huvudbok as ledger
        inner join duplicated_keys
            on
                ledger.kommunkod is not distinct from duplicated_keys.kommunkod
                and ledger.period is not distinct from duplicated_keys.period
                and ledger.ansvar is not distinct from duplicated_keys.ansvar
                and ledger.verksamhet is not distinct from duplicated_keys.verksamhet
                and ledger.konto is not distinct from duplicated_keys.konto
        group by all
        order by all
        """,
    )
    net_cost = MunicipalityBatches(
        """
        with ledger_net_cost as (
            select municipality_id, year, sum(actual_sek) as net_cost_sek
            from marts.fct_ledger_months
            where is_in_net_cost
            group by all
        )
        select
            yearly.*,
            yearly.net_cost_sek - (yearly.revenue_sek + yearly.total_costs_sek) as net_cost_difference,
            case
                when yearly.level = 'kommun' then yearly.net_cost_sek - coalesce(ledger_net_cost.net_cost_sek, 0)
            end as ledger_difference
        from marts.fct_net_cost_yearly as yearly
        left join ledger_net_cost
            on yearly.municipality_id = ledger_net_cost.municipality_id and yearly.year = ledger_net_cost.year
        """,
        period_column="year",
    )
    delivered, newest = common.period_frames(connection, raw_sql=RAW_MONTHS, mart_sql=MART_MONTHS)
    return [
        ledger_months_check(
            ledger_months, areas=areas, report_lines=report_lines, min_rows=min_rows, max_rows=max_rows
        ),
        ledger_totals_check(totals),
        duplicated_entries_check(duplicated),
        FrameCheck(
            name="ledger_months_delivered",
            mart="fct_ledger_months",
            frame=delivered,
            key_columns=("municipality_id", "period"),
            expectations=common.coverage_expectations("fct_ledger_months"),
        ),
        FrameCheck(
            name="ledger_months_freshness",
            mart="fct_ledger_months",
            frame=newest,
            key_columns=("municipality_id",),
            expectations=common.freshness_expectations("fct_ledger_months"),
        ),
        net_cost_yearly_check(net_cost, areas=areas),
    ]


SUITE = MartSuite(
    name="economy",
    title="Ekonomi",
    marts=("fct_ledger_months", "fct_net_cost_yearly"),
    build=build,
)
