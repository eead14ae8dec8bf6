with

rka_indices as (
    select * from {{ ref('int_rka_indices_computed') }}
),

kolada_values as (
    select * from {{ ref('int_kolada_values_cleaned') }}
),

rka_index_components as (
    select * from {{ ref('rka_index_components') }}
),

index_titles as (
    select distinct
        index_kpi_id,
        index_title,
        index_level
    from rka_index_components
),

recomputed_indices as (
    select distinct
        index_kpi_id,
        municipality_id,
        year,
        n_components,
        is_complete,
        is_in_rka_population,
        n_index_population,
        recomputed_value,
        recomputed_value_all_complete
    from rka_indices
    where input_basis = 'recomputed'
),

indices_from_published_components as (
    select distinct
        index_kpi_id,
        municipality_id,
        year,
        recomputed_value
    from rka_indices
    where input_basis = 'published_components'
),

-- The component whose rise to the best score (100) would raise the index most.
component_gains_ranked as (
    select
        index_kpi_id,
        municipality_id,
        year,
        component_id,
        index_gain_if_best,
        row_number() over (
            partition by index_kpi_id, municipality_id, year
            order by index_gain_if_best desc, component_id asc
        ) as gain_rank
    from rka_indices
    where input_basis = 'recomputed' and is_complete
),

most_influential_components as (
    select * from component_gains_ranked
    where gain_rank = 1
),

published_indices as (
    select
        kolada_values.kpi_id as index_kpi_id,
        kolada_values.municipality_id,
        kolada_values.year,
        kolada_values.value as published_value
    from kolada_values
    inner join index_titles
        on kolada_values.kpi_id = index_titles.index_kpi_id
    where
        kolada_values.gender = 'T'
        and not kolada_values.is_riket
        and kolada_values.value is not null
),

index_keys as (
    select
        index_kpi_id,
        municipality_id,
        year
    from recomputed_indices
    union
    select
        index_kpi_id,
        municipality_id,
        year
    from published_indices
),

indices as (
    select
        cast(index_keys.index_kpi_id as varchar) as index_kpi_id,
        cast(index_titles.index_title as varchar) as index_title,
        cast(index_titles.index_level as integer) as index_level,
        cast(index_keys.municipality_id as varchar) as municipality_id,
        cast(index_keys.year as integer) as year,  -- noqa: RF04
        cast(recomputed_indices.recomputed_value as double) as recomputed_value,
        cast(published_indices.published_value as double) as published_value,
        cast(recomputed_indices.recomputed_value - published_indices.published_value as double) as difference,
        cast(indices_from_published_components.recomputed_value as double) as recomputed_from_published_components,
        cast(
            indices_from_published_components.recomputed_value - published_indices.published_value as double
        ) as difference_from_published_components,
        cast(recomputed_indices.recomputed_value_all_complete as double) as recomputed_value_all_complete,
        cast(coalesce(recomputed_indices.is_complete, false) as boolean) as has_all_components,
        cast(coalesce(recomputed_indices.is_in_rka_population, false) as boolean) as is_in_rka_population,
        cast(recomputed_indices.n_index_population as integer) as n_index_population,
        cast(most_influential_components.component_id as varchar) as most_influential_component_id,
        cast(most_influential_components.index_gain_if_best as double) as most_influential_gain
    from index_keys
    inner join index_titles
        on index_keys.index_kpi_id = index_titles.index_kpi_id
    left join recomputed_indices
        on
            index_keys.index_kpi_id = recomputed_indices.index_kpi_id
            and index_keys.municipality_id = recomputed_indices.municipality_id
            and index_keys.year = recomputed_indices.year
    left join published_indices
        on
            index_keys.index_kpi_id = published_indices.index_kpi_id
            and index_keys.municipality_id = published_indices.municipality_id
            and index_keys.year = published_indices.year
    left join indices_from_published_components
        on
            index_keys.index_kpi_id = indices_from_published_components.index_kpi_id
            and index_keys.municipality_id = indices_from_published_components.municipality_id
            and index_keys.year = indices_from_published_components.year
    left join most_influential_components
        on
            index_keys.index_kpi_id = most_influential_components.index_kpi_id
            and index_keys.municipality_id = most_influential_components.municipality_id
            and index_keys.year = most_influential_components.year
)

select * from indices
