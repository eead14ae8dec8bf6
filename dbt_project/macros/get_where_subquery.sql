{#- Data tests of a load-partitioned model read only the partitions this dbt invocation rewrote.

    Overrides dbt's get_where_subquery, through which every generic test reads the model it
    tests (singular tests read their refs whole). When the model was built incrementally in
    this invocation, transform_state.rewritten_partitions lists the (municipality_id, grain)
    partitions it wrote (macros/load_partitions.sql), and the test sees only their rows; after
    a full build, or in a `dbt test` of its own, it sees everything. Sound because every
    generic test on these models judges rows, or groups of rows sharing a key that determines
    the partition (docs/architecture.md, "Data tests of an incremental build"); rows outside
    the rewritten partitions are the ones an earlier build already tested.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set rewritten = rewritten_partitions_condition(relation) -%}
    {%- if rewritten -%}
        {%- do conditions.append(rewritten) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{% macro rewritten_partitions_condition(relation) -%}
    {#- A condition on the relation's rows, or '' when the test must read all of them. -#}
    {%- if not execute or relation.identifier is none -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set partitioned = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.name == relation.identifier and node.schema == relation.schema
            and 'load_partitions' in node.config.meta -%}
            {%- do partitioned.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not partitioned -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set settings = partitioned[0].config.meta['load_partitions'] -%}
    {%- set state = rewritten_partitions_relation() -%}
    {#- Absent where no build has run the project's on-run-start yet (a bare `dbt compile`). -#}
    {%- if adapter.get_relation(database=state.database, schema=state.schema, identifier=state.identifier) is none -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set listed_query -%}
        select count(*), min(partition_value) from {{ state }}
        where model_name = '{{ relation.identifier }}' and invocation_id = '{{ invocation_id }}'
    {%- endset -%}
    {%- set listed = run_query(listed_query).rows[0] -%}
    {%- if listed[0] == 0 -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set column = partition_column(settings) -%}
    {#- The smallest partition as a constant too, so the scan skips older row groups. -#}
    {%- set lower_bound = none if listed[1] is none else partition_literal(settings['grain'], listed[1]) -%}
    {%- set condition -%}
        (
            {%- if lower_bound is not none %}
            {{ column }} >= {{ lower_bound }} and
            {%- endif %}
            (municipality_id, cast({{ column }} as varchar)) in (
                select municipality_id, partition_value from {{ state }}
                where
                    model_name = '{{ relation.identifier }}'
                    and invocation_id = '{{ invocation_id }}'
                    and municipality_id is not null
            )
        )
    {%- endset -%}
    {%- do return(condition) -%}
{%- endmacro %}
