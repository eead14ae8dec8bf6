with

kolada_values as (
    select * from {{ ref('int_kolada_values_cleaned') }}
),

group_means as (
    select * from {{ ref('int_kolada_group_means_computed') }}
),

comparison_groups as (
    select * from {{ ref('int_comparison_groups_resolved') }}
),

municipality_groups_extra as (
    select * from {{ ref('municipality_groups_extra') }}
),

kpi_areas as (
    select * from {{ ref('municipality_groups_extra_kpi_areas') }}
),

goteborgsregionen as (
    select group_id from municipality_groups_extra
    where comparison_group = 'goteborgsregionen'
),

goteborgsregionen_means as (
    select group_means.*
    from group_means
    inner join goteborgsregionen
        on group_means.group_id = goteborgsregionen.group_id
),

all_municipality_means as (
    select
        kpi_id,
        year,
        gender,
        -- Exact decimal sum, for the same reason as in int_kolada_group_means_computed.
        avg(cast(value as decimal(38, 10))) as mean_value,
        count(value) as n_municipalities
    from kolada_values
    where not is_riket and value is not null
    group by kpi_id, year, gender
),

riket_values as (
    select
        kpi_id,
        year,
        gender,
        value
    from kolada_values
    where is_riket
),

-- Rank 1 is the best value given the KPI's direction; ties share the better rank.
municipality_ranks as (
    select
        kolada_values.kpi_id,
        kolada_values.municipality_id,
        kolada_values.year,
        kolada_values.gender,
        rank() over (
            partition by kolada_values.kpi_id, kolada_values.year, kolada_values.gender
            order by case when kpi_areas.higher_is_better then -kolada_values.value else kolada_values.value end
        ) as rank_among_municipalities,
        count(*) over (
            partition by kolada_values.kpi_id, kolada_values.year, kolada_values.gender
        ) as n_ranked
    from kolada_values
    inner join kpi_areas
        on kolada_values.kpi_id = kpi_areas.kpi_id
    where
        not kolada_values.is_riket
        and kolada_values.value is not null
        and kpi_areas.higher_is_better is not null
),

comparisons as (
    select
        cast(kolada_values.kpi_id as varchar) as kpi_id,
        cast(kolada_values.municipality_id as varchar) as municipality_id,
        cast(kolada_values.year as integer) as year,  -- noqa: RF04
        cast(kolada_values.gender as varchar) as gender,
        kolada_values.is_riket,
        cast(kolada_values.value as double) as value,  -- noqa: RF04
        cast(previous_year.value as double) as previous_year_value,
        cast(kolada_values.value - previous_year.value as double) as change_from_previous_year,
        cast(goteborgsregionen_means.mean_value as double) as goteborgsregionen_mean,
        cast(goteborgsregionen_means.n_municipalities as integer) as goteborgsregionen_n,
        cast(kpi_areas.comparison_area as varchar) as comparison_area,
        cast(comparison_groups.group_id as varchar) as similar_group_id,
        cast(similar_means.mean_value as double) as similar_group_mean,
        cast(similar_means.n_municipalities as integer) as similar_group_n,
        cast(all_municipality_means.mean_value as double) as all_municipalities_mean,
        cast(all_municipality_means.n_municipalities as integer) as all_municipalities_n,
        cast(riket_values.value as double) as riket_value,
        cast(kpi_areas.higher_is_better as boolean) as higher_is_better,
        cast(municipality_ranks.rank_among_municipalities as integer) as rank_among_municipalities,
        cast(municipality_ranks.n_ranked as integer) as n_ranked,
        cast(
            case
                when municipality_ranks.n_ranked = 1 then 100.0
                else
                    100.0 * (municipality_ranks.n_ranked - municipality_ranks.rank_among_municipalities)
                    / (municipality_ranks.n_ranked - 1)
            end as double
        ) as percentile,
        cast(
            case
                when municipality_ranks.rank_among_municipalities is null then null
                when municipality_ranks.rank_among_municipalities <= 0.25 * municipality_ranks.n_ranked then 'grön'
                when municipality_ranks.rank_among_municipalities > 0.75 * municipality_ranks.n_ranked then 'röd'
                else 'gul'
            end as varchar
        ) as traffic_light
    from kolada_values
    left join kolada_values as previous_year
        on
            kolada_values.kpi_id = previous_year.kpi_id
            and kolada_values.municipality_id = previous_year.municipality_id
            and kolada_values.gender = previous_year.gender
            and kolada_values.year = previous_year.year + 1
    left join goteborgsregionen_means
        on
            kolada_values.kpi_id = goteborgsregionen_means.kpi_id
            and kolada_values.year = goteborgsregionen_means.year
            and kolada_values.gender = goteborgsregionen_means.gender
    left join kpi_areas
        on kolada_values.kpi_id = kpi_areas.kpi_id
    left join comparison_groups
        on
            kolada_values.municipality_id = comparison_groups.municipality_id
            and kpi_areas.comparison_area = comparison_groups.comparison_area
    left join group_means as similar_means
        on
            comparison_groups.group_id = similar_means.group_id
            and kolada_values.kpi_id = similar_means.kpi_id
            and kolada_values.year = similar_means.year
            and kolada_values.gender = similar_means.gender
    left join all_municipality_means
        on
            kolada_values.kpi_id = all_municipality_means.kpi_id
            and kolada_values.year = all_municipality_means.year
            and kolada_values.gender = all_municipality_means.gender
    left join riket_values
        on
            kolada_values.kpi_id = riket_values.kpi_id
            and kolada_values.year = riket_values.year
            and kolada_values.gender = riket_values.gender
    left join municipality_ranks
        on
            kolada_values.kpi_id = municipality_ranks.kpi_id
            and kolada_values.municipality_id = municipality_ranks.municipality_id
            and kolada_values.year = municipality_ranks.year
            and kolada_values.gender = municipality_ranks.gender
)

select * from comparisons
