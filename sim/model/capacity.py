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
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sim.model.births import births_multiplier
from sim.model.city import type_size
from sim.model.government import every

if TYPE_CHECKING:
    import simpy

    from sim.model.city import District
    from sim.model.government import Government
    from sim.model.places import Places
    from sim.model.provider import Providers
    from sim.params.schema import CapacityConfig, Config


class CapacityProgramme:
    """Orders conversions and new public places to keep to the target path."""

    def __init__(self, env: simpy.Environment, params: Config, districts: Sequence[District],
                 gov: Government, providers: Providers, places: Places) -> None:
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
                self.providers.order(d, "kindergarten", size, self.cap.conversion_lead_months)
                need -= unit
        return need

    def _build(self, need: float, in_window: bool) -> None:
        tname = self.cap.build_type
        size = type_size(self.params.city, tname)
        unit = sum(size.values())
        if unit <= 0:
            return
        pipe = self.providers.pipeline
        licensed = self.places.by_district("licensed")
        places = {d.idx: float(licensed[d.idx] + pipe.get(d.idx, 0)) for d in self.districts}
        month = int(round(self.env.now))
        kids = {d.idx: float(d.children_under3(month)) for d in self.districts}
        while need > unit / 2:
            d = max(self.districts, key=lambda d: (kids[d.idx] / max(places[d.idx], 1.0), -d.idx))
            if not self.gov.commit(unit * self.cap.construction_grant_per_place, in_window, d):
                return
            self.providers.order(d, tname, size, self.cap.build_lead_months)
            places[d.idx] += unit
            need -= unit
