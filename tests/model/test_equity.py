"""Who gains (issue 15): income groups, the concentration index, and outcomes by group.

The rules are checked on hand-made cases (the quantiles of a known income distribution, the
concentration index of outcomes whose index is known), the model by the mechanism each group
KPI rests on: groups split the city's totals exactly, and incomes matter for enrollment only
through the price (with the price response off and need independent of income, enrollment
is the same in every quintile).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from sim.config.load import load
from sim.experiment.stats import mean_ci95
from sim.model import World
from sim.model.equity import (
    INCOME_GROUPS,
    QUINTILE_OF,
    GroupTally,
    concentration_index,
    income_cuts,
    income_group,
    quintile_of,
)
from sim.model.summary import EQUITY_KPIS

# -- income groups -------------------------------------------------------------------------


def test_the_cuts_of_one_lognormal_are_its_quantiles():
    cuts = income_cuts([10_000.0], [0.5], [1.0], groups=5)
    expect = [10_000.0 * math.exp(0.5 * NormalDist().inv_cdf(k / 5)) for k in range(1, 5)]
    assert cuts == pytest.approx(expect, rel=1e-8)


def test_the_cuts_of_a_mixture_split_it_into_equal_shares():
    meds, sigmas, w = [6_000.0, 15_000.0, 25_000.0], [0.6, 0.45, 0.5], [5.0, 3.0, 2.0]
    cuts = income_cuts(meds, sigmas, w, groups=INCOME_GROUPS)
    share = np.array(w) / sum(w)
    for k, x in enumerate(cuts, start=1):
        cdf = sum(s * NormalDist(math.log(m), sd).cdf(math.log(x))
                  for m, sd, s in zip(meds, sigmas, share, strict=True))
        assert cdf == pytest.approx(k / INCOME_GROUPS, abs=1e-8)
    assert cuts == sorted(cuts)


def test_the_cuts_put_a_fifth_of_a_large_sample_in_each_quintile():
    rng = np.random.default_rng(3)
    meds, sigmas, w = [6_000.0, 18_000.0], [0.6, 0.45], [3.0, 1.0]
    n = 400_000
    comp = rng.random(n) < 0.75
    x = np.where(comp, meds[0] * np.exp(sigmas[0] * rng.standard_normal(n)),
                 meds[1] * np.exp(sigmas[1] * rng.standard_normal(n)))
    q = income_group(x, income_cuts(meds, sigmas, w, groups=5))
    share = np.bincount(q, minlength=5) / n
    assert np.abs(share - 0.2).max() < 5 * math.sqrt(0.2 * 0.8 / n)


def test_an_income_on_a_cut_belongs_to_the_richer_group():
    cuts = [100.0, 200.0]
    assert income_group(np.array([99.9, 100.0, 150.0, 200.0, 1e9]), cuts).tolist() == [0, 1, 1, 2, 2]


# -- the concentration index -----------------------------------------------------------------


def test_an_outcome_equal_everywhere_has_index_zero():
    assert concentration_index([1, 1, 1, 1, 1], [0.3] * 5) == pytest.approx(0.0, abs=1e-15)


def test_the_index_of_one_to_four_by_hand():
    # ranks 1/8, 3/8, 5/8, 7/8; mean 2.5; cov(h, r) = 50/32 - 1.25 = 0.3125; 2 * 0.3125 / 2.5
    assert concentration_index([1, 1, 1, 1], [1, 2, 3, 4]) == pytest.approx(0.25)


@pytest.mark.parametrize("n", [2, 5, 20])
def test_all_of_the_outcome_in_the_richest_or_the_poorest_gives_plus_or_minus_one_minus_one_over_n(n):
    top = [0.0] * (n - 1) + [1.0]
    assert concentration_index([1] * n, top) == pytest.approx((n - 1) / n)
    assert concentration_index([1] * n, top[::-1]) == pytest.approx(-(n - 1) / n)


def test_splitting_a_group_into_people_with_its_value_keeps_the_index():
    weights, values = [2.0, 1.0, 3.0], [0.05, 0.10, 0.20]
    people_w = [1.0] * 6
    people_v = [0.05, 0.05, 0.10, 0.20, 0.20, 0.20]
    assert concentration_index(weights, values) == pytest.approx(concentration_index(people_w, people_v))


def test_the_index_reads_groups_poorest_first_and_weighs_them():
    # a bigger poor group with a lower rate: more weight at the bottom, so a larger index
    # than with equal weights
    assert concentration_index([1, 1], [0.1, 0.3]) < concentration_index([3, 1], [0.1, 0.3])
    assert concentration_index([1, 1], [0.3, 0.1]) == pytest.approx(-concentration_index([1, 1], [0.1, 0.3]))


def test_merging_twentieths_into_quintiles_adds_their_tallies():
    t = GroupTally(INCOME_GROUPS)
    for g in range(INCOME_GROUPS):
        t.care[g], t.child_area[g], t.applied[g], t.priced[g] = g, 10.0, 2, g % 3
    q = t.merged(QUINTILE_OF, 5)
    assert q.care == [6, 22, 38, 54, 70] and q.child_area == [40.0] * 5
    assert q.kpis(0)["enrollment_rate"] == pytest.approx(6 / 40)
    assert q.kpis(4)["priced_out_share"] == pytest.approx((1 + 2 + 0 + 1) / (8 + 4))


def test_each_quintile_is_four_twentieths():
    assert [quintile_of(g) for g in range(INCOME_GROUPS)] == [q for q in range(5) for _ in range(4)]
    assert QUINTILE_OF == [quintile_of(g) for g in range(INCOME_GROUPS)]


def test_a_district_of_equal_incomes_is_a_point_mass_that_holds_every_quantile_it_spans():
    """A district with ``income_sigma: 0`` (every family earns its median) beside a spread one,
    half the births each: the quantiles up to a half sit on the point mass (the smallest
    income with that share at or below it), the others are the spread district's own."""
    cuts = income_cuts([5_000.0, 20_000.0], [0.0, 0.5], [1.0, 1.0], groups=5)
    below = 0.5 * NormalDist(math.log(20_000.0), 0.5).cdf(math.log(5_000.0))  # the spread one under 5,000
    upper = [20_000.0 * math.exp(0.5 * NormalDist().inv_cdf((q - 0.5) / 0.5)) for q in (0.6, 0.8)]
    assert cuts == pytest.approx([5_000.0, 5_000.0, *upper], rel=1e-8)
    assert below < 0.01  # so the first two quantiles are on the mass, not below it
    assert income_cuts([7_000.0], [0.0], [1.0], groups=4) == pytest.approx([7_000.0] * 3, rel=1e-8)


