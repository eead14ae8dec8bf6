with

source_rows as (
    select * from {{ source('raw', 'kolada_municipality_groups') }}
),

-- Group members change when RKA recomputes its groups, so only the latest load counts.
latest_snapshot as (
    select max(_snapshot_id) as snapshot_id from source_rows
),

renamed as (
    select
        source_rows.id as group_id,
        source_rows.title as group_title,
        source_rows.member_id,
        source_rows.member_title as member_name,
        source_rows._snapshot_id as snapshot_id,
        source_rows._snapshot_date as snapshot_date
    from source_rows
    inner join latest_snapshot
        on source_rows._snapshot_id = latest_snapshot.snapshot_id
)

select * from renamed
