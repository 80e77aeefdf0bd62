"""A city too large for one process, run as independent shards and merged (issue 16).

A shard is one district of the city (a stratum of ``china_2024``), or one of ``k`` statistical
replicas of a district: the district with its population and births divided by ``k`` (places
follow, as ``places_per_1000`` stays). Replicas are not provinces or real sub-regions: they are
identical, independent copies that let a stratum too large for one process run in pieces.

Each shard runs the preset restricted to its district, with

- its own root seed, derived from the run's seed and the shard's name only
  (:func:`shard_seed`), so a shard's results do not depend on which or how many other shards
  run, or in what order;
- the whole city's income cuts (``city.income_cuts``), so its income quintiles are the city's.

:func:`run_shard` is one shard as an independent task (overrides, shard name, split, output
directory in; a run directory out): a launcher (a process pool here; Ray or a batch system
elsewhere) can send it anywhere. :mod:`sim.experiment.merge` combines the shard directories into
one run directory with the same files and KPIs as an unsharded run.

Shards are independent only where the city's districts do not interact. They interact through
(:func:`interactions`):

- families, market entry, the capacity programme's purchases and access, within their reach
  of another district: refused unless every pair of districts in different shards is farther
  apart than the longest of these reaches;
- a city-wide budget (``policy.budget_per_year``, also in ``policy.timeline``): refused, the
  shards would each spend the whole budget;
- the comprehensive centre (``capacity.hub``, one per city): refused;
- the capacity programme's city-wide target (``capacity.target_per_1000``): allowed, and
  recorded in the merged run's ``meta.shard_notes``: each shard reaches the target in its own
  population, where an unsharded run places the same national total by its placement rule.
"""

from __future__ import annotations

import dataclasses
import json
import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sim import __version__
from sim.config.errors import ConfigError
from sim.config.load import compose, to_params
from sim.experiment.atomic import atomic_write_bytes
from sim.experiment.rundir import execute
from sim.model import income_cuts
from sim.params.schema import Config, DistSpec, thaw

SHARD_FILE = "shard.json"  # in each shard's run directory: which shard, with which seed
SHARDS_DIR = "shards"  # <out>/shards/<name>/: one run directory per shard
MERGED_DIR = "merged"  # <out>/merged/: the merged run directory


@dataclass(frozen=True)
class Shard:
    """One independent piece of a city: a district, or a replica of one."""

    name: str
    district: dict[str, Any]  # its row of city.districts
    institutions: tuple[dict[str, Any], ...]  # its rows of city.institutions (none: generated)
    seed: int


def shard_seed(root_seed: int, name: str) -> int:
    """Return the root seed of shard ``name``: a function of the run's seed and the name only."""
    seq = np.random.SeedSequence(root_seed, spawn_key=(zlib.crc32(f"shard:{name}".encode()),))
    return int(seq.generate_state(1, dtype=np.uint32)[0] >> 1)  # a non-negative 31-bit int


def parse_split(items: Iterable[str]) -> dict[str, int]:
    """Return ``{district: k}`` from ``NAME=K`` items (``K`` alone: every district)."""
    out: dict[str, int] = {}
    for item in items:
        name, _, k = item.rpartition("=")
        try:
            n = int(k)
        except ValueError:
            raise ConfigError("shard.split", f"'{item}' is not NAME=K or K (a whole number)") from None
        if n < 1:
            raise ConfigError("shard.split", f"'{item}': K must be at least 1")
        out[name or "*"] = n
    return out


def plan(params: Config, split: dict[str, int] | None = None) -> list[Shard]:
    """Return the shards of a city: one per district, or ``split[name]`` replicas of it."""
    split = split or {}
    city = params.city
    names = [d.name for d in city.districts]
    unknown = sorted(set(split) - set(names) - {"*"})
    if unknown:
        raise ConfigError("shard.split", f"unknown district {unknown[0]!r} (districts: {', '.join(names)})")
    shards = []
    for spec in city.districts:
        row = dataclasses.asdict(thaw(spec))
        insts = tuple(dataclasses.asdict(thaw(i)) for i in city.institutions if i.district == spec.name)
        k = split.get(spec.name, split.get("*", 1))
        if k == 1:
            shards.append(Shard(spec.name, row, insts, shard_seed(params.seed, spec.name)))
            continue
        if insts:
            raise ConfigError("shard.split", f"district {spec.name} lists its institutions: only a district "
                                             "whose institutions are generated can be split into replicas")
        for i in range(1, k + 1):
            name = f"{spec.name}.{i}"
            rep = dict(row, name=name, population=row["population"] / k,
                       births_per_year=row["births_per_year"] / k)
            shards.append(Shard(name, rep, (), shard_seed(params.seed, name)))
    return shards


def _longest_travel_km(spec: DistSpec) -> float:
    if spec.dist == "fixed" and spec.value is not None:
        return float(spec.value)
    if spec.high is not None:
        return float(spec.high)
    return math.inf  # an unbounded travel limit: some family may reach any district


