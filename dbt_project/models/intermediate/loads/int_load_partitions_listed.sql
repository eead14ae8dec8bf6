-- Which partitions each load delivered rows to: incremental models recompute the months,
-- snapshot dates and municipalities of the loads newer than the ones they already hold. A
-- corrected re-delivery replaces rows under a new load, so its months show up here again.
-- Load ids only grow, so each build appends the loads it has not listed yet; a superseded
-- load's entries stay, which is harmless because they are older than every watermark.
{{ config(materialized='incremental', incremental_strategy='append') }}
{%- set newest_listed_load_id = newest_listed_load_id() %}
with

stg_hr__employment_months as (
    select * from {{ ref('stg_hr__employment_months') }}
    where load_id > {{ newest_listed_load_id }}
),

stg_hr__employment_endings as (
    select * from {{ ref('stg_hr__employment_endings') }}
    where load_id > {{ newest_listed_load_id }}
),

stg_economy__ledger_entries as (
    select * from {{ ref('stg_economy__ledger_entries') }}
    where load_id > {{ newest_listed_load_id }}
),

stg_economy__units as (
    select * from {{ ref('stg_economy__units') }}
    where load_id > {{ newest_listed_load_id }}
),

stg_incidents__snapshots as (
    select * from {{ ref('stg_incidents__snapshots') }}
    where load_id > {{ newest_listed_load_id }}
),

loaded_partitions as (
    select distinct
        load_id,
        'personal_manad' as source_kind,
        municipality_id,
        period,
        cast(null as date) as snapshot_date
    from stg_hr__employment_months
    union all
    select distinct
        load_id,
        'ekonomi_huvudbok' as source_kind,
        municipality_id,
        period,
        cast(null as date) as snapshot_date
    from stg_economy__ledger_entries
    union all
    select distinct
        load_id,
        'avvikelser' as source_kind,
        municipality_id,
        cast(null as varchar) as period,
        snapshot_date
    from stg_incidents__snapshots
    union all
    select distinct
        load_id,
        'organisation' as source_kind,
        municipality_id,
        cast(null as varchar) as period,
        cast(null as date) as snapshot_date
    from stg_economy__units
    union all
    select distinct
        load_id,
        'personal_avgang' as source_kind,
        municipality_id,
        cast(null as varchar) as period,
        cast(null as date) as snapshot_date
    from stg_hr__employment_endings
),

partitions_with_year as (
    select
        load_id,
        source_kind,
        municipality_id,
        period,
        snapshot_date,
        coalesce(cast(left(period, 4) as integer), year(snapshot_date)) as year
    from loaded_partitions
)

select * from partitions_with_year
