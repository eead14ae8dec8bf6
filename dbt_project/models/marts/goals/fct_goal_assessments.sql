with

goal_indicators as (
    select * from {{ ref('fct_goal_indicators') }}
),

goal_seed as (
    select * from {{ ref('goal_indicators') }}
),

published_assessments as (
    select distinct
        goal_id,
        2024 as year,  -- noqa: RF04
        published_assessment_2024 as published_assessment
    from goal_seed
    where published_assessment_2024 is not null
),

-- Only indicators with both a target and an outcome take part in the assessment.
goal_counts as (
    select
        municipality_id,
        goal_id,
        goal,
        year,
        count(*) as n_indicators,
        count(is_met) as n_assessed,
        count(case when is_met then 1 end) as n_met
    from goal_indicators
    group by municipality_id, goal_id, goal, year
),

assessments as (
    select
        cast(goal_counts.municipality_id as varchar) as municipality_id,
        cast(goal_counts.goal_id as varchar) as goal_id,
        cast(goal_counts.goal as varchar) as goal,
        cast(goal_counts.year as integer) as year,  -- noqa: RF04
        cast(goal_counts.n_indicators as integer) as n_indicators,
        cast(goal_counts.n_assessed as integer) as n_assessed,
        cast(goal_counts.n_met as integer) as n_met,
        cast(
            case
                when goal_counts.n_assessed = 0 then null
                when goal_counts.n_met = goal_counts.n_assessed then 'Helt uppfyllt'
                when goal_counts.n_met > 0 then 'Delvis uppfyllt'
                else 'Ej uppfyllt'
            end as varchar
        ) as assessment,
        cast(published_assessments.published_assessment as varchar) as published_assessment
    from goal_counts
    left join published_assessments
        on
            goal_counts.goal_id = published_assessments.goal_id
            and goal_counts.year = published_assessments.year
)

select * from assessments
