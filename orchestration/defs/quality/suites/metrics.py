"""Metric values mart: fct_metric_values, the long table reports and BI tools read."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.defs.quality.batches import MunicipalityBatches, PassedBatches
from orchestration.defs.quality.framework import FrameCheck, MartSuite, read_frame
from orchestration.defs.quality.suites import common

LEVELS = ("kommun", "verksamhetsomrade", "avdelning", "enhet")
PERIOD_TYPES = ("year", "month")
SLICES = (
    "total",
    "kon=K",
    "kon=M",
    "alder=-29",
    "alder=30-49",
    "alder=50-",
    "sjukperiod=dag1-14",
    "sjukperiod=dag15-59",
    "sjukperiod=dag60-",
)
METRIC_KEY = ("municipality_id", "period", "level", "area", "department", "unit_id", "metric_id", "slice")
# Units whose values cannot be negative; kronor can (revenue positive, costs negative).
NON_NEGATIVE_UNITS = ("antal", "årsarbetare", "timmar", "år", "dagar")
# Turnover can exceed 100 % in a small unit within a year; every other percentage is a share.
UNBOUNDED_PERCENT_METRICS = ("turnover_total_pct", "turnover_external_pct", "turnover_external_excl_pension_pct")
DELIVERED_YEARS = """
    select kommunkod as municipality_id, left(period, 4) as period from raw.personal_manad
    union all
    select kommunkod as municipality_id, left(period, 4) as period from raw.ekonomi_huvudbok
"""
YEARS_IN_METRICS = "select municipality_id, period from marts.fct_metric_values where period_type = 'year'"
LEDGER_MONTHS = "select kommunkod as municipality_id, period from raw.ekonomi_huvudbok"
ECONOMY_MONTHS_IN_METRICS = """
    select municipality_id, period from marts.fct_metric_values
    where period_type = 'month'
        and metric_id in (select metric_id from reference.metric_catalogue where subject_area = 'ekonomi')
"""


def metric_values_check(frame: pd.DataFrame | MunicipalityBatches, *, metric_ids: list[str]) -> FrameCheck:
    return FrameCheck(
        name="fct_metric_values",
        mart="fct_metric_values",
        frame=frame,
        key_columns=METRIC_KEY,
        expectations=[
            common.unique_key(METRIC_KEY, "kommun, period, nivå, mått och uppdelning"),
            *common.not_null(("municipality_id", "period", "period_type", "year", "level", "metric_id", "slice")),
            common.in_vocabulary("metric_id", metric_ids, "Mått (referensdata metric_catalogue)"),
            common.in_vocabulary("slice", SLICES, "Uppdelning"),
            common.in_vocabulary("level", LEVELS, "Organisationsnivå"),
            common.in_vocabulary("period_type", PERIOD_TYPES, "Periodtyp"),
            common.all_true(
                "period_matches_type",
                "period_matches_type",
                "Perioden är YYYY för år och YYYY-MM för månad, inom rätt år.",
            ),
            common.all_true(
                "level_matches_organisation",
                "level_matches_organisation",
                "Nivån stämmer med vilka av område, avdelning och enhet som är ifyllda.",
            ),
            *common.percentages(("share_pct_value",)),
            *common.non_negative(("non_negative_value", "n_individuals", "denominator")),
        ],
    )


def source_marts_check(frame: pd.DataFrame) -> FrameCheck:
    """The municipality's yearly values that two other marts also hold, beside theirs."""
    return FrameCheck(
        name="metric_values_against_source_marts",
        mart="fct_metric_values",
        frame=frame,
        key_columns=("municipality_id", "period", "metric_id"),
        expectations=[
            common.near_zero(
                "value_difference_to_source",
                "values_match_source_marts",
                "Kommunens sjukfrånvaro och nettokostnad per år är desamma som i fct_personnel_yearly och "
                "fct_net_cost_yearly.",
                common.PCT_TOLERANCE,
            ),
        ],
    )


