with

source_spans as (
    select * from {{ source('raw', 'avvikelser_version_spans') }}
),

renamed as (
    select
        version_id,
        _source_line as source_line,
        first_sequence,
        last_sequence
    from source_spans
)

select * from renamed
