"""Providers: the institutions of the city, their monthly books, openings and closures.

Each open institution runs a monthly cycle as a SimPy process (:meth:`Providers.cycle`):
when the month's accounts close it books its statement (fees, vouchers and subsidies at the
shares the government could pay, against wages, rent, per-child costs and overhead; public
providers' deficits are covered as a public cost), and a private provider that has been in
deficit for ``economics.close_after_deficit_months`` consecutive months with cash below
``economics.cash_floor`` closes: its children are displaced and re-placed with priority,
the families on its waitlists re-rank. Market providers reset their fee each January from
last year's occupancy (:mod:`sim.model.market`). Costs follow calibration/china.md s.3
(rent plus labour over 75% of operating cost); see :mod:`sim.model.economics`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.city import Institution, build_institution
from sim.model.economics import Statement, market_fee_update, monthly_statement
from sim.params.schema import InstitutionSpec

if TYPE_CHECKING:
    from sim.model.allocation import Allocator
    from sim.model.city import AgeClass, District
    from sim.model.family import Families
    from sim.model.government import Government
    from sim.model.options import Options
    from sim.model.places import Places
    from sim.model.trace import Trace
    from sim.model.world import Broadcast
    from sim.params.schema import Config

CLOSED_LOG_MONTHS = 24.0


def cost_index(d: District) -> float:
    """Return the district's cost index (its fee index unless given)."""
    ci = d.spec.cost_index
    return d.spec.fee_index if ci is None else ci


