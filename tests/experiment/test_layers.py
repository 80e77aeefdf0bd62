"""The analysis reads result files only: importing it loads neither Hydra nor the model.

Each import runs in a fresh interpreter, so modules other tests imported do not count. The
import contracts themselves (``[tool.importlinter]`` in pyproject.toml) are checked by
``lint-imports`` in CI; this test proves what they are for at run time.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Packages (and their submodules) whose presence in sys.modules means Hydra or the model was loaded.
HEAVY = ("hydra", "omegaconf", "simpy", "sim.model", "sim.config")

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
heavy = tuple(sys.argv[2:])
print(json.dumps(sorted(n for n in sys.modules if n.split(".")[0] in heavy or n.startswith(heavy))))
"""


def loaded_by(module: str) -> list[str]:
    """Return the heavy modules a fresh interpreter has loaded after importing ``module``."""
    done = subprocess.run([sys.executable, "-c", PROBE, module, *HEAVY], capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("module", ["sim.analysis.study", "sim.analysis.tables", "sim.analysis.report",
                                    "sim.cli.report", "sim.experiment.layout"])
def test_reading_results_loads_neither_hydra_nor_the_model(module):
    assert loaded_by(module) == []


def test_the_probe_sees_hydra_and_the_model_when_they_are_loaded():
    loaded = loaded_by("sim.experiment.rundir")
    assert {"hydra", "omegaconf", "simpy", "sim.model", "sim.config"} <= set(loaded)
