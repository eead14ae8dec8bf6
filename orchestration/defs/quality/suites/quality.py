"""Quality mart (avvikelser): fct_incident_snapshots and fct_incidents_monthly."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.defs.ingest.contracts import CATEGORIES, LEGAL_BASES, REPORT_TYPES, SEVERITIES, STATUSES
from orchestration.defs.quality.batches import MunicipalityBatches, PassedBatches, RawCounts, count_raw
from orchestration.defs.quality.framework import FrameCheck, MartSuite, expectation, read_frame
from orchestration.defs.quality.suites import common
from orchestration.defs.quality.suites.common import EX

SNAPSHOT_KEY = ("municipality_id", "snapshot_date", "incident_id")
MONTHLY_KEY = (
    "municipality_id",
    "period",
    "unit_id",
    "unit_key",
    "report_type",
    "category",
    "legal_basis",
    "severity",
)
MONTHLY_EXAMPLE = ("municipality_id", "period", "unit_id", "report_type", "category", "legal_basis", "severity")
# Free text written by staff must never reach a mart (docs/raw-exports.md, Privacy).
FREE_TEXT_COLUMNS = ("beskrivning", "description", "free_text")
QUALITY_MARTS = ("fct_incident_snapshots", "fct_incidents_monthly")
SUB_COUNTS = ("n_closed", "n_new_older_than_30d", "n_not_closed_within_60d", "n_lex_sarah", "n_lex_maria")

# The snapshot list, not the raw.avvikelser view, which expands every stored snapshot into its rows.
RAW_SNAPSHOTS = (
    "select kommunkod as municipality_id, cast(uttagsdatum as varchar) as period from raw.avvikelser_snapshots"
)
RAW_COUNTS = RawCounts(
    relation="raw.avvikelser",
    stamps="raw.avvikelser_snapshots",
    period="cast(uttagsdatum as varchar)",
    counts={common.MIN_ROWS: "count(distinct avvikelse_id)", common.MAX_ROWS: "count(*)"},
)
MART_SNAPSHOTS = "select municipality_id, cast(snapshot_date as varchar) as period from marts.fct_incident_snapshots"


def incident_snapshots_check(
    frame: pd.DataFrame | MunicipalityBatches, *, areas: list[str], raw_rows: int, raw_keys: int
) -> FrameCheck:
    return FrameCheck(
        name="fct_incident_snapshots",
        mart="fct_incident_snapshots",
        frame=frame,
        key_columns=(*SNAPSHOT_KEY, "source_file", "source_line"),
        expectations=[
            common.unique_key(SNAPSHOT_KEY, "kommun, uttagsdatum och avvikelse"),
            *common.not_null(
                ("municipality_id", "snapshot_date", "incident_id", "report_type", "report_date", "status")
            ),
            common.in_vocabulary("report_type", REPORT_TYPES, "Rapporttyp"),
            common.in_vocabulary("category", CATEGORIES, "Kategori"),
            common.in_vocabulary("legal_basis", LEGAL_BASES, "Lagrum"),
            common.in_vocabulary("severity", SEVERITIES, "Allvarlighetsgrad"),
            common.in_vocabulary("status", STATUSES, "Status"),
            common.in_vocabulary("area", areas, "Verksamhetsområde (referensdata areas)"),
            expectation(
                EX.ExpectColumnValuesToNotBeNull,
                "unit_in_register",
                "Enheten finns i enhetsregistret (organisation) vid rapportdatum.",
                column="unit_key",
            ),
            *common.non_negative(("days_since_report", "days_to_close")),
            expectation(
                EX.ExpectColumnPairValuesAToBeGreaterThanB,
                "reported_after_event",
                "Rapportdatum ligger inte före händelsedatum.",
                column_A="report_date",
                column_B="event_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            common.row_count_within_raw_bounds("en rad per rad i raw.avvikelser"),
        ],
        parameters={common.MIN_ROWS: raw_keys, common.MAX_ROWS: raw_rows},
    )


def incidents_monthly_check(frame: pd.DataFrame | MunicipalityBatches, *, areas: list[str]) -> FrameCheck:
    return FrameCheck(
        name="fct_incidents_monthly",
        mart="fct_incidents_monthly",
        frame=frame,
        key_columns=MONTHLY_EXAMPLE,
        expectations=[
            common.unique_key(MONTHLY_KEY, "kommun, månad, enhet, rapporttyp, kategori, lagrum och allvarlighetsgrad"),
            *common.not_null(("municipality_id", "period", "as_of_date", "report_type")),
            common.in_vocabulary("report_type", REPORT_TYPES, "Rapporttyp"),
            common.in_vocabulary("category", CATEGORIES, "Kategori"),
            common.in_vocabulary("area", areas, "Verksamhetsområde (referensdata areas)"),
            expectation(
                EX.ExpectColumnValuesToBeBetween,
                "counts_positive",
                "Varje rad räknar minst en rapport.",
                column="n_reports",
                min_value=1,
            ),
            *common.non_negative(
                ("n_closed", "n_new_older_than_30d", "n_not_closed_within_60d", "median_days_to_close")
            ),
            *[
                expectation(
                    EX.ExpectColumnPairValuesAToBeGreaterThanB,
                    f"{column}_within_n_reports",
                    f"{column} är högst antalet rapporter.",
                    column_A="n_reports",
                    column_B=column,
                    or_equal=True,
                )
                for column in SUB_COUNTS
            ],
            expectation(
                EX.ExpectColumnPairValuesAToBeGreaterThanB,
                "as_of_snapshot_after_period_start",
                "Månadens siffror läses ur en ögonblicksbild tagen efter månadens början.",
                column_A="as_of_date",
                column_B="period_start",
                or_equal=True,
            ),
        ],
    )


def reports_against_snapshots_check(frame: pd.DataFrame) -> FrameCheck:
    """Per municipality and month: the mart's reports minus those in snapshot D(month) reported that month."""
    return FrameCheck(
        name="incidents_monthly_against_snapshots",
        mart="fct_incidents_monthly",
        frame=frame,
        key_columns=("municipality_id", "period"),
        expectations=[
            common.near_zero(
                "reports_difference",
                "monthly_counts_match_snapshots",
                "Antalet rapporter per kommun och månad är lika med rapporterna i ögonblicksbilden D(månad).",
                0,
            ),
        ],
    )


