{{ load_partitions_config(grain='year', kinds=['avvikelser'], municipality_kinds=['organisation']) }}
-- Monthly counts are read from snapshot D(month) (see int_incident_versions_assigned_to_periods).
with

int_incident_versions_assigned_to_periods as (
    select * from {{ ref('int_incident_versions_assigned_to_periods') }}
    where {{ load_partitions_filter(column='period_year') }}
),

month_reports as (
    select *
    from int_incident_versions_assigned_to_periods
    where period_type = 'month'
),

monthly_counts as (
    select
        md5(concat_ws(
            '|', municipality_id, period, coalesce(unit_id, ''), coalesce(unit_key, ''), report_type,
            coalesce(category, ''), coalesce(legal_basis, ''), coalesce(severity, '')
        )) as incidents_monthly_key,
        municipality_id,
        period,
        period_year as year,
        cast(right(period, 2) as integer) as month,
        as_of_date,
        unit_key,
        unit_id,
        department,
        area,
        report_type,
        category,
        legal_basis,
        severity,
        count(*) as n_reports,
        count(*) filter (where is_closed) as n_closed,
        count(*) filter (where is_new_older_than_30d) as n_new_older_than_30d,
        count(*) filter (where is_not_closed_within_60d) as n_not_closed_within_60d,
        count(*) filter (where is_lex_sarah) as n_lex_sarah,
        count(*) filter (where is_lex_maria) as n_lex_maria,
        median(days_to_close) as median_days_to_close
    from month_reports
    group by
        municipality_id,
        period,
        period_year,
        as_of_date,
        unit_key,
        unit_id,
        department,
        area,
        report_type,
        category,
        legal_basis,
        severity
)

select * from monthly_counts
