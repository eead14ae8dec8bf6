{{ load_partitions_config(grain='period', kinds=['ekonomi_huvudbok'], municipality_kinds=['organisation']) }}
-- Ledger rows with their report line and the organisation valid in their month, turned into
-- the reports' sign convention: revenue positive, costs negative (the ledger books costs as
-- debit, positive).
with

-- Read twice (its distinct unit keys, then its rows): DuckDB would otherwise materialise the
-- CTE, at national scale 7 M wide rows spilled to disk, which costs more than scanning twice.
stg_economy__ledger_entries as not materialized (
    select * from {{ ref('stg_economy__ledger_entries') }}
    where {{ load_partitions_filter() }}
),

int_ledger_accounts_mapped as (
    select * from {{ ref('int_ledger_accounts_mapped') }}
),

int_units_historized as (
    select * from {{ ref('int_units_historized') }}
),

unit_versions as (
    {{ unit_version_on('stg_economy__ledger_entries', 'int_units_historized', 'month_start', whole_month=true) }}
),

facts_with_units as (
    select
        ledger.municipality_id,
        ledger.period,
        ledger.month_start,
        ledger.unit_id,
        unit_versions.unit_key,
        unit_versions.unit_name,
        unit_versions.department,
        unit_versions.area,
        ledger.activity_code,
        ledger.account_code,
        mapped_accounts.report_line,
        mapped_accounts.line_kind,
        -ledger.ledger_actual_sek as actual_sek,
        -ledger.ledger_budget_sek as budget_sek,
        ledger.source_file,
        ledger.source_line,
        ledger.load_id
    from stg_economy__ledger_entries as ledger
    left join int_ledger_accounts_mapped as mapped_accounts
        on
            ledger.municipality_id = mapped_accounts.municipality_id
            and ledger.account_code = mapped_accounts.account_code
    left join unit_versions
        on
            ledger.municipality_id = unit_versions.municipality_id
            and ledger.unit_id = unit_versions.unit_id
            and ledger.month_start = unit_versions.month_start
),

entry_versions as (
    select
        municipality_id,
        period,
        month_start,
        unit_id,
        unit_key,
        unit_name,
        department,
        area,
        activity_code,
        account_code,
        report_line,
        line_kind,
        actual_sek,
        budget_sek,
        source_file,
        source_line,
        load_id
    from facts_with_units
)

select * from entry_versions
