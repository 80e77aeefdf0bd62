"""The world of one run: SimPy environment, city, families, staff, ledger and recorder.

``World(params, seed, replication).run()`` returns a :class:`RunResult`. The world owns the
shared mechanisms every actor uses: occupying a place, filling free places from transfers
and waitlists, changing staff levels, and each family's ranked options.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import simpy
from simpy.events import Timeout

from sim.config.schema import Config
from sim.model import ledger as L
from sim.model.allocation import key_function
from sim.model.births import (
    birth_times_poisson,
    birth_times_regular,
    births_multiplier,
    draw_many,
)
from sim.model.city import (
    AgeClass,
    District,
    Institution,
    build_institutions,
    distance_matrix,
    generated_institutions,
)
from sim.model.demand import need_probability
from sim.model.distributions import sampler
from sim.model.family import Family, FamilyProcess
from sim.model.fees import net_monthly_price
from sim.model.options import Options
from sim.model.recorder import Recorder
from sim.model.rng import Streams
from sim.model.staff import StaffProcess, usable_places

ProgressFn = Callable[[float, float], None]


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

    def __init__(self, params: Config, seed: int, replication: int = 0,
                 institution_specs: list | None = None, district_specs: list | None = None) -> None:
        self.params = p = params
        self.seed, self.replication = seed, replication
        self.horizon = float(p.run.horizon_months)
        self.warmup = float(p.run.warmup_months)
        self.t_start = -float(p.run.burnin_months)
        self.env = simpy.Environment(initial_time=self.t_start)
        self.streams = Streams(seed, replication)
        self.ledger = L.Ledger()
        self.recorder = Recorder(self.t_start, self.warmup, p.run.start_year)
        dspecs = district_specs if district_specs is not None else list(p.city.districts)
        self.districts = [District(i, d) for i, d in enumerate(dspecs)]
        self.km = distance_matrix(p.city, dspecs)
        ispecs = institution_specs
        if ispecs is None:
            ispecs = list(p.city.institutions) or generated_institutions(p.city, dspecs)
        self.institutions: list[Institution]
        self.classes: list[AgeClass]
        self.institutions, self.classes = build_institutions(p.city, self.districts, ispecs)
        self.staff_binding = p.staff.binding
        stay = p.families.stay
        self.stay_sampler = sampler(stay, self.streams["family.stay"]) if stay is not None else None
        self.waitlist_key = key_function(p.allocation.discipline)
        self.staff = StaffProcess(self)
        self.families = FamilyProcess(self)
        self.options = Options(self)
        self._next_fid = 0
        self.places_start = 0

    # -- shared mechanisms -----------------------------------------------------------------
    def net_price(self, fee: float) -> float:
        """Return the monthly price a family pays at list fee ``fee`` (policy seam)."""
        return net_monthly_price(fee, 0.0)

    def options_for(self, fam: Family, age: float) -> list[AgeClass]:
        """Return the classes ``fam`` would consider at ``age``, best first."""
        return self.options.ranked(fam, age)

    def occupy(self, c: AgeClass, delta: int) -> None:
        """Change the children enrolled in class ``c`` by ``delta``."""
        c.enrolled += delta
        c.inst.district.enrolled += delta
        self.recorder.enrolled.add(self.env.now, delta)

    def fill(self, c: AgeClass) -> None:
        """Offer every usable free place of ``c``: children moving up first, then the waitlist."""
        fams = self.families
        while c.enrolled < c.usable:
            if c.transfers:
                fam = c.transfers.pop(0)
                if fam.transfer_to is c and fam.state == L.ENROLLED:
                    fams.transfer(fam, c)
                continue
            fam = c.waitlist.pop_valid(_valid_entry)
            if fam is None:
                return
            fams.admit(fam, c)

    def set_licensed(self, c: AgeClass, places: int) -> None:
        """Change the licensed places of ``c`` (capacity programme, closures)."""
        now = self.env.now
        rec = self.recorder
        missing_before = max(0, c.required_caregivers() - c.caregivers)
        req_before = c.required_caregivers()
        rec.licensed.add(now, places - c.licensed)
        c.inst.district.licensed += places - c.licensed
        c.licensed = places
        rec.cg_required.add(now, c.required_caregivers() - req_before)
        rec.cg_missing.add(now, max(0, c.required_caregivers() - c.caregivers) - missing_before)
        self._update_usable(c)
        if self.staff_binding:
            self.staff.recruit(c)

    def set_caregivers(self, c: AgeClass, n: int) -> None:
        """Change the caregivers of ``c`` to ``n`` and update its usable places."""
        now = self.env.now
        req = c.required_caregivers()
        self.recorder.cg_missing.add(now, max(0, req - n) - max(0, req - c.caregivers))
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

    # -- set-up and the monthly tick ---------------------------------------------------------
    def _open_all(self) -> None:
        """Open every class at the start: initial caregivers first, then its licensed places."""
        for c in self.classes:
            places = c.licensed
            c.licensed = 0
            if self.staff_binding:
                self.staff.start(c, places)
            self.set_licensed(c, places)
        self.places_start = sum(c.licensed for c in self.classes)

    def _monthly(self):  # type: ignore[no-untyped-def]
        """Each month: the district rows, then the month's births; end of warm-up reset."""
        t = self.t_start
        warm_done = False
        while t < self.horizon:
            if not warm_done and t >= self.warmup:
                self._end_warmup(t)
                warm_done = True
            if t >= 0 and abs(t - round(t)) < 1e-9:
                self.recorder.snapshot(int(round(t)), self.districts)
                if self.progress is not None and int(round(t)) % 12 == 0:
                    self.progress(t, self.horizon)
            span = min(1.0, self.horizon - t)
            for d in self.districts:
                self._births(d, t, span)
            nxt = min(t + 1.0, self.horizon)
            if not warm_done and t < self.warmup < nxt:
                yield self.env.timeout(self.warmup - t)
                self._end_warmup(self.warmup)
                warm_done = True
                yield self.env.timeout(nxt - self.warmup)
            else:
                yield self.env.timeout(nxt - t)
            t = nxt

    def _end_warmup(self, t: float) -> None:
        self.recorder.reset(t)

    def _births(self, d: District, t: float, span: float) -> None:
        """Draw the month's births in district ``d`` and start the families that need care."""
        p = self.params
        s = self.streams
        year = p.run.start_year + math.floor(t / 12.0)
        rate = d.spec.births_per_year * births_multiplier(p.city.births_index, year) / 12.0
        if p.families.arrivals == "regular":
            if d.next_regular is None:
                d.next_regular = t
            times = birth_times_regular(d.next_regular, rate, t + span)
            if rate > 0:
                d.next_regular = (times[-1] if len(times) else d.next_regular - 1.0 / rate) + 1.0 / rate
        else:
            times = birth_times_poisson(s["births.time"].gen, rate, t, span)
        n = len(times)
        month = int(math.floor(t))
        d.births_by_month[month] = d.births_by_month.get(month, 0) + n
        d.births_by_month.pop(month - 40, None)
        if n == 0:
            return
        self.recorder.child_area += float(np.clip(
            np.minimum(times + 36.0, self.horizon) - np.maximum(times, self.warmup), 0.0, None).sum())
        self._start_families(d, times)

    def _start_families(self, d: District, times: np.ndarray) -> None:
        f = self.params.families
        s = self.streams
        n = len(times)
        spec = d.spec
        income = spec.median_income * np.exp(spec.income_sigma * s["family.income"].gen.standard_normal(n))
        dual = s["family.dual_earner"].gen.random(n) < spec.dual_earner_share
        gp = s["family.grandparent"].gen.random(n) < spec.grandparent_share
        u_need = s["family.need"].gen.random(n)
        start = draw_many(f.start_age, s["family.start_age"].gen, n)
        patience = draw_many(f.patience, s["family.patience"].gen, n)
        travel = draw_many(f.travel_limit_km, s["family.travel"].gen, n)
        hz = f.move_hazard_per_month
        move = s["family.move"].gen.exponential(1.0 / hz, n) if hz > 0 else np.full(n, math.inf)
        takeup = s["family.takeup"].gen.random(n)
        lottery = s["family.lottery"].gen.random(n)
        if f.need.override is not None:
            p_need = np.full(n, float(f.need.override))
        else:
            nd = f.need
            p_need = need_probability(dual, gp, income, spec.median_income, nd.intercept,
                                      nd.dual_earner, nd.grandparent, nd.log_income)
        needs = u_need < p_need
        seek = times + start
        n_needing = int(needs.sum())
        self.ledger.add_births(n - n_needing, L.NEVER_SOUGHT)
        late = needs & (seek >= self.horizon)
        self.ledger.add_births(int(late.sum()), L.PENDING)
        env = self.env
        now = env.now
        on_seek = self.families.on_seek
        for i in np.flatnonzero(needs & (seek < self.horizon)).tolist():
            fam = Family(self._next_fid, d, float(times[i]), float(income[i]), float(start[i]),
                         float(patience[i]), float(travel[i]), float(move[i]),
                         float(takeup[i]), float(lottery[i]))
            self._next_fid += 1
            self.ledger.add_births(1, L.PENDING)
            Timeout(env, float(seek[i]) - now, fam).callbacks.append(on_seek)

    # -- running -------------------------------------------------------------------------
    def run(self, progress: ProgressFn | None = None) -> RunResult:
        """Run to the horizon and return the result (raises LedgerError if a child is lost)."""
        from sim.model.summary import build_result

        self.progress = progress
        self._open_all()
        self.options.build()
        self.env.process(self._monthly())
        self.env.run(until=self.horizon)
        if self.horizon >= 0 and abs(self.horizon - round(self.horizon)) < 1e-9:
            self.recorder.snapshot(int(round(self.horizon)), self.districts)
        if progress is not None:
            progress(self.horizon, self.horizon)
        return build_result(self)


def _valid_entry(fam: Family, token: int) -> bool:
    return fam.token == token and fam.state == L.WAITING
