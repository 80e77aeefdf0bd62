"""Each district's reachable age classes, and a family's ranked options among them.

For every district the classes that any family could reach (within the largest possible
travel limit) are kept as parallel arrays; ranking a family's options is then one small
vectorised (or, for a handful of candidates, plain-Python) utility computation from
:mod:`sim.model.choice`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.model.choice import eligible, rank_options

if TYPE_CHECKING:
    from sim.model.city import AgeClass, Institution
    from sim.model.family import Family
    from sim.model.world import World

_SMALL = 24


def max_travel_km(spec) -> float:  # type: ignore[no-untyped-def]
    """Return the largest travel limit the distribution can produce (inf if unbounded)."""
    if spec.dist == "fixed":
        return float(spec.value)
    if spec.dist == "uniform":
        return float(spec.high)
    if spec.dist == "normal" and spec.high is not None:
        return float(spec.high)
    return math.inf


class _DistrictOptions:
    __slots__ = ("classes", "km", "fee", "pref", "min_age", "max_age", "rows")

    def __init__(self, classes: list[AgeClass], km: list[float], pref: list[float],
                 net_fee: Callable[[Institution], float]) -> None:
        self.classes = classes
        self.km = np.array(km, dtype=float)
        self.fee = np.array([net_fee(c.inst) for c in classes], dtype=float)
        self.pref = np.array(pref, dtype=float)
        self.min_age = np.array([c.min_age for c in classes], dtype=float)
        self.max_age = np.array([c.max_age for c in classes], dtype=float)
        self.rows = [(c, k, p, net_fee(c.inst)) for c, k, p in zip(classes, km, pref, strict=True)]

    def refresh(self, net_fee: Callable[[Institution], float]) -> None:
        """Re-read every option's net fee (after fee changes or a change in vouchers)."""
        self.fee = np.array([net_fee(c.inst) for c in self.classes], dtype=float)
        self.rows = [(c, k, p, net_fee(c.inst)) for c, k, p, _ in self.rows]


class Options:
    """Ranked options for families, per district."""

    def __init__(self, world: World) -> None:
        self.world = world
        f = world.params.families
        ch = f.choice
        self.price_weight = ch.price_weight
        self.distance_weight = ch.distance_weight_per_km
        self.type_pref = dict(ch.type_preference)
        self.taste_sd = ch.taste_sd
        self.limit = max(1, f.max_considered)
        self.reach = max_travel_km(f.travel_limit_km)
        self.taste = world.streams["family.taste"]
        self.by_district: list[_DistrictOptions] = []

    def build(self) -> None:
        """(Re)build every district's candidate arrays from the open institutions' classes."""
        w = self.world
        live = [c for c in w.classes if c.licensed > 0 and c.inst.open]
        home = np.array([c.inst.district.idx for c in live], dtype=np.intp)
        prefs = np.array([self.type_pref.get(c.inst.type, 0.0) for c in live], dtype=float)
        self.by_district = []
        for d in w.districts:
            km_all = w.km[d.idx, home] if len(live) else np.empty(0)
            keep = np.flatnonzero(km_all <= self.reach).tolist()
            self.by_district.append(_DistrictOptions(
                [live[i] for i in keep], km_all[keep].tolist(), prefs[keep].tolist(), w.net_fee))

    def refresh_prices(self) -> None:
        """Re-read net fees everywhere (yearly fee setting, budget exhausted or renewed)."""
        for o in self.by_district:
            o.refresh(self.world.net_fee)

    def ranked(self, fam: Family, age: float) -> list[AgeClass]:
        """Return the classes ``fam`` considers at ``age``, best first (at most the limit)."""
        o = self.by_district[fam.district.idx]
        if len(o.rows) <= _SMALL:
            return self._ranked_small(o, fam, age)
        idx = eligible(o.min_age, o.max_age, o.km, age, fam.travel_km)
        if len(idx) == 0:
            return []
        taste = None
        if self.taste_sd > 0:
            taste = self.taste_sd * self.taste.gen.gumbel(size=len(idx))
        order = rank_options(o.fee[idx], o.km[idx], o.pref[idx], fam.income, self.price_weight,
                             self.distance_weight, taste, self.limit)
        cls = o.classes
        return [cls[i] for i in idx[order].tolist()]

    def _ranked_small(self, o: _DistrictOptions, fam: Family, age: float) -> list[AgeClass]:
        pw = self.price_weight / fam.income
        dw = self.distance_weight
        sd = self.taste_sd
        u01 = self.taste.uniform
        log = math.log
        scored = []
        for c, km, pref, fee in o.rows:
            if c.min_age <= age < c.max_age and km <= fam.travel_km:
                u = pref - pw * fee - dw * km
                if sd > 0:
                    u -= sd * log(-log(u01()))
                scored.append((-u, c.idx, c))
        if len(scored) > 1:
            scored.sort()
        return [t[2] for t in scored[: self.limit]]
