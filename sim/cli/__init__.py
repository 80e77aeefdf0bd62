"""Console entry points, one module per command (the top layer: nothing in ``sim`` imports it).

=============================  =====================================================
command                        module
=============================  =====================================================
``childcare-sim``              :mod:`sim.cli.run` (also ``python -m sim``)
``childcare-sim-experiment``   :mod:`sim.cli.experiment`
``childcare-sim-report``       :mod:`sim.cli.report`
``childcare-sim-calibrate``    :mod:`sim.cli.calibrate` (also ``python -m sim.calibrate``)
``childcare-sim-optimise``     :mod:`sim.cli.optimise`
``childcare-sim-sensitivity``  :mod:`sim.cli.sensitivity` (also ``python -m sim.cli.sensitivity``)
=============================  =====================================================

This package's ``__init__`` imports nothing, so a command loads only what it needs (the
report command neither Hydra nor the model).
"""
