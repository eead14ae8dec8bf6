-- beskrivning is deliberately not selected: free text never travels past raw.
with

source_rows as (
    select * from {{ source('raw', 'avvikelser') }}
),

renamed as (
    select
        kommunkod as municipality_id,
        uttagsdatum as snapshot_date,
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
        lex_maria as is_lex_maria,
        _source_file as source_file,
        _source_line as source_line,
        _load_id as load_id
    from source_rows
)

select * from renamed
