-- Every snapshot is kept as changes: one row per version of a report, valid from the first
-- snapshot that delivered it to the last (empty while the latest snapshot still delivers it), so
-- a report's status as of any snapshot date stays answerable and the current versions speak for
-- the current state. No free text. Incremental by report (macros/incident_versions.sql).
{{ incident_versions_config() }}
with

int_incident_versions_joined_to_units as (
    select * from {{ ref('int_incident_versions_joined_to_units') }}
    where {{ incident_reports_to_rebuild_filter() }}
),

incident_versions as (
    select
        md5(concat_ws('|', municipality_id, cast(first_snapshot_date as varchar), incident_id)) as incident_version_key,
        municipality_id,
        incident_id,
        first_snapshot_date,
        last_snapshot_date,
        is_current,
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
        cast(year(report_date) as integer) as report_year,
        severity,
        status,
        closed_date,
        is_lex_sarah,
        is_lex_maria,
        is_deviation,
        closed_date is not null as is_closed,
        closed_date - report_date as days_to_close,
        source_file,
        source_line
    from int_incident_versions_joined_to_units
)

select * from incident_versions
