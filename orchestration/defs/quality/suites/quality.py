"""Quality mart (avvikelser): fct_incident_versions, dim_incident_snapshots and fct_incidents_monthly."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.defs.ingest.contracts import CATEGORIES, LEGAL_BASES, REPORT_TYPES, SEVERITIES, STATUSES
from orchestration.defs.quality.batches import MunicipalityBatches, PassedBatches, RawCounts, count_raw, partition_key
from orchestration.defs.quality.framework import FrameCheck, MartSuite, expectation, read_frame
from orchestration.defs.quality.suites import common
from orchestration.defs.quality.suites.common import EX

VERSION_KEY = ("municipality_id", "incident_id", "first_snapshot_date")
SNAPSHOT_KEY = ("municipality_id", "snapshot_date")
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
QUALITY_MARTS = ("fct_incident_versions", "dim_incident_snapshots", "fct_incidents_monthly")
SUB_COUNTS = ("n_closed", "n_new_older_than_30d", "n_not_closed_within_60d", "n_lex_sarah", "n_lex_maria")

# The snapshot list, not the raw.avvikelser view, which expands every stored snapshot into its rows.
RAW_SNAPSHOTS = (
    "select kommunkod as municipality_id, cast(uttagsdatum as varchar) as period from raw.avvikelser_snapshots"
)
RAW_REPORTS = "raw_reports"
RAW_COUNTS = RawCounts(
    relation="raw.avvikelser",
    stamps="raw.avvikelser_snapshots",
    period="cast(uttagsdatum as varchar)",
    counts={RAW_REPORTS: "count(*)"},
)
MART_SNAPSHOTS = "select municipality_id, cast(snapshot_date as varchar) as period from marts.dim_incident_snapshots"


def incident_versions_check(frame: pd.DataFrame | MunicipalityBatches, *, areas: list[str]) -> FrameCheck:
    return FrameCheck(
        name="fct_incident_versions",
        mart="fct_incident_versions",
        frame=frame,
        key_columns=(*VERSION_KEY, "source_file", "source_line"),
        expectations=[
            common.unique_key(VERSION_KEY, "kommun, avvikelse och första uttagsdatum"),
            *common.not_null(
                ("municipality_id", "incident_id", "first_snapshot_date", "report_type", "report_date", "status")
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
            *common.non_negative(("days_to_close",)),
            expectation(
                EX.ExpectColumnPairValuesAToBeGreaterThanB,
                "reported_after_event",
                "Rapportdatum ligger inte före händelsedatum.",
                column_A="report_date",
                column_B="event_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            expectation(
                EX.ExpectColumnPairValuesAToBeGreaterThanB,
                "valid_to_after_valid_from",
                "Versionens sista uttagsdatum ligger inte före dess första.",
                column_A="last_snapshot_date",
                column_B="first_snapshot_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        ],
    )


def incident_snapshots_check(frame: pd.DataFrame) -> FrameCheck:
    """dim_incident_snapshots beside the raw rows of each snapshot (`raw_reports`)."""
    return FrameCheck(
        name="dim_incident_snapshots",
        mart="dim_incident_snapshots",
        frame=frame,
        key_columns=SNAPSHOT_KEY,
        expectations=[
            common.unique_key(SNAPSHOT_KEY, "kommun och uttagsdatum"),
            *common.not_null(("municipality_id", "snapshot_date", "n_reports")),
            common.near_zero(
                "reports_difference",
                "reports_match_raw_snapshot",
                "Versionerna ger exakt ögonblicksbildens rader i raw.avvikelser, varken fler eller färre.",
                0,
            ),
            expectation(
                EX.ExpectColumnPairValuesAToBeGreaterThanB,
                "changed_within_reports",
                "Nya eller ändrade rapporter är högst antalet rapporter i ögonblicksbilden.",
                column_A="n_reports",
                column_B="n_new_or_changed_reports",
                or_equal=True,
            ),
        ],
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
        mart="fct_incident_versions",
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
    versions = MunicipalityBatches("select * from marts.fct_incident_versions", period_column="first_snapshot_date")
    snapshots = read_frame(
        connection,
        "select *, cast(snapshot_date as varchar) as raw_period from marts.dim_incident_snapshots order by all",
    )
    snapshots[RAW_REPORTS] = [
        raw_counts.get(partition_key(municipality, period, by_period=True), {}).get(RAW_REPORTS, 0)
        for municipality, period in zip(snapshots["municipality_id"], snapshots["raw_period"], strict=True)
    ]
    snapshots["reports_difference"] = snapshots["n_reports"] - snapshots[RAW_REPORTS]
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
            select municipality_id, period, any_value(as_of_date) as as_of_date, sum(n_reports) as n_reports
            from marts.fct_incidents_monthly
            group by all
        ),
        reports_in_period_snapshots as (
            select monthly_periods.municipality_id, monthly_periods.period, count(*) as reports_in_snapshot
            from monthly_periods
            join marts.fct_incident_versions as versions
                on versions.municipality_id = monthly_periods.municipality_id
                and versions.report_period = monthly_periods.period
                and versions.first_snapshot_date <= monthly_periods.as_of_date
                and (versions.last_snapshot_date is null or versions.last_snapshot_date >= monthly_periods.as_of_date)
            group by all
        )
        select
            monthly_periods.municipality_id,
            monthly_periods.period,
            monthly_periods.n_reports - coalesce(reports_in_period_snapshots.reports_in_snapshot, 0)
                as reports_difference
        from monthly_periods
        left join reports_in_period_snapshots
            on
                monthly_periods.municipality_id = reports_in_period_snapshots.municipality_id
                and monthly_periods.period = reports_in_period_snapshots.period
        order by all
        """,
    )
    columns = read_frame(
        connection,
        "select table_name, column_name from information_schema.columns where table_schema = 'marts' order by all",
    )
    delivered, newest = common.period_frames(connection, raw_sql=RAW_SNAPSHOTS, mart_sql=MART_SNAPSHOTS)
    return [
        incident_versions_check(versions, areas=areas),
        incident_snapshots_check(snapshots),
        incidents_monthly_check(monthly, areas=areas),
        reports_against_snapshots_check(reports),
        no_free_text_check(columns),
        FrameCheck(
            name="incident_snapshots_delivered",
            mart="dim_incident_snapshots",
            frame=delivered,
            key_columns=("municipality_id", "period"),
            expectations=common.coverage_expectations("dim_incident_snapshots"),
        ),
        FrameCheck(
            name="incident_snapshots_freshness",
            mart="dim_incident_snapshots",
            frame=newest,
            key_columns=("municipality_id",),
            expectations=common.freshness_expectations("dim_incident_snapshots"),
        ),
    ]


SUITE = MartSuite(
    name="quality",
    title="Kvalitet (avvikelser)",
    marts=QUALITY_MARTS,
    build=build,
)
