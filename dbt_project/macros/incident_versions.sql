{#- The incident version models (int_incident_versions_joined_to_units, fct_incident_versions) are
    incremental by report: a build after new loads recomputes every version of the reports these
    loads can have changed, and replaces those reports' rows (delete+insert on municipality_id,
    incident_id). A new snapshot in date order starts spans (new or changed reports, a report on
    another line) and ends the open spans it no longer repeats; every other version keeps its row,
    since an open span's row does not depend on how many snapshots have followed. A municipality
    whose snapshots are not in date order (int_incident_snapshots_ordered) is recomputed whole when
    it gets a new snapshot, and so is one with a new unit register, which can move any report to
    another unit version.
-#}

{% macro incident_versions_config() -%}
    {%- do config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['municipality_id', 'incident_id'],
        on_schema_change='fail',
        post_hook=["{{ record_load_watermark() }}"],
    ) -%}
    {#- Read only on incremental runs; taken here so the dependencies hold from the first build on. -#}
    {%- do ref('int_load_partitions_listed') -%}
    {%- do ref('int_incident_snapshots_ordered') -%}
    {%- do ref('stg_incidents__version_spans') -%}
    {%- do ref('stg_incidents__incident_versions') -%}
{%- endmacro %}


{% macro incident_reports_to_rebuild_filter() -%}
    {#- True for the rows of the reports to recompute; plain true on a full build. -#}
    {%- if not execute or this is none or not is_incremental() -%}
        true
    {%- else -%}
        {%- set watermark = load_watermark() -%}
        (municipality_id, incident_id) in (
            with new_snapshots as (
                select municipality_id, snapshot_sequence, is_in_date_order
                from {{ ref('int_incident_snapshots_ordered') }}
                where load_id > {{ watermark }}
            ),

            rebuilt_municipalities as (
                select municipality_id from {{ ref('int_load_partitions_listed') }}
                where load_id > {{ watermark }} and source_kind = 'organisation'
                union
                select municipality_id from new_snapshots where not is_in_date_order
            ),

            changed_versions as (
                -- Joined on the municipality alone (one new snapshot each, as a rule), then filtered:
                -- an "or" between two join keys would compare every span with every new snapshot.
                select versions.municipality_id, versions.incident_id
                from {{ ref('stg_incidents__version_spans') }} as spans
                inner join {{ ref('stg_incidents__incident_versions') }} as versions
                    on spans.version_id = versions.version_id
                inner join new_snapshots
                    on versions.municipality_id = new_snapshots.municipality_id
                where
                    spans.first_sequence = new_snapshots.snapshot_sequence
                    or spans.last_sequence + 1 = new_snapshots.snapshot_sequence
            )

            select municipality_id, incident_id from changed_versions
            union
            select versions.municipality_id, versions.incident_id
            from {{ ref('stg_incidents__incident_versions') }} as versions
            semi join rebuilt_municipalities
                on versions.municipality_id = rebuilt_municipalities.municipality_id
        )
    {%- endif -%}
{%- endmacro %}