def no_free_text_check(frame: pd.DataFrame) -> FrameCheck:
    return FrameCheck(
        name="mart_columns",
        mart="fct_incident_snapshots",
        frame=frame,
        key_columns=("table_name", "column_name"),
        expectations=[
            expectation(
                EX.ExpectColumnValuesToNotBeInSet,
                "no_free_text_in_marts",
                "Fritext (beskrivning) når aldrig en mart.",
                column="column_name",
                value_set=list(FREE_TEXT_COLUMNS),
            )
        ],
    )


def build(connection: duckdb.DuckDBPyConnection, passed: PassedBatches | None = None) -> list[FrameCheck]:
    areas = common.column_values(connection, "select area from reference.areas")
    raw_counts = count_raw(connection, RAW_COUNTS, passed)
    raw_rows = sum(counts[common.MAX_ROWS] for counts in raw_counts.values())
    raw_keys = sum(counts[common.MIN_ROWS] for counts in raw_counts.values())
    snapshots = MunicipalityBatches(
        "select * from marts.fct_incident_snapshots",
        parameters_by_municipality=raw_counts,
        period_column="snapshot_date",
    )
    # Only the mart's own rows: the comparison with the snapshots is a frame of its own
    # (`reports_against_snapshots_check`), so a new snapshot does not make every month's
    # fingerprint join the whole snapshot mart.
    monthly = MunicipalityBatches(
        """
        select *, cast(period || '-01' as date) as period_start
        from marts.fct_incidents_monthly
        """,
        period_column="period",
    )
    reports = read_frame(
        connection,
        """
        with monthly_periods as (
            select municipality_id, period, as_of_date, sum(n_reports) as n_reports
            from marts.fct_incidents_monthly
            group by all
        ),
        reports_per_snapshot_and_period as (
            select municipality_id, snapshot_date, report_period, count(incident_id) as reports_in_snapshot
            from marts.fct_incident_snapshots
            group by all
        )
        select
            monthly_periods.municipality_id,
            monthly_periods.period,
            sum(monthly_periods.n_reports) - coalesce(sum(reports_per_snapshot_and_period.reports_in_snapshot), 0)
                as reports_difference
        from monthly_periods
        left join reports_per_snapshot_and_period
            on
                monthly_periods.municipality_id = reports_per_snapshot_and_period.municipality_id
                and monthly_periods.as_of_date = reports_per_snapshot_and_period.snapshot_date
                and monthly_periods.period = reports_per_snapshot_and_period.report_period
        group by all
        order by all
        """,
    )
    columns = read_frame(
        connection,
        "select table_name, column_name from information_schema.columns where table_schema = 'marts' order by all",
    )
    delivered, newest = common.period_frames(connection, raw_sql=RAW_SNAPSHOTS, mart_sql=MART_SNAPSHOTS)
    return [
        incident_snapshots_check(snapshots, areas=areas, raw_rows=raw_rows, raw_keys=raw_keys),
        incidents_monthly_check(monthly, areas=areas),
        reports_against_snapshots_check(reports),
        no_free_text_check(columns),
        FrameCheck(
            name="incident_snapshots_delivered",
            mart="fct_incident_snapshots",
            frame=delivered,
            key_columns=("municipality_id", "period"),
            expectations=common.coverage_expectations("fct_incident_snapshots"),
        ),
        FrameCheck(
            name="incident_snapshots_freshness",
            mart="fct_incident_snapshots",
            frame=newest,
            key_columns=("municipality_id",),
            expectations=common.freshness_expectations("fct_incident_snapshots"),
        ),
    ]


SUITE = MartSuite(
    name="quality",
    title="Kvalitet (avvikelser)",
    marts=QUALITY_MARTS,
    build=build,
)
