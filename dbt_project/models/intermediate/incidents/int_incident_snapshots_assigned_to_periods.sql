{{
    load_partitions_config(
        grain='year', column='period_year', kinds=['avvikelser'], municipality_kinds=['organisation']
    )
}}
-- Figures for a period P are read from snapshot D(P): the earliest snapshot taken on or after
-- P's last day, or the latest snapshot when none is that late (docs/architecture.md). Each
-- report appears once per month and once per year in which it was reported.
with

int_incident_snapshots_joined_to_units as (
    select * from {{ ref('int_incident_snapshots_joined_to_units') }}
),

snapshot_dates as (
    select distinct
        municipality_id,
        snapshot_date
    from int_incident_snapshots_joined_to_units
),

reported_periods as (
    select distinct
        municipality_id,
        'month' as period_type,
        strftime(report_date, '%Y-%m') as period,
        last_day(report_date) as period_end
    from int_incident_snapshots_joined_to_units
    where {{ load_partitions_filter(column='year(report_date)') }}
    union all
    select distinct
        municipality_id,
        'year' as period_type,
        strftime(report_date, '%Y') as period,
        make_date(year(report_date), 12, 31) as period_end
    from int_incident_snapshots_joined_to_units
    where {{ load_partitions_filter(column='year(report_date)') }}
),

period_snapshots as (
    select
        reported_periods.municipality_id,
        reported_periods.period_type,
        reported_periods.period,
        reported_periods.period_end,
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
        reported_periods.period,
        reported_periods.period_end
),

reports_in_periods as (
    select
        period_snapshots.municipality_id,
        period_snapshots.period_type,
        period_snapshots.period,
        cast(left(period_snapshots.period, 4) as integer) as period_year,
        period_snapshots.as_of_date,
        snapshots.incident_id,
        snapshots.report_type,
        snapshots.category,
        snapshots.legal_basis,
        snapshots.unit_id,
        snapshots.unit_key,
        snapshots.department,
        snapshots.area,
        snapshots.report_date,
        snapshots.severity,
        snapshots.status,
        snapshots.closed_date,
        snapshots.is_lex_sarah,
        snapshots.is_lex_maria,
        snapshots.is_deviation,
        snapshots.is_closed,
        snapshots.is_new_older_than_30d,
        snapshots.is_not_closed_within_60d,
        snapshots.days_to_close
    from period_snapshots
    inner join int_incident_snapshots_joined_to_units as snapshots
        on
            period_snapshots.municipality_id = snapshots.municipality_id
            and period_snapshots.as_of_date = snapshots.snapshot_date
            and period_snapshots.period = case
                when period_snapshots.period_type = 'month' then strftime(snapshots.report_date, '%Y-%m')
                else strftime(snapshots.report_date, '%Y')
            end
)

select * from reports_in_periods
