"""A provider's books (:class:`sim.model.accounts.Account`) on hand-made classes (issue 19).

Each class integrates its own enrolment (the real :class:`sim.model.city.AgeClass` does the
same ``rate * dt`` sums); the account integrates caregivers and licensed places, closes periods
and books cash. Every number below is worked out by hand.
"""

from __future__ import annotations

import pytest

from sim.model.accounts import Account


class FakeClass:
    """The part of an age class an account reads: counts, rates and their integrals."""

    def __init__(self, enrolled: int, fee_rate: float, voucher_rate: float, caregivers: int,
                 licensed: int) -> None:
        self.enrolled, self.fee_rate, self.voucher_rate = enrolled, fee_rate, voucher_rate
        self.caregivers, self.licensed = caregivers, licensed
        self.in_use = licensed  # places in rooms in use (rent and place subsidies are paid on them)
        self.child_area = self.fee_area = self.voucher_area = 0.0
        self.te = 0.0

    def integrate(self, t: float) -> None:
        dt = t - self.te
        self.child_area += self.enrolled * dt
        self.fee_area += self.fee_rate * dt
        self.voucher_area += self.voucher_rate * dt
        self.te = t


def account() -> tuple[Account, FakeClass, FakeClass]:
    a = FakeClass(enrolled=4, fee_rate=4000.0, voucher_rate=400.0, caregivers=1, licensed=5)
    b = FakeClass(enrolled=6, fee_rate=9000.0, voucher_rate=0.0, caregivers=2, licensed=10)
    return Account([a, b], 0.0), a, b


def test_advancing_integrates_children_fees_vouchers_caregivers_and_places():
    acct, _, _ = account()
    acct.advance(2.0)
    assert (acct.child_area, acct.fee_area, acct.voucher_area) == (20.0, 26_000.0, 800.0)
    assert (acct.cg_area, acct.place_area, acct.t) == (6.0, 30.0, 2.0)


def test_staff_and_places_are_integrated_piecewise_and_never_backwards():
    acct, a, _ = account()
    acct.advance_staff(1.0)
    a.caregivers, a.licensed, a.in_use = 3, 0, 0
    acct.advance_staff(1.0)  # no time has passed: nothing added
    acct.advance_staff(0.5)  # earlier than the last time: ignored
    assert acct.t == 1.0
    acct.advance_staff(3.0)
    assert acct.cg_area == pytest.approx(3 * 1.0 + 5 * 2.0)
    assert acct.place_area == pytest.approx(15 * 1.0 + 10 * 2.0)


def test_closing_a_period_keeps_the_year_totals_and_restarts_every_area():
    acct, a, b = account()
    acct.advance(1.0)
    acct.close_period()
    assert (acct.year_child_area, acct.year_place_area) == (10.0, 15.0)
    assert (acct.cg_area, acct.place_area) == (0.0, 0.0)
    for c in (a, b):
        assert (c.child_area, c.fee_area, c.voucher_area) == (0.0, 0.0, 0.0)
    acct.advance(3.0)
    acct.close_period()
    assert (acct.year_child_area, acct.year_place_area) == (30.0, 45.0)


def test_booking_moves_cash_by_revenue_minus_cost_and_the_books_balance():
    acct, _, _ = account()
    acct.book(10_000.0, 12_500.0)
    acct.book(3_000.0, 500.0)
    assert (acct.cash, acct.revenue_total, acct.cost_total) == (0.0, 13_000.0, 13_000.0)
    acct.book(1_000.0, 0.0)
    assert acct.cash == 1_000.0 and acct.check() is None


def test_a_cash_change_that_is_not_revenue_minus_cost_is_reported_with_both_figures():
    acct, _, _ = account()
    acct.book(1_000.0, 400.0)
    acct.cash += 50.0
    assert acct.check() == "cash changed by 650.00 but revenue - cost = 600.00"


def test_the_balance_tolerance_is_relative_to_the_larger_of_one_the_flow_and_the_cash():
    acct, _, _ = account()
    acct.book(1e6, 0.0)
    acct.cash += 0.5e-6 * 1e6  # within 1e-6 of the flow
    assert acct.check() is None
    acct.cash += 1.0e-6 * 1e6
    assert acct.check() is not None
    small, _, _ = account()
    small.cash += 0.9e-6  # within 1e-6 of one yuan
    assert small.check() is None
    small.cash += 0.2e-6
    assert small.check() is not None


def test_the_balance_tolerance_follows_the_flow_or_the_cash_whichever_is_larger():
    """Mutation survivors (issue 19): dropping ``abs(flow)`` or ``abs(self.cash)`` from the
    tolerance passed. An account that opened with cash of -1e6 (resp. +1e6) and booked a flow
    of 1e6 (resp. 10) may be off by 0.5 yuan, within 1e-6 of the larger figure."""
    indebted, _, _ = account()
    indebted.cash = indebted.cash_start = -1e6
    indebted.book(1e6, 0.0)
    indebted.cash += 0.5
    assert indebted.check() is None
    rich, _, _ = account()
    rich.cash = rich.cash_start = 1e6
    rich.book(10.0, 0.0)
    rich.cash += 0.5
    assert rich.check() is None
    rich.cash += 1.0
    assert rich.check() is not None


def test_a_new_account_has_no_cash_no_totals_and_no_deficit_months():
    acct = Account([], 2.0)
    assert (acct.t, acct.cash, acct.cash_start, acct.deficit_months) == (2.0, 0.0, 0.0, 0)
    assert (acct.revenue_total, acct.cost_total, acct.cg_area, acct.place_area) == (0.0,) * 4
