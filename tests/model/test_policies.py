"""Subsidy, fee and capacity policies move the KPIs they should, and money and children add up.

Scenarios run on the demo city and are compared on the same seeds (common random numbers:
the same families are born under every policy). An effect is accepted when the one-sided
95% t lower bound of the paired differences over the seeds is above zero, so the tolerance
comes from the spread between seeds, not from tuning. The default run uses three seeds: the
smallest effect tested (the family subsidy's +0.8 points of enrollment) is about four
standard deviations of its paired difference (5 replications, 60 months), which a bound from
three seeds (t = 2.92) finds with probability 0.99, and from two (t = 6.31) only 0.62. The
slow run (``pytest -m slow``) uses five. Runs are cached per (scenario, seed) for the
session and instrumented while they run: every monthly provider statement and public
transfer, every displacement and every budget refusal is recorded.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field

import numpy as np
import pytest
from scipy import stats

from sim.model import ledger as L
from sim.model.city import type_size
from sim.model.family import Family
from sim.model.trace import TraceEvent
from sim.model.world import World
from tests.conftest import load_config
from tests.scenarios import ROLLING

CONFIDENCE = 0.95
FAST_SEEDS = (1, 2, 3)
SLOW_SEEDS = (1, 2, 3, 4, 5)
CAPACITY_SEEDS = (1, 2)
SEED_SETS = [FAST_SEEDS, pytest.param(SLOW_SEEDS, marks=pytest.mark.slow, id="5seeds")]

H48 = ("run.horizon_months=48",)
SCENARIOS: dict[str, tuple[str, ...]] = {
    "baseline": H48,
    "family_subsidy": (*H48, "policy=family_subsidy"),
    "voucher": (*H48, "policy=voucher"),
    "operating_subsidy": (*H48, "policy=operating_subsidy"),
    "fee_cap_25": (*H48, "policy=fee_cap", "policy.fee_cap=0.25", "policy.fee_cap_basis=income_share"),
    "fee_cap_10": (*H48, "policy=fee_cap", "policy.fee_cap=0.10", "policy.fee_cap_basis=income_share"),
    "births_falling": (*H48, "city.births_growth_per_year=-0.15"),
    "small_budget": (*H48, "policy=family_subsidy", "policy.budget_per_year=5e7"),
    # The programme's planning rule, under the admissions it was built with (every provider
    # rolling, every family first_free). With annual intake and transfers the programme's
    # own public places draw children from private providers, more of them close, and the
    # closure rate it extrapolates overshoots the target by 11-13% (seeds 1, 2): an issue 13
    # (supply side) finding, see docs/policies.md "Known limitations".
    "capacity_6": ("run.horizon_months=60", "capacity=target", "capacity.target_per_1000=6",
                   "capacity.target_year=2029", *ROLLING, "families.accept_rule=first_free"),
    "capacity_6_no_closures": ("run.horizon_months=60", "capacity=target", "capacity.target_per_1000=6",
                               "capacity.target_year=2029", "economics.enabled=false"),
    "no_economics": (*H48, "economics.enabled=false"),
    "voucher_no_economics": (*H48, "policy=voucher", "economics.enabled=false"),
    "budget_and_capacity": ("run.horizon_months=36", "policy=family_subsidy", "capacity=target",
                            "policy.budget_per_year=1.5e8"),
    "births_falling_72": ("run.horizon_months=72", "city.births_growth_per_year=-0.15"),
    "baseline_72": ("run.horizon_months=72",),
}


@dataclass
class Observed:
    """What one instrumented run showed (plain data; the world itself is not kept)."""

    summary: dict[str, float]
    start_year: int
    budget: float | None
    timeseries_public_cost: float = 0.0
    account_errors: list[str] = field(default_factory=list)
    statement_errors: list[str] = field(default_factory=list)
    public_cash_falls: int = 0
    vouchers_by_affordable: dict[bool, float] = field(default_factory=lambda: {True: 0.0, False: 0.0})
    operating_paid: float = 0.0
    public_transfers: float = 0.0
    displacements: int = 0
    still_displaced: dict[str, int] = field(default_factory=dict)
    closed_log: list[tuple[float, int]] = field(default_factory=list)  # (time, places), last 24 months
    spent_by_year: dict[int, float] = field(default_factory=dict)
    booked_by_year: dict[int, float] = field(default_factory=dict)  # rebuilt from payments and commitments
    commitments: list[tuple[float, float]] = field(default_factory=list)
    refused_years: set[int] = field(default_factory=set)


def _rel_err(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(a), abs(b))


def _instrument(w: World, obs: Observed) -> dict[int, Family]:
    """Watch ``w`` through its trace: statements, closures, payments, commitments, refusals.

    Returns the children found in institutions at the moment they close (the displaced),
    counted from the closing institutions themselves, not from the code that displaces them.
    """
    displaced: dict[int, Family] = {}
    last_cash: dict[int, float] = {}
    start_year = w.params.run.start_year

    def year_of(t: float) -> int:
        return start_year + math.floor(t / 12.0 + 1e-9)

    def listen(ev: TraceEvent) -> None:
        if ev.kind == "statement":
            inst, (st, transfer) = ev.subject, ev.data
            before = last_cash.get(inst.idx, inst.acct.cash_start)
            change = inst.acct.cash - before
            last_cash[inst.idx] = inst.acct.cash
            if _rel_err(change, st.revenue + transfer - st.cost) > 1e-9 * max(1.0, abs(before)):
                obs.statement_errors.append(f"{inst.name} at {ev.time}: cash {change} "
                                            f"!= revenue {st.revenue} + transfer {transfer} - cost {st.cost}")
            if inst.sector == "public" and change < -1e-6:
                obs.public_cash_falls += 1
            obs.vouchers_by_affordable[inst.affordable] += st.vouchers
            obs.operating_paid += st.operating_subsidy + st.place_subsidy
            obs.public_transfers += transfer
        elif ev.kind == "close":
            for c in ev.subject.classes:
                for fam in c.children:
                    obs.displacements += 1
                    displaced[fam.fid] = fam
        elif ev.kind == "budget_exhausted":
            obs.refused_years.add(year_of(ev.time - 1e-9))
        elif ev.kind == "pay":  # a payment for the month just ended belongs to that month's year
            year = year_of(ev.time - 1.0)
            obs.booked_by_year[year] = obs.booked_by_year.get(year, 0.0) + ev.data[0]
        elif ev.kind == "commit":  # a commitment belongs to the year it is made in
            year = year_of(ev.time)
            obs.booked_by_year[year] = obs.booked_by_year.get(year, 0.0) + ev.data
            obs.commitments.append((ev.time, ev.data))

    w.trace.subscribe(listen)
    return displaced


def observe(scenario: str, seed: int) -> Observed:
    """Run ``scenario`` once on ``seed`` with instruments; cached for the session.

    Not cached in a mutmut worker (``MUTANT_UNDER_TEST`` names a mutant): the worker is forked
    from the process that ran the tests unmutated, and a cached result would hide the mutant.
    """
    if "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", ""):
        return _observe(scenario, seed)
    return _observe_cached(scenario, seed)


def _observe(scenario: str, seed: int) -> Observed:
    params = load_config(SCENARIOS[scenario])
    w = World(params, seed)
    obs = Observed(summary={}, start_year=params.run.start_year, budget=params.policy.budget_per_year)
    displaced = _instrument(w, obs)
    r = w.run()
    obs.summary = r.summary
    obs.timeseries_public_cost = float(sum(r.timeseries["public_cost"]))
    obs.closed_log = list(w.providers.closed_log)
    for inst in w.institutions:
        a = inst.acct
        if _rel_err(a.cash - a.cash_start, a.revenue_total - a.cost_total) > 1e-9 * max(1.0, abs(a.cash)):
            obs.account_errors.append(f"{inst.name}: cash {a.cash_start} -> {a.cash}, "
                                      f"revenue {a.revenue_total}, cost {a.cost_total}")
    for fam in displaced.values():
        if fam.displaced:
            name = L.STATES[fam.state]
            obs.still_displaced[name] = obs.still_displaced.get(name, 0) + 1
    obs.spent_by_year = dict(w.gov.spent_by_year)
    return obs


_observe_cached = functools.cache(_observe)


def kpi(scenario: str, seeds: tuple[int, ...], name: str) -> np.ndarray:
    return np.array([observe(scenario, s).summary[name] for s in seeds])


def paired_lower_bound(diffs: np.ndarray) -> float:
    """One-sided lower confidence bound (level CONFIDENCE) of the mean paired difference."""
    n = len(diffs)
    assert n >= 2, "a paired comparison needs at least two seeds"
    sem = float(np.std(diffs, ddof=1)) / math.sqrt(n)
    return float(np.mean(diffs)) - float(stats.t.ppf(CONFIDENCE, n - 1)) * sem


def assert_higher(name: str, high: str, low: str, seeds: tuple[int, ...]) -> None:
    """Assert that KPI ``name`` is higher under ``high`` than under ``low`` on the same seeds."""
    a, b = kpi(high, seeds, name), kpi(low, seeds, name)
    bound = paired_lower_bound(a - b)
    assert bound > 0, f"{name}: {high} {a.tolist()} vs {low} {b.tolist()} (lower bound {bound:.4g})"


# -- family subsidy ------------------------------------------------------------------------------
@pytest.mark.parametrize("seeds", SEED_SETS)
def test_family_subsidy_prices_out_fewer_families_than_baseline(seeds):
    assert_higher("priced_out", "baseline", "family_subsidy", seeds)


@pytest.mark.parametrize("seeds", SEED_SETS)
def test_family_subsidy_raises_the_enrollment_rate(seeds):
    assert_higher("enrollment_rate", "family_subsidy", "baseline", seeds)


@pytest.mark.parametrize("seeds", SEED_SETS)
def test_family_subsidy_costs_public_money(seeds):
    assert_higher("public_cost_total", "family_subsidy", "baseline", seeds)
    for s in seeds:
        assert observe("family_subsidy", s).summary["public_cost_family_subsidy"] > 0
        assert observe("baseline", s).summary["public_cost_family_subsidy"] == 0


# -- fee caps --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seeds", SEED_SETS)
def test_a_looser_fee_cap_prices_out_more_families(seeds):
    assert_higher("priced_out", "fee_cap_25", "fee_cap_10", seeds)


@pytest.mark.parametrize("seeds", SEED_SETS)
def test_a_looser_fee_cap_keeps_more_private_providers_open(seeds):
    assert_higher("institutions_closed", "fee_cap_10", "fee_cap_25", seeds)
    # Not institutions_end: a tight cap also draws more market entrants (the priced-out
    # families' demand goes to market providers), so the count of open providers mixes both.


# -- operating subsidy and vouchers ------------------------------------------------------------------
@pytest.mark.parametrize("seeds", SEED_SETS)
def test_operating_subsidy_raises_the_private_providers_margin(seeds):
    assert_higher("provider_margin", "operating_subsidy", "baseline", seeds)
    for s in seeds:
        assert observe("operating_subsidy", s).summary["public_cost_operating"] > 0


@pytest.mark.parametrize("seeds", SEED_SETS)
def test_vouchers_lower_the_mean_net_fee(seeds):
    assert_higher("mean_net_fee", "baseline", "voucher", seeds)


def test_vouchers_are_paid_only_to_affordable_providers_under_the_affordable_scope():
    obs = observe("voucher", FAST_SEEDS[0])
    assert obs.summary["public_cost_voucher"] > 0
    assert obs.vouchers_by_affordable[False] == 0.0
    assert obs.vouchers_by_affordable[True] == pytest.approx(obs.summary["public_cost_voucher"], rel=1e-9)


@pytest.mark.parametrize("scope, market_voucher", [("affordable", 0.0), ("all", 300.0)])
def test_voucher_scope_decides_whether_market_providers_are_eligible(scope, market_voucher):
    w = World(load_config(["policy=voucher", f"policy.voucher_scope={scope}"]), 1)
    by_type = {inst.type: inst for inst in w.institutions}
    assert w.gov.voucher_for(by_type["market"]) == market_voucher
    assert w.gov.voucher_for(by_type["home"]) == market_voucher
    assert w.gov.voucher_for(by_type["affordable"]) == 300.0
    assert w.gov.voucher_for(by_type["public"]) == 300.0


def test_vouchers_without_provider_economics_still_run_and_lower_prices():
    obs = observe("voucher_no_economics", FAST_SEEDS[0])
    base = observe("no_economics", FAST_SEEDS[0])
    assert obs.summary["unaccounted"] == 0
    assert obs.summary["institutions_closed"] == 0
    assert obs.summary["mean_net_fee"] < base.summary["mean_net_fee"]
    assert obs.summary["priced_out"] < base.summary["priced_out"]


def test_vouchers_without_provider_economics_are_still_a_public_cost():
    assert observe("voucher_no_economics", FAST_SEEDS[0]).summary["public_cost_voucher"] > 0


# -- capacity programme ------------------------------------------------------------------------------
def _programme(scenario: str) -> tuple[float, float, float]:
    """Return (places per 1,000 of one standard build, population, the last planning time
    whose builds open before the horizon) of a capacity scenario."""
    p = load_config(SCENARIOS[scenario])
    cap = p.capacity
    pop = sum(d.population for d in p.city.districts)
    unit = sum(type_size(p.city, cap.build_type).values())
    plans = [m * cap.plan_every_months for m in range(int(p.run.horizon_months // cap.plan_every_months) + 1)]
    last = max(t for t in plans if t + cap.build_lead_months < p.run.horizon_months)
    return unit * 1000.0 / pop, pop, last


@pytest.mark.parametrize("seed", CAPACITY_SEEDS)
def test_capacity_programme_reaches_its_target_within_one_build_when_nothing_closes(seed):
    s = observe("capacity_6_no_closures", seed).summary
    unit, _, _ = _programme("capacity_6_no_closures")
    assert s["institutions_closed"] == 0
    assert abs(s["places_per_1000_end"] - 6.0) <= unit


@pytest.mark.parametrize("seed", CAPACITY_SEEDS)
def test_capacity_programme_misses_its_target_only_by_closures_it_could_not_answer(seed):
    # With provider economics, private providers go on closing after the last plan whose
    # builds can open before the horizon (12 months' lead). The programme anticipates
    # closures at the past year's rate; what it cannot answer is bounded by the places that
    # closed after that plan. It does not overshoot by more than 5%.
    obs = observe("capacity_6", seed)
    s = obs.summary
    unit, pop, last = _programme("capacity_6")
    late = sum(p for t, p in obs.closed_log if t > last) * 1000.0 / pop
    assert s["places_per_1000_end"] >= 6.0 - late - unit
    assert s["places_per_1000_end"] <= 6.0 * 1.05
    assert s["public_cost_construction"] > 0
    assert s["institutions_opened"] > 0


# -- falling births ------------------------------------------------------------------------------
@pytest.mark.parametrize("seeds", SEED_SETS)
def test_falling_births_lower_occupancy(seeds):
    assert_higher("occupancy", "baseline", "births_falling", seeds)


@pytest.mark.slow
def test_falling_births_close_more_providers_within_six_years():
    # The first year's closures (unviable providers) are the same on both paths; the
    # decline adds closures only once fewer children reach care age (from the fifth year).
    seeds = (1, 2, 3)
    assert_higher("institutions_closed", "births_falling_72", "baseline_72", seeds)
    assert_higher("occupancy", "baseline_72", "births_falling_72", seeds)


@pytest.mark.parametrize("seed", FAST_SEEDS)
def test_every_displaced_child_is_replaced_or_ends_waiting_or_gone(seed):
    obs = observe("births_falling", seed)
    s = obs.summary
    assert s["unaccounted"] == 0
    assert s["displaced"] > 0
    assert obs.displacements == s["displaced"]
    not_replaced = sum(obs.still_displaced.values())
    assert s["displaced_replaced"] + not_replaced == s["displaced"]
    assert set(obs.still_displaced) <= {"waiting", "reneged", "left_early"}


# -- the budget -----------------------------------------------------------------------------------
def test_a_small_budget_is_respected_to_the_yuan_every_year():
    obs = observe("small_budget", FAST_SEEDS[0])
    budget = obs.budget
    assert budget == 5e7
    assert obs.summary["budget_refused"] > 0
    assert obs.refused_years, "a budget below the subsidy's cost must refuse something"
    assert set(obs.spent_by_year) == {2024, 2025, 2026, 2027}
    for year, spent in obs.spent_by_year.items():
        assert spent <= budget + 0.01, (year, spent)
        if year in obs.refused_years:
            assert spent == pytest.approx(budget, abs=0.5), (year, spent)
    assert obs.summary["public_cost_family_subsidy"] <= 4 * budget + 0.01


def test_an_exhausted_budget_cuts_take_up_compared_with_an_unlimited_one():
    capped = observe("small_budget", FAST_SEEDS[0]).summary
    full = observe("family_subsidy", FAST_SEEDS[0]).summary
    base = observe("baseline", FAST_SEEDS[0]).summary
    assert full["priced_out"] < capped["priced_out"] < base["priced_out"]


def test_construction_commitments_are_booked_in_the_budget_year_that_paid_them():
    obs = observe("budget_and_capacity", FAST_SEEDS[0])
    assert obs.summary["public_cost_construction"] > 0
    assert obs.commitments, "the programme must commit to some building"
    assert {obs.start_year + int(t // 12) for t, _ in obs.commitments} > {obs.start_year}, \
        "commitments in several years are needed to tell the years apart"
    assert obs.spent_by_year.keys() == obs.booked_by_year.keys()
    for year, spent in obs.spent_by_year.items():
        assert spent == pytest.approx(obs.booked_by_year[year], rel=1e-12, abs=1e-6), year
    assert min(obs.spent_by_year) >= obs.start_year
    assert all(spent <= obs.budget + 0.01 for spent in obs.spent_by_year.values())


# -- accounts ---------------------------------------------------------------------------------------
ACCOUNTED = ["baseline", "family_subsidy", "voucher", "operating_subsidy", "fee_cap_10",
             "births_falling", "small_budget", "capacity_6"]


@pytest.mark.parametrize("scenario", ACCOUNTED)
def test_every_providers_cash_changes_by_revenue_minus_cost(scenario):
    obs = observe(scenario, FAST_SEEDS[0])
    assert obs.account_errors == []
    assert obs.statement_errors == []


@pytest.mark.parametrize("scenario", ACCOUNTED)
def test_public_providers_deficits_are_covered_every_month(scenario):
    obs = observe(scenario, FAST_SEEDS[0])
    assert obs.public_cash_falls == 0
    assert obs.public_transfers == pytest.approx(obs.summary["public_cost_public_providers"], rel=1e-9)


@pytest.mark.parametrize("scenario", ACCOUNTED)
def test_public_cost_adds_up_from_its_parts_statements_and_monthly_rows(scenario):
    obs = observe(scenario, FAST_SEEDS[0])
    s = obs.summary
    parts = ("family_subsidy", "voucher", "operating", "construction", "public_providers", "hub", "purchase")
    assert s["public_cost_total"] == pytest.approx(sum(s[f"public_cost_{p}"] for p in parts), rel=1e-12)
    assert sum(obs.vouchers_by_affordable.values()) == pytest.approx(s["public_cost_voucher"], rel=1e-9,
                                                                     abs=1e-6)
    # a statement's per-place subsidy carries a purchase contract too (Government.provider_terms)
    paid = s["public_cost_operating"] + s["public_cost_purchase"]
    assert obs.operating_paid == pytest.approx(paid, rel=1e-9, abs=1e-6)
    assert obs.timeseries_public_cost == pytest.approx(s["public_cost_total"], rel=1e-9)
