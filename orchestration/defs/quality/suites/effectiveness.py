"""Effectiveness mart (Kolada): fct_kolada_comparisons and fct_rka_indices."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.defs.quality.batches import PassedBatches
from orchestration.defs.quality.framework import FrameCheck, MartSuite, expectation, read_frame
from orchestration.defs.quality.suites import common
from orchestration.defs.quality.suites.common import EX

GENDERS = ("T", "K", "M")
TRAFFIC_LIGHTS = ("grön", "gul", "röd")
COMPARISON_KEY = ("kpi_id", "municipality_id", "year", "gender")
INDEX_KEY = ("index_kpi_id", "municipality_id", "year")
GROUP_MEANS = ("goteborgsregionen", "similar_group", "all_municipalities")
SHARED_VALUES = ("value", "goteborgsregionen_mean", "similar_group_mean", "all_municipalities_mean", "riket_value")
SHARE_COLUMNS = tuple(f"share_{column}" for column in SHARED_VALUES)
# Kolada marks shares in the KPI title ("…, andel (%)"); a share outside 0–100 is impossible.
SHARE_TITLE_MARK = "andel (%)"

# The rows the comparisons describe: the latest Kolada snapshot, municipalities (type K) and Riket.
COMPARED_VALUES = """
    with latest_values as (
        select * from raw.kolada_values where _snapshot_id = (select max(_snapshot_id) from raw.kolada_values)
    ),
    latest_municipalities as (
        select * from raw.kolada_municipalities
        where _snapshot_id = (select max(_snapshot_id) from raw.kolada_municipalities)
    )
    select latest_values.*
    from latest_values
    inner join latest_municipalities on latest_values.municipality = latest_municipalities.id
    where latest_municipalities.type = 'K' or latest_values.municipality = '0000'
"""
RAW_YEARS = f"""
    select municipality as municipality_id, cast(period as varchar) as period
    from ({COMPARED_VALUES}) where not coalesce(isdeleted, false) and value is not null
"""
MART_YEARS = """
    select municipality_id, cast(year as varchar) as period from marts.fct_kolada_comparisons where value is not null
"""


def kolada_comparisons_check(frame: pd.DataFrame, *, kpi_ids: list[str], raw_rows: int, raw_keys: int) -> FrameCheck:
    return FrameCheck(
        name="fct_kolada_comparisons",
        mart="fct_kolada_comparisons",
        frame=frame,
        key_columns=COMPARISON_KEY,
        expectations=[
            common.unique_key(COMPARISON_KEY, "nyckeltal, kommun, år och kön"),
            *common.not_null(COMPARISON_KEY),
            common.in_vocabulary("gender", GENDERS, "Kön i Kolada"),
            common.in_vocabulary("kpi_id", kpi_ids, "Nyckeltal (dim_kpi)"),
            common.in_vocabulary("traffic_light", TRAFFIC_LIGHTS, "Färgmarkering"),
            expectation(
                EX.ExpectColumnValuesToMatchRegex,
                "municipality_id_four_digits",
                "Kommunkoden är fyra siffror.",
                column="municipality_id",
                regex=r"^\d{4}$",
            ),
            *common.percentages((*SHARE_COLUMNS, "percentile")),
            *[
                common.all_true(
                    f"{mean}_mean_has_members",
                    f"{mean}_mean_from_members",
                    f"Gruppmedelvärdet ({mean}) är beräknat på minst en medlemskommun.",
                )
                for mean in GROUP_MEANS
            ],
            expectation(
                EX.ExpectColumnPairValuesAToBeGreaterThanB,
                "rank_within_ranked",
                "Rangen ligger inom antalet rangordnade kommuner.",
                column_A="n_ranked",
                column_B="rank_among_municipalities",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            common.row_count_within_raw_bounds("Koladas senaste ögonblicksbild, kommuner och riket"),
        ],
        parameters={common.MIN_ROWS: raw_keys, common.MAX_ROWS: raw_rows},
    )


def rka_indices_check(frame: pd.DataFrame) -> FrameCheck:
    return FrameCheck(
        name="fct_rka_indices",
        mart="fct_rka_indices",
        frame=frame,
        key_columns=INDEX_KEY,
        expectations=[
            common.unique_key(INDEX_KEY, "index, kommun och år"),
            *common.not_null(INDEX_KEY),
            *common.percentages(
                (
                    "recomputed_value",
                    "published_value",
                    "recomputed_from_published_components",
                    "recomputed_value_all_complete",
                )
            ),
            expectation(
                EX.ExpectColumnValuesToBeBetween,
                "index_population_not_empty",
                "Ett omräknat index bygger på en population med minst en kommun.",
                column="recomputed_index_population",
                min_value=1,
            ),
        ],
    )


def build(connection: duckdb.DuckDBPyConnection, passed: PassedBatches | None = None) -> list[FrameCheck]:
    kpi_ids = common.column_values(connection, "select kpi_id from marts.dim_kpi")
    raw_rows, raw_keys = connection.execute(
        f"select count(*), count(distinct (kpi, municipality, period, gender)) from ({COMPARED_VALUES})"
    ).fetchone()
    share_columns = ",\n".join(
        f"case when share_kpis.kpi_id is not null then comparisons.{column} end as share_{column}"
        for column in SHARED_VALUES
    )
    members_columns = ",\n".join(
        f"comparisons.{mean}_mean is null or coalesce(comparisons.{mean}_n, 0) >= 1 as {mean}_mean_has_members"
        for mean in GROUP_MEANS
    )
    comparisons = read_frame(
        connection,
        f"""
        with share_kpis as (
            select kpi_id from marts.dim_kpi where contains(lower(kpi_title), '{SHARE_TITLE_MARK}')
        )
        select
            comparisons.*,
            {share_columns},
            {members_columns}
        from marts.fct_kolada_comparisons as comparisons
        left join share_kpis on comparisons.kpi_id = share_kpis.kpi_id
        """,
    )
    delivered, newest = common.period_frames(connection, raw_sql=RAW_YEARS, mart_sql=MART_YEARS)
    return [
        kolada_comparisons_check(comparisons, kpi_ids=kpi_ids, raw_rows=raw_rows, raw_keys=raw_keys),
        rka_indices_check(
            read_frame(
                connection,
                """
                select
                    *,
                    case when recomputed_value is not null then n_index_population end as recomputed_index_population
                from marts.fct_rka_indices
                """,
            )
        ),
        FrameCheck(
            name="kolada_years_delivered",
            mart="fct_kolada_comparisons",
            frame=delivered,
            key_columns=("municipality_id", "period"),
            expectations=common.coverage_expectations("fct_kolada_comparisons"),
        ),
        FrameCheck(
            name="kolada_freshness",
            mart="fct_kolada_comparisons",
            frame=newest,
            key_columns=("municipality_id",),
            expectations=common.freshness_expectations("fct_kolada_comparisons"),
        ),
    ]


SUITE = MartSuite(
    name="effectiveness",
    title="Effektivitet (Kolada)",
    marts=("fct_kolada_comparisons", "fct_rka_indices"),
    build=build,
)
