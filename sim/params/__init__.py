"""Run parameters: the configuration schema and the distribution language.

The lowest layer: it imports nothing from the rest of ``sim``. ``sim.config`` composes and
validates these objects from Hydra and CSV input; ``sim.model`` receives them and never
changes them.
"""
