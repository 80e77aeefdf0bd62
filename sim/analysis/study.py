"""What an experiment (or a plain ``--multirun`` sweep) compared: its scenarios and run records.

:func:`load_study` reads a directory written by ``childcare-sim-experiment`` (its
``experiment.json`` and ``runs/<scenario>/``), a ``childcare-sim --multirun`` sweep
directory (each job's ``.hydra/overrides.yaml`` and ``summary.json``; jobs whose overrides
differ only by ``seed`` form one scenario) or a single run directory. A run's resolved
configuration, the city's name and the dates where levers change (:func:`lever_marks`) are
read from its files; the frames built from the runs are in :mod:`sim.analysis.tables`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.experiment.layout import (
    DEFAULT_FIGURES,
    DEFAULT_KPIS,
    ERROR,
    EXPERIMENT_FILE,
    RUNS_DIR,
    SUMMARY,
)


class UnreadableResult(ValueError):
    """A result file of a complete run cannot be read (corrupted or truncated)."""


def read_table(path: Path) -> pd.DataFrame:
    """Read a run's Parquet file; an unreadable one is an UnreadableResult naming it."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise UnreadableResult(f"{path}: not a readable Parquet file ({first}); rerun its run "
                               "(childcare-sim-experiment ... --force, or delete its summary.json "
                               "and run the same command again)") from None


@dataclass
class RunRecord:
    """One run directory of a study: complete (``summary``) or failed (``error``)."""

    scenario: str
    path: Path
    overrides: list[str]
    summary: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when the run is complete."""
        return self.summary is not None


@dataclass
class Study:
    """What was compared: scenarios in order, their overrides, and the runs."""

    name: str
    purpose: str
    kind: str
    scenarios: list[str]
    overrides: dict[str, list[str]]
    common: list[str]
    runs: list[RunRecord]
    baseline: str
    kpis: list[str] = field(default_factory=lambda: list(DEFAULT_KPIS))
    figures: list[str] = field(default_factory=lambda: list(DEFAULT_FIGURES))
    headline: str = "mean_waitlist"
    cost: str | None = "public_cost_total"
    replications: int | None = None

    @property
    def ok_runs(self) -> list[RunRecord]:
        """The complete runs."""
        return [r for r in self.runs if r.ok]

    @property
    def failed_runs(self) -> list[RunRecord]:
        """The runs that failed or never finished."""
        return [r for r in self.runs if not r.ok]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_run(scenario: str, path: Path, overrides: list[str]) -> RunRecord:
    """Return the record of one run directory."""
    summary = _read_json(path / SUMMARY)
    if summary is not None and "meta" not in summary:
        summary = None
    error = None if summary else (_read_json(path / ERROR) or {"error": "missing", "key": "run",
                                                                "reason": "no summary.json"})
    return RunRecord(scenario, path, overrides, summary, error)


def last_per_key(overrides: list[str]) -> list[str]:
    """Return the overrides with each key once, at its first place, with its last value (the one
    that wins, as in Hydra)."""
    last = {o.split("=", 1)[0]: o for o in overrides}
    seen: dict[str, str] = {}
    for o in overrides:
        seen.setdefault(o.split("=", 1)[0], last[o.split("=", 1)[0]])
    return list(seen.values())


def _experiment_study(d: Path) -> Study:
    spec = json.loads((d / EXPERIMENT_FILE).read_text(encoding="utf-8"))
    scen: dict[str, list[str]] = spec["scenarios"]
    dirs: dict[str, str] = spec["run_dirs"]
    runs = [read_run(s, d / RUNS_DIR / dirs[s], scen[s]) for s in scen]
    common = last_per_key([*spec.get("common", []), f"run.replications={spec['replications']}",
                           *spec.get("extra", [])])
    return Study(spec["name"], spec["purpose"], "experiment", list(scen), scen, common, runs,
                 spec.get("baseline") or next(iter(scen)), spec.get("kpis", list(DEFAULT_KPIS)),
                 spec.get("figures", list(DEFAULT_FIGURES)), spec.get("headline", "mean_waitlist"),
                 spec.get("cost", "public_cost_total"), spec.get("replications"))


def _job_dirs(d: Path) -> list[Path]:
    jobs = [p for p in d.iterdir() if p.is_dir() and (p / ".hydra" / "overrides.yaml").is_file()]
    return sorted(jobs, key=lambda p: (0, int(p.name), "") if p.name.isdigit() else (1, 0, p.name))


def _overrides_of(job: Path) -> list[str]:
    data = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text(encoding="utf-8")) or []
    return [str(o) for o in data if not str(o).lstrip("+~").startswith("hydra")]


def _sweep_study(d: Path, jobs: list[Path]) -> Study:
    overrides = {j: _overrides_of(j) for j in jobs}
    common = [o for o in overrides[jobs[0]] if all(o in v for v in overrides.values())]
    runs, scen, order = [], {}, []
    for j in jobs:
        own = [o for o in overrides[j] if o not in common]
        differing = [o for o in own if not o.startswith("seed=")]
        name = " ".join(differing) or "default"
        if name not in scen:
            scen[name] = differing
            order.append(name)
        runs.append(read_run(name, j, own))
    purpose = (f"A childcare-sim --multirun sweep of {len(jobs)} job(s) in {d.name}"
               + (f", all with {' '.join(common)}" if common else "") + ".")
    return Study(d.name, purpose, "multirun", order, scen, common, runs, order[0])


def load_study(d: Path) -> Study:
    """Return the study in directory ``d`` (experiment, multirun sweep or single run)."""
    d = Path(d)
    if (d / EXPERIMENT_FILE).is_file():
        return _experiment_study(d)
    jobs = _job_dirs(d) if d.is_dir() else []
    if jobs:
        return _sweep_study(d, jobs)
    if (d / SUMMARY).is_file() or (d / ERROR).is_file():
        ov = _overrides_of(d) if (d / ".hydra" / "overrides.yaml").is_file() else []
        run = read_run("run", d, ov)
        return Study(d.name, f"One childcare-sim run ({' '.join(ov) or 'defaults'}).", "run",
                     ["run"], {"run": []}, ov, [run], "run")
    raise FileNotFoundError(f"{d}: no experiment.json, multirun job directories or summary.json")


def resolved_config(run: RunRecord) -> dict[str, Any]:
    """Return the run's resolved configuration (``.hydra/config.yaml`` without ``hydra``); {} if absent."""
    p = run.path / ".hydra" / "config.yaml"
    if not p.is_file():
        return {}
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    data.pop("hydra", None)
    return data if isinstance(data, dict) else {}


