"""The names an experiment file uses, checked before the first run (issue 18, item 5).

An experiment's ``kpis``, ``headline`` and ``cost`` must be KPIs its runs will write. Which
KPIs a run writes depends on its city (a per-type KPI for each provider type, ``_scaled``
KPIs at a sample scale), so the names are taken from the model itself: a one-month run of
each scenario's configuration (one per distinct set of types and scale, well under a second).
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable

from sim.experiment.spec import Experiment, ExperimentError
from sim.model import World
from sim.params.schema import Config, freeze


def written_kpis(params: Config) -> set[str]:
    """Return the KPI names a run of ``params`` writes in ``summary.json`` (a one-month run)."""
    p = copy.deepcopy(params)
    p.run.horizon_months, p.run.burnin_months, p.run.warmup_months = 1.0, 0.0, 0.0
    p.run.replications, p.run.jobs = 1, 1
    p.policy.timeline, p.capacity.timeline = [], []
    return set(World(freeze(p), 0).run().summary)


def known_kpis(params: Iterable[Config]) -> set[str]:
    """Return the KPI names written by any of the configurations (one short run per city kind)."""
    names: set[str] = set()
    seen: set[tuple[tuple[str, ...], bool]] = set()
    for p in params:
        kind = (tuple(sorted(p.city.types)), p.city.scale < 1)
        if kind not in seen:
            seen.add(kind)
            names |= written_kpis(p)
    return names


def check_kpi_names(exp: Experiment, known: set[str]) -> None:
    """Raise ExperimentError naming the first KPI of ``exp`` that no run writes."""
    fields = [("kpis", k) for k in exp.kpis] + [("headline", exp.headline)]
    if exp.cost is not None:
        fields.append(("cost", exp.cost))
    for field, name in fields:
        if name not in known:
            near = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ExperimentError(f"{field}: unknown KPI {name!r}{hint}; the KPIs are listed in README, KPIs")
