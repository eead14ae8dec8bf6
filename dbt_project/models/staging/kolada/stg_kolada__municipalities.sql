with

source_rows as (
    select * from {{ source('raw', 'kolada_municipalities') }}
),

latest_snapshot as (
    select max(_snapshot_id) as snapshot_id from source_rows
),

renamed as (
    select
        source_rows.id as municipality_id,
        source_rows.title as municipality_name,
        source_rows.type as kolada_type,
        source_rows._snapshot_id as snapshot_id,
        source_rows._snapshot_date as snapshot_date
    from source_rows
    inner join latest_snapshot
        on source_rows._snapshot_id = latest_snapshot.snapshot_id
)

select * from renamed
