"""The calibrated national preset reproduces China's 2021-2024 path (issues 7 and 14).

``scenario=china_2024`` is rerun at its own sample scale (1/1000) with a seed the calibration
did not use, and every target of :data:`sim.calibrate.TARGETS` (places per 1,000 at the end
of each year 2021-2024, growth above 20% a year in 2022-2024, enrollment 2021, 2022 and 2024,
occupancy, fee burden and children under 3 in 2024, need share ~1/3) must hold: the 95%
confidence interval of the replication mean must overlap the band (the fast test), and with
more replications the whole interval must lie inside it (the slow test). One target is a
known miss of the model (2022 enrollment, docs/calibration.md): it is checked as a strict
expected failure, so a change that fixes it is noticed.
"""

from __future__ import annotations

import functools

import pytest

from sim.calibrate import TARGETS, need_share, replication_metrics, summarise
from sim.config.load import load
from sim.params.schema import Config

SEED = 99  # independent of the calibration's search (2024) and verification (7) seeds


def _china(*extra: str) -> Config:
    return load(["scenario=china_2024", *extra])


@functools.cache
def _stats(reps: int) -> dict[str, tuple[float, float]]:
    p = _china()
    return summarise([replication_metrics((p, SEED, r)) for r in range(reps)])


KNOWN_MISS = "enrollment_rate_2022"  # docs/calibration.md "What the calibration does not reproduce"


def test_scenario_selects_the_national_city_the_2021_start_and_the_capacity_path():
    p = _china()
    assert p.city.name == "china_2024" and p.city.scale == pytest.approx(0.001)
    assert (p.run.start_year, p.run.horizon_months, p.run.warmup_months) == (2021, 48, 36)
    # the programme's year-end levels as published for 2021-2024 (calibration/china.md s.1)
    levels = [(e["from"], e["target_per_1000"], e["target_year"]) for e in p.capacity.timeline]
    assert levels == [("2021-01", 2.03, 2022), ("2022-01", 2.5, 2023), ("2023-01", 3.38, 2024),
                      ("2024-01", 4.08, 2025)]
    assert p.policy.timeline == []  # the 2025 subsidy is cut from a run that ends in 2024
    assert [d.name for d in p.city.districts] == [f"{s}_{h}" for s in ("tier1", "cities", "counties")
                                                  for h in ("served", "short")]


def test_each_stratum_is_a_served_and_a_short_half_of_equal_population():
    """Supply dispersion (issue 14): the halves share everything but their places, 1.6 and
    0.4 times the stratum's level, and are out of each other's reach."""
    p = _china()
    d = p.city.districts
    for served, short in zip(d[::2], d[1::2], strict=True):
        assert served.population == short.population and served.births_per_year == short.births_per_year
        assert served.places_per_1000 / short.places_per_1000 == pytest.approx(1.6 / 0.4)
        assert served.median_income == short.median_income and served.fee_index == short.fee_index
    km = p.city.distance_km
    assert min(km[i][j] for i in range(6) for j in range(6) if i != j) >= 1000


def test_the_2025_forecast_run_knows_only_what_was_known_at_the_start_of_2025():
    """`run.horizon_months=60` runs through 2025 with KPIs over 2025: the national subsidy from
    2025-01-01, the plan's 4.5 places per 1,000 by the end of 2025 and the 2025 births."""
    p = _china("run.horizon_months=60")
    assert (p.run.horizon_months, p.run.warmup_months) == (60, 48)
    assert p.policy.timeline == [{"from": "2025-01", "family_subsidy_per_year": 3600}]
    assert p.capacity.timeline[-1] == {"from": "2025-01", "target_per_1000": 4.5, "target_year": 2026}
    assert p.city.births_index[2025 - 2018] == pytest.approx(7.92 / 10.62, abs=1e-4)


def test_the_forecast_run_pays_the_subsidy_in_2025_and_reaches_the_plan():
    p = _china("run.horizon_months=60", "city.scale=0.0005")
    m = replication_metrics((p, SEED, 0))
    assert m["places_per_1000_end_2025"] == pytest.approx(4.5, abs=0.05)
    assert m["places_per_1000_end"] == m["places_per_1000_end_2025"]
    # the 300-yuan monthly subsidy lowers the net fee below the list fee in 2025 only
    assert m["mean_list_fee_2025"] - m["mean_net_fee"] > 200


