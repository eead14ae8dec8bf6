{{ load_partitions_config(grain='period', kinds=['personal_manad'], municipality_kinds=['organisation']) }}
-- A month is reported on the organisation valid in that month. When the register changes
-- mid-month, the version that started last within the month wins, so a unit created on the 15th
-- is still found for that month.
with

stg_hr__employment_months as (
    select * from {{ ref('stg_hr__employment_months') }}
    where {{ load_partitions_filter() }}
),

int_units_historized as (
    select * from {{ ref('int_units_historized') }}
),

unit_versions as (
    {{ unit_version_on('stg_hr__employment_months', 'int_units_historized', 'month_start', whole_month=true) }}
),

facts_with_units as (
    select
        employment_months.municipality_id,
        employment_months.period,
        employment_months.month_start,
        employment_months.employment_id,
        employment_months.person_hash,
        employment_months.sex,
        employment_months.birth_year,
        employment_months.unit_id,
        unit_versions.unit_key,
        unit_versions.unit_name,
        unit_versions.department,
        unit_versions.area,
        employment_months.occupation_group,
        employment_months.employment_form,
        employment_months.employment_rate_pct,
        employment_months.ordinary_hours,
        employment_months.sick_hours_day1_14,
        employment_months.sick_hours_day15_59,
        employment_months.sick_hours_day60_plus,
        employment_months.overtime_hours,
        employment_months.extra_hours,
        employment_months.hourly_paid_hours,
        employment_months.source_file,
        employment_months.source_line,
        employment_months.load_id
    from stg_hr__employment_months as employment_months
    left join unit_versions
        on
            employment_months.municipality_id = unit_versions.municipality_id
            and employment_months.unit_id = unit_versions.unit_id
            and employment_months.month_start = unit_versions.month_start
),

month_versions as (
    select
        municipality_id,
        period,
        month_start,
        employment_id,
        person_hash,
        sex,
        birth_year,
        unit_id,
        unit_key,
        unit_name,
        department,
        area,
        occupation_group,
        employment_form,
        employment_rate_pct,
        ordinary_hours,
        sick_hours_day1_14,
        sick_hours_day15_59,
        sick_hours_day60_plus,
        overtime_hours,
        extra_hours,
        hourly_paid_hours,
        source_file,
        source_line,
        load_id
    from facts_with_units
)

select * from month_versions
