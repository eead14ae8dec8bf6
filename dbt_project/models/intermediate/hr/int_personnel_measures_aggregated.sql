{{
    load_partitions_config(
        grain='year', kinds=['personal_manad'], municipality_kinds=['organisation', 'personal_avgang']
    )
}}
-- Yearly sums on every organisational level at once (grouping sets), for all occupation
-- groups (occupation_group null) and per occupation group. Averages over the months of a year
-- divide by the number of months the municipality delivered for that year, whatever the level,
-- so months_in_period comes from the municipality, not from the group.
{%- set grouping_keys = [
    "municipality_id, year",
    "municipality_id, year, area",
    "municipality_id, year, area, department",
    "municipality_id, year, area, department, unit_id",
    "municipality_id, year, occupation_group",
    "municipality_id, year, area, occupation_group",
    "municipality_id, year, area, department, occupation_group",
    "municipality_id, year, area, department, unit_id, occupation_group",
] %}
with

fct_employment_months as (
    select * from {{ ref('fct_employment_months') }}
    where {{ load_partitions_filter() }}
),

int_employment_endings_joined_to_units as (
    select * from {{ ref('int_employment_endings_joined_to_units') }}
    where {{ load_partitions_filter(column='end_year') }}
),

delivered_months as (
    select
        municipality_id,
        year,
        count(distinct period) as months_in_period
    from fct_employment_months
    group by municipality_id, year
),

employment_months as (
    select
        *,
        employment_form = 'Tillsvidare' as is_permanent,
        coalesce(area_category = 'aldreomsorg' and is_care_staff, false) as is_elderly_care_staff,
        coalesce(area_category = 'aldreomsorg' and is_assistant_nurse, false) as is_elderly_care_assistant_nurse
    from fct_employment_months
),

-- People are counted in two steps: one row per person and level saying which kinds of months
-- the person had, then plain counts. Counting distinct person hashes straight in the eight
-- grouping sets took about twenty times longer and was the slowest model of the build.
individuals_by_level as (
    select
        municipality_id,
        year,
        case
            when grouping(unit_id) = 0 then 'enhet'
            when grouping(department) = 0 then 'avdelning'
            when grouping(area) = 0 then 'verksamhetsomrade'
            else 'kommun'
        end as level,
        area,
        department,
        unit_id,
        occupation_group,
        grouping(occupation_group) = 1 as is_all_occupation_groups,
        person_hash,
        coalesce(bool_or(is_permanent), false) as had_permanent,
        coalesce(bool_or(employment_form = 'Visstid'), false) as had_temporary,
        coalesce(bool_or(is_monthly_paid), false) as had_monthly_paid,
        coalesce(bool_or(is_monthly_paid and sex = 'K'), false) as had_monthly_paid_women,
        coalesce(bool_or(is_monthly_paid and sex = 'M'), false) as had_monthly_paid_men,
        coalesce(bool_or(is_monthly_paid and age_band = '-29'), false) as had_monthly_paid_age_29,
        coalesce(bool_or(is_monthly_paid and age_band = '30-49'), false) as had_monthly_paid_age_30_49,
        coalesce(bool_or(is_monthly_paid and age_band = '50-'), false) as had_monthly_paid_age_50,
        coalesce(bool_or(employment_form = 'Timavlönad'), false) as had_hourly_paid,
        coalesce(bool_or(employment_form = 'Timavlönad' and sex = 'K'), false) as had_hourly_paid_women,
        coalesce(bool_or(employment_form = 'Timavlönad' and sex = 'M'), false) as had_hourly_paid_men,
        coalesce(bool_or(is_permanent and is_elderly_care_staff), false) as had_elderly_care_staff
    from employment_months
    group by grouping sets (
        {%- for keys in grouping_keys %}
            ({{ keys }}, person_hash){{ "," if not loop.last }}
        {%- endfor %}
    )
),

individual_counts_by_level as (
    select
        municipality_id,
        year,
        level,
        area,
        department,
        unit_id,
        occupation_group,
        is_all_occupation_groups,
        count(person_hash) as n_individuals,
        count(person_hash) filter (where had_permanent) as n_individuals_permanent,
        count(person_hash) filter (where had_temporary) as n_individuals_temporary,
        count(person_hash) filter (where had_monthly_paid) as n_individuals_monthly_paid,
        count(person_hash) filter (where had_monthly_paid_women) as n_individuals_monthly_paid_women,
        count(person_hash) filter (where had_monthly_paid_men) as n_individuals_monthly_paid_men,
        count(person_hash) filter (where had_monthly_paid_age_29) as n_individuals_monthly_paid_age_29,
        count(person_hash) filter (where had_monthly_paid_age_30_49) as n_individuals_monthly_paid_age_30_49,
        count(person_hash) filter (where had_monthly_paid_age_50) as n_individuals_monthly_paid_age_50,
        count(person_hash) filter (where had_hourly_paid) as n_individuals_hourly_paid,
        count(person_hash) filter (where had_hourly_paid_women) as n_individuals_hourly_paid_women,
        count(person_hash) filter (where had_hourly_paid_men) as n_individuals_hourly_paid_men,
        count(person_hash) filter (where had_elderly_care_staff) as n_individuals_elderly_care_staff
    from individuals_by_level
    group by municipality_id, year, level, area, department, unit_id, occupation_group, is_all_occupation_groups
),

