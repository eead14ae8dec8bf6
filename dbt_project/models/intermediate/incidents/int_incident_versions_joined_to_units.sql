-- One row per version of a report: a run of consecutive snapshots (in date order) that delivered
-- the report with the same content, so a year of monthly snapshots stores the changes rather than
-- twelve copies. The loader's spans are such runs wherever load order is date order; a line that
-- moved splits a span, so the spans of one version that follow each other are joined again.
-- Where a municipality's snapshots were loaded out of date order or one was delivered twice, its
-- runs are found from the delivered rows themselves. A report belongs to the unit as the
-- organisation stood on its report date. Incremental by report (macros/incident_versions.sql).
{{ incident_versions_config() }}
{#- What a version says about its report: every column but beskrivning, which no model reads. -#}
{%- set content_columns = [
    'report_type', 'category', 'legal_basis', 'unit_id', 'event_date', 'report_date', 'severity', 'status',
    'closed_date', 'is_lex_sarah', 'is_lex_maria',
] %}
with

stg_incidents__incident_versions as (
    select * from {{ ref('stg_incidents__incident_versions') }}
    where {{ incident_reports_to_rebuild_filter() }}
),

stg_incidents__version_spans as (
    select * from {{ ref('stg_incidents__version_spans') }}
),

int_incident_snapshots_ordered as (
    select * from {{ ref('int_incident_snapshots_ordered') }}
),

int_units_historized as (
    select * from {{ ref('int_units_historized') }}
),

visible_versions as (
    -- Stored versions also differ in beskrivning, which no model reads: versions equal on every
    -- other column are one version here, and the first stored stands for them.
    select
        *,
        min(version_id) over (
            partition by municipality_id, incident_id, {{ content_columns | join(', ') }}
        ) as visible_version_id
    from stg_incidents__incident_versions
),

spans_in_date_order as (
    select
        versions.municipality_id,
        versions.incident_id,
        versions.visible_version_id as version_id,
        spans.source_line,
        first_snapshots.snapshot_rank as first_rank,
        coalesce(last_snapshots.snapshot_rank, first_snapshots.latest_snapshot_rank) as last_rank
    from stg_incidents__version_spans as spans
    inner join visible_versions as versions
        on spans.version_id = versions.version_id
    inner join int_incident_snapshots_ordered as first_snapshots
        on
            versions.municipality_id = first_snapshots.municipality_id
            and spans.first_sequence = first_snapshots.snapshot_sequence
    left join int_incident_snapshots_ordered as last_snapshots
        on
            versions.municipality_id = last_snapshots.municipality_id
            and spans.last_sequence = last_snapshots.snapshot_sequence
    where first_snapshots.is_in_date_order
),

spans_marked_as_following as (
    select
        *,
        coalesce(
            first_rank = lag(last_rank) over (partition by version_id order by first_rank, source_line) + 1,
            false
        ) as follows_previous
    from spans_in_date_order
),

spans_numbered_into_runs as (
    select
        municipality_id,
        incident_id,
        version_id,
        source_line,
        first_rank,
        last_rank,
        -- A new run starts where a span does not begin right after the one before it ended.
        count(*) filter (where not follows_previous) over (
            partition by version_id order by first_rank, source_line rows unbounded preceding
        ) as run_number
    from spans_marked_as_following
),

runs_in_date_order as (
    select
        municipality_id,
        incident_id,
        version_id,
        arg_min(source_line, first_rank) as source_line,
        min(first_rank) as first_rank,
        max(last_rank) as last_rank
    from spans_numbered_into_runs
    group by municipality_id, incident_id, version_id, run_number
),

reordered_rows as (
    -- Every delivered row of the municipality, as the raw view gives them back, numbered by date.
    select
        versions.municipality_id,
        versions.incident_id,
        versions.visible_version_id as version_id,
        spans.source_line,
        snapshots.snapshot_rank
    from stg_incidents__version_spans as spans
    inner join visible_versions as versions
        on spans.version_id = versions.version_id
    inner join int_incident_snapshots_ordered as snapshots
        on
            versions.municipality_id = snapshots.municipality_id
            and spans.first_sequence <= snapshots.snapshot_sequence
            and (spans.last_sequence is null or spans.last_sequence >= snapshots.snapshot_sequence)
    where not snapshots.is_in_date_order
),

reordered_rows_numbered_into_runs as (
    -- Gaps and islands: a version delivered on consecutive snapshot dates is one run.
    select
        *,
        snapshot_rank - row_number() over (
            partition by version_id order by snapshot_rank, source_line
        ) as run_number
    from reordered_rows
),

reordered_runs as (
    select
        municipality_id,
        incident_id,
        version_id,
        arg_min(source_line, snapshot_rank) as source_line,
        min(snapshot_rank) as first_rank,
        max(snapshot_rank) as last_rank
    from reordered_rows_numbered_into_runs
    group by municipality_id, incident_id, version_id, run_number
),

all_runs as (
    select * from runs_in_date_order
    union all
    select * from reordered_runs
),

snapshots_by_rank as (
    -- A date delivered twice has two loads; the later one speaks for it.
    select
        municipality_id,
        snapshot_rank,
        any_value(snapshot_date) as snapshot_date,
        any_value(latest_snapshot_rank) as latest_snapshot_rank,
        arg_max(source_file, snapshot_sequence) as source_file
    from int_incident_snapshots_ordered
    group by municipality_id, snapshot_rank
),

runs_with_dates as (
    select
        versions.municipality_id,
        versions.incident_id,
        all_runs.version_id,
        first_dates.snapshot_date as first_snapshot_date,
        case when all_runs.last_rank < last_dates.latest_snapshot_rank then last_dates.snapshot_date end
            as last_snapshot_date,
        all_runs.last_rank = last_dates.latest_snapshot_rank as is_current,
        versions.report_type,
        versions.category,
        versions.legal_basis,
        versions.unit_id,
        versions.event_date,
        versions.report_date,
        versions.severity,
        versions.status,
        versions.closed_date,
        versions.is_lex_sarah,
        versions.is_lex_maria,
        first_dates.source_file,
        all_runs.source_line
    from all_runs
    inner join stg_incidents__incident_versions as versions
        on all_runs.version_id = versions.version_id
    inner join snapshots_by_rank as first_dates
        on
            all_runs.municipality_id = first_dates.municipality_id
            and all_runs.first_rank = first_dates.snapshot_rank
    inner join snapshots_by_rank as last_dates
        on
            all_runs.municipality_id = last_dates.municipality_id
            and all_runs.last_rank = last_dates.snapshot_rank
),

unit_versions as (
    {{ unit_version_on('runs_with_dates', 'int_units_historized', 'report_date') }}
),

versions_with_units as (
    select
        runs.municipality_id,
        runs.incident_id,
        runs.version_id,
        runs.first_snapshot_date,
        runs.last_snapshot_date,
        runs.is_current,
        runs.report_type,
        runs.category,
        runs.legal_basis,
        runs.unit_id,
        unit_versions.unit_key,
        unit_versions.unit_name,
        unit_versions.department,
        unit_versions.area,
        runs.event_date,
        runs.report_date,
        runs.severity,
        runs.status,
        runs.closed_date,
        runs.is_lex_sarah,
        runs.is_lex_maria,
        runs.report_type = 'Avvikelse' as is_deviation,
        runs.source_file,
        runs.source_line
    from runs_with_dates as runs
    left join unit_versions
        on
            runs.municipality_id = unit_versions.municipality_id
            and runs.unit_id = unit_versions.unit_id
            and runs.report_date = unit_versions.report_date
)

select * from versions_with_units
