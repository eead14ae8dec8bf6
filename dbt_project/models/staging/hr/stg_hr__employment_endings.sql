with

source_rows as (
    select * from {{ source('raw', 'personal_avgang') }}
),

renamed as (
    select
        kommunkod as municipality_id,
        anstallnings_id as employment_id,
        person_hash,
        anstallningsform as employment_form,
        enhet_id as unit_id,
        yrkesgrupp as occupation_group,
        slutdatum as end_date,
        avgangsorsak as leaving_reason,
        _source_file as source_file,
        _source_line as source_line,
        _load_id as load_id
    from source_rows
)

select * from renamed
