{#- Layers land in schemas named exactly staging / intermediate / marts / reference,
    so BI tools and the publish step see stable names (dbt would prefix them). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
