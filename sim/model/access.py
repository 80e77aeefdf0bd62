"""Access within reach: who has an affordable place near home, and where places fall short of the plan.

Two district measures of issue 15, read once a month when the rows are written (no process,
no event of their own):

- **Access within reach** (``access_affordable_share``): the share of children under 3 who
  have, within ``access.reach_km`` of home, an open affordable institution (a public, 普惠,
  kindergarten, community or hub place: its type is ``affordable`` and not ``reserved`` for
  employees' children) with some class that has a free usable place or at most
  ``access.short_waitlist`` families waiting (assumption, 0-10). The default reach is the
  "15-minute community life circle" of the Ministry of Natural Resources' standard
  社区生活圈规划技术指南 (TD/T 1062-2021): daily services within a 15-minute walk, about
  1 km. For a class that admits once a year a free place is one at the next round.
- **Below the national target**: the share of people living in districts with fewer
  licensed places per 1,000 people than ``access.places_target_per_1000`` (4.5 by end 2025,
  calibration/china.md s.1 "14th Five-Year Plan target").

Where things are. A district is a disc around its centre (``x_km``, ``y_km``): of area
``area_km2`` when given, otherwise of the radius ``a`` whose mean distance between two uniform
points, ``128 a / (45 pi)`` (about 0.905 a), is ``city.intra_district_km``, the typical trip
within a district; a city run at a sample scale (``city.scale`` < 1: fewer people and
institutions, each of full size) keeps its density on that share of the area, so the radius
shrinks by ``sqrt(scale)``. A city with no geography (every district at one point and
``city.distance_km`` set, as ``china_2024``) gets a number without meaning. An institution is
where the city says (``x_km``, ``y_km``) or, when it
does not, at a point drawn once, uniform in its district's disc, from the stream
``access.positions`` (institutions opened during the run draw theirs when they open). The
children of a district stand at ``access.sample_points`` points spread evenly over its disc
(Vogel's sunflower spiral: equal areas, no random draw), each for an equal share of them
(assumption: children live spread evenly over their district). A point has access when an
institution that qualifies is within reach of it, in its own district or another.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.model.rng import Stream

if TYPE_CHECKING:
    from sim.model.city import AgeClass, District, Institution
    from sim.model.places import Places
    from sim.params.schema import AccessConfig, CityConfig

DISC_MEAN_DISTANCE = 128.0 / (45.0 * math.pi)  # mean distance of two uniform points in a unit disc
GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


def district_radius_km(area_km2: float | None, intra_district_km: float) -> float:
    """Return the radius of a district's disc: from its area, else from its typical internal trip."""
    if area_km2 is not None:
        return math.sqrt(area_km2 / math.pi)
    return intra_district_km / DISC_MEAN_DISTANCE


SHARES_KEPT = 64  # sets of qualifying institutions whose shares are kept (then forgotten at once)


def sample_points(x_km: float, y_km: float, radius_km: float, n: int) -> np.ndarray:
    """Return ``n`` points (rows ``x, y``) spread evenly over a disc: each stands for 1/n of its area."""
    k = np.arange(n, dtype=float)
    r = radius_km * np.sqrt((k + 0.5) / n)
    theta = k * GOLDEN_ANGLE
    return np.column_stack((x_km + r * np.cos(theta), y_km + r * np.sin(theta)))


def point_in_disc(x_km: float, y_km: float, radius_km: float, u1: float, u2: float) -> tuple[float, float]:
    """Return the point of a disc that two U(0, 1) draws pick, uniform over its area."""
    r = radius_km * math.sqrt(u1)
    theta = 2.0 * math.pi * u2
    return x_km + r * math.cos(theta), y_km + r * math.sin(theta)


def points_within(points: np.ndarray, x_km: float, y_km: float, reach_km: float) -> np.ndarray:
    """Return the indices of the ``points`` at most ``reach_km`` from ``(x_km, y_km)``."""
    d2 = (points[:, 0] - x_km) ** 2 + (points[:, 1] - y_km) ** 2
    return np.flatnonzero(d2 <= reach_km * reach_km)


