with

source_rows as (
    select * from {{ source('raw', 'personal_manad') }}
),

renamed as (
    select
        kommunkod as municipality_id,
        period,
        cast(period || '-01' as date) as month_start,
        anstallnings_id as employment_id,
        person_hash,
        kon as sex,
        fodelsear as birth_year,
        enhet_id as unit_id,
        yrkesgrupp as occupation_group,
        anstallningsform as employment_form,
        sysselsattningsgrad as employment_rate_pct,
        ordinarie_tid_h as ordinary_hours,
        sjuk_h_dag1_14 as sick_hours_day1_14,
        sjuk_h_dag15_59 as sick_hours_day15_59,
        sjuk_h_dag60 as sick_hours_day60_plus,
        overtid_h as overtime_hours,
        fyllnadstid_h as extra_hours,
        timavlonad_h as hourly_paid_hours,
        _source_file as source_file,
        _source_line as source_line,
        _load_id as load_id
    from source_rows
)

select * from renamed
