{{
    load_partitions_config(
        grain='year', kinds=[], municipality_kinds=['personal_avgang', 'organisation'], column='end_year'
    )
}}
-- An ending belongs to the unit as the organisation stood on the last day of employment. Only a
-- load of leavers or of the unit register can change a municipality's rows, and either recomputes
-- that municipality; a new month of personal_manad leaves the model as it is.
with

stg_hr__employment_endings as (
    select * from {{ ref('stg_hr__employment_endings') }}
    where {{ load_partitions_filter(column='year(end_date)') }}
),

int_units_historized as (
    select * from {{ ref('int_units_historized') }}
),

unit_versions as (
    {{ unit_version_on('stg_hr__employment_endings', 'int_units_historized', 'end_date') }}
),

facts_with_units as (
    select
        endings.municipality_id,
        endings.employment_id,
        endings.person_hash,
        endings.employment_form,
        endings.unit_id,
        unit_versions.unit_key,
        unit_versions.unit_name,
        unit_versions.department,
        unit_versions.area,
        endings.occupation_group,
        endings.end_date,
        endings.leaving_reason,
        endings.source_file,
        endings.source_line,
        endings.load_id
    from stg_hr__employment_endings as endings
    left join unit_versions
        on
            endings.municipality_id = unit_versions.municipality_id
            and endings.unit_id = unit_versions.unit_id
            and endings.end_date = unit_versions.end_date
),

ending_versions as (
    select
        municipality_id,
        employment_id,
        person_hash,
        employment_form,
        unit_id,
        unit_key,
        unit_name,
        department,
        area,
        occupation_group,
        end_date,
        year(end_date) as end_year,
        leaving_reason,
        source_file,
        source_line,
        load_id
    from facts_with_units
)

select * from ending_versions
