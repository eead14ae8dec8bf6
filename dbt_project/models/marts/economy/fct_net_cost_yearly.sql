{{ load_partitions_config(grain='year', kinds=['ekonomi_huvudbok'], municipality_kinds=['organisation']) }}
-- Verksamhetens nettokostnad = revenue + costs (account classes 3–7); class 8 (financial items,
-- kommunbidrag) and other accounts outside the operations are left out.
with

fct_ledger_months as (
    select * from {{ ref('fct_ledger_months') }}
    where {{ load_partitions_filter() }}
),

net_cost_lines as (
    select *
    from fct_ledger_months
    where is_in_net_cost
),

by_level as (
    select
        municipality_id,
        year,
        case when grouping(area) = 0 then 'verksamhetsomrade' else 'kommun' end as level,
        area,
        count(distinct period) as months_in_period,
        cast(coalesce(sum(actual_sek) filter (where line_kind = 'revenue'), 0) as decimal(18, 4)) as revenue_sek,
        cast(coalesce(sum(actual_sek) filter (where line_kind = 'cost'), 0) as decimal(18, 4)) as total_costs_sek,
        cast(coalesce(sum(actual_sek), 0) as decimal(18, 4)) as net_cost_sek,
        cast(sum(budget_sek) filter (where line_kind = 'revenue') as decimal(18, 4)) as revenue_budget_sek,
        cast(sum(budget_sek) filter (where line_kind = 'cost') as decimal(18, 4)) as total_costs_budget_sek,
        cast(sum(budget_sek) as decimal(18, 4)) as net_cost_budget_sek
    from net_cost_lines
    group by grouping sets ((municipality_id, year), (municipality_id, year, area))
),

net_cost as (
    select
        md5(concat_ws('|', municipality_id, year, level, coalesce(area, ''))) as net_cost_yearly_key,
        municipality_id,
        year,
        level,
        area,
        months_in_period,
        revenue_sek,
        total_costs_sek,
        net_cost_sek,
        revenue_budget_sek,
        total_costs_budget_sek,
        net_cost_budget_sek,
        cast(net_cost_sek - net_cost_budget_sek as decimal(18, 4)) as budget_deviation_sek
    from by_level
    where level = 'kommun' or area is not null
)

select * from net_cost
