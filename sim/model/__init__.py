"""The simulated world: families, institutions, staff, allocation and the ledger.

This package never imports Hydra, OmegaConf, pandas or matplotlib: it takes a validated
:class:`sim.config.params.Params` and a seed, and returns plain records.
"""
