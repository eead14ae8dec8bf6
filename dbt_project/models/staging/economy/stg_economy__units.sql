with

source_rows as (
    select * from {{ source('raw', 'organisation') }}
),

renamed as (
    select
        kommunkod as municipality_id,
        enhet_id as unit_id,
        enhet_namn as unit_name,
        avdelning as department,
        verksamhetsomrade as area,
        giltig_from as valid_from,
        giltig_tom as valid_to,
        _source_file as source_file,
        _source_line as source_line,
        _load_id as load_id
    from source_rows
)

select * from renamed
