-- beskrivning is deliberately not selected: free text never travels past raw.
with

source_versions as (
    select * from {{ source('raw', 'avvikelser_versions') }}
),

renamed as (
    select
        version_id,
        kommunkod as municipality_id,
        avvikelse_id as incident_id,
        rapporttyp as report_type,
        kategori as category,
        lagrum as legal_basis,
        enhet_id as unit_id,
        handelsedatum as event_date,
        rapportdatum as report_date,
        allvarlighetsgrad as severity,
        status,
        avslutsdatum as closed_date,
        lex_sarah as is_lex_sarah,
        lex_maria as is_lex_maria
    from source_versions
)

select * from renamed
