-- The delivered snapshots of each municipality in date order. The loader numbers snapshots in load
-- order and a version span covers a run of those numbers; where load order and date order agree
-- (every snapshot a later date than the one before, none delivered twice) a span is also a run of
-- consecutive snapshot dates, and int_incident_versions_joined_to_units reads it as it is.
with

stg_incidents__snapshots as (
    select * from {{ ref('stg_incidents__snapshots') }}
),

ranked_snapshots as (
    select
        municipality_id,
        snapshot_sequence,
        snapshot_date,
        source_file,
        load_id,
        dense_rank() over (partition by municipality_id order by snapshot_date) as snapshot_rank,
        row_number() over (partition by municipality_id order by snapshot_sequence) as sequence_rank
    from stg_incidents__snapshots
),

snapshots_with_order as (
    select
        municipality_id,
        snapshot_sequence,
        snapshot_date,
        source_file,
        load_id,
        snapshot_rank,
        max(snapshot_rank) over (partition by municipality_id) as latest_snapshot_rank,
        snapshot_rank = max(snapshot_rank) over (partition by municipality_id) as is_latest_snapshot,
        -- Equal ranks throughout also rule out a date delivered twice, which dense_rank ranks once.
        bool_and(snapshot_rank = sequence_rank) over (partition by municipality_id) as is_in_date_order
    from ranked_snapshots
)

select * from snapshots_with_order
