"""Goals mart: fct_goal_indicators and fct_goal_assessments."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.defs.quality.batches import PassedBatches
from orchestration.defs.quality.framework import FrameCheck, MartSuite, expectation, read_frame, scalar
from orchestration.defs.quality.suites import common
from orchestration.defs.quality.suites.common import EX

DIRECTIONS = ("higher", "lower")
OUTCOME_SOURCES = ("Kolada", "Rapporterat")
ASSESSMENTS = ("Helt uppfyllt", "Delvis uppfyllt", "Ej uppfyllt")
INDICATOR_KEY = ("indicator_id", "year")
ASSESSMENT_KEY = ("municipality_id", "goal_id", "year")


def goal_indicators_check(frame: pd.DataFrame, *, kpi_ids: list[str], min_rows: int, max_rows: int) -> FrameCheck:
    return FrameCheck(
        name="fct_goal_indicators",
        mart="fct_goal_indicators",
        frame=frame,
        key_columns=(*INDICATOR_KEY, "municipality_id", "goal_id"),
        expectations=[
            common.unique_key(INDICATOR_KEY, "indikator och år"),
            *common.not_null(("indicator_id", "municipality_id", "goal_id", "year", "direction")),
            common.in_vocabulary("direction", DIRECTIONS, "Riktning"),
            common.in_vocabulary("outcome_source", OUTCOME_SOURCES, "Utfallets källa"),
            # A goal may name a KPI the Kolada fetch does not cover yet; its outcome then comes from
            # the annual report, so this is for people to act on, not a reason to stop publishing.
            common.in_vocabulary(
                "kolada_kpi_id", kpi_ids, "Nyckeltalet finns bland de hämtade från Kolada (dim_kpi)", blocking=False
            ),
            common.all_true(
                "is_met_follows_direction",
                "is_met_follows_direction",
                "Uppfyllt följer riktningen: högre är bättre ⇒ utfall ≥ mål, "
                "lägre är bättre ⇒ utfall ≤ mål.",
            ),
            common.all_true(
                "outcome_from_kolada_when_available",
                "outcome_from_kolada_when_available",
                "Utfallet är Koladas värde när Kolada har ett.",
            ),
            common.row_count_within_raw_bounds("indikatorerna i referensdata goal_indicators, en rad per år"),
        ],
        parameters={common.MIN_ROWS: min_rows, common.MAX_ROWS: max_rows},
    )


def goal_assessments_check(frame: pd.DataFrame) -> FrameCheck:
    return FrameCheck(
        name="fct_goal_assessments",
        mart="fct_goal_assessments",
        frame=frame,
        key_columns=ASSESSMENT_KEY,
        expectations=[
            common.unique_key(ASSESSMENT_KEY, "kommun, mål och år"),
            *common.not_null(ASSESSMENT_KEY),
            common.in_vocabulary("assessment", ASSESSMENTS, "Bedömning"),
            expectation(
                EX.ExpectColumnValuesToBeBetween,
                "goal_has_indicators",
                "Varje mål har minst en indikator.",
                column="n_indicators",
                min_value=1,
            ),
            expectation(
                EX.ExpectColumnPairValuesAToBeGreaterThanB,
                "assessed_within_indicators",
                "Antalet bedömda indikatorer är högst antalet indikatorer.",
                column_A="n_indicators",
                column_B="n_assessed",
                or_equal=True,
            ),
            expectation(
                EX.ExpectColumnPairValuesAToBeGreaterThanB,
                "met_within_assessed",
                "Antalet uppfyllda indikatorer är högst antalet bedömda.",
                column_A="n_assessed",
                column_B="n_met",
                or_equal=True,
            ),
            common.all_true(
                "assessment_follows_counts",
                "assessment_follows_counts",
                "Bedömningen följer av antalet uppfyllda av bedömda indikatorer.",
            ),
            common.near_zero(
                "indicators_difference",
                "indicator_counts_match_indicators",
                "Antalet indikatorer per mål och år är lika med raderna i fct_goal_indicators.",
                0,
            ),
        ],
    )


def build(connection: duckdb.DuckDBPyConnection, passed: PassedBatches | None = None) -> list[FrameCheck]:
    kpi_ids = common.column_values(connection, "select kpi_id from marts.dim_kpi")
    seed_rows = scalar(connection, "select count(*) from reference.goal_indicators")
    # The seed has one outcome column per reported year, as the annual report prints them.
    year_columns = scalar(
        connection,
        "select count(*) from information_schema.columns "
        "where table_schema = 'reference' and table_name = 'goal_indicators' "
        "and column_name like 'outcome\\_%' escape '\\'",
    )
    indicators = read_frame(
        connection,
        """
        select
            * exclude (goal, indicator),
            case
                when is_met is null then target is null or outcome is null
                when direction = 'higher' then is_met = (outcome >= target)
                when direction = 'lower' then is_met = (outcome <= target)
                else false
            end as is_met_follows_direction,
            kolada_value is null or outcome = kolada_value as outcome_from_kolada_when_available
        from marts.fct_goal_indicators
        """,
    )
    assessments = read_frame(
        connection,
        """
        with indicator_counts as (
            select municipality_id, goal_id, year, count(*) as n_indicators
            from marts.fct_goal_indicators
            group by all
        )
        select
            assessments.* exclude (goal),
            case
                when assessments.n_assessed = 0 then assessments.assessment is null
                when assessments.n_met = assessments.n_assessed then assessments.assessment = 'Helt uppfyllt'
                when assessments.n_met > 0 then assessments.assessment = 'Delvis uppfyllt'
                else assessments.assessment = 'Ej uppfyllt'
            end as assessment_follows_counts,
            assessments.n_indicators - coalesce(indicator_counts.n_indicators, 0) as indicators_difference
        from marts.fct_goal_assessments as assessments
        left join indicator_counts
            on
                assessments.municipality_id = indicator_counts.municipality_id
                and assessments.goal_id = indicator_counts.goal_id
                and assessments.year = indicator_counts.year
        """,
    )
    return [
        goal_indicators_check(indicators, kpi_ids=kpi_ids, min_rows=seed_rows, max_rows=seed_rows * year_columns),
        goal_assessments_check(assessments),
    ]


SUITE = MartSuite(
    name="goals",
    title="Mål och indikatorer",
    marts=("fct_goal_indicators", "fct_goal_assessments"),
    build=build,
)
