"""Sensitivity studies: the file ``experiments/sensitivity_NAME.yaml`` parsed and checked.

A study (format: ``docs/sensitivity.md``) names the assumptions to vary (registry names,
groups, ``all``, or ad-hoc ``{key, low, high}`` entries), the KPIs, the replications and seed
every design point shares (common random numbers), the Morris screening's size, the Sobol
stage's (``top`` parameters, ``n_base`` base samples) and the bootstrap resamples of the
confidence intervals. :func:`load_sensitivity` finds and reads the file, :func:`parse_sensitivity`
checks it; a malformed file raises :class:`SensitivityError` whose ``key`` names the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.config.errors import ConfigError
from sim.experiment.assumptions import GROUPS, Assumption, AssumptionError, load_assumptions, parse_assumption

_KEYS = {"purpose", "common", "parameters", "kpis", "replications", "seed", "morris", "sobol",
         "bootstrap", "conf_level"}
_REPO = Path(__file__).resolve().parents[2]


class SensitivityError(ConfigError):
    """A malformed sensitivity file: ``key`` names the field at fault (``error: <key>: <reason>``)."""


@dataclass(frozen=True)
class Sobol:
    """The Sobol stage: the ``top`` parameters by Morris mu_star, ``n_base`` base samples."""

    top: int = 5
    n_base: int = 64


@dataclass
class SensitivityStudy:
    """A global sensitivity analysis (the parsed ``experiments/sensitivity_NAME.yaml``)."""

    name: str
    purpose: str
    parameters: list[Assumption]
    kpis: list[str]
    named: set[str] = field(default_factory=set)  # keys named one by one (absent: an error, not a skip)
    common: list[str] = field(default_factory=list)
    replications: int = 2
    seed: int = 42
    trajectories: int = 10
    levels: int = 4
    sobol: Sobol | None = None
    bootstrap: int = 200
    conf_level: float = 0.95
    source: str = ""


def _int(doc: dict[str, Any], key: str, default: int, low: int, where: str | None = None) -> int:
    v = doc.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise SensitivityError(where or key, f"must be a whole number >= {low}, got {v!r}")
    return v


def _str_list(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise SensitivityError(key, f"must be a list of strings, got {value!r}")
    return [str(v) for v in value]


def parameters(value: Any) -> tuple[list[Assumption], set[str]]:
    """Return the assumptions a ``parameters`` field selects (registry order, then ad-hoc ones)
    and the keys named one by one."""
    if value == "all":
        return load_assumptions(), set()
    if not isinstance(value, list) or not value:
        raise SensitivityError("parameters", "must be 'all' or a list of registry names, groups "
                                             "or {key, low, high} entries")
    names, groups, extra = [], [], []
    for i, item in enumerate(value):
        if item == "all":
            groups += list(GROUPS)
        elif isinstance(item, str) and item in GROUPS:
            groups.append(item)
        elif isinstance(item, str):
            names.append(item)
        else:
            try:
                extra.append(parse_assumption(item, f"parameters[{i}]", group="preset"))
            except AssumptionError as exc:
                key, _, reason = str(exc).partition(": ")
                raise SensitivityError(key, reason) from None
    try:
        chosen = load_assumptions(names, groups) if names or groups else []
    except AssumptionError as exc:
        raise SensitivityError("parameters", str(exc)) from None
    every = chosen + extra
    keys = [a.key for a in every]
    dup = next((k for k in keys if keys.count(k) > 1), None)
    if dup:
        raise SensitivityError("parameters", f"{dup} is listed twice")
    return every, set(names) | {a.key for a in extra}


def _sobol(value: Any) -> Sobol | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"top", "n_base"}:
        raise SensitivityError("sobol", f"must be null or a mapping with top and n_base, got {value!r}")
    top = _int(value, "top", Sobol.top, 1, "sobol.top")
    n_base = _int(value, "n_base", Sobol.n_base, 2, "sobol.n_base")
    if n_base & (n_base - 1):
        raise SensitivityError("sobol.n_base", f"must be a power of 2 (Sobol sequences), got {n_base}")
    return Sobol(top, n_base)


def parse_sensitivity(doc: Any, name: str, extra: list[str] | None = None,
                      source: str = "") -> SensitivityStudy:
    """Check a loaded YAML mapping and return the study (raise SensitivityError naming the field)."""
    if not isinstance(doc, dict):
        raise SensitivityError("file", "must be a YAML mapping")
    unknown = set(doc) - _KEYS
    if unknown:
        raise SensitivityError(sorted(unknown)[0], f"unknown field (known: {', '.join(sorted(_KEYS))})")
    if "parameters" not in doc:
        raise SensitivityError("parameters", "is required")
    kpis = _str_list(doc.get("kpis"), "kpis")
    if not kpis:
        raise SensitivityError("kpis", "needs at least one KPI")
    morris = doc.get("morris") or {}
    if not isinstance(morris, dict) or set(morris) - {"trajectories", "levels"}:
        raise SensitivityError("morris", f"must be a mapping with trajectories and levels, got {morris!r}")
    levels = _int(morris, "levels", 4, 2, "morris.levels")
    if levels % 2:
        raise SensitivityError("morris.levels", f"must be even (Morris grids), got {levels}")
    conf = doc.get("conf_level", 0.95)
    if not isinstance(conf, float) or not 0.5 <= conf < 1:
        raise SensitivityError("conf_level", f"must be a number in [0.5, 1), got {conf!r}")
    params, named = parameters(doc["parameters"])
    return SensitivityStudy(
        name=name, purpose=str(doc.get("purpose", "")), parameters=params, named=named, kpis=kpis,
        common=_str_list(doc.get("common"), "common") + list(extra or []),
        replications=_int(doc, "replications", 2, 1), seed=_int(doc, "seed", 42, 0),
        trajectories=_int(morris, "trajectories", 10, 2, "morris.trajectories"), levels=levels,
        sobol=_sobol(doc.get("sobol")), bootstrap=_int(doc, "bootstrap", 200, 10), conf_level=conf,
        source=source)


def find_file(name: str) -> Path:
    """Return the file of ``name``: a path, or ``experiments/sensitivity_NAME.yaml`` here or in the repo."""
    p = Path(name)
    if p.suffix in (".yaml", ".yml") and p.is_file():
        return p
    for root in (Path.cwd(), _REPO):
        for stem in (f"sensitivity_{name}", name):
            candidate = root / "experiments" / f"{stem}.yaml"
            if candidate.is_file():
                return candidate
    raise SensitivityError("file", f"no experiments/sensitivity_{name}.yaml (here or in {_REPO})")


def load_sensitivity(name: str, extra: list[str] | None = None) -> SensitivityStudy:
    """Find, read and check a sensitivity study; ``extra`` overrides are added to ``common``."""
    path = find_file(name)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SensitivityError("file", f"{path.name}: {str(exc).splitlines()[0]}") from None
    stem = path.stem.removeprefix("sensitivity_")
    return parse_sensitivity(doc, stem, extra, str(path))
