with

source_rows as (
    select * from {{ source('raw', 'kolada_kpis') }}
),

latest_snapshot as (
    select max(_snapshot_id) as snapshot_id from source_rows
),

renamed as (
    select
        source_rows.id as kpi_id,
        source_rows.title as kpi_title,
        source_rows.description as kpi_description,
        source_rows.is_divided_by_gender,
        source_rows.municipality_type,
        source_rows.auspice,
        source_rows.operating_area,
        source_rows.perspective,
        try_cast(source_rows.prel_publication_date as date) as preliminary_publication_date,
        try_cast(source_rows.publication_date as date) as publication_date,
        source_rows.publ_period as latest_published_period,
        source_rows.has_ou_data as has_unit_data,
        source_rows._snapshot_id as snapshot_id,
        source_rows._snapshot_date as snapshot_date
    from source_rows
    inner join latest_snapshot
        on source_rows._snapshot_id = latest_snapshot.snapshot_id
)

select * from renamed