def build(connection: duckdb.DuckDBPyConnection, passed: PassedBatches | None = None) -> list[FrameCheck]:
    metric_ids = common.column_values(connection, "select metric_id from reference.metric_catalogue")
    unbounded = ", ".join(f"'{metric}'" for metric in UNBOUNDED_PERCENT_METRICS)
    non_negative_units = ", ".join(f"'{unit}'" for unit in NON_NEGATIVE_UNITS)
    values = MunicipalityBatches(
        f"""
        with catalogue as (
            select metric_id, unit from reference.metric_catalogue
        )
        select
            metric_values.*,
            case
                when metric_values.period_type = 'year'
                    then regexp_full_match(metric_values.period, '\\d{{4}}')
                        and metric_values.period = cast(metric_values.year as varchar)
                when metric_values.period_type = 'month'
                    then regexp_full_match(metric_values.period, '\\d{{4}}-(0[1-9]|1[0-2])')
                        and left(metric_values.period, 4) = cast(metric_values.year as varchar)
                else false
            end as period_matches_type,
            case metric_values.level
                when 'kommun' then metric_values.area is null and metric_values.department is null
                    and metric_values.unit_id is null
                when 'verksamhetsomrade' then metric_values.area is not null and metric_values.department is null
                    and metric_values.unit_id is null
                when 'avdelning' then metric_values.department is not null and metric_values.unit_id is null
                when 'enhet' then metric_values.unit_id is not null
                else false
            end as level_matches_organisation,
            case
                when catalogue.unit = '%' and metric_values.metric_id not in ({unbounded}) then metric_values.value
            end as share_pct_value,
            case when catalogue.unit in ({non_negative_units}) then metric_values.value end as non_negative_value
        from marts.fct_metric_values as metric_values
        left join catalogue on metric_values.metric_id = catalogue.metric_id
        """,
        period_column="period",
        # The expressions above cost four times as much as hashing the mart's own columns.
        fingerprint_sql="select * from marts.fct_metric_values",
        fingerprint_inputs=("select metric_id, unit from reference.metric_catalogue",),
    )
    # A frame of its own rather than a join in the batched frame: then only these few rows, not every
    # metric value's fingerprint, are computed against the other marts.
    against_sources = read_frame(
        connection,
        """
        with source_values as (
            select municipality_id, cast(year as varchar) as period, 'sick_leave_pct' as metric_id,
                   sick_leave_pct as source_value
            from marts.fct_personnel_yearly
            where level = 'kommun' and is_all_occupation_groups
            union all
            select municipality_id, cast(year as varchar), 'net_cost', net_cost_sek
            from marts.fct_net_cost_yearly
            where level = 'kommun'
        )
        select
            metric_values.municipality_id,
            metric_values.period,
            metric_values.metric_id,
            metric_values.value - source_values.source_value as value_difference_to_source
        from marts.fct_metric_values as metric_values
        inner join source_values
            on
                metric_values.municipality_id = source_values.municipality_id
                and metric_values.period = source_values.period
                and metric_values.metric_id = source_values.metric_id
        where metric_values.level = 'kommun' and metric_values.slice = 'total'
        order by all
        """,
    )
    return [
        metric_values_check(values, metric_ids=metric_ids),
        source_marts_check(against_sources),
        FrameCheck(
            name="metric_values_delivered",
            mart="fct_metric_values",
            frame=common.delivered_periods_frame(connection, raw_sql=DELIVERED_YEARS, mart_sql=YEARS_IN_METRICS),
            key_columns=("municipality_id", "period"),
            expectations=common.coverage_expectations("fct_metric_values (år)"),
        ),
        FrameCheck(
            name="metric_values_freshness",
            mart="fct_metric_values",
            frame=common.newest_period_frame(connection, raw_sql=LEDGER_MONTHS, mart_sql=ECONOMY_MONTHS_IN_METRICS),
            key_columns=("municipality_id",),
            expectations=common.freshness_expectations("fct_metric_values (ekonomimått per månad)"),
        ),
    ]


SUITE = MartSuite(
    name="metrics",
    title="Mått (fct_metric_values)",
    marts=("fct_metric_values",),
    build=build,
)
