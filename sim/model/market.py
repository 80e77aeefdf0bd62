"""Market entry: new private providers open where the occupancy they can expect covers their cost.

Every ``economics.entry_check_months`` (a SimPy process on the month's start), in each
district, a provider of ``economics.entry_type`` would expect the children now enrolled at
that type's providers plus the district's waiting families, spread over their places, the
places already ordered and its own; while that reaches its break-even occupancy
(:func:`sim.model.economics.breakeven_occupancy` at the list fee), up to
``max_entries_per_district_year`` (pro rata per check, rounded up; none when it is 0) open
after ``entry_lead_months``.
Parameters are assumptions (economics in config); market fees are reset by each provider
(:meth:`sim.model.provider.Providers.reset_fee`).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.city import Institution, type_size
from sim.model.economics import breakeven_occupancy
from sim.model.government import every
from sim.model.provider import cost_index
from sim.model.staff import required_caregivers

if TYPE_CHECKING:
    from sim.model.city import District
    from sim.model.provider import Providers
    from sim.model.recorder import Recorder
    from sim.model.world import Broadcast
    from sim.params.schema import Config


class Market:
    """Entry of new market providers."""

    def __init__(self, params: Config, districts: Sequence[District], providers: Providers,
                 recorder: Recorder) -> None:
        self.params = params
        self.cfg = params.economics
        self.districts = districts
        self.providers = providers
        self.recorder = recorder

    def entries(self, month_started: Broadcast) -> Generator[simpy.Event, Any, None]:
        """Every entry check (not at month 0): open providers where they can break even."""
        while True:
            m = yield month_started.wait()
            if m > 0 and every(m, self.cfg.entry_check_months):
                self.enter()

    def entry_economics(self, d: District, tname: str) -> tuple[int, float]:
        """Return (places, break-even occupancy) of a new ``tname`` provider in district ``d``."""
        p = self.params
        cfg = self.cfg
        t = p.city.types[tname]
        size = type_size(p.city, tname)
        places = sum(size.values())
        bands = p.city.bands
        ci = cost_index(d)
        wage = p.staff.wage_per_month * ci
        rent = (cfg.rent_per_place_month if t.rent_per_place_month is None else t.rent_per_place_month) * ci
        staff = p.staff
        if staff.binding and staff.staffing == "demand":
            fixed_cg = staff.spare_caregivers_per_class * sum(t.classes.values())
            per_child_staff = wage * sum(n / bands[b].ratio for b, n in size.items()) / max(places, 1)
        else:
            fixed_cg = sum(required_caregivers(n, bands[b].ratio) for b, n in size.items())
            per_child_staff = 0.0
        fixed = fixed_cg * wage + rent * places + t.overhead_per_month * ci
        fee = t.fee_per_month * d.spec.fee_index
        need = breakeven_occupancy(fee, places, fixed, cfg.per_child_cost_month * ci + per_child_staff)
        return places, need

    def enter(self) -> None:
        """Order market providers where the occupancy they could expect covers their cost."""
        cfg = self.cfg
        tname = cfg.entry_type
        size = type_size(self.params.city, tname)
        by_district: dict[int, list[Institution]] = {}
        for inst in self.providers.institutions:
            if inst.open and inst.type == tname:
                by_district.setdefault(inst.district.idx, []).append(inst)
        per_check = cfg.max_entries_per_district_year * min(1.0, cfg.entry_check_months / 12.0)
        for d in self.districts:
            places, need = self.entry_economics(d, tname)
            mk = by_district.get(d.idx, [])
            enrolled = sum(c.load for i in mk for c in i.classes) / 2  # places occupied
            licensed = sum(i.licensed for i in mk) + self.providers.pipeline.get(d.idx, 0)
            waiting = self.recorder.waiting[d.idx].value
            for _ in range(math.ceil(per_check - 1e-9)):
                if min(1.0, (enrolled + waiting) / (licensed + places)) < need:
                    break
                licensed += places
                self.providers.order(d, tname, size, cfg.entry_lead_months)
