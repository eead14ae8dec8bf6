-- Where both exist, the Kolada value must be the outcome the board reported (reports round to whole numbers).
select
    indicator_id,
    year,  -- noqa: RF04
    kolada_value,
    reported_outcome
from {{ ref('fct_goal_indicators') }}
where kolada_value is not null and reported_outcome is not null and round(kolada_value) != reported_outcome
