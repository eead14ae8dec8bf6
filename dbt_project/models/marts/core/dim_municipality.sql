with

municipalities as (
    select * from {{ ref('stg_kolada__municipalities') }}
),

municipality_groups as (
    select * from {{ ref('stg_kolada__municipality_groups') }}
),

municipality_groups_extra as (
    select * from {{ ref('municipality_groups_extra') }}
),

comparison_groups as (
    select * from {{ ref('int_comparison_groups_resolved') }}
),

goteborgsregionen_members as (
    select distinct municipality_groups.member_id
    from municipality_groups
    inner join municipality_groups_extra
        on municipality_groups.group_id = municipality_groups_extra.group_id
    where municipality_groups_extra.comparison_group = 'goteborgsregionen'
),

elderly_care_groups as (
    select * from comparison_groups
    where comparison_area = 'aldreomsorg'
),

lss_groups as (
    select * from comparison_groups
    where comparison_area = 'lss'
),

municipality_dimension as (
    select
        cast(municipalities.municipality_id as varchar) as municipality_id,
        cast(municipalities.municipality_name as varchar) as municipality_name,
        cast(municipalities.kolada_type as varchar) as kolada_type,
        municipalities.municipality_id = '0000' as is_riket,
        goteborgsregionen_members.member_id is not null as is_goteborgsregionen_member,
        cast(elderly_care_groups.group_id as varchar) as similar_group_elderly_care_id,
        cast(elderly_care_groups.group_title as varchar) as similar_group_elderly_care_title,
        cast(lss_groups.group_id as varchar) as similar_group_lss_id,
        cast(lss_groups.group_title as varchar) as similar_group_lss_title
    from municipalities
    left join goteborgsregionen_members
        on municipalities.municipality_id = goteborgsregionen_members.member_id
    left join elderly_care_groups
        on municipalities.municipality_id = elderly_care_groups.municipality_id
    left join lss_groups
        on municipalities.municipality_id = lss_groups.municipality_id
)

select * from municipality_dimension
