with

month_starts as (
    select cast(unnest(generate_series(date '2015-01-01', date '2030-12-01', interval 1 month)) as date) as month_start
),

calendar as (
    select
        strftime(month_start, '%Y-%m') as period,
        month_start,
        last_day(month_start) as month_end,
        year(month_start) as year,
        month(month_start) as month,
        quarter(month_start) as quarter,
        cast(ceil(month(month_start) / 4.0) as integer) as tertial,
        case month(month_start)
            when 1 then 'januari'
            when 2 then 'februari'
            when 3 then 'mars'
            when 4 then 'april'
            when 5 then 'maj'
            when 6 then 'juni'
            when 7 then 'juli'
            when 8 then 'augusti'
            when 9 then 'september'
            when 10 then 'oktober'
            when 11 then 'november'
            when 12 then 'december'
        end as month_name_sv
    from month_starts
)

select * from calendar
