{#- Incremental builds by load partition.

    A model configured with load_partitions_config(grain, kinds, municipality_kinds,
    column) (incremental strategy 'load_partitions', the settings in meta) keeps, in
    transform_state.load_watermarks, the newest load it has taken in. On an
    incremental run it recomputes only the partitions (municipality_id, grain) that
    loads newer than that watermark delivered rows to (int_load_partitions_listed):
    those partitions are deleted and inserted again in one transaction. A load of a
    municipality_kinds source (the unit register, leavers) recomputes the whole
    municipality. Changed seeds or SQL are not seen here: the orchestration runs a
    full refresh whenever the project itself changed.

    grain: period (YYYY-MM), year or snapshot_date, as in int_load_partitions_listed.
    column: the model's column holding the grain (defaults to the grain's name).
    kinds: sources whose rows are partitioned by the grain. For the year grain,
    avvikelser is special: which snapshot a period is read from depends on every later
    snapshot, so a new snapshot recomputes the years from the one before it onwards.
-#}

{% macro load_partitions_config(grain, kinds, municipality_kinds=[], column=none) -%}
    {#- The configuration every load-partitioned model shares; the model names only what differs. -#}
    {%- set settings = {'grain': grain, 'kinds': kinds, 'municipality_kinds': municipality_kinds} -%}
    {%- if column is not none -%}
        {%- do settings.update({'column': column}) -%}
    {%- endif -%}
    {%- do config(
        materialized='incremental',
        incremental_strategy='load_partitions',
        on_schema_change='fail',
        meta={'load_partitions': settings},
        post_hook="{{ record_load_watermark() }}",
    ) -%}
    {#- load_partitions_filter refs the load list only on incremental runs; taken here as well so
        that every such model depends on it from the first (full) build on. -#}
    {%- do ref('int_load_partitions_listed') -%}
{%- endmacro %}


{% macro watermarks_relation() -%}
    {{- return(api.Relation.create(database=target.database, schema='transform_state', identifier='load_watermarks')) -}}
{%- endmacro %}


{% macro create_watermarks_table() -%}
    create schema if not exists transform_state;
    create table if not exists {{ watermarks_relation() }} (
        model_name varchar not null,
        max_load_id bigint not null,
        recorded_at timestamp not null
    )
{%- endmacro %}


{% macro load_watermark() -%}
    {#- -1 when the model holds nothing we know of: every partition is recomputed. -#}
    {%- if not execute -%}
        {{- return(-1) -}}
    {%- endif -%}
    {%- set query -%}
        select max(max_load_id) from {{ watermarks_relation() }} where model_name = '{{ this.identifier }}'
    {%- endset -%}
    {%- set watermark = run_query(query).columns[0].values()[0] -%}
    {{- return(-1 if watermark is none else watermark) -}}
{%- endmacro %}


{% macro load_partitions_filter(column=none, municipality_column='municipality_id') -%}
    {#- True for the rows of the partitions to recompute; plain true on a full build, while parsing
        and in unit tests, which have no relation of their own. -#}
    {%- if not execute or this is none or not is_incremental() -%}
        true
    {%- else -%}
        {%- set settings = config.get('meta')['load_partitions'] -%}
        {%- set grain = settings['grain'] -%}
        {%- set column = column or settings.get('column', grain) -%}
        {%- set watermark = load_watermark() -%}
        {%- set listed = ref('int_load_partitions_listed') -%}
        {%- set with_snapshot_rule = grain == 'year' and 'avvikelser' in settings['kinds'] -%}
        {%- set row_kinds = settings['kinds'] | reject('equalto', 'avvikelser') | list if with_snapshot_rule else settings['kinds'] -%}
        {%- set municipality_kinds = settings.get('municipality_kinds', []) -%}
        (
            false
            {%- if row_kinds %}
                or ({{ municipality_column }}, {{ column }}) in (
                    select municipality_id, {{ grain }} from {{ listed }}
                    where load_id > {{ watermark }} and source_kind in ('{{ row_kinds | join("', '") }}')
                )
            {%- endif %}
            {%- if municipality_kinds %}
                or {{ municipality_column }} in (
                    select municipality_id from {{ listed }}
                    where load_id > {{ watermark }} and source_kind in ('{{ municipality_kinds | join("', '") }}')
                )
            {%- endif %}
            {%- if with_snapshot_rule %}
                or exists (
                    select 1
                    from (
                        select
                            new_snapshots.municipality_id,
                            max(earlier_snapshots.snapshot_date) as previous_snapshot_date
                        from (
                            select municipality_id, min(snapshot_date) as first_new_snapshot_date
                            from {{ listed }}
                            where load_id > {{ watermark }} and source_kind = 'avvikelser'
                            group by municipality_id
                        ) as new_snapshots
                        left join {{ listed }} as earlier_snapshots
                            on
                                new_snapshots.municipality_id = earlier_snapshots.municipality_id
                                and earlier_snapshots.source_kind = 'avvikelser'
                                and earlier_snapshots.snapshot_date < new_snapshots.first_new_snapshot_date
                        group by new_snapshots.municipality_id
                    ) as snapshot_changes
                    where
                        snapshot_changes.municipality_id = {{ municipality_column }}
                        and (
                            snapshot_changes.previous_snapshot_date is null
                            or {{ column }} >= year(snapshot_changes.previous_snapshot_date)
                        )
                )
            {%- endif %}
        )
    {%- endif -%}
{%- endmacro %}


{% macro newest_listed_load_id() -%}
    {#- For int_load_partitions_listed itself: the newest load it lists, -1 on a full build. -#}
    {%- if not execute or this is none or not is_incremental() -%}
        {{- return(-1) -}}
    {%- endif -%}
    {%- set newest = run_query('select max(load_id) from ' ~ this).columns[0].values()[0] -%}
    {{- return(-1 if newest is none else newest) -}}
{%- endmacro %}


{% macro record_load_watermark() -%}
    delete from {{ watermarks_relation() }} where model_name = '{{ this.identifier }}';
    insert into {{ watermarks_relation() }} (model_name, max_load_id, recorded_at)
    select '{{ this.identifier }}', coalesce(max(load_id), 0), current_timestamp
    from {{ ref('int_load_partitions_listed') }}
{%- endmacro %}


{% macro get_incremental_load_partitions_sql(arg_dict) -%}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target_relation }} where {{ load_partitions_filter() }};
    insert into {{ target_relation }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
