"""The default city runs and reports every listed KPI with values in range.

(That no child is lost is checked inside every run, which raises otherwise; the checks
themselves are tested on broken states in tests/model/test_rules.py.)"""

from tests.conftest import run_model

REQUIRED_KPIS = (
    "children_born", "sought_care", "enrolled_ever", "reneged", "aged_out", "left_early",
    "waiting_end", "enrolled_end", "never_sought", "unaccounted", "mean_wait_months",
    "p90_wait_months", "mean_waitlist", "waitlist_end", "places_per_1000_start",
    "places_per_1000_end", "enrollment_rate", "occupancy", "usable_share", "staff_shortfall",
    "arrivals", "p_wait", "p_blocked", "p_reneged", "utilization",
)


def test_small_run_reports_every_kpi_in_range(small_run):
    s = small_run.summary
    missing = [k for k in REQUIRED_KPIS if k not in s]
    assert not missing
    assert s["children_born"] > 0 and s["enrolled_end"] > 0
    assert 0 < s["occupancy"] <= 1 and 0 < s["enrollment_rate"] < 1


def test_same_seed_gives_identical_results():
    a = run_model(("run.horizon_months=24", "run.burnin_months=12"))
    b = run_model(("run.horizon_months=24", "run.burnin_months=12"))
    assert a.summary == b.summary
    assert a.timeseries == b.timeseries


def test_different_seeds_differ():
    a = run_model(("run.horizon_months=24", "run.burnin_months=12"), seed=1)
    b = run_model(("run.horizon_months=24", "run.burnin_months=12"), seed=2)
    assert a.summary["children_born"] != b.summary["children_born"]
