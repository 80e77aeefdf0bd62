"""A provider's books: activity integrated between monthly closings, cash and results.

An :class:`Account` integrates its institution's activity exactly between events: each
class integrates its own enrolment (child-months, the fees and vouchers of its children:
:meth:`sim.model.city.AgeClass.integrate`), and the account integrates caregiver-months and
place-months, which the places module advances before staff or licensed places change.
The counts themselves live in the classes (the one home of those numbers); when the books
are read (:meth:`Account.advance`, at the month's close) the account collects its classes'
areas into its own, once, so every reader of the period's areas reads a number.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any


class Account:
    """Integrated activity of one institution since the last closing, and its cash."""

    __slots__ = ("classes", "t", "child_area", "fee_area", "voucher_area", "cg_area", "place_area", "cash",
                 "cash_start", "revenue_total", "cost_total", "deficit_months", "year_child_area",
                 "year_place_area", "recent")

    def __init__(self, classes: Sequence[Any], t: float) -> None:
        self.classes = classes
        self.t = t  # caregivers and places integrated up to t
        self.child_area = self.fee_area = self.voucher_area = 0.0  # collected from the classes
        self.cg_area = self.place_area = 0.0
        self.cash = self.cash_start = 0.0
        self.revenue_total = self.cost_total = 0.0
        self.deficit_months = 0
        self.year_child_area = self.year_place_area = 0.0
        self.recent: deque[tuple[float, float]] = deque()  # last periods' (child-months, child revenue)

    def advance(self, t: float) -> None:
        """Integrate every rate up to t and collect the classes' areas (before the books are read)."""
        for c in self.classes:
            c.integrate(t)
            self.child_area += c.child_area
            self.fee_area += c.fee_area
            self.voucher_area += c.voucher_area
            c.child_area = c.fee_area = c.voucher_area = 0.0
        self.advance_staff(t)

    def advance_staff(self, t: float) -> None:
        """Integrate caregivers and licensed places up to ``t`` (before either changes)."""
        dt = t - self.t
        if dt > 0:
            cg = places = 0
            for c in self.classes:
                cg += c.caregivers
                places += c.in_use
            self.cg_area += cg * dt
            self.place_area += places * dt
            self.t = t

    def close_period(self) -> None:
        """Start a new accounting period (areas back to zero)."""
        self.year_child_area += self.child_area
        self.year_place_area += self.place_area
        self.child_area = self.fee_area = self.voucher_area = self.cg_area = self.place_area = 0.0
        for c in self.classes:
            c.child_area = c.fee_area = c.voucher_area = 0.0

    def remember(self, child_months: float, child_revenue: float, months: int) -> None:
        """Keep the period's child-months and the revenue they brought for the last ``months`` periods."""
        self.recent.append((child_months, child_revenue))
        while len(self.recent) > months:
            self.recent.popleft()

    def trailing(self) -> tuple[float, float, int]:
        """Return (child-months, revenue from children, periods) over the remembered periods."""
        cm = sum(c for c, _ in self.recent)
        return cm, sum(r for _, r in self.recent), len(self.recent)

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
