with

source_rows as (
    select * from {{ source('raw', 'kolada_values') }}
),

-- Every Kolada load is kept as a snapshot; the marts describe the latest one.
latest_snapshot as (
    select max(_snapshot_id) as snapshot_id from source_rows
),

renamed as (
    select
        source_rows.kpi as kpi_id,
        source_rows.municipality as municipality_id,
        cast(source_rows.period as integer) as year,  -- noqa: RF04
        source_rows.gender,
        cast(source_rows.value as double) as value,  -- noqa: RF04
        source_rows.count as member_count,
        source_rows.status,
        coalesce(source_rows.isdeleted, false) as is_deleted,
        source_rows._snapshot_id as snapshot_id,
        source_rows._snapshot_date as snapshot_date,
        source_rows._source_file as source_file
    from source_rows
    inner join latest_snapshot
        on source_rows._snapshot_id = latest_snapshot.snapshot_id
)

select * from renamed
