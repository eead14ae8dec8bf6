{% macro unit_version_on(facts, units, on_column, whole_month=false) %}
{#-
    The unit register version that applies to each distinct (kommun, enhet, date) of `facts`.
    Resolved once per distinct key rather than by ranking every fact row: at national scale
    that ranking was a window over millions of wide rows and the slowest step of the build.
    When several versions apply (the register changed within the month), the one that started
    last wins.
-#}
    select
        fact_keys.municipality_id,
        fact_keys.unit_id,
        fact_keys.{{ on_column }},
        units.unit_key,
        units.unit_name,
        units.department,
        units.area
    from (
        select distinct
            municipality_id,
            unit_id,
            {{ on_column }}
        from {{ facts }}
    ) as fact_keys
    inner join {{ units }} as units
        on
            fact_keys.municipality_id = units.municipality_id
            and fact_keys.unit_id = units.unit_id
            {%- if whole_month %}
            and last_day(fact_keys.{{ on_column }}) >= units.valid_from
            and fact_keys.{{ on_column }} <= units.valid_until
            {%- else %}
            and fact_keys.{{ on_column }} between units.valid_from and units.valid_until
            {%- endif %}
    qualify row_number() over (
        partition by fact_keys.municipality_id, fact_keys.unit_id, fact_keys.{{ on_column }}
        order by units.valid_from desc
    ) = 1
{% endmacro %}