def interactions(params: Config) -> list[str]:
    """Return notes on what the shards of ``params`` share; raise ConfigError if they interact.

    The reach check compares every pair of different districts (replicas of one district are
    independent by construction) with the longest of: the families' travel limit, market
    entry's reach, the capacity programme's purchase reach and the access reach.
    """
    pol, cap, city = params.policy, params.capacity, params.city
    if pol.budget_per_year is not None or any("budget_per_year" in step for step in pol.timeline):
        raise ConfigError("policy.budget_per_year", "a city-wide budget would be spent once by every shard: "
                          "run it unsharded, or give each shard its own budget")
    if cap.hub or any("hub" in step for step in cap.timeline):
        raise ConfigError("capacity.hub", "one comprehensive centre per city: shards would build one each")
    reach = max(_longest_travel_km(params.families.travel_limit_km), params.economics.entry_reach_km,
                cap.reach_km, params.access.reach_km)
    km = _distances(params)
    n = len(city.districts)
    for i in range(n):
        for j in range(n):
            if i != j and km[i][j] <= reach:
                a, b = city.districts[i].name, city.districts[j].name
                raise ConfigError("city.distance_km", f"districts {a} and {b} are {km[i][j]:g} km apart, "
                                  f"within reach ({reach:g} km): shards would cut what joins them")
    notes = []
    if cap.target_per_1000 is not None:
        notes.append("capacity.target_per_1000: each shard reaches the target in its own population "
                     "(an unsharded run places the city's total by capacity.placement)")
    return notes


def _distances(params: Config) -> list[list[float]]:
    city = params.city
    if city.distance_km is not None:
        return [list(r) for r in city.distance_km]
    xy = [(d.x_km, d.y_km) for d in city.districts]
    return [[math.dist(a, b) for b in xy] for a in xy]


def shard_config(cfg: DictConfig, params: Config, shard: Shard) -> DictConfig:
    """Return ``cfg`` restricted to ``shard``: its district, its seed, the city's income cuts."""
    specs = params.city.districts
    cuts = income_cuts([d.median_income for d in specs], [d.income_sigma for d in specs],
                       [d.births_per_year for d in specs])
    city = {"districts": [shard.district], "districts_csv": None, "institutions": list(shard.institutions),
            "institutions_csv": None, "distance_km": None, "income_cuts": [float(c) for c in cuts],
            "name": params.city.name}
    out = OmegaConf.merge(cfg, {"city": city, "seed": shard.seed})
    assert isinstance(out, DictConfig)
    return out


def run_shard(overrides: Sequence[str], name: str, split: dict[str, int] | None,
              out_dir: Path) -> dict[str, Any]:
    """Run shard ``name`` of the run ``overrides`` describe into ``out_dir``; return its summary.

    The independent task of a sharded run: everything it needs is in its arguments.
    """
    cfg = compose(list(overrides))
    params = to_params(cfg)
    interactions(params)
    shards = {s.name: s for s in plan(params, split)}
    shard = shards.get(name)
    if shard is None:
        raise ConfigError("shard", f"no shard {name!r} (shards: {', '.join(shards)})")
    out_dir.mkdir(parents=True, exist_ok=True)
    record = {"shard": name, "seed": shard.seed, "root_seed": params.seed, "split": split or {},
              "overrides": list(overrides)}
    atomic_write_bytes(out_dir / SHARD_FILE, (json.dumps(record, indent=2) + "\n").encode())
    return execute(shard_config(cfg, params, shard), out_dir, quiet=True, scenario=f"shard {name}")


def run_sharded(overrides: Sequence[str], out: Path, split: dict[str, int] | None = None,
                only: Sequence[str] | None = None, jobs: int = 1) -> dict[str, Any] | None:
    """Run the shards of ``overrides`` (all, or ``only`` these) under ``out``; merge when all are there.

    Shards run one after the other (``jobs`` 1) or as tasks of a process pool. A shard whose
    directory already has a ``summary.json`` is not run again. Return the merged summary, or
    None while some shard has not run.
    """
    from sim.experiment.merge import merge_runs
    from sim.experiment.outputs import git_commit
    from sim.experiment.rundir import resolved_yaml
    from sim.experiment.workers import pool

    cfg = compose(list(overrides))
    params = to_params(cfg)
    notes = interactions(params)
    shards = plan(params, split)
    names = [s.name for s in shards]
    missing = sorted(set(only or ()) - set(names))
    if missing:
        raise ConfigError("shard", f"no shard {missing[0]!r} (shards: {', '.join(names)})")
    todo = [n for n in (only or names) if not (out / SHARDS_DIR / n / "summary.json").exists()]
    args = [(list(overrides), n, split, out / SHARDS_DIR / n) for n in todo]
    if jobs <= 1:
        for a in args:
            run_shard(*a)
    else:
        with pool(min(jobs, len(args) or 1)) as ex:
            list(ex.map(run_shard, *zip(*args, strict=True))) if args else None
    dirs = [out / SHARDS_DIR / n for n in names]
    if not all((d / "summary.json").exists() for d in dirs):
        return None
    walls = {n: json.loads((d / "summary.json").read_text())["meta"]["wall_seconds"]
             for n, d in zip(names, dirs, strict=True)}
    meta = {"seed": params.seed, "version": __version__, "git_commit": git_commit(), "city": params.city.name,
            "scenario": " ".join(overrides) or "default", "wall_seconds": round(max(walls.values()), 3),
            "shards": [{"name": s.name, "seed": s.seed, "wall_seconds": walls[s.name]} for s in shards],
            "shard_notes": notes, "lever_changes": []}
    return merge_runs(dirs, out / MERGED_DIR, meta, resolved_yaml(cfg))
