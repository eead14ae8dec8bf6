with

rka_indices as (
    select * from {{ ref('int_rka_indices_computed') }}
),

components as (
    select
        cast(index_kpi_id as varchar) as index_kpi_id,
        cast(input_basis as varchar) as input_basis,
        cast(municipality_id as varchar) as municipality_id,
        cast(year as integer) as year,  -- noqa: RF04
        cast(component_id as varchar) as component_id,
        cast(index_level as integer) as index_level,
        cast(source_kpi_ids as varchar) as source_kpi_ids,
        cast(source_year as integer) as source_year,
        cast(is_fallback as boolean) as is_fallback,
        cast(lower_is_better as boolean) as lower_is_better,
        cast(component_value as double) as component_value,
        cast(n_component_values as integer) as n_component_values,
        cast(component_p_low as double) as component_p_low,
        cast(component_p_high as double) as component_p_high,
        cast(component_score as double) as component_score,
        cast(n_components as integer) as n_components,
        cast(is_complete as boolean) as has_all_components,
        cast(mean_score as double) as mean_score,
        cast(index_p_low as double) as index_p_low,
        cast(index_p_high as double) as index_p_high,
        cast(recomputed_value as double) as recomputed_value,
        cast(index_gain_if_best as double) as index_gain_if_best
    from rka_indices
)

select * from components
