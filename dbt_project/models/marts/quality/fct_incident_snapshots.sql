{{
    load_partitions_config(
        grain='year', column='year(snapshot_date)', kinds=['avvikelser'], municipality_kinds=['organisation']
    )
}}
-- Every snapshot is kept, so a report's status as of any snapshot date stays answerable; the
-- latest snapshot of a municipality speaks for the current state. No free text.
with

int_incident_snapshots_joined_to_units as (
    select * from {{ ref('int_incident_snapshots_joined_to_units') }}
    where {{ load_partitions_filter() }}
),

incident_snapshots as (
    select
        md5(concat_ws('|', municipality_id, cast(snapshot_date as varchar), incident_id)) as incident_snapshot_key,
        municipality_id,
        snapshot_date,
        snapshot_date = max(snapshot_date) over (partition by municipality_id) as is_latest_snapshot,
        incident_id,
        report_type,
        category,
        legal_basis,
        unit_key,
        unit_id,
        unit_name,
        department,
        area,
        event_date,
        report_date,
        strftime(report_date, '%Y-%m') as report_period,
        severity,
        status,
        closed_date,
        is_lex_sarah,
        is_lex_maria,
        is_deviation,
        is_closed,
        snapshot_date - report_date as days_since_report,
        days_to_close,
        is_new_older_than_30d,
        is_not_closed_within_60d,
        source_file,
        source_line
    from int_incident_snapshots_joined_to_units
)

select * from incident_snapshots
