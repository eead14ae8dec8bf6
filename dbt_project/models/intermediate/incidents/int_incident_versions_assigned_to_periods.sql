{{
    load_partitions_config(
        grain='year', column='period_year', kinds=['avvikelser'], municipality_kinds=['organisation']
    )
}}
-- Figures for a period P are read from snapshot D(P): the earliest snapshot taken on or after
-- P's last day, or the latest snapshot when none is that late (docs/architecture.md). Each
-- report appears once per month and once per year in which it was reported, in the version
-- D(P) delivered, with the follow-up flags evaluated as of D(P).
with

int_incident_versions_joined_to_units as (
    select * from {{ ref('int_incident_versions_joined_to_units') }}
    where {{ load_partitions_filter(column='year(report_date)') }}
),

int_incident_snapshots_ordered as (
    select * from {{ ref('int_incident_snapshots_ordered') }}
),

snapshot_dates as (
    select distinct
        municipality_id,
        snapshot_date
    from int_incident_snapshots_ordered
),

versions_in_periods as (
    select
        *,
        'month' as period_type,
        strftime(report_date, '%Y-%m') as period,
        last_day(report_date) as period_end
    from int_incident_versions_joined_to_units
    union all
    select
        *,
        'year' as period_type,
        strftime(report_date, '%Y') as period,
        make_date(year(report_date), 12, 31) as period_end
    from int_incident_versions_joined_to_units
),

reported_periods as (
    select distinct
        municipality_id,
        period_type,
        period,
        period_end
    from versions_in_periods
),

period_snapshots as (
    select
        reported_periods.municipality_id,
        reported_periods.period_type,
        reported_periods.period,
        coalesce(
            min(snapshot_dates.snapshot_date) filter (
                where snapshot_dates.snapshot_date >= reported_periods.period_end
            ),
            max(snapshot_dates.snapshot_date)
        ) as as_of_date
    from reported_periods
    inner join snapshot_dates
        on reported_periods.municipality_id = snapshot_dates.municipality_id
    group by
        reported_periods.municipality_id,
        reported_periods.period_type,
        reported_periods.period
),

reports_as_of_period_snapshots as (
    select
        period_snapshots.municipality_id,
        period_snapshots.period_type,
        period_snapshots.period,
        cast(left(period_snapshots.period, 4) as integer) as period_year,
        period_snapshots.as_of_date,
        versions.incident_id,
        versions.report_type,
        versions.category,
        versions.legal_basis,
        versions.unit_id,
        versions.unit_key,
        versions.department,
        versions.area,
        versions.report_date,
        versions.severity,
        versions.status,
        versions.closed_date,
        versions.is_lex_sarah,
        versions.is_lex_maria,
        versions.is_deviation,
        versions.closed_date is not null and versions.closed_date <= period_snapshots.as_of_date as is_closed,
        versions.status = 'Ny' and versions.report_date <= period_snapshots.as_of_date - 30 as is_new_older_than_30d,
        coalesce(
            versions.closed_date - versions.report_date > 60
            or (
                (versions.closed_date is null or versions.closed_date > period_snapshots.as_of_date)
                and versions.report_date <= period_snapshots.as_of_date - 60
            ),
            false
        ) as is_not_closed_within_60d,
        case
            when versions.closed_date <= period_snapshots.as_of_date then versions.closed_date - versions.report_date
        end as days_to_close
    from period_snapshots
    inner join versions_in_periods as versions
        on
            period_snapshots.municipality_id = versions.municipality_id
            and period_snapshots.period_type = versions.period_type
            and period_snapshots.period = versions.period
            and period_snapshots.as_of_date >= versions.first_snapshot_date
            and (versions.last_snapshot_date is null or period_snapshots.as_of_date <= versions.last_snapshot_date)
)

select * from reports_as_of_period_snapshots
