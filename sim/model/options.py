"""Each district's reachable age classes, and a family's ranked options among them.

For every district and age band, the classes any family could reach (within the largest
possible travel limit) are kept as arrays sorted by distance, so a family's candidates are
a prefix of each band that fits its child's age (one binary search on its travel limit).
Ranking is then one small utility computation from :mod:`sim.model.choice`: vectorised for
many candidates, plain Python for a handful. Net fees (fee minus the voucher a newly
admitted child would bring) are cached and refreshed when fees or vouchers change.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import TYPE_CHECKING

import numpy as np

from sim.model.choice import smallest
from sim.params.distributions import from_spec

if TYPE_CHECKING:
    from sim.model.city import AgeClass
    from sim.model.family import Family
    from sim.model.world import World

_SMALL = 24


class _BandOptions:
    """One district's candidate classes of one age band, nearest first."""

    __slots__ = ("min_age", "max_age", "classes", "km", "km_list", "pref", "pref_list", "fee", "fee_list",
                 "base")

    def __init__(self, min_age: float, max_age: float) -> None:
        self.min_age = min_age
        self.max_age = max_age
        self.classes: list[AgeClass] = []
        self.km_list: list[float] = []
        self.pref_list: list[float] = []
        self.fee_list: list[float] = []
        self.km = np.empty(0)
        self.pref = np.empty(0)
        self.fee = np.empty(0)
        self.base = np.empty(0)  # pref - distance_weight * km: the part of utility no family changes

    def set(self, classes: list[AgeClass], km: list[float], pref: list[float], fee: list[float],
            distance_weight: float) -> None:
        """Set the candidates, already sorted by (km, class index)."""
        self.classes = classes
        self.km_list = km
        self.pref_list = pref
        self.fee_list = fee
        self.km = np.array(self.km_list, dtype=float)
        self.pref = np.array(self.pref_list, dtype=float)
        self.fee = np.array(self.fee_list, dtype=float)
        self.base = self.pref - distance_weight * self.km

    def set_fees(self, fee: list[float]) -> None:
        """Replace the net fees (same classes, same order)."""
        self.fee_list = [float(f) for f in fee]
        self.fee = np.array(self.fee_list, dtype=float)


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
        self.reach = from_spec(f.travel_limit_km).bounds()[1]
        self.taste = world.streams["family.taste"]
        self.bands = sorted({(c.min_age, c.max_age) for c in world.classes})
        self.by_district: list[list[_BandOptions]] = []

    def build(self) -> None:
        """(Re)build every district's candidates from the open institutions' classes.

        Runs at the start and after every month with closures: vectorised per district and
        band (a Python loop over every district x class pair took seconds in a large city).
        """
        w = self.world
        live = [c for c in w.classes if c.licensed > 0 and c.inst.open]
        self.bands = sorted({(c.min_age, c.max_age) for c in w.classes})
        net = np.array([w.net_fee(c.inst) for c in live], dtype=float)
        pref = np.array([self.type_pref.get(c.inst.type, 0.0) for c in live], dtype=float)
        home = np.array([c.inst.district.idx for c in live], dtype=np.intp)
        cidx = np.array([c.idx for c in live], dtype=np.intp)
        band_index = {b: i for i, b in enumerate(self.bands)}
        band_of = np.array([band_index[(c.min_age, c.max_age)] for c in live], dtype=np.intp)
        self.by_district = []
        for d in w.districts:
            km_row = w.km[d.idx, home] if live else np.empty(0)
            reachable = km_row <= self.reach
            bands = []
            for b, (lo, hi) in enumerate(self.bands):
                sel = np.flatnonzero(reachable & (band_of == b))
                order = sel[np.lexsort((cidx[sel], km_row[sel]))]  # by km, then class index
                bo = _BandOptions(lo, hi)
                bo.set([live[i] for i in order.tolist()], km_row[order].tolist(), pref[order].tolist(),
                       net[order].tolist(), self.distance_weight)
                bands.append(bo)
            self.by_district.append(bands)

    def add_institution(self, inst) -> None:  # type: ignore[no-untyped-def]
        """Insert a newly opened institution's classes into every district's candidates."""
        w = self.world
        net = w.net_fee(inst)
        pref = self.type_pref.get(inst.type, 0.0)
        for c in inst.classes:
            if c.licensed <= 0:
                continue
            key = (c.min_age, c.max_age)
            if key not in self.bands:
                self.build()
                return
            b = self.bands.index(key)
            for d in w.districts:
                km = float(w.km[d.idx, inst.district.idx])
                if km > self.reach:
                    continue
                bo = self.by_district[d.idx][b]
                i = bisect_right(bo.km_list, km)
                bo.classes.insert(i, c)
                bo.km_list.insert(i, km)
                bo.pref_list.insert(i, float(pref))
                bo.fee_list.insert(i, float(net))
                bo.km = np.insert(bo.km, i, km)
                bo.pref = np.insert(bo.pref, i, pref)
                bo.fee = np.insert(bo.fee, i, net)
                bo.base = np.insert(bo.base, i, pref - self.distance_weight * km)

    def refresh_prices(self) -> None:
        """Re-read net fees everywhere (yearly fee setting, budget exhausted or renewed)."""
        net_fee = self.world.net_fee
        for bands in self.by_district:
            for bo in bands:
                bo.set_fees([net_fee(c.inst) for c in bo.classes])

    def ranked(self, fam: Family, age: float) -> tuple[list[AgeClass], list[float]]:
        """Return the classes ``fam`` considers at ``age``, best first, and their net fees."""
        slices = []
        total = 0
        reach = fam.travel_km
        for bo in self.by_district[fam.district.idx]:
            if bo.min_age <= age < bo.max_age:
                k = bisect_right(bo.km_list, reach)
                if k:
                    slices.append((bo, k))
                    total += k
        if total == 0:
            return [], []
        if total == 1 and self.taste_sd <= 0:
            bo = slices[0][0]
            return [bo.classes[0]], [bo.fee_list[0]]
        if total <= _SMALL:
            return self._ranked_small(slices, fam)
        # Rank each band's prefix on its own and merge the few best: the same order as one
        # stable sort of the concatenated candidates (ties by position), without copying them.
        pw = self.price_weight / fam.income
        sd = self.taste_sd
        taste = self.taste.gumbels(total, sd) if sd > 0 else None
        limit = self.limit
        best: list[tuple[float, int, AgeClass, float]] = []
        pos = 0
        for bo, k in slices:
            neg = pw * bo.fee[:k] - bo.base[:k]
            if taste is not None:
                neg -= taste[pos:pos + k]
            classes, fees = bo.classes, bo.fee_list
            for i in smallest(neg, limit).tolist():
                best.append((float(neg[i]), pos + i, classes[i], fees[i]))
            pos += k
        if len(slices) > 1:
            best.sort()  # (value, position) pairs are unique: classes are never compared
            del best[limit:]
        return [b[2] for b in best], [b[3] for b in best]

    def _ranked_small(self, slices: list[tuple[_BandOptions, int]],
                      fam: Family) -> tuple[list[AgeClass], list[float]]:
        pw = self.price_weight / fam.income
        dw = self.distance_weight
        sd = self.taste_sd
        u01 = self.taste.uniform
        log = math.log
        scored = []
        pos = 0
        for bo, k in slices:
            fees = bo.fee_list
            prefs = bo.pref_list
            kms = bo.km_list
            classes = bo.classes
            for i in range(k):
                fee = fees[i]
                u = prefs[i] - pw * fee - dw * kms[i]
                if sd > 0:
                    u -= sd * log(-log(u01()))
                scored.append((-u, pos, classes[i], fee))
                pos += 1
        if len(scored) > 1:
            scored.sort()
        top = scored[: self.limit]
        return [t[2] for t in top], [t[3] for t in top]
