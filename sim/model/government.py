"""The government: subsidy schemes paid from a yearly budget, fee caps, and its planning year.

Schemes (``policy`` in config; sources in :mod:`sim.model.economics`): a family subsidy paid
for every child under 3 (the national 育儿补贴, 3,600 yuan per child per year from 2025,
calibration/china.md s.4); childcare vouchers per enrolled child at registered (affordable)
providers; operating subsidies per enrolled child-month and per-place subsidies to
affordable providers (a rate per provider type, ``policy.operating_subsidy_by_type``, e.g.
Shanxi's 500 a month for centres and 300 for kindergarten classes, china.md s.4; types not
listed get ``operating_subsidy_per_child_month``); fee caps on affordable places; construction
grants per new public place (:mod:`sim.model.capacity`) and per place of a market entrant of
an affordable type (``policy.entry_grant_per_place``, :mod:`sim.model.market`); the services
of the comprehensive childcare service centre (:mod:`sim.model.hub`, cost kind ``hub``).
Each month the family subsidy, the hub's services, vouchers, operating and per-place
subsidies are paid in that order from the year's remaining budget; what does not fit is
refused and recorded, and no new commitment (a voucher for a newly admitted child, the
family subsidy in a family's price decision) is made until the next January. Public
providers' deficits are covered outside the budget and counted as public cost.

The government's year is a SimPy process (:meth:`Government.year`): each January a fresh
budget; every ``capacity.plan_every_months`` the hub (when the city needs one) and the
capacity programme order places.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.economics import capped_fee, family_subsidy_per_month, pay_within_budget

if TYPE_CHECKING:
    from sim.model.capacity import CapacityProgramme
    from sim.model.city import District, Institution
    from sim.model.hub import Hub
    from sim.model.options import Options
    from sim.model.trace import Trace
    from sim.model.workforce import Workforce
    from sim.model.world import Broadcast
    from sim.params.schema import Config, PolicyConfig

COST_KINDS = ("family_subsidy", "voucher", "operating", "construction", "public_providers", "hub", "purchase",
              "quality")


def every(m: int, period: float) -> bool:
    """True when month ``m`` is a multiple of ``period`` months (rounded to whole months)."""
    return m % max(1, int(round(period))) == 0


class Government:
    """Budget, scheme payments, fee caps and the planning year."""

    def __init__(self, env: simpy.Environment, params: Config, districts: Sequence[District],
                 options: Options, trace: Trace) -> None:
        self.env = env
        self.pol = params.policy
        self.start_year = params.run.start_year
        self.economics = params.economics.enabled
        self.districts = districts
        self.options = options
        self.trace = trace
        self.remaining: float | None = self.pol.budget_per_year
        self.exhausted = False
        self.cost = dict.fromkeys(COST_KINDS, 0.0)
        self.refused = 0.0
        self.month_cost = [0.0] * len(districts)
        self.spent_by_year: dict[int, float] = {}
        self.cost_by_year: dict[int, dict[str, float]] = {}  # every month from month 0, window or not
        self.refused_by_year: dict[int, float] = {}
        self.shares = (1.0, 0.0, 0.0)  # this month: voucher share paid, operating and place subsidy rates
        self.op_share = 1.0  # this month: share of the operating subsidies paid (the budget's)
        self.capacity: CapacityProgramme | None = None  # set by the world
        self.contracts: dict[int, float] = {}  # purchase contracts: institution -> yuan per place-month
        self.purchase_share = 1.0  # this month's share of the contracts paid
        self.hub: Hub | None = None  # set by the world
        self.workforce: Workforce | None = None  # set by the world when quality.enabled
        self.hub_deficits = 0.0  # deficits of public hubs covered in the window (also public_providers)

    # -- what families and providers see ----------------------------------------------------
    def family_subsidy_month(self) -> float:
        """The monthly family subsidy counted in new decisions (0 while the budget is exhausted)."""
        return 0.0 if self.exhausted else family_subsidy_per_month(self.pol.family_subsidy_per_year)

    def voucher_for(self, inst: Institution) -> float:
        """The voucher a newly admitted child brings to ``inst`` (0 when not eligible)."""
        if self.exhausted or self.pol.voucher_per_month <= 0:
            return 0.0
        if self.pol.voucher_scope == "all" or inst.affordable:
            return self.pol.voucher_per_month
        return 0.0

    def apply_fee_cap(self, inst: Institution) -> None:
        """Cap the fee of an affordable institution (policy ``fee_cap`` in force; none: its list fee)."""
        if inst.affordable:
            pol = self.pol
            inst.fee = capped_fee(inst.list_fee, pol.fee_cap, pol.fee_cap_basis,
                                  inst.district.spec.median_income)

    def operating_rate(self, type_name: str) -> float:
        """Return the operating subsidy per child-month in force for an affordable ``type_name``.

        The rate before the budget share: the type's ``policy.operating_subsidy_by_type`` or,
        when it is not listed, ``policy.operating_subsidy_per_child_month``. Only affordable
        providers are paid it (:meth:`provider_terms`).
        """
        return self.pol.operating_subsidy_by_type.get(type_name, self.pol.operating_subsidy_per_child_month)

    def provider_terms(self, inst: Institution) -> tuple[float, float, float]:
        """Return this month's (voucher share paid, operating subsidy per child-month, per place-month).

        The per-place rate includes a purchase contract's subsidy (:meth:`purchase`).
        """
        v_share, op, pl = self.shares
        if not inst.affordable:
            return (v_share, 0.0, 0.0)
        rate = self.pol.operating_subsidy_by_type.get(inst.type)
        bought = self.contracts.get(inst.idx, 0.0) * self.purchase_share
        return (v_share, op if rate is None else rate * self.op_share, pl + bought)

    def place_rate(self) -> float:
        """Return the per-place subsidy per month of affordable providers (before budget shares)."""
        return self.pol.place_subsidy_per_year / 12.0

    def purchase(self, inst: Institution, per_place_month: float) -> None:
        """Contract ``inst``'s places as 普惠 places: ``per_place_month`` per licensed place from now.

        Paid monthly within the budget (cost kind ``purchase``) while the provider is open.
        """
        self.contracts[inst.idx] = per_place_month

    # -- the year ------------------------------------------------------------------------------
    def year(self, month_started: Broadcast) -> Generator[simpy.Event, Any, None]:
        """January: a fresh budget; every planning period: the capacity programme."""
        while True:
            m = yield month_started.wait()
            if m % 12 == 0:
                self.new_year()
            if self.capacity is not None and self.capacity.due(m):
                if self.hub is not None:
                    self.hub.plan(m >= self.capacity.warmup)  # first: its places count towards the target
                self.capacity.plan(m >= self.capacity.warmup)

    def new_year(self) -> None:
        """January: a fresh budget; new commitments resume."""
        self.remaining = self.pol.budget_per_year
        if self.exhausted:
            self.exhausted = False
            self.options.invalidate_prices()

    # -- levers changing on a date (sim.model.timeline) ------------------------------------------
    def set_policy(self, pol: PolicyConfig, institutions: Sequence[Institution]) -> None:
        """From now on the levers ``pol`` are in force (a ``policy.timeline`` entry).

        Contracts already made keep their terms; new admissions, decisions and this month's
        payments (paid when it closes) see the new levers. Fee caps are re-applied to open
        affordable institutions (a lifted cap restores the list fee). A new yearly budget
        applies pro rata to the rest of the calendar year (:meth:`rebudget`).
        """
        old, self.pol = self.pol, pol
        if pol.budget_per_year != old.budget_per_year:
            self.rebudget(old.budget_per_year)
        if (pol.fee_cap, pol.fee_cap_basis) != (old.fee_cap, old.fee_cap_basis):
            for inst in institutions:
                if inst.open:
                    self.apply_fee_cap(inst)
        self.options.invalidate_prices()

    def rebudget(self, old: float | None) -> None:
        """The yearly budget changes now: the rest of this calendar year gets the new one pro rata.

        The year's budget becomes the old budget for the months gone and the new one for the
        months left (what was spent stays spent): ``remaining += (new - old) * months_left/12``.
        From an unlimited budget the rest of the year gets ``new * months_left/12``; a budget
        lifted (null) is unlimited at once. In January (12 months left) the new budget is
        simply the year's. Commitments resume when money is left.
        """
        new = self.pol.budget_per_year
        left = (12 - int(round(self.env.now)) % 12) / 12.0
        if new is None:
            self.remaining = None
        elif old is None or self.remaining is None:
            self.remaining = new * left
        else:
            self.remaining += (new - old) * left
        if self.exhausted and (self.remaining is None or self.remaining > 0):
            self.exhausted = False
            self.options.invalidate_prices()

    # -- money -----------------------------------------------------------------------------
    def pay(self, kind: str, due: float, in_window: bool) -> float:
        """Pay ``due`` for scheme ``kind`` (the month just ended) within the budget; return the share paid."""
        if due <= 0:
            return 1.0
        paid, refused = pay_within_budget(due, self.remaining)
        if self.remaining is not None:
            self.remaining -= paid
        self.book_year(paid, self.env.now - 1.0)
        if self.trace.active:
            self.trace.emit(self.env.now, "pay", kind, (paid, refused))
        self.book_cost(kind, paid, self.env.now - 1.0, in_window, refused)
        if refused > 0:
            self.exhaust()
        return paid / due

    def commit(self, amount: float, in_window: bool, d: District) -> bool:
        """Fund a construction commitment whole, or refuse it (recorded) when the budget cannot."""
        if self.remaining is not None and amount > self.remaining:
            self.book_cost("construction", 0.0, self.env.now, in_window, amount)
            self.exhaust()
            return False
        if self.remaining is not None:
            self.remaining -= amount
        self.book_year(amount, self.env.now)
        if self.trace.active:
            self.trace.emit(self.env.now, "commit", d, amount)
        self.book_cost("construction", amount, self.env.now, in_window)
        self.month_cost[d.idx] += amount
        return True

    def year_of(self, t: float) -> int:
        """Return the calendar year of the month starting at ``t``."""
        return self.start_year + math.floor(t / 12.0 + 1e-9)

    def book_year(self, amount: float, t: float) -> None:
        """Add budget-limited spending to the budget year of time ``t`` (a month's start)."""
        year = self.year_of(t)
        self.spent_by_year[year] = self.spent_by_year.get(year, 0.0) + amount

    def book_cost(self, kind: str, paid: float, t: float, in_window: bool, refused: float = 0.0) -> None:
        """Count public cost ``paid`` (and ``refused``) of the month starting at ``t``: window and year."""
        if in_window:
            self.cost[kind] += paid
            self.refused += refused
        year = self.year_of(t)
        by_kind = self.cost_by_year.setdefault(year, dict.fromkeys(COST_KINDS, 0.0))
        by_kind[kind] += paid
        if refused:
            self.refused_by_year[year] = self.refused_by_year.get(year, 0.0) + refused

    def exhaust(self) -> None:
        """The budget is spent: no new commitments until January."""
        if not self.exhausted:
            self.exhausted = True
            self.options.invalidate_prices()
            if self.trace.active:
                self.trace.emit(self.env.now, "budget_exhausted", self)

    def cover_deficit(self, inst: Institution, amount: float, in_window: bool) -> None:
        """Cover a public provider's deficit (outside the budget, a public cost)."""
        self.book_cost("public_providers", amount, self.env.now - 1.0, in_window)
        if in_window and inst.type == "hub":
            self.hub_deficits += amount
        self.month_cost[inst.district.idx] += amount

    def operating_due(self, affordable: Sequence[Institution]) -> float:
        """Return the operating subsidies owed for the month: each type's rate times its child-months."""
        areas: dict[float, float] = {}
        for inst in affordable:
            rate = self.operating_rate(inst.type)
            areas[rate] = areas.get(rate, 0.0) + inst.acct.child_area
        return sum(rate * area for rate, area in areas.items())

    def close_month(self, t: float, in_window: bool, institutions: Sequence[Institution]) -> None:
        """Pay the month ending at ``t``: family subsidies, the hub's services, then the provider schemes."""
        pol = self.pol
        fs = family_subsidy_per_month(pol.family_subsidy_per_year)
        if fs > 0:
            kids = [d.children_under3(int(round(t))) for d in self.districts]
            share = self.pay("family_subsidy", fs * sum(kids), in_window)
            for d, k in zip(self.districts, kids, strict=True):
                self.month_cost[d.idx] += fs * k * share
        op = pol.operating_subsidy_per_child_month
        pl = self.place_rate()
        if self.hub is not None:
            self.hub.close_month(t, in_window, institutions)
        if self.workforce is not None:
            self.workforce.pay_wage_subsidy(in_window, institutions)
        op_any = op > 0 or any(r > 0 for r in pol.operating_subsidy_by_type.values())
        if not (self.economics or pol.voucher_per_month > 0 or op_any or pl > 0 or self.contracts):
            return  # no scheme pays providers and no provider keeps books: nothing to close
        insts = [i for i in institutions if i.open]
        for inst in insts:
            inst.acct.advance(t)
        aff = [i for i in insts if i.affordable]
        # a scheme at zero owes nothing: pay() would return a share of 1 without booking
        v_share = op_share = pl_share = 1.0
        if pol.voucher_per_month > 0:
            v_share = self.pay("voucher", sum(i.acct.voucher_area for i in insts), in_window)
        if op_any:
            op_share = self.pay("operating", self.operating_due(aff), in_window)
        if pl > 0:
            pl_share = self.pay("operating", pl * sum(i.acct.place_area for i in aff), in_window)
        self.shares = (v_share, op * op_share, pl * pl_share)
        self.op_share = op_share
        if self.contracts:
            due = sum(self.contracts.get(i.idx, 0.0) * i.acct.place_area for i in aff)
            self.purchase_share = self.pay("purchase", due, in_window)
        for inst in insts:
            a = inst.acct
            v, o, p = self.provider_terms(inst)
            self.month_cost[inst.district.idx] += a.voucher_area * v + o * a.child_area + p * a.place_area
            if not self.economics:
                a.close_period()
