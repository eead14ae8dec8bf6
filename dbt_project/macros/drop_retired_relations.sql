{% macro drop_retired_relations() -%}
    {#- dbt never drops the table of a model that was removed or renamed, so an upgraded warehouse
        would keep it (and its disk) for ever, and BI users could go on reading stale rows. The
        project owns the schemas its models and seeds build into: a table or view there that no
        model or seed of this project defines any more is dropped, with the model's watermark. -#}
    {%- if execute -%}
        {%- set defined = [] -%}
        {%- set schemas = [] -%}
        {%- for node in graph.nodes.values() if node.resource_type in ('model', 'seed') -%}
            {%- do defined.append((node.schema | lower, node.alias | lower)) -%}
            {%- if (node.schema | lower) not in schemas -%}
                {%- do schemas.append(node.schema | lower) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set query -%}
            select table_schema, table_name, table_type
            from information_schema.tables
            where table_catalog = '{{ target.database }}'
                and lower(table_schema) in ('{{ schemas | join("', '") }}')
        {%- endset -%}
        {%- for row in run_query(query).rows -%}
            {%- if (row[0] | lower, row[1] | lower) not in defined -%}
                {%- do log('Tar bort ' ~ row[0] ~ '.' ~ row[1] ~ ': ingen modell i projektet bygger den längre.', info=true) -%}
                {%- do run_query(
                    'drop ' ~ ('view' if row[2] == 'VIEW' else 'table') ~ ' if exists "' ~ row[0] ~ '"."' ~ row[1] ~ '"'
                ) -%}
                {%- do run_query(
                    "delete from " ~ watermarks_relation() ~ " where model_name = '" ~ row[1] ~ "'"
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