employment_months_by_level as (
    select
        municipality_id,
        year,
        case
            when grouping(unit_id) = 0 then 'enhet'
            when grouping(department) = 0 then 'avdelning'
            when grouping(area) = 0 then 'verksamhetsomrade'
            else 'kommun'
        end as level,
        area,
        department,
        unit_id,
        occupation_group,
        grouping(occupation_group) = 1 as is_all_occupation_groups,
        count(*) filter (where is_permanent) as employment_months_permanent,
        count(*) filter (where employment_form = 'Visstid') as employment_months_temporary,
        count(*) filter (where employment_form = 'Timavlönad') as employment_months_hourly_paid,
        count(*) filter (where is_fulltime) as employment_months_fulltime,
        count(*) filter (where is_parttime) as employment_months_parttime,
        count(*) filter (where is_permanent and sex = 'K') as employment_months_permanent_women,
        count(*) filter (where is_permanent and sex = 'M') as employment_months_permanent_men,
        coalesce(sum(fte_contracted) filter (where is_permanent), 0) as fte_months_contracted_permanent,
        coalesce(
            sum(fte_contracted) filter (where employment_form = 'Visstid'), 0
        ) as fte_months_contracted_temporary,
        coalesce(sum(fte_available), 0) as fte_months_available_monthly_paid,
        sum(age_years) filter (where is_permanent) as age_years_sum_permanent,
        count(age_years) filter (where is_permanent) as employment_months_permanent_with_age,
        sum(employment_rate_pct) filter (where is_permanent) as employment_rate_sum_permanent,
        count(employment_rate_pct) filter (where is_permanent) as employment_months_permanent_with_rate,
        coalesce(sum(hourly_paid_hours), 0) as hours_hourly,
        coalesce(sum(hourly_paid_hours) filter (where sex = 'K'), 0) as hours_hourly_women,
        coalesce(sum(hourly_paid_hours) filter (where sex = 'M'), 0) as hours_hourly_men,
        coalesce(sum(overtime_hours), 0) as hours_overtime,
        coalesce(sum(extra_hours), 0) as hours_extra,
        sum(ordinary_hours) filter (where is_monthly_paid) as ordinary_hours_monthly_paid,
        sum(ordinary_hours) filter (where is_monthly_paid and sex = 'K') as ordinary_hours_women,
        sum(ordinary_hours) filter (where is_monthly_paid and sex = 'M') as ordinary_hours_men,
        sum(ordinary_hours) filter (where is_monthly_paid and age_band = '-29') as ordinary_hours_age_29,
        sum(ordinary_hours) filter (where is_monthly_paid and age_band = '30-49') as ordinary_hours_age_30_49,
        sum(ordinary_hours) filter (where is_monthly_paid and age_band = '50-') as ordinary_hours_age_50,
        coalesce(sum(sick_hours_total) filter (where is_monthly_paid), 0) as sick_hours_total,
        coalesce(sum(sick_hours_day1_14) filter (where is_monthly_paid), 0) as sick_hours_day1_14,
        coalesce(sum(sick_hours_day15_59) filter (where is_monthly_paid), 0) as sick_hours_day15_59,
        coalesce(sum(sick_hours_day60_plus) filter (where is_monthly_paid), 0) as sick_hours_day60_plus,
        coalesce(sum(sick_hours_total) filter (where is_monthly_paid and sex = 'K'), 0) as sick_hours_women,
        coalesce(sum(sick_hours_total) filter (where is_monthly_paid and sex = 'M'), 0) as sick_hours_men,
        coalesce(sum(sick_hours_total) filter (where is_monthly_paid and age_band = '-29'), 0) as sick_hours_age_29,
        coalesce(
            sum(sick_hours_total) filter (where is_monthly_paid and age_band = '30-49'), 0
        ) as sick_hours_age_30_49,
        coalesce(sum(sick_hours_total) filter (where is_monthly_paid and age_band = '50-'), 0) as sick_hours_age_50,
        count(*) filter (where is_permanent and is_elderly_care_staff) as employment_months_elderly_care_staff,
        count(*) filter (
            where is_permanent and is_elderly_care_assistant_nurse
        ) as employment_months_elderly_care_assistant_nurses
    from employment_months
    group by grouping sets (
        {%- for keys in grouping_keys %}
            ({{ keys }}){{ "," if not loop.last }}
        {%- endfor %}
    )
),

