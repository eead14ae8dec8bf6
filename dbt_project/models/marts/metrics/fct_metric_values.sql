{{
    load_partitions_config(
        grain='year',
        kinds=['personal_manad', 'ekonomi_huvudbok', 'avvikelser'],
        municipality_kinds=['organisation', 'personal_avgang']
    )
}}
-- The long table reports and BI tools read: one row per municipality, period, organisational
-- level, metric and slice, with the numerator and denominator behind the value and the number
-- of individuals behind it (for suppression of cells about fewer than 5 people). Each subject
-- area contributes one CTE of the same shape; further sources (goals, Kolada) are added by
-- appending their model to `metric_sources`.
{%- set level_columns = ["", ", area", ", area, department", ", area, department, unit_id"] %}
{%- set full_time_hours_per_month = 1980 / 12 %}
{#- metric id, slice, numerator, denominator (none = the value is the numerator), scale, individuals -#}
{%- set personnel_metrics = [
    ("employees_permanent", "total", "employment_months_permanent", "months_in_period", 1, "n_individuals_permanent"),
    ("employees_temporary", "total", "employment_months_temporary", "months_in_period", 1, "n_individuals_temporary"),
    ("employees_fulltime", "total", "employment_months_fulltime", "months_in_period", 1, "n_individuals_monthly_paid"),
    ("employees_parttime", "total", "employment_months_parttime", "months_in_period", 1, "n_individuals_monthly_paid"),
    ("share_women_permanent_pct", "total", "employment_months_permanent_women", "employment_months_permanent", 100,
        "n_individuals_permanent"),
    ("share_men_permanent_pct", "total", "employment_months_permanent_men", "employment_months_permanent", 100,
        "n_individuals_permanent"),
    ("fte_contracted_permanent", "total", "fte_months_contracted_permanent", "months_in_period", 1,
        "n_individuals_permanent"),
    ("fte_contracted_temporary", "total", "fte_months_contracted_temporary", "months_in_period", 1,
        "n_individuals_temporary"),
    ("fte_available_monthly_paid", "total", "fte_months_available_monthly_paid", "months_in_period", 1,
        "n_individuals_monthly_paid"),
    ("fte_hourly", "total", "hours_hourly", "full_time_hours_in_period", 1, "n_individuals_hourly_paid"),
    ("fte_total", "total", "fte_total * months_in_period", "months_in_period", 1, "n_individuals"),
    ("fte_overtime", "total", "hours_overtime", "full_time_hours_in_period", 1, "n_individuals"),
    ("fte_extra_hours", "total", "hours_extra", "full_time_hours_in_period", 1, "n_individuals"),
    ("hours_hourly", "total", "hours_hourly", none, 1, "n_individuals_hourly_paid"),
    ("hours_hourly", "kon=K", "hours_hourly_women", none, 1, "n_individuals_hourly_paid_women"),
    ("hours_hourly", "kon=M", "hours_hourly_men", none, 1, "n_individuals_hourly_paid_men"),
    ("avg_employment_rate_permanent_pct", "total", "employment_rate_sum_permanent",
        "employment_months_permanent_with_rate", 1, "n_individuals_permanent"),
    ("avg_age_permanent", "total", "age_years_sum_permanent", "employment_months_permanent_with_age", 1,
        "n_individuals_permanent"),
    ("sick_leave_pct", "total", "sick_hours_total", "ordinary_hours_monthly_paid", 100, "n_individuals_monthly_paid"),
    ("sick_leave_pct", "kon=K", "sick_hours_women", "ordinary_hours_women", 100, "n_individuals_monthly_paid_women"),
    ("sick_leave_pct", "kon=M", "sick_hours_men", "ordinary_hours_men", 100, "n_individuals_monthly_paid_men"),
    ("sick_leave_pct", "alder=-29", "sick_hours_age_29", "ordinary_hours_age_29", 100,
        "n_individuals_monthly_paid_age_29"),
    ("sick_leave_pct", "alder=30-49", "sick_hours_age_30_49", "ordinary_hours_age_30_49", 100,
        "n_individuals_monthly_paid_age_30_49"),
    ("sick_leave_pct", "alder=50-", "sick_hours_age_50", "ordinary_hours_age_50", 100,
        "n_individuals_monthly_paid_age_50"),
    ("sick_leave_pct", "sjukperiod=dag1-14", "sick_hours_day1_14", "ordinary_hours_monthly_paid", 100,
        "n_individuals_monthly_paid"),
    ("sick_leave_pct", "sjukperiod=dag15-59", "sick_hours_day15_59", "ordinary_hours_monthly_paid", 100,
        "n_individuals_monthly_paid"),
    ("sick_leave_pct", "sjukperiod=dag60-", "sick_hours_day60_plus", "ordinary_hours_monthly_paid", 100,
        "n_individuals_monthly_paid"),
    ("turnover_total_pct", "total", "endings_permanent_total", "employees_permanent", 100, "n_individuals_permanent"),
    ("turnover_external_pct", "total", "endings_permanent_external", "employees_permanent", 100,
        "n_individuals_permanent"),
    ("turnover_external_excl_pension_pct", "total", "endings_permanent_external_excl_pension", "employees_permanent",
        100, "n_individuals_permanent"),
    ("share_assistant_nurses_elderly_care_pct", "total", "employment_months_elderly_care_assistant_nurses",
        "employment_months_elderly_care_staff", 100, "n_individuals_elderly_care_staff"),
] %}
{%- set ledger_lines = ["revenue", "personnel_costs", "premises_rent", "purchased_services", "other_costs"] %}
{%- set economy_metrics = [
    "revenue", "personnel_costs", "premises_rent", "purchased_services", "other_costs", "total_costs", "net_cost",
    "result", "revenue_budget", "personnel_costs_budget", "premises_rent_budget", "purchased_services_budget",
    "other_costs_budget", "total_costs_budget", "net_cost_budget", "result_budget", "net_cost_budget_deviation",
    "net_cost_forecast",
] %}
{%- set incident_metrics = {
    "deviations_reported": "is_deviation",
    "deviations_falls": "is_deviation and category = 'Fall'",
    "deviations_falls_serious": "is_deviation and category = 'Fall' and severity = 'Allvarlig'",
    "deviations_medication": "is_deviation and category = 'Läkemedel'",
    "deviations_conduct": "is_deviation and category = 'Bemötande och förhållningssätt'",
    "deviations_case_handling": "is_deviation and category = 'Handläggning och dokumentation'",
    "deviations_new_older_than_30d": "is_deviation and is_new_older_than_30d",
    "deviations_not_closed_within_60d": "is_deviation and is_not_closed_within_60d",
    "deviations_lex_sarah": "is_lex_sarah",
    "deviations_lex_maria": "is_lex_maria",
    "collaboration_deviations": "report_type = 'Samverkansavvikelse'",
    "complaints": "report_type = 'Synpunkt/klagomål'",
    "work_injuries": "report_type = 'Arbetsskada'",
    "near_misses": "report_type = 'Tillbud'",
} %}
{%- set level_case -%}
    case
        when grouping(unit_id) = 0 then 'enhet'
        when grouping(department) = 0 then 'avdelning'
        when grouping(area) = 0 then 'verksamhetsomrade'
        else 'kommun'
    end
{%- endset %}
with

fct_personnel_yearly as (
    select * from {{ ref('fct_personnel_yearly') }}
    where {{ load_partitions_filter() }}
),

fct_ledger_months as (
    select * from {{ ref('fct_ledger_months') }}
    where {{ load_partitions_filter() }}
),

int_incident_versions_assigned_to_periods as (
    select * from {{ ref('int_incident_versions_assigned_to_periods') }}
    where {{ load_partitions_filter(column='period_year') }}
),

personnel_values as (
    {%- for metric_id, slice, numerator, denominator, scale, individuals in personnel_metrics %}
        select
            municipality_id,
            cast(year as varchar) as period,
            'year' as period_type,
            year,
            level,
            area,
            department,
            unit_id,
            '{{ metric_id }}' as metric_id,
            '{{ slice }}' as slice,
            cast({{ numerator }} as double) as numerator,
            cast({{ denominator if denominator else "null" }} as double) as denominator,
            {{ scale }} as scale,
            {{ individuals }} as n_individuals
        from fct_personnel_yearly
        where is_all_occupation_groups
        {{- "\n        union all" if not loop.last }}
    {%- endfor %}
),

ledger_by_level as (
    select
        municipality_id,
        year,
        case when grouping(period) = 0 then period else cast(year as varchar) end as ledger_period,
        case when grouping(period) = 0 then 'month' else 'year' end as period_type,
        max(month) as last_month,
        {{ level_case }} as level,
        area,
        department,
        unit_id,
        {%- for line in ledger_lines %}
            sum(actual_sek) filter (where report_line = '{{ line }}') as {{ line }},
            sum(budget_sek) filter (where report_line = '{{ line }}') as {{ line }}_budget,
        {%- endfor %}
        sum(actual_sek) filter (where line_kind = 'cost') as total_costs,
        sum(budget_sek) filter (where line_kind = 'cost') as total_costs_budget,
        sum(actual_sek) as net_cost,
        sum(budget_sek) as net_cost_budget
    from fct_ledger_months
    where is_in_net_cost
    group by grouping sets (
        {%- for columns in level_columns %}
            (municipality_id, year, period{{ columns }}),
            (municipality_id, year{{ columns }}){{ "," if not loop.last }}
        {%- endfor %}
    )
),

ledger_figures as (
    select
        *,
        net_cost as result,
        net_cost_budget as result_budget,
        net_cost - net_cost_budget as net_cost_budget_deviation,
        case
            when period_type = 'month'
                then sum(net_cost) over (
                    partition by municipality_id, year, period_type, level, area, department, unit_id
                    order by ledger_period
                    rows between unbounded preceding and current row
                ) / last_month * 12
        end as net_cost_forecast
    from ledger_by_level
),

economy_values as (
    {%- for metric_id in economy_metrics %}
        select
            municipality_id,
            ledger_period as period,
            period_type,
            year,
            level,
            area,
            department,
            unit_id,
            '{{ metric_id }}' as metric_id,
            'total' as slice,
            cast({{ metric_id }} as double) as numerator,
            cast(null as double) as denominator,
            1 as scale,
            cast(null as bigint) as n_individuals
        from ledger_figures
        {{- "\n        union all" if not loop.last }}
    {%- endfor %}
),

incidents_by_level as (
    select
        municipality_id,
        period,
        period_type,
        period_year as year,
        {{ level_case }} as level,
        area,
        department,
        unit_id,
        {%- for metric_id, condition in incident_metrics.items() %}
            count(*) filter (where {{ condition }}) as {{ metric_id }},
        {%- endfor %}
        median(days_to_close) filter (where is_deviation) as deviations_median_days_to_close
    from int_incident_versions_assigned_to_periods
    group by grouping sets (
        {%- for columns in level_columns %}
            (municipality_id, period, period_type, period_year{{ columns }}){{ "," if not loop.last }}
        {%- endfor %}
    )
),

incident_values as (
    {%- for metric_id in incident_metrics.keys() | list + ["deviations_median_days_to_close"] %}
        select
            municipality_id,
            period,
            period_type,
            year,
            level,
            area,
            department,
            unit_id,
            '{{ metric_id }}' as metric_id,
            'total' as slice,
            cast({{ metric_id }} as double) as numerator,
            cast(null as double) as denominator,
            1 as scale,
            cast(null as bigint) as n_individuals
        from incidents_by_level
        {{- "\n        union all" if not loop.last }}
    {%- endfor %}
),

metric_sources as (
    select * from personnel_values
    union all
    select * from economy_values
    union all
    select * from incident_values
),

-- A unit missing from the register counts in the municipality total and at unit level only.
metric_values as (
    select
        municipality_id,
        period,
        period_type,
        cast(year as integer) as year,
        level,
        area,
        department,
        unit_id,
        metric_id,
        slice,
        case
            when denominator is null then numerator
            else scale * numerator / nullif(denominator, 0)
        end as value,
        numerator,
        denominator,
        cast(n_individuals as bigint) as n_individuals
    from metric_sources
    where
        level in ('kommun', 'enhet')
        or (level = 'verksamhetsomrade' and area is not null)
        or (level = 'avdelning' and area is not null and department is not null)
)

select * from metric_values
where value is not null
