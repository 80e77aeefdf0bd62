"""What a run returns to a sweeper (issue 16): KPIs, penalties for violated constraints."""

from __future__ import annotations

import math

import pytest

from sim.experiment.objective import evaluate, returned, violation


def test_a_met_bound_has_no_violation_and_a_missed_one_its_relative_gap():
    assert violation(0.13, 0.12, None) == 0.0
    assert violation(0.09, 0.12, None) == pytest.approx(0.25)
    assert violation(3.0, None, 2.0) == pytest.approx(0.5)
    assert violation(1.0, 0.5, 2.0) == 0.0
    assert violation(-1.0, 0.0, None) == pytest.approx(1.0)  # a bound of 0: the absolute gap


def test_the_penalty_makes_a_minimised_kpi_larger_and_a_maximised_one_smaller():
    summary = {"public_cost_total": 100.0, "enrollment_rate": 0.09, "mean_wait_months": 3.0}
    cons = [{"kpi": "enrollment_rate", "min": 0.12}, {"kpi": "mean_wait_months", "max": 2.0}]
    rec = evaluate(summary, ["public_cost_total"], ["minimize"], cons, [1000.0])
    assert rec["violations"] == pytest.approx({"enrollment_rate": 0.25, "mean_wait_months": 0.5})
    assert rec["values"] == pytest.approx([100.0 + 1000.0 * 0.75]) and rec["raw"] == [100.0]
    assert rec["feasible"] is False
    rec = evaluate(summary, ["enrollment_rate"], ["maximize"], cons, [1.0])
    assert rec["values"] == pytest.approx([0.09 - 0.75])
    met = evaluate({**summary, "enrollment_rate": 0.2, "mean_wait_months": 1.0}, ["public_cost_total"],
                   ["minimize"], cons, [1000.0])
    assert met["feasible"] is True and met["values"] == [100.0]


def test_a_missing_or_non_finite_kpi_is_a_failed_trial():
    rec = evaluate({"a": 1.0}, ["b"], ["minimize"], [], [])
    assert math.isnan(rec["values"][0])
    rec = evaluate({"a": 1.0, "c": math.nan}, ["a"], ["minimize"], [{"kpi": "c", "max": 1}], [5.0])
    assert math.isnan(rec["values"][0]) and rec["feasible"] is False


def test_the_sweeper_gets_a_float_for_one_objective_and_a_list_for_two():
    assert returned({"values": [3.0]}, 1) == 3.0
    assert returned({"values": [3.0, 0.1]}, 2) == [3.0, 0.1]
    assert math.isnan(returned(None, 1))
    assert all(math.isnan(v) for v in returned(None, 2))
