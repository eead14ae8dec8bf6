-- One value per KPI, municipality, year and gender in a snapshot; a duplicate would double-count in every mean.
select
    kpi_id,
    municipality_id,
    year,
    gender,
    count(*) as n_rows
from {{ ref('stg_kolada__values') }}
group by kpi_id, municipality_id, year, gender
having count(*) > 1
