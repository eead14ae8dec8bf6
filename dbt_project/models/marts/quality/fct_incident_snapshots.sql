{{
    load_partitions_config(
        grain='snapshot_date',
        kinds=['avvikelser'],
        municipality_kinds=['organisation'],
        post_hooks=["{{ flag_latest_snapshots() }}"],
    )
}}
-- Every snapshot is kept, so a report's status as of any snapshot date stays answerable; the
-- latest snapshot of a municipality speaks for the current state. No free text. A new snapshot
-- writes only its own rows: flag_latest_snapshots then clears the flag of the snapshot it
-- supersedes, which is not rewritten for that.
with

int_incident_snapshots_joined_to_units as (
    select * from {{ ref('int_incident_snapshots_joined_to_units') }}
),

snapshots_to_build as (
    select * from int_incident_snapshots_joined_to_units
    where {{ load_partitions_filter() }}
),

latest_snapshots as (
    select
        municipality_id,
        max(snapshot_date) as latest_snapshot_date
    from int_incident_snapshots_joined_to_units
    group by municipality_id
),

incident_snapshots as (
    select
        md5(
            concat_ws('|', snapshots.municipality_id, cast(snapshots.snapshot_date as varchar), snapshots.incident_id)
        ) as incident_snapshot_key,
        snapshots.municipality_id,
        snapshots.snapshot_date,
        snapshots.snapshot_date = latest_snapshots.latest_snapshot_date as is_latest_snapshot,
        snapshots.incident_id,
        snapshots.report_type,
        snapshots.category,
        snapshots.legal_basis,
        snapshots.unit_key,
        snapshots.unit_id,
        snapshots.unit_name,
        snapshots.department,
        snapshots.area,
        snapshots.event_date,
        snapshots.report_date,
        strftime(snapshots.report_date, '%Y-%m') as report_period,
        snapshots.severity,
        snapshots.status,
        snapshots.closed_date,
        snapshots.is_lex_sarah,
        snapshots.is_lex_maria,
        snapshots.is_deviation,
        snapshots.is_closed,
        snapshots.snapshot_date - snapshots.report_date as days_since_report,
        snapshots.days_to_close,
        snapshots.is_new_older_than_30d,
        snapshots.is_not_closed_within_60d,
        snapshots.source_file,
        snapshots.source_line
    from snapshots_to_build as snapshots
    inner join latest_snapshots
        on snapshots.municipality_id = latest_snapshots.municipality_id
)

select * from incident_snapshots
