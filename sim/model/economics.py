"""The economics of providers and subsidies. Pure functions of plain numbers.

Sources (calibration/china.md): rent plus labour are over 75% of a nursery's operating cost
(s.3, 2024 report to the NPC Standing Committee); caregiver wages near the private-unit
average wage (s.3, NBS 2024); operating subsidies per enrolled child (s.4: Sichuan 200,
Shanxi 500 yuan per child per month); the national childcare subsidy of 3,600 yuan per child
per year (s.4); construction grants of about 10,000 yuan per new place (s.4, conf. L). The
provider statement follows the US Provider Cost of Quality Calculator (s.6): revenue from
fees and subsidies, costs from staff, space, children and overhead, losses from empty seats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Statement:
    """One provider's month: revenue and cost by item (yuan)."""

    fees: float
    vouchers: float
    operating_subsidy: float
    place_subsidy: float
    wages: float
    rent: float
    child_costs: float
    overhead: float
    workforce: float = 0.0  # quality rules (sim.model.quality): wage floor top-up, health staff, fines
    wage_subsidy: float = 0.0  # public wage subsidy per qualified caregiver (sim.model.workforce)

    @property
    def revenue(self) -> float:
        """Fees plus every subsidy received."""
        return self.fees + self.vouchers + self.operating_subsidy + self.place_subsidy + self.wage_subsidy

    @property
    def cost(self) -> float:
        """Wages, rent, per-child costs, overhead and the costs of the quality rules."""
        return self.wages + self.rent + self.child_costs + self.overhead + self.workforce

    @property
    def result(self) -> float:
        """Revenue minus cost (the change in cash)."""
        return self.revenue - self.cost


def monthly_statement(
    family_fees: float,
    vouchers: float,
    child_months: float,
    caregiver_months: float,
    place_months: float,
    months: float,
    operating_subsidy_per_child_month: float,
    place_subsidy_per_place_month: float,
    wage_per_month: float,
    rent_per_place_month: float,
    per_child_cost_month: float,
    overhead_per_month: float,
) -> Statement:
    """Return a provider's statement for a period from its integrated activity."""
    return Statement(
        fees=family_fees,
        vouchers=vouchers,
        operating_subsidy=operating_subsidy_per_child_month * child_months,
        place_subsidy=place_subsidy_per_place_month * place_months,
        wages=wage_per_month * caregiver_months,
        rent=rent_per_place_month * place_months,
        child_costs=per_child_cost_month * child_months,
        overhead=overhead_per_month * months,
    )


def capped_fee(list_fee: float, cap: float | None, basis: str, median_income: float) -> float:
    """Return the fee of an affordable place under a cap (yuan, or share of median income)."""
    if cap is None:
        return list_fee
    limit = cap if basis == "yuan" else cap * median_income
    return min(list_fee, limit)


def market_fee_update(fee: float, occupancy: float, target_occupancy: float, adjust: float,
                      floor: float, ceiling: float) -> float:
    """Return next year's market fee: up when fuller than target, down when emptier, bounded."""
    new = fee * (1.0 + adjust * (occupancy - target_occupancy) / max(target_occupancy, 1e-9))
    return min(max(new, floor), ceiling)


def breakeven_occupancy(fee: float, places: int, fixed_cost: float, variable_cost_per_child: float,
                        subsidy_per_child: float = 0.0) -> float:
    """Return the occupancy at which a provider's monthly revenue covers its cost.

    ``fixed_cost`` is what an empty provider pays per month (rent, overhead, minimum staff);
    ``variable_cost_per_child`` what each enrolled child adds (care costs and the caregiver
    time its ratio needs). ``inf`` when a child brings in less than it costs.
    """
    margin = fee + subsidy_per_child - variable_cost_per_child
    if margin <= 0 or places <= 0:
        return math.inf
    return fixed_cost / (margin * places)


def family_subsidy_per_month(per_year: float) -> float:
    """Return the monthly value of a yearly family subsidy."""
    return per_year / 12.0


def pay_within_budget(due: float, remaining: float | None) -> tuple[float, float]:
    """Return (paid, refused) for a payment ``due`` against the budget ``remaining``."""
    if remaining is None:
        return due, 0.0
    paid = min(due, max(0.0, remaining))
    return paid, due - paid
