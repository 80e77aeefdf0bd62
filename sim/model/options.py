"""Each district's reachable age classes, and a family's ranked options among them.

For every district and age group (the ages between two consecutive class boundaries, so
that every class serving a child of that age serves the whole group: 6-12, 12-24 and 24-36
months with the standard bands, a 6-36 mixed-age class belonging to all three), the classes
any family could reach (within the largest possible travel limit) are kept as one array
sorted by distance, so a family's candidates are a prefix of its child's group (one binary
search on its travel limit).
Ranking applies the one utility of :mod:`sim.model.choice`: to arrays for many candidates,
to floats for a handful. Provider fees (fee minus the voucher a newly admitted child would
bring) are cached and refreshed when fees or vouchers change (:meth:`Options.refresh_prices`,
or a rebuild after closures: :meth:`Options.invalidate` marks them stale and the next
ranking rebuilds once).

The families who will choose in a month are ranked together at the month's start
(:meth:`Options.prerank`: one array operation per district and age group instead of one
per family); a family uses that result when it chooses if the options have not changed
since (their ``version``) and its child's age falls in the same group, so the ranking is
the one it would have computed alone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.choice import base_utility, disutility, seeded_tastes, smallest, taste, taste_seeds
from sim.params.distributions import from_spec

if TYPE_CHECKING:
    from sim.model.city import AgeClass, District, Institution
    from sim.params.schema import FamiliesConfig

_SMALL = 24


def age_groups(classes: Sequence[AgeClass]) -> list[tuple[float, float]]:
    """Return the age groups: intervals between consecutive class boundaries that a class serves."""
    edges = sorted({c.min_age for c in classes} | {c.max_age for c in classes})
    return [(lo, hi) for lo, hi in zip(edges, edges[1:], strict=False)
            if any(c.min_age <= lo and hi <= c.max_age for c in classes)]


class _BandOptions:
    """One district's candidate classes for one age group, nearest first."""

    __slots__ = ("min_age", "max_age", "classes", "km", "km_list", "pref", "pref_list", "fee", "fee_list",
                 "half", "half_list", "base", "base_list", "seeds", "ids_list")

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
        self.half_list: list[float] = []  # half-day provider fees (the full-day ones if none is used)
        self.half = np.empty(0)
        self.base = np.empty(0)  # pref - distance_weight * km: the part of utility no family changes
        self.base_list: list[float] = []
        self.seeds = np.empty(0, dtype=np.uint64)  # the classes' taste seeds (choice.taste_seeds)
        self.ids_list: list[int] = []

    def set(self, classes: list[AgeClass], km: list[float], pref: list[float], fee: list[float],
            half: list[float], distance_weight: float) -> None:
        """Set the candidates, already sorted by (km, class index)."""
        self.classes = classes
        self.ids_list = [c.idx for c in classes]
        self.seeds = taste_seeds(np.array(self.ids_list, dtype=np.int64))
        self.km_list = km
        self.pref_list = pref
        self.km = np.array(self.km_list, dtype=float)
        self.pref = np.array(self.pref_list, dtype=float)
        self.set_fees(fee, half)
        self.base = base_utility(self.pref, self.km, distance_weight)
        self.base_list = self.base.tolist()

    def set_fees(self, fee: list[float], half: list[float]) -> None:
        """Replace the provider fees, full-day and half-day (same classes, same order)."""
        self.fee_list = [float(f) for f in fee]
        self.fee = np.array(self.fee_list, dtype=float)
        self.half_list = [float(f) for f in half]
        self.half = np.array(self.half_list, dtype=float)


