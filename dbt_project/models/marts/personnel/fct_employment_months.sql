{{ load_partitions_config(grain='period', kinds=['personal_manad'], municipality_kinds=['organisation']) }}
with

int_employment_months_classified as (
    select * from {{ ref('int_employment_months_classified') }}
    where {{ load_partitions_filter() }}
),

employment_months as (
    select
        employment_month_key,
        municipality_id,
        period,
        year,
        month,
        employment_id,
        person_hash,
        unit_key,
        unit_id,
        unit_name,
        department,
        area,
        area_category,
        occupation_group,
        employment_form,
        is_monthly_paid,
        sex,
        birth_year,
        age_years,
        age_band,
        employment_rate_pct,
        is_fulltime,
        is_parttime,
        fte_contracted,
        fte_available,
        ordinary_hours,
        sick_hours_day1_14,
        sick_hours_day15_59,
        sick_hours_day60_plus,
        sick_hours_total,
        overtime_hours,
        extra_hours,
        hourly_paid_hours,
        source_file,
        source_line
    from int_employment_months_classified
)

select * from employment_months
