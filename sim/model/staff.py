"""Caregivers: posts that are recruited for, filled, and left again.

Each post a class wants is a SimPy process read top to bottom: a vacancy waits the
recruitment delay, is filled if the class still wants it, and the caregiver stays for an
exponential tenure (monthly quit hazard ``staff.quit_hazard_per_month``, assumption) before
quitting; the post is then recruited for again only while the class is below its target
(surplus staff leave by attrition). A class wants the caregivers its children need (ratios
from the 2019 national standards, calibration/china.md s.5): with ``staff.staffing=licensed``
enough for every licensed place; with ``demand`` (default) enough for its enrolled children
plus ``spare_caregivers_per_class`` (assumption, 0-2). When caregivers are short, usable
places fall below licensed places and admissions stop.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.params.distributions import from_spec

if TYPE_CHECKING:
    from sim.model.city import AgeClass
    from sim.model.places import Places
    from sim.model.rng import Streams
    from sim.model.workforce import Workforce
    from sim.params.schema import StaffConfig

_EPS = 1e-9  # places / ratio within rounding of a whole number counts as that number


def required_caregivers(places: int, ratio: float) -> int:
    """Return the caregivers needed for ``places`` children at ``ratio`` children each (rounded up)."""
    return math.ceil(places / ratio - _EPS) if places > 0 else 0


def usable_places(licensed: int, caregivers: int, ratio: float) -> int:
    """Return the places that ``caregivers`` can cover, at most ``licensed``."""
    return min(licensed, int(caregivers * ratio + _EPS))


def staff_target(full: int, enrolled: int, ratio: float, by_demand: bool, spare: int) -> int:
    """Return the caregivers a class wants: ``full`` (enough for every licensed place), or
    by demand enough for its children plus ``spare``, at most ``full``."""
    if not by_demand:
        return full
    return min(full, required_caregivers(enrolled, ratio) + spare)


class Staff:
    """The caregiver posts of every class of the world."""

    def __init__(self, env: simpy.Environment, cfg: StaffConfig, streams: Streams, horizon: float) -> None:
        self.env = env
        self.horizon = horizon
        self.binding = cfg.binding
        self.mean_tenure = 1.0 / cfg.quit_hazard_per_month if cfg.quit_hazard_per_month > 0 else math.inf
        self.quit_stream = streams["staff.quit"]
        self.delay: Callable[[], float] = from_spec(cfg.recruitment_delay).sampler(streams["staff.recruit"])
        self.initial_fill = cfg.initial_fill
        self.by_demand = cfg.staffing == "demand"
        self.spare = cfg.spare_caregivers_per_class
        self.places: Places | None = None  # set by the world
        self.workforce: Workforce | None = None  # set by the world when quality.enabled

    def target(self, c: AgeClass) -> int:
        """Return the caregivers class ``c`` wants now (0 unless staff bind and the class is open)."""
        if not self.binding or not c.inst.open or c.licensed <= 0:
            return 0
        return staff_target(c.required, (c.load + 1) // 2, c.ratio, self.by_demand, self.spare)

    def initial(self, c: AgeClass, places: int) -> int:
        """Return the caregivers a class opening with ``places`` starts with (``initial_fill``)."""
        required = required_caregivers(places, c.ratio)
        if self.by_demand:
            required = min(required, self.spare)
        return min(required, int(round(required * self.initial_fill)))

    def start(self, c: AgeClass, n: int) -> None:
        """Start ``n`` filled posts in ``c`` (its caregivers at the start of the run)."""
        for _ in range(n):
            self.env.process(self.post(c, filled=True))

    def recruit(self, c: AgeClass) -> None:
        """Open a vacancy for every caregiver ``c`` wants and is not already recruiting."""
        for _ in range(c.target - c.caregivers - c.pending_hires):
            c.pending_hires += 1
            self.env.process(self.post(c, filled=False))

    def post(self, c: AgeClass, filled: bool) -> Generator[simpy.Event, Any, None]:
        """One post: recruit (unless filled), employ until the caregiver quits, recruit again.

        With ``quality.enabled`` each caregiver is a record (:class:`sim.model.workforce.Caregiver`,
        qualified or not) whose pay and workload set its mean tenure.
        """
        env = self.env
        places = self.places
        workforce = self.workforce
        assert places is not None
        initial = filled
        while True:
            if not filled:
                yield env.timeout(self.delay())
                c.pending_hires -= 1
                if not c.inst.open or c.caregivers >= c.target:
                    return
                places.set_caregivers(c, c.caregivers + 1)
            filled = False
            mean, rec = self.mean_tenure, None
            if workforce is not None:
                rec = workforce.hire(c, initial)
                mean = workforce.mean_tenure(c, rec)
                initial = False
            tenure = self.quit_stream.exponential(mean) if mean < math.inf else math.inf
            if env.now + tenure >= self.horizon:
                return
            yield env.timeout(tenure)
            if rec is not None:
                workforce.quit(c, rec)  # type: ignore[union-attr]
            if not c.inst.open or c.caregivers <= 0:
                return
            places.set_caregivers(c, c.caregivers - 1)
            if c.caregivers + c.pending_hires >= c.target:
                return
            c.pending_hires += 1
