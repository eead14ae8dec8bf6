-- A snapshot delivers each report once: two versions of one report never share a snapshot date.
-- Their keys differ whenever their first dates differ, so the unique key alone would not see it.
with

fct_incident_versions as (
    select * from {{ ref('fct_incident_versions') }}
),

versions_with_previous_end as (
    select
        municipality_id,
        incident_id,
        first_snapshot_date,
        lag(coalesce(last_snapshot_date, date '9999-12-31')) over (
            partition by municipality_id, incident_id order by first_snapshot_date
        ) as previous_last_snapshot_date
    from fct_incident_versions
)

select
    municipality_id,
    incident_id,
    first_snapshot_date,
    previous_last_snapshot_date
from versions_with_previous_end
where previous_last_snapshot_date >= first_snapshot_date
