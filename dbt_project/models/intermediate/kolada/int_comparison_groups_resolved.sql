with

municipality_groups as (
    select * from {{ ref('stg_kolada__municipality_groups') }}
),

municipalities as (
    select * from {{ ref('stg_kolada__municipalities') }}
),

municipality_groups_extra as (
    select * from {{ ref('municipality_groups_extra') }}
),

group_titles as (
    select distinct
        group_id,
        group_title
    from municipality_groups
),

-- RKA titles its groups "Liknande kommuner <område>, <kommun>, <år>"; the title is the only link
-- from a group to the municipality it was made for.
similar_groups_parsed as (
    select
        group_id,
        group_title,
        regexp_extract(group_title, '^Liknande kommuner,? (.+), ([^,]+), (\d{4})$', 1) as title_area,
        regexp_extract(group_title, '^Liknande kommuner,? (.+), ([^,]+), (\d{4})$', 2) as municipality_name,
        cast(regexp_extract(group_title, '^Liknande kommuner,? (.+), ([^,]+), (\d{4})$', 3) as integer) as group_year
    from group_titles
    where regexp_matches(group_title, '^Liknande kommuner,? (.+), ([^,]+), (\d{4})$')
),

similar_groups_ranked as (
    select
        municipalities.municipality_id,
        municipality_groups_extra.comparison_area,
        similar_groups_parsed.group_id,
        similar_groups_parsed.group_title,
        similar_groups_parsed.group_year,
        row_number() over (
            partition by municipalities.municipality_id, municipality_groups_extra.comparison_area
            order by similar_groups_parsed.group_year desc, similar_groups_parsed.group_id asc
        ) as recency_rank
    from similar_groups_parsed
    inner join municipality_groups_extra
        on
            similar_groups_parsed.title_area = municipality_groups_extra.title_area
            and municipality_groups_extra.comparison_group = 'liknande'
    inner join municipalities
        on
            similar_groups_parsed.municipality_name = municipalities.municipality_name
            and municipalities.kolada_type = 'K'
),

similar_groups as (
    select
        municipality_id,
        comparison_area,
        group_id,
        group_title,
        group_year
    from similar_groups_ranked
    where recency_rank = 1
)

select * from similar_groups
