"""The SimPy model: the world of one run, its actors, allocation and the ledger.

This package never imports Hydra, OmegaConf, pandas or matplotlib: it takes validated
parameters (:mod:`sim.params`) and a seed, and returns plain records. Layers above
(``sim.experiment``, ``sim.cli``) use what this module exports.
"""

from sim.model.births import births_multiplier
from sim.model.equity import concentration_index, income_cuts
from sim.model.ledger import STATES, LedgerError
from sim.model.recorder import FLOAT_COLUMNS, TIMESERIES_COLUMNS
from sim.model.world import RunResult, World

__all__ = ["FLOAT_COLUMNS", "STATES", "TIMESERIES_COLUMNS", "LedgerError", "RunResult", "World",
           "births_multiplier", "concentration_index", "income_cuts"]
