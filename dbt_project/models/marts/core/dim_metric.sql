with

metric_catalogue as (
    select * from {{ ref('metric_catalogue') }}
),

metrics as (
    select
        metric_id,
        name_sv,
        definition_sv,
        unit,
        higher_is_better,
        subject_area,
        source_mart,
        period_types
    from metric_catalogue
)

select * from metrics