def test_yearly_metrics_read_each_calendar_year_from_the_monthly_snapshots():
    """A constructed two-year, two-district timeseries: each year's values by hand."""
    from sim.experiment.calibration import yearly_metrics

    p = load(["city=china_2024", "run.start_year=2021", "run.horizon_months=24", "city.scale=1"])
    months = [m for m in range(24) for _ in range(2)]
    ts = {"month": months,
          "children_under3": [100, 100] * 12 + [50, 50] * 12,
          "enrolled": [10, 0] * 12 + [20, 10] * 12,
          "occupied_places": [10, 0] * 12 + [20, 10] * 12,
          "licensed_places": [20, 20] * 11 + [30, 20] + [40, 20] * 11 + [50, 50],
          "mean_fee": [1000, 2000] * 24}
    y = yearly_metrics(p, ts)
    pop = sum(d.population for d in p.city.districts)
    assert y["enrollment_rate_2021"] == pytest.approx(10 / 200)
    assert y["enrollment_rate_2022"] == pytest.approx(30 / 100)
    assert y["occupancy_2021"] == pytest.approx(120 / (11 * 40 + 50))
    assert y["places_per_1000_end_2021"] == pytest.approx(50 * 1000 / pop)
    assert y["places_per_1000_end_2022"] == pytest.approx(100 * 1000 / pop)
    assert y["growth_2022"] == pytest.approx(100 / 50 - 1)
    assert "growth_2021" not in y
    assert y["children_under3_start_2021"] == pytest.approx(200 / 1e6)
    assert y["children_under3_millions_2022"] == pytest.approx(100 / 1e6)
    assert y["mean_list_fee_2021"] == pytest.approx((11 * (20000 + 40000) + 30000 + 40000) / (11 * 40 + 50))


def test_births_path_is_the_nbs_series_from_2018_normalised_to_2021():
    """The burn-in (2018-2020) has its own births, not 2021's repeated (issue 14)."""
    p = _china()
    nbs = [15.23, 14.65, 12.00, 10.62, 9.56, 9.02, 9.54, 7.92]  # 2018-2025
    assert p.city.births_index_year == 2018 and p.run.burnin_months == 36
    assert p.city.births_index == pytest.approx([b / 10.62 for b in nbs], abs=1e-4)
    assert sum(d.births_per_year for d in p.city.districts) == pytest.approx(10.62e6, rel=1e-6)
    assert sum(d.population for d in p.city.districts) == pytest.approx(1408e6, rel=1e-6)


def test_fitted_need_model_gives_about_one_third_wanting_care():
    target = next(t for t in TARGETS if t.name == "need_share")
    assert need_share(_china()) == pytest.approx(target.value, abs=0.005)


@pytest.mark.parametrize("city", ["china_2024", "tier1", "tier2", "county"])
def test_city_presets_compose_and_validate(city):
    p = load([f"city={city}"])
    assert p.city.name == city and len(p.city.districts) >= 3


def test_county_preset_runs_a_year_with_the_calibrated_behaviour():
    from sim.model.world import World

    p = load(["city=county", "scenario=calibrated", "run.horizon_months=12"])
    s = World(p, 1, 0).run().summary
    assert s["enrolled_ever"] > 0 and s["enrolled_end"] > 0


def _assert_targets(stats: dict[str, tuple[float, float]], whole_ci: bool) -> None:
    misses = []
    for t in TARGETS:
        if t.name == KNOWN_MISS:
            continue
        m, h = stats[t.name]
        lo, hi = (m - h, m + h) if whole_ci else (m + h, m - h)
        if not (t.low <= lo and hi <= t.high):
            misses.append(f"{t.name}: {m:.4f} +/- {h:.4f} vs [{t.low}, {t.high}]")
    assert not misses, "; ".join(misses)


def test_calibrated_preset_reproduces_every_target_of_the_path():
    _assert_targets(_stats(reps=4), whole_ci=False)


@pytest.mark.xfail(strict=True, reason="the model's take-up per child is constant: 2022 enrollment "
                   "comes out near 7% against about 6% published (docs/calibration.md)")
def test_2022_enrollment_is_reproduced():
    t = next(t for t in TARGETS if t.name == KNOWN_MISS)
    m, h = _stats(reps=4)[KNOWN_MISS]
    assert t.low <= m - h and m + h <= t.high, f"{m:.4f} +/- {h:.4f}"


@pytest.mark.slow
def test_calibrated_preset_targets_hold_for_the_whole_confidence_interval():
    _assert_targets(_stats(reps=12), whole_ci=True)


def test_pattern1_private_providers_run_85_to_95_percent_of_institutions():
    """Issue 13, pattern 1 (with the targets above): 89.5% of institutions privately run
    (china.md s.1, 2023); the replication mean's 95% interval must overlap 85-95%, as the
    other targets of the fast test."""
    m, h = _stats(reps=4)["private_institution_share"]
    assert 0.85 <= m + h and m - h <= 0.95, f"private share {m:.3f} +/- {h:.3f}"


def test_with_the_quality_rules_on_and_every_lever_at_zero_the_2024_targets_still_hold():
    """Issue 17: turning on caregivers' qualifications, quality scores families value and
    incidents (every lever at zero) must not move the calibrated national preset off today's
    published figures (the same check as the fast test above)."""
    p = _china("quality=on")
    _assert_targets(summarise([replication_metrics((p, SEED, r)) for r in range(4)]), whole_ci=False)
