"""The 2025 forecast's range over the assumptions the path keeps (issue 14, sim/experiment/forecast.py).

History matching keeps a point only when every fitted target of 2021-2024 lies inside its
tolerance; the range is over the kept points only. Checked on constructed metrics (which
points are kept, what the range is) and once end to end on a tiny run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from sim.config.load import load
from sim.experiment.calibration import FORECAST, TARGETS
from sim.experiment.forecast import FIT, Band, band_assumptions, forecast_band, path_holds


def _on_target(**change: float) -> dict[str, float]:
    m = {t.name: t.value for t in TARGETS}
    m.update({name: 1.0 for name, _ in FORECAST if name not in m})
    m.update(change)
    return m


def test_a_point_is_kept_only_when_every_fitted_target_is_within_tolerance():
    assert {t.name for t in FIT} == {"enrollment_rate_2021", "enrollment_rate_2022", "enrollment_rate",
                                     "occupancy", "family_cost_share"}
    assert path_holds(_on_target())
    for t in FIT:
        assert not path_holds(_on_target(**{t.name: t.high + 0.01})), t.name
        assert not path_holds(_on_target(**{t.name: t.low - 0.01})), t.name
    # a target that is not fitted does not rule a point out
    assert path_holds(_on_target(places_per_1000_end_2021=9.0))


def test_the_range_is_over_the_kept_points_only_and_failed_runs_count_nowhere():
    kept = _on_target(enrollment_rate=0.08)
    kept2 = _on_target(enrollment_rate=0.085)
    out = _on_target(enrollment_rate=0.2)  # outside its tolerance: ruled out
    metrics = [kept | {"occupancy": 0.35}, None, out, kept2 | {"occupancy": 0.40}]
    band = Band([], np.zeros((4, 0)), metrics, [m is not None and path_holds(m) for m in metrics])
    assert band.kept == [True, False, False, True]
    lo, mid, hi = band.summary()["enrollment_rate"]
    assert (lo, mid, hi) == pytest.approx((0.08, 0.0825, 0.085))
    assert band.ruled_out_by()["enrollment_rate"] == 1


def test_the_band_varies_the_registry_assumptions_that_apply_and_runs_end_to_end():
    base = ["scenario=china_2024", "city.scale=0.0002", "run.horizon_months=60", "run.burnin_months=12"]
    names = {a.key for a in band_assumptions(load(base))}
    assert "families.price_response.burden50" in names and "families.patience.mean" in names
    assert not any(k.startswith("quality.") for k in names)  # inert with quality off
    with ThreadPoolExecutor(1) as pool:
        band = forecast_band(base, 2, 3, pool, log=lambda _: None)
    assert len(band.metrics) == 2 and all(m is not None for m in band.metrics)
    assert band.units.shape == (2, len(band.assumptions))
    # the two points differ in their assumptions, so in their results
    a, b = band.metrics
    assert a["enrollment_rate_2021"] != b["enrollment_rate_2021"]
