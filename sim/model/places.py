"""Place mechanics: enrolment, licensed and usable places, and caregivers, in one owner.

Every change to a class's children, licensed places or caregivers goes through
:class:`Places`, which keeps the class counts (the one home of those numbers), advances the
institution's account before a rate changes, and keeps time-weighted levels per district and
provider type (children enrolled, places occupied (a half-day child occupies half a place),
licensed, usable, caregivers, caregivers required and missing) from
which the city's KPIs and the monthly rows are read. When usable places grow, the freed
places are offered at once (the allocator's ``fill``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.model.accumulators import Level
from sim.model.staff import required_caregivers, usable_places

if TYPE_CHECKING:
    import simpy

    from sim.model.city import AgeClass
    from sim.model.staff import Staff

QUANTITIES = ("enrolled", "occupied", "licensed", "usable", "caregivers", "cg_required", "cg_missing")


class Places:
    """Places of every class, and their time-weighted levels per district and provider type."""

    def __init__(self, env: simpy.Environment, staff: Staff, n_districts: int, n_types: int,
                 t0: float) -> None:
        self.env = env
        self.staff = staff
        self.n_types = n_types
        self.by_demand = staff.binding and staff.by_demand
        n = n_districts * n_types
        self.levels: dict[str, list[Level]] = {q: [Level(t0) for _ in range(n)] for q in QUANTITIES}
        self.on_free: Callable[[AgeClass], None] = lambda c: None  # the allocator's fill
        self.watch: Callable[[AgeClass], None] | None = None  # told of every change of load or usable places

    def attach(self, c: AgeClass) -> None:
        """Give class ``c`` the levels of its district and provider type (before it opens)."""
        k = c.inst.district.idx * self.n_types + c.inst.type_idx
        c.levels = {q: self.levels[q][k] for q in QUANTITIES}

    def retype(self, c: AgeClass, type_idx: int) -> None:
        """Move class ``c`` to the levels of provider type ``type_idx`` now (its institution converts).

        Its present contribution to every level (children, places occupied, licensed, usable,
        caregivers, required and missing) leaves the old type's levels and joins the new
        type's, so city totals do not change and per-type levels follow the conversion.
        """
        now = self.env.now
        share = {"enrolled": c.enrolled, "occupied": c.load * 0.5, "licensed": c.licensed, "usable": c.usable,
                 "caregivers": c.caregivers, "cg_required": c.target,
                 "cg_missing": max(0, c.target - c.caregivers)}
        k = c.inst.district.idx * self.n_types + type_idx
        for q in QUANTITIES:
            c.levels[q].add(now, -share[q])
            self.levels[q][k].add(now, share[q])
        c.levels = {q: self.levels[q][k] for q in QUANTITIES}

    # -- children ----------------------------------------------------------------------------
    def occupy(self, c: AgeClass, fam: Any, delta: int) -> None:
        """Add (+1) or remove (-1) ``fam``'s child in class ``c`` now (it uses ``fam.units`` half places)."""
        now = self.env.now
        c.integrate(now)
        c.fee_rate += delta * fam.fee_paid
        c.voucher_rate += delta * fam.voucher
        c.enrolled += delta
        c.load += delta * fam.units
        c.levels["occupied"].add(now, delta * fam.units * 0.5)
        if delta > 0:
            c.children[fam] = None
        else:
            del c.children[fam]
        c.levels["enrolled"].add(now, delta)
        if self.watch is not None:
            self.watch(c)
        if self.by_demand:
            self.update_staffing(c)

    # -- licensed places and staff --------------------------------------------------------------
    def open_class(self, c: AgeClass, with_staff: bool) -> None:
        """Open class ``c`` with the places it was built with (and its initial caregivers)."""
        places = c.licensed
        c.licensed = 0
        self.attach(c)
        if with_staff and self.staff.binding:
            n = self.staff.initial(c, places)
            self.set_caregivers(c, n)
            self.staff.start(c, n)
        self.set_licensed(c, places)

    def set_licensed(self, c: AgeClass, places: int) -> None:
        """Change the licensed places of ``c`` (opening, closure)."""
        now = self.env.now
        c.inst.acct.advance_staff(now)
        c.levels["licensed"].add(now, places - c.licensed)
        c.licensed = c.in_use = places
        c.required = required_caregivers(places, c.ratio)
        self._update_usable(c)
        self.update_staffing(c)

    def set_in_use(self, c: AgeClass, places: int) -> None:
        """Change the places of ``c`` in rooms in use (a closed or reopened room keeps its licence)."""
        c.inst.acct.advance_staff(self.env.now)
        c.in_use = min(places, c.licensed)
        c.required = required_caregivers(c.in_use, c.ratio)
        self._update_usable(c)
        self.update_staffing(c)

    def set_caregivers(self, c: AgeClass, n: int) -> None:
        """Change the caregivers of ``c`` to ``n`` and update its usable places."""
        now = self.env.now
        lv = c.levels
        lv["cg_missing"].add(now, max(0, c.target - n) - max(0, c.target - c.caregivers))
        c.inst.acct.advance_staff(now)
        lv["caregivers"].add(now, n - c.caregivers)
        c.caregivers = n
        self._update_usable(c)

    def update_staffing(self, c: AgeClass) -> None:
        """Re-evaluate the caregivers ``c`` wants; recruit for any gap."""
        new = self.staff.target(c)
        old = c.target
        if new == old:
            return
        now = self.env.now
        lv = c.levels
        lv["cg_required"].add(now, new - old)
        lv["cg_missing"].add(now, max(0, new - c.caregivers) - max(0, old - c.caregivers))
        c.target = new
        if new > old:
            self.staff.recruit(c)

    def _update_usable(self, c: AgeClass) -> None:
        new = usable_places(c.in_use, c.caregivers, c.ratio) if self.staff.binding else c.in_use
        if new != c.usable:
            c.levels["usable"].add(self.env.now, new - c.usable)
            grew = new > c.usable
            c.usable = new
            if self.watch is not None:
                self.watch(c)
            if grew:
                self.on_free(c)

    # -- reading the levels ----------------------------------------------------------------------
    def reset(self, t: float) -> None:
        """End of warm-up: start every level's observation window at ``t``."""
        for levels in self.levels.values():
            for lv in levels:
                lv.reset(t)

    def mean(self, quantity: str, t: float) -> float:
        """Return the city's time-average of ``quantity`` over the window up to ``t``."""
        return sum(lv.mean(t) for lv in self.levels[quantity])

    def mean_by_type(self, quantity: str, t: float) -> list[float]:
        """Return the time-average of ``quantity`` per provider type (all districts)."""
        n = self.n_types
        levels = self.levels[quantity]
        return [sum(lv.mean(t) for lv in levels[k::n]) for k in range(n)]

    def total(self, quantity: str) -> int:
        """Return the city's current ``quantity``."""
        return int(round(sum(lv.value for lv in self.levels[quantity])))

    def by_district(self, quantity: str) -> list[int]:
        """Return the current ``quantity`` of each district (all provider types), rounded."""
        return [int(round(v)) for v in self.by_district_exact(quantity)]

    def by_district_exact(self, quantity: str) -> list[float]:
        """Return the current ``quantity`` of each district (places occupied come in halves)."""
        n = self.n_types
        values = [lv.value for lv in self.levels[quantity]]
        if n > 1:
            values = [sum(values[k:k + n]) for k in range(0, len(values), n)]
        return values
