"""Providers: the institutions of the city, their monthly books, rooms, openings and closures.

Each open institution runs a monthly cycle as a SimPy process (:meth:`Providers.cycle`):
when the month's accounts close it books its statement (fees, vouchers and subsidies at the
shares the government could pay, against wages, rent, per-child costs and overhead; public
providers' deficits are covered as a public cost; owner-operators' posts, ``city.types.<t>.
owner_operators``, draw no wage: the owner earns the surplus). A private provider in deficit
first cuts rooms (``economics.downsize``): after ``downsize_after_deficit_months`` months of
losses it closes a room in every class whose children fit in the rooms left (rent and the
room's caregivers go with it); a class reopens a closed room when it is full and families
wait for it. It closes (:meth:`Providers.should_close`) when its cash is below
``economics.cash_floor`` after ``close_after_deficit_months`` months in deficit and the
result it expects next year is a loss (``closure_rule: outlook``: its last
``outlook_months`` of children and revenue per child, times the district's births outlook,
against its present costs), or when its cash is gone beyond ``credit_months`` of fixed cost
whatever it expects. ``closure_rule: deficits`` is the earlier rule (cash and a run of
deficits only). On closure its children are displaced and re-placed with priority and the
families on its waitlists re-rank. Market providers reset their fee each January from last
year's occupancy (:mod:`sim.model.market`); private providers may convert to 普惠 status
then (:mod:`sim.model.conversion`). Costs follow calibration/china.md s.3 (rent plus
labour over 75% of operating cost); see :mod:`sim.model.economics` and :mod:`sim.model.costs`.
The rules' parameters are assumptions (``configs/config.yaml``, ``economics``).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.births import births_multiplier
from sim.model.city import Institution, build_institution
from sim.model.conversion import Conversion
from sim.model.costs import CostStructure, cohort_outlook, cost_structure, expected_result
from sim.model.economics import Statement, market_fee_update, monthly_statement
from sim.params.schema import InstitutionSpec

if TYPE_CHECKING:
    from sim.model.access import Access
    from sim.model.allocation import Allocator
    from sim.model.city import AgeClass, District
    from sim.model.family import Families
    from sim.model.government import Government
    from sim.model.options import Options
    from sim.model.places import Places
    from sim.model.quality import Quality
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
        self.quality: Quality | None = None  # set by the world when quality.enabled
        self.access: Access | None = None  # positions and reach of institutions (set by the world)
        self.month_closed: Broadcast | None = None
        self.opened = 0
        self.ordered = 0
        self.closed = 0
        self.closed_log: list[tuple[float, int]] = []  # (time, places) of the last 24 months
        self.pipeline: dict[int, int] = {}  # places ordered but not yet open, per district
        self.revenue_window = 0.0
        self.cost_window = 0.0
        self.entrant_opened: dict[int, float] = {}  # market entrants: institution index -> opening time
        self.closed_at: dict[int, float] = {}  # institution index -> closing time
        self.programme_idx: set[int] = set()  # institutions the capacity programme ordered
        self.programme_deficits = 0.0  # public deficits of those, covered in the window
        self.conversion = Conversion(self)  # to 普惠 status: own choice each January, or a purchase

    # -- costs ---------------------------------------------------------------------------
    def rent(self, inst: Institution, share: float | None = None) -> float:
        """Rent per licensed place per month at this institution (paying ``share`` of its premises' rent).

        The rent is its premises' (the type it opened as; a converted provider keeps its
        lease) times its rent share (default its own: 1, or the relief a conversion brought).
        """
        t = self.params.city.types[inst.premises]
        base = self.cfg.rent_per_place_month if t.rent_per_place_month is None else t.rent_per_place_month
        return base * cost_index(inst.district) * (inst.rent_share if share is None else share)

    def statement(self, inst: Institution, op_sub: float, place_sub: float,
                  voucher_share: float = 1.0) -> Statement:
        """Return the institution's statement for the closing period (vouchers paid at ``voucher_share``)."""
        a = inst.acct
        ci = cost_index(inst.district)
        owners = self.params.city.types[inst.type].owner_operators
        st = monthly_statement(
            family_fees=a.fee_area, vouchers=a.voucher_area * voucher_share, child_months=a.child_area,
            caregiver_months=max(0.0, a.cg_area - owners), place_months=a.place_area, months=1.0,
            operating_subsidy_per_child_month=op_sub, place_subsidy_per_place_month=place_sub,
            wage_per_month=self.wage * ci, rent_per_place_month=self.rent(inst),
            per_child_cost_month=self.cfg.per_child_cost_month * ci,
            overhead_per_month=self.params.city.types[inst.type].overhead_per_month * ci,
        )
        if self.quality is not None:
            workforce, wage_subsidy = self.quality.month_terms(inst)
            st = replace(st, workforce=workforce, wage_subsidy=wage_subsidy)
        return st

    def fixed_cost(self, inst: Institution) -> float:
        """Monthly cost of a fully staffed, empty institution."""
        ci = cost_index(inst.district)
        t = self.params.city.types[inst.type]
        cg = max(0, sum(c.required_caregivers() for c in inst.classes) - t.owner_operators)
        return cg * self.wage * ci + self.rent(inst) * inst.licensed + t.overhead_per_month * ci

    def costs(self, inst: Institution, tname: str | None = None) -> CostStructure:
        """Return the institution's cost structure with the rooms it has open now.

        With ``tname``: as it would be after converting to that type (the type's overhead and
        owner posts; its own premises at the conversion's rent share).
        """
        ci = cost_index(inst.district)
        rent = self.rent(inst) if tname is None else self.rent(inst, self.cfg.conversion_rent_share)
        tname = tname or inst.type
        t = self.params.city.types[tname]
        staff = self.params.staff
        places = {c.band: c.in_use for c in inst.classes}
        ratios = {c.band: c.ratio for c in inst.classes}
        by_demand = staff.binding and staff.staffing == "demand"
        return cost_structure(places, ratios, self.wage * ci, rent,
                              t.overhead_per_month * ci, self.cfg.per_child_cost_month * ci, by_demand,
                              staff.spare_caregivers_per_class,
                              t.owner_operators)

    def births_outlook(self) -> float:
        """Return next year's children under 3 relative to this year's (the births path)."""
        city, start = self.params.city, self.params.run.start_year
        year = start + int(self.env.now // 12)
        return cohort_outlook([births_multiplier(city, y, start) for y in range(year - 2, year + 2)])

    def outlook(self, inst: Institution) -> float:
        """Return the monthly result expected next year (recent children times the births outlook)."""
        child_months, child_revenue, months = inst.acct.trailing()
        assert self.gov is not None
        _, op, pl = self.gov.provider_terms(inst)
        if months == 0:
            return 0.0
        per_child = child_revenue / child_months if child_months > 0 else inst.fee + op
        children = child_months / months * self.births_outlook()
        in_use = sum(c.in_use for c in inst.classes)
        return expected_result(children, per_child, self.costs(inst), pl * in_use)

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
            if month % 12 == 11 and self.cfg.conversion:
                self.conversion.consider(inst)
            if self.cfg.downsize:
                self.adjust_rooms(inst)
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
            if in_window and inst.idx in self.programme_idx:
                self.programme_deficits += transfer
        self.post(inst, st, transfer, in_window)

    def post(self, inst: Institution, st: Statement, public_transfer: float, in_window: bool) -> None:
        """Book a month's statement (plus any public transfer) into the institution's cash."""
        a = inst.acct
        a.book(st.revenue + public_transfer, st.cost)
        a.remember(a.child_area, st.fees + st.vouchers + st.operating_subsidy, self.cfg.outlook_months)
        if inst.sector == "private":
            if in_window:
                self.revenue_window += st.revenue
                self.cost_window += st.cost
            a.deficit_months = a.deficit_months + 1 if st.result < 0 else 0
        a.close_period()
        if self.trace.active:
            self.trace.emit(self.env.now, "statement", inst, (st, public_transfer))

    def should_close(self, inst: Institution) -> bool:
        """A private provider closes when its cash is gone and it expects no better (see the module)."""
        cfg = self.cfg
        a = inst.acct
        if inst.sector != "private" or a.cash >= cfg.cash_floor:
            return False
        if cfg.closure_rule == "deficits":
            return a.deficit_months >= cfg.close_after_deficit_months
        if a.cash < cfg.cash_floor - cfg.credit_months * self.costs(inst).fixed:
            return True
        return a.deficit_months >= cfg.close_after_deficit_months and self.outlook(inst) < 0

    # -- rooms -----------------------------------------------------------------------------------
    def adjust_rooms(self, inst: Institution) -> None:
        """Close a room per class after a run of losses (children fit in the rest); reopen one when full.

        A closed room keeps its licence (the registered places count; occupancy is measured
        against them): its rent and caregivers are saved (assumption: the provider sublets or
        returns that part of its premises) and its places are not usable until it reopens.
        """
        if inst.sector != "private":
            return
        cutting = inst.acct.deficit_months >= self.cfg.downsize_after_deficit_months
        for c in inst.classes:
            occupied = c.load / 2
            if cutting and c.in_use > c.room and occupied <= c.in_use - c.room:
                self.places.set_in_use(c, c.in_use - c.room)
            elif (not cutting and c.in_use < c.licensed and occupied >= c.in_use - 0.5
                  and c.waitlist.peek() is not None):
                self.places.set_in_use(c, c.in_use + c.room)

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

    def evict(self, inst: Institution) -> int:
        """Displace ``inst``'s children (re-placed with priority) and re-queue its waitlists; return
        the children displaced (a closure, a suspension)."""
        assert self.families is not None
        kids = 0
        for c in inst.classes:
            for fam in sorted(c.children, key=lambda f: f.fid):
                self.families.displace(fam)
                kids += 1
            for fam in self.alloc.requeue_waiting(c):
                self.families.requeue(fam)
        return kids

    def close(self, closing: list[Institution]) -> None:
        """Close providers: displace their children, re-queue their waitlists, remove their places."""
        assert self.families is not None
        now = self.env.now
        self.closed_log = [(t, p) for t, p in self.closed_log if t > now - CLOSED_LOG_MONTHS]
        self.closed_log.extend((now, inst.licensed) for inst in closing)
        self.closed += len(closing)
        for inst in closing:
            inst.open = False
            self.closed_at[inst.idx] = now
            if self.trace.active:
                self.trace.emit(now, "close", inst)
        self.options.invalidate()
        for inst in closing:
            self.evict(inst)
            for c in inst.classes:
                self.places.set_caregivers(c, 0)
                self.places.set_licensed(c, 0)

    def order(self, d: District, tname: str, size: dict[str, int], lead: float,
              entrant: bool = False, programme: bool = False, grant: float = 0.0) -> None:
        """Order an institution of type ``tname`` in district ``d``, open after ``lead`` months.

        ``entrant``: a market entry (its survival is reported, :meth:`entrants_survival`);
        ``programme``: ordered by the capacity programme (its public deficits are reported);
        ``grant``: a construction grant it receives, added to its starting cash when it opens.
        """
        places = sum(size.values())
        self.pipeline[d.idx] = self.pipeline.get(d.idx, 0) + places
        self.ordered += 1
        spec = InstitutionSpec(f"{d.spec.name}-{tname}-new{self.ordered}", d.spec.name, tname, dict(size))
        self.env.process(self.opening(d, spec, places, lead, entrant, programme, grant))

    def opening(self, d: District, spec: InstitutionSpec, places: int, lead: float,
                entrant: bool = False, programme: bool = False,
                grant: float = 0.0) -> Generator[simpy.Event, Any, None]:
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
        if self.access is not None:
            self.access.add_institution(inst)
        self.open_books(inst)
        inst.acct.cash += grant
        inst.acct.cash_start += grant
        self.opened += 1
        if entrant:
            self.entrant_opened[inst.idx] = self.env.now
        if programme:
            self.programme_idx.add(inst.idx)
        if self.trace.active:
            self.trace.emit(self.env.now, "open", inst)
        if self.params.economics.enabled:
            self.env.process(self.cycle(inst))

    def entrants_survival(self, months: float, horizon: float) -> float:
        """Return the share of market entrants open ``months`` after opening (those opened early enough).

        0 when no entrant opened ``months`` or more before the horizon.
        """
        old = [(i, t) for i, t in self.entrant_opened.items() if t + months <= horizon + 1e-9]
        if not old:
            return 0.0
        alive = sum(1 for i, t in old if self.closed_at.get(i, math.inf) >= t + months)
        return alive / len(old)
