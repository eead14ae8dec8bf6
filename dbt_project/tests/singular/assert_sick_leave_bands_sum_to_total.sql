-- The three sick-spell bands (day 1–14, 15–59, 60–) add up to the total sick leave, in hours and
-- in percent, in the yearly personnel mart and in the long metric table.
with

fct_personnel_yearly as (
    select * from {{ ref('fct_personnel_yearly') }}
),

fct_metric_values as (
    select * from {{ ref('fct_metric_values') }}
),

yearly_mismatches as (
    select
        'fct_personnel_yearly' as model_name,
        personnel_yearly_key as row_key,
        sick_hours_total as total_value,
        sick_hours_day1_14 + sick_hours_day15_59 + sick_hours_day60_plus as band_sum
    from fct_personnel_yearly
    where
        abs(sick_hours_day1_14 + sick_hours_day15_59 + sick_hours_day60_plus - sick_hours_total) > 1e-6
        or abs(
            coalesce(sick_leave_pct_day1_14 + sick_leave_pct_day15_59 + sick_leave_pct_day60_plus, 0)
            - coalesce(sick_leave_pct, 0)
        ) > 1e-9
),

metric_bands as (
    select
        municipality_id,
        period,
        level,
        area,
        department,
        unit_id,
        sum(value) filter (where slice like 'sjukperiod=%') as band_sum,
        max(value) filter (where slice = 'total') as total_value
    from fct_metric_values
    where metric_id = 'sick_leave_pct'
    group by municipality_id, period, level, area, department, unit_id
),

metric_mismatches as (
    select
        'fct_metric_values' as model_name,
        concat_ws('|', municipality_id, period, level, area, department, unit_id) as row_key,
        total_value,
        band_sum
    from metric_bands
    where abs(coalesce(band_sum, 0) - coalesce(total_value, 0)) > 1e-9
)

select * from yearly_mismatches
union all
select * from metric_mismatches
