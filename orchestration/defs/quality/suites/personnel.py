"""Personnel mart: fct_employment_months and fct_personnel_yearly."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.defs.ingest.contracts import EMPLOYMENT_FORMS, SEXES
from orchestration.defs.quality.batches import MunicipalityBatches, PassedBatches, RawCounts, count_raw
from orchestration.defs.quality.framework import FrameCheck, MartSuite, expectation, read_frame
from orchestration.defs.quality.suites import common
from orchestration.defs.quality.suites.common import EX

LEVELS = ("kommun", "verksamhetsomrade", "avdelning", "enhet")
AGE_BANDS = ("-29", "30-49", "50-")
# Employees are of working age; a birth year outside this range is a typo in the HR system.
MIN_AGE, MAX_AGE = 15, 80

EMPLOYMENT_MONTH_KEY = ("municipality_id", "period", "employment_id")
EMPLOYMENT_MONTH_EXAMPLE = (*EMPLOYMENT_MONTH_KEY, "unit_id", "source_file", "source_line")
YEARLY_KEY = ("municipality_id", "year", "level", "area", "department", "unit_id", "occupation_group")

RAW_MONTHS = "select kommunkod as municipality_id, period from raw.personal_manad"
MART_MONTHS = "select municipality_id, period from marts.fct_employment_months"
RAW_COUNTS = RawCounts(
    relation="raw.personal_manad",
    stamps="raw.personal_manad",
    period="period",
    counts={common.MIN_ROWS: "count(distinct anstallnings_id)", common.MAX_ROWS: "count(*)"},
)


def employment_months_check(
    frame: pd.DataFrame | MunicipalityBatches, *, areas: list[str], raw_rows: int, raw_keys: int
) -> FrameCheck:
    expectations = [
        common.unique_key(EMPLOYMENT_MONTH_KEY, "anställning och månad"),
        *common.not_null(("municipality_id", "period", "employment_id", "unit_id", "employment_form")),
        common.in_vocabulary("sex", SEXES, "Kön"),
        common.in_vocabulary("employment_form", EMPLOYMENT_FORMS, "Anställningsform"),
        common.in_vocabulary("area", areas, "Verksamhetsområde (referensdata areas)"),
        common.in_vocabulary("age_band", AGE_BANDS, "Åldersgrupp"),
        expectation(
            EX.ExpectColumnValuesToNotBeNull,
            "unit_in_register",
            "Enheten finns i enhetsregistret (organisation) för månaden.",
            column="unit_key",
        ),
        expectation(
            EX.ExpectColumnValuesToBeBetween,
            "age_plausible",
            f"Åldern (år − födelseår) ligger mellan {MIN_AGE} och {MAX_AGE}.",
            column="age_years",
            min_value=MIN_AGE,
            max_value=MAX_AGE,
        ),
        *common.percentages(("employment_rate_pct",)),
        *common.non_negative(
            (
                "fte_contracted",
                "fte_available",
                "ordinary_hours",
                "sick_hours_day1_14",
                "sick_hours_day15_59",
                "sick_hours_day60_plus",
                "sick_hours_total",
                "overtime_hours",
                "extra_hours",
                "hourly_paid_hours",
            )
        ),
        expectation(
            EX.ExpectColumnPairValuesAToBeGreaterThanB,
            "sick_hours_within_ordinary_hours",
            "Sjukfrånvarotimmarna överstiger aldrig de ordinarie timmarna (månadsavlönade).",
            column_A="ordinary_hours_monthly_paid",
            column_B="sick_hours_total_monthly_paid",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        common.near_zero(
            "sick_band_difference",
            "sick_bands_sum_to_total",
            "Sjukperioderna dag 1–14, 15–59 och 60– summerar till total sjukfrånvaro.",
            common.HOURS_TOLERANCE,
        ),
        common.row_count_within_raw_bounds("en rad per rad i raw.personal_manad"),
    ]
    return FrameCheck(
        name="fct_employment_months",
        mart="fct_employment_months",
        frame=frame,
        key_columns=EMPLOYMENT_MONTH_EXAMPLE,
        expectations=expectations,
        parameters={common.MIN_ROWS: raw_keys, common.MAX_ROWS: raw_rows},
    )


def personnel_yearly_check(frame: pd.DataFrame | MunicipalityBatches, *, areas: list[str]) -> FrameCheck:
    expectations = [
        common.unique_key(YEARLY_KEY, "kommun, år, organisationsnivå och yrkesgrupp"),
        *common.not_null(("municipality_id", "year", "level", "months_in_period")),
        common.in_vocabulary("level", LEVELS, "Organisationsnivå"),
        common.in_vocabulary("area", areas, "Verksamhetsområde (referensdata areas)"),
        expectation(
            EX.ExpectColumnValuesToBeBetween,
            "months_in_period_within_year",
            "Antalet levererade månader per år är 1–12.",
            column="months_in_period",
            min_value=1,
            max_value=12,
        ),
        *common.percentages(
            (
                "sick_leave_pct",
                "sick_leave_pct_women",
                "sick_leave_pct_men",
                "sick_leave_pct_age_29",
                "sick_leave_pct_age_30_49",
                "sick_leave_pct_age_50",
                "sick_leave_pct_day1_14",
                "sick_leave_pct_day15_59",
                "sick_leave_pct_day60_plus",
                "avg_employment_rate_permanent_pct",
                "share_women_permanent_pct",
                "share_men_permanent_pct",
                "share_assistant_nurses_elderly_care_pct",
            )
        ),
        # Turnover can exceed 100 % in a small unit; it cannot be negative.
        *common.non_negative(
            (
                "turnover_total_pct",
                "turnover_external_pct",
                "turnover_external_excl_pension_pct",
                "employees_permanent",
                "employees_temporary",
                "employees_hourly_paid",
                "fte_contracted_permanent",
                "fte_contracted_temporary",
                "fte_available_monthly_paid",
                "fte_hourly",
                "fte_overtime",
                "fte_extra_hours",
                "fte_total",
                "hours_hourly",
                "hours_overtime",
                "hours_extra",
            )
        ),
        common.near_zero(
            "sick_band_pct_difference",
            "sick_band_pcts_sum_to_total",
            "Sjukfrånvaro % per sjukperiod summerar till total sjukfrånvaro %.",
            common.PCT_TOLERANCE,
        ),
    ]
    return FrameCheck(
        name="fct_personnel_yearly",
        mart="fct_personnel_yearly",
        frame=frame,
        key_columns=YEARLY_KEY,
        expectations=expectations,
    )


def municipal_totals_check(frame: pd.DataFrame) -> FrameCheck:
    """Per municipality and year: employment months at municipality level minus the raw rows of the year."""
    return FrameCheck(
        name="personnel_yearly_against_raw",
        mart="fct_personnel_yearly",
        frame=frame,
        key_columns=("municipality_id", "year"),
        expectations=[
            common.near_zero(
                "employment_months_difference",
                "municipal_totals_match_raw",
                "Kommunnivåns anställningsmånader per år är lika många som raderna i raw.personal_manad.",
                0,
            ),
        ],
    )


def build(connection: duckdb.DuckDBPyConnection, passed: PassedBatches | None = None) -> list[FrameCheck]:
    areas = common.column_values(connection, "select area from reference.areas")
    raw_counts = count_raw(connection, RAW_COUNTS, passed)
    employment_months = MunicipalityBatches(
        """
        select
            * exclude (person_hash),
            case when is_monthly_paid then ordinary_hours end as ordinary_hours_monthly_paid,
            case when is_monthly_paid then sick_hours_total end as sick_hours_total_monthly_paid,
            coalesce(sick_hours_day1_14, 0) + coalesce(sick_hours_day15_59, 0) + coalesce(sick_hours_day60_plus, 0)
                - coalesce(sick_hours_total, 0) as sick_band_difference
        from marts.fct_employment_months
        """,
        parameters_by_municipality=raw_counts,
        period_column="period",
    )
    raw_rows = sum(counts[common.MAX_ROWS] for counts in raw_counts.values())
    raw_keys = sum(counts[common.MIN_ROWS] for counts in raw_counts.values())
    yearly = MunicipalityBatches(
        """
        select
            *,
            coalesce(sick_leave_pct_day1_14, 0) + coalesce(sick_leave_pct_day15_59, 0)
                + coalesce(sick_leave_pct_day60_plus, 0) - coalesce(sick_leave_pct, 0) as sick_band_pct_difference
        from marts.fct_personnel_yearly
        """,
        period_column="year",
    )
    # Against the raw rows in a frame of its own, from the kept raw counts: the yearly frame's
    # fingerprint then reads the mart alone, not every raw row.
    raw_rows_by_year: dict[tuple[str, int], int] = {}
    for partition, counts in raw_counts.items():
        municipality, period = partition.split("/", 1)
        if not period[:4].isdigit():  # no year to compare with, as a NULL period had none in SQL
            continue
        key = (municipality, int(period[:4]))
        raw_rows_by_year[key] = raw_rows_by_year.get(key, 0) + counts[common.MAX_ROWS]
    municipal_totals = read_frame(
        connection,
        """
        select
            municipality_id,
            year,
            employment_months_permanent + employment_months_temporary + employment_months_hourly_paid
                as employment_months
        from marts.fct_personnel_yearly
        where level = 'kommun' and is_all_occupation_groups
        order by all
        """,
    )
    municipal_totals["employment_months_difference"] = municipal_totals["employment_months"] - [
        raw_rows_by_year.get((municipality, int(year)), 0)
        for municipality, year in zip(municipal_totals["municipality_id"], municipal_totals["year"], strict=True)
    ]
    delivered, newest = common.period_frames(connection, raw_sql=RAW_MONTHS, mart_sql=MART_MONTHS)
    return [
        employment_months_check(employment_months, areas=areas, raw_rows=raw_rows, raw_keys=raw_keys),
        personnel_yearly_check(yearly, areas=areas),
        municipal_totals_check(municipal_totals),
        FrameCheck(
            name="employment_months_delivered",
            mart="fct_employment_months",
            frame=delivered,
            key_columns=("municipality_id", "period"),
            expectations=common.coverage_expectations("fct_employment_months"),
        ),
        FrameCheck(
            name="employment_months_freshness",
            mart="fct_employment_months",
            frame=newest,
            key_columns=("municipality_id",),
            expectations=common.freshness_expectations("fct_employment_months"),
        ),
    ]


SUITE = MartSuite(
    name="personnel",
    title="Personal",
    marts=("fct_employment_months", "fct_personnel_yearly"),
    build=build,
)
