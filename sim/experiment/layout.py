"""Where results live: the file and directory names of runs and experiments, and the defaults
an experiment compares when its file does not say.

The writers (:mod:`sim.experiment.outputs`, :mod:`sim.experiment.sweep`) and the readers
(:mod:`sim.analysis`) share these names. This module imports nothing, so the analysis can
read result files without loading Hydra or the model.
"""

from __future__ import annotations

# One run directory (see sim.experiment.outputs); summary.json is written last.
SUMMARY = "summary.json"
TIMESERIES = "timeseries.parquet"
REPLICATIONS = "replications.parquet"
WAITS = "waits.parquet"
KPIS_BY_YEAR = "kpis_by_year.parquet"
BY_GROUP = "by_group.parquet"
ERROR = "error.json"

# One experiment directory (see sim.experiment.sweep): the manifest, and a directory per
# scenario under runs/ with the overrides it was run with.
EXPERIMENT_FILE = "experiment.json"
RUN_FILE = "run.json"
RUNS_DIR = "runs"
COST_EFFECTIVENESS = "cost_effectiveness.parquet"  # written by the report (sim.analysis.report)

DEFAULT_KPIS = ("mean_waitlist", "mean_wait_months", "enrollment_rate", "occupancy",
                "places_per_1000_end", "public_cost_total")
DEFAULT_FIGURES = ("waitlist", "enrollment", "kpis", "frontier", "deserts", "waits", "places_by_type",
                   "programme", "distribution", "map")

# One sensitivity study (see sim.experiment.sensitivity): design points under runs/<method>/,
# the table of every point, the indices, the manifest and the report.
SENSITIVITY_DESIGN = "design.parquet"
SENSITIVITY_INDICES = "sensitivity.csv"
SENSITIVITY_MANIFEST = "sensitivity.json"
SENSITIVITY_REPORT = "sensitivity.html"
