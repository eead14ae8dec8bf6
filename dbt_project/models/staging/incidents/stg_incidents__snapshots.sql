with

source_snapshots as (
    select * from {{ source('raw', 'avvikelser_snapshots') }}
),

renamed as (
    select
        kommunkod as municipality_id,
        sequence as snapshot_sequence,
        uttagsdatum as snapshot_date,
        _source_file as source_file,
        _load_id as load_id
    from source_snapshots
)

select * from renamed
