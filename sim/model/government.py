"""The government: subsidy schemes under a yearly budget, and the capacity programme.

Schemes (``policy`` in config; sources in :mod:`sim.model.economics`): a family subsidy paid
for every child under 3 (the national 育儿补贴, 3,600 yuan per child per year from 2025);
childcare vouchers per enrolled child at registered (affordable) providers; operating
subsidies per enrolled child-month and per-place subsidies to affordable providers; fee caps
on affordable places; construction grants per new public place. Each month the schemes are
paid in that order from the year's remaining budget; what does not fit is refused and
recorded, and no new commitment (a voucher for a newly admitted child, the family subsidy in
a family's price decision) is made until the next January. Public providers' deficits are
covered outside the budget and counted as public cost.

The capacity programme raises licensed places per 1,000 population linearly from the
month-0 level to ``capacity.target_per_1000`` by January of ``capacity.target_year``: every
``plan_every_months`` it orders what the path needs one planning period after the orders
open, first by converting spare kindergarten classes into toddler classes (spare when
births fall below their month-0 level: three cohorts of kindergarten children per birth
lost, times ``kindergarten_enrolment``), then by building ``build_type`` institutions where
children under 3 per place are highest.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.model.births import births_multiplier
from sim.model.city import type_size
from sim.model.economics import family_subsidy_per_month, pay_within_budget

if TYPE_CHECKING:
    from sim.model.city import District, Institution
    from sim.model.world import World

COST_KINDS = ("family_subsidy", "voucher", "operating", "construction", "public_providers")


class Government:
    """Budget, scheme payments and the capacity programme."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.pol = world.params.policy
        self.cap = world.params.capacity
        self.remaining: float | None = self.pol.budget_per_year
        self.exhausted = False
        self.cost = dict.fromkeys(COST_KINDS, 0.0)
        self.refused = 0.0
        self.month_cost = [0.0] * len(world.districts)
        self.converted = [0] * len(world.districts)
        self.births_ref: list[float] | None = None
        self.start_level: float | None = None
        self.spent_by_year: dict[int, float] = {}

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

    # -- money ---------------------------------------------------------------------------
    def new_year(self) -> None:
        """January: a fresh budget; new commitments resume."""
        self.remaining = self.pol.budget_per_year
        if self.exhausted:
            self.exhausted = False
            self.w.options.refresh_prices()

    def pay(self, kind: str, due: float, in_window: bool) -> float:
        """Pay ``due`` for scheme ``kind`` (for the month just ended) within the budget.

        Return the share paid (0-1).
        """
        if due <= 0:
            return 1.0
        paid, refused = pay_within_budget(due, self.remaining)
        if self.remaining is not None:
            self.remaining -= paid
        self._book_year(paid, self.w.env.now - 1.0)
        if in_window:
            self.cost[kind] += paid
            self.refused += refused
        if refused > 0:
            self._exhaust()
        return paid / due

    def _book_year(self, amount: float, t: float) -> None:
        """Add budget-limited spending to the budget year of time ``t`` (a month's start)."""
        year = self.w.params.run.start_year + math.floor(t / 12.0 + 1e-9)
        self.spent_by_year[year] = self.spent_by_year.get(year, 0.0) + amount

    def _exhaust(self) -> None:
        """The budget is spent: no new commitments until January."""
        if not self.exhausted:
            self.exhausted = True
            self.w.options.refresh_prices()

    def record(self, kind: str, amount: float, in_window: bool, district: District | None) -> None:
        """Record a public cost outside the budget (public providers' deficits)."""
        if in_window:
            self.cost[kind] += amount
        if district is not None:
            self.month_cost[district.idx] += amount

    def close_month(self, t: float, in_window: bool) -> None:
        """Pay the month ending at ``t``: family subsidies, then provider schemes; book accounts."""
        w = self.w
        pol = self.pol
        fs = family_subsidy_per_month(pol.family_subsidy_per_year)
        if fs > 0:
            kids = [d.children_under3(int(round(t))) for d in w.districts]
            share = self.pay("family_subsidy", fs * sum(kids), in_window)
            for d, k in zip(w.districts, kids, strict=True):
                self.month_cost[d.idx] += fs * k * share
        insts = [i for i in w.institutions if i.open]
        for inst in insts:
            inst.acct.advance(t)
        aff = [i for i in insts if i.affordable]
        op = pol.operating_subsidy_per_child_month
        pl = pol.place_subsidy_per_year / 12.0
        # a scheme at zero owes nothing: pay() would return a share of 1 without booking
        v_share = op_share = pl_share = 1.0
        if pol.voucher_per_month > 0:
            v_share = self.pay("voucher", sum(i.acct.voucher_area for i in insts), in_window)
        if op > 0:
            op_share = self.pay("operating", op * sum(i.acct.child_area for i in aff), in_window)
        if pl > 0:
            pl_share = self.pay("operating", pl * sum(i.acct.place_area for i in aff), in_window)
        providers = w.providers
        if not w.economics:
            for inst in insts:
                inst.acct.close_period()
            return
        for inst in insts:
            a = inst.acct
            a.voucher_area *= v_share
            sub_op = op * op_share if inst.affordable else 0.0
            sub_pl = pl * pl_share if inst.affordable else 0.0
            st = providers.statement(inst, sub_op, sub_pl)
            self.month_cost[inst.district.idx] += (
                a.voucher_area + sub_op * a.child_area + sub_pl * a.place_area
            )
            transfer = 0.0
            if inst.sector == "public" and st.result < 0:
                transfer = -st.result
                self.record("public_providers", transfer, in_window, inst.district)
            providers.post(inst, st, transfer, in_window)

    # -- capacity programme -----------------------------------------------------------------
    def plan_capacity(self, t: float, in_window: bool) -> None:
        """Order conversions and new public places to keep to the target path."""
        cap = self.cap
        w = self.w
        pop = sum(d.population for d in w.districts)
        licensed = sum(i.licensed for i in w.institutions if i.open)
        if self.start_level is None:
            self.start_level = licensed * 1000.0 / pop
            self.births_ref = [self._births_now(d, t) for d in w.districts]
        if cap.target_per_1000 is None:
            return
        t_target = (cap.target_year - w.params.run.start_year) * 12.0
        aim_t = t + cap.build_lead_months + cap.plan_every_months
        frac = 1.0 if t_target <= 0 else min(1.0, aim_t / t_target)
        if cap.path == "geometric" and self.start_level > 0:
            aim = self.start_level * (cap.target_per_1000 / self.start_level) ** frac
        else:
            aim = self.start_level + (cap.target_per_1000 - self.start_level) * frac
        pipeline = sum(w.providers.pipeline.values())
        # places expected to close, at the past year's rate, before these orders open and
        # (on average) during the planning period after it
        attrition = w.providers.recent_closure_rate() * (cap.build_lead_months + cap.plan_every_months / 2)
        need = aim * pop / 1000.0 - licensed - pipeline + attrition
        if cap.convert_kindergarten:
            need = self._convert(t, need, in_window)
        self._build(need, in_window)

    def _births_now(self, d: District, t: float) -> float:
        start = self.w.params.run.start_year
        year = start + math.floor(t / 12.0)
        return d.spec.births_per_year * births_multiplier(self.w.params.city, year, start)

    def _convert(self, t: float, need: float, in_window: bool) -> float:
        w = self.w
        size = type_size(w.params.city, "kindergarten") if "kindergarten" in w.params.city.types else {}
        unit = sum(size.values())
        if unit <= 0 or self.births_ref is None:
            return need
        for d in w.districts:
            spare = (
                3
                * self.cap.kindergarten_enrolment
                * max(0.0, self.births_ref[d.idx] - self._births_now(d, t))
            )
            while need > 0 and spare - self.converted[d.idx] >= unit:
                if not self._commit(unit * self.cap.conversion_cost_per_place, in_window, d):
                    return 0.0
                self.converted[d.idx] += unit
                w.providers.schedule_opening(d, "kindergarten", size, self.cap.conversion_lead_months)
                need -= unit
        return need

    def _build(self, need: float, in_window: bool) -> None:
        w = self.w
        tname = self.cap.build_type
        size = type_size(w.params.city, tname)
        unit = sum(size.values())
        if unit <= 0:
            return
        places = {d.idx: float(d.licensed + w.providers.pipeline.get(d.idx, 0)) for d in w.districts}
        kids = {d.idx: float(d.children_under3(int(round(w.env.now)))) for d in w.districts}
        while need > unit / 2:
            d = max(w.districts, key=lambda d: (kids[d.idx] / max(places[d.idx], 1.0), -d.idx))
            if not self._commit(unit * self.cap.construction_grant_per_place, in_window, d):
                return
            w.providers.schedule_opening(d, tname, size, self.cap.build_lead_months)
            places[d.idx] += unit
            need -= unit

    def _commit(self, amount: float, in_window: bool, d: District) -> bool:
        """Fund a construction commitment whole, or refuse it (recorded) when the budget cannot."""
        if self.remaining is not None and amount > self.remaining:
            if in_window:
                self.refused += amount
            self._exhaust()
            return False
        if self.remaining is not None:
            self.remaining -= amount
        self._book_year(amount, self.w.env.now)
        if in_window:
            self.cost["construction"] += amount
        self.month_cost[d.idx] += amount
        return True
