"""Calibrated ledger sample: ekonomi_huvudbok.

Published totals are reached top-down in öre: a year's amount per unit and
cost category is fixed first, then split over months and Kommun-Bas accounts
with largest remainder, so every sum above a row is exact. Ale's seven
hemtjänst units are published month by month in whole tkr; their monthly
outcomes are found by a small integer programme whose constraints are the
rounding intervals of every published unit, department, month and year
figure at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from orchestration.sampledata._common import fmt_money, largest_remainder
from orchestration.sampledata.organisation import ALE, ALINGSAS, UNITS, Unit
from orchestration.sampledata.published import FigureBook

CATEGORIES = ("revenue", "personnel_costs", "premises_rent", "purchased_services", "other_costs")
COST_CATEGORIES = CATEGORIES[1:]

# account, share within the category, budgeted (False: budget column left empty)
ACCOUNTS: dict[str, tuple[tuple[str, float, bool], ...]] = {
    "personnel_costs": (
        ("5011", 0.56, True), ("5021", 0.07, True), ("5031", 0.02, False), ("5111", 0.02, False),
        ("5611", 0.28, True), ("5711", 0.05, True),
    ),
    "premises_rent": (("6111", 0.85, True), ("6121", 0.15, True)),
    "purchased_services": (("4611", 0.2, True), ("4631", 0.3, True), ("4651", 0.5, True)),
    "other_costs": (
        ("4411", 0.32, True), ("6411", 0.14, True), ("6521", 0.14, True), ("7011", 0.2, True), ("7611", 0.2, False),
    ),
}
REVENUE_ACCOUNTS: dict[str, tuple[tuple[str, float, bool], ...]] = {
    "boende": (("3411", 0.45, True), ("3511", 0.45, True), ("3611", 0.10, False)),
    "hemtjanst": (("3811", 0.85, True), ("3411", 0.15, True)),
    "lss": (("3511", 0.3, True), ("3711", 0.5, True), ("3611", 0.2, False)),
    "pa": (("3711", 0.9, True), ("3611", 0.1, False)),
    "ifo": (("3611", 0.7, True), ("3711", 0.3, True)),
    "myndighet": (("3611", 0.6, True), ("3711", 0.4, True)),
    "hsl": (("3711", 0.6, True), ("3611", 0.4, True)),
    "central": (("3611", 0.8, True), ("3711", 0.2, True)),
}
IFO_OTHER = (("4531", 0.62, True), ("4411", 0.1, True), ("6411", 0.08, True), ("7011", 0.1, True), ("7611", 0.1, False))

# Share of a unit's costs per category, and revenue relative to costs.
PROFILE_MIX: dict[str, dict[str, float]] = {
    "boende": dict(personnel_costs=0.72, premises_rent=0.16, purchased_services=0.01, other_costs=0.11),
    "hemtjanst": dict(personnel_costs=0.86, premises_rent=0.03, purchased_services=0.0, other_costs=0.11),
    "lss": dict(personnel_costs=0.80, premises_rent=0.11, purchased_services=0.0, other_costs=0.09),
    "pa": dict(personnel_costs=0.92, premises_rent=0.01, purchased_services=0.0, other_costs=0.07),
    "ifo": dict(personnel_costs=0.30, premises_rent=0.04, purchased_services=0.40, other_costs=0.26),
    "myndighet": dict(personnel_costs=0.45, premises_rent=0.05, purchased_services=0.40, other_costs=0.10),
    "hsl": dict(personnel_costs=0.86, premises_rent=0.04, purchased_services=0.0, other_costs=0.10),
    "central": dict(personnel_costs=0.45, premises_rent=0.10, purchased_services=0.15, other_costs=0.30),
}
REVENUE_RATIO = {"boende": 0.22, "hemtjanst": 0.18, "lss": 0.15, "pa": 0.75, "ifo": 0.08, "myndighet": 0.05,
                 "hsl": 0.10, "central": 0.5}
# Cost per staff member relative to care units (IFO and myndighet buy services).
COST_INTENSITY = {"boende": 1.0, "hemtjanst": 1.0, "lss": 1.0, "pa": 1.0, "ifo": 4.5, "myndighet": 6.0,
                  "hsl": 1.1, "central": 3.0}
MONTH_WEIGHTS = {
    "personnel_costs": (1.0, 0.95, 1.0, 1.0, 1.02, 1.12, 1.22, 1.1, 1.0, 1.0, 1.0, 1.06),
    "premises_rent": (1,) * 12,
    "purchased_services": (1.0, 0.97, 1.03, 1.0, 1.0, 1.02, 0.98, 1.0, 1.03, 1.0, 0.98, 1.05),
    "other_costs": (0.9, 0.95, 1.05, 1.0, 1.0, 1.0, 0.8, 0.9, 1.05, 1.1, 1.05, 1.2),
    "revenue": (1.0, 0.98, 1.02, 1.0, 1.01, 1.0, 1.03, 1.02, 1.0, 0.99, 0.97, 0.98),
}
HEMTJANST_DEPARTMENT = "Hemtjänst utförarenheter"
KOMMUNBIDRAG_ACCOUNT = "8011"
INTEREST_ACCOUNT = "8411"

LEDGER_HEADER = ("kommunkod", "period", "ansvar", "verksamhet", "konto", "utfall", "budget")


@dataclass
class LedgerRow:
    period: str
    unit: str
    activity: str
    account: str
    outcome: int  # öre, ledger sign (debit +)
    budget: int | None


def _tkr(value: float) -> int:
    return int(round(value * 1000)) * 100  # whole tkr in öre


def _split_units(total: int, units: list[Unit], weight) -> dict[str, int]:
    weights = [weight(u) for u in units]
    return dict(zip((u.unit_id for u in units), largest_remainder(total, weights)))


def _unit_weight(unit: Unit) -> float:
    return unit.staff * COST_INTENSITY[unit.profile]


# --------------------------------------------------------------------------- hemtjänst programme


def solve_hemtjanst(book: FigureBook, year: int) -> tuple[dict, dict]:
    """Monthly revenue and cost (SEK) per Ale hemtjänst unit, and yearly budgets,
    inside every published rounding interval."""
    units = [u for u in UNITS[ALE] if u.current.department == HEMTJANST_DEPARTMENT]
    department_area = f"Äldreomsorg / {HEMTJANST_DEPARTMENT}"
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    n_units = len(units)
    # variables: rev offsets (u, m), cost offsets (u, m), budget rev offsets (u), budget cost offsets (u)
    rev = lambda u, m: u * 12 + m  # noqa: E731
    cost = lambda u, m: n_units * 12 + u * 12 + m  # noqa: E731
    brev = lambda u: 2 * n_units * 12 + u  # noqa: E731
    bcost = lambda u: 2 * n_units * 12 + n_units + u  # noqa: E731
    n = 2 * n_units * 12 + 2 * n_units
    rows, lows, highs = [], [], []
    base = np.zeros(n)

    def published(metric: str, area: str, period: str, unit_id: str = "") -> float | None:
        figure = book.get(metric, year, area=area, period=period, unit_id=unit_id)
        return figure.value if figure else None

    def constrain(indices: list[int], offset_base: float, target_tkr: float | None) -> None:
        if target_tkr is None:
            return
        row = np.zeros(n)
        row[indices] = 1
        rows.append(row)
        # exact value = base + offsets must round to target: keep 1 SEK inside the interval
        lows.append(target_tkr * 1000 - 499 - offset_base)
        highs.append(target_tkr * 1000 + 499 - offset_base)

    centre: dict[int, float] = {}
    for u, unit in enumerate(units):
        area = f"Äldreomsorg / {unit.current.name}"
        for m, period in enumerate(months):
            r = published("revenue", area, period, unit.unit_id)
            c = published("total_costs", area, period, unit.unit_id)
            if r is None or c is None:
                raise ValueError(f"hemtjänst {unit.unit_id} {period}: published month missing")
            base[rev(u, m)] = r * 1000
            base[cost(u, m)] = c * 1000
            constrain([rev(u, m)], 0, 0)
            constrain([cost(u, m)], 0, 0)
            res = published("result", area, period, unit.unit_id)
            constrain([rev(u, m), cost(u, m)], base[rev(u, m)] + base[cost(u, m)], res)
        for metric, index in (("revenue", rev), ("total_costs", cost)):
            constrain([index(u, m) for m in range(12)], sum(base[index(u, m)] for m in range(12)),
                      published(metric, area, str(year), unit.unit_id))
        constrain([rev(u, m) for m in range(12)] + [cost(u, m) for m in range(12)],
                  sum(base[rev(u, m)] + base[cost(u, m)] for m in range(12)),
                  published("result", area, str(year), unit.unit_id))
        rb = published("revenue_budget", area, str(year), unit.unit_id)
        cb = published("total_costs_budget", area, str(year), unit.unit_id)
        base[brev(u)] = rb * 1000
        base[bcost(u)] = cb * 1000
        constrain([brev(u)], 0, 0)
        constrain([bcost(u)], 0, 0)
        constrain([brev(u), bcost(u)], base[brev(u)] + base[bcost(u)],
                  published("result_budget", area, str(year), unit.unit_id))
        centre[u] = 0
    for m, period in enumerate(months):
        for metric, index in (("revenue", rev), ("total_costs", cost)):
            constrain([index(u, m) for u in range(n_units)], sum(base[index(u, m)] for u in range(n_units)),
                      published(metric, department_area, period))
        constrain([rev(u, m) for u in range(n_units)] + [cost(u, m) for u in range(n_units)],
                  sum(base[rev(u, m)] + base[cost(u, m)] for u in range(n_units)),
                  published("result", department_area, period))
    all_rev = [rev(u, m) for u in range(n_units) for m in range(12)]
    all_cost = [cost(u, m) for u in range(n_units) for m in range(12)]
    constrain(all_rev, sum(base[i] for i in all_rev), published("revenue", department_area, str(year)))
    constrain(all_cost, sum(base[i] for i in all_cost), published("total_costs", department_area, str(year)))
    constrain(all_rev + all_cost, sum(base[i] for i in all_rev + all_cost),
              published("result", department_area, str(year)))
    budget_rev = [brev(u) for u in range(n_units)]
    budget_cost = [bcost(u) for u in range(n_units)]
    constrain(budget_rev, sum(base[i] for i in budget_rev), published("revenue_budget", department_area, str(year)))
    constrain(budget_cost, sum(base[i] for i in budget_cost),
              published("total_costs_budget", department_area, str(year)))
    constrain(budget_rev + budget_cost, sum(base[i] for i in budget_rev + budget_cost),
              published("result_budget", department_area, str(year)))
    # Minimise the total absolute offset: x = plus - minus.
    a = np.array(rows)
    a_split = np.hstack([a, -a])
    objective = np.ones(2 * n)
    result = milp(
        objective,
        constraints=LinearConstraint(a_split, np.array(lows), np.array(highs)),
        integrality=np.ones(2 * n),
        bounds=Bounds(0, 499),
    )
    if not result.success:
        raise ValueError(f"hemtjänst {year}: published monthly figures cannot all be met ({result.message})")
    offsets = np.round(result.x[:n] - result.x[n:]).astype(int)
    monthly = {}
    budgets = {}
    for u, unit in enumerate(units):
        for m in range(12):
            monthly[(unit.unit_id, m, "revenue")] = int(base[rev(u, m)] + offsets[rev(u, m)])
            monthly[(unit.unit_id, m, "costs")] = int(base[cost(u, m)] + offsets[cost(u, m)])
        budgets[(unit.unit_id, "revenue")] = int(base[brev(u)] + offsets[brev(u)])
        budgets[(unit.unit_id, "costs")] = int(base[bcost(u)] + offsets[bcost(u)])
    return monthly, budgets


# --------------------------------------------------------------------------- year plans


@dataclass
class YearPlan:
    """Yearly amounts per (unit, category) in öre, shown sign: revenue +, costs −."""

    outcome: dict[tuple[str, str], int]
    budget: dict[tuple[str, str], int]
    # Ale's hemtjänst units: fixed monthly totals (öre, shown sign) for "revenue" and "costs".
    monthly: dict[tuple[str, int, str], int]
    monthly_budget_years: dict[tuple[str, str], int]


def _category_split(total_cost: int, units: list[Unit], weight) -> dict[tuple[str, str], int]:
    """Split a (negative) cost total over units and categories by profile mix."""
    keys, weights = [], []
    for unit in units:
        for category in COST_CATEGORIES:
            share = PROFILE_MIX[unit.profile][category]
            if share > 0:
                keys.append((unit.unit_id, category))
                weights.append(weight(unit) * share)
    return dict(zip(keys, largest_remainder(total_cost, weights)))


def plan_alingsas(book: FigureBook, year: int, rng: random.Random) -> YearPlan:
    units = UNITS[ALINGSAS]
    reference_year = year if book.get("revenue", year) else 2024
    growth = 1.0 if reference_year == year else 1.04
    outcome: dict[tuple[str, str], int] = {}
    budget: dict[tuple[str, str], int] = {}
    for category in CATEGORIES:
        total = _tkr(book.value(category, reference_year) * growth)
        if category == "revenue":
            split = _split_units(total, units, lambda u: _unit_weight(u) * REVENUE_RATIO[u.profile])
        else:
            split = _split_units(total, [u for u in units if PROFILE_MIX[u.profile][category] > 0],
                                 lambda u, c=category: _unit_weight(u) * PROFILE_MIX[u.profile][c])
        for unit_id, amount in split.items():
            outcome[(unit_id, category)] = amount
        budget_value = book.value(f"{category}_budget", reference_year)
        if budget_value is not None:
            budget_total = _tkr(budget_value * growth)
            budget_split = largest_remainder(budget_total, [abs(split[k]) * rng.uniform(0.9, 1.1) for k in split])
            for unit_id, amount in zip(split, budget_split):
                budget[(unit_id, category)] = amount
        else:
            for unit_id, amount in split.items():
                budget[(unit_id, category)] = int(amount * rng.uniform(0.95, 1.02)) // 100000 * 100000
    return YearPlan(outcome, budget, {}, {})


# Ale's published areas get exact net costs; offsets keep every rounding right
# (the areas' rounded net costs add up to one tkr more than the rounded total).
_ALE_NET_OFFSET = {"Äldreomsorg": 200}
_ALE_NET_BUDGET_OFFSET = {"Äldreomsorg": 300, "Funktionsstöd": 300, "Individ- och familjeomsorg": 300}
_ALE_REVENUE_OFFSET = -400
_ALE_REVENUE_BUDGET_OFFSET = -50
_ALE_SCALE = {2023: 0.915, 2024: 0.962}


def plan_ale(book: FigureBook, year: int, rng: random.Random) -> YearPlan:
    units = UNITS[ALE]
    publish_year = 2025
    scale = _ALE_SCALE.get(year, 1.0)
    hemtjanst = [u for u in units if u.current.department == HEMTJANST_DEPARTMENT]
    others = [u for u in units if u not in hemtjanst]
    areas = sorted({u.current.area for u in units})
    outcome: dict[tuple[str, str], int] = {}
    budget: dict[tuple[str, str], int] = {}
    monthly: dict[tuple[str, int, str], int] = {}
    monthly_budget: dict[tuple[str, str], int] = {}
    if year == publish_year:
        sek_monthly, sek_budgets = solve_hemtjanst(book, year)
        monthly = {key: value * 100 for key, value in sek_monthly.items()}
        monthly_budget = {key: value * 100 for key, value in sek_budgets.items()}
    else:
        reference, reference_budget = solve_hemtjanst(book, publish_year)
        for (unit_id, m, kind), value in reference.items():
            monthly[(unit_id, m, kind)] = int(value * scale * rng.uniform(0.97, 1.03)) * 100
        for key, value in reference_budget.items():
            monthly_budget[key] = int(value * scale) // 1000 * 100000
    hemtjanst_net = sum(monthly.values())
    hemtjanst_revenue = sum(v for (_, _, kind), v in monthly.items() if kind == "revenue")
    hemtjanst_budget_net = sum(monthly_budget.values())
    hemtjanst_budget_revenue = sum(v for (_, kind), v in monthly_budget.items() if kind == "revenue")

    def scaled(value: float | None, offset: int = 0) -> int:
        return int(round((_tkr(value) + offset * 100) * scale))

    revenue_total = scaled(book.value("revenue", publish_year), _ALE_REVENUE_OFFSET)
    revenue_budget_total = scaled(book.value("revenue_budget", publish_year), _ALE_REVENUE_BUDGET_OFFSET)
    other_revenue = _split_units(revenue_total - hemtjanst_revenue, others,
                                 lambda u: _unit_weight(u) * REVENUE_RATIO[u.profile])
    other_revenue_budget = _split_units(revenue_budget_total - hemtjanst_budget_revenue, others,
                                        lambda u: _unit_weight(u) * REVENUE_RATIO[u.profile] * rng.uniform(0.8, 1.1))
    for area in areas:
        area_units = [u for u in others if u.current.area == area]
        net = scaled(book.value("net_cost", publish_year, area=area), _ALE_NET_OFFSET.get(area, 0))
        net_budget = scaled(book.value("net_cost_budget", publish_year, area=area), _ALE_NET_BUDGET_OFFSET.get(area, 0))
        if area == "Äldreomsorg":
            net -= hemtjanst_net
            net_budget -= hemtjanst_budget_net
        revenue = sum(other_revenue[u.unit_id] for u in area_units)
        revenue_budget = sum(other_revenue_budget[u.unit_id] for u in area_units)
        for unit in area_units:
            outcome[(unit.unit_id, "revenue")] = other_revenue[unit.unit_id]
            budget[(unit.unit_id, "revenue")] = other_revenue_budget[unit.unit_id]
        costs = _category_split(net - revenue, area_units, _unit_weight)
        costs_budget = _category_split(net_budget - revenue_budget, area_units,
                                       lambda u: _unit_weight(u) * rng.uniform(0.9, 1.1))
        outcome.update(costs)
        budget.update(costs_budget)
    return YearPlan(outcome, budget, monthly, monthly_budget)


# --------------------------------------------------------------------------- rows


def _accounts(unit: Unit, category: str) -> tuple[tuple[str, float, bool], ...]:
    if category == "revenue":
        return REVENUE_ACCOUNTS[unit.profile]
    if category == "other_costs" and unit.profile == "ifo":
        return IFO_OTHER
    return ACCOUNTS[category]


def ledger_rows(municipality: str, year: int, plan: YearPlan, rng: random.Random) -> list[LedgerRow]:
    units = {u.unit_id: u for u in UNITS[municipality]}
    # amounts[(unit, category)] -> 12 monthly values in öre, shown sign
    monthly_amounts: dict[tuple[str, str], list[int]] = {}
    monthly_budgets: dict[tuple[str, str], list[int]] = {}
    for (unit_id, category), total in plan.outcome.items():
        weights = [w * rng.uniform(0.93, 1.07) for w in MONTH_WEIGHTS[category]]
        monthly_amounts[(unit_id, category)] = largest_remainder(total, weights)
    for (unit_id, category), total in plan.budget.items():
        monthly_budgets[(unit_id, category)] = largest_remainder(total, [1] * 12)
    fixed_units = sorted({unit_id for unit_id, _, _ in plan.monthly})
    for unit_id in fixed_units:
        unit = units[unit_id]
        mix = PROFILE_MIX[unit.profile]
        cost_categories = [c for c in COST_CATEGORIES if mix[c] > 0]
        revenue = [plan.monthly[(unit_id, m, "revenue")] for m in range(12)]
        monthly_amounts[(unit_id, "revenue")] = revenue
        per_category: dict[str, list[int]] = {c: [] for c in cost_categories}
        for m in range(12):
            split = largest_remainder(plan.monthly[(unit_id, m, "costs")],
                                      [mix[c] * rng.uniform(0.9, 1.1) for c in cost_categories])
            for category, value in zip(cost_categories, split):
                per_category[category].append(value)
        for category, values in per_category.items():
            monthly_amounts[(unit_id, category)] = values
        monthly_budgets[(unit_id, "revenue")] = largest_remainder(plan.monthly_budget_years[(unit_id, "revenue")],
                                                                  [1] * 12)
        budget_costs = largest_remainder(plan.monthly_budget_years[(unit_id, "costs")],
                                         [mix[c] for c in cost_categories])
        for category, value in zip(cost_categories, budget_costs):
            monthly_budgets[(unit_id, category)] = largest_remainder(value, [1] * 12)
    rows: list[LedgerRow] = []
    base_noise: dict[tuple[str, str], float] = {}
    for (unit_id, category), values in sorted(monthly_amounts.items()):
        unit = units[unit_id]
        accounts = _accounts(unit, category)
        budgets = monthly_budgets.get((unit_id, category), [0] * 12)
        for account, share, _ in accounts:
            base_noise[(unit_id, account)] = share * rng.uniform(0.8, 1.2)
        for m in range(12):
            period = f"{year}-{m + 1:02d}"
            split = largest_remainder(values[m], [base_noise[(unit_id, a)] * rng.uniform(0.9, 1.1)
                                                  for a, _, _ in accounts])
            budgeted = [(a, s) for a, s, has_budget in accounts if has_budget]
            budget_split = dict(zip((a for a, _ in budgeted),
                                    largest_remainder(budgets[m], [s for _, s in budgeted])))
            for (account, _, has_budget), amount in zip(accounts, split):
                # Ledger sign: costs are debits (+), revenues credits (−); shown sign is the opposite.
                rows.append(LedgerRow(period, unit_id, unit.activity, account, -amount,
                                      -budget_split[account] if has_budget else None))
    # Kommunbidrag and interest (class 8) sit outside verksamhetens nettokostnad.
    central = next(u for u in UNITS[municipality] if u.profile == "central")
    net_by_month = [0] * 12
    for (unit_id, category), values in monthly_amounts.items():
        for m in range(12):
            net_by_month[m] += values[m]
    for m in range(12):
        period = f"{year}-{m + 1:02d}"
        grant = -net_by_month[m] // 100000 * 100000
        rows.append(LedgerRow(period, central.unit_id, central.activity, KOMMUNBIDRAG_ACCOUNT, -grant, -grant))
        rows.append(LedgerRow(period, central.unit_id, central.activity, INTEREST_ACCOUNT,
                              rng.randint(1000, 90000) * 100 + rng.randint(0, 99), None))
    rows.sort(key=lambda r: (r.period, r.unit, r.account))
    return rows


def plan_year(municipality: str, book: FigureBook, year: int, rng: random.Random) -> YearPlan:
    if municipality == ALINGSAS:
        return plan_alingsas(book, year, rng)
    return plan_ale(book, year, rng)


def format_row(municipality: str, row: LedgerRow, thousands: str) -> list[str]:
    return [
        municipality,
        row.period,
        row.unit,
        row.activity,
        row.account,
        fmt_money(row.outcome, thousands),
        "" if row.budget is None else fmt_money(row.budget, thousands),
    ]