def test_the_cuts_of_a_lognormal_of_sigma_one_are_its_quantiles():
    cuts = income_cuts([10_000.0], [1.0], [1.0], groups=4)
    assert cuts == pytest.approx([10_000.0 * math.exp(NormalDist().inv_cdf(k / 4)) for k in (1, 2, 3)],
                                 rel=1e-8)


def test_weights_are_shares_whatever_their_scale_and_none_means_equal():
    meds, sigmas = [6_000.0, 18_000.0], [0.6, 0.45]
    assert income_cuts(meds, sigmas, [0.25, 0.75]) == pytest.approx(income_cuts(meds, sigmas, [1.0, 3.0]),
                                                                    rel=1e-12)
    assert income_cuts(meds, sigmas, [0.0, 0.0]) == pytest.approx(income_cuts(meds, sigmas, [1.0, 1.0]),
                                                                  rel=1e-12)


def test_cuts_refuse_districts_whose_lists_differ_in_length():
    with pytest.raises(ValueError):
        income_cuts([6_000.0, 18_000.0], [0.6], [1.0, 1.0])


@pytest.mark.parametrize("weights, values, index", [
    ([0, 0, 0], [0.1, 0.2, 0.3], 0.0),  # no one: 0, not a division by zero
    ([1, 1, 1], [0.0, 0.0, 0.0], 0.0),  # no outcome anywhere
    ([0.25] * 4, [1, 2, 3, 4], 0.25),  # shares summing to one, as counts
    ([1, 1], [0.5, 1.5], 0.25),  # mean outcome exactly 1: ranks 1/4, 3/4; 2 * (0.0625 + 0.5625) - 1
])
def test_the_index_at_its_edges(weights, values, index):
    assert concentration_index(weights, values) == pytest.approx(index, abs=1e-15)


def test_a_tally_adds_care_burden_and_fees_and_reads_its_kpis():
    """Every KPI of a group is a ratio of its tallies; a group with nothing to divide by reads 0."""
    t = GroupTally(2)
    t.add_care(0, 0.2, 0.03, 300.0)
    t.add_care(0, 0.05, 0.02, 100.0)
    t.add_wait(0, 1.0)
    t.add_wait(0, 2.0)
    t.child_area[0] = 0.5
    t.applied[0], t.priced[0] = 1, 3
    assert (t.care, t.burden, t.net_fee) == ([pytest.approx(0.25), 0.0], [pytest.approx(0.05), 0.0],
                                             [400.0, 0.0])
    assert t.kpis(0) == {"enrollment_rate": pytest.approx(0.5), "priced_out_share": 0.75,
                         "family_cost_share": pytest.approx(0.2), "mean_wait_months": 1.5}
    assert t.kpis(1) == {"enrollment_rate": 0.0, "priced_out_share": 0.0, "family_cost_share": 0.0,
                         "mean_wait_months": 0.0}


# -- the model: groups split the city's totals, and incomes act through the price -------------
SMALL = ["run.progress=false", "run.horizon_months=36", "run.burnin_months=36", "city.scale=0.5"]


@pytest.fixture(scope="module")
def demo_run():
    w = World(load(SMALL), 7, 0)
    return w, w.run()


