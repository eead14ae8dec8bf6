with

fct_employment_months as (
    select * from {{ ref('fct_employment_months') }}
),

stg_hr__employment_endings as (
    select * from {{ ref('stg_hr__employment_endings') }}
),

classified_groups as (
    select
        occupation_group,
        bool_or(is_care_staff) as is_care_staff,
        bool_or(is_assistant_nurse) as is_assistant_nurse
    from fct_employment_months
    where occupation_group is not null
    group by occupation_group
),

ending_only_groups as (
    select distinct
        occupation_group,
        false as is_care_staff,
        false as is_assistant_nurse
    from stg_hr__employment_endings
    where
        occupation_group is not null
        and occupation_group not in (select classified_groups.occupation_group from classified_groups)
),

occupation_groups as (
    select * from classified_groups
    union all
    select * from ending_only_groups
)

select * from occupation_groups
