"""childcare-sim-sensitivity: designs and indices, the study file, resuming, failures, and a
Morris screening of the analytic queue where the answer is known."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from SALib.analyze import morris as salib_morris

from sim.cli.sensitivity import main
from sim.experiment.assumptions import Assumption
from sim.experiment.sensitivity_indices import (
    Index,
    elementary_effects,
    morris_design,
    morris_indices,
    problem,
    sobol_design,
    sobol_indices,
    top_parameters,
)
from sim.experiment.sensitivity_spec import SensitivityError, parse_sensitivity


def _unit(name: str) -> Assumption:
    return Assumption(name, 0.0, 1.0, None, False, False, "set", "families", "", None)


PARAMS = [_unit("a"), _unit("b"), _unit("c")]


def _model(x: np.ndarray) -> np.ndarray:
    """a strongly and linearly, b not at all, c weakly and non-linearly."""
    return 10 * x[:, 0] + 0 * x[:, 1] + 2 * x[:, 2] ** 2


def test_elementary_effects_give_salibs_mu_star_mu_and_sigma() -> None:
    x = morris_design(PARAMS, 8, 4, seed=1)
    y = _model(x)
    ee = elementary_effects(x, y)
    ref = salib_morris.analyze(problem(PARAMS), x, y, num_resamples=10, num_levels=4, seed=1)
    assert np.allclose(np.abs(ee).mean(axis=0), ref["mu_star"])
    assert np.allclose(ee.mean(axis=0), ref["mu"])
    assert np.allclose(ee.std(axis=0, ddof=1), ref["sigma"])


def test_morris_ranks_the_strong_parameter_first_and_gives_the_unread_one_zero() -> None:
    x = morris_design(PARAMS, 10, 4, seed=3)
    ix = {(i.parameter, i.index): i for i in morris_indices(PARAMS, x, _model(x), "k", 4, 100, 0.95, 3)}
    assert ix["a", "mu_star"].value == pytest.approx(10.0)  # linear: every effect is 10
    assert ix["b", "mu_star"].value == 0 and ix["b", "mu_star"].ci_high == 0
    assert 0 < ix["c", "mu_star"].value < ix["a", "mu_star"].value
    lo, hi = ix["c", "mu_star"].ci_low, ix["c", "mu_star"].ci_high
    assert lo <= ix["c", "mu_star"].value <= hi and lo < hi


def test_a_failed_point_drops_only_its_own_trajectory() -> None:
    x = morris_design(PARAMS, 6, 4, seed=5)
    y = _model(x)
    y[5] = np.nan  # second trajectory (rows 4-7)
    ix = morris_indices(PARAMS, x, y, "k", 4, 50, 0.95, 5)
    assert {i.n for i in ix} == {5}
    assert next(i for i in ix if i.parameter == "a" and i.index == "mu_star").value == pytest.approx(10.0)


def test_sobol_indices_of_an_additive_model_match_the_analytic_shares() -> None:
    """y = 10a + 2c^2 with independent uniforms: Var = 100/12 + 4*4/45 (Var c^2 = 4/45)."""
    x = sobol_design(PARAMS, 512, seed=7)
    ix = {(i.parameter, i.index): i for i in sobol_indices(PARAMS, _model(x), "k", 100, 0.95, 7)}
    var_a, var_c = 100 / 12, 4 * 4 / 45
    share_a = var_a / (var_a + var_c)
    assert ix["a", "S1"].value == pytest.approx(share_a, abs=0.05)
    assert ix["a", "ST"].value == pytest.approx(share_a, abs=0.05)
    assert abs(ix["b", "ST"].value) < 1e-9
    assert ix["c", "ST"].ci_low < 1 - share_a < ix["c", "ST"].ci_high


def test_the_sobol_selection_compares_kpis_by_their_largest_effect() -> None:
    def mu(p: str, kpi: str, v: float) -> Index:
        return Index("morris", p, kpi, "mu_star", v, v, v, 4)

    rows = [mu("a", "big", 1000.0), mu("b", "big", 10.0), mu("c", "big", 0.0),
            mu("a", "small", 0.001), mu("b", "small", 0.01), mu("c", "small", 0.0)]
    assert top_parameters(rows, 2) == ["a", "b"]  # b leads the small-unit KPI
    assert top_parameters(rows, 5) == ["a", "b"]  # c moves nothing: never selected


# -- the study file ---------------------------------------------------------------------------

GOOD = {"parameters": ["families.patience.mean"], "kpis": ["mean_waitlist"]}


@pytest.mark.parametrize(("change", "key"), [
    ({"trajectory": 3}, "trajectory"),
    ({"morris": {"trajectories": 1}}, "morris.trajectories"),
    ({"morris": {"levels": 3}}, "morris.levels"),
    ({"sobol": {"top": 2, "n_base": 12}}, "sobol.n_base"),
    ({"parameters": ["families.no_such_key"]}, "parameters"),
    ({"parameters": [{"key": "x.y", "low": 2, "high": 1}]}, "parameters[0].high"),
    ({"kpis": []}, "kpis"),
    ({"replications": 0}, "replications"),
])
def test_a_bad_study_names_the_field_at_fault(change: dict, key: str) -> None:
    with pytest.raises(SensitivityError) as err:
        parse_sensitivity({**GOOD, **change}, "t")
    assert err.value.key == key


def test_parameters_take_names_groups_and_ad_hoc_ranges() -> None:
    places = {"key": "queue.places", "low": 5, "high": 9, "integer": True}
    s = parse_sensitivity({**GOOD, "parameters": ["staff", "families.patience.mean", places]}, "t")
    keys = [a.key for a in s.parameters]
    assert keys == ["families.patience.mean", "staff.quit_hazard_per_month", "staff.recruitment_delay.mean",
                    "queue.places"]
    assert s.named == {"families.patience.mean", "queue.places"}


def _study(tmp_path: Path, **fields: object) -> Path:
    doc = {"purpose": "test", "common": ["scenario=queue", "run.horizon_months=60", "run.warmup_months=10"],
           "parameters": [{"key": "queue.places", "low": 10, "high": 14, "integer": True},
                          "families.hourly_hours_per_request"],
           "kpis": ["mean_waitlist"], "replications": 1, "morris": {"trajectories": 2, "levels": 4},
           "sobol": None, "bootstrap": 20, **fields}
    path = tmp_path / "sensitivity_t.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_a_bad_study_is_one_error_line_and_status_2(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = _study(tmp_path, morris={"trajectories": 2, "levels": 5})
    with pytest.raises(SystemExit) as exit_:
        main([str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err == "error: morris.levels: must be even (Morris grids), got 5\n"
    assert not (tmp_path / "out").exists()


def test_a_bad_base_override_or_kpi_is_one_error_line(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    for fields, start in (({"kpis": ["mean_waitlst"]}, "error: kpis: unknown KPI 'mean_waitlst'"),
                          ({"common": ["staff.initial_fill=1.5"]}, "error: staff.initial_fill: ")):
        with pytest.raises(SystemExit) as exit_:
            main([str(_study(tmp_path, **fields)), "--out", str(tmp_path / "out")])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and err.startswith(start) and err.count("\n") == 1, err


def test_a_second_invocation_runs_nothing_new_and_gives_the_same_indices(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _study(tmp_path, parameters=[{"key": "queue.places", "low": 10, "high": 14, "integer": True}])
    out = tmp_path / "out"
    main([str(path), "--out", str(out), "--jobs", "1", "--no-report"])
    first = pd.read_csv(out / "sensitivity.csv")
    assert "4 run(s), 0 already complete" in capsys.readouterr().out  # 2 trajectories x (1 + 1) points
    main([str(path), "--out", str(out), "--jobs", "1", "--no-report"])
    assert "0 run(s), 4 already complete" in capsys.readouterr().out
    pd.testing.assert_frame_equal(first, pd.read_csv(out / "sensitivity.csv"))
    design = pd.read_parquet(out / "design.parquet")
    seeds = {json.loads((out / d / "summary.json").read_text())["meta"]["seed"] for d in design["run_dir"]}
    assert seeds == {42}  # common random numbers: one seed for every point


def test_a_failed_point_is_reported_and_the_others_are_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """queue.places=0 at the low end is refused by validation when that point runs."""
    path = _study(tmp_path, parameters=[{"key": "queue.places", "low": 0, "high": 12, "integer": True},
                                        "families.hourly_hours_per_request"])
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main([str(path), "--out", str(out), "--jobs", "1"])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "error: point 'morris/" in err and "failed" in err
    design = pd.read_parquet(out / "design.parquet")
    assert 0 < design["ok"].sum() < len(design)
    assert (out / "sensitivity.html").is_file()


@pytest.mark.slow
def test_morris_on_the_analytic_queue_ranks_places_first_and_an_unread_parameter_at_zero(
        tmp_path: Path) -> None:
    """scenario=queue (M/M/c, arrivals 9 a month, mean stay 1): c = queue.places from 10 to 16
    takes the mean waitlist from about 6.7 families (Erlang C) to nearly none; hourly care does
    not exist in the queue, so families.hourly_hours_per_request is never read. With common random
    numbers (one seed for every point) an unread parameter leaves each run bit for bit the same,
    so its elementary effects are exactly 0: the tolerance, 1e-9 of the strong parameter's mu*,
    allows only floating-point noise, and would catch any leak of the parameter into the model."""
    path = _study(tmp_path, common=["scenario=queue", "run.horizon_months=600", "run.warmup_months=50"],
                  parameters=[{"key": "queue.places", "low": 10, "high": 16, "integer": True},
                              "families.hourly_hours_per_request", "families.move_hazard_per_month"],
                  morris={"trajectories": 8, "levels": 4}, bootstrap=200)
    out = tmp_path / "out"
    main([str(path), "--out", str(out), "--jobs", "2", "--no-report"])
    ix = pd.read_csv(out / "sensitivity.csv")
    mu_star = ix[(ix["index"] == "mu_star")].set_index("parameter")
    strong = mu_star.loc["queue.places", "value"]
    assert mu_star["value"].idxmax() == "queue.places"
    assert strong > 1.0  # families: the whole range moves the waitlist by several families
    assert mu_star.loc["families.hourly_hours_per_request", "value"] <= 1e-9 * strong
    assert mu_star.loc["families.hourly_hours_per_request", "ci_high"] <= 1e-9 * strong
