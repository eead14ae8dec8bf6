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
    avvikelser is special: a period P is read from snapshot D(P), the earliest snapshot on or
    after P's last day (else the latest). A new (or re-delivered) snapshot S changes D(P) only
    for periods ending after the snapshot before S, so it recomputes the years from the one
    holding the day after that snapshot onwards (a new 2026-01-31 after 2025-12-31: 2026 only).

    The partitions an incremental build rewrote are recorded per model and dbt invocation in
    transform_state.rewritten_partitions; the data tests of that build read only those
    (macros/get_where_subquery.sql).
-#}

{% macro load_partitions_config(grain, kinds, municipality_kinds=[], column=none, post_hooks=[]) -%}
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
        post_hook=["{{ record_load_watermark() }}"] + post_hooks,
    ) -%}
    {#- load_partitions_filter refs the load list only on incremental runs; taken here as well so
        that every such model depends on it from the first (full) build on. -#}
    {%- do ref('int_load_partitions_listed') -%}
{%- endmacro %}


{% macro watermarks_relation() -%}
    {{- return(api.Relation.create(database=target.database, schema='transform_state', identifier='load_watermarks')) -}}
{%- endmacro %}


{% macro rewritten_partitions_relation() -%}
    {{- return(api.Relation.create(database=target.database, schema='transform_state', identifier='rewritten_partitions')) -}}
{%- endmacro %}


{% macro create_transform_state_tables() -%}
    create schema if not exists transform_state;
    create table if not exists {{ watermarks_relation() }} (
        model_name varchar not null,
        max_load_id bigint not null,
        recorded_at timestamp not null
    );
    {#- One row with null municipality_id and partition_value says the model was built incrementally
        in that invocation; the others name the partitions it wrote. -#}
    create table if not exists {{ rewritten_partitions_relation() }} (
        model_name varchar not null,
        invocation_id varchar not null,
        municipality_id varchar,
        partition_value varchar
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
        {%- set column = column or partition_column() -%}
        {%- set watermark = load_watermark() -%}
        {%- set listed = ref('int_load_partitions_listed') -%}
        {%- set with_snapshot_rule = grain == 'year' and 'avvikelser' in settings['kinds'] -%}
        {%- set row_kinds = settings['kinds'] | reject('equalto', 'avvikelser') | list if with_snapshot_rule else settings['kinds'] -%}
        {%- set municipality_kinds = settings.get('municipality_kinds', []) -%}
        {%- set lower_bound = partitions_lower_bound(grain, watermark, row_kinds, municipality_kinds, with_snapshot_rule) -%}
        (
            {%- if lower_bound is not none %}
            {{ column }} >= {{ lower_bound }} and
            {%- endif %}
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
                        from ({{ snapshot_first_changed_years(listed, watermark) }}) as snapshot_changes
                        where
                            snapshot_changes.municipality_id = {{ municipality_column }}
                            and {{ column }} >= snapshot_changes.first_changed_year
                    )
                {%- endif %}
            )
        )
    {%- endif -%}
{%- endmacro %}


{% macro snapshot_first_changed_years(listed, watermark) -%}
    {#- Per municipality with a new avvikelser snapshot: the first year whose D(P) can change,
        the year of the day after the snapshot before the first new one (-1 when there is none). -#}
    select
        new_snapshots.municipality_id,
        coalesce(year(max(earlier_snapshots.snapshot_date) + 1), -1) as first_changed_year
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
{%- endmacro %}


{% macro partitions_lower_bound(grain, watermark, row_kinds, municipality_kinds, with_snapshot_rule) -%}
    {#- The smallest grain value among the partitions to recompute, as a SQL literal, or none when a
        whole municipality is recomputed or nothing is. A constant bound on the grain column lets
        DuckDB skip the row groups of older partitions (zone maps), which the partition list
        alone, a join, does not: one new month otherwise scans every row of the table. -#}
    {%- set listed = ref('int_load_partitions_listed') -%}
    {%- set query -%}
        select
            (
                select count(*) from {{ listed }}
                where load_id > {{ watermark }} and source_kind in ('{{ (municipality_kinds or ['']) | join("', '") }}')
            ) as municipality_loads,
            least(
                (
                    select min({{ grain }}) from {{ listed }}
                    where load_id > {{ watermark }} and source_kind in ('{{ (row_kinds or ['']) | join("', '") }}')
                )
                {%- if with_snapshot_rule -%}
                    , (select min(first_changed_year) from ({{ snapshot_first_changed_years(listed, watermark) }}))
                {%- endif %}
            ) as lower_bound
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[0] > 0 or row[1] is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {{- return(partition_literal(grain, row[1])) -}}
{%- endmacro %}


{% macro partition_literal(grain, value) -%}
    {#- A value of the grain (or its text) as a SQL constant of the grain's type. -#}
    {%- if grain == 'year' -%}
        {{- return(value | int) -}}
    {%- elif grain == 'snapshot_date' -%}
        {{- return("date '" ~ value ~ "'") -}}
    {%- else -%}
        {{- return("'" ~ value ~ "'") -}}
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


{% macro partition_column(settings=none) -%}
    {#- The column (or expression) holding the grain, of the model being built or of `settings`
        (another model's load_partitions meta, as a data test sees it). -#}
    {%- set settings = settings or config.get('meta')['load_partitions'] -%}
    {{- return(settings.get('column', settings['grain'])) -}}
{%- endmacro %}


{% macro get_incremental_load_partitions_sql(arg_dict) -%}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target_relation }} where {{ load_partitions_filter() }};
    insert into {{ target_relation }} ({{ columns }})
    select {{ columns }} from {{ temp_relation }};
    {#- Every row this build wrote comes from the temporary relation, so its partitions are the
        ones whose rows can have changed (a deleted partition left empty has no rows to test). -#}
    delete from {{ rewritten_partitions_relation() }} where model_name = '{{ this.identifier }}';
    insert into {{ rewritten_partitions_relation() }} (model_name, invocation_id, municipality_id, partition_value)
    select '{{ this.identifier }}', '{{ invocation_id }}', null, null
    union all
    select distinct '{{ this.identifier }}', '{{ invocation_id }}', municipality_id, cast({{ partition_column() }} as varchar)
    from {{ temp_relation }}
{%- endmacro %}

