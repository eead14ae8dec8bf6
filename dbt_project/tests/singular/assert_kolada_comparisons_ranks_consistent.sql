-- Ranks lie within the ranked count, every ranked value has a traffic light, and Riket is never ranked.
select
    kpi_id,
    municipality_id,
    year,  -- noqa: RF04
    gender,
    rank_among_municipalities,
    n_ranked,
    traffic_light
from {{ ref('fct_kolada_comparisons') }}
where
    rank_among_municipalities > n_ranked
    or (rank_among_municipalities is null) != (traffic_light is null)
    or (is_riket and rank_among_municipalities is not null)
    or (value is null and rank_among_municipalities is not null)
    or percentile < 0
    or percentile > 100
