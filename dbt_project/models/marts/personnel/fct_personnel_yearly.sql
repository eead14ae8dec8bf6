{{
    load_partitions_config(
        grain='year', kinds=['personal_manad'], municipality_kinds=['organisation', 'personal_avgang']
    )
}}
-- Yearly personnel key figures per municipality, level and occupation group (null = all
-- groups). Head counts and årsarbetare are averages over the months of the year; hourly,
-- overtime and fyllnadstid årsarbetare are hours / 1980 per year, pro rata for the months
-- delivered. The sums behind every ratio are kept so fct_metric_values can carry numerator and
-- denominator.
{%- set full_time_hours_per_month = 1980 / 12 %}
with

int_personnel_measures_aggregated as (
    select * from {{ ref('int_personnel_measures_aggregated') }}
    where {{ load_partitions_filter() }}
),

key_figures as (
    select
        md5(concat_ws(
            '|', measures.municipality_id, measures.year, measures.level,
            coalesce(measures.area, ''), coalesce(measures.department, ''), coalesce(measures.unit_id, ''),
            coalesce(measures.occupation_group, '*')
        )) as personnel_yearly_key,
        measures.municipality_id,
        measures.year,
        measures.level,
        measures.area,
        measures.department,
        measures.unit_id,
        measures.occupation_group,
        measures.is_all_occupation_groups,
        measures.months_in_period,
        coalesce(measures.n_individuals, 0) as n_individuals,
        coalesce(measures.n_individuals_permanent, 0) as n_individuals_permanent,
        coalesce(measures.n_individuals_temporary, 0) as n_individuals_temporary,
        coalesce(measures.n_individuals_monthly_paid, 0) as n_individuals_monthly_paid,
        coalesce(measures.n_individuals_monthly_paid_women, 0) as n_individuals_monthly_paid_women,
        coalesce(measures.n_individuals_monthly_paid_men, 0) as n_individuals_monthly_paid_men,
        coalesce(measures.n_individuals_monthly_paid_age_29, 0) as n_individuals_monthly_paid_age_29,
        coalesce(measures.n_individuals_monthly_paid_age_30_49, 0) as n_individuals_monthly_paid_age_30_49,
        coalesce(measures.n_individuals_monthly_paid_age_50, 0) as n_individuals_monthly_paid_age_50,
        coalesce(measures.n_individuals_hourly_paid, 0) as n_individuals_hourly_paid,
        coalesce(measures.n_individuals_hourly_paid_women, 0) as n_individuals_hourly_paid_women,
        coalesce(measures.n_individuals_hourly_paid_men, 0) as n_individuals_hourly_paid_men,
        coalesce(measures.n_individuals_elderly_care_staff, 0) as n_individuals_elderly_care_staff,
        coalesce(measures.employment_months_permanent, 0) as employment_months_permanent,
        coalesce(measures.employment_months_temporary, 0) as employment_months_temporary,
        coalesce(measures.employment_months_hourly_paid, 0) as employment_months_hourly_paid,
        coalesce(measures.employment_months_fulltime, 0) as employment_months_fulltime,
        coalesce(measures.employment_months_parttime, 0) as employment_months_parttime,
        coalesce(measures.employment_months_permanent_women, 0) as employment_months_permanent_women,
        coalesce(measures.employment_months_permanent_men, 0) as employment_months_permanent_men,
        coalesce(measures.employment_months_permanent, 0)
        / measures.months_in_period as employees_permanent,
        coalesce(measures.employment_months_temporary, 0)
        / measures.months_in_period as employees_temporary,
        coalesce(measures.employment_months_hourly_paid, 0)
        / measures.months_in_period as employees_hourly_paid,
        coalesce(measures.employment_months_fulltime, 0)
        / measures.months_in_period as employees_fulltime,
        coalesce(measures.employment_months_parttime, 0)
        / measures.months_in_period as employees_parttime,
        coalesce(measures.fte_months_contracted_permanent, 0) as fte_months_contracted_permanent,
        coalesce(measures.fte_months_contracted_temporary, 0) as fte_months_contracted_temporary,
        coalesce(measures.fte_months_available_monthly_paid, 0) as fte_months_available_monthly_paid,
        coalesce(measures.fte_months_contracted_permanent, 0)
        / measures.months_in_period as fte_contracted_permanent,
        coalesce(measures.fte_months_contracted_temporary, 0)
        / measures.months_in_period as fte_contracted_temporary,
        coalesce(measures.fte_months_available_monthly_paid, 0)
        / measures.months_in_period as fte_available_monthly_paid,
        cast({{ full_time_hours_per_month }} * measures.months_in_period as double) as full_time_hours_in_period,
        coalesce(measures.hours_hourly, 0) as hours_hourly,
        coalesce(measures.hours_hourly_women, 0) as hours_hourly_women,
        coalesce(measures.hours_hourly_men, 0) as hours_hourly_men,
        coalesce(measures.hours_overtime, 0) as hours_overtime,
        coalesce(measures.hours_extra, 0) as hours_extra,
        coalesce(measures.hours_hourly, 0)
        / ({{ full_time_hours_per_month }} * measures.months_in_period) as fte_hourly,
        coalesce(measures.hours_overtime, 0)
        / ({{ full_time_hours_per_month }} * measures.months_in_period) as fte_overtime,
        coalesce(measures.hours_extra, 0)
        / ({{ full_time_hours_per_month }} * measures.months_in_period) as fte_extra_hours,
        (
            coalesce(measures.fte_months_available_monthly_paid, 0)
            + coalesce(measures.hours_hourly, 0) / {{ full_time_hours_per_month }}
        ) / measures.months_in_period as fte_total,
        measures.ordinary_hours_monthly_paid,
        measures.ordinary_hours_women,
        measures.ordinary_hours_men,
        measures.ordinary_hours_age_29,
        measures.ordinary_hours_age_30_49,
        measures.ordinary_hours_age_50,
        coalesce(measures.sick_hours_total, 0) as sick_hours_total,
        coalesce(measures.sick_hours_day1_14, 0) as sick_hours_day1_14,
        coalesce(measures.sick_hours_day15_59, 0) as sick_hours_day15_59,
        coalesce(measures.sick_hours_day60_plus, 0) as sick_hours_day60_plus,
        coalesce(measures.sick_hours_women, 0) as sick_hours_women,
        coalesce(measures.sick_hours_men, 0) as sick_hours_men,
        coalesce(measures.sick_hours_age_29, 0) as sick_hours_age_29,
        coalesce(measures.sick_hours_age_30_49, 0) as sick_hours_age_30_49,
        coalesce(measures.sick_hours_age_50, 0) as sick_hours_age_50,
        100 * measures.sick_hours_total / nullif(measures.ordinary_hours_monthly_paid, 0) as sick_leave_pct,
        100 * measures.sick_hours_women / nullif(measures.ordinary_hours_women, 0) as sick_leave_pct_women,
        100 * measures.sick_hours_men / nullif(measures.ordinary_hours_men, 0) as sick_leave_pct_men,
        100 * measures.sick_hours_age_29 / nullif(measures.ordinary_hours_age_29, 0) as sick_leave_pct_age_29,
        100 * measures.sick_hours_age_30_49
        / nullif(measures.ordinary_hours_age_30_49, 0) as sick_leave_pct_age_30_49,
        100 * measures.sick_hours_age_50 / nullif(measures.ordinary_hours_age_50, 0) as sick_leave_pct_age_50,
        100 * measures.sick_hours_day1_14
        / nullif(measures.ordinary_hours_monthly_paid, 0) as sick_leave_pct_day1_14,
        100 * measures.sick_hours_day15_59
        / nullif(measures.ordinary_hours_monthly_paid, 0) as sick_leave_pct_day15_59,
        100 * measures.sick_hours_day60_plus
        / nullif(measures.ordinary_hours_monthly_paid, 0) as sick_leave_pct_day60_plus,
        measures.endings_all_forms,
        measures.endings_permanent_total,
        measures.endings_permanent_external,
        measures.endings_permanent_external_excl_pension,
        100.0 * measures.endings_permanent_total * measures.months_in_period
        / nullif(measures.employment_months_permanent, 0) as turnover_total_pct,
        100.0 * measures.endings_permanent_external * measures.months_in_period
        / nullif(measures.employment_months_permanent, 0) as turnover_external_pct,
        100.0 * measures.endings_permanent_external_excl_pension * measures.months_in_period
        / nullif(measures.employment_months_permanent, 0) as turnover_external_excl_pension_pct,
        cast(measures.age_years_sum_permanent as bigint) as age_years_sum_permanent,
        coalesce(measures.employment_months_permanent_with_age, 0) as employment_months_permanent_with_age,
        measures.age_years_sum_permanent
        / nullif(measures.employment_months_permanent_with_age, 0) as avg_age_permanent,
        measures.employment_rate_sum_permanent,
        coalesce(measures.employment_months_permanent_with_rate, 0) as employment_months_permanent_with_rate,
        measures.employment_rate_sum_permanent
        / nullif(measures.employment_months_permanent_with_rate, 0) as avg_employment_rate_permanent_pct,
        100.0 * measures.employment_months_permanent_women
        / nullif(measures.employment_months_permanent, 0) as share_women_permanent_pct,
        100.0 * measures.employment_months_permanent_men
        / nullif(measures.employment_months_permanent, 0) as share_men_permanent_pct,
        coalesce(measures.employment_months_elderly_care_staff, 0) as employment_months_elderly_care_staff,
        coalesce(
            measures.employment_months_elderly_care_assistant_nurses, 0
        ) as employment_months_elderly_care_assistant_nurses,
        100.0 * measures.employment_months_elderly_care_assistant_nurses
        / nullif(measures.employment_months_elderly_care_staff, 0) as share_assistant_nurses_elderly_care_pct
    from int_personnel_measures_aggregated as measures
)

select * from key_figures
