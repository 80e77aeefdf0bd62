"""The world of one run: it assembles the actors and ticks the month.

``World(params, seed, replication).run()`` returns a :class:`RunResult`. The world builds
the city (districts, institutions, classes), wires the one owner of each rule (ledger and
recorder, places, allocation, options, families, births, staff, providers, market,
government, capacity programme and its hub) and runs the monthly tick as a SimPy process: at the start
of each month it closes the last one (the government pays, every provider's cycle books its
statement, the district rows are written), lets the month's decisions run (market entry, the
government's January budget and capacity plan) and draws the month's births. Levers that
change on a date (:mod:`sim.model.timeline`) are put in force at the start of their month,
before its decisions; the year book (:mod:`sim.model.yearly`) takes its snapshots at month 0
and at each year's close.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from sim.model.access import Access
from sim.model.allocation import Allocator
from sim.model.births import Births
from sim.model.capacity import CapacityProgramme
from sim.model.city import (
    District,
    build_institutions,
    distance_matrix,
    generated_institutions,
    scaled_district,
)
from sim.model.family import Families
from sim.model.fees import contract, provider_fee
from sim.model.government import Government
from sim.model.hourly import HourlyCare
from sim.model.hub import Hub
from sim.model.ledger import Ledger
from sim.model.market import Market
from sim.model.options import Options
from sim.model.places import Places
from sim.model.priority import discipline
from sim.model.provider import Providers
from sim.model.quality import Quality
from sim.model.recorder import Recorder
from sim.model.rng import Streams
from sim.model.staff import Staff
from sim.model.timeline import Timeline
from sim.model.trace import Trace
from sim.model.yearly import YearBook
from sim.params.distributions import from_spec
from sim.params.schema import Config

ProgressFn = Callable[[float, float], None]


@dataclass
class RunResult:
    """What one run returns: KPIs, monthly rows per district, ledger counts, wait histogram."""

    summary: dict[str, float]
    timeseries: dict[str, list[Any]]
    ledger: dict[str, int]
    wait_histogram: tuple[list[float], list[int]]
    meta: dict[str, object] = field(default_factory=dict)
    by_year: dict[str, list[Any]] = field(default_factory=dict)  # kpis_by_year rows (sim.model.yearly)
    lever_changes: list[dict[str, Any]] = field(default_factory=list)  # sim.model.timeline.LeverChange
    by_group: list[tuple[str, str, str, float]] = field(default_factory=list)  # summary.by_group_rows


class Broadcast:
    """An event that many processes wait for, renewed each time it fires (e.g. each month)."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.event = env.event()

    def wait(self) -> simpy.Event:
        """Return the event of the next firing."""
        return self.event

    def has_waiters(self) -> bool:
        """True when some process waits for the next firing."""
        return bool(self.event.callbacks)

    def fire(self, value: Any) -> simpy.Event:
        """Fire with ``value``: waiting processes resume in the order they started waiting."""
        ev = self.event
        self.event = self.env.event()
        return ev.succeed(value)


