-- Every krona in the raw ledger reaches fct_ledger_months: per municipality and month, the mart's
-- totals (turned back into the ledger's sign) equal the raw totals, row counts included.
with

raw_ledger as (
    select * from {{ source('raw', 'ekonomi_huvudbok') }}
),

fct_ledger_months as (
    select * from {{ ref('fct_ledger_months') }}
),

raw_totals as (
    select
        kommunkod as municipality_id,
        period,
        coalesce(sum(utfall), 0) as actual_sek,
        coalesce(sum(budget), 0) as budget_sek,
        count(*) as n_rows
    from raw_ledger
    group by kommunkod, period
),

mart_totals as (
    select
        municipality_id,
        period,
        -coalesce(sum(actual_sek), 0) as actual_sek,
        -coalesce(sum(budget_sek), 0) as budget_sek,
        sum(n_ledger_rows) as n_rows
    from fct_ledger_months
    group by municipality_id, period
),

compared as (
    select
        coalesce(raw_totals.municipality_id, mart_totals.municipality_id) as municipality_id,
        coalesce(raw_totals.period, mart_totals.period) as period,
        raw_totals.actual_sek as raw_actual_sek,
        mart_totals.actual_sek as mart_actual_sek,
        raw_totals.budget_sek as raw_budget_sek,
        mart_totals.budget_sek as mart_budget_sek,
        raw_totals.n_rows as raw_rows,
        mart_totals.n_rows as mart_rows
    from raw_totals
    full outer join mart_totals
        on
            raw_totals.municipality_id = mart_totals.municipality_id
            and raw_totals.period = mart_totals.period
)

select *
from compared
where
    raw_rows is distinct from mart_rows
    or abs(coalesce(raw_actual_sek, 0) - coalesce(mart_actual_sek, 0)) > 0.005
    or abs(coalesce(raw_budget_sek, 0) - coalesce(mart_budget_sek, 0)) > 0.005
