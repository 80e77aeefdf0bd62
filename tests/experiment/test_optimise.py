"""The policy optimiser (issue 16) on a case whose optimum is known, and its file format.

The constructed case: an M/M/c queue (``scenario=queue``) with 9 arrivals and a mean stay of
one month; the lever is the number of places c, the cost is c itself (``places_start``,
linear), and the constraint is that at most 20% of arrivals wait. The probability of
waiting falls monotonically with c (Erlang C: 0.266 at 12 places, 0.158 at 13), so the
cheapest feasible mix is 13 places. The optimiser (Hydra's Optuna sweeper, TPE) must find it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.optimise import main
from sim.experiment.optimise import OptimiseError, load_search, mix_overrides, parse_search, sweep_command
from tests.analytic.theory import erlang_c

QUEUE_CASE = """
purpose: the fewest places with at most 20% of arrivals waiting
objectives:
  - {kpi: places_start, direction: minimize}
constraints:
  - {kpi: p_wait, max: 0.2}
penalty: 50
search:
  queue.places: range(5, 20)
trials: 20
replications: 2
seed: 3
common: [scenario=queue, queue.arrival_rate=9, queue.mean_stay_months=1, run.horizon_months=120,
         run.warmup_months=12]
reevaluate: {top: 3, replications: 6, seed: 99}
"""


def test_the_optimiser_finds_the_fewest_places_that_keep_waiting_below_a_fifth(tmp_path):
    optimum = min(c for c in range(10, 21) if erlang_c(c, 9.0) <= 0.2)  # c <= 9 is unstable: all wait
    assert optimum == 13
    spec = tmp_path / "queue_case.yaml"
    spec.write_text(QUEUE_CASE, encoding="utf-8")
    out = tmp_path / "out"
    main([str(spec), "--out", str(out)])
    trials = pd.read_parquet(out / "trials.parquet")
    assert len(trials) == 20 and not trials["failed"].any()
    # a trial's objective is its cost, plus the penalty when more than a fifth waited
    feasible = trials[trials["feasible"]]
    assert (feasible["objective_0"] == feasible["places_start"]).all()
    assert (trials[~trials["feasible"]]["objective_0"] > trials[~trials["feasible"]]["places_start"]).all()
    result = json.loads((out / "optimum.json").read_text(encoding="utf-8"))
    best = next(c for c in result["candidates"] if c["candidate"] == result["best"])
    assert best["mix"] == {"queue.places": optimum}
    assert best["p_wait"][0] <= 0.2
    assert (out / "optimise.html").is_file() and (out / "figures" / "optimise.png").is_file()


def test_an_optimisation_file_is_checked_field_by_field():
    good = {"objectives": [{"kpi": "public_cost_total", "direction": "minimize"}],
            "search": {"policy.voucher_per_month": "range(0, 1500, step=100)"}}
    s = parse_search("x", good, [])
    assert s.sampler == "tpe" and s.penalty == [0.0]
    for bad, field in (({**good, "objectives": []}, "objectives"),
                       ({**good, "objectives": [{"kpi": "a", "direction": "up"}]}, "objectives.0"),
                       ({**good, "search": {}}, "search"),
                       ({**good, "sampler": "annealing"}, "sampler"),
                       ({**good, "penalty": -1}, "penalty"),
                       ({**good, "trials": 0}, "trials"),
                       ({**good, "colour": "red"}, "colour")):
        with pytest.raises(OptimiseError, match=f"x: {field}"):
            parse_search("x", bad, [])


def test_the_shipped_presets_parse_and_make_an_optuna_sweep():
    for name in ("optimise_budget", "pareto_cost_enrollment"):
        s = load_search(name)
        cmd = sweep_command(s, Path("/tmp/x"))
        assert "hydra/sweeper=optuna" in cmd and f"hydra.sweeper.n_trials={s.trials}" in cmd
        assert any(c.startswith("objective.kpis=") for c in cmd)
    pareto = load_search("pareto_cost_enrollment")
    assert pareto.sampler == "nsga2" and len(pareto.kpis) == 2
    assert "hydra.sweeper.direction=[minimize,maximize]" in sweep_command(pareto, Path("/tmp/x"))


def test_a_malformed_file_is_one_line_and_status_2(tmp_path, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text("objectives: []\n", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main([str(spec)])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: optimise bad: objectives")


def test_a_mix_read_back_from_parquet_is_written_as_plain_overrides():
    import numpy as np

    mix = {"capacity.target_per_1000": np.float64(5.0), "policy.voucher_per_month": np.int64(400),
           "policy.fee_cap": np.float64(0.1278)}
    assert mix_overrides(mix) == ["capacity.target_per_1000=5.0", "policy.voucher_per_month=400",
                                  "policy.fee_cap=0.1278"]
