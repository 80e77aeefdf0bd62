"""The supply side's patterns of issue 13 (pattern-oriented modelling), over replications.

Each test runs a preset for ten years at a sample scale, several replications, and asks that
the 95% confidence interval of the replication mean lie inside the pattern's band (the
tolerance comes from the replications, not from trial and error). Slow: run by ``.ci/run``
(``pytest -m slow``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from sim.config.load import load
from sim.experiment.stats import mean_ci95
from sim.model.world import RunResult, World

SEED = 1313
REPS = 4
TIER1_FLAT = ("city=tier1", "city.scale=0.25", "city.births_index=[1.0]", "run.progress=false")


def runs(overrides: Sequence[str], reps: int = REPS) -> list[RunResult]:
    p = load(list(overrides))
    return [World(p, SEED, r).run() for r in range(reps)]


def closure_rates(by_year: dict[str, list[Any]], institutions_start: float) -> list[float]:
    """Institutions closed in each year over those open at its start."""
    out, open_before = [], institutions_start
    for closed, open_end in zip(by_year["institutions_closed"], by_year["institutions_end"], strict=True):
        out.append(closed / open_before if open_before > 0 else 0.0)
        open_before = open_end
    return out


@pytest.fixture(scope="module")
def tier1_flat() -> list[RunResult]:
    return runs(TIER1_FLAT)


@pytest.mark.slow
def test_pattern2_a_tier1_city_with_flat_births_keeps_its_licensed_places_within_a_fifth(tier1_flat):
    change = [r.summary["places_end"] / r.summary["places_start"] - 1.0 for r in tier1_flat]
    m, h = mean_ci95(change)
    assert -0.2 < m - h and m + h < 0.2, f"licensed places changed by {m:+.1%} +/- {h:.1%}"


@pytest.mark.slow
def test_pattern2_closures_stay_below_a_tenth_of_institutions_every_year(tier1_flat):
    worst = [max(closure_rates(r.by_year, r.summary["institutions_start"])) for r in tier1_flat]
    m, h = mean_ci95(worst)
    assert m + h < 0.10, f"worst year's closures {m:.1%} +/- {h:.1%} of institutions"


def wilson_lower(successes: float, n: float, z: float = 1.96) -> float:
    """Lower end of the 95% Wilson interval of a share ``successes / n``."""
    if n <= 0:
        return 0.0
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * ((p * (1 - p) + z * z / (4 * n)) / n) ** 0.5
    return (centre - spread) / (1 + z * z / n)


@pytest.mark.slow
def test_pattern4_entrants_add_places_mainly_where_families_wait_or_are_priced_out():
    """In the demo city under the status quo no market provider enters any more (none in
    eight replications: vacancies within reach exceed the families waiting everywhere, since
    private 普惠 centres admit all year); the pattern is checked where entry happens, with
    births growing 5% a year so that families wait (about ten entries per replication)."""
    p = load(["run.progress=false", "city.births_growth_per_year=0.05"])  # the demo city, ten years
    entries = []
    for r in range(4):
        w = World(p, SEED, r)
        w.run()
        entries.extend(w.market.entries_log)
    assert entries, "no market entry in four replications of the demo city with births growing"
    share = sum(e.places for e in entries if e.high_need) / sum(e.places for e in entries)
    lower = wilson_lower(sum(e.high_need for e in entries), len(entries))
    assert share >= 0.5 and lower >= 0.5, f"{share:.0%} of entrants' places in high-need districts " \
                                          f"({len(entries)} entries, lower bound {lower:.0%})"


# -- pattern 3: the capacity programme builds a mixed system ------------------------------------
PRIVATE_CHANNELS = ("community", "employer", "purchase")  # privately run (purchase: existing private ones)


@pytest.fixture(scope="module")
def target_runs() -> list[tuple[World, RunResult]]:
    p = load(["capacity=target", "run.progress=false"])  # the demo city, ten years (target 5.5 by 2030)
    out = []
    for r in range(REPS):
        w = World(p, SEED, r)
        out.append((w, w.run()))
    return out


@pytest.mark.slow
def test_pattern3_the_programme_reaches_its_target_with_half_its_places_privately_run(target_runs):
    # the level at January 2030 (the end of 2029) is not significantly below the target: the
    # programme orders whole institutions quarterly while providers close, so the level moves
    # around the path (measured: 5.71 +/- 0.35; 2.5 without a programme)
    level = [res.by_year["places_per_1000_end"][res.by_year["year"].index(2029)] for _, res in target_runs]
    m, h = mean_ci95(level)
    assert m + h >= 5.5, f"places per 1,000 in January 2030 {m:.2f} +/- {h:.2f}, target 5.5"
    shares = []
    for w, _ in target_runs:
        built = w.gov.capacity.built
        shares.append(sum(built.get(c, 0) for c in PRIVATE_CHANNELS) / sum(built.values()))
    m, h = mean_ci95(shares)
    assert m - h >= 0.5, f"{m:.0%} +/- {h:.0%} of the programme's places privately run"


@pytest.fixture(scope="module")
def status_quo_runs() -> list[World]:
    """The demo city under the status quo, the same seed and replications as ``target_runs``
    (common random numbers: the same city, births and families until the programme acts)."""
    p = load(["run.progress=false"])
    out = []
    for r in range(REPS):
        w = World(p, SEED, r)
        w.run()
        out.append(w)
    return out


Provider = tuple[str, str, bool]  # (district, sector, open at the end)


def opening_providers(w: World, n: int) -> list[Provider]:
    """District, sector and whether open at the end, of the ``n`` providers the city opened with."""
    return [(i.district.spec.name, i.sector, i.open) for i in w.institutions[:n]]


def programme_closures(programme: list[Provider], status_quo: list[Provider]) -> tuple[float, float, float]:
    """Return the shares of the existing private providers that the programme closes (closed
    under it, open in the paired status-quo run), that close under it, and that close under the
    status quo. The two lists are the same replication's opening providers
    (:func:`opening_providers`); they must be the same city (common random numbers)."""
    same = [q[:2] for q in programme] == [q[:2] for q in status_quo]
    assert same, "the paired runs start from different providers"
    private = [k for k, q in enumerate(programme) if q[1] == "private"]
    closed_t = [not programme[k][2] for k in private]
    closed_s = [not status_quo[k][2] for k in private]
    n = len(private)
    caused = sum(t and not s for t, s in zip(closed_t, closed_s, strict=True))
    return caused / n, sum(closed_t) / n, sum(closed_s) / n


@pytest.mark.slow
def test_pattern3_the_programme_closes_at_most_a_fifth_of_the_existing_private_providers(target_runs,
                                                                                        status_quo_runs):
    """Closures the programme causes: an existing private provider that closes under
    ``capacity=target`` and stays open in the paired status-quo run (same seed and
    replication). The demo city's outskirts have places no one can fill at their fees (5-7
    per 1,000 where incomes are lowest; docs/calibration.md): about 27% of its private
    providers close with no programme at all, so the share closed under the programme
    (about 38%) is mostly not the programme's doing. The bug this catches is the crowding-out
    of issue 13 (a programme that builds beside vacancies and closes every private provider):
    the earlier programme (``capacity.placement=ratio``, public builds only) closes 28% +/- 1%
    this way (seed 1313, 4 replications), and this test fails on it.
    """
    caused, total = [], []
    for (wt, res), ws in zip(target_runs, status_quo_runs, strict=True):
        n = int(res.summary["institutions_start"])
        c, t, _ = programme_closures(opening_providers(wt, n), opening_providers(ws, n))
        caused.append(c)
        total.append(t)
    m, h = mean_ci95(caused)
    t, th = mean_ci95(total)
    assert m + h <= 0.2, f"the programme closed {m:.0%} +/- {h:.0%} of the existing private providers " \
                         f"({t:.0%} +/- {th:.0%} closed in all)"


def test_the_programmes_closures_are_the_private_providers_open_in_the_paired_status_quo():
    # the bug this catches: closures the status quo has too (or public ones) counted as the programme's
    a, b = ("a", "private"), ("b", "public")
    programme = [(*a, False), (*a, False), (*b, False), ("b", "private", True)]
    status_quo = [(*a, True), (*a, False), (*b, True), ("b", "private", True)]
    assert programme_closures(programme, status_quo) == (1 / 3, 2 / 3, 1 / 3)
    with pytest.raises(AssertionError, match="different providers"):
        programme_closures(programme, status_quo[::-1])
