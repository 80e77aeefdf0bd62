"""Ranking shares of a robustness run (sim.analysis.robustness) on constructed inputs."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from sim.analysis.robustness import (
    RobustnessError,
    Verdict,
    lower_is_better,
    pair_row,
    reading,
    verdict,
    wilson,
)


def test_wilson_interval_matches_the_textbook_example_and_stays_inside_0_1() -> None:
    # Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662; 0/10 -> 0 to 0.2775
    lo, hi = wilson(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)
    lo, hi = wilson(0, 10)
    assert lo == 0 and round(hi, 4) == 0.2775
    lo, hi = wilson(10, 10)
    assert round(lo, 4) == 0.7225 and hi == 1
    assert all(math.isnan(v) for v in wilson(0, 0))


def test_wilson_interval_covers_the_true_share_about_95_percent_of_the_time() -> None:
    n, p = 30, 0.8
    cover = sum(stats.binom.pmf(k, n, p) for k in range(n + 1) if wilson(k, n)[0] <= p <= wilson(k, n)[1])
    assert 0.93 < cover < 0.98


def test_a_paired_difference_within_its_replication_ci_is_a_tie_and_beyond_it_a_ranking() -> None:
    # waitlists: lower is better; a - b = -10, -12, -11: a better beyond the noise
    assert verdict([90, 88, 89], [100, 100, 100], lower=True).outcome == "a"
    assert verdict([90, 88, 89], [100, 100, 100], lower=False).outcome == "b"  # enrollment: higher is better
    assert verdict([90, 110, 95], [100, 100, 100], lower=True).outcome == "tie"  # -10, +10, -5
    v = verdict([1.0, 2.0, 3.0], [0.0, 2.0, 2.0], lower=True)  # differences 1, 0, 1
    t = stats.t.ppf(0.975, 2) * stats.tstd([1, 0, 1]) / math.sqrt(3)
    assert v.diff == pytest.approx(2 / 3) and v.half_width == pytest.approx(t)


def test_shares_count_holds_flips_and_ties_and_orient_the_pair_by_the_default_leader() -> None:
    # b leads at the default (diff > 0 means a is worse): the row is written with b as scenario_a
    default = Verdict(5.0, 1.0)
    points = [Verdict(3, 1)] * 6 + [Verdict(-3, 1)] * 2 + [Verdict(0.5, 1)] * 2
    row = pair_row("mean_waitlist", "x", "y", default, points)
    assert (row["scenario_a"], row["scenario_b"], row["default_ranking"]) == ("y", "x", "a better")
    assert (row["share_holds"], row["share_flipped"], row["share_tied"], row["points"]) == (0.6, 0.2, 0.2, 10)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(6, 10))


def test_a_default_within_the_noise_is_reported_as_a_tie() -> None:
    row = pair_row("mean_waitlist", "x", "y", Verdict(-0.5, 1.0), [Verdict(-2, 1)])
    assert (row["scenario_a"], row["default_ranking"], row["share_holds"]) == ("x", "tie", 1.0)


def test_directions_come_from_the_kpi_table_and_cost_and_closures_are_lower_is_better() -> None:
    assert lower_is_better("mean_waitlist") and lower_is_better("family_cost_share")
    assert not lower_is_better("enrollment_rate")
    assert lower_is_better("public_cost_total") and lower_is_better("institutions_closed")
    with pytest.raises(RobustnessError, match="occupancy"):
        lower_is_better("occupancy")


def test_a_row_reads_fragile_before_robust_before_noise() -> None:
    row = {"share_holds": 0.9, "share_flipped": 0.1, "share_tied": 0.0}
    assert reading(row) == "fragile"
    assert reading({**row, "share_flipped": 0.05}) == "robust"
    assert reading({"share_holds": 0.3, "share_flipped": 0.0, "share_tied": 0.7}) == "within the noise"
    assert reading({"share_holds": 0.6, "share_flipped": 0.05, "share_tied": 0.35}) == "holds mostly"
