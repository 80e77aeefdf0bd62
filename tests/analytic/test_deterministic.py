"""With deterministic arrivals, stays and patience the model's event times are exact.

``families.arrivals=regular`` spaces applications ``1 / queue.arrival_rate`` apart from
time 0, ``families.stay={dist: fixed, ...}`` fixes every stay and
``families.patience={dist: fixed, ...}`` every patience, so the whole run can be written
down by hand. The first test does exactly that for ten families; the others compare every
admission, renege, block and departure with a few-line FIFO reference (a heap of the
times the places free up) for longer runs, and every KPI with its value recomputed from
those times. Parameters are chosen so no two events that could be ordered either way
fall at the same instant (the reference asserts it).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import pytest

from tests.analytic.trace import Event, run_traced

EPS = 1e-9


def _overrides(places: int, rate: float, stay: float, horizon: float, warmup: float = 0.0,
               patience: float | None = None, waitlist: bool = True) -> list[str]:
    ov = [
        "scenario=queue", f"queue.places={places}", f"queue.arrival_rate={rate!r}",
        f"queue.waitlist={'true' if waitlist else 'false'}", "families.arrivals=regular",
        f"families.stay={{dist:fixed,value:{stay!r}}}", f"run.horizon_months={horizon!r}",
        f"run.warmup_months={warmup!r}",
    ]
    if patience is not None:
        ov.append(f"families.patience={{dist:fixed,value:{patience!r}}}")
    return ov


@dataclass
class Fate:
    """What happened to one family: ``outcome`` is admitted, reneged or blocked."""

    arrival: float
    outcome: str
    at: float                 # admission, renege or block time
    leaves: float = math.inf  # end of its stay (admitted only)


def fifo_reference(arrivals: list[float], places: int, stay: float,
                   patience: float = math.inf, waitlist: bool = True) -> list[Fate]:
    """Return each family's fate in a FIFO queue with fixed stays and fixed patience.

    With equal patience, FIFO order is also the order in which patience runs out, so a
    family is served iff the earliest free place (after those ahead took theirs) frees
    up within its patience; families that renege take no place.
    """
    free = [-math.inf] * places
    fates = []
    for a in arrivals:
        start = max(a, free[0])
        assert abs(free[0] - a) > EPS, f"ambiguous tie: a place frees up at arrival {a}"
        wait = start - a
        if wait > 0 and not waitlist:
            fates.append(Fate(a, "blocked", a))
        elif wait > patience:
            assert abs(wait - patience) > EPS, f"ambiguous tie: renege at a departure ({a})"
            fates.append(Fate(a, "reneged", a + patience))
        else:
            heapq.heapreplace(free, start + stay)
            fates.append(Fate(a, "admitted", start, start + stay))
    return fates


def model_fates(log: list[Event]) -> list[Fate]:
    """Return each family's fate read from the model's ledger log (in arrival order)."""
    first: dict[int, float] = {}
    fates: dict[int, Fate] = {}
    for t, fid, old, new in log:
        first.setdefault(fid, t)
        a = first[fid]
        if new == "enrolled":
            fates[fid] = Fate(a, "admitted", t)
        elif new in ("reneged", "blocked"):
            fates[fid] = Fate(a, new, t)
        elif new == "waiting":
            fates[fid] = Fate(a, "waiting", math.inf)
        elif old == "enrolled":
            fates[fid].leaves = t
    return sorted(fates.values(), key=lambda f: f.arrival)


def _cut(fates: list[Fate], horizon: float) -> list[Fate]:
    """What the ledger can have seen by the horizon."""
    out = []
    for f in fates:
        if f.arrival >= horizon:
            continue
        if f.at >= horizon:
            f = Fate(f.arrival, "waiting", math.inf)
        out.append(Fate(f.arrival, f.outcome, f.at, f.leaves if f.leaves < horizon else math.inf))
    return out


def _overlap(a: float, b: float, t0: float, t1: float) -> float:
    return max(0.0, min(b, t1) - max(a, t0))


def reference_kpis(fates: list[Fate], t0: float, t1: float) -> dict[str, float]:
    """Return the KPIs the model should report, from the reference's event times."""
    counted = [f for f in fates if f.arrival >= t0]
    admitted = [f for f in counted if f.outcome == "admitted"]
    queued = [f for f in counted if f.outcome != "blocked" and f.at > f.arrival]
    ended = [f for f in queued if f.at < math.inf]
    window = t1 - t0
    return {
        "arrivals": len(counted),
        "p_wait": sum(f.at > f.arrival or f.outcome == "blocked" for f in counted) / len(counted),
        "mean_wait_months": sum(f.at - f.arrival for f in admitted) / len(admitted),
        "p_blocked": sum(f.outcome == "blocked" for f in counted) / len(counted),
        "p_reneged": sum(f.outcome == "reneged" for f in counted) / len(counted),
        "waitlist_joins": len(queued),
        "mean_time_on_waitlist": sum(f.at - f.arrival for f in ended) / max(len(ended), 1),
        "mean_waitlist": sum(_overlap(f.arrival, f.at, t0, t1) for f in fates
                             if f.outcome != "blocked") / window,
        "mean_enrolled": sum(_overlap(f.at, f.leaves, t0, t1) for f in fates
                             if f.outcome == "admitted") / window,
    }


