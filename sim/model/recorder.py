"""What a run measures: change-only levels, counters after warm-up, waits, monthly rows.

Nothing here polls the model: the model updates the counters and levels when something
happens (``FamilyProcess`` writes the arrival, waitlist and admission counters itself, on
its hot path; reneges and care spells go through the ``on_*`` hooks), and one monthly tick
writes a row per district. Counters about arrivals count only families
that applied at or after the end of warm-up; levels are reset at the end of warm-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.accumulators import Level, WaitTally

if TYPE_CHECKING:
    from sim.model.city import District
    from sim.model.family import Family
    from sim.model.world import World

TIMESERIES_COLUMNS = (
    "month", "year", "district", "children_under3", "licensed_places", "usable_places",
    "enrolled", "waitlist", "caregivers", "public_cost", "mean_fee", "open_institutions",
)
FLOAT_COLUMNS = frozenset({"public_cost", "mean_fee"})  # the others are integers, but district


class Recorder:
    """Counters, levels and monthly rows of one run."""

    def __init__(self, t0: float, warmup: float, start_year: int) -> None:
        self.warmup = warmup
        self.start_year = start_year
        self.waiting = Level(t0)
        self.enrolled = Level(t0)
        self.licensed = Level(t0)
        self.usable = Level(t0)
        self.cg_required = Level(t0)
        self.cg_missing = Level(t0)
        self.levels = (self.waiting, self.enrolled, self.licensed, self.usable,
                       self.cg_required, self.cg_missing)
        self.child_area = 0.0
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
        self.care_months = 0.0
        self.burden_months = 0.0
        self.net_fee_months = 0.0
        self.horizon = float("inf")
        self.row_list: list[tuple] = []  # one tuple per district and month, in column order

    def reset(self, t: float) -> None:
        """End of warm-up: start every level's observation window at ``t``."""
        for lv in self.levels:
            lv.reset(t)

    # -- hooks called by the model ------------------------------------------------------
    def on_renege(self, fam: Family, now: float) -> None:
        if fam.counted:
            self.reneged += 1

    def on_care_spell(self, fam: Family, start: float, end: float) -> None:
        """A spell in care from ``start`` to ``end``: its part in the window counts for prices."""
        months = min(end, self.horizon) - max(start, self.warmup)
        if months > 0:
            self.care_months += months
            self.burden_months += months * fam.net_fee / fam.income
            self.net_fee_months += months * fam.net_fee

    # -- monthly rows ---------------------------------------------------------------------
    def snapshot(self, month: int, districts: list[District], world: World) -> None:
        """Append one row per district: stocks at the end of ``month``, flows during it."""
        year = self.start_year + month // 12
        n = len(districts)
        fee_sum = [0.0] * n
        places = [0] * n
        n_open = [0] * n
        for inst in world.institutions:
            if inst.open:
                k = inst.district.idx
                n_open[k] += 1
                lic = inst.acct.places
                fee_sum[k] += inst.fee * lic
                places[k] += lic
        cost = world.gov.month_cost
        append = self.row_list.append
        for d in districts:
            k = d.idx
            append((month, year, d.spec.name, d.children_under3(month + 1), d.licensed, d.usable,
                    d.enrolled, d.waiting, d.caregivers, cost[k],
                    fee_sum[k] / places[k] if places[k] else 0.0, n_open[k]))

    @property
    def rows(self) -> dict[str, list]:
        """The monthly rows as columns (``TIMESERIES_COLUMNS``)."""
        if not self.row_list:
            return {c: [] for c in TIMESERIES_COLUMNS}
        return {c: list(v) for c, v in zip(TIMESERIES_COLUMNS, zip(*self.row_list, strict=True), strict=True)}
