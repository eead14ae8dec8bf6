-- The recomputed goal assessment must reproduce the one the board published.
select
    goal_id,
    year,  -- noqa: RF04
    assessment,
    published_assessment
from {{ ref('fct_goal_assessments') }}
where published_assessment is not null and assessment is distinct from published_assessment