def test_the_groups_add_up_to_the_city(demo_run):
    w, res = demo_run
    rec, s = w.recorder, res.summary
    for tally in (rec.by_income, rec.by_district):  # care months from spells; enrollment from places
        assert sum(tally.care) / sum(tally.child_area) == pytest.approx(s["enrollment_rate"], rel=1e-9)
        assert sum(tally.wait_sum) / sum(tally.wait_n) == pytest.approx(s["mean_wait_months"], rel=1e-9)
    # the city's burden is the districts' sum, so only the income groups' can disagree with it
    by_income = rec.by_income
    assert sum(by_income.burden) / sum(by_income.care) == pytest.approx(s["family_cost_share"], rel=1e-9)
    # every counted arrival applied after warm-up, and every priced-out family is in one group
    assert sum(rec.by_income.applied) == sum(rec.by_district.applied) == s["arrivals"]
    assert sum(rec.by_income.wait_n) == sum(rec.by_district.wait_n) == rec.waits.n
    assert sum(rec.by_income.priced) == sum(rec.by_district.priced) > 0


def test_each_quintile_holds_about_a_fifth_of_the_children(demo_run):
    w, res = demo_run
    shares = [r[3] for r in res.by_group if r[0] == "income_quintile" and r[2] == "children_share"]
    assert len(shares) == 5 and sum(shares) == pytest.approx(1.0)
    # children born are ~ Poisson; months under 3 vary per child: 0.02 is several sd
    assert max(abs(x - 0.2) for x in shares) < 0.02, shares


def test_by_group_rows_name_every_group_once_per_kpi(demo_run):
    w, res = demo_run
    rows = res.by_group
    keys = [(k, g, kpi) for k, g, kpi, _ in rows]
    assert len(keys) == len(set(keys))
    districts = {g for k, g, _, _ in rows if k == "district"}
    assert districts == {d.spec.name for d in w.districts}
    assert {g for k, g, _, _ in rows if k == "stratum"} == {"urban"}
    by = {(k, g, kpi): v for k, g, kpi, v in rows}
    for kpi in EQUITY_KPIS:
        assert by[("stratum", "urban", kpi)] == pytest.approx(res.summary[kpi], rel=1e-9)
    for q in range(1, 6):
        for kpi in EQUITY_KPIS:
            assert by[("income_quintile", f"q{q}", kpi)] == res.summary[f"{kpi}_q{q}"]


def test_district_access_rows_weigh_up_to_the_city_access(demo_run):
    w, res = demo_run
    acc = w.access
    shares = {g: v for k, g, kpi, v in res.by_group if k == "district" and kpi == "access_affordable_share"}
    assert set(shares) == {d.spec.name for d in w.districts}
    weights = {d.spec.name: acc.children_by_district[d.idx] for d in w.districts}
    city = sum(shares[g] * weights[g] for g in shares) / sum(weights.values())
    assert city == pytest.approx(res.summary["access_affordable_share"], rel=1e-12)
    assert 0 < min(shares.values()) < max(shares.values()) <= 1  # the districts differ


def test_rural_districts_form_their_own_stratum():
    rural = [1, 2, 3]  # the county preset's townships
    p = load(["city=county", "run.progress=false", "run.horizon_months=24", "run.burnin_months=24"])
    assert [d.stratum for d in p.city.districts] == ["urban", "rural", "rural", "rural"]
    w = World(p, 3, 0)
    res = w.run()
    by = {(k, g, kpi): v for k, g, kpi, v in res.by_group}
    rec = w.recorder.by_district
    expect = sum(rec.care[i] for i in rural) / sum(rec.child_area[i] for i in rural)
    assert by[("stratum", "rural", "enrollment_rate")] == pytest.approx(expect)
    assert by[("stratum", "urban", "enrollment_rate")] == pytest.approx(rec.care[0] / rec.child_area[0])
    assert by[("stratum", "rural", "children_share")] + by[("stratum", "urban", "children_share")] == \
        pytest.approx(1.0)


def _concentration(overrides, reps=4):
    p = load(SMALL + overrides)
    runs = [World(p, 11, r).run().summary for r in range(reps)]
    return runs


def test_enrollment_favours_the_rich_through_the_price_and_not_otherwise():
    """With take-up falling with the fee burden, the poorest fifth is priced out more and enrols
    less (index > 0); with the price response off and need independent of income, the index is
    zero within its confidence interval."""
    priced = _concentration([])
    ci = [s["enrollment_concentration_index"] for s in priced]
    m, h = mean_ci95(ci)
    assert m - h > 0.05, (m, h)
    assert min(s["priced_out_share_q1"] - s["priced_out_share_q5"] for s in priced) > 0
    flat = _concentration(["families.price_response.enabled=false", "families.need.override=0.5"])
    ci = [s["enrollment_concentration_index"] for s in flat]
    m, h = mean_ci95(ci)
    assert abs(m) < h + 0.01, (m, h)
    assert all(s["priced_out_share"] == 0 for s in flat)
