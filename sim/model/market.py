"""Market entry: new private providers open where families within reach would fill them.

Every ``economics.entry_check_months`` (a SimPy process on the month's start), in each
district, a would-be provider of ``economics.entry_type`` looks around: the children in care
and the families waiting in every district within ``economics.entry_reach_km`` (whatever
the type of provider they use or wait for), times the births outlook (next year's
under-threes over this year's, from the births path), spread over all the licensed places
within reach, the places already ordered there and its own. That expected occupancy must
reach its break-even occupancy at the fee it would charge (the mean fee of the type's open
providers in the district, else the type's list fee; costs from
:func:`sim.model.costs.cost_structure`). The market's size limits entry: in one check the
entrants of a district add at most ``entry_max_waiting_share`` times the families waiting
within reach, and at most ``max_entries_per_district_year`` (pro rata per check, rounded up)
enter; they open after ``entry_lead_months``.

An entrant of an affordable type (a private 普惠 provider) receives the construction grant
``policy.entry_grant_per_place`` per place (the lever in force when it decides): the
government commits it then (:meth:`sim.model.government.Government.commit`, booked as
construction; the budget may refuse it, and the entrant then enters without it) and the
entrant's starting cash includes it when it opens. The grant does not enter the entry
decision: providers carry no capital cost in this model, so it is start-up cash (assumption;
the central grant is about 10,000 yuan per new affordable place, calibration/china.md s.4,
conf. L, and 1,315 counties subsidise construction, s.4).

Every entry is recorded (:class:`Entry`) with whether its district's waitlist or its
families priced out in the past year were above the city's median (issue 13, pattern 4);
entrants' survival is read from the providers' open and closing times.
Parameters are assumptions (economics in config); market fees are reset by each provider
(:meth:`sim.model.provider.Providers.reset_fee`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.model.city import type_size
from sim.model.costs import cost_structure
from sim.model.economics import breakeven_occupancy
from sim.model.government import every
from sim.model.provider import cost_index

if TYPE_CHECKING:
    from sim.model.city import District
    from sim.model.places import Places
    from sim.model.provider import Providers
    from sim.model.recorder import Recorder
    from sim.model.world import Broadcast
    from sim.params.schema import Config


@dataclass(frozen=True, slots=True)
class Entry:
    """One market entry decided at ``t`` in district ``district``: its places and the need there."""

    t: float
    district: int
    places: int
    high_need: bool  # waitlist or priced out (past year) above the city's median at the decision


class Market:
    """Entry of new market providers."""

    def __init__(self, params: Config, districts: Sequence[District], providers: Providers,
                 recorder: Recorder, places: Places | None = None, km: np.ndarray | None = None) -> None:
        self.params = params
        self.cfg = params.economics
        self.districts = districts
        self.providers = providers
        self.recorder = recorder
        self.places = places
        n = len(districts)
        self.km = np.zeros((n, n)) if km is None else km
        self.entries_log: list[Entry] = []
        self.priced_before = [0] * n  # priced-out counts at the last check
        self.grants = 0.0  # construction grants committed to entrants

    def entries(self, month_started: Broadcast) -> Generator[simpy.Event, Any, None]:
        """Every entry check (not at month 0): open providers where they can break even."""
        while True:
            m = yield month_started.wait()
            if m > 0 and every(m, self.cfg.entry_check_months):
                self.enter()

    def entry_fee(self, d: District, tname: str) -> float:
        """Return the fee an entrant would charge: the mean fee of the type's open providers in ``d``."""
        fees = [i.fee for i in self.providers.institutions if i.open and i.type == tname and i.district is d]
        if fees:
            return sum(fees) / len(fees)
        return self.params.city.types[tname].fee_per_month * d.spec.fee_index

    def entry_economics(self, d: District, tname: str) -> tuple[int, float]:
        """Return (places, break-even occupancy) of a new ``tname`` provider in district ``d``."""
        p = self.params
        t = p.city.types[tname]
        size = type_size(p.city, tname)
        ci = cost_index(d)
        base = self.cfg.rent_per_place_month if t.rent_per_place_month is None else t.rent_per_place_month
        rent = base * ci
        staff = p.staff
        by_demand = staff.binding and staff.staffing == "demand"
        ratios = {b: p.city.bands[b].ratio for b in size}
        cs = cost_structure(size, ratios, staff.wage_per_month * ci, rent, t.overhead_per_month * ci,
                            self.cfg.per_child_cost_month * ci, by_demand, staff.spare_caregivers_per_class,
                            t.owner_operators)
        places = sum(size.values())
        return places, breakeven_occupancy(self.entry_fee(d, tname), places, cs.fixed, cs.per_child)

    def entry_grant(self, d: District, tname: str, places: int) -> float:
        """Return the construction grant the government commits to an entrant (0: none, or refused)."""
        gov = self.providers.gov
        if gov is None or not self.params.city.types[tname].affordable:
            return 0.0
        amount = gov.pol.entry_grant_per_place * places
        in_window = self.providers.env.now >= self.params.run.warmup_months - 1e-9
        if amount <= 0 or not gov.commit(amount, in_window, d):
            return 0.0
        self.grants += amount
        return amount

    def high_need(self, waiting: Sequence[float]) -> list[bool]:
        """Districts whose waitlist, or families priced out since the last check, are above the median."""
        priced_now = list(self.recorder.priced_out_by_district)
        priced = [a - b for a, b in zip(priced_now, self.priced_before, strict=True)]
        self.priced_before = priced_now
        mw, mp = statistics.median(waiting), statistics.median(priced)
        return [w > mw or p > mp for w, p in zip(waiting, priced, strict=True)]

    def enter(self) -> None:
        """Order market providers where the occupancy they could expect within reach covers their cost."""
        cfg = self.cfg
        tname = cfg.entry_type
        size = type_size(self.params.city, tname)
        n = len(self.districts)
        waiting = [self.recorder.waiting[k].value for k in range(n)]
        if self.places is not None:
            occupied = self.places.by_district_exact("occupied")
            licensed = [float(x) for x in self.places.by_district("licensed")]
        else:
            occupied, licensed = [0.0] * n, [0.0] * n
        need_flags = self.high_need(waiting)
        pipe = self.providers.pipeline
        outlook = self.providers.births_outlook()
        per_check = cfg.max_entries_per_district_year * min(1.0, cfg.entry_check_months / 12.0)
        for d in self.districts:
            places, need = self.entry_economics(d, tname)
            reach = [k for k in range(n) if self.km[d.idx, k] <= cfg.entry_reach_km]
            wait_r = sum(waiting[k] for k in reach)
            demand = (sum(occupied[k] for k in reach) + wait_r) * outlook
            supply = sum(licensed[k] + pipe.get(k, 0) for k in reach)
            added = 0
            for _ in range(math.ceil(per_check - 1e-9)):
                if min(1.0, demand / (supply + places)) < need:
                    break
                if added + places > cfg.entry_max_waiting_share * wait_r:
                    break
                supply += places
                added += places
                grant = self.entry_grant(d, tname, places)
                self.providers.order(d, tname, size, cfg.entry_lead_months, entrant=True, grant=grant)
                self.entries_log.append(Entry(self.providers.env.now, d.idx, places, need_flags[d.idx]))
