-- Nothing is silently dropped: every clean raw row of each kind is counted in its fact, every
-- file's rows_read = rows_loaded + rows_quarantined, and the quarantine holds exactly the rows
-- the load log says it does. Returns one row per broken check.
with

load_log as (
    select * from {{ source('raw', 'load_log') }}
),

quarantine as (
    select * from {{ source('raw', 'quarantine') }}
),

fct_employment_months as (
    select * from {{ ref('fct_employment_months') }}
),

fct_personnel_yearly as (
    select * from {{ ref('fct_personnel_yearly') }}
),

fct_ledger_months as (
    select * from {{ ref('fct_ledger_months') }}
),

dim_incident_snapshots as (
    select * from {{ ref('dim_incident_snapshots') }}
),

dim_unit as (
    select * from {{ ref('dim_unit') }}
),

row_counts as (
    select
        'personal_manad' as source_kind,
        (select count(*) from {{ source('raw', 'personal_manad') }}) as raw_rows,
        (select count(*) from fct_employment_months) as fact_rows
    union all
    select
        'personal_avgang' as source_kind,
        (select count(*) from {{ source('raw', 'personal_avgang') }}) as raw_rows,
        (
            select coalesce(sum(fct_personnel_yearly.endings_all_forms), 0)
            from fct_personnel_yearly
            where fct_personnel_yearly.level = 'kommun' and fct_personnel_yearly.is_all_occupation_groups
        ) as fact_rows
    union all
    select
        'ekonomi_huvudbok' as source_kind,
        (select count(*) from {{ source('raw', 'ekonomi_huvudbok') }}) as raw_rows,
        (select coalesce(sum(fct_ledger_months.n_ledger_rows), 0) from fct_ledger_months) as fact_rows
    union all
    select
        'organisation' as source_kind,
        (select count(*) from {{ source('raw', 'organisation') }}) as raw_rows,
        (select count(*) from dim_unit) as fact_rows
    union all
    select
        'avvikelser' as source_kind,
        (select count(*) from {{ source('raw', 'avvikelser') }}) as raw_rows,
        (select coalesce(sum(dim_incident_snapshots.n_reports), 0) from dim_incident_snapshots) as fact_rows
),

facts_missing_rows as (
    select
        source_kind,
        'rader i rådata saknas i faktatabellen eller är dubblerade: '
        || raw_rows || ' i rådata, ' || fact_rows || ' i faktatabellen' as problem
    from row_counts
    where raw_rows != fact_rows
),

unbalanced_files as (
    select
        source_kind,
        'filen ' || file_name || ': lästa rader ' || rows_read || ' ≠ inlästa ' || rows_loaded
        || ' + karantän ' || rows_quarantined as problem
    from load_log
    where rows_read != rows_loaded + rows_quarantined
),

quarantined_per_load as (
    select
        load_id,
        count(*) as quarantined_rows
    from quarantine
    group by load_id
),

quarantine_mismatches as (
    select
        load_log.source_kind,
        'filen ' || load_log.file_name || ': load_log anger ' || load_log.rows_quarantined
        || ' rader i karantän men karantänen har ' || coalesce(quarantined_per_load.quarantined_rows, 0) as problem
    from load_log
    left join quarantined_per_load
        on load_log.load_id = quarantined_per_load.load_id
    where load_log.rows_quarantined != coalesce(quarantined_per_load.quarantined_rows, 0)
)

select * from facts_missing_rows
union all
select * from unbalanced_files
union all
select * from quarantine_mismatches
