{{ load_partitions_config(grain='year', kinds=['ekonomi_huvudbok'], municipality_kinds=['organisation']) }}
-- Amounts are in kronor in the reports' sign convention (revenue positive, costs negative).
-- The straight-line full-year forecast extrapolates the year-to-date actual over the calendar
-- months elapsed, which is how the boards' monthly follow-up reads "prognos helår".
with

int_ledger_entries_joined_to_units as (
    select * from {{ ref('int_ledger_entries_joined_to_units') }}
    where {{ load_partitions_filter(column='year(month_start)') }}
),

unit_months as (
    select
        municipality_id,
        period,
        year(month_start) as year,
        month(month_start) as month,
        unit_id,
        unit_key,
        unit_name,
        department,
        area,
        report_line,
        line_kind,
        cast(sum(actual_sek) as decimal(18, 4)) as actual_sek,
        cast(sum(budget_sek) as decimal(18, 4)) as budget_sek,
        count(*) as n_ledger_rows
    from int_ledger_entries_joined_to_units
    group by
        municipality_id,
        period,
        year(month_start),
        month(month_start),
        unit_id,
        unit_key,
        unit_name,
        department,
        area,
        report_line,
        line_kind
),

year_to_date as (
    select
        md5(concat_ws('|', municipality_id, period, unit_id, coalesce(report_line, '?'))) as ledger_month_key,
        municipality_id,
        period,
        year,
        month,
        unit_key,
        unit_id,
        unit_name,
        department,
        area,
        report_line,
        line_kind,
        coalesce(line_kind in ('revenue', 'cost'), false) as is_in_net_cost,
        actual_sek,
        budget_sek,
        cast(actual_sek - budget_sek as decimal(18, 4)) as budget_deviation_sek,
        cast(sum(actual_sek) over year_so_far as decimal(18, 4)) as ytd_actual_sek,
        cast(sum(budget_sek) over year_so_far as decimal(18, 4)) as ytd_budget_sek,
        cast(sum(actual_sek) over year_so_far / month * 12 as decimal(18, 2)) as forecast_full_year_sek,
        n_ledger_rows
    from unit_months
    window year_so_far as (
        partition by municipality_id, year, unit_id, report_line
        order by month
        rows between unbounded preceding and current row
    )
)

select * from year_to_date
