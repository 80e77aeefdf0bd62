"""experiments/paired_closures.py: issue 13's pattern-3c measure as a command (paired sides)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from sim.config.load import load
from sim.model.world import World
from tests.model.test_supply_patterns import opening_providers

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "paired_closures.py"
COMMON = ["run.horizon_months=12", "run.burnin_months=0"]


def script():
    spec = importlib.util.spec_from_file_location("paired_closures", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["paired_closures"] = mod  # its workers find run functions by module name
    spec.loader.exec_module(mod)
    return mod


def closed_share(overrides: list[str], seed: int, rep: int) -> float:
    w = World(load([*overrides, "run.progress=false"]), seed, rep)
    res = w.run()
    private = [q for q in opening_providers(w, int(res.summary["institutions_start"])) if q[1] == "private"]
    return sum(not q[2] for q in private) / len(private)


def test_each_side_is_the_run_its_overrides_name_paired_by_seed_and_replication(capsys):
    # the bugs this catches: the sides swapped, the programme's overrides lost, replications
    # unpaired. The "programme" here is a harsher closure rule, so the sides differ within a year.
    prog = ["economics.closure_rule=deficits", "economics.close_after_deficit_months=1",
            "economics.credit_months=0"]
    args = [*COMMON, "--programme", *prog, "--reps", "2", "--jobs", "1", "--seed", "7", "--json"]
    assert script().main(args) == 0
    out = json.loads(capsys.readouterr().out)
    quo = [closed_share(COMMON, 7, r) for r in range(2)]
    under = [closed_share([*COMMON, *prog], 7, r) for r in range(2)]
    assert out["closed_under_status_quo"]["mean"] == sum(quo) / 2
    assert out["closed_under_programme"]["mean"] == sum(under) / 2
    assert sum(under) != sum(quo), "the two sides should differ in this test"
    assert 0 <= out["closed_by_programme"]["mean"] <= out["closed_under_programme"]["mean"]
