"""Shared fixtures: composing configs and running small seeded scenarios."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from sim.config.load import load  # noqa: E402
from sim.model.world import RunResult, World  # noqa: E402
from sim.params.schema import Config  # noqa: E402

SMALL = (
    "run.horizon_months=36",
    "run.burnin_months=24",
)


@functools.cache
def _composed(overrides: tuple[str, ...]) -> Config:
    return load(list(overrides))


def load_config(overrides: Sequence[str]) -> Config:
    """Compose and validate ``overrides`` once per distinct list (configurations are frozen).

    Only the configuration is cached, never a world or its results: mutmut forks its workers
    from a process that already ran the tests (docs/testing.md), so cached model output
    would hide every mutant, while a configuration does not depend on the model's code.
    """
    return _composed(tuple(overrides))


def run_model(overrides: list[str] | tuple[str, ...] = (), seed: int | None = None,
              replication: int = 0) -> RunResult:
    """Compose ``overrides`` on the default config and run one replication."""
    params = load_config(overrides)
    return World(params, params.seed if seed is None else seed, replication).run()


@pytest.fixture
def small_run() -> RunResult:
    """The demo city for three years (seed 42)."""
    return run_model(SMALL)
