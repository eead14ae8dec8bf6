with

kolada_values as (
    select * from {{ ref('stg_kolada__values') }}
),

municipalities as (
    select * from {{ ref('stg_kolada__municipalities') }}
),

-- Only municipalities (type K) and Riket are compared; a withdrawn value is no value.
cleaned as (
    select
        kolada_values.kpi_id,
        kolada_values.municipality_id,
        kolada_values.year,
        kolada_values.gender,
        case when not kolada_values.is_deleted then kolada_values.value end as value,  -- noqa: RF04
        kolada_values.is_deleted,
        kolada_values.municipality_id = '0000' as is_riket
    from kolada_values
    inner join municipalities
        on kolada_values.municipality_id = municipalities.municipality_id
    where municipalities.kolada_type = 'K' or kolada_values.municipality_id = '0000'
)

select * from cleaned
