with

kpis as (
    select * from {{ ref('stg_kolada__kpis') }}
),

kpi_areas as (
    select * from {{ ref('municipality_groups_extra_kpi_areas') }}
),

kpi_dimension as (
    select
        cast(kpis.kpi_id as varchar) as kpi_id,
        cast(kpis.kpi_title as varchar) as kpi_title,
        cast(kpis.kpi_description as varchar) as kpi_description,
        cast(kpis.is_divided_by_gender as boolean) as is_divided_by_gender,
        cast(kpis.municipality_type as varchar) as municipality_type,
        cast(kpis.auspice as varchar) as auspice,
        cast(kpis.operating_area as varchar) as operating_area,
        cast(kpis.perspective as varchar) as perspective,
        cast(kpis.publication_date as date) as publication_date,
        cast(kpis.latest_published_period as varchar) as latest_published_period,
        cast(kpi_areas.comparison_area as varchar) as comparison_area,
        cast(kpi_areas.higher_is_better as boolean) as higher_is_better,
        cast(kpis.snapshot_date as date) as title_as_of_date
    from kpis
    left join kpi_areas
        on kpis.kpi_id = kpi_areas.kpi_id
)

select * from kpi_dimension
