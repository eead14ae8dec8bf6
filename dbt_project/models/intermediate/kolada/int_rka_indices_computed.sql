{#- Method: docs/rka-index.md. The var `rka_whatif` ({municipality_id, year, kpi_id, value}) replaces one
    source value before anything is scaled and narrows the output to that municipality and year;
    orchestration/whatif.py runs this model through `dbt show` with it. -#}
{%- set whatif = var('rka_whatif', none) -%}

{#- Nearest-rank percentiles: P2.5 = k-th smallest with k = ceil(0.025 n), P97.5 with k = ceil(0.975 n),
    in integer arithmetic (0.025 * 280 is not 7 in floating point). -#}
with

kolada_values as (
    select * from {{ ref('int_kolada_values_cleaned') }}
),

rka_index_components as (
    select * from {{ ref('rka_index_components') }}
),

rka_index_components_year_sources as (
    select * from {{ ref('rka_index_components_year_sources') }}
),

municipality_totals as (
    select
        kpi_id,
        municipality_id,
        year,
        value
    from kolada_values
    where gender = 'T' and not is_riket and value is not null
),

index_years as (
    select distinct year from municipality_totals
),

base_components as (
    select * from rka_index_components
    where index_level = 1
),

composite_components as (
    select * from rka_index_components
    where index_level = 2
),

component_counts as (
    select
        index_kpi_id,
        count(distinct component_id) as n_components
    from rka_index_components
    group by index_kpi_id
),

-- Which year each source KPI is read from for each index year (survey gaps borrow a neighbour year).
component_source_years as (
    select
        base_components.index_kpi_id,
        base_components.component_id,
        base_components.source_kpi_id,
        base_components.source_priority,
        base_components.lower_is_better,
        base_components.fallback_from_year,
        index_years.year as index_year,
        coalesce(rka_index_components_year_sources.source_year, index_years.year) as source_year
    from base_components
    cross join index_years
    left join rka_index_components_year_sources
        on
            base_components.index_kpi_id = rka_index_components_year_sources.index_kpi_id
            and base_components.source_kpi_id = rka_index_components_year_sources.source_kpi_id
            and index_years.year = rka_index_components_year_sources.index_year
),

-- Offset 1 is the previous year's value, a candidate only where the configuration allows it.
source_candidates as (
    select
        *,
        source_year as used_year,
        0 as fallback_offset
    from component_source_years
    union all
    select
        *,
        source_year - 1 as used_year,
        1 as fallback_offset
    from component_source_years
    where fallback_from_year <= index_year
),

source_values_found as (
    select
        source_candidates.*,
        municipality_totals.municipality_id,
        municipality_totals.value as source_value
    from source_candidates
    inner join municipality_totals
        on
            source_candidates.source_kpi_id = municipality_totals.kpi_id
            and source_candidates.used_year = municipality_totals.year
),

{% if whatif %}
    whatif_values as (
        select
            source_candidates.*,
            '{{ whatif.municipality_id }}' as municipality_id,
            cast('{{ whatif.value }}' as double) as source_value
        from source_candidates
        where
            source_candidates.source_kpi_id = '{{ whatif.kpi_id }}'
            and source_candidates.index_year = {{ whatif.year | int }}
            and source_candidates.fallback_offset = 0
    ),

    source_values as (
        select * from source_values_found
        where
            not (
                municipality_id = '{{ whatif.municipality_id }}'
                and index_year = {{ whatif.year | int }}
                and source_kpi_id = '{{ whatif.kpi_id }}'
            )
        union all by name
        select * from whatif_values
    ),
{% else %}
    source_values as (
        select * from source_values_found
    ),
{% endif %}

-- A component's own year beats the fallback year; within a year the lowest priority with a value
-- wins, and sources of equal priority are pooled by their mean.
component_value_options as (
    select
        index_kpi_id,
        component_id,
        municipality_id,
        index_year,
        lower_is_better,
        fallback_offset,
        source_priority,
        avg(source_value) as component_value,
        string_agg(distinct source_kpi_id, ',' order by source_kpi_id) as source_kpi_ids,
        min(used_year) as source_year,
        row_number() over (
            partition by index_kpi_id, component_id, municipality_id, index_year
            order by fallback_offset, source_priority
        ) as preference_rank
    from source_values
    group by
        index_kpi_id,
        component_id,
        municipality_id,
        index_year,
        lower_is_better,
        fallback_offset,
        source_priority
),

component_values as (
    select
        index_kpi_id,
        component_id,
        municipality_id,
        index_year,
        lower_is_better,
        component_value,
        source_kpi_ids,
        source_year,
        fallback_offset = 1 as is_fallback
    from component_value_options
    where preference_rank = 1
),

component_values_ordered as (
    select
        *,
        row_number() over (partition by index_kpi_id, component_id, index_year order by component_value)
            as value_position,
        count(*) over (partition by index_kpi_id, component_id, index_year) as n_component_values
    from component_values
),

component_bounds as (
    select
        index_kpi_id,
        component_id,
        index_year,
        max(case when value_position = ceil(n_component_values * 25 / 1000) then component_value end)
            as component_p_low,
        max(case when value_position = ceil(n_component_values * 975 / 1000) then component_value end)
            as component_p_high
    from component_values_ordered
    group by index_kpi_id, component_id, index_year
),

base_component_values_scaled as (
    select
        component_values_ordered.index_kpi_id,
        component_values_ordered.component_id,
        component_values_ordered.municipality_id,
        component_values_ordered.index_year,
        component_values_ordered.lower_is_better,
        component_values_ordered.component_value,
        component_values_ordered.source_kpi_ids,
        component_values_ordered.source_year,
        component_values_ordered.is_fallback,
        component_values_ordered.n_component_values,
        component_bounds.component_p_low,
        component_bounds.component_p_high,
        {{ scale_between(
            'component_values_ordered.component_value',
            'component_bounds.component_p_low',
            'component_bounds.component_p_high'
        ) }} as scaled_value
    from component_values_ordered
    inner join component_bounds
        on
            component_values_ordered.index_kpi_id = component_bounds.index_kpi_id
            and component_values_ordered.component_id = component_bounds.component_id
            and component_values_ordered.index_year = component_bounds.index_year
),

base_component_scores as (
    select
        index_kpi_id,
        component_id,
        municipality_id,
        index_year,
        'recomputed' as input_basis,
        lower_is_better,
        component_value,
        source_kpi_ids,
        source_year,
        is_fallback,
        n_component_values,
        component_p_low,
        component_p_high,
        case when lower_is_better then 100 - scaled_value else scaled_value end as component_score
    from base_component_values_scaled
),

published_indices as (
    select
        kpi_id as index_kpi_id,
        municipality_id,
        year as index_year,
        value as published_value
    from municipality_totals
    where kpi_id in (select rka_index_components.index_kpi_id from rka_index_components)
),

-- RKA rescales over the municipalities it computed the index for. Where Kolada later filled in a
-- component for a municipality RKA had no index for, that municipality would shift the
-- percentiles, so in years with published values the population is the published one.

base_means as (
    select
        scores.index_kpi_id,
        scores.municipality_id,
        scores.index_year,
        scores.input_basis,
        count(scores.component_score) = max(component_counts.n_components) as is_complete,
        avg(scores.component_score) as mean_score
    from base_component_scores as scores
    inner join component_counts
        on scores.index_kpi_id = component_counts.index_kpi_id
    group by scores.index_kpi_id, scores.municipality_id, scores.index_year, scores.input_basis
),

base_population as (
    select
        base_means.*,
        published_indices.published_value,
        base_means.is_complete
        and (
            published_indices.published_value is not null
            or not coalesce(bool_or(published_indices.published_value is not null) over (
                partition by base_means.index_kpi_id, base_means.index_year, base_means.input_basis
            ), false)
        ) as is_in_rka_population
    from base_means
    left join published_indices
        on
            base_means.index_kpi_id = published_indices.index_kpi_id
            and base_means.municipality_id = published_indices.municipality_id
            and base_means.index_year = published_indices.index_year
),

base_population_ordered as (
    select
        *,
        row_number() over (
            partition by index_kpi_id, index_year, input_basis, is_in_rka_population order by mean_score
        ) as rka_position,
        count(*) over (partition by index_kpi_id, index_year, input_basis, is_in_rka_population) as n_rka,
        row_number() over (
            partition by index_kpi_id, index_year, input_basis, is_complete order by mean_score
        ) as complete_position,
        count(*) over (partition by index_kpi_id, index_year, input_basis, is_complete) as n_complete
    from base_population
),

base_bounds as (
    select
        index_kpi_id,
        index_year,
        input_basis,
        max(case when is_in_rka_population and rka_position = ceil(n_rka * 25 / 1000) then mean_score end)
            as index_p_low,
        max(case when is_in_rka_population and rka_position = ceil(n_rka * 975 / 1000) then mean_score end)
            as index_p_high,
        max(case when is_complete and complete_position = ceil(n_complete * 25 / 1000) then mean_score end)
            as all_complete_p_low,
        max(case when is_complete and complete_position = ceil(n_complete * 975 / 1000) then mean_score end)
            as all_complete_p_high,
        count(case when is_in_rka_population then 1 end) as n_index_population
    from base_population_ordered
    group by index_kpi_id, index_year, input_basis
),

base_indices as (
    select
        population.index_kpi_id,
        population.municipality_id,
        population.index_year,
        population.input_basis,
        population.is_complete,
        population.is_in_rka_population,
        bounds.index_p_low,
        bounds.index_p_high,
        bounds.n_index_population,
        case when population.is_complete then population.mean_score end as mean_score,
        case when population.is_complete then {{ scale_between(
            'population.mean_score',
            'bounds.index_p_low',
            'bounds.index_p_high'
        ) }} end as recomputed_value,
        case when population.is_complete then {{ scale_between(
            'population.mean_score',
            'bounds.all_complete_p_low',
            'bounds.all_complete_p_high'
        ) }} end as recomputed_value_all_complete
    from base_population as population
    inner join base_bounds as bounds
        on
            population.index_kpi_id = bounds.index_kpi_id
            and population.index_year = bounds.index_year
            and population.input_basis = bounds.input_basis
),

-- How much the index would rise if this component alone reached the best score (100).
base_component_rows as (
    select
        scores.*,
        component_counts.n_components,
        indices.is_complete,
        indices.is_in_rka_population,
        indices.mean_score,
        indices.index_p_low,
        indices.index_p_high,
        indices.n_index_population,
        indices.recomputed_value,
        indices.recomputed_value_all_complete,
        {{ scale_between(
            'indices.mean_score + (100 - scores.component_score) / component_counts.n_components',
            'indices.index_p_low',
            'indices.index_p_high'
        ) }} - indices.recomputed_value as index_gain_if_best
    from base_component_scores as scores
    inner join component_counts
        on scores.index_kpi_id = component_counts.index_kpi_id
    inner join base_indices as indices
        on
            scores.index_kpi_id = indices.index_kpi_id
            and scores.municipality_id = indices.municipality_id
            and scores.index_year = indices.index_year
            and scores.input_basis = indices.input_basis
),

-- Effektivitetsindex takes the level-1 indices as components: as recomputed here, and as published
-- by RKA (which tests this last step on its own).
level_one_values as (
    select
        index_kpi_id,
        municipality_id,
        index_year,
        'recomputed' as input_basis,
        recomputed_value as index_value
    from base_indices
    where recomputed_value is not null
    union all
    select
        index_kpi_id,
        municipality_id,
        index_year,
        'published_components' as input_basis,
        published_value as index_value
    from published_indices
),

composite_component_scores as (
    select
        composite_components.index_kpi_id,
        composite_components.component_id,
        level_one_values.municipality_id,
        level_one_values.index_year,
        level_one_values.input_basis,
        composite_components.lower_is_better,
        level_one_values.index_value as component_value,
        composite_components.source_kpi_id as source_kpi_ids,
        level_one_values.index_year as source_year,
        false as is_fallback,
        level_one_values.index_value as component_score
    from composite_components
    inner join level_one_values
        on composite_components.source_kpi_id = level_one_values.index_kpi_id
),

composite_means as (
    select
        scores.index_kpi_id,
        scores.municipality_id,
        scores.index_year,
        scores.input_basis,
        count(scores.component_score) = max(component_counts.n_components) as is_complete,
        avg(scores.component_score) as mean_score
    from composite_component_scores as scores
    inner join component_counts
        on scores.index_kpi_id = component_counts.index_kpi_id
    group by scores.index_kpi_id, scores.municipality_id, scores.index_year, scores.input_basis
),

composite_population as (
    select
        composite_means.*,
        published_indices.published_value,
        composite_means.is_complete
        and (
            published_indices.published_value is not null
            or not coalesce(bool_or(published_indices.published_value is not null) over (
                partition by composite_means.index_kpi_id, composite_means.index_year, composite_means.input_basis
            ), false)
        ) as is_in_rka_population
    from composite_means
    left join published_indices
        on
            composite_means.index_kpi_id = published_indices.index_kpi_id
            and composite_means.municipality_id = published_indices.municipality_id
            and composite_means.index_year = published_indices.index_year
),

composite_population_ordered as (
    select
        *,
        row_number() over (
            partition by index_kpi_id, index_year, input_basis, is_in_rka_population order by mean_score
        ) as rka_position,
        count(*) over (partition by index_kpi_id, index_year, input_basis, is_in_rka_population) as n_rka
    from composite_population
),

composite_bounds as (
    select
        index_kpi_id,
        index_year,
        input_basis,
        max(case when is_in_rka_population and rka_position = ceil(n_rka * 25 / 1000) then mean_score end)
            as index_p_low,
        max(case when is_in_rka_population and rka_position = ceil(n_rka * 975 / 1000) then mean_score end)
            as index_p_high,
        count(case when is_in_rka_population then 1 end) as n_index_population
    from composite_population_ordered
    group by index_kpi_id, index_year, input_basis
),

composite_indices as (
    select
        population.index_kpi_id,
        population.municipality_id,
        population.index_year,
        population.input_basis,
        population.is_complete,
        population.is_in_rka_population,
        bounds.index_p_low,
        bounds.index_p_high,
        bounds.n_index_population,
        case when population.is_complete then population.mean_score end as mean_score,
        case when population.is_complete then {{ scale_between(
            'population.mean_score',
            'bounds.index_p_low',
            'bounds.index_p_high'
        ) }} end as recomputed_value
    from composite_population as population
    inner join composite_bounds as bounds
        on
            population.index_kpi_id = bounds.index_kpi_id
            and population.index_year = bounds.index_year
            and population.input_basis = bounds.input_basis
),

-- How much the index would rise if this component alone reached the best score (100).
composite_component_rows as (
    select
        scores.*,
        component_counts.n_components,
        indices.is_complete,
        indices.is_in_rka_population,
        indices.mean_score,
        indices.index_p_low,
        indices.index_p_high,
        indices.n_index_population,
        indices.recomputed_value,
        {{ scale_between(
            'indices.mean_score + (100 - scores.component_score) / component_counts.n_components',
            'indices.index_p_low',
            'indices.index_p_high'
        ) }} - indices.recomputed_value as index_gain_if_best
    from composite_component_scores as scores
    inner join component_counts
        on scores.index_kpi_id = component_counts.index_kpi_id
    inner join composite_indices as indices
        on
            scores.index_kpi_id = indices.index_kpi_id
            and scores.municipality_id = indices.municipality_id
            and scores.index_year = indices.index_year
            and scores.input_basis = indices.input_basis
),

all_component_rows as (
    select
        *,
        1 as index_level
    from base_component_rows
    union all by name
    select
        *,
        2 as index_level
    from composite_component_rows
),

final as (
    select
        * exclude (index_year),
        index_year as year  -- noqa: RF04
    from all_component_rows
    {%- if whatif %}
        where municipality_id = '{{ whatif.municipality_id }}' and index_year = {{ whatif.year | int }}
    {%- endif %}
)

select * from final