employment_by_level as (
    select
        months_by_level.*,
        individual_counts.n_individuals,
        individual_counts.n_individuals_permanent,
        individual_counts.n_individuals_temporary,
        individual_counts.n_individuals_monthly_paid,
        individual_counts.n_individuals_monthly_paid_women,
        individual_counts.n_individuals_monthly_paid_men,
        individual_counts.n_individuals_monthly_paid_age_29,
        individual_counts.n_individuals_monthly_paid_age_30_49,
        individual_counts.n_individuals_monthly_paid_age_50,
        individual_counts.n_individuals_hourly_paid,
        individual_counts.n_individuals_hourly_paid_women,
        individual_counts.n_individuals_hourly_paid_men,
        individual_counts.n_individuals_elderly_care_staff
    from employment_months_by_level as months_by_level
    inner join individual_counts_by_level as individual_counts
        on
            months_by_level.municipality_id = individual_counts.municipality_id
            and months_by_level.year = individual_counts.year
            and months_by_level.level = individual_counts.level
            and months_by_level.is_all_occupation_groups = individual_counts.is_all_occupation_groups
            and months_by_level.area is not distinct from individual_counts.area
            and months_by_level.department is not distinct from individual_counts.department
            and months_by_level.unit_id is not distinct from individual_counts.unit_id
            and months_by_level.occupation_group is not distinct from individual_counts.occupation_group
),

endings as (
    select
        *,
        end_year as year
    from int_employment_endings_joined_to_units
),

endings_by_level as (
    select
        municipality_id,
        year,
        case
            when grouping(unit_id) = 0 then 'enhet'
            when grouping(department) = 0 then 'avdelning'
            when grouping(area) = 0 then 'verksamhetsomrade'
            else 'kommun'
        end as level,
        area,
        department,
        unit_id,
        occupation_group,
        grouping(occupation_group) = 1 as is_all_occupation_groups,
        count(*) as endings_all_forms,
        count(*) filter (where employment_form = 'Tillsvidare') as endings_permanent_total,
        count(*) filter (
            where employment_form = 'Tillsvidare' and leaving_reason != 'Intern rörlighet'
        ) as endings_permanent_external,
        count(*) filter (
            where employment_form = 'Tillsvidare' and leaving_reason not in ('Intern rörlighet', 'Pension')
        ) as endings_permanent_external_excl_pension
    from endings
    group by grouping sets (
        {%- for keys in grouping_keys %}
            ({{ keys }}){{ "," if not loop.last }}
        {%- endfor %}
    )
),

combined as (
    select
        coalesce(employment_by_level.municipality_id, endings_by_level.municipality_id) as municipality_id,
        coalesce(employment_by_level.year, endings_by_level.year) as year,
        coalesce(employment_by_level.level, endings_by_level.level) as level,
        coalesce(employment_by_level.area, endings_by_level.area) as area,
        coalesce(employment_by_level.department, endings_by_level.department) as department,
        coalesce(employment_by_level.unit_id, endings_by_level.unit_id) as unit_id,
        coalesce(employment_by_level.occupation_group, endings_by_level.occupation_group) as occupation_group,
        coalesce(
            employment_by_level.is_all_occupation_groups, endings_by_level.is_all_occupation_groups
        ) as is_all_occupation_groups,
        employment_by_level.* exclude (
            municipality_id, year, level, area, department, unit_id, occupation_group, is_all_occupation_groups
        ),
        coalesce(endings_by_level.endings_all_forms, 0) as endings_all_forms,
        coalesce(endings_by_level.endings_permanent_total, 0) as endings_permanent_total,
        coalesce(endings_by_level.endings_permanent_external, 0) as endings_permanent_external,
        coalesce(
            endings_by_level.endings_permanent_external_excl_pension, 0
        ) as endings_permanent_external_excl_pension
    from employment_by_level
    full outer join endings_by_level
        on
            employment_by_level.municipality_id = endings_by_level.municipality_id
            and employment_by_level.year = endings_by_level.year
            and employment_by_level.level = endings_by_level.level
            and employment_by_level.is_all_occupation_groups = endings_by_level.is_all_occupation_groups
            and employment_by_level.area is not distinct from endings_by_level.area
            and employment_by_level.department is not distinct from endings_by_level.department
            and employment_by_level.unit_id is not distinct from endings_by_level.unit_id
            and employment_by_level.occupation_group is not distinct from endings_by_level.occupation_group
),

-- Rows whose unit is missing from the register count in the municipality total only, and a
-- per-occupation row needs a known occupation group.
reportable as (
    select *
    from combined
    where
        (
            level in ('kommun', 'enhet')
            or (level = 'verksamhetsomrade' and area is not null)
            or (level = 'avdelning' and area is not null and department is not null)
        )
        and (is_all_occupation_groups or occupation_group is not null)
),

aggregated_measures as (
    select
        reportable.*,
        delivered_months.months_in_period
    from reportable
    left join delivered_months
        on
            reportable.municipality_id = delivered_months.municipality_id
            and reportable.year = delivered_months.year
)

select * from aggregated_measures
