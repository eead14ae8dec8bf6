-- Scaled component scores and recomputed indices are on the 0–100 scale.
select
    index_kpi_id,
    input_basis,
    municipality_id,
    year,  -- noqa: RF04
    component_id,
    component_score,
    recomputed_value
from {{ ref('fct_rka_index_components') }}
where
    component_score < 0
    or component_score > 100
    or recomputed_value < 0
    or recomputed_value > 100
    or (has_all_components and recomputed_value is null and index_p_high > index_p_low)
