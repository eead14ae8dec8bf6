-- The delivered avvikelser snapshots, one row per municipality and snapshot date. A version of
-- fct_incident_versions is in every snapshot from its first to its last date, so the reports of a
-- snapshot are counted from where versions start and end rather than by expanding them.
with

int_incident_snapshots_ordered as (
    select * from {{ ref('int_incident_snapshots_ordered') }}
),

int_incident_versions_joined_to_units as (
    select * from {{ ref('int_incident_versions_joined_to_units') }}
),

snapshot_dates as (
    -- A date delivered twice has two loads; the later one speaks for it.
    select
        municipality_id,
        snapshot_date,
        any_value(is_latest_snapshot) as is_latest_snapshot,
        arg_max(source_file, snapshot_sequence) as source_file
    from int_incident_snapshots_ordered
    group by municipality_id, snapshot_date
),

versions_started as (
    select
        municipality_id,
        first_snapshot_date as snapshot_date,
        count(*) as n_versions_started
    from int_incident_versions_joined_to_units
    group by municipality_id, first_snapshot_date
),

versions_ended as (
    select
        municipality_id,
        last_snapshot_date as snapshot_date,
        count(*) as n_versions_ended
    from int_incident_versions_joined_to_units
    where last_snapshot_date is not null
    group by municipality_id, last_snapshot_date
),

snapshot_changes as (
    select
        snapshot_dates.municipality_id,
        snapshot_dates.snapshot_date,
        snapshot_dates.is_latest_snapshot,
        snapshot_dates.source_file,
        coalesce(versions_started.n_versions_started, 0) as n_versions_started,
        coalesce(versions_ended.n_versions_ended, 0) as n_versions_ended
    from snapshot_dates
    left join versions_started
        on
            snapshot_dates.municipality_id = versions_started.municipality_id
            and snapshot_dates.snapshot_date = versions_started.snapshot_date
    left join versions_ended
        on
            snapshot_dates.municipality_id = versions_ended.municipality_id
            and snapshot_dates.snapshot_date = versions_ended.snapshot_date
),

incident_snapshots as (
    select
        md5(concat_ws('|', municipality_id, cast(snapshot_date as varchar))) as incident_snapshot_key,
        municipality_id,
        snapshot_date,
        is_latest_snapshot,
        -- Versions ending at this snapshot are still in it: they are gone from the next one.
        cast(
            sum(n_versions_started) over snapshots_so_far
            - sum(n_versions_ended) over snapshots_so_far
            + n_versions_ended
            as bigint
        ) as n_reports,
        cast(n_versions_started as bigint) as n_new_or_changed_reports,
        source_file
    from snapshot_changes
    window snapshots_so_far as (
        partition by municipality_id order by snapshot_date rows unbounded preceding
    )
)

select * from incident_snapshots
