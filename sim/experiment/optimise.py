"""Find the best policy mix: Hydra's Optuna sweeper on ``childcare-sim`` (issue 16).

An optimisation file ``experiments/NAME.yaml`` (format: ``docs/experiments.md``,
"Optimising") names the ``objectives`` (KPIs and directions), ``constraints``, a
``penalty`` per objective, the ``search`` space (Optuna sweeper syntax: ``range(0, 1500,
step=100)``, ``interval(4.0, 7.0)``, ``choice(a, b)``), the ``trials``, the ``replications``
of every trial, the ``sampler`` (``tpe``; ``nsga2`` for a Pareto front; ``random``;
``grid``), its ``seed``, ``common`` overrides, and the ``reevaluate`` step (``top``
candidates, ``replications``, ``seed``).

:func:`run_search` runs ``childcare-sim --multirun hydra/sweeper=optuna ...`` in a
subprocess: every trial is an ordinary run directory under ``trials/`` whose
``summary.json`` carries ``meta.objective`` (:mod:`sim.experiment.objective`). Every trial
of a search uses the same seed, so trials differ by policy, not by noise (common random
numbers). :func:`collect` reads them into ``trials.parquet``. :func:`reevaluate` runs the
best candidates (one objective: the ``top`` best distinct mixes; two: the Pareto front of
the feasible trials) again with fresh replications under another seed, all candidates with
the same replications, and returns per-replication values, so that the report can say how
much better the optimum is than the runners-up given the noise (paired differences).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.experiment.objective import DIRECTIONS, evaluate

_REPO = Path(__file__).resolve().parents[2]
_KEYS = {"purpose", "objectives", "constraints", "penalty", "search", "trials", "replications", "sampler",
         "seed", "common", "reevaluate", "jobs"}
SAMPLERS = {"tpe": "tpe", "nsga2": "nsgaii", "random": "random", "grid": "grid"}
TRIALS = "trials.parquet"
REEVALUATION = "reevaluation.parquet"
RESULT = "optimum.json"


class OptimiseError(ValueError):
    """A malformed optimisation file: the message names the field at fault."""


@dataclass
class Search:
    """A parsed optimisation file."""

    name: str
    purpose: str
    kpis: list[str]
    directions: list[str]
    search: dict[str, str]
    constraints: list[dict[str, Any]] = field(default_factory=list)
    penalty: list[float] = field(default_factory=list)
    trials: int = 30
    replications: int = 3
    sampler: str = "tpe"
    seed: int = 42
    common: list[str] = field(default_factory=list)
    top: int = 3
    re_replications: int = 8
    re_seed: int = 4242
    jobs: int = 1

    def objective_overrides(self) -> list[str]:
        """Return the overrides that make every trial return the objective."""
        def flow(x: Any) -> str:
            return yaml.safe_dump(x, default_flow_style=True, width=10**6).strip()
        return [f"objective.kpis={flow(self.kpis)}", f"objective.directions={flow(self.directions)}",
                f"objective.constraints={flow(self.constraints)}", f"objective.penalty={flow(self.penalty)}"]


def load_search(name: str, extra: list[str] | None = None) -> Search:
    """Read ``experiments/NAME.yaml`` (or a path) and check it."""
    path = Path(name)
    if not path.suffix:
        path = _REPO / "experiments" / f"{name}.yaml"
    if not path.is_file():
        raise OptimiseError(f"{name}: no such file ({path})")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return parse_search(path.stem, data, extra or [])


def parse_search(name: str, d: dict[str, Any], extra: list[str]) -> Search:
    """Check an optimisation mapping; raise OptimiseError naming the field at fault."""
    unknown = sorted(set(d) - _KEYS)
    if unknown:
        raise OptimiseError(f"{name}: {unknown[0]}: unknown field")
    objs = d.get("objectives")
    if not isinstance(objs, list) or not objs or len(objs) > 2:
        raise OptimiseError(f"{name}: objectives: one or two of {{kpi: NAME, direction: minimize|maximize}}")
    kpis, dirs = [], []
    for i, o in enumerate(objs):
        if not (isinstance(o, dict) and isinstance(o.get("kpi"), str) and o.get("direction") in DIRECTIONS):
            raise OptimiseError(f"{name}: objectives.{i}: needs kpi and direction (minimize or maximize)")
        kpis.append(o["kpi"])
        dirs.append(o["direction"])
    search = d.get("search")
    if not isinstance(search, dict) or not search:
        raise OptimiseError(f"{name}: search: a mapping of override keys to ranges, e.g. "
                            "policy.voucher_per_month: range(0, 1500, step=100)")
    penalty = d.get("penalty", [0.0] * len(kpis))
    if not isinstance(penalty, list):
        penalty = [penalty] * len(kpis)
    if len(penalty) != len(kpis) or not all(isinstance(p, (int, float)) and p >= 0 for p in penalty):
        raise OptimiseError(f"{name}: penalty: one number >= 0 per objective")
    sampler = d.get("sampler", "tpe" if len(kpis) == 1 else "nsga2")
    if sampler not in SAMPLERS:
        raise OptimiseError(f"{name}: sampler: one of {', '.join(SAMPLERS)}")
    re = d.get("reevaluate", {}) or {}
    counts = {}  # the file's value, or the Search default; each an integer >= its lower bound
    for key, lo in (("trials", 1), ("replications", 1), ("seed", 0), ("jobs", 1)):
        v = d.get(key, getattr(Search, key))
        if not isinstance(v, int) or v < lo:
            raise OptimiseError(f"{name}: {key}: an integer >= {lo}")
        counts[key] = v
    return Search(
        name=name, purpose=str(d.get("purpose", "")), kpis=kpis, directions=dirs,
        search={str(k): str(v) for k, v in search.items()}, constraints=list(d.get("constraints", []) or []),
        penalty=[float(p) for p in penalty], sampler=sampler,
        common=[*(str(x) for x in d.get("common", []) or []), *extra], top=int(re.get("top", 3)),
        re_replications=int(re.get("replications", 8)), re_seed=int(re.get("seed", 4242)), **counts)


def sweep_command(s: Search, out_dir: Path, trials: int | None = None) -> list[str]:
    """Return the ``childcare-sim --multirun`` command line of the search."""
    dirs = "[" + ",".join(s.directions) + "]"
    return [
        sys.executable, "-m", "sim", "--multirun",
        "hydra/sweeper=optuna", f"hydra/sweeper/sampler={SAMPLERS[s.sampler]}",
        f"hydra.sweeper.direction={dirs}", f"hydra.sweeper.n_trials={trials or s.trials}",
        f"hydra.sweeper.n_jobs={s.jobs}", f"hydra.sweeper.study_name={s.name}",
        f"hydra.sweeper.sampler.seed={s.seed}", "hydra.sweeper.max_failure_rate=1.0",
        f"hydra.sweep.dir={out_dir / 'trials'}", "hydra.sweep.subdir=${hydra.job.num}",
        f"seed={s.seed}", f"run.replications={s.replications}", "run.progress=false",
        *s.common, *s.objective_overrides(),
        *(f"{k}={v}" for k, v in s.search.items()),
        *([f"hydra.sweeper.sampler.population_size={population(trials or s.trials)}"]
          if s.sampler == "nsga2" else []),
    ]


def population(trials: int) -> int:
    """Return NSGA-II's population for ``trials`` trials: four generations at least (Optuna's
    default of 50 would spend a search of 40 trials on its random first generation)."""
    return max(4, min(50, trials // 4))


def run_search(s: Search, out_dir: Path, trials: int | None = None) -> int:
    """Run the Optuna sweep into ``out_dir/trials``; return the command's exit status."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = sweep_command(s, out_dir, trials)
    (out_dir / "command.txt").write_text(" ".join(cmd[1:]) + "\n", encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(_REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    with open(out_dir / "sweep.log", "w", encoding="utf-8") as log:
        return subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, check=False).returncode


def _param_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def collect(s: Search, out_dir: Path) -> Any:
    """Read every trial's run directory into a DataFrame (and ``trials.parquet``)."""
    import pandas as pd

    rows = []
    found = (out_dir / "trials").iterdir() if (out_dir / "trials").is_dir() else iter(())
    for d in sorted(found, key=lambda p: (len(p.name), p.name)):
        if not d.is_dir() or not d.name.isdigit():
            continue
        overrides = yaml.safe_load((d / ".hydra" / "overrides.yaml").read_text(encoding="utf-8")) \
            if (d / ".hydra" / "overrides.yaml").is_file() else []
        row: dict[str, Any] = {"trial": int(d.name)}
        for o in overrides:
            k, _, v = o.partition("=")
            if k in s.search:
                row[k] = _param_value(v)
        summary_path = d / "summary.json"
        if summary_path.is_file():
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
            obj = summary["meta"].get("objective") or {}
            for i, k in enumerate(s.kpis):
                row[f"objective_{i}"] = obj.get("values", [math.nan] * len(s.kpis))[i]
                row[k] = summary.get(k, math.nan)
            row["feasible"] = bool(obj.get("feasible", False))
            for c in s.constraints:
                row[c["kpi"]] = summary.get(c["kpi"], math.nan)
            row["failed"] = False
        else:
            row["failed"] = True
            row["feasible"] = False
            for i in range(len(s.kpis)):
                row[f"objective_{i}"] = math.nan
        rows.append(row)
    df = pd.DataFrame(rows, columns=None if rows else ["trial", "failed", "feasible"])
    df.to_parquet(out_dir / TRIALS, index=False)
    return df


def _better(values: list[float], other: list[float], directions: list[str]) -> bool:
    """True when ``values`` dominates ``other`` (at least as good everywhere, better somewhere)."""
    sign = [1.0 if d == "minimize" else -1.0 for d in directions]
    a = [s * v for s, v in zip(sign, values, strict=True)]
    b = [s * v for s, v in zip(sign, other, strict=True)]
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(x < y for x, y in zip(a, b, strict=True))


def candidates(s: Search, trials: Any) -> list[dict[str, Any]]:
    """Return the mixes to re-evaluate: the ``top`` best distinct ones, or the Pareto front."""
    ok = trials[~trials["failed"]].dropna(subset=[f"objective_{i}" for i in range(len(s.kpis))])
    keys = list(s.search)
    ok = ok.drop_duplicates(subset=keys)
    if len(s.kpis) == 1:
        asc = s.directions[0] == "minimize"
        best = ok.sort_values(["feasible", "objective_0"], ascending=[False, asc]).head(s.top)
        return [{k: r[k] for k in keys} for _, r in best.iterrows()]
    feas = ok[ok["feasible"]] if ok["feasible"].any() else ok
    vals = [[r[f"objective_{i}"] for i in range(len(s.kpis))] for _, r in feas.iterrows()]
    front = [i for i, v in enumerate(vals) if not any(_better(w, v, s.directions) for w in vals)]
    rows = feas.iloc[front].sort_values("objective_0")
    return [{k: r[k] for k in keys} for _, r in rows.iterrows()]


def reevaluate(s: Search, mixes: list[dict[str, Any]]) -> Any:
    """Run each mix with ``re_replications`` fresh replications (seed ``re_seed``, the same for all).

    Return one row per mix and replication: the mix, the replication, each objective's raw
    and penalised value, and feasibility.
    """
    import pandas as pd

    from sim.config.load import compose, to_params
    from sim.experiment.runner import run_replications

    rows = []
    for m, mix in enumerate(mixes):
        overrides = [*s.common, f"seed={s.re_seed}", f"run.replications={s.re_replications}",
                     "run.progress=false", *mix_overrides(mix)]
        params = to_params(compose(overrides))
        for r, res in enumerate(run_replications(params)):
            rec = evaluate(res.summary, s.kpis, s.directions, s.constraints, s.penalty)
            row: dict[str, Any] = {"candidate": m, **mix, "replication": r, "feasible": rec["feasible"]}
            for i, k in enumerate(s.kpis):
                row[k] = rec["raw"][i]
                row[f"objective_{i}"] = rec["values"][i]
            for c in s.constraints:
                row[c["kpi"]] = res.summary.get(c["kpi"], math.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def mix_overrides(mix: dict[str, Any]) -> list[str]:
    """Return a mix's overrides; values read back from Parquet are numpy scalars, written as numbers
    (``repr`` would give ``np.float64(5.0)``, which Hydra cannot parse)."""
    return [f"{k}={_plain(v)}" for k, v in mix.items()]


def conclude(s: Search, re_df: Any) -> dict[str, Any]:
    """Summarise the re-evaluation: each candidate's KPIs with 95% CIs and whether it meets the
    constraints (by its means, and over its whole CIs); for one objective, the best candidate
    (the best raw mean among those meeting the constraints by their means; if none does, the
    least penalised) and the paired difference of every runner-up's raw objective from it.

    The penalty guides the search; the verdict uses the raw KPI, because a penalty applied
    replication by replication would punish a mix whose mean meets a bound only because some
    replications fall short of it.
    """
    from sim.experiment.objective import violation
    from sim.experiment.stats import mean_ci95

    out: dict[str, Any] = {"name": s.name, "kpis": s.kpis, "directions": s.directions, "candidates": []}
    for m, g in re_df.groupby("candidate", sort=True):
        g = g.sort_values("replication")
        cand: dict[str, Any] = {"candidate": int(m), "mix": {k: _plain(g.iloc[0][k]) for k in s.search}}
        for i, k in enumerate(s.kpis):
            cand[k] = list(mean_ci95(list(g[k])))
            cand[f"objective_{i}"] = list(mean_ci95(list(g[f"objective_{i}"])))
        viol_mean = viol_ci = 0.0
        for c in s.constraints:
            m_c, h_c = mean_ci95(list(g[c["kpi"]]))
            cand[c["kpi"]] = [m_c, h_c]
            viol_mean += violation(m_c, c.get("min"), c.get("max"))
            viol_ci += violation(m_c - h_c, c.get("min"), None) + violation(m_c + h_c, None, c.get("max"))
        cand["violation"] = viol_mean
        cand["feasible"] = viol_mean == 0.0
        cand["feasible_whole_ci"] = viol_ci == 0.0
        out["candidates"].append(cand)
    if len(s.kpis) == 1 and out["candidates"]:
        k = s.kpis[0]
        sign = 1.0 if s.directions[0] == "minimize" else -1.0
        best = min(out["candidates"], key=lambda c: (c["violation"], sign * c[k][0]))
        out["best"] = best["candidate"]
        b = re_df[re_df["candidate"] == best["candidate"]].sort_values("replication")[k].tolist()
        for c in out["candidates"]:
            if c["candidate"] == best["candidate"]:
                continue
            o = re_df[re_df["candidate"] == c["candidate"]].sort_values("replication")[k].tolist()
            diff = [sign * (x - y) for x, y in zip(o, b, strict=True)]  # > 0: the runner-up is worse
            m, h = mean_ci95(diff)
            c["worse_than_best"] = [m, h]
            c["distinguishable"] = bool(m - h > 0) or not c["feasible"]
    return out


def _plain(v: Any) -> Any:
    try:
        return v.item()
    except AttributeError:
        return v
