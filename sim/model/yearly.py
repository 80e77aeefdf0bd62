"""KPIs per calendar year (``kpis_by_year.parquet``), from cumulative snapshots at each year's end.

At month 0 and at the close of every December (and of the run's last month) the book takes a
snapshot of the run's cumulative counters (ledger states, the recorder's flows and waits,
openings and closures) and of the time integrals of its levels (children enrolled, licensed
places, families waiting); a year's KPIs are differences of two snapshots and carry the
names of ``summary.json`` (with ``occupancy_<type>`` and ``mean_waitlist_<type>`` per provider
type). The provider mix (issue 13): ``places_end_<type>``, licensed places of the open
institutions of each type at the year's end, read from their type then (as
:func:`sim.model.summary.places_by_type`: a provider converted mid-run counts under its new
type); ``programme_places_<channel>``, the places the capacity programme ordered in the year
through each channel of :func:`sim.model.capacity.programme_channels` (a fixed set per
configuration: a channel outside it would have no column of its own but is counted in
``programme_places``, the year's new places through all channels: purchases of existing
places are in ``programme_places_purchase`` only, as in the summary). Levels restart their
integrals at the end of warm-up; the book carries what they held over
(:meth:`YearBook.before_reset`), so its integrals run from month 0. Public cost comes from
the government's books by calendar year, children under 3 from the exact child-months of
the births (as the summary's denominator).

Every calendar year from ``run.start_year`` to the horizon has a row (the last one partial
when the horizon is not a whole year: ``months``). ``in_window`` marks the years inside the
observation window ``[run.warmup_months, horizon]``: over those years, sums of flows and
time-weighted means of levels equal the summary's KPIs. Arrival-based KPIs (``arrivals``,
``mean_wait_months``) count only applications after warm-up, as in the summary; years before
have none (``mean_wait_months`` is NaN when no arrival was admitted in the year).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.capacity import PURCHASE, programme_channels
from sim.model.government import COST_KINDS
from sim.model.ledger import PRICED_OUT
from sim.model.summary import places_by_type

if TYPE_CHECKING:
    from sim.model.accumulators import Level
    from sim.model.world import World

COUNTERS = ("enrolled_area", "occupied_area", "licensed_area", "waiting_area", "priced_out", "arrivals",
            "admissions", "waits_n", "waits_total", "fee_exits", "opened", "closed")
YEARLY_COLUMNS = (
    "year", "months", "in_window", "children_born", "mean_children_under3", "mean_enrolled", "mean_occupied",
    "enrollment_rate", "occupancy", "mean_waitlist", "waitlist_end", "arrivals", "admitted_arrivals",
    "mean_wait_months", "priced_out", "enrolled_ever", "fee_exits", "places_end", "places_per_1000_end",
    "institutions_end", "institutions_opened", "institutions_closed",
    *(f"public_cost_{k}" for k in COST_KINDS), "public_cost_total", "budget_refused",
)
# Columns that grow with the population: also reported scaled back when city.scale < 1.
EXTENSIVE_YEARLY = ("children_born", "mean_children_under3", "mean_enrolled", "mean_occupied",
                    "mean_waitlist",
                    "waitlist_end", "arrivals", "priced_out", "enrolled_ever", "places_end",
                    "institutions_end", *(f"public_cost_{k}" for k in (*COST_KINDS, "total")),
                    "budget_refused")


def integral(levels: list[Level], t: float) -> float:
    """Return the sum of the levels' integrals over their windows up to ``t``."""
    return sum(lv.area + lv.value * (t - lv.t_last) for lv in levels)


