{{ load_partitions_config(grain='period', kinds=['personal_manad'], municipality_kinds=['organisation']) }}
-- The mart is the classified month itself: as an intermediate table copied into the mart, the
-- 16 M national rows were written twice (about 17 s of a full build, and 460 k rows per month).
-- A month is reported on the organisation valid in that month. When the register changes
-- mid-month, the version that started last within the month wins, so a unit created on the 15th
-- is still found for that month. The lookup is not a model of its own: storing every
-- employment month once more only to read it back here cost a third of the personnel build.
-- Monthly-paid = Tillsvidare and Visstid; their contracted rate makes årsarbetare, while
-- Timavlönad work counts in hours. Available FTE drops the share of ordinary hours lost to
-- sick leave from day 60, as the boards' personnel reports do. Care staff in elderly care are
-- undersköterskor and vårdbiträden.
with

-- Read twice (its distinct unit keys, then its rows): DuckDB would otherwise materialise the
-- CTE, at national scale 16 M wide rows spilled to disk, which costs more than scanning twice.
stg_hr__employment_months as not materialized (
    select * from {{ ref('stg_hr__employment_months') }}
    where {{ load_partitions_filter() }}
),

int_units_historized as (
    select * from {{ ref('int_units_historized') }}
),

areas as (
    select * from {{ ref('areas') }}
),

unit_versions as (
    {{ unit_version_on('stg_hr__employment_months', 'int_units_historized', 'month_start', whole_month=true) }}
),

months_with_units as (
    select
        employment_months.*,
        unit_versions.unit_key,
        unit_versions.unit_name,
        unit_versions.department,
        unit_versions.area
    from stg_hr__employment_months as employment_months
    left join unit_versions
        on
            employment_months.municipality_id = unit_versions.municipality_id
            and employment_months.unit_id = unit_versions.unit_id
            and employment_months.month_start = unit_versions.month_start
),

with_area_category as (
    select
        employment_months.*,
        areas.area_category,
        employment_months.employment_form in ('Tillsvidare', 'Visstid') as is_monthly_paid,
        year(employment_months.month_start) - employment_months.birth_year as age_years
    from months_with_units as employment_months
    left join areas
        on employment_months.area = areas.area
),

classified_months as (
    select
        md5(concat_ws('|', municipality_id, period, employment_id)) as employment_month_key,
        municipality_id,
        period,
        year(month_start) as year,
        month(month_start) as month,
        employment_id,
        person_hash,
        unit_key,
        unit_id,
        unit_name,
        department,
        area,
        area_category,
        occupation_group,
        coalesce(occupation_group in ('Undersköterska', 'Vårdbiträde'), false) as is_care_staff,
        coalesce(occupation_group = 'Undersköterska', false) as is_assistant_nurse,
        employment_form,
        is_monthly_paid,
        sex,
        birth_year,
        age_years,
        case
            when age_years <= 29 then '-29'
            when age_years <= 49 then '30-49'
            when age_years >= 50 then '50-'
        end as age_band,
        cast(employment_rate_pct as double) as employment_rate_pct,
        is_monthly_paid and employment_rate_pct >= 100 as is_fulltime,
        is_monthly_paid and employment_rate_pct < 100 as is_parttime,
        case when is_monthly_paid then cast(employment_rate_pct as double) / 100 end as fte_contracted,
        case
            when is_monthly_paid
                then
                    cast(employment_rate_pct as double) / 100
                    * (1 - least(1.0, coalesce(cast(sick_hours_day60_plus / nullif(ordinary_hours, 0) as double), 0)))
        end as fte_available,
        cast(ordinary_hours as double) as ordinary_hours,
        cast(sick_hours_day1_14 as double) as sick_hours_day1_14,
        cast(sick_hours_day15_59 as double) as sick_hours_day15_59,
        cast(sick_hours_day60_plus as double) as sick_hours_day60_plus,
        case
            when coalesce(sick_hours_day1_14, sick_hours_day15_59, sick_hours_day60_plus) is not null
                then cast(
                    coalesce(sick_hours_day1_14, 0) + coalesce(sick_hours_day15_59, 0)
                    + coalesce(sick_hours_day60_plus, 0) as double
                )
        end as sick_hours_total,
        cast(overtime_hours as double) as overtime_hours,
        cast(extra_hours as double) as extra_hours,
        cast(hourly_paid_hours as double) as hourly_paid_hours,
        source_file,
        source_line
    from with_area_category
)

select * from classified_months
