with

source_rows as (
    select * from {{ source('raw', 'ekonomi_huvudbok') }}
),

renamed as (
    select
        kommunkod as municipality_id,
        period,
        cast(period || '-01' as date) as month_start,
        ansvar as unit_id,
        verksamhet as activity_code,
        konto as account_code,
        try_cast(konto as integer) as account_number,
        utfall as ledger_actual_sek,
        budget as ledger_budget_sek,
        _source_file as source_file,
        _source_line as source_line,
        _load_id as load_id
    from source_rows
)

select * from renamed