class Access:
    """Positions of institutions and children's sample points, and the two monthly measures.

    Parameters
    ----------
    cfg, city
        ``access`` and ``city`` of the parameters.
    districts
        The districts (their specs give centres and areas).
    positions
        The stream that draws the positions of institutions the city does not place.
    has_room
        Whether a class has a free usable place (:meth:`sim.model.allocation.Allocator.has_room`).
    """

    def __init__(self, cfg: AccessConfig, city: CityConfig, districts: Sequence[District],
                 positions: Stream, has_room: Callable[[AgeClass], bool]) -> None:
        self.reach = float(cfg.reach_km)
        self.short = int(cfg.short_waitlist)
        self.target = float(cfg.places_target_per_1000)
        self.n = int(cfg.sample_points)
        self.districts = districts
        shrink = math.sqrt(city.scale)  # a sample of the city keeps its density: scale of its area
        self.radius = [shrink * district_radius_km(d.spec.area_km2, city.intra_district_km)
                       for d in districts]
        self.points = np.vstack([sample_points(d.spec.x_km, d.spec.y_km, r, self.n)
                                 for d, r in zip(districts, self.radius, strict=True)])
        self.reserved = frozenset(name for name, t in city.types.items() if t.reserved)
        self.positions = positions
        self.has_room = has_room
        self.reachable: dict[int, np.ndarray] = {}  # institution index -> points within reach
        self._shares: dict[tuple[int, ...], list[float]] = {}  # qualifying institutions -> shares
        # child-months in the window per district: with access, all (the city's are their sums)
        self.covered_by_district = [0.0] * len(districts)
        self.children_by_district = [0.0] * len(districts)
        self.below_people = self.people = 0.0  # person-months in the window: below the target, all

    def add_institution(self, inst: Institution) -> None:
        """Place ``inst`` (where given, else drawn in its district) and note the points it reaches."""
        if inst.x_km is None or inst.y_km is None:
            d = inst.district
            inst.x_km, inst.y_km = point_in_disc(d.spec.x_km, d.spec.y_km, self.radius[d.idx],
                                                 self.positions.uniform(), self.positions.uniform())
        self.reachable[inst.idx] = points_within(self.points, inst.x_km, inst.y_km, self.reach)

    def open_to_newcomers(self, c: AgeClass) -> bool:
        """True when class ``c`` has licensed places (not suspended, not a band it lacks) and a free
        usable place or a short waitlist."""
        return c.licensed > 0 and (self.has_room(c) or c.waitlist.count(self.short + 1) <= self.short)

    def qualifies(self, inst: Institution) -> bool:
        """True when ``inst`` is an open, affordable, unreserved institution open to newcomers."""
        return (inst.open and inst.affordable and inst.type not in self.reserved
                and any(self.open_to_newcomers(c) for c in inst.classes))

    def shares(self, institutions: Sequence[Institution]) -> list[float]:
        """Return each district's share of sample points with access now.

        The shares depend only on which institutions qualify: they are computed once per
        set of qualifying institutions seen recently (most months repeat an earlier set).
        """
        reachable = self.reachable
        key = tuple(inst.idx for inst in institutions if reachable[inst.idx].size and self.qualifies(inst))
        share = self._shares.get(key)
        if share is None:
            covered = np.zeros(len(self.points), dtype=bool)
            for i in key:
                covered[reachable[i]] = True
            share = covered.reshape(len(self.districts), self.n).mean(axis=1).tolist()
            if len(self._shares) >= SHARES_KEPT:
                self._shares.clear()
            self._shares[key] = share
        return share

    def measure(self, month: int, in_window: bool, institutions: Sequence[Institution],
                places: Places) -> tuple[list[float], list[float]]:
        """Return the districts' access shares and places per 1,000 at the end of ``month``.

        Months in the observation window add to the run's averages: access weighted by the
        district's children under 3 (as in the month's row), the target by its population.
        """
        share = self.shares(institutions)
        licensed = places.by_district("licensed")
        per_1000 = [licensed[d.idx] * 1000.0 / d.population for d in self.districts]
        if in_window:
            for d in self.districts:
                kids = d.children_under3(month + 1)
                self.covered_by_district[d.idx] += kids * share[d.idx]
                self.children_by_district[d.idx] += kids
                self.people += d.population
                if per_1000[d.idx] < self.target:
                    self.below_people += d.population
        return share, per_1000

    def group_share(self, districts: Sequence[int]) -> float:
        """Return the access share of a group of districts over the window (0 without children)."""
        children = sum(self.children_by_district[i] for i in districts)
        return sum(self.covered_by_district[i] for i in districts) / children if children else 0.0

    def kpis(self) -> dict[str, float]:
        """The run's access KPIs (0 when the window has no month or no child) and their thresholds.

        The thresholds (``access_reach_km``, ``access_places_target_per_1000``) go with the
        results so that a figure or table can say which ones it shows.
        """
        covered, children = sum(self.covered_by_district), sum(self.children_by_district)
        return {
            "access_affordable_share": covered / children if children else 0.0,
            "population_share_below_places_target": self.below_people / self.people if self.people else 0.0,
            "access_reach_km": self.reach,
            "access_places_target_per_1000": self.target,
        }
