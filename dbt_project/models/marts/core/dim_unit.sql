with

int_units_historized as (
    select * from {{ ref('int_units_historized') }}
),

areas as (
    select * from {{ ref('areas') }}
),

units as (
    select
        int_units_historized.unit_key,
        int_units_historized.municipality_id,
        int_units_historized.unit_id,
        int_units_historized.unit_name,
        int_units_historized.department,
        int_units_historized.area,
        areas.area_category,
        int_units_historized.valid_from,
        int_units_historized.valid_to,
        int_units_historized.is_latest_version
    from int_units_historized
    left join areas
        on int_units_historized.area = areas.area
)

select * from units
