"""Running a global sensitivity analysis: Morris screening, then Sobol indices of the top few.

:func:`run_sensitivity` composes the study's base configuration (``common``), keeps the
parameters that are live there (``requires``) and present, and runs two stages through the
experiments' runner (:func:`sim.experiment.sweep.run_tasks`): every design point is one run
directory, ``<out>/runs/<stage>/<point>/``, with the study's seed and replications (common
random numbers: points differ by their parameters, not by their families), and its KPI is the
replication mean of ``summary.json``. A complete point with the same overrides and
configuration hash is skipped when the study runs again; a failed point writes ``error.json``,
is reported, and drops only its own trajectory or block from the indices. Outputs:
``design.parquet`` (every point: unit coordinates, values, KPIs), ``sensitivity.csv`` (every
index with its interval) and ``sensitivity.json`` (the study, parameters and ranges, what was
skipped and why, the Sobol selection). Figures and ``sensitivity.html`` are the analysis
layer's (:mod:`sim.analysis.sensitivity_report`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from sim.config.load import compose, to_params
from sim.experiment.assumptions import Assumption, applies, has_key, overrides, with_defaults
from sim.experiment.atomic import atomic_write_bytes, atomic_write_parquet
from sim.experiment.layout import ERROR, RUN_FILE, RUNS_DIR, SENSITIVITY_DESIGN, SENSITIVITY_INDICES, SUMMARY
from sim.experiment.layout import SENSITIVITY_MANIFEST as MANIFEST
from sim.experiment.names import known_kpis
from sim.experiment.sensitivity_indices import (
    Index,
    morris_design,
    morris_indices,
    sobol_design,
    sobol_indices,
    to_values,
    top_parameters,
)
from sim.experiment.sensitivity_spec import SensitivityError, SensitivityStudy
from sim.experiment.sweep import Outcome, RunTask, SweepProgress, is_complete, run_tasks, task_hash
from sim.experiment.workers import pool as worker_pool

DESIGN, INDICES = SENSITIVITY_DESIGN, SENSITIVITY_INDICES


@dataclass
class Stage:
    """One design (Morris or Sobol): its parameters, points and run directories."""

    method: str
    params: list[Assumption]
    unit: np.ndarray
    tasks: list[RunTask]

    @property
    def block(self) -> int:
        """Rows per trajectory (Morris: k+1) or per base sample (Sobol: k+2)."""
        return len(self.params) + (1 if self.method == "morris" else 2)


@dataclass
class SensitivityResult:
    """What a call did: runs made, failed points, the indices and the Sobol selection."""

    ran: int = 0
    skipped: int = 0
    failed: list[Outcome] = field(default_factory=list)
    indices: list[Index] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)


def live_parameters(study: SensitivityStudy,
                    base: DictConfig) -> tuple[list[Assumption], list[dict[str, str]]]:
    """Return the study's parameters live in ``base`` (defaults filled) and the skipped ones with reasons."""
    live, skipped = [], []
    for a in study.parameters:
        if not has_key(base, a.key):
            if a.key in study.named:
                raise SensitivityError("parameters", f"{a.key}: not a key of the composed configuration")
            skipped.append({"parameter": a.key, "reason": "not in the composed configuration"})
        elif not applies(a, base):
            skipped.append({"parameter": a.key, "reason": f"inert: requires {a.requires}"})
        else:
            live.append(a)
    if not live:
        raise SensitivityError("parameters", "none is live in the composed configuration "
                                             "(all skipped: absent, or their requires do not hold)")
    return with_defaults(live, base), skipped


def base_config(study: SensitivityStudy) -> DictConfig:
    """Compose and validate the study's base configuration; check its KPI names."""
    base = compose(study.common)
    known = known_kpis([to_params(base)])
    for k in study.kpis:
        if k not in known:
            raise SensitivityError("kpis", f"unknown KPI {k!r}; the KPIs are listed in README, KPIs")
    return base


def point_overrides(study: SensitivityStudy, params: list[Assumption], values: np.ndarray,
                    base: DictConfig) -> list[str]:
    """The overrides of one design point: the study's seed and replications, ``common``, the values."""
    return [f"seed={study.seed}", f"run.replications={study.replications}", "run.progress=false",
            *study.common, *overrides(params, [float(v) for v in values], base)]