class World:
    """Everything one replication of one scenario needs."""

    def __init__(self, params: Config, seed: int, replication: int = 0) -> None:
        self.params = p = params
        self.seed, self.replication = seed, replication
        self.horizon = float(p.run.horizon_months)
        self.warmup = float(p.run.warmup_months)
        self.t_start = -float(p.run.burnin_months)
        self.env = env = simpy.Environment(initial_time=self.t_start)
        self.streams = Streams(seed, replication)
        self.trace = Trace()
        dspecs = [scaled_district(d, p.city.scale) for d in p.city.districts]
        self.districts = [District(i, d) for i, d in enumerate(dspecs)]
        self.km = distance_matrix(p.city, dspecs)
        ispecs = list(p.city.institutions) or generated_institutions(p.city, dspecs)
        self.institutions, self.classes = build_institutions(p.city, self.districts, ispecs, self.t_start)
        n_d = len(self.districts)
        self.recorder = Recorder(self.t_start, self.warmup, self.horizon, p.run.start_year, n_d,
                                 len(p.city.types))
        self.ledger = Ledger(env, self.recorder.on_move, self.trace, self.recorder.on_note)
        self.staff = Staff(env, p.staff, self.streams, self.horizon)
        self.places = Places(env, self.staff, n_d, len(p.city.types), self.t_start)
        self.staff.places = self.places
        self.options = Options(p.families, self.districts, self.km, self.classes,
                               self._provider_fee, p.city.types)
        self.gov = Government(env, p, self.districts, self.options, self.trace)
        rule = discipline(p.allocation.discipline, p.allocation.points)
        self.alloc = Allocator(env, self.ledger, self.places, rule,
                               p.families.max_waitlists, self._contract)
        stay = None if p.families.stay.dist == "never" else from_spec(p.families.stay).sampler(
            self.streams["family.stay"])
        self.families = Families(env, p.families, self.ledger, self.options, self.alloc, self.recorder,
                                 self.gov.family_subsidy_month, stay, self.warmup, self.horizon)
        self.hourly = HourlyCare(env, p.families, self.ledger, self.options, self.alloc, self.recorder,
                                 self.gov.family_subsidy_month, self.streams["family.hourly"].gen,
                                 self.warmup, self.horizon)
        self.families.hourly = self.hourly
        f = p.families
        self.hourly_requests = f.care_modes.get("hourly", 0.0) > 0 and f.hourly_requests_per_month > 0
        if self.hourly_requests:  # the room of every class over the month, for the requests
            self.places.watch = self.alloc.watch = self.hourly.note
        self.births = Births(p, self.streams, self.districts, self.ledger, self.recorder, self.families,
                             self.t_start)
        if p.families.choice.taste_sd > 0:  # with tastes, a month's choices are ranked together
            self.births.seekers = {}
        self.providers = Providers(env, p, self.institutions, self.classes, self.districts, self.places,
                                   self.alloc, self.options, self.trace)
        self.providers.families = self.families
        self.providers.gov = self.gov
        self.access = Access(p.access, p.city, self.districts, self.streams["access.positions"],
                             self.alloc.has_room)
        for inst in self.institutions:
            self.access.add_institution(inst)
        self.providers.access = self.access
        self.market = Market(p, self.districts, self.providers, self.recorder, self.places, self.km)
        self.gov.capacity = CapacityProgramme(env, p, self.districts, self.gov, self.providers, self.places,
                                             self.recorder, self.km)
        self.gov.hub = Hub(env, p.city, self.districts, self.gov, self.providers, self.gov.capacity)
        self.quality: Quality | None = None
        if p.quality.enabled:
            self.quality = q = Quality(env, p, self.streams, self.institutions, self.districts, self.places,
                                       self.providers, self.gov, self.options)
            self.staff.workforce = self.gov.workforce = q.workforce
            self.providers.quality = q
            self.options.extra = q.utility
        self.timeline = Timeline(env, p, self.gov, self.gov.capacity, self.families, self.institutions,
                                 self.classes, self.trace)
        self.yearbook = YearBook(p.run.start_year, self.warmup, self.horizon,
                                 sum(d.population for d in self.districts))
        self.births.on_births = self.yearbook.add_births
        self.month_closed = Broadcast(env)
        self.month_started = Broadcast(env)
        self.providers.month_closed = self.month_closed
        for inst in self.institutions:
            self.gov.apply_fee_cap(inst)
        self.intake = any(t.intake == "annual" for t in p.city.types.values())
        self.intake_month0 = p.allocation.intake_month - 1  # month 0 is January
        if self.intake:
            self.families.round_month0 = self.intake_month0
        self.places_start = 0
        self.n_institutions_start = len(self.institutions)
        self.progress: ProgressFn | None = None

    # -- the rules the world binds together ------------------------------------------------
    def _provider_fee(self, inst: Any, half_day: bool = False) -> float:
        """What a newly admitted child would pay ``inst`` (its mode's fee minus its voucher)."""
        return provider_fee(inst.fee * inst.half_share if half_day else inst.fee, self.gov.voucher_for(inst))

    def _contract(self, fam: Any, inst: Any) -> None:
        """Fix a newly admitted family's voucher, provider fee and net fee (half-day: the half-day fee)."""
        fee = inst.fee * inst.half_share if fam.units == 1 else inst.fee
        fam.voucher, fam.fee_paid, fam.net_fee = contract(fee, self.gov.voucher_for(inst),
                                                          self.gov.family_subsidy_month())

    # -- the monthly tick ------------------------------------------------------------------
    def months(self) -> Generator[simpy.Event, Any, None]:
        """Each month: close the last one, run the month's decisions, draw births."""
        env = self.env
        while True:
            t = env.now
            if t > self.t_start:
                yield from self._close_month(t)
            if t >= self.horizon:
                return
            m = int(round(t))
            if t >= 0:
                if m == 0:
                    self.providers.start_cycles()
                    self.yearbook.snapshot(self, t)
                self.timeline.start_month(m)  # levers in force before anyone is admitted
            if self.intake and m % 12 == self.intake_month0:
                # the cohorts move up first (their events at this instant were scheduled
                # earlier, so they run before this timeout); the freed places wait for the round
                self.alloc.holding = True
                yield env.timeout(0)
                self.alloc.intake_round(self.classes)
            if t >= 0 and self.month_started.has_waiters():
                yield self.month_started.fire(m)
            self.births.month(t)
            if self.births.seekers is not None:  # this month's choices ranked together
                self.options.prerank(self.births.seekers.pop(math.floor(t), ()))
            yield env.timeout(min(t + 1.0, self.horizon) - t)

    def _close_month(self, t: float) -> Generator[simpy.Event, Any, None]:
        """The month ending at ``t``: public payments, providers' books and closures, the rows."""
        month = int(math.floor(t - 1e-9))
        if month < 0:
            return
        in_window = t - 1.0 >= self.warmup - 1e-9
        if self.hourly_requests:
            self.hourly.close_month(t, self.classes)  # the month's revenue, before the books
        self.gov.close_month(t, in_window, self.institutions)
        if self.params.economics.enabled:
            closed = self.providers.closed
            yield self.month_closed.fire((month, in_window))
            if self.providers.closed > closed:
                yield self.env.timeout(0)  # displaced children find new places before the rows
        if self.quality is not None and t >= 0:
            self.quality.close_month(month, in_window)  # training, scores, incidents, inspections
            yield self.env.timeout(0)  # children displaced by a sanction find new places first
        access, per_1000 = self.access.measure(month, in_window, self.institutions, self.places)
        self.recorder.snapshot(month, self.districts, self.places, self.institutions, self.gov.month_cost,
                               access, per_1000)
        if month % 12 == 11 or t >= self.horizon - 1e-9:
            self.yearbook.snapshot(self, t)
        self.gov.month_cost = [0.0] * len(self.districts)
        if self.progress is not None:
            self.progress(t, self.horizon)

    def _end_warmup(self) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(self.warmup - self.t_start)
        self.yearbook.before_reset(self, self.env.now)
        self.recorder.reset(self.env.now)
        self.places.reset(self.env.now)

    # -- running -------------------------------------------------------------------------
    def start(self) -> simpy.Process:
        """Open the classes and start the run's processes; return the monthly tick's process.

        :meth:`run` calls it; a test or notebook may call it and then step the clock with
        ``world.env.run(until=t)`` to look at the world between events.
        """
        env = self.env
        p = self.params
        for c in self.classes:
            self.places.open_class(c, with_staff=True)
        self.places_start = sum(c.licensed for c in self.classes)
        e = p.economics
        if e.enabled and e.entry:
            env.process(self.market.entries(self.month_started))
        if (p.policy.budget_per_year is not None or p.capacity.target_per_1000 is not None
                or p.capacity.hub or not self.timeline.empty):
            env.process(self.gov.year(self.month_started))  # nothing to do each year otherwise
        if self.warmup > self.t_start:
            env.process(self._end_warmup())
        return env.process(self.months())

    def run(self, progress: ProgressFn | None = None) -> RunResult:
        """Run to the horizon and return the result (raises LedgerError if a child is lost)."""
        from sim.model.summary import build_result

        self.progress = progress
        ticks = self.start()
        # The event loop allocates millions of short-lived, acyclic objects (events, entries);
        # the cyclic collector would walk every live family at each pass for nothing.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=ticks)
        finally:
            if gc_was_enabled:
                gc.enable()
        if progress is not None:
            progress(self.horizon, self.horizon)
        return build_result(self)
