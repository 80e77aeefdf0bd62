"""The distribution language (sim.params.distributions): validation, means, bounds, draws.

Every kind is checked both ways the model samples it: one value at a time through a stream
(:meth:`Distribution.sampler`) and vectorised (:meth:`Distribution.draw`). Sample means are
checked against the analytic mean with a tolerance of five standard errors (sd / sqrt(n));
with a fixed seed the test is deterministic, and a correct sampler would fail it with
probability below 1e-6 for a fresh seed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.model.rng import Stream
from sim.params.distributions import KINDS, DistributionError, from_spec
from sim.params.schema import DistSpec as Dist

N = 20_000
Z = 5.0
HOW = ("sampler", "draw")


@pytest.fixture(params=HOW)
def how(request) -> str:
    return request.param


def draws(d: Dist, n: int = N, name: str = "test", how: str = "sampler") -> np.ndarray:
    dist = from_spec(d)
    if how == "draw":
        return dist.draw(np.random.default_rng(12345), n)
    draw = dist.sampler(Stream(12345, 0, name))
    return np.array([draw() for _ in range(n)])


def check_dist(d: Dist) -> str | None:
    try:
        from_spec(d)
    except DistributionError as exc:
        return str(exc)
    return None


def assert_mean_close(x: np.ndarray, mean: float, sd: float) -> None:
    tol = Z * sd / math.sqrt(len(x))
    assert abs(x.mean() - mean) <= tol, f"sample mean {x.mean():.4f} vs {mean:.4f} (tolerance {tol:.4f})"


# -- check_dist -------------------------------------------------------------------------------
VALID = [
    Dist("fixed", value=36.0),
    Dist("fixed", value=0.0),
    Dist("exponential", mean=12.0),
    Dist("lognormal", median=18.0, sigma=0.3),
    Dist("uniform", low=6.0, high=30.0),
    Dist("uniform", low=5.0, high=5.0),
    Dist("normal", mean=22.0, sd=6.0, low=6.0, high=33.0),
    Dist("normal", mean=22.0, sd=6.0),
    Dist("gamma", mean=3.0, cv=0.5),
    Dist("never"),
]


@pytest.mark.parametrize("d", VALID, ids=lambda d: d.dist)
def test_check_dist_accepts_every_documented_form(d):
    assert check_dist(d) is None


def test_check_dist_names_the_unknown_kind_and_lists_the_choices():
    why = check_dist(Dist("weibull", mean=1.0))
    assert why is not None and "weibull" in why
    assert all(k in why for k in KINDS)


@pytest.mark.parametrize("d, field", [
    (Dist("fixed"), "value"),
    (Dist("exponential"), "mean"),
    (Dist("lognormal", median=1.0), "sigma"),
    (Dist("uniform", low=1.0), "high"),
    (Dist("normal", sd=1.0), "mean"),
    (Dist("gamma", mean=1.0), "cv"),
])
def test_check_dist_names_a_missing_parameter(d, field):
    why = check_dist(d)
    assert why is not None and f"'{field}'" in why and "needs" in why


@pytest.mark.parametrize("d, field", [
    (Dist("exponential", mean=0.0), "mean"),
    (Dist("exponential", mean=-1.0), "mean"),
    (Dist("lognormal", median=0.0, sigma=1.0), "median"),
    (Dist("lognormal", median=1.0, sigma=0.0), "sigma"),
    (Dist("normal", mean=1.0, sd=0.0), "sd"),
    (Dist("normal", mean=0.0, sd=1.0), "mean"),
    (Dist("gamma", mean=1.0, cv=-0.5), "cv"),
])
def test_check_dist_rejects_non_positive_scale_parameters(d, field):
    why = check_dist(d)
    assert why is not None and f"'{field}'" in why and "> 0" in why


@pytest.mark.parametrize("v", [math.inf, -math.inf, math.nan])
def test_check_dist_rejects_non_finite_parameters(v):
    why = check_dist(Dist("exponential", mean=v))
    assert why is not None and "finite" in why


def test_check_dist_rejects_a_negative_fixed_value():
    assert "'value'" in (check_dist(Dist("fixed", value=-1.0)) or "")


@pytest.mark.parametrize("low, high", [(-1.0, 5.0), (5.0, 4.0)])
def test_check_dist_rejects_uniform_bounds_out_of_order_or_negative(low, high):
    assert "low" in (check_dist(Dist("uniform", low=low, high=high)) or "")


# -- expected --------------------------------------------------------------------------------
def test_expected_gives_the_analytic_mean_of_each_kind():
    assert from_spec(Dist("fixed", value=7.0)).mean() == 7.0
    assert from_spec(Dist("exponential", mean=12.0)).mean() == 12.0
    assert from_spec(Dist("uniform", low=6.0, high=30.0)).mean() == 18.0
    assert from_spec(Dist("gamma", mean=3.0, cv=0.5)).mean() == 3.0
    lognormal = from_spec(Dist("lognormal", median=18.0, sigma=0.3))
    assert lognormal.mean() == pytest.approx(18.0 * math.exp(0.045))
    assert from_spec(Dist("never")).mean() == math.inf


# -- sampler ---------------------------------------------------------------------------------
def test_fixed_sampler_always_returns_its_value(how):
    assert set(draws(Dist("fixed", value=36.0), 100, how=how)) == {36.0}


def test_never_sampler_returns_infinity(how):
    assert set(draws(Dist("never"), 10, how=how)) == {math.inf}


def test_exponential_sampler_has_the_configured_mean_and_is_positive(how):
    x = draws(Dist("exponential", mean=12.0), how=how)
    assert (x > 0).all()
    assert_mean_close(x, 12.0, 12.0)


def test_uniform_sampler_has_the_configured_mean_and_stays_in_bounds(how):
    x = draws(Dist("uniform", low=6.0, high=30.0), how=how)
    assert x.min() >= 6.0 and x.max() <= 30.0
    assert_mean_close(x, 18.0, 24.0 / math.sqrt(12.0))


def test_lognormal_sampler_has_the_configured_mean_and_median(how):
    d = Dist("lognormal", median=18.0, sigma=0.3)
    x = draws(d, how=how)
    mean = from_spec(d).mean()
    sd = mean * math.sqrt(math.exp(0.3**2) - 1.0)
    assert_mean_close(x, mean, sd)
    # the share below the median is 1/2 (binomial standard error)
    share = (x < 18.0).mean()
    assert abs(share - 0.5) <= Z * math.sqrt(0.25 / N)


def test_gamma_sampler_has_the_configured_mean_and_cv(how):
    x = draws(Dist("gamma", mean=3.0, cv=0.5), how=how)
    assert_mean_close(x, 3.0, 1.5)
    # sample variance of a gamma: se of s^2 is about sd^2 * sqrt((kurtosis + 2) / n)
    shape = 4.0
    se_var = 1.5**2 * math.sqrt((6.0 / shape + 2.0) / N)
    assert abs(x.var(ddof=1) - 1.5**2) <= Z * se_var


def test_normal_sampler_far_from_its_bounds_has_the_configured_mean(how):
    x = draws(Dist("normal", mean=20.0, sd=4.0), how=how)
    assert_mean_close(x, 20.0, 4.0)


def test_normal_sampler_clips_draws_to_its_bounds(how):
    d = Dist("normal", mean=22.0, sd=6.0, low=6.0, high=33.0)
    x = draws(d, how=how)
    assert x.min() >= 6.0 and x.max() <= 33.0
    # clipping (not resampling): the mass beyond a bound sits on the bound
    p_high = stats.norm.sf(33.0, 22.0, 6.0)
    share = (x == 33.0).mean()
    assert abs(share - p_high) <= Z * math.sqrt(p_high * (1 - p_high) / N)


def test_normal_sampler_without_lower_bound_never_returns_a_negative_duration(how):
    x = draws(Dist("normal", mean=1.0, sd=5.0), how=how)
    assert x.min() >= 0.0


def test_sampler_is_reproducible_for_the_same_stream(how):
    d = Dist("gamma", mean=3.0, cv=0.5)
    assert (draws(d, 500, how=how) == draws(d, 500, how=how)).all()


def test_bounds_give_the_support_each_kind_can_draw_from():
    assert from_spec(Dist("fixed", value=5.0)).bounds() == (5.0, 5.0)
    assert from_spec(Dist("uniform", low=1.0, high=4.0)).bounds() == (1.0, 4.0)
    assert from_spec(Dist("normal", mean=3.0, sd=1.0, high=9.0)).bounds() == (0.0, 9.0)
    assert from_spec(Dist("exponential", mean=3.0)).bounds() == (0.0, math.inf)
    assert from_spec(Dist("never")).bounds() == (math.inf, math.inf)


@pytest.mark.parametrize("d", [Dist("uniform", low=2.0, high=3.0), Dist("normal", mean=5.0, sd=9.0, low=1.0,
                                                                         high=6.0)], ids=str)
def test_every_draw_lies_within_the_bounds(d, how):
    lo, hi = from_spec(d).bounds()
    x = draws(d, 5000, how=how)
    assert x.min() >= lo and x.max() <= hi