class Options:
    """Ranked options for families, per district.

    Parameters
    ----------
    families
        The families' configuration (choice weights, travel limits, how many to consider).
    districts, km
        The districts and the km between them.
    classes
        Every age class of the world (the list grows as institutions open).
    provider_fee
        What a newly admitted child would pay an institution (fee minus voucher);
        ``provider_fee(inst, True)`` for a half-day child.
    types
        The provider types (``city.types``): classes of a ``reserved`` type are ranked only
        by eligible families (``Family.eligible``; employer-run centres keep their places for
        employees' children).
    """

    def __init__(self, families: FamiliesConfig, districts: Sequence[District],
                 km: np.ndarray, classes: list[AgeClass],
                 provider_fee: Callable[..., float], types: Mapping[str, Any] | None = None) -> None:
        ch = families.choice
        self.districts = districts
        self.km = km
        self.classes = classes
        self.provider_fee = provider_fee
        self.price_weight = ch.price_weight
        self.distance_weight = ch.distance_weight_per_km
        self.type_pref = dict(ch.type_preference)
        self.reserved_types = {name for name, t in (types or {}).items() if t.reserved}
        self.taste_sd = ch.taste_sd
        self.limit = max(1, families.max_considered)
        self.reach = from_spec(families.travel_limit_km).bounds()[1]
        self.half_day = families.care_modes.get("half_day", 0.0) > 0
        self.bands: list[tuple[float, float]] = []
        self.by_district: list[list[_BandOptions]] = []  # every open class (eligible families)
        # the same without reserved classes (city.types.<t>.reserved: employer-run places) for
        # families not eligible; the very same lists when the city has no reserved type
        self.unreserved: list[list[_BandOptions]] = self.by_district
        self.stale = True
        self.prices_stale = False
        self.version = 0  # changes with every change of the candidates or their fees (prerank)
        # what else families value in a provider (sim.model.quality.Quality.utility), or None
        self.extra: Callable[[Institution], float] | None = None

    def pref(self, inst: Institution) -> float:
        """Return the part of families' utility of ``inst`` that is the provider's own: its type's
        preference plus, with ``quality.enabled``, its perceived quality and incidents."""
        p = self.type_pref.get(inst.type, 0.0)
        return p + self.extra(inst) if self.extra is not None else p

    def reserved(self, inst: Institution) -> bool:
        """True when ``inst``'s places are only for eligible families (an employer-run centre)."""
        return inst.type in self.reserved_types

    def invalidate(self) -> None:
        """Institutions closed: rebuild the candidates before the next ranking."""
        self.stale = True
        self.version += 1

    def invalidate_prices(self) -> None:
        """Fees or vouchers changed: re-read provider fees before the next ranking."""
        self.prices_stale = True
        self.version += 1

    def build(self) -> None:
        """(Re)build every district's candidates from the open institutions' classes.

        Vectorised per district and band (a Python loop over every district x class pair
        took seconds in a large city).
        """
        self.stale = self.prices_stale = False
        self.version += 1
        live = [c for c in self.classes if c.licensed > 0 and c.inst.open]
        self.bands = age_groups(self.classes)
        self.by_district = self._index(live)
        reserved = [c for c in live if self.reserved(c.inst)]
        self.unreserved = (self._index([c for c in live if not self.reserved(c.inst)]) if reserved
                           else self.by_district)

    def _index(self, live: list[AgeClass]) -> list[list[_BandOptions]]:
        """Return every district's candidates among ``live`` classes, per age group, by km."""
        net = np.array([self.provider_fee(c.inst) for c in live], dtype=float)
        half = (np.array([self.provider_fee(c.inst, True) for c in live], dtype=float)
                if self.half_day else net)
        pref = np.array([self.pref(c.inst) for c in live], dtype=float)
        home = np.array([c.inst.district.idx for c in live], dtype=np.intp)
        cidx = np.array([c.idx for c in live], dtype=np.intp)
        lo_age = np.array([c.min_age for c in live], dtype=float)
        hi_age = np.array([c.max_age for c in live], dtype=float)
        out = []
        for d in self.districts:
            km_row = self.km[d.idx, home] if live else np.empty(0)
            reachable = km_row <= self.reach
            bands = []
            for lo, hi in self.bands:
                sel = np.flatnonzero(reachable & (lo_age <= lo) & (hi_age >= hi))
                order = sel[np.lexsort((cidx[sel], km_row[sel]))]  # by km, then class index
                bo = _BandOptions(lo, hi)
                bo.set([live[i] for i in order.tolist()], km_row[order].tolist(), pref[order].tolist(),
                       net[order].tolist(), half[order].tolist(), self.distance_weight)
                bands.append(bo)
            out.append(bands)
        return out

    def add_institution(self, inst: Institution) -> None:
        """Insert a newly opened institution's classes into every district's candidates."""
        self.version += 1
        if self.stale:
            return  # the next ranking rebuilds with it
        net = self.provider_fee(inst)
        half = self.provider_fee(inst, True) if self.half_day else net
        pref = self.pref(inst)
        edges = {lo for lo, _ in self.bands} | {hi for _, hi in self.bands}
        for c in inst.classes:
            if c.licensed <= 0:
                continue
            if c.min_age not in edges or c.max_age not in edges:
                self.build()  # a new class boundary splits an age group
                return
            for b, (lo, hi) in enumerate(self.bands):
                if c.min_age <= lo and hi <= c.max_age:
                    self._insert(self.by_district, c, b, net, half, pref)
                    if self.unreserved is not self.by_district and not self.reserved(inst):
                        self._insert(self.unreserved, c, b, net, half, pref)
        if self.unreserved is self.by_district and self.reserved(inst):
            self.stale = True  # the first reserved class: the next ranking builds both indexes

    def _insert(self, index: list[list[_BandOptions]], c: AgeClass, b: int, net: float, half: float,
                pref: float) -> None:
        """Insert class ``c`` into age group ``b`` of every district of ``index`` that can reach it."""
        for d in self.districts:
            km = float(self.km[d.idx, c.inst.district.idx])
            if km > self.reach:
                continue
            bo = index[d.idx][b]
            i = bisect_right(bo.km_list, km)
            bo.classes.insert(i, c)
            bo.ids_list.insert(i, c.idx)
            bo.seeds = np.insert(bo.seeds, i, taste_seeds(np.array([c.idx]))[0])
            bo.km_list.insert(i, km)
            bo.pref_list.insert(i, float(pref))
            bo.fee_list.insert(i, float(net))
            bo.half_list.insert(i, float(half))
            bo.half = np.insert(bo.half, i, half)
            bo.km = np.insert(bo.km, i, km)
            bo.pref = np.insert(bo.pref, i, pref)
            bo.fee = np.insert(bo.fee, i, net)
            b0 = base_utility(pref, km, self.distance_weight)
            bo.base = np.insert(bo.base, i, b0)
            bo.base_list.insert(i, b0)

    def refresh_prices(self) -> None:
        """Re-read provider fees everywhere (yearly fee setting, budget exhausted or renewed)."""
        self.prices_stale = False
        self.version += 1
        fee = self.provider_fee
        indexes = [self.by_district]
        if self.unreserved is not self.by_district:
            indexes.append(self.unreserved)
        for bands in (b for index in indexes for b in index):
            for bo in bands:
                full = [fee(c.inst) for c in bo.classes]
                bo.set_fees(full, [fee(c.inst, True) for c in bo.classes] if self.half_day else full)

    def ranked(self, fam: Any, age: float) -> tuple[list[AgeClass], list[float], list[float]]:
        """Return the classes ``fam`` considers at ``age``, best first, their provider fees and
        disutilities (minus utility, ascending: what a hold-out family compares)."""
        self._fresh()
        bo, k = self._reach(fam, age)
        if bo is None or k == 0:
            return [], [], []
        half = fam.units == 1
        if k == 1 and self.taste_sd <= 0:
            f0 = bo.half_list[0] if half else bo.fee_list[0]
            return [bo.classes[0]], [f0], [disutility(bo.base_list[0], f0, self.price_weight / fam.income)]
        if k <= _SMALL:
            return self._ranked_small(bo, k, fam)
        classes, fees = bo.classes, (bo.half_list if half else bo.fee_list)
        pre = fam.pre
        if pre is not None:
            fam.pre = None
            if pre[0] == self.version and pre[1] is bo:  # ranked at the month's start
                return [classes[i] for i in pre[2]], [fees[i] for i in pre[2]], pre[3]
        neg, top = self._best(bo, k, half, self.price_weight / fam.income, fam.taste_key)
        idx = top.tolist()
        return [classes[i] for i in idx], [fees[i] for i in idx], neg[top].tolist()

    def _fresh(self) -> None:
        """Rebuild the candidates, or re-read their fees, if they changed since the last ranking."""
        if self.stale:
            self.build()
        elif self.prices_stale:
            self.refresh_prices()

    def _reach(self, fam: Any, age: float) -> tuple[_BandOptions | None, int]:
        """Return ``fam``'s age group at ``age`` and how many of its candidates are within reach
        (``(None, 0)`` when no class serves that age)."""
        index = self.by_district if fam.eligible else self.unreserved
        for bo in index[fam.district.idx]:
            if bo.min_age <= age < bo.max_age:  # age groups do not overlap: one at most
                return bo, bisect_right(bo.km_list, fam.travel_km)
        return None, 0

    def prerank(self, fams: Sequence[Any]) -> None:
        """Rank together the families that will choose this month, at the age they seek care.

        Families of one district and age group with more than a handful of candidates in
        reach are ranked as the rows of one array (disutilities, tastes, the best few per
        row): element by element the same numbers as :meth:`_best` computes for one family.
        Each keeps ``(version, age group, best indices, their disutilities)`` in ``fam.pre``;
        :meth:`ranked` uses it once, when nothing changed since (the same options and age
        group: then the same candidates in reach). Without tastes
        (``taste_sd`` 0, where ties are common) families rank alone.
        """
        if self.taste_sd <= 0 or not fams:
            return
        self._fresh()
        groups: dict[tuple[int, bool], tuple[_BandOptions, list[Any], list[int]]] = {}
        for fam in fams:
            bo, k = self._reach(fam, fam.start_age)
            if bo is not None and k > _SMALL:
                half = fam.units == 1
                g = groups.get((id(bo), half))
                if g is None:
                    g = groups[(id(bo), half)] = (bo, [], [])
                g[1].append(fam)
                g[2].append(k)
        version, limit = self.version, self.limit
        for (_, half), (bo, members, ks) in groups.items():
            width = max(ks)
            k_arr = np.array(ks)
            pw = np.array([self.price_weight / f.income for f in members])
            keys = np.array([f.taste_key for f in members], dtype=np.uint64)
            neg = self._scores(bo, width, half, pw[:, None], keys[:, None])  # one row per family
            neg[np.arange(width)[None, :] >= k_arr[:, None]] = np.inf  # beyond each family's reach
            if width > limit:
                part = np.argpartition(neg, limit - 1, axis=1)[:, :limit]
            else:
                part = np.broadcast_to(np.arange(width), neg.shape)
            values = np.take_along_axis(neg, part, axis=1)
            order = np.argsort(values, axis=1, kind="stable")
            tops = np.take_along_axis(part, order, axis=1).tolist()
            vals = np.take_along_axis(values, order, axis=1).tolist()
            for fam, k, top, val in zip(members, ks, tops, vals, strict=True):
                n = min(limit, k)
                fam.pre = (version, bo, top[:n], val[:n])

    def _best(self, bo: _BandOptions, k: int, half: bool, pw: float,
              key: int) -> tuple[np.ndarray, np.ndarray]:
        """Disutilities of the ``k`` nearest candidates of ``bo``, and the indices of the best, best first."""
        neg = self._scores(bo, k, half, pw, key)
        return neg, smallest(neg, self.limit, distinct=self.taste_sd > 0)

    def _scores(self, bo: _BandOptions, k: int, half: bool, pw: float | np.ndarray,
                key: int | np.ndarray) -> np.ndarray:
        """Disutilities plus tastes of the ``k`` nearest candidates of ``bo``: for one family
        (``pw`` its price weight per yuan, ``key`` its taste key), or for a column of families
        (one row each)."""
        neg = disutility(bo.base[:k], (bo.half if half else bo.fee)[:k], pw)
        if self.taste_sd > 0:
            neg += seeded_tastes(key, bo.seeds[:k], self.taste_sd)
        return neg

    def _ranked_small(self, bo: _BandOptions, k: int,
                      fam: Any) -> tuple[list[AgeClass], list[float], list[float]]:
        pw = self.price_weight / fam.income
        sd = self.taste_sd
        key = fam.taste_key
        fees = bo.half_list if fam.units == 1 else bo.fee_list
        base = bo.base_list
        classes = bo.classes
        ids = bo.ids_list
        scored = []
        for i in range(k):
            fee = fees[i]
            neg = disutility(base[i], fee, pw)
            if sd > 0:
                neg += taste(key, ids[i], sd)
            scored.append((neg, i, classes[i], fee))
        if len(scored) > 1:
            scored.sort()
        top = scored[: self.limit]
        return [t[2] for t in top], [t[3] for t in top], [t[0] for t in top]
