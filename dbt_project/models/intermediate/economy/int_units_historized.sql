-- The unit register as an SCD2 dimension: one version per unit and validity period, with a
-- surrogate key that is stable across rebuilds because it is derived from the register's own key.
with

stg_economy__units as (
    select * from {{ ref('stg_economy__units') }}
),

versions as (
    select
        md5(concat_ws('|', municipality_id, unit_id, cast(valid_from as varchar))) as unit_key,
        municipality_id,
        unit_id,
        unit_name,
        department,
        area,
        valid_from,
        valid_to,
        coalesce(valid_to, date '9999-12-31') as valid_until,
        row_number() over (
            partition by municipality_id, unit_id
            order by valid_from desc
        ) = 1 as is_latest_version
    from stg_economy__units
)

select * from versions
