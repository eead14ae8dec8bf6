-- Each municipality adapts Kommun-Bas, so an account's report line comes from the
-- account_mapping seed: a municipality's own row beats the default (blank kommunkod), and
-- among equally specific rows the narrowest account range wins.
with

stg_economy__ledger_entries as (
    select * from {{ ref('stg_economy__ledger_entries') }}
),

account_mapping as (
    select * from {{ ref('account_mapping') }}
),

booked_accounts as (
    select distinct
        municipality_id,
        account_code,
        account_number
    from stg_economy__ledger_entries
),

candidate_lines as (
    select
        booked_accounts.municipality_id,
        booked_accounts.account_code,
        account_mapping.report_line,
        account_mapping.line_kind,
        row_number() over (
            partition by booked_accounts.municipality_id, booked_accounts.account_code
            order by
                account_mapping.kommunkod is null,
                account_mapping.account_to - account_mapping.account_from
        ) as mapping_rank
    from booked_accounts
    inner join account_mapping
        on
            booked_accounts.account_number between account_mapping.account_from and account_mapping.account_to
            and (
                account_mapping.kommunkod is null
                or booked_accounts.municipality_id = account_mapping.kommunkod
            )
),

mapped_accounts as (
    select
        municipality_id,
        account_code,
        report_line,
        line_kind
    from candidate_lines
    where mapping_rank = 1
)

select * from mapped_accounts
