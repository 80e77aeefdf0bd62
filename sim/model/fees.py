"""Fees: what an institution lists, and what a family pays. Pure functions.

Names used throughout the model:

- ``fee``: the institution's list fee per month (its type's fee times the district's fee
  index; capped for affordable places by policy, :func:`sim.model.economics.capped_fee`);
- ``provider_fee``: what a family pays the provider, the fee minus the voucher a child
  brings (never negative); families rank options by it;
- ``net_fee``: what care costs the family, the provider fee minus the monthly family
  subsidy (never negative); the price decision and the fee burden use it.

A family's provider fee, voucher and net fee are fixed at admission (its contract).
"""

from __future__ import annotations


def list_fee(type_fee_per_month: float, district_fee_index: float) -> float:
    """Return the monthly list fee of an institution (yuan)."""
    return type_fee_per_month * district_fee_index


def provider_fee(fee: float, voucher: float) -> float:
    """Return what a family pays the provider: fee minus voucher, never below zero."""
    return fee - voucher if voucher < fee else 0.0


def net_fee(provider_fee: float, family_subsidy_month: float) -> float:
    """Return what care costs the family per month after its family subsidy, never below zero."""
    net = provider_fee - family_subsidy_month
    return net if net > 0.0 else 0.0


def contract(fee: float, voucher: float, family_subsidy_month: float) -> tuple[float, float, float]:
    """Return a newly admitted family's (voucher used, provider fee, net fee) per month.

    The voucher used is at most the fee; the provider receives the fee, from the family
    (provider fee) and the government (voucher).
    """
    paid = provider_fee(fee, voucher)
    return fee - paid, paid, net_fee(paid, family_subsidy_month)
