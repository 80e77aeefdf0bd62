"""``python -m sim.calibrate``: the ``childcare-sim-calibrate`` command under its first name.

A thin shim kept because the README, ``docs/calibration.md`` and the calibrated preset name
this command. The command is :mod:`sim.cli.calibrate`; the calibration itself (targets,
need analytics, replication metrics, search, verification) is
:mod:`sim.experiment.calibration`, whose names are re-exported here for existing callers.
"""

from sim.cli.calibrate import main
from sim.experiment.calibration import (
    CHECKS,
    TARGETS,
    Calibration,
    Target,
    district_need_shares,
    fit_need_intercept,
    need_share,
    replication_metrics,
    run_metrics,
    summarise,
    verify,
)

__all__ = ["CHECKS", "TARGETS", "Calibration", "Target", "district_need_shares", "fit_need_intercept",
           "main", "need_share", "replication_metrics", "run_metrics", "summarise", "verify"]

if __name__ == "__main__":
    main(prog="python -m sim.calibrate")
