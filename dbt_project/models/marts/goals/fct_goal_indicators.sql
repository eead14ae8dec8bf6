with

goal_indicators as (
    select * from {{ ref('goal_indicators') }}
),

kolada_values as (
    select * from {{ ref('int_kolada_values_cleaned') }}
),

-- The seed holds one column per year as the annual report prints it; one row per year here.
indicator_years as (
    select
        indicator_id,
        2022 as year,  -- noqa: RF04
        cast(null as double) as target,  -- noqa: RF04
        outcome_2022 as reported_outcome
    from goal_indicators
    union all
    select
        indicator_id,
        2023 as year,  -- noqa: RF04
        cast(null as double) as target,  -- noqa: RF04
        outcome_2023 as reported_outcome
    from goal_indicators
    union all
    select
        indicator_id,
        2024 as year,  -- noqa: RF04
        target_2024 as target,  -- noqa: RF04
        outcome_2024 as reported_outcome
    from goal_indicators
),

with_outcomes as (
    select
        goal_indicators.indicator_id,
        goal_indicators.municipality_id,
        goal_indicators.goal_id,
        goal_indicators.goal,
        goal_indicators.indicator,
        goal_indicators.kolada_kpi_id,
        goal_indicators.direction,
        indicator_years.year,
        indicator_years.target,
        indicator_years.reported_outcome,
        kolada_values.value as kolada_value,
        coalesce(kolada_values.value, indicator_years.reported_outcome) as outcome,
        case
            when kolada_values.value is not null then 'Kolada'
            when indicator_years.reported_outcome is not null then 'Rapporterat'
        end as outcome_source
    from goal_indicators
    inner join indicator_years
        on goal_indicators.indicator_id = indicator_years.indicator_id
    left join kolada_values
        on
            goal_indicators.kolada_kpi_id = kolada_values.kpi_id
            and goal_indicators.municipality_id = kolada_values.municipality_id
            and indicator_years.year = kolada_values.year
            and kolada_values.gender = 'T'
),

assessed as (
    select
        cast(indicator_id as varchar) as indicator_id,
        cast(municipality_id as varchar) as municipality_id,
        cast(goal_id as varchar) as goal_id,
        cast(goal as varchar) as goal,
        cast(indicator as varchar) as indicator,
        cast(kolada_kpi_id as varchar) as kolada_kpi_id,
        cast(direction as varchar) as direction,
        cast(year as integer) as year,  -- noqa: RF04
        cast(target as double) as target,  -- noqa: RF04
        cast(reported_outcome as double) as reported_outcome,
        cast(kolada_value as double) as kolada_value,
        cast(outcome as double) as outcome,
        cast(outcome_source as varchar) as outcome_source,
        cast(
            case
                when target is null or outcome is null then null
                when direction = 'higher' then outcome >= target
                when direction = 'lower' then outcome <= target
            end as boolean
        ) as is_met
    from with_outcomes
)

select * from assessed
