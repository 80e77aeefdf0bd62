"""What a run measures: flows and waits from the ledger's moves, and the monthly rows.

The recorder is fed by the ledger (:meth:`Recorder.on_move` sees every change of a family's
state): arrivals, applications, admissions, waits, reneges, waitlist spells and the
time-weighted waitlist per district all come from those moves. Three counters are events
that are not state changes and are counted where they happen: fee exits (the family
process), displacements (closures) and the child-months of the births drawn. Place-side
levels (licensed, usable, enrolled by provider, caregivers) live in
:class:`sim.model.places.Places`. Counters about arrivals count only families that applied
at or after the end of warm-up; levels are reset at the end of warm-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.accumulators import Level, WaitTally
from sim.model.equity import INCOME_GROUPS, GroupTally
from sim.model.ledger import BLOCKED, ENROLLED, HOURLY, N_RULES, PENDING, PRICED_OUT, RENEGED, WAITING

if TYPE_CHECKING:
    from sim.model.city import District, Institution
    from sim.model.places import Places

TIMESERIES_COLUMNS = (
    "month", "year", "district", "children_under3", "licensed_places", "usable_places",
    "enrolled", "occupied_places", "waitlist", "caregivers", "public_cost", "mean_fee", "open_institutions",
    "access_affordable_share", "places_per_1000",
)
APPLIED = frozenset({WAITING, ENROLLED, BLOCKED})  # states a family enters when it applies
# the others are integers, but district
FLOAT_COLUMNS = frozenset({"public_cost", "mean_fee", "occupied_places", "access_affordable_share",
                           "places_per_1000"})


class Recorder:
    """Family flows, waits, the waitlist level and the monthly rows of one run."""

    def __init__(self, t0: float, warmup: float, horizon: float, start_year: int, n_districts: int,
                 n_types: int = 1) -> None:
        self.warmup = warmup
        self.horizon = horizon
        self.start_year = start_year
        self.waiting = [Level(t0) for _ in range(n_districts)]  # by the family's home district
        self.priced_out_by_district = [0] * n_districts  # families priced out so far, by home district
        self.waiting_type = [Level(t0) for _ in range(n_types)]  # by the type of its first choice
        self.waiting_rule = [Level(t0) for _ in range(N_RULES)]  # by its accept rule
        self.transfer_waiting = Level(t0)  # in care, waiting for a better place
        self.type_wait_sum = [0.0] * n_types  # waits of admitted arrivals, by the type admitted to
        self.type_wait_n = [0] * n_types
        self.first_choice = 0  # admitted arrivals placed (or moved) at their first-ranked provider
        self.aff_wanted = 0  # arrivals who ranked an affordable place first (a year observable)
        self.aff_placed = 0  # ... and were placed in an affordable place within a year
        self.hourly_served = self.hourly_lost = self.hourly_revenue = 0.0  # in the window
        self.hourly_users = 0
        # the equity tallies (sim.model.equity): by home district and by income group; the city's
        # child-months, care months and price burden are their sums over districts
        self.by_district = GroupTally(n_districts)
        self.by_income = GroupTally(INCOME_GROUPS)
        self.waits = WaitTally()
        self.sought = 0
        self.admissions = 0
        self.arrivals = 0
        self.blocked = 0
        self.reneged = 0
        self.joins = 0
        self.wl_time_sum = 0.0
        self.wl_time_n = 0
        self.fee_exits = 0
        self.displaced = 0
        self.displaced_replaced = 0
        self.row_list: list[tuple[Any, ...]] = []  # one tuple per district and month, in column order

    @property
    def child_area(self) -> float:
        """Child-months under 3 in the window (all children born, whether they seek care or not)."""
        return sum(self.by_district.child_area)

    @property
    def care_months(self) -> float:
        """Child-months in care in the window."""
        return sum(self.by_district.care)

    @property
    def burden_months(self) -> float:
        """Child-months in care times the net fee's share of income, in the window."""
        return sum(self.by_district.burden)

    @property
    def net_fee_months(self) -> float:
        """Child-months in care times the net fee, in the window."""
        return sum(self.by_district.net_fee)

    def add_child_area(self, district: int, groups: np.ndarray, area: np.ndarray) -> None:
        """Children of ``district`` and income ``groups`` spend ``area`` months under 3 in the window."""
        total = float(area.sum())
        if total <= 0:
            return
        self.by_district.child_area[district] += total
        by_g = np.bincount(groups, weights=area, minlength=INCOME_GROUPS)
        ca = self.by_income.child_area
        for g in np.flatnonzero(by_g):
            ca[g] += float(by_g[g])

    def reset(self, t: float) -> None:
        """End of warm-up: start every level's observation window at ``t``."""
        for lv in (*self.waiting, *self.waiting_type, *self.waiting_rule, self.transfer_waiting):
            lv.reset(t)

    def applied(self, fam: Any, first: Any, now: float) -> None:
        """A counted family applies: note whether it ranked an affordable place first."""
        if first.inst.affordable and now <= self.horizon - 12.0:
            fam.want_aff = True
            self.aff_wanted += 1

    def hourly_request(self, c: Any, hours: float, now: float) -> None:
        """A request for ``hours`` of hourly care, served by class ``c`` (paid) or lost (``None``)."""
        if c is not None:
            amount = hours * c.inst.fee * c.inst.hourly_share
            c.inst.acct.fee_area += amount  # the provider's fee revenue of the month
        if now >= self.warmup:
            if c is None:
                self.hourly_lost += hours
            else:
                self.hourly_served += hours
                self.hourly_revenue += amount

    def _placed(self, fam: Any, c: Any, now: float) -> None:
        """``fam`` was admitted or moved to class ``c``: first choice, affordable within a year."""
        if fam.counted and not fam.got_first and c.inst is fam.first_inst:
            fam.got_first = True
            self.first_choice += 1
        if fam.want_aff and c.inst.affordable:
            fam.want_aff = False
            if now - fam.seek_time <= 12.0:
                self.aff_placed += 1

    # -- fed by the ledger -----------------------------------------------------------------
    def on_move(self, fam: Any, old: int, new: int, now: float) -> None:
        """Count one change of a family's state (see :class:`sim.model.ledger.Ledger`)."""
        if old == PENDING:
            if new == HOURLY and fam.counted:
                self.hourly_users += 1
            if new in APPLIED:
                self.sought += 1
                if fam.counted:
                    self.arrivals += 1
                    self.by_district.applied[fam.district.idx] += 1
                    self.by_income.applied[fam.inc_g] += 1
            elif new == PRICED_OUT and now >= self.warmup:  # decided on the price after warm-up
                self.by_district.priced[fam.district.idx] += 1
                self.by_income.priced[fam.inc_g] += 1
        elif old == WAITING:
            self.waiting[fam.district.idx].add(now, -1)
            self.waiting_type[fam.wl_type].add(now, -1)
            self.waiting_rule[fam.rule].add(now, -1)
            if fam.join_time >= self.warmup:
                self.wl_time_sum += now - fam.join_time
                self.wl_time_n += 1
        elif old == ENROLLED:
            self.on_care_spell(fam, fam.admit_t, now)
        if new == ENROLLED:
            self.admissions += 1
            c = fam.cls
            if fam.counted:
                wait = now - fam.seek_time
                self.waits.add(wait)
                t = c.inst.type_idx
                self.type_wait_sum[t] += wait
                self.type_wait_n[t] += 1
                self.by_district.add_wait(fam.district.idx, wait)
                self.by_income.add_wait(fam.inc_g, wait)
            self._placed(fam, c, now)
            if fam.displaced:
                self.displaced_replaced += 1
        elif new == WAITING:
            self.waiting[fam.district.idx].add(now, 1)
            fam.wl_type = t = fam.lists[0].inst.type_idx if fam.lists else 0
            self.waiting_type[t].add(now, 1)
            self.waiting_rule[fam.rule].add(now, 1)
            if now >= self.warmup:
                self.joins += 1
        elif new == PRICED_OUT:
            self.priced_out_by_district[fam.district.idx] += 1
        elif fam.counted:
            if new == BLOCKED:
                self.blocked += 1
            elif new == RENEGED:
                self.reneged += 1

    def on_note(self, fam: Any, kind: str, data: Any, now: float) -> None:
        """A transfer, or the start or end of a wait for one (:meth:`Ledger.transfer`)."""
        if kind == "transfer_wait":
            self.transfer_waiting.add(now, 1 if data else -1)
        elif kind == "transfer":
            self.on_care_spell(fam, fam.admit_t, now)  # the spell under the old contract
            self._placed(fam, data[1], now)

    def on_care_spell(self, fam: Any, start: float, end: float) -> None:
        """A spell in care from ``start`` to ``end``: its part in the window counts for prices."""
        months = min(end, self.horizon) - max(start, self.warmup)
        if months > 0:
            self._add_care(fam, months, months * fam.net_fee)

    def _add_care(self, fam: Any, months: float, fee_months: float) -> None:
        """Add ``months`` in care (0 for a correction) at ``fee_months`` net fee to ``fam``'s groups."""
        burden = fee_months / fam.income
        self.by_district.add_care(fam.district.idx, months, burden, fee_months)
        self.by_income.add_care(fam.inc_g, months, burden, fee_months)

    def reprice(self, fam: Any, net: float, now: float) -> None:
        """``fam``'s net fee becomes ``net`` at ``now`` in mid-spell: the spell so far keeps the old one.

        :meth:`on_care_spell` counts the whole spell at the net fee of its end; this adds the
        difference for the part up to ``now``.
        """
        months = min(now, self.horizon) - max(fam.admit_t, self.warmup)
        if months > 0:
            self._add_care(fam, 0.0, months * (fam.net_fee - net))

    def mean_waitlist(self, t: float) -> float:
        """Return the time-average number of families waiting over the window up to ``t``."""
        return sum(lv.mean(t) for lv in self.waiting)

    def waiting_now(self) -> int:
        """Return the number of families waiting now."""
        return int(round(sum(lv.value for lv in self.waiting)))

    # -- monthly rows ---------------------------------------------------------------------
    def snapshot(self, month: int, districts: Sequence[District], places: Places,
                 institutions: Sequence[Institution], cost: Sequence[float], access: Sequence[float],
                 per_1000: Sequence[float]) -> None:
        """Append one row per district: stocks at the end of ``month``, flows during it.

        ``access`` and ``per_1000`` are the districts' measures of :mod:`sim.model.access`.
        """
        year = self.start_year + month // 12
        n = len(districts)
        fee_sum = [0.0] * n
        lic_sum = [0] * n
        n_open = [0] * n
        for inst in institutions:
            if inst.open:
                k = inst.district.idx
                n_open[k] += 1
                lic = inst.licensed
                fee_sum[k] += inst.fee * lic
                lic_sum[k] += lic
        licensed, usable = places.by_district("licensed"), places.by_district("usable")
        enrolled, caregivers = places.by_district("enrolled"), places.by_district("caregivers")
        occupied = places.by_district_exact("occupied")
        append = self.row_list.append
        for d in districts:
            k = d.idx
            append((month, year, d.spec.name, d.children_under3(month + 1), licensed[k], usable[k],
                    enrolled[k], occupied[k], int(round(self.waiting[k].value)), caregivers[k], cost[k],
                    fee_sum[k] / lic_sum[k] if lic_sum[k] else 0.0, n_open[k], access[k], per_1000[k]))

    @property
    def rows(self) -> dict[str, list[Any]]:
        """The monthly rows as columns (``TIMESERIES_COLUMNS``)."""
        if not self.row_list:
            return {c: [] for c in TIMESERIES_COLUMNS}
        return {c: list(v) for c, v in zip(TIMESERIES_COLUMNS, zip(*self.row_list, strict=True), strict=True)}
