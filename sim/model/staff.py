"""Caregivers: hired with a recruitment delay, leaving with a monthly quit hazard.

Each caregiver is an entity represented by its pending quit event; each vacancy by a pending
hire event. A class wants the caregivers its children need (ratios from the 2019
standards): with ``staff.staffing=licensed`` enough for every licensed place; with
``demand`` (default) enough for its enrolled children plus ``spare_caregivers_per_class``
caregivers' worth of free places, so an emptier class employs fewer people (surplus staff
leave by attrition: a quitter is replaced only while the class is below its target). When
caregivers are short, usable places fall below licensed places and admissions stop.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from simpy.events import Timeout

from sim.params.distributions import from_spec

if TYPE_CHECKING:
    from sim.model.city import AgeClass
    from sim.model.world import World


def usable_places(licensed: int, caregivers: int, ratio: float) -> int:
    """Return the places that ``caregivers`` can cover, at most ``licensed``."""
    return min(licensed, int(caregivers * ratio + 1e-9))


class StaffProcess:
    """Hire and quit events for every class of the world."""

    def __init__(self, world: World) -> None:
        self.world = world
        cfg = world.params.staff
        self.env = world.env
        self.horizon = world.horizon
        self.mean_tenure = 1.0 / cfg.quit_hazard_per_month if cfg.quit_hazard_per_month > 0 else 0.0
        self.quit_stream = world.streams["staff.quit"]
        self.delay: Callable[[], float] = from_spec(cfg.recruitment_delay).sampler(
            world.streams["staff.recruit"])
        self.initial_fill = cfg.initial_fill
        self.by_demand = cfg.staffing == "demand"
        self.spare = cfg.spare_caregivers_per_class

    def target(self, c: AgeClass) -> int:
        """Return the caregivers class ``c`` wants now."""
        if not c.inst.open or c.licensed <= 0:
            return 0
        full = c.required_caregivers()
        if not self.by_demand:
            return full
        return min(full, math.ceil(c.enrolled / c.ratio - 1e-9) + self.spare)

    def start(self, c: AgeClass, places: int) -> None:
        """Give a new class with ``places`` its initial share of the caregivers it wants."""
        required = math.ceil(places / c.ratio - 1e-9) if places else 0
        if self.by_demand:
            required = min(required, self.spare)
        n = min(required, int(round(required * self.initial_fill)))
        self.world.set_caregivers(c, n)
        for _ in range(n):
            self._schedule_quit(c)

    def recruit(self, c: AgeClass) -> None:
        """Open a vacancy for every caregiver missing and not already being recruited."""
        for _ in range(c.target - c.caregivers - c.pending_hires):
            c.pending_hires += 1
            Timeout(self.env, self.delay(), c).callbacks.append(self._on_hire)

    def _schedule_quit(self, c: AgeClass) -> None:
        if self.mean_tenure <= 0:
            return
        t = self.env.now + self.quit_stream.exponential(self.mean_tenure)
        if t < self.horizon:
            self.world.at(t, c, self._on_quit)

    def _on_quit(self, ev: Timeout) -> None:
        c = cast("AgeClass", ev.value)
        if not c.inst.open or c.caregivers <= 0:
            return
        self.world.set_caregivers(c, c.caregivers - 1)
        self.recruit(c)

    def _on_hire(self, ev: Timeout) -> None:
        c = cast("AgeClass", ev.value)
        c.pending_hires -= 1
        if c.inst.open and c.caregivers < c.target:
            self._schedule_quit(c)
            self.world.set_caregivers(c, c.caregivers + 1)
