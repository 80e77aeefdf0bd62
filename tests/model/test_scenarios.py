"""Small seeded scenarios whose outcome is known in direction or exactly.

Each scenario is a two-district city of 200,000 people (tests/scenarios.py) run for a few
years, with providers' economics off so that the places a test sets are the places it gets.
Runs are cached per (overrides, seed), so a scenario used by several tests runs once.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest

from sim.config.errors import ConfigError
from sim.config.load import CONFIG_DIR, load
from sim.model.world import RunResult
from tests.conftest import run_model
from tests.scenarios import ROLLING, TINY, small

TIMESERIES_COLUMNS = ("month", "district", "children_under3", "licensed_places", "usable_places",
                      "enrolled", "waitlist", "caregivers")
LEDGER_KPIS = ("never_sought", "pending_end", "priced_out", "no_provider", "blocked", "reneged",
               "left_early", "aged_out", "waiting_end", "enrolled_end", "hourly_end")
SCARCE = (2.0, 2.0)
NO_STAFF = ("staff.initial_fill=0", "staff.recruitment_delay={dist:never}")


@cache
def _run(overrides: tuple[str, ...], seed: int | None) -> RunResult:
    return run_model(overrides, seed=seed)


def run(overrides: list[str], seed: int | None = None) -> RunResult:
    return _run(tuple(overrides), seed)


def frame(r: RunResult) -> pd.DataFrame:
    return pd.DataFrame(r.timeseries)


def by_month(r: RunResult, column: str) -> list[float]:
    return frame(r).groupby("month")[column].sum().tolist()


def assert_conserved(r: RunResult) -> None:
    """The KPIs name every ledger state: their sum is every child born (the run itself has
    already checked the ledger; this checks that no state is missing from the summary)."""
    s = r.summary
    assert sum(s[k] for k in LEDGER_KPIS) == s["children_born"]


# -- capacity --------------------------------------------------------------------------------
def test_without_licensed_places_nobody_enrols_and_families_find_no_provider():
    r = run(small(places_per_1000=(0.0, 0.0)))
    s = r.summary
    assert s["places_start"] == 0 and s["places_end"] == 0
    assert s["enrolled_ever"] == 0 and s["enrolled_end"] == 0
    assert s["no_provider"] > 0 and s["sought_care"] == 0
    assert set(by_month(r, "enrolled")) == {0}
    assert_conserved(r)


def test_with_places_but_no_caregivers_nobody_enrols_and_the_waitlist_grows():
    r = run(small(*NO_STAFF, "families.patience={dist:never}"))
    s = r.summary
    assert s["places_start"] > 0 and s["usable_share"] == 0
    assert s["enrolled_ever"] == 0 and set(by_month(r, "enrolled")) == {0}
    assert s["p_wait"] == 1.0 and s["waiting_end"] > 0
    w = by_month(r, "waitlist")
    assert w[0] < w[6] < w[12]  # until the first waiting children age out at month 12
    assert_conserved(r)


def test_capacity_far_above_demand_gives_no_waitlist_and_no_wait():
    """With every provider admitting all year and every family taking a free place (annual
    intake makes families wait for the round however many places there are)."""
    r = run(small(*ROLLING, "families.accept_rule=first_free", places_per_1000=(60.0, 60.0)))
    s = r.summary
    assert s["enrolled_ever"] > 0
    assert s["p_wait"] == 0 and s["mean_wait_months"] == 0 and s["p90_wait_months"] == 0
    assert s["mean_waitlist"] == 0 and s["waiting_end"] == 0 and s["reneged"] == 0
    assert set(by_month(r, "waitlist")) == {0}
    assert s["occupancy"] < 0.1


def test_with_annual_intake_even_ample_places_leave_families_waiting_for_the_round():
    """Mechanism: an annual class admits no one between rounds, so a family whose options
    are all annual waits for a place to free or for September, however many places exist."""
    only_annual = ("city.type_mix={public: 1.0, affordable: 0, market: 0, kindergarten: 0, home: 0}",)
    r = run(small(*only_annual, "families.accept_rule=first_free", places_per_1000=(60.0, 60.0)))
    s = r.summary
    assert s["mean_wait_months"] > 1.0 and s["intake_round_placed"] > 0
    assert s["occupancy"] < 0.2


def test_more_births_with_the_same_places_mean_longer_waits():
    few = run(small(places_per_1000=SCARCE, births_per_year=(600, 600)), seed=1).summary
    many = run(small(places_per_1000=SCARCE, births_per_year=(1800, 1800)), seed=1).summary
    assert many["children_born"] > 2.5 * few["children_born"]
    assert many["mean_wait_months"] > few["mean_wait_months"]
    assert many["mean_waitlist"] > few["mean_waitlist"]
    assert many["p_wait"] > few["p_wait"]
    assert many["occupancy"] >= few["occupancy"]


def test_no_waitlists_allowed_turns_away_instead_of_queueing():
    r = run(small("families.max_waitlists=0", places_per_1000=SCARCE, births_per_year=(1800, 1800)))
    s = r.summary
    assert s["blocked"] > 0 and s["p_blocked"] > 0
    assert s["waiting_end"] == 0 and s["mean_waitlist"] == 0 and s["waitlist_joins"] == 0
    assert_conserved(r)


# -- staff -----------------------------------------------------------------------------------
def test_a_staff_shortage_removes_usable_places():
    short = run(small("staff.initial_fill=0.3", "staff.quit_hazard_per_month=0.3")).summary
    steady = run(small("staff.initial_fill=1.0", "staff.quit_hazard_per_month=0.0")).summary
    assert short["usable_share"] < 1 and short["staff_shortfall"] > 0
    assert short["usable_share"] < steady["usable_share"]
    assert short["staff_shortfall"] > steady["staff_shortfall"]


def test_when_staff_do_not_bind_every_licensed_place_is_usable():
    r = run(small("staff.binding=false", "staff.initial_fill=0.3", "staff.quit_hazard_per_month=0.3"))
    assert r.summary["usable_share"] == 1.0
    df = frame(r)
    assert (df["usable_places"] == df["licensed_places"]).all()


def test_when_staff_do_not_bind_no_caregiver_shortfall_is_reported():
    assert run(small("staff.binding=false")).summary["staff_shortfall"] == 0.0


# -- allocation and arrivals -----------------------------------------------------------------
@pytest.mark.parametrize("discipline", ["fifo", "lottery"])
def test_both_disciplines_conserve_every_child_under_scarcity(discipline):
    r = run(small(f"allocation={discipline}", places_per_1000=SCARCE, births_per_year=(1800, 1800)))
    assert r.summary["waitlist_joins"] > 0 and r.summary["enrolled_ever"] > 0
    assert_conserved(r)


def test_lottery_and_fifo_face_the_same_families():
    ov = dict(places_per_1000=SCARCE, births_per_year=(1800, 1800))
    fifo = run(small("allocation=fifo", **ov)).summary
    lottery = run(small("allocation=lottery", **ov)).summary
    assert fifo["children_born"] == lottery["children_born"]
    assert fifo["never_sought"] == lottery["never_sought"]


def test_regular_arrivals_give_exactly_the_births_per_year():
    r = run(small("families.arrivals=regular", births_per_year=(600, 1200)))
    months = 36 + 24
    assert r.summary["children_born"] == (600 + 1200) / 12 * months


# -- the monthly rows ------------------------------------------------------------------------
def test_timeseries_has_the_required_columns_and_one_row_per_month_and_district():
    r = run(small())
    df = frame(r)
    assert set(TIMESERIES_COLUMNS) <= set(df.columns)
    assert len({len(v) for v in r.timeseries.values()}) == 1
    assert set(df["district"]) == {"D0", "D1"}
    assert set(df["month"]) == set(range(36))
    assert not df.duplicated(["month", "district"]).any()
    assert len(df) == 36 * 2


def test_timeseries_levels_are_consistent_with_each_other_and_the_summary():
    r = run(small(places_per_1000=SCARCE, births_per_year=(1800, 1800)))
    df = frame(r)
    assert (df["usable_places"] <= df["licensed_places"]).all()
    assert (df["occupied_places"] <= df["licensed_places"]).all()
    assert (df["occupied_places"] <= df["enrolled"]).all()  # a half-day child occupies half a place
    assert (df[list(TIMESERIES_COLUMNS[2:])] >= 0).all().all()
    last = df[df["month"] == df["month"].max()]
    assert last["waitlist"].sum() == r.summary["waiting_end"]
    assert last["enrolled"].sum() == r.summary["enrolled_end"]
    assert last["licensed_places"].sum() == r.summary["places_end"]


def test_children_under3_counts_the_births_of_the_last_36_months():
    r = run(small("families.arrivals=regular", births_per_year=(600, 1200),
                  horizon=("run.horizon_months=12", "run.burnin_months=36")))
    df = frame(r).set_index(["month", "district"])
    assert df.loc[(11, "D0"), "children_under3"] == pytest.approx(36 * 50, abs=1)
    assert df.loc[(11, "D1"), "children_under3"] == pytest.approx(36 * 100, abs=1)


def test_a_fractional_burn_in_or_horizon_is_rejected_so_rows_stay_monthly():
    from sim.config.errors import ConfigError

    for key in ("run.burnin_months=2.5", "run.horizon_months=12.5"):
        with pytest.raises(ConfigError) as info:
            run_model(["run.horizon_months=12", key])
        assert info.value.key == key.split("=")[0]


# -- determinism -----------------------------------------------------------------------------
DETERMINISM = small("allocation=lottery", "families.arrivals=poisson", "staff.quit_hazard_per_month=0.2",
                    places_per_1000=SCARCE, births_per_year=(1200, 1200), horizon=TINY, fixed_supply=False)


def test_the_same_seed_gives_identical_timeseries_and_kpis():
    a = run_model(DETERMINISM, seed=5)
    b = run_model(DETERMINISM, seed=5)
    assert a.timeseries == b.timeseries
    assert a.summary == b.summary
    assert a.ledger == b.ledger and a.wait_histogram == b.wait_histogram


def test_another_replication_of_the_same_seed_differs():
    a = run_model(DETERMINISM, seed=5, replication=0)
    b = run_model(DETERMINISM, seed=5, replication=1)
    assert a.timeseries != b.timeseries


# -- a city from CSV files -------------------------------------------------------------------
def test_the_example_csv_city_runs_with_exactly_its_listed_places():
    ex = CONFIG_DIR / "city" / "examples"
    r = run([f"city.districts_csv={ex / 'districts.csv'}", f"city.institutions_csv={ex / 'institutions.csv'}",
             *TINY, "economics.enabled=false"])
    s = r.summary
    assert s["places_start"] == 10 + 30 + 40 + 10 + 30 + 20 + 10 + 30 + 40 + 40 + 5
    assert set(frame(r)["district"]) == {"Riverside", "Hillview"}
    assert s["enrolled_ever"] > 0
    assert_conserved(r)


# -- configurations that used to crash (bugs found by these tests, since fixed) -------------
def _loads_and_runs(overrides: list[str]) -> None:
    try:
        cfg = load(overrides)
    except ConfigError:
        return  # rejecting the input is fine
    from sim.model.world import World

    World(cfg, cfg.seed).run()


@pytest.mark.parametrize("start_age, p_past", [
    ("{dist:fixed,value:24}", 1.0),
    ("{dist:fixed,value:20}", 1.0),
    ("{dist:uniform,low:6,high:30}", 10 / 24),
], ids=["past the age-out", "at the age-out", "straddling it"])
def test_a_child_whose_start_age_is_at_or_past_the_age_out_never_seeks_care(start_age, p_past):
    # Every child needs care here and leaves at 20 months; one who would start seeking care
    # at or after that never seeks it. The number never seeking care is then binomial with
    # p = P(start age >= 20), checked within 4 sd (a false alarm once in 16,000 seeds).
    s = run(small("families.age_out_months=20", f"families.start_age={start_age}",
                  "families.need.override=1", horizon=TINY)).summary
    n = s["children_born"]
    assert n > 1000
    assert abs(s["never_sought"] - n * p_past) <= 4 * (n * p_past * (1 - p_past)) ** 0.5
    if p_past == 1.0:
        assert s["sought_care"] == s["enrolled_ever"] == s["waitlist_joins"] == 0
    else:
        assert s["enrolled_ever"] > 0


@pytest.mark.parametrize("key", ["families.start_age", "families.patience"])
def test_a_normal_with_a_negative_lower_bound_is_rejected_by_its_key(key):
    # ages and durations are never negative: clipping at a negative bound cannot be run
    with pytest.raises(ConfigError) as info:
        load(small(f"{key}={{dist:normal,mean:1,sd:5,low:-10}}", horizon=TINY))
    assert info.value.line() == (
        f"error: {key}: 'low' must be a finite number >= 0 (durations and ages), got -10.0")


@pytest.mark.parametrize("overrides", [
    ["scenario=queue", "families.arrivals=regular", "queue.arrival_rate=7.7", "run.horizon_months=120",
     "run.warmup_months=10"],
    ["families.arrivals=regular", "families.start_age={dist:fixed,value:0}",
     "city.districts=[{name:A,population:100000,births_per_year:100}]", "run.horizon_months=16",
     "run.burnin_months=12"],
], ids=["queue D/M/c", "city"])
def test_regular_arrivals_seeking_care_at_birth_run(overrides):
    assert run_model(overrides).summary["unaccounted"] == 0


def test_children_under3_is_right_every_month_when_births_are_drawn_years_ahead():
    # 10 births a month: births are drawn in blocks of 100 months, far beyond the 36-month
    # window (regression: the running sums were once pruned relative to the drawn months)
    r = run(["scenario=queue", "queue.arrival_rate=10", "families.arrivals=regular",
             "run.horizon_months=240", "run.warmup_months=0"])
    rows = frame(r)
    expected = [10 * min(m + 1, 36) for m in rows["month"]]
    assert rows["children_under3"].tolist() == pytest.approx(expected, abs=1)
