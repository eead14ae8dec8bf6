{{ load_partitions_config(grain='snapshot_date', kinds=['avvikelser'], municipality_kinds=['organisation']) }}
-- A report belongs to the unit as the organisation stood on its report date. The follow-up
-- flags are evaluated as of the row's own snapshot date, so every snapshot answers "what did
-- we know then".
with

stg_incidents__incident_snapshots as (
    select * from {{ ref('stg_incidents__incident_snapshots') }}
    where {{ load_partitions_filter() }}
),

int_units_historized as (
    select * from {{ ref('int_units_historized') }}
),

unit_versions as (
    {{ unit_version_on('stg_incidents__incident_snapshots', 'int_units_historized', 'report_date') }}
),

facts_with_units as (
    select
        snapshots.municipality_id,
        snapshots.snapshot_date,
        snapshots.incident_id,
        snapshots.report_type,
        snapshots.category,
        snapshots.legal_basis,
        snapshots.unit_id,
        unit_versions.unit_key,
        unit_versions.unit_name,
        unit_versions.department,
        unit_versions.area,
        snapshots.event_date,
        snapshots.report_date,
        snapshots.severity,
        snapshots.status,
        snapshots.closed_date,
        snapshots.is_lex_sarah,
        snapshots.is_lex_maria,
        snapshots.source_file,
        snapshots.source_line,
        snapshots.load_id
    from stg_incidents__incident_snapshots as snapshots
    left join unit_versions
        on
            snapshots.municipality_id = unit_versions.municipality_id
            and snapshots.unit_id = unit_versions.unit_id
            and snapshots.report_date = unit_versions.report_date
),

snapshot_versions as (
    select
        municipality_id,
        snapshot_date,
        incident_id,
        report_type,
        category,
        legal_basis,
        unit_id,
        unit_key,
        unit_name,
        department,
        area,
        event_date,
        report_date,
        severity,
        status,
        closed_date,
        is_lex_sarah,
        is_lex_maria,
        report_type = 'Avvikelse' as is_deviation,
        closed_date is not null and closed_date <= snapshot_date as is_closed,
        status = 'Ny' and report_date <= snapshot_date - 30 as is_new_older_than_30d,
        coalesce(
            closed_date - report_date > 60
            or (
                (closed_date is null or closed_date > snapshot_date)
                and report_date <= snapshot_date - 60
            ),
            false
        ) as is_not_closed_within_60d,
        case
            when closed_date <= snapshot_date then closed_date - report_date
        end as days_to_close,
        source_file,
        source_line,
        load_id
    from facts_with_units
)

select * from snapshot_versions