class YearBook:
    """Snapshots at year ends and the child-months of each calendar year."""

    def __init__(self, start_year: int, warmup: float, horizon: float, population: float) -> None:
        self.start_year = start_year
        self.warmup = warmup
        self.horizon = horizon
        self.population = population
        n = max(1, math.ceil(horizon / 12.0 - 1e-9))
        self.bounds = [(12.0 * k, min(12.0 * (k + 1), horizon)) for k in range(n)]
        self.child_months = [0.0] * n
        self.births = [0] * n
        self.carried: dict[str, float] = {}  # level integrals before the warm-up reset
        self.snaps: list[dict[str, float]] = []

    # -- fed during the run ------------------------------------------------------------------
    def add_births(self, times: np.ndarray) -> None:
        """Births at ``times``: their months under 3 (ages 0-36) in each calendar year."""
        first = max(0, math.floor(float(times.min()) / 12.0))
        last = min(len(self.bounds), math.ceil((float(times.max()) + 36.0) / 12.0))
        for k in range(first, last):  # only the years these children can be under 3 in
            lo, hi = self.bounds[k]
            self.child_months[k] += float(np.clip(np.minimum(times + 36.0, hi) - np.maximum(times, lo),
                                                  0.0, None).sum())
            self.births[k] += int(((times >= lo) & (times < hi)).sum())

    def before_reset(self, w: World, t: float) -> None:
        """The levels restart their windows at ``t`` (end of warm-up): carry their integrals."""
        for name, value in self._areas(w, t).items():
            self.carried[name] = self.carried.get(name, 0.0) + value

    def snapshot(self, w: World, t: float) -> None:
        """Record the cumulative counters at ``t`` (month 0, each year's end, the horizon)."""
        rec, led, prov = w.recorder, w.ledger, w.providers
        snap = {name: self.carried.get(name, 0.0) + v for name, v in self._areas(w, t).items()}
        snap.update(priced_out=led.counts[PRICED_OUT], arrivals=rec.arrivals, admissions=rec.admissions,
                    waits_n=rec.waits.n, waits_total=rec.waits.total, fee_exits=rec.fee_exits,
                    opened=prov.opened, closed=prov.closed, waitlist_end=rec.waiting_now(),
                    places_end=sum(c.licensed for c in w.classes),
                    institutions_end=sum(1 for i in w.institutions if i.open))
        snap.update({f"places_end_{name}": n for name, n in places_by_type(w).items()})
        built = w.gov.capacity.built if w.gov.capacity is not None else {}
        snap.update({f"programme_{c}": built.get(c, 0) for c in self._channels(w)})
        snap["programme_total"] = sum(v for k, v in built.items() if k != PURCHASE)  # new places
        self.snaps.append(snap)

    def _channels(self, w: World) -> tuple[str, ...]:
        return programme_channels(w.params.capacity, self.start_year)

    @staticmethod
    def _areas(w: World, t: float) -> dict[str, float]:
        lv = w.places.levels
        out = {"enrolled_area": integral(lv["enrolled"], t), "occupied_area": integral(lv["occupied"], t),
               "licensed_area": integral(lv["licensed"], t), "waiting_area": integral(w.recorder.waiting, t)}
        n = w.places.n_types
        for k in range(n):  # per provider type (levels are kept per district x type)
            out[f"occupied_area_{k}"] = integral(lv["occupied"][k::n], t)
            out[f"licensed_area_{k}"] = integral(lv["licensed"][k::n], t)
            out[f"waiting_area_{k}"] = integral([w.recorder.waiting_type[k]], t)
        return out

    # -- the table ---------------------------------------------------------------------------
    def rows(self, w: World) -> dict[str, list[Any]]:
        """Return one row per calendar year (columns ``YEARLY_COLUMNS``, plus ``_scaled`` ones)."""
        gov = w.gov
        scale = w.params.city.scale
        cols: dict[str, list[Any]] = {c: [] for c in YEARLY_COLUMNS}
        for k, (lo, hi) in enumerate(self.bounds[: len(self.snaps) - 1]):
            a, b = self.snaps[k], self.snaps[k + 1]
            d = {name: b[name] - a[name] for name in COUNTERS}
            months = hi - lo
            year = self.start_year + k
            cost = gov.cost_by_year.get(year, dict.fromkeys(COST_KINDS, 0.0))
            children = self.child_months[k] / months
            enrolled = d["enrolled_area"] / months
            row: dict[str, Any] = {
                "year": year, "months": months, "in_window": lo >= self.warmup - 1e-9,
                "children_born": self.births[k], "mean_children_under3": children,
                "mean_enrolled": enrolled, "mean_occupied": d["occupied_area"] / months,
                "enrollment_rate": enrolled / children if children > 0 else 0.0,
                "occupancy": d["occupied_area"] / d["licensed_area"] if d["licensed_area"] > 0 else 0.0,
                "mean_waitlist": d["waiting_area"] / months, "waitlist_end": b["waitlist_end"],
                "arrivals": d["arrivals"], "admitted_arrivals": d["waits_n"],
                "mean_wait_months": d["waits_total"] / d["waits_n"] if d["waits_n"] > 0 else math.nan,
                "priced_out": d["priced_out"], "enrolled_ever": d["admissions"], "fee_exits": d["fee_exits"],
                "places_end": b["places_end"],
                "places_per_1000_end": b["places_end"] * 1000.0 / self.population,
                "institutions_end": b["institutions_end"], "institutions_opened": d["opened"],
                "institutions_closed": d["closed"],
                **{f"public_cost_{kind}": cost[kind] for kind in COST_KINDS},
                "public_cost_total": sum(cost[kind] for kind in COST_KINDS),
                "budget_refused": gov.refused_by_year.get(year, 0.0),
            }
            for k, name in enumerate(w.params.city.types):
                lic = b[f"licensed_area_{k}"] - a[f"licensed_area_{k}"]
                occ = b[f"occupied_area_{k}"] - a[f"occupied_area_{k}"]
                row[f"occupancy_{name}"] = occ / lic if lic > 0 else 0.0
                row[f"mean_waitlist_{name}"] = (b[f"waiting_area_{k}"] - a[f"waiting_area_{k}"]) / months
            for name in w.params.city.types:
                row[f"places_end_{name}"] = b[f"places_end_{name}"]
            for c in self._channels(w):
                row[f"programme_places_{c}"] = b[f"programme_{c}"] - a[f"programme_{c}"]
            row["programme_places"] = b["programme_total"] - a["programme_total"]
            for c, v in row.items():
                cols.setdefault(c, []).append(v)
        if scale != 1.0:
            for c in EXTENSIVE_YEARLY:
                cols[f"{c}_scaled"] = [v / scale for v in cols[c]]
        return cols