def make_stage(study: SensitivityStudy, method: str, params: list[Assumption], unit: np.ndarray,
               base: DictConfig, out_dir: Path) -> Stage:
    """Return the stage's run tasks (one per design point, named by its row)."""
    values = to_values(params, unit)
    width = max(4, len(str(len(unit))))
    tasks = [RunTask(f"{method}/{i:0{width}d}", tuple(point_overrides(study, params, v, base)),
                     out_dir / RUNS_DIR / method / f"{i:0{width}d}") for i, v in enumerate(values)]
    return Stage(method, params, unit, tasks)


def _same_inputs(task: RunTask) -> bool:
    try:
        recorded = json.loads((task.run_dir / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (task.run_dir / SUMMARY).is_file() and recorded.get("overrides") == list(task.overrides)


def with_hashes(tasks: list[RunTask], jobs: int) -> list[RunTask]:
    """Return the tasks with the configuration hash a run records (composed on ``jobs`` processes)."""
    if jobs <= 1 or len(tasks) < 4:
        hashes = [task_hash(list(t.overrides)) for t in tasks]
    else:
        with worker_pool(min(jobs, len(tasks))) as p:
            hashes = list(p.map(task_hash, [list(t.overrides) for t in tasks], chunksize=4))
    return [RunTask(t.scenario, t.overrides, t.run_dir, h) for t, h in zip(tasks, hashes, strict=True)]


def todo(tasks: list[RunTask], jobs: int, force: bool) -> list[RunTask]:
    """Return the tasks to run: all with ``force``; otherwise those not complete with the same inputs.

    Only a directory that holds a summary of the same overrides is hashed (composing a point
    costs about half a second), so a fresh study starts at once.
    """
    if force:
        return tasks
    candidates = with_hashes([t for t in tasks if _same_inputs(t)], jobs)
    complete = {t.run_dir for t in candidates if is_complete(t)}
    return [t for t in tasks if t.run_dir not in complete]


def run_stage(stage: Stage, jobs: int, force: bool, stream: TextIO, result: SensitivityResult) -> None:
    """Run the stage's incomplete points over ``jobs`` processes, recording outcomes in ``result``."""
    pending = todo(stage.tasks, jobs, force)
    total = len(stage.tasks)
    result.skipped += total - len(pending)
    if total - len(pending):
        stream.write(f"{stage.method}: {total - len(pending)} of {total} points already complete: skipped\n")
    if not pending:
        return
    workers = min(jobs, len(pending))
    stream.write(f"{stage.method}: running {len(pending)} of {total} points on {workers} process(es)\n")
    outcomes = run_tasks(pending, jobs, SweepProgress(total, total - len(pending), workers, stream))
    result.ran += len(outcomes)
    result.failed += [o for o in outcomes if not o.ok]


def kpi_values(stage: Stage, kpis: list[str]) -> tuple[np.ndarray, list[str]]:
    """Return the (points, KPIs) matrix of replication means (NaN where a run failed) and errors."""
    y = np.full((len(stage.tasks), len(kpis)), np.nan)
    errors = [""] * len(stage.tasks)
    for i, t in enumerate(stage.tasks):
        try:
            summary = json.loads((t.run_dir / SUMMARY).read_text(encoding="utf-8"))
            y[i] = [float(summary.get(k, np.nan)) if summary.get(k) is not None else np.nan for k in kpis]
        except (OSError, ValueError):
            try:
                err = json.loads((t.run_dir / ERROR).read_text(encoding="utf-8"))
                errors[i] = f"{err.get('key', '')}: {err.get('reason', '')}"
            except (OSError, ValueError):
                errors[i] = "no summary.json"
    return y, errors


def stage_frame(stage: Stage, every: list[Assumption], kpis: list[str], y: np.ndarray,
                errors: list[str], out_dir: Path) -> pd.DataFrame:
    """The design table of a stage: one row per point (parameters not varied at their default)."""
    varied = {a.key: j for j, a in enumerate(stage.params)}
    values = to_values(stage.params, stage.unit)
    cols: dict[str, Any] = {"method": stage.method, "point": np.arange(len(stage.tasks)),
                            "block": np.arange(len(stage.tasks)) // stage.block}
    for a in every:
        j = varied.get(a.key)
        cols[f"u:{a.key}"] = stage.unit[:, j] if j is not None else np.nan
        cols[a.key] = values[:, j] if j is not None else a.default
    for m, k in enumerate(kpis):
        cols[k] = y[:, m]
    cols["ok"] = [not e for e in errors]
    cols["error"] = errors
    cols["run_dir"] = [str(t.run_dir.relative_to(out_dir)) for t in stage.tasks]
    return pd.DataFrame(cols)


def analyse(study: SensitivityStudy, stage: Stage, y: np.ndarray) -> list[Index]:
    """Return the stage's indices for every KPI."""
    out: list[Index] = []
    for m, kpi in enumerate(study.kpis):
        if stage.method == "morris":
            out += morris_indices(stage.params, stage.unit, y[:, m], kpi, study.levels, study.bootstrap,
                                  study.conf_level, study.seed)
        else:
            out += sobol_indices(stage.params, y[:, m], kpi, study.bootstrap, study.conf_level, study.seed)
    return out


def manifest(study: SensitivityStudy, live: list[Assumption], skipped: list[dict[str, str]],
             result: SensitivityResult, points: dict[str, int]) -> dict[str, Any]:
    """The study as run: settings, parameters with ranges and sources, skips, selection, counts."""
    return {"name": study.name, "purpose": study.purpose, "common": study.common, "kpis": study.kpis,
            "replications": study.replications, "seed": study.seed,
            "morris": {"trajectories": study.trajectories, "levels": study.levels},
            "sobol": asdict(study.sobol) if study.sobol else None, "bootstrap": study.bootstrap,
            "conf_level": study.conf_level, "parameters": [asdict(a) for a in live],
            "skipped": skipped, "selected": result.selected, "points": points,
            "failed": [{"point": o.scenario, "error": o.error} for o in result.failed],
            "source": study.source}


def _write(out_dir: Path, frames: list[pd.DataFrame], result: SensitivityResult,
           meta: dict[str, Any]) -> None:
    atomic_write_parquet(out_dir / DESIGN, pd.concat(frames, ignore_index=True))
    rows = pd.DataFrame([asdict(i) for i in result.indices],
                        columns=["method", "parameter", "kpi", "index", "value", "ci_low", "ci_high", "n"])
    groups = {p["key"]: p["group"] for p in meta["parameters"]}
    rows.insert(2, "group", rows["parameter"].map(groups))
    rows["conf_level"] = meta["conf_level"]
    atomic_write_bytes(out_dir / INDICES, rows.to_csv(index=False).encode("utf-8"))
    text = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(out_dir / MANIFEST, text.encode("utf-8"))


def run_sensitivity(study: SensitivityStudy, out_dir: Path, jobs: int, force: bool = False,
                    stream: TextIO | None = None) -> SensitivityResult:
    """Run (or resume) the Morris stage, then the Sobol stage on the top parameters; write the outputs."""
    stream = stream or sys.stderr
    base = base_config(study)
    live, skipped = live_parameters(study, base)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = SensitivityResult()
    morris = make_stage(study, "morris", live,
                        morris_design(live, study.trajectories, study.levels, study.seed), base, out_dir)
    run_stage(morris, jobs, force, stream, result)
    y, errors = kpi_values(morris, study.kpis)
    frames = [stage_frame(morris, live, study.kpis, y, errors, out_dir)]
    result.indices = analyse(study, morris, y)
    points = {"morris": len(morris.tasks)}
    if study.sobol is not None:
        result.selected = top_parameters(result.indices, study.sobol.top)
        chosen = [a for a in live if a.key in result.selected]
        if chosen:
            sobol = make_stage(study, "sobol", chosen, sobol_design(chosen, study.sobol.n_base, study.seed),
                               base, out_dir)
            run_stage(sobol, jobs, force, stream, result)
            y, errors = kpi_values(sobol, study.kpis)
            frames.append(stage_frame(sobol, live, study.kpis, y, errors, out_dir))
            result.indices += analyse(study, sobol, y)
            points["sobol"] = len(sobol.tasks)
    _write(out_dir, frames, result, manifest(study, live, skipped, result, points))
    return result
