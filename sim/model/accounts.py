"""A provider's books: activity integrated between monthly closings, cash and results.

An :class:`Account` integrates its institution's activity (child-months, fee and voucher
income, caregiver-months, place-months) exactly between events: the places module calls
:meth:`Account.advance_enrolment` before enrolment changes and :meth:`Account.advance` before
staff or licensed places change. The rates are read from the institution's classes (the one
home of those counts); only the money rates (fees and vouchers of the children enrolled,
fixed at admission) are kept here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Account:
    """Integrated activity of one institution since the last closing, and its cash."""

    __slots__ = ("classes", "t", "te", "fee_rate", "voucher_rate", "child_area", "fee_area",
                 "voucher_area", "cg_area", "place_area", "cash", "cash_start", "revenue_total",
                 "cost_total", "deficit_months", "year_child_area", "year_place_area")

    def __init__(self, classes: Sequence[Any], t: float) -> None:
        self.classes = classes
        self.t = t  # caregivers and places integrated up to t; children and fees up to te
        self.te = t
        self.fee_rate = 0.0
        self.voucher_rate = 0.0
        self.child_area = self.fee_area = self.voucher_area = self.cg_area = self.place_area = 0.0
        self.cash = self.cash_start = 0.0
        self.revenue_total = self.cost_total = 0.0
        self.deficit_months = 0
        self.year_child_area = self.year_place_area = 0.0

    def advance(self, t: float) -> None:
        """Integrate every rate up to time ``t``."""
        self.advance_enrolment(t)
        dt = t - self.t
        if dt > 0:
            cg = places = 0
            for c in self.classes:
                cg += c.caregivers
                places += c.licensed
            self.cg_area += cg * dt
            self.place_area += places * dt
            self.t = t

    def advance_enrolment(self, t: float) -> None:
        """Integrate the rates that change with enrolment (children, fees, vouchers) up to ``t``."""
        dt = t - self.te
        if dt > 0:
            n = 0
            for c in self.classes:
                n += c.enrolled
            self.child_area += n * dt
            self.fee_area += self.fee_rate * dt
            self.voucher_area += self.voucher_rate * dt
            self.te = t

    def close_period(self) -> None:
        """Start a new accounting period (areas back to zero)."""
        self.year_child_area += self.child_area
        self.year_place_area += self.place_area
        self.child_area = self.fee_area = self.voucher_area = self.cg_area = self.place_area = 0.0

    def book(self, revenue: float, cost: float) -> None:
        """Book a period's revenue and cost into cash."""
        self.cash += revenue - cost
        self.revenue_total += revenue
        self.cost_total += cost

    def check(self, tol: float = 1e-6) -> str | None:
        """Return why the books do not balance (cash change != revenue - cost), or None."""
        change = self.cash - self.cash_start
        flow = self.revenue_total - self.cost_total
        if abs(change - flow) > tol * max(1.0, abs(flow), abs(self.cash)):
            return f"cash changed by {change:.2f} but revenue - cost = {flow:.2f}"
        return None
