{#- RKA's 0–100 scaling: at or below `low` → 0, at or above `high` → 100, linear in between.
    One definition for the component scores, the indices and the what-if gains. -#}
{% macro scale_between(value, low, high) -%}
    least(greatest(({{ value }} - {{ low }}) / nullif({{ high }} - {{ low }}, 0) * 100, 0), 100)
{%- endmacro %}
