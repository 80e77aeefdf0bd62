"""The world of one run: SimPy environment, city, families, staff, providers, government.

``World(params, seed, replication).run()`` returns a :class:`RunResult`. The world owns the
shared mechanisms every actor uses: occupying a place, filling free places from transfers
and waitlists, changing staff and licensed places, opening and closing institutions, and
each family's ranked options. A monthly tick closes the month's accounts, writes the
district rows, runs the yearly decisions every January, and draws the month's births.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from heapq import heappop
from typing import Any

import numpy as np
import simpy
from simpy.events import Timeout

from sim.model import ledger as L
from sim.model.allocation import key_function
from sim.model.births import birth_times_regular, births_multiplier
from sim.model.city import (
    AgeClass,
    District,
    Institution,
    build_institution,
    build_institutions,
    distance_matrix,
    generated_institutions,
    scaled_district,
)
from sim.model.demand import need_probability
from sim.model.economics import capped_fee
from sim.model.family import Family, FamilyProcess
from sim.model.government import Government
from sim.model.options import Options
from sim.model.provider import ProviderProcess
from sim.model.recorder import Recorder
from sim.model.rng import Streams
from sim.model.staff import StaffProcess, usable_places
from sim.params.distributions import from_spec
from sim.params.schema import Config, InstitutionSpec

ProgressFn = Callable[[float, float], None]
BIRTH_BLOCK_MONTHS = 120  # at most ten years of births drawn at once
BIRTH_BLOCK_TARGET = 1000  # births per block worth one set of vectorised draws
LATER_MONTHS = 2  # events further ahead than this wait in a monthly list, not in the heap


@dataclass
class RunResult:
    """What one run returns: KPIs, monthly rows per district, ledger counts, wait histogram."""

    summary: dict[str, float]
    timeseries: dict[str, list]
    ledger: dict[str, int]
    wait_histogram: tuple[list[float], list[int]]
    meta: dict[str, object] = field(default_factory=dict)


class World:
    """Everything one replication of one scenario needs."""

    def __init__(self, params: Config, seed: int, replication: int = 0) -> None:
        self.params = p = params
        self.seed, self.replication = seed, replication
        self.horizon = float(p.run.horizon_months)
        self.later_months = LATER_MONTHS
        self.warmup = float(p.run.warmup_months)
        self.t_start = -float(p.run.burnin_months)
        self.env = simpy.Environment(initial_time=self.t_start)
        self.streams = Streams(seed, replication)
        self.ledger = L.Ledger()
        self.recorder = Recorder(self.t_start, self.warmup, p.run.start_year)
        self.recorder.horizon = self.horizon
        self.enrolled_level = self.recorder.enrolled
        dspecs = [scaled_district(d, p.city.scale) for d in p.city.districts]
        self.districts = [District(i, d) for i, d in enumerate(dspecs)]
        self.km = distance_matrix(p.city, dspecs)
        ispecs = list(p.city.institutions) or generated_institutions(p.city, dspecs)
        self.institutions: list[Institution]
        self.classes: list[AgeClass]
        self.institutions, self.classes = build_institutions(p.city, self.districts, ispecs, self.t_start)
        self.staff_binding = p.staff.binding
        self.staff_by_demand = p.staff.binding and p.staff.staffing == "demand"
        self.economics = p.economics.enabled
        stay = p.families.stay
        self.stay_sampler = (from_spec(stay).sampler(self.streams["family.stay"])
                             if stay.dist != "never" else None)
        self.waitlist_key = key_function(p.allocation.discipline)
        self.options = Options(self)
        self.gov = Government(self)
        self.providers = ProviderProcess(self)
        self.staff = StaffProcess(self)
        self.families = FamilyProcess(self)
        for inst in self.institutions:
            self._apply_fee_cap(inst)
        self._next_fid = 0
        # events more than LATER_MONTHS ahead, by the month they fall in (see ``at``)
        self.later: dict[int, list[tuple[float, Any, Callable[[Timeout], None]]]] = {}
        self.places_start = 0
        self.progress: ProgressFn | None = None

    # -- prices ---------------------------------------------------------------------------
    def _apply_fee_cap(self, inst: Institution) -> None:
        if inst.affordable:
            pol = self.params.policy
            inst.fee = capped_fee(inst.fee, pol.fee_cap, pol.fee_cap_basis, inst.district.spec.median_income)

    def net_fee(self, inst: Institution) -> float:
        """What a family newly admitted to ``inst`` pays the provider (fee minus voucher)."""
        return max(0.0, inst.fee - self.gov.voucher_for(inst))

    def options_for(self, fam: Family, age: float) -> tuple[list[AgeClass], list[float]]:
        """Return the classes ``fam`` would consider at ``age``, best first, and their net fees."""
        return self.options.ranked(fam, age)

    # -- places -----------------------------------------------------------------------------
    def occupy(self, c: AgeClass, fam: Family, delta: int, now: float) -> None:
        """Add (+1) or remove (-1) ``fam``'s child in class ``c`` at time ``now``."""
        a = c.inst.acct
        dt = now - a.te  # Account.advance_enrolment, inlined: this runs twice per family
        if dt > 0:
            a.child_area += a.children * dt
            a.fee_area += a.fee_rate * dt
            a.voucher_area += a.voucher_rate * dt
            a.te = now
        a.children += delta
        a.fee_rate += delta * fam.fee_paid
        a.voucher_rate += delta * fam.voucher
        c.enrolled += delta
        if delta > 0:
            c.children[fam] = None
        else:
            c.children.pop(fam, None)
        c.inst.district.enrolled += delta
        lv = self.enrolled_level  # Level.add
        lv.area += lv.value * (now - lv.t_last)
        lv.t_last = now
        lv.value += delta
        if self.staff_by_demand:
            self.update_staffing(c)

    def fill(self, c: AgeClass) -> None:
        """Offer every usable free place of ``c``: children moving up first, then the waitlist."""
        fams = self.families
        heap = c.waitlist.heap
        while c.enrolled < c.usable:
            if c.transfers:
                fam = c.transfers.pop(0)
                if fam.transfer_to is c and fam.state == L.ENROLLED:
                    fams.transfer(fam, c)
                continue
            while heap:  # Waitlist.pop_valid: skip entries cancelled since they were pushed
                _, _, fam, token = heappop(heap)
                if fam.token == token and fam.state == L.WAITING:
                    break
            else:
                return
            fams.admit(fam, c)

    def set_licensed(self, c: AgeClass, places: int) -> None:
        """Change the licensed places of ``c`` (opening, capacity programme, closure)."""
        now = self.env.now
        c.inst.acct.advance(now)
        c.inst.acct.places += places - c.licensed
        self.recorder.licensed.add(now, places - c.licensed)
        c.inst.district.licensed += places - c.licensed
        c.licensed = places
        self._update_usable(c)
        self.update_staffing(c)

    def update_staffing(self, c: AgeClass) -> None:
        """Re-evaluate the caregivers ``c`` wants; recruit for any gap."""
        new = self.staff.target(c) if self.staff_binding else 0
        old = c.target
        if new == old:
            return
        now = self.env.now
        rec = self.recorder
        rec.cg_required.add(now, new - old)
        rec.cg_missing.add(now, max(0, new - c.caregivers) - max(0, old - c.caregivers))
        c.target = new
        if self.staff_binding and new > old:
            self.staff.recruit(c)

    def set_caregivers(self, c: AgeClass, n: int) -> None:
        """Change the caregivers of ``c`` to ``n`` and update its usable places."""
        now = self.env.now
        self.recorder.cg_missing.add(now, max(0, c.target - n) - max(0, c.target - c.caregivers))
        c.inst.acct.advance(now)
        c.inst.acct.caregivers += n - c.caregivers
        c.inst.district.caregivers += n - c.caregivers
        c.caregivers = n
        self._update_usable(c)

    def _update_usable(self, c: AgeClass) -> None:
        new = usable_places(c.licensed, c.caregivers, c.ratio) if self.staff_binding else c.licensed
        if new != c.usable:
            self.recorder.usable.add(self.env.now, new - c.usable)
            c.inst.district.usable += new - c.usable
            grew = new > c.usable
            c.usable = new
            if grew:
                self.fill(c)

    # -- institutions opening and closing -----------------------------------------------------
    def _open_class(self, c: AgeClass, places: int, initial_staff: bool) -> None:
        c.licensed = 0
        if self.staff_binding and initial_staff:
            self.staff.start(c, places)
        self.set_licensed(c, places)

    def open_institution(self, spec: InstitutionSpec) -> Institution:
        """Open a new institution now (staff are recruited from zero)."""
        d = next(d for d in self.districts if d.spec.name == spec.district)
        inst = build_institution(self.params.city, d, spec, len(self.institutions), len(self.classes),
                                 self.env.now)
        self._apply_fee_cap(inst)
        self.institutions.append(inst)
        self.classes.extend(inst.classes)
        for c in inst.classes:
            self._open_class(c, c.licensed, initial_staff=False)
        self.options.add_institution(inst)
        return inst

    def close_institutions(self, closing: list[Institution]) -> None:
        """Close providers: displace their children, move their waitlists, remove their places."""
        for inst in closing:
            inst.open = False
        self.options.build()
        fams = self.families
        for inst in closing:
            for c in inst.classes:
                for fam in sorted(c.children, key=lambda f: f.fid):
                    fams.displace(fam)
                c.transfers.clear()
                while True:
                    fam = c.waitlist.pop_valid(_valid_entry)
                    if fam is None:
                        break
                    fams.requeue(fam)
            for c in inst.classes:
                self.set_caregivers(c, 0)
                self.set_licensed(c, 0)

    # -- the monthly tick ----------------------------------------------------------------------
    def _tick(self, ev: Timeout | None = None) -> None:
        """Start of a month: close the last one, decisions (January budget and fees, entry,
        capacity plan), the next month's events into the heap, births; then wait a month."""
        t = self.env.now
        if t >= self.horizon:
            return
        if t > self.t_start:
            self._close_month(t)
        if t >= 0:
            self._decisions(int(round(t)))
        self._release_later(int(round(t)) + 1)
        span = min(1.0, self.horizon - t)
        for d in self.districts:
            self._births(d, t, span)
        Timeout(self.env, min(t + 1.0, self.horizon) - t).callbacks.append(self._tick)

    def _close_month(self, t: float) -> None:
        """The month ending at ``t``: accounts and public payments, closures, the district rows."""
        month = int(math.floor(t - 1e-9))
        if month < 0:
            return
        in_window = t - 1.0 >= self.warmup - 1e-9
        self.gov.close_month(t, in_window)
        if self.economics:
            self.providers.closures()
        self.recorder.snapshot(month, self.districts, self)
        self.gov.month_cost = [0.0] * len(self.districts)
        if self.progress is not None and month % 12 == 11:
            self.progress(t, self.horizon)

    def _decisions(self, m: int) -> None:
        """Start of month ``m`` >= 0: January budget and fees; market entry every
        ``economics.entry_check_months``; the capacity plan every ``capacity.plan_every_months``."""
        t = float(m)
        in_window = t >= self.warmup
        e = self.params.economics
        if m % 12 == 0:
            self.gov.new_year()
            if m == 0:
                self.providers.start_cash()
            elif self.economics and e.fee_setting:
                self.providers.update_fees()
        if m > 0 and self.economics and e.entry and _every(m, e.entry_check_months):
            self.providers.market_entry()
        if _every(m, self.params.capacity.plan_every_months):
            self.gov.plan_capacity(t, in_window)

    def _monthly_rate(self, d: District, t: float) -> float:
        p = self.params
        year = p.run.start_year + math.floor(t / 12.0)
        return d.spec.births_per_year * births_multiplier(p.city, year, p.run.start_year) / 12.0

    def _births(self, d: District, t: float, span: float) -> None:
        """Draw district ``d``'s births from month ``t`` on and start the families needing care.

        Where births are few, the months up to ten years ahead are drawn in one block (each
        month's Poisson count, then uniform times within it): the same process, with far
        fewer calls. A family's start-age event waits in a monthly list until the month
        before it falls due (see :meth:`at`)."""
        if t < d.drawn_until - 1e-9:
            return
        months = [t]
        rate = self._monthly_rate(d, t)
        block = min(BIRTH_BLOCK_MONTHS, max(1, math.ceil(BIRTH_BLOCK_TARGET / max(rate, 1e-9))))
        while len(months) < block and months[-1] + 1.0 < self.horizon:
            months.append(months[-1] + 1.0)
        spans = [min(1.0, self.horizon - m) for m in months]
        rates = [self._monthly_rate(d, m) for m in months]
        if self.params.families.arrivals == "regular":
            chunks, counts = [], []
            for m, sp, r in zip(months, spans, rates, strict=True):
                if d.next_regular is None:
                    d.next_regular = m
                chunk = birth_times_regular(d.next_regular, r, m + sp)
                if r > 0 and len(chunk):
                    d.next_regular = float(chunk[-1]) + 1.0 / r
                chunks.append(chunk)
                counts.append(len(chunk))
            times = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
        else:
            # each month's Poisson count, then uniform times within the month; months are
            # disjoint, so one sort of the block orders every month's times
            gen = self.streams["births.time"].gen
            n_month = gen.poisson(np.array(rates) * np.array(spans))
            u = gen.random(int(n_month.sum()))
            times = np.sort(np.repeat(np.array(months), n_month) + np.repeat(np.array(spans), n_month) * u)
            counts = n_month.tolist()
        for m, c in zip(months, counts, strict=True):
            d.add_births(int(math.floor(m)), c)
        d.drawn_until = months[-1] + 1.0
        if len(times) == 0:
            return
        self.recorder.child_area += float(np.clip(
            np.minimum(times + 36.0, self.horizon) - np.maximum(times, self.warmup), 0.0, None).sum())
        self._start_families(d, times)

    def _start_families(self, d: District, times: np.ndarray) -> None:
        f = self.params.families
        s = self.streams
        n = len(times)
        spec = d.spec
        # Every attribute has its own stream, so an attribute the configuration never reads
        # is not drawn at all (zeros stand in): the other streams, and so common random
        # numbers between scenarios, are unaffected.
        zeros = np.zeros(n)
        if spec.income_sigma != 0:
            z = s["family.income"].gen.standard_normal(n)
            income = spec.median_income * np.exp(spec.income_sigma * z)
        else:
            income = np.full(n, float(spec.median_income))
        u_need = s["family.need"].gen.random(n)
        start = from_spec(f.start_age).draw(s["family.start_age"].gen, n)
        patience = from_spec(f.patience).draw(s["family.patience"].gen, n)
        travel = from_spec(f.travel_limit_km).draw(s["family.travel"].gen, n)
        hz = f.move_hazard_per_month
        move = s["family.move"].gen.exponential(1.0 / hz, n) if hz > 0 else np.full(n, math.inf)
        fee_exit = s["family.fee_exit"].gen.exponential(1.0, n) if f.fee_exit_hazard_per_month > 0 else zeros
        takeup = s["family.takeup"].gen.random(n) if f.price_response.enabled else zeros
        lottery = s["family.lottery"].gen.random(n) if self.params.allocation.discipline != "fifo" else zeros
        if f.need.override is not None:
            p_need = np.full(n, float(f.need.override))
        else:
            dual = s["family.dual_earner"].gen.random(n) < spec.dual_earner_share
            gp = s["family.grandparent"].gen.random(n) < spec.grandparent_share
            nd = f.need
            p_need = need_probability(dual, gp, income, spec.median_income, nd.intercept + spec.need_shift,
                                      nd.dual_earner, nd.grandparent, nd.log_income)
        needs = (u_need < p_need) & (start < self.families.age_out)
        seek = times + start
        soon = needs & (seek < self.horizon)
        n_soon = int(soon.sum())
        self.ledger.add_births(n - int(needs.sum()), L.NEVER_SOUGHT)
        self.ledger.add_births(int(needs.sum()) - n_soon, L.PENDING)
        self.ledger.add_births(n_soon, L.PENDING)
        if not n_soon:
            return
        on_seek = self.families.on_seek
        fid = self._next_fid
        self._next_fid += n_soon
        cols = [a[soon].tolist() for a in (times, income, start, patience, travel, move, fee_exit,
                                           takeup, lottery, seek)]
        at = self.at
        env = self.env
        near = env.now + LATER_MONTHS
        for k, (tb, inc, st, pat, trv, mv, fx, tu, lot, sk) in enumerate(zip(*cols, strict=True)):
            fam = Family(fid + k, d, tb, inc, st, pat, trv, mv, fx, tu, lot)
            if sk < near:  # at()'s near case, inlined (with start age 0: every family)
                Timeout(env, max(0.0, sk - env.now), fam).callbacks.append(on_seek)
            else:
                at(sk, fam, on_seek)

    def at(self, t: float, value: Any, callback: Callable[[Timeout], None]) -> None:
        """Call ``callback`` with an event carrying ``value`` at time ``t`` (not before now).

        Families are born years before they seek care, children stay in care for years and
        caregivers for longer: an event more than ``LATER_MONTHS`` ahead waits in a list for
        its month and enters SimPy's event heap at the tick of the month before. The heap
        then holds about two months of events, not three years', so every push and pop is
        cheaper (and the run's time grows linearly with the population). Events keep their
        times; cancelled ones are skipped when they fire, as before.
        """
        now = self.env._now
        if t < now + LATER_MONTHS:
            # max(): regular births chained as previous + 1/rate can fall 1e-15 before now
            Timeout(self.env, t - now if t > now else 0.0, value).callbacks.append(callback)
            return
        m = math.floor(t)
        bucket = self.later.get(m)
        if bucket is None:
            self.later[m] = [(t, value, callback)]
        else:
            bucket.append((t, value, callback))

    def _release_later(self, month: int) -> None:
        """Move the events of ``month`` from their list to the event heap (one month ahead)."""
        events = self.later.pop(month, None)
        if not events:
            return
        env = self.env
        now = env._now
        for t, value, callback in events:
            Timeout(env, t - now, value).callbacks.append(callback)

    # -- running -------------------------------------------------------------------------
    def _end_warmup(self, ev: Timeout) -> None:
        self.recorder.reset(self.env.now)

    def run(self, progress: ProgressFn | None = None) -> RunResult:
        """Run to the horizon and return the result (raises LedgerError if a child is lost)."""
        from sim.model.summary import build_result

        self.progress = progress
        for c in self.classes:
            self._open_class(c, c.licensed, initial_staff=True)
        self.places_start = sum(c.licensed for c in self.classes)
        self.n_institutions_start = len(self.institutions)
        self.options.build()
        if self.warmup > self.t_start:
            Timeout(self.env, self.warmup - self.t_start).callbacks.append(self._end_warmup)
        self._tick()
        # The event loop allocates millions of short-lived, acyclic objects (events, entries);
        # the cyclic collector would walk every live family at each pass for nothing.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=self.horizon)
        finally:
            if gc_was_enabled:
                gc.enable()
        self._close_month(self.horizon)
        if progress is not None:
            progress(self.horizon, self.horizon)
        return build_result(self)


def _every(m: int, period: float) -> bool:
    """True when month ``m`` is a multiple of ``period`` months (rounded to whole months)."""
    return m % max(1, int(round(period))) == 0


def _valid_entry(fam: Family, token: int) -> bool:
    return fam.token == token and fam.state == L.WAITING
