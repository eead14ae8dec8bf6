with

kolada_values as (
    select * from {{ ref('int_kolada_values_cleaned') }}
),

municipality_groups as (
    select * from {{ ref('stg_kolada__municipality_groups') }}
),

comparison_groups as (
    select * from {{ ref('int_comparison_groups_resolved') }}
),

municipality_groups_extra as (
    select * from {{ ref('municipality_groups_extra') }}
),

groups_in_use as (
    select group_id from comparison_groups
    union
    select group_id from municipality_groups_extra
    where group_id is not null
),

group_members as (
    select distinct
        municipality_groups.group_id,
        municipality_groups.member_id
    from municipality_groups
    inner join groups_in_use
        on municipality_groups.group_id = groups_in_use.group_id
),

-- Kolada's group figures are unweighted means over the members that have a value.
group_means as (
    select
        group_members.group_id,
        kolada_values.kpi_id,
        kolada_values.year,
        kolada_values.gender,
        -- An exact decimal sum: a double sum depends on the order parallel threads add in, and a
        -- mean that differs in its last bit between identical builds makes an unchanged rerun publish anew.
        avg(cast(kolada_values.value as decimal(38, 10))) as mean_value,
        count(kolada_values.value) as n_municipalities
    from group_members
    inner join kolada_values
        on
            group_members.member_id = kolada_values.municipality_id
            and not kolada_values.is_riket
    where kolada_values.value is not null
    group by
        group_members.group_id,
        kolada_values.kpi_id,
        kolada_values.year,
        kolada_values.gender
)

select * from group_means
