"""The analytic helpers reproduce textbook values and agree with independent derivations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tests.analytic.theory import (
    batch_means_se,
    birth_death_stationary,
    erlang_b,
    erlang_c,
    mmc,
    mmc_abandonment,
    mmcc,
    replication_check,
)


def _erlang_b_by_definition(c: int, a: float) -> float:
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


@pytest.mark.parametrize(("c", "a", "value"), [
    (1, 1.0, 0.5),                 # one line, one erlang: a / (1 + a)
    (2, 1.0, 0.2),
    (5, 3.0, 0.11005),             # Erlang B table, 5 lines at 3 erlangs
    (10, 5.0, 0.01838),            # 10 lines at 5 erlangs
])
def test_erlang_b_matches_table_values(c, a, value):
    assert erlang_b(c, a) == pytest.approx(value, abs=5e-6)
    assert erlang_b(c, a) == pytest.approx(_erlang_b_by_definition(c, a), rel=1e-12)


@pytest.mark.parametrize(("a", "grade"), [(37.9, 0.01), (40.3, 0.02)])
def test_erlang_b_matches_fifty_line_table(a, grade):
    # Table: 50 lines carry 37.9 erlangs at 1% blocking and 40.3 at 2% (load to 3 digits).
    assert erlang_b(50, a) == pytest.approx(grade, rel=0.03)


def test_erlang_b_is_stable_for_large_systems():
    assert 0.0 < erlang_b(2000, 1900.0) < erlang_b(2000, 2000.0) < 1.0


@pytest.mark.parametrize(("c", "a", "value"), [
    (1, 0.5, 0.5),                 # M/M/1: P(wait) = rho
    (1, 0.9, 0.9),
    (2, 1.0, 1.0 / 3.0),           # M/M/2: 2 rho^2 / (1 + rho) at rho = 1/2
    (10, 8.0, 0.40918),            # call-centre table: 10 agents, 8 erlangs
])
def test_erlang_c_matches_textbook_values(c, a, value):
    assert erlang_c(c, a) == pytest.approx(value, abs=5e-6)


def test_erlang_c_rejects_an_unstable_queue():
    with pytest.raises(ValueError):
        erlang_c(3, 3.0)


def test_mmc_kpis_follow_the_textbook_formulas():
    t = mmc(1, 0.5, 1.0)           # M/M/1, rho = 1/2
    assert t.mean_queue == pytest.approx(0.5)          # rho^2 / (1 - rho)
    assert t.mean_wait == pytest.approx(1.0)           # rho / (mu - lambda)
    assert t.mean_time_in_queue == pytest.approx(2.0)  # 1 / (mu - lambda), given a wait
    t = mmc(10, 9.0, 1.0)
    assert t.mean_queue == pytest.approx(t.p_wait * 0.9 / 0.1)  # C rho / (1 - rho)
    assert t.mean_queue == pytest.approx(9.0 * t.mean_wait)     # Little
    assert mmcc(10, 9.0, 1.0).mean_busy == pytest.approx(9.0 * (1 - erlang_b(10, 9.0)))


def test_birth_death_solver_matches_dense_generator_solution():
    lam, death = 2.0, [0.0, 1.0, 2.0, 2.5, 3.0, 3.5, 4.0]
    n = len(death)
    q = np.zeros((n, n))
    for k in range(n):
        if k + 1 < n:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = death[k]
        q[k, k] = -q[k].sum()
    a = np.vstack((q.T, np.ones(n)))
    b = np.concatenate((np.zeros(n), [1.0]))
    dense = np.linalg.lstsq(a, b, rcond=None)[0]
    assert birth_death_stationary(lam, death) == pytest.approx(dense, abs=1e-12)


@pytest.mark.parametrize(("c", "lam", "mu", "theta"), [(1, 0.95, 1.0, 0.2), (5, 6.0, 1.0, 0.5),
                                                       (50, 55.0, 1.0, 1.0)])
def test_abandonment_kpis_agree_with_flow_balance(c, lam, mu, theta):
    t = mmc_abandonment(c, lam, mu, theta)
    # Two derivations of P(renege): per arrival along its path vs rate balance theta Lq / lam.
    assert t.p_reneged == pytest.approx(theta * t.mean_queue / lam, rel=1e-9)
    # Little's law on the waitlist and on the places.
    assert t.mean_time_in_queue * lam * t.p_wait == pytest.approx(t.mean_queue, rel=1e-9)
    assert t.mean_busy == pytest.approx(lam * (1 - t.p_reneged) / mu, rel=1e-9)
    assert 0 < t.mean_wait < t.mean_time_in_queue


def test_abandonment_with_patience_equal_to_stay_is_the_infinite_server_queue():
    # theta = mu makes the death rate n mu in every state: Poisson(a) people in the system.
    a = 3.0
    t = mmc_abandonment(1, a, 1.0, 1.0)
    assert t.p_wait == pytest.approx(1 - math.exp(-a), rel=1e-12)
    assert t.mean_queue == pytest.approx(a - 1 + math.exp(-a), rel=1e-12)
    t5 = mmc_abandonment(5, a, 1.0, 1.0)
    assert t5.p_wait == pytest.approx(stats.poisson.sf(4, a), rel=1e-10)


def test_abandonment_with_vanishing_patience_rate_tends_to_erlang_c():
    t, ref = mmc_abandonment(10, 9.0, 1.0, 1e-9), mmc(10, 9.0, 1.0)
    assert t.p_wait == pytest.approx(ref.p_wait, rel=1e-6)
    assert t.mean_wait == pytest.approx(ref.mean_wait, rel=1e-6)
    assert t.mean_queue == pytest.approx(ref.mean_queue, rel=1e-6)


def test_replication_check_uses_the_student_t_interval():
    e = replication_check([1.0, 2.0, 3.0, 4.0], confidence=0.95)
    assert e.mean == 2.5
    assert e.se == pytest.approx(math.sqrt(5 / 3) / 2)
    assert e.half_width == pytest.approx(3.182446 * e.se, rel=1e-6)
    assert e.covers(2.5 + 0.99 * e.half_width) and not e.covers(2.5 + 1.01 * e.half_width)


def test_batch_means_of_a_step_function():
    times = np.array([0.0, 1.0, 2.0, 3.0])
    levels = np.array([1.0, 3.0, 1.0, 3.0])
    mean, se = batch_means_se(times, levels, 0.0, 4.0, batches=2)
    assert mean == pytest.approx(2.0) and se == pytest.approx(0.0, abs=1e-12)
    mean, se = batch_means_se(times, levels, 0.0, 4.0, batches=4)
    assert mean == pytest.approx(2.0) and se == pytest.approx(math.sqrt(4 / 3) / 2)  # sd(1,3,1,3) / 2
