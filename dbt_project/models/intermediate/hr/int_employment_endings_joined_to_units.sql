-- An ending belongs to the unit as the organisation stood on the last day of employment.
with

stg_hr__employment_endings as (
    select * from {{ ref('stg_hr__employment_endings') }}
),

int_units_historized as (
    select * from {{ ref('int_units_historized') }}
),

candidate_versions as (
    select
        endings.municipality_id,
        endings.employment_id,
        endings.person_hash,
        endings.employment_form,
        endings.unit_id,
        units.unit_key,
        units.unit_name,
        units.department,
        units.area,
        endings.occupation_group,
        endings.end_date,
        endings.leaving_reason,
        endings.source_file,
        endings.source_line,
        endings.load_id,
        row_number() over (
            partition by endings.load_id, endings.source_line
            order by units.valid_from desc
        ) as version_rank
    from stg_hr__employment_endings as endings
    left join int_units_historized as units
        on
            endings.municipality_id = units.municipality_id
            and endings.unit_id = units.unit_id
            and endings.end_date between units.valid_from and units.valid_until
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
    from candidate_versions
    where version_rank = 1
)

select * from ending_versions
