"""Fees families pay. Pure functions.

The list fee of an institution is its type's fee scaled by the district's fee index (local
prices follow local incomes); the net price a family weighs subtracts what it receives.
Policy-driven fees (caps, market pricing) plug in here (issue: policies).
"""

from __future__ import annotations


def list_fee(type_fee_per_month: float, district_fee_index: float) -> float:
    """Return the monthly list fee of an institution (yuan)."""
    return type_fee_per_month * district_fee_index


def net_monthly_price(fee: float, family_subsidy_per_month: float = 0.0) -> float:
    """Return what the family pays per month after subsidies (never below zero)."""
    return max(0.0, fee - family_subsidy_per_month)


def fee_burden(net_price: float, income_per_month: float) -> float:
    """Return net price as a share of household income."""
    return net_price / income_per_month