def test_two_places_ten_families_by_hand():
    # Families apply at months 0, 1, ..., 9; stays last 2.25 months; patience 0.6 months.
    # Place A: 0 [0, 2.25], 2 [2.25, 4.5], 4 [4.5, 6.75], 7 [7, 9.25], 9 [9.25, 11.5]
    # Place B: 1 [1, 3.25], 3 [3.25, 5.5], 5 [5.5, 7.75], 8 [8, 10.25]
    # Family 6 would wait until 6.75 (0.75 > 0.6): it reneges at 6.6.
    _, result, log = run_traced(_overrides(2, 1.0, 2.25, 10.0, patience=0.6), seed=1)
    admitted = [0, 1, 2.25, 3.25, 4.5, 5.5, None, 7, 8, 9.25]
    leaves = [2.25, 3.25, 4.5, 5.5, 6.75, 7.75, None, 9.25, math.inf, math.inf]
    fates = model_fates(log)
    assert [f.arrival for f in fates] == pytest.approx(list(range(10)))
    for f, adm, out in zip(fates, admitted, leaves, strict=True):
        if adm is None:
            assert f.outcome == "reneged" and f.at == pytest.approx(6.6)
        else:
            assert f.outcome == "admitted" and f.at == pytest.approx(adm) and f.leaves == pytest.approx(out)
    waits = [0, 0, 0.25, 0.25, 0.5, 0.5, 0, 0, 0.25]            # the nine admitted
    s = result.summary
    assert s["arrivals"] == 10 and s["reneged"] == 1 and s["enrolled_end"] == 2
    assert s["p_wait"] == pytest.approx(6 / 10)                  # families 2-6 and 9
    assert s["mean_wait_months"] == pytest.approx(sum(waits) / 9)
    assert s["p_reneged"] == pytest.approx(1 / 10)
    assert s["waitlist_joins"] == 6
    assert s["mean_time_on_waitlist"] == pytest.approx((sum(waits) + 0.6) / 6)
    assert s["mean_waitlist"] == pytest.approx((sum(waits) + 0.6) / 10)
    assert s["mean_enrolled"] == pytest.approx((7 * 2.25 + 2.0 + 0.75) / 10)
    assert s["p90_wait_months"] == pytest.approx(0.51)            # 0.5, to the 0.01 bin above


SCENARIOS = {
    # places, arrivals per month, stay, horizon, warm-up, patience, waitlist
    "stable, nobody waits": (3, 2.0, 1.3, 40.0, 5.0, None, True),
    "overloaded, waits grow": (2, 1.0, 2.25, 40.0, 0.0, None, True),
    "overloaded, fixed patience": (3, 4.0, 0.8317, 60.0, 7.5, 0.3071, True),
    "one place, patience": (1, 2.0, 0.6, 50.0, 10.0, 0.35, True),
    "no waitlist, blocked": (5, 4.0, 1.3, 50.0, 5.0, None, False),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_event_times_and_kpis_match_fifo_reference(name):
    places, rate, stay, horizon, warmup, patience, waitlist = SCENARIOS[name]
    ov = _overrides(places, rate, stay, horizon, warmup, patience, waitlist)
    _, result, log = run_traced(ov, seed=3)
    arrivals = [k / rate for k in range(int(horizon * rate) + 1) if k / rate < horizon]
    ref = _cut(fifo_reference(arrivals, places, stay,
                              math.inf if patience is None else patience, waitlist), horizon)
    got = model_fates(log)
    assert len(got) == len(ref)
    for g, r in zip(got, ref, strict=True):
        assert (g.outcome, g.arrival, g.at, g.leaves) == (r.outcome, pytest.approx(r.arrival),
                                                          pytest.approx(r.at), pytest.approx(r.leaves))
    expected = reference_kpis(ref, warmup, horizon)
    s = result.summary
    for kpi, value in expected.items():
        assert s[kpi] == pytest.approx(value, rel=1e-9, abs=1e-12), kpi
