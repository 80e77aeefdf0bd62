"""Providers' accounts, closures, market entry and market fees.

Each institution has an :class:`Account` that integrates its activity (child-months, fee
income, caregiver-months, place-months) between monthly closings, so the statement is exact
for the events that happened. Private providers close after ``close_after_deficit_months``
consecutive months in deficit with cash below ``cash_floor``; their children are displaced
and re-enter allocation with priority. Market providers enter a district when the occupancy
they could expect there covers their cost (after a lead time) and set fees yearly from
occupancy, within bounds. Public providers never close: the government covers their
deficit (a public cost). Rules and parameters: ``economics`` in config; sources in
:mod:`sim.model.economics`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

from simpy.events import Timeout

from sim.model.city import Institution, type_size
from sim.model.economics import Statement, breakeven_occupancy, market_fee_update, monthly_statement
from sim.params.schema import InstitutionSpec

if TYPE_CHECKING:
    from sim.model.city import District
    from sim.model.world import World


class Account:
    """Integrated activity of one institution since the last closing, and its cash."""

    __slots__ = ("t", "te", "children", "fee_rate", "voucher_rate", "caregivers", "places",
                 "child_area", "fee_area", "voucher_area", "cg_area", "place_area",
                 "cash", "cash_start", "revenue_total", "cost_total", "deficit_months",
                 "year_child_area", "year_place_area")

    def __init__(self, t: float) -> None:
        self.t = t  # caregivers and places integrated up to t; children and fees up to te
        self.te = t
        self.children = 0
        self.fee_rate = 0.0
        self.voucher_rate = 0.0
        self.caregivers = 0
        self.places = 0
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
            self.cg_area += self.caregivers * dt
            self.place_area += self.places * dt
            self.t = t

    def advance_enrolment(self, t: float) -> None:
        """Integrate the rates that change with enrolment (children, fees, vouchers) up to ``t``.

        :meth:`World.occupy` inlines these lines: it runs twice per family.
        """
        dt = t - self.te
        if dt > 0:
            self.child_area += self.children * dt
            self.fee_area += self.fee_rate * dt
            self.voucher_area += self.voucher_rate * dt
            self.te = t

    def close_period(self) -> None:
        """Start a new accounting period (areas back to zero)."""
        self.year_child_area += self.child_area
        self.year_place_area += self.place_area
        self.child_area = self.fee_area = self.voucher_area = self.cg_area = self.place_area = 0.0


class ProviderProcess:
    """Monthly statements, closures, market entry and fee setting for every provider."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.cfg = world.params.economics
        self.wage = world.params.staff.wage_per_month
        self.opened = 0
        self.closed = 0
        self.closed_log: list[tuple[float, int]] = []
        self.pipeline: dict[int, int] = {}
        self.revenue_window = 0.0
        self.cost_window = 0.0

    # -- costs ---------------------------------------------------------------------------
    def rent(self, inst: Institution) -> float:
        """Rent per licensed place per month at this institution."""
        t = self.w.params.city.types[inst.type]
        base = self.cfg.rent_per_place_month if t.rent_per_place_month is None else t.rent_per_place_month
        return base * _cost_index(inst.district)

    def statement(self, inst: Institution, op_sub: float, place_sub: float) -> Statement:
        """Return the institution's statement for the closing period."""
        a = inst.acct
        t = self.w.params.city.types[inst.type]
        ci = _cost_index(inst.district)
        return monthly_statement(
            family_fees=a.fee_area, vouchers=a.voucher_area, child_months=a.child_area,
            caregiver_months=a.cg_area, place_months=a.place_area, months=1.0,
            operating_subsidy_per_child_month=op_sub, place_subsidy_per_place_month=place_sub,
            wage_per_month=self.wage * ci, rent_per_place_month=self.rent(inst),
            per_child_cost_month=self.cfg.per_child_cost_month * ci,
            overhead_per_month=t.overhead_per_month * ci,
        )

    def fixed_cost(self, inst: Institution) -> float:
        """Monthly cost of a fully staffed, empty institution."""
        ci = _cost_index(inst.district)
        cg = sum(c.required_caregivers() for c in inst.classes)
        t = self.w.params.city.types[inst.type]
        return cg * self.wage * ci + self.rent(inst) * inst.licensed + t.overhead_per_month * ci

    def start_cash(self) -> None:
        """Month 0: the accounts open (burn-in activity is not booked) with the starting cash."""
        now = self.w.env.now
        for inst in self.w.institutions:
            a = inst.acct
            a.advance(now)
            a.close_period()
            a.year_child_area = a.year_place_area = 0.0
            a.cash = a.cash_start = self.cfg.initial_cash_months * self.fixed_cost(inst)

    # -- closing the month ------------------------------------------------------------------
    def post(self, inst: Institution, st: Statement, public_transfer: float, in_window: bool) -> None:
        """Book a month's statement (plus any public transfer) into the institution's cash."""
        a = inst.acct
        revenue = st.revenue + public_transfer
        a.cash += revenue - st.cost
        a.revenue_total += revenue
        a.cost_total += st.cost
        if in_window and inst.sector == "private":
            self.revenue_window += st.revenue
            self.cost_window += st.cost
        if inst.sector == "private":
            a.deficit_months = a.deficit_months + 1 if st.result < 0 else 0
        a.close_period()

    def closures(self) -> None:
        """Close private providers after sustained losses; displace their children."""
        cfg = self.cfg
        closing = [
            inst for inst in self.w.institutions
            if inst.open and inst.sector == "private" and inst.acct.cash < cfg.cash_floor
            and inst.acct.deficit_months >= cfg.close_after_deficit_months
        ]
        if not closing:
            return
        now = self.w.env.now
        self.closed_log.extend((now, inst.licensed) for inst in closing)
        self.closed_log = [(t, p) for t, p in self.closed_log if t > now - 24.0]
        self.w.close_institutions(closing)
        self.closed += len(closing)

    # -- yearly: fees and entry ---------------------------------------------------------------
    def recent_closure_rate(self, months: float = 12.0) -> float:
        """Places lost to closures per month over the last ``months``."""
        now = self.w.env.now
        lost = sum(p for t, p in self.closed_log if t > now - months)
        return lost / months

    def update_fees(self) -> None:
        """Market providers reset their fee from last year's occupancy (new contracts only)."""
        cfg = self.cfg
        types = self.w.params.city.types
        for inst in self.w.institutions:
            a = inst.acct
            if inst.open and not inst.affordable and a.year_place_area > 0:
                base = types[inst.type].fee_per_month * inst.district.spec.fee_index
                occ = a.year_child_area / a.year_place_area
                inst.fee = market_fee_update(inst.fee, occ, cfg.target_occupancy, cfg.fee_adjust_per_year,
                                             cfg.fee_floor_share * base, cfg.fee_ceiling_share * base)
            a.year_child_area = a.year_place_area = 0.0
        self.w.options.refresh_prices()

    def entry_economics(self, d: District, tname: str) -> tuple[int, float]:
        """Return (places, break-even occupancy) of a new ``tname`` provider in district ``d``."""
        w = self.w
        cfg = self.cfg
        t = w.params.city.types[tname]
        size = type_size(w.params.city, tname)
        places = sum(size.values())
        bands = w.params.city.bands
        ci = _cost_index(d)
        wage = self.wage * ci
        rent = (cfg.rent_per_place_month if t.rent_per_place_month is None else t.rent_per_place_month) * ci
        staff = w.params.staff
        if staff.binding and staff.staffing == "demand":
            fixed_cg = staff.spare_caregivers_per_class * sum(
                w.params.city.types[tname].classes.values())
            per_child_staff = wage * sum(n / bands[b].ratio for b, n in size.items()) / max(places, 1)
        else:
            fixed_cg = sum(math.ceil(n / bands[b].ratio - 1e-9) for b, n in size.items())
            per_child_staff = 0.0
        fixed = fixed_cg * wage + rent * places + t.overhead_per_month * ci
        fee = t.fee_per_month * d.spec.fee_index
        need = breakeven_occupancy(fee, places, fixed, cfg.per_child_cost_month * ci + per_child_staff)
        return places, need

    def market_entry(self) -> None:
        """Open market providers where the occupancy they could expect covers their cost."""
        w = self.w
        cfg = self.cfg
        tname = cfg.entry_type
        size = type_size(w.params.city, tname)
        by_district: dict[int, list[Institution]] = {}
        for inst in w.institutions:
            if inst.open and inst.type == tname:
                by_district.setdefault(inst.district.idx, []).append(inst)
        for d in w.districts:
            places, need = self.entry_economics(d, tname)
            mk = by_district.get(d.idx, [])
            enrolled = sum(i.acct.children for i in mk)
            licensed = sum(i.licensed for i in mk) + self.pipeline.get(d.idx, 0)
            per_check = cfg.max_entries_per_district_year * min(1.0, cfg.entry_check_months / 12.0)
            for _ in range(max(1, int(round(per_check)))):
                expected = min(1.0, (enrolled + d.waiting) / (licensed + places))
                if expected < need:
                    break
                licensed += places
                self.schedule_opening(d, tname, size, cfg.entry_lead_months)

    def schedule_opening(self, d: District, tname: str, size: dict[str, int], lead: float) -> None:
        """Open an institution of type ``tname`` in district ``d`` after ``lead`` months."""
        places = sum(size.values())
        self.pipeline[d.idx] = self.pipeline.get(d.idx, 0) + places
        spec = InstitutionSpec(f"{d.spec.name}-{tname}-new{len(self.w.institutions) + 1}", d.spec.name,
                               tname, dict(size))
        Timeout(self.w.env, lead, (d, spec, places)).callbacks.append(self._on_open)

    def _on_open(self, ev: Timeout) -> None:
        d, spec, places = cast("tuple[District, InstitutionSpec, int]", ev.value)
        self.pipeline[d.idx] -= places
        inst = self.w.open_institution(spec)
        inst.acct.cash = inst.acct.cash_start = self.cfg.initial_cash_months * self.fixed_cost(inst)
        self.opened += 1


def _cost_index(d: District) -> float:
    ci = d.spec.cost_index
    return d.spec.fee_index if ci is None else ci
