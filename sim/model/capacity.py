"""The public capacity programme: a places-per-1,000 target reached by converting and building.

The programme raises licensed places per 1,000 population from the month-0 level to
``capacity.target_per_1000`` by January of ``capacity.target_year`` (linear or geometric
path): every ``plan_every_months`` the government's year (:meth:`Government.year`) asks it
to order what the path needs one planning period after the orders open, net of places
already ordered and of the closures expected meanwhile (at the past year's rate). It first
converts spare kindergarten classes into toddler classes (spare when births fall below
their month-0 level: three cohorts of kindergarten children per birth lost, times
``kindergarten_enrolment``), then builds ``build_type`` institutions where children under 3
per place are highest. Every order is a budget commitment (construction grant or conversion
cost per place, calibration/china.md s.4); a refused commitment stops the round.

The levers in force can change on a date (``capacity.timeline``, :mod:`sim.model.timeline`):
a new target, target year or path re-anchors the path at the level of the month it starts
(from there to the new target by the target year), and a new planning period starts its
cycle in that month.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.model.births import births_multiplier
from sim.model.city import type_size
from sim.model.government import every
from sim.params.timeline import steps

PURCHASE = "purchase"  # the channel that buys places of existing private providers

if TYPE_CHECKING:
    import simpy

    from sim.model.city import District
    from sim.model.government import Government
    from sim.model.places import Places
    from sim.model.provider import Providers
    from sim.model.recorder import Recorder
    from sim.params.schema import CapacityConfig, Config


class CapacityProgramme:
    """Orders conversions and new public places to keep to the target path."""

    def __init__(self, env: simpy.Environment, params: Config, districts: Sequence[District],
                 gov: Government, providers: Providers, places: Places, recorder: Recorder | None = None,
                 km: np.ndarray | None = None) -> None:
        self.env = env
        self.params = params
        self.cap = params.capacity
        self.warmup = float(params.run.warmup_months)
        self.districts = districts
        self.gov = gov
        self.providers = providers
        self.places = places
        self.converted = [0] * len(districts)
        self.births_ref: list[float] | None = None
        self.start_level: float | None = None  # places per 1,000 where the path starts, at month path_from
        self.path_from = 0.0
        self.plan_from = 0  # planning months are plan_from + k * plan_every_months
        self.recorder = recorder
        n = len(districts)
        self.km = np.zeros((n, n)) if km is None else km
        self.built: dict[str, int] = {}  # places ordered per channel (kindergarten: conversions)
        self.placed = [0.0] * n  # places placed per district in this round
        self.priced_before = [0] * n  # priced-out counts at the last round
        self.refused_offers: set[int] = set()  # providers that refused a purchase offer this round

    def due(self, m: int) -> bool:
        """True when month ``m`` is a planning month."""
        return every(m - self.plan_from, self.cap.plan_every_months)

    def set_levers(self, cap: CapacityConfig) -> None:
        """From now on the levers ``cap`` are in force (a ``capacity.timeline`` entry)."""
        old, self.cap = self.cap, cap
        path = (cap.target_per_1000, cap.target_year, cap.path)
        if self.start_level is not None and path != (old.target_per_1000, old.target_year, old.path):
            self.start_level = self.level()
            self.path_from = self.env.now
        if cap.plan_every_months != old.plan_every_months:
            self.plan_from = int(round(self.env.now))

    def level(self) -> float:
        """Return licensed places per 1,000 population now."""
        pop = sum(d.population for d in self.districts)
        return sum(i.licensed for i in self.providers.institutions if i.open) * 1000.0 / pop

    def plan(self, in_window: bool) -> None:
        """Order what the target path needs now (conversions first, then new buildings)."""
        cap = self.cap
        t = self.env.now
        pop = sum(d.population for d in self.districts)
        licensed = sum(i.licensed for i in self.providers.institutions if i.open)
        if self.start_level is None:
            self.start_level = licensed * 1000.0 / pop
            self.births_ref = [self._births_now(d, t) for d in self.districts]
        if cap.target_per_1000 is None:
            return
        t_target = (cap.target_year - self.params.run.start_year) * 12.0
        aim_t = t + cap.build_lead_months + cap.plan_every_months
        t0 = self.path_from
        frac = 1.0 if t_target <= t0 else min(1.0, (aim_t - t0) / (t_target - t0))
        if cap.path == "geometric" and self.start_level > 0:
            aim = self.start_level * (cap.target_per_1000 / self.start_level) ** frac
        else:
            aim = self.start_level + (cap.target_per_1000 - self.start_level) * frac
        pipeline = sum(self.providers.pipeline.values())
        # places expected to close, at the past year's rate, before these orders open and
        # (on average) during the planning period after it
        attrition = self.providers.recent_closure_rate() * (cap.build_lead_months + cap.plan_every_months / 2)
        need = aim * pop / 1000.0 - licensed - pipeline + attrition
        if cap.convert_kindergarten:
            need = self._convert(t, need, in_window)
        self._build(need, in_window)

    def _births_now(self, d: District, t: float) -> float:
        start = self.params.run.start_year
        year = start + math.floor(t / 12.0)
        return d.spec.births_per_year * births_multiplier(self.params.city, year, start)

    def _convert(self, t: float, need: float, in_window: bool) -> float:
        city = self.params.city
        size = type_size(city, "kindergarten") if "kindergarten" in city.types else {}
        unit = sum(size.values())
        if unit <= 0 or self.births_ref is None:
            return need
        for d in self.districts:
            lost = max(0.0, self.births_ref[d.idx] - self._births_now(d, t))
            spare = 3 * self.cap.kindergarten_enrolment * lost
            while need > 0 and spare - self.converted[d.idx] >= unit:
                if not self.gov.commit(unit * self.cap.conversion_cost_per_place, in_window, d):
                    return 0.0
                self.converted[d.idx] += unit
                self.built["kindergarten"] = self.built.get("kindergarten", 0) + unit
                self.providers.order(d, "kindergarten", size, self.cap.conversion_lead_months, programme=True)
                need -= unit
        return need

    def _build(self, need: float, in_window: bool) -> None:
        """Build through the channels (shares of ``capacity.channels``) where the placement rule says.

        The ``purchase`` channel buys places of existing private providers (:meth:`_purchase`)
        in its share of the places the programme procures; it adds no licensed place.
        """
        cap = self.cap
        self.refused_offers = set()
        mix = dict(cap.channels) or {cap.build_type: 1.0}
        score = self._scores()
        unit_of = {c: sum(type_size(self.params.city, c).values()) for c in mix if c != PURCHASE}
        while True:
            tname = next_channel(mix, self.built)
            if tname == PURCHASE:
                if not self._purchase(score, in_window):
                    mix.pop(PURCHASE)  # nothing left to buy this round: build the other channels
                    if not mix:
                        return
                continue
            size = type_size(self.params.city, tname)
            unit = unit_of[tname]
            if unit <= 0 or need <= unit / 2:
                return
            d = max(self.districts, key=lambda d: (score(d.idx), -d.idx))
            grant = cap.grant_per_place.get(tname, cap.construction_grant_per_place)
            if not self.gov.commit(unit * grant, in_window, d):
                return
            self.providers.order(d, tname, size, cap.build_lead_months, programme=True)
            self.built[tname] = self.built.get(tname, 0) + unit
            self.placed[d.idx] += unit
            need -= unit

    def _purchase(self, score: Callable[[int], float], in_window: bool) -> bool:
        """Buy the places of one private provider as 普惠 places; False when none is for sale or affordable.

        In the district of highest placement score with a candidate within ``reach_km``, the
        provider with most vacant places (then nearest, then first) among the open private
        providers without a contract, 普惠 already or of an ``economics.convert_from`` type, is
        offered ``purchase_per_place_month`` per licensed place (政府购买服务: the government
        buys 普惠 places). A 普惠 provider accepts (its fee is capped already); a market one
        converts to ``economics.convert_to`` when it expects to do better so
        (:meth:`sim.model.conversion.Conversion.terms`). The contract is paid monthly
        within the budget (:meth:`Government.purchase`); no offer is made while the budget is
        exhausted. Its places
        count as the channel's (``programme_places_purchase``) but add no licensed place: the
        places target is still built through the other channels.
        """
        eco = self.params.economics
        per_place = self.cap.purchase_per_place_month
        refused = self.refused_offers
        if eco.convert_to not in self.params.city.types or self.gov.exhausted:
            return False
        contracts = self.gov.contracts
        cands = [i for i in self.providers.institutions
                 if i.open and i.sector == "private" and i.idx not in refused and i.idx not in contracts
                 and (i.affordable or i.type in eco.convert_from)]
        if not cands:
            return False
        vacant = {i.idx: sum(max(0.0, c.usable - c.load / 2) for c in i.classes) for i in cands}
        order = sorted(self.districts, key=lambda d: (-score(d.idx), d.idx))
        for d in order:
            near = [i for i in cands if self.km[d.idx, i.district.idx] <= self.cap.reach_km]
            near.sort(key=lambda i: (-vacant[i.idx], self.km[d.idx, i.district.idx], i.idx))
            for inst in near:
                if not inst.affordable:
                    stay, convert = self.providers.conversion.terms(inst, eco.convert_to, per_place)
                    if convert <= stay:
                        refused.add(inst.idx)
                        continue
                    self.providers.conversion.convert(inst, eco.convert_to, purchased=True)
                self.gov.purchase(inst, per_place)
                self.built[PURCHASE] = self.built.get(PURCHASE, 0) + inst.licensed
                self.placed[inst.district.idx] += vacant[inst.idx]
                return True
        return False

    def _scores(self) -> Callable[[int], float]:
        """Return the placement score of a district (higher builds first) as places are placed."""
        n = len(self.districts)
        self.placed = [0.0] * n
        pipe = self.providers.pipeline
        if self.cap.placement == "ratio" or self.recorder is None:
            licensed = self.places.by_district("licensed")
            month = int(round(self.env.now))
            kids = [float(d.children_under3(month)) for d in self.districts]
            base = [float(licensed[k] + pipe.get(k, 0)) for k in range(n)]
            return lambda k: kids[k] / max(base[k] + self.placed[k], 1.0)
        usable = self.places.by_district("usable")
        occupied = self.places.by_district_exact("occupied")
        priced_now = list(self.recorder.priced_out_by_district)
        priced = [a - b for a, b in zip(priced_now, self.priced_before, strict=True)]
        self.priced_before = priced_now
        unmet = []
        for k in range(n):
            reach = [j for j in range(n) if self.km[k, j] <= self.cap.reach_km]
            vacant = sum(max(0.0, usable[j] - occupied[j]) + pipe.get(j, 0) for j in reach)
            unmet.append(self.recorder.waiting[k].value + priced[k] - vacant)
        return lambda k: unmet[k] - self.placed[k]


def next_channel(mix: dict[str, float], built: dict[str, int]) -> str:
    """Return the channel furthest below its share of the places built so far (ties: first listed)."""
    total = sum(built.get(c, 0) for c in mix) + 1.0
    return max(mix, key=lambda c: mix[c] * total - built.get(c, 0))


def programme_channels(cap: CapacityConfig, start_year: int) -> tuple[str, ...]:
    """Return every channel the programme may order through under ``cap`` and its timeline.

    The keys of ``channels``, ``build_type``, ``kindergarten`` when spare kindergarten classes
    are converted and ``hub`` when the comprehensive centre is ordered, over the levers in
    force at the start and after each ``capacity.timeline`` entry, in that order without
    repeats: a fixed set for a configuration, so every replication of a scenario reports the
    same channels.
    """
    out: dict[str, None] = {}
    for c in (cap, *(step.config for step in steps(cap, start_year))):
        out.update(dict.fromkeys(c.channels))
        out[c.build_type] = None
        if c.convert_kindergarten:
            out["kindergarten"] = None
        if c.hub:
            out["hub"] = None
    return tuple(out)