class Providers:
    """Every institution: monthly books, closures, openings."""

    def __init__(self, env: simpy.Environment, params: Config, institutions: list[Institution],
                 classes: list[AgeClass], districts: list[District], places: Places, alloc: Allocator,
                 options: Options, trace: Trace) -> None:
        self.env = env
        self.params = params
        self.cfg = params.economics
        self.wage = params.staff.wage_per_month
        self.institutions = institutions
        self.classes = classes
        self.districts = districts
        self.places = places
        self.alloc = alloc
        self.options = options
        self.trace = trace
        self.families: Families | None = None  # set by the world
        self.gov: Government | None = None
        self.month_closed: Broadcast | None = None
        self.opened = 0
        self.ordered = 0
        self.closed = 0
        self.closed_log: list[tuple[float, int]] = []  # (time, places) of the last 24 months
        self.pipeline: dict[int, int] = {}  # places ordered but not yet open, per district
        self.revenue_window = 0.0
        self.cost_window = 0.0

    # -- costs ---------------------------------------------------------------------------
    def rent(self, inst: Institution) -> float:
        """Rent per licensed place per month at this institution."""
        t = self.params.city.types[inst.type]
        base = self.cfg.rent_per_place_month if t.rent_per_place_month is None else t.rent_per_place_month
        return base * cost_index(inst.district)

    def statement(self, inst: Institution, op_sub: float, place_sub: float,
                  voucher_share: float = 1.0) -> Statement:
        """Return the institution's statement for the closing period (vouchers paid at ``voucher_share``)."""
        a = inst.acct
        ci = cost_index(inst.district)
        return monthly_statement(
            family_fees=a.fee_area, vouchers=a.voucher_area * voucher_share, child_months=a.child_area,
            caregiver_months=a.cg_area, place_months=a.place_area, months=1.0,
            operating_subsidy_per_child_month=op_sub, place_subsidy_per_place_month=place_sub,
            wage_per_month=self.wage * ci, rent_per_place_month=self.rent(inst),
            per_child_cost_month=self.cfg.per_child_cost_month * ci,
            overhead_per_month=self.params.city.types[inst.type].overhead_per_month * ci,
        )

    def fixed_cost(self, inst: Institution) -> float:
        """Monthly cost of a fully staffed, empty institution."""
        ci = cost_index(inst.district)
        cg = sum(c.required_caregivers() for c in inst.classes)
        t = self.params.city.types[inst.type]
        return cg * self.wage * ci + self.rent(inst) * inst.licensed + t.overhead_per_month * ci

    def open_books(self, inst: Institution) -> None:
        """Open the institution's books now with the starting cash (earlier activity is not booked)."""
        a = inst.acct
        a.advance(self.env.now)
        a.close_period()
        a.year_child_area = a.year_place_area = 0.0
        a.cash = a.cash_start = self.cfg.initial_cash_months * self.fixed_cost(inst)

    # -- the monthly cycle -------------------------------------------------------------------
    def start_cycles(self) -> None:
        """Month 0: every institution's books open and its monthly cycle starts."""
        for inst in self.institutions:
            self.open_books(inst)
            if self.params.economics.enabled:
                self.env.process(self.cycle(inst))

    def cycle(self, inst: Institution) -> Generator[simpy.Event, Any, None]:
        """One provider's months: book the statement, reset the fee in January, close on losses."""
        assert self.month_closed is not None and self.gov is not None
        while inst.open:
            month, in_window = yield self.month_closed.wait()
            if not inst.open:
                return
            self.book(inst, in_window)
            if month % 12 == 11 and self.cfg.fee_setting:
                self.reset_fee(inst)
            if self.should_close(inst):
                self.close([inst])
                return

    def book(self, inst: Institution, in_window: bool) -> None:
        """Book the month's statement at the subsidy shares the government paid."""
        assert self.gov is not None
        v_share, op, pl = self.gov.provider_terms(inst)
        st = self.statement(inst, op, pl, v_share)
        transfer = 0.0
        if inst.sector == "public" and st.result < 0:
            transfer = -st.result
            self.gov.cover_deficit(inst, transfer, in_window)
        self.post(inst, st, transfer, in_window)

    def post(self, inst: Institution, st: Statement, public_transfer: float, in_window: bool) -> None:
        """Book a month's statement (plus any public transfer) into the institution's cash."""
        a = inst.acct
        a.book(st.revenue + public_transfer, st.cost)
        if inst.sector == "private":
            if in_window:
                self.revenue_window += st.revenue
                self.cost_window += st.cost
            a.deficit_months = a.deficit_months + 1 if st.result < 0 else 0
        a.close_period()
        if self.trace.active:
            self.trace.emit(self.env.now, "statement", inst, (st, public_transfer))

    def should_close(self, inst: Institution) -> bool:
        """A private provider closes after sustained losses with no cash left."""
        cfg = self.cfg
        return (inst.sector == "private" and inst.acct.cash < cfg.cash_floor
                and inst.acct.deficit_months >= cfg.close_after_deficit_months)

    def reset_fee(self, inst: Institution) -> None:
        """January: a market provider resets its fee from last year's occupancy (new contracts only)."""
        a = inst.acct
        if not inst.affordable and a.year_place_area > 0:
            cfg = self.cfg
            base = self.params.city.types[inst.type].fee_per_month * inst.district.spec.fee_index
            occ = a.year_child_area / a.year_place_area
            inst.fee = market_fee_update(inst.fee, occ, cfg.target_occupancy, cfg.fee_adjust_per_year,
                                         cfg.fee_floor_share * base, cfg.fee_ceiling_share * base)
            self.options.invalidate_prices()
        a.year_child_area = a.year_place_area = 0.0

    # -- openings and closures ----------------------------------------------------------------
    def recent_closure_rate(self, months: float = 12.0) -> float:
        """Places lost to closures per month over the last ``months``."""
        now = self.env.now
        return sum(p for t, p in self.closed_log if t > now - months) / months

    def close(self, closing: list[Institution]) -> None:
        """Close providers: displace their children, re-queue their waitlists, remove their places."""
        assert self.families is not None
        now = self.env.now
        self.closed_log = [(t, p) for t, p in self.closed_log if t > now - CLOSED_LOG_MONTHS]
        self.closed_log.extend((now, inst.licensed) for inst in closing)
        self.closed += len(closing)
        for inst in closing:
            inst.open = False
            if self.trace.active:
                self.trace.emit(now, "close", inst)
        self.options.invalidate()
        for inst in closing:
            for c in inst.classes:
                for fam in sorted(c.children, key=lambda f: f.fid):
                    self.families.displace(fam)
                for fam in self.alloc.requeue_waiting(c):
                    self.families.requeue(fam)
            for c in inst.classes:
                self.places.set_caregivers(c, 0)
                self.places.set_licensed(c, 0)

    def order(self, d: District, tname: str, size: dict[str, int], lead: float) -> None:
        """Order an institution of type ``tname`` in district ``d``, open after ``lead`` months."""
        places = sum(size.values())
        self.pipeline[d.idx] = self.pipeline.get(d.idx, 0) + places
        self.ordered += 1
        spec = InstitutionSpec(f"{d.spec.name}-{tname}-new{self.ordered}", d.spec.name, tname, dict(size))
        self.env.process(self.opening(d, spec, places, lead))

    def opening(self, d: District, spec: InstitutionSpec, places: int,
                lead: float) -> Generator[simpy.Event, Any, None]:
        """Build (or convert) for ``lead`` months, then open with no staff and start the cycle."""
        yield self.env.timeout(lead)
        self.pipeline[d.idx] -= places
        inst = build_institution(self.params.city, d, spec, len(self.institutions), len(self.classes),
                                 self.env.now)
        assert self.gov is not None
        self.gov.apply_fee_cap(inst)
        self.institutions.append(inst)
        self.classes.extend(inst.classes)
        for c in inst.classes:
            self.places.open_class(c, with_staff=False)
        self.options.add_institution(inst)
        self.open_books(inst)
        self.opened += 1
        if self.trace.active:
            self.trace.emit(self.env.now, "open", inst)
        if self.params.economics.enabled:
            self.env.process(self.cycle(inst))