def city_name(study: Study) -> str:
    """The city's own name: ``city.name`` of the resolved configuration, else the runs' ``meta.city``."""
    for r in study.ok_runs:
        name = (resolved_config(r).get("city") or {}).get("name")
        if name:
            return str(name)
    cities = sorted({str(r.summary["meta"].get("city")) for r in study.ok_runs
                     if r.summary and r.summary["meta"].get("city")})
    return ", ".join(cities) or "the city"


@dataclass(frozen=True)
class LeverMark:
    """Levers that change at ``month`` (0 = January of the start year) in ``scenarios``: ``text``."""

    month: int
    text: str
    scenarios: frozenset[str]


def _lever_text(levers: dict[str, Any]) -> str:
    def value(v: Any) -> str:
        if v is None:
            return "none"
        if isinstance(v, bool) or not isinstance(v, int | float):
            return str(v)
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"
    return ", ".join(f"{k.replace('_per_year', '/yr').replace('_per_month', '/month').replace('_', ' ')} "
                     f"{value(v)}" for k, v in levers.items())


def lever_marks(study: Study) -> list[LeverMark]:
    """Return the lever changes of the study's runs (``lever_changes`` in their summary meta), by date."""
    seen: dict[tuple[int, str], set[str]] = {}
    for r in study.ok_runs:
        for ch in (r.summary or {}).get("meta", {}).get("lever_changes", []) or []:
            key = (int(ch["month"]), f"{ch['date']} {_lever_text(ch['levers'])}")
            seen.setdefault(key, set()).add(r.scenario)
    return [LeverMark(m, text, frozenset(who)) for (m, text), who in sorted(seen.items())]

