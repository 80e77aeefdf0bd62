"""Merge the run directories of a city's shards into one run directory (issue 16).

The merged directory has the files of an unsharded run (:mod:`sim.experiment.outputs`).
Replication ``r`` of the merged run is replication ``r`` of every shard added together, and
``summary.json`` holds the means and 95% intervals over those merged replications.

How each KPI merges (:data:`SUMMARY_RULES`, :data:`YEARLY_RULES`; ``meta.merge`` lists them):

- **sum**: counts, money, time-weighted levels (``mean_waitlist``, ``mean_enrolled``...);
- **ratio** ``N / D``: recomputed as ``sum N / sum D`` from the shards' parts, where the
  denominator is a KPI (``weighted``: ``sum w r / sum w`` with ``w`` the ratio's exact
  denominator) or follows from the numerator (``ratio``: ``D = N / r``, so ``sum N / sum (N / r)``);
  never a plain mean of the shards' rates;
- **same**: settings every shard shares (``scale``, thresholds, the window);
- ``p90_wait_months``: from the merged wait histogram (``waits.parquet``), exact;
- income quintiles: the shards share the city's income cuts (``city.income_cuts``), so the
  quintile rows of ``by_group.parquet`` merge by child-months (enrollment rate, fee burden:
  exact); ``enrollment_concentration_index`` is recomputed from the five merged quintiles,
  where a run computes it from twenty income groups: **approximate** (a little closer to 0);
- **approximate**: ratios whose denominator no file holds, weighted by the nearest KPI
  (``exact=False``), e.g. ``occupancy_<type>`` by the type's places at the end.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.experiment.atomic import atomic_write_bytes, atomic_write_parquet
from sim.experiment.layout import BY_GROUP, KPIS_BY_YEAR, REPLICATIONS, SUMMARY, TIMESERIES, WAITS
from sim.experiment.stats import summarise
from sim.model import concentration_index

SUM, SAME = "sum", "same"


@dataclass(frozen=True)
class Ratio:
    """``N / D`` with ``N`` the KPI ``num``: merged ``sum N / sum (N / r)``."""

    num: str


@dataclass(frozen=True)
class Weighted:
    """A ratio whose denominator is (``exact``) or stands in for (not exact) the KPI ``weight``."""

    weight: str
    exact: bool = True


Rule = str | Ratio | Weighted
_OWN = "own"  # merged from other files: p90 from waits, quintiles from by_group

SUMMARY_RULES: dict[str, Rule] = {
    "enrollment_rate": Weighted("mean_children_under3"),
    "occupancy": Weighted("mean_licensed"), "utilization": Weighted("mean_licensed"),
    "usable_share": Weighted("mean_licensed"), "staff_shortfall": Weighted("caregivers_required"),
    "places_per_1000_start": Weighted("population"), "places_per_1000_end": Weighted("population"),
    "p_wait": Weighted("arrivals"), "p_blocked": Weighted("arrivals"), "p_reneged": Weighted("arrivals"),
    "mean_wait_months": Weighted("waits_counted"), "p_first_choice": Weighted("waits_counted"),
    "mean_time_on_waitlist": Weighted("waitlist_spells"),
    "family_cost_share": Weighted("care_months"), "mean_net_fee": Weighted("care_months"),
    "public_cost_per_enrolled_child_month": Weighted("care_months"),
    "incidents_per_1000_child_years": Weighted("care_months"),
    "provider_margin": Weighted("provider_revenue"),
    "intake_round_first_choice": Weighted("intake_round_placed"),
    "entrant_places_high_need_share": Weighted("entrant_places"),
    "public_cost_per_new_place": Weighted("programme_places"),
    "private_share_institutions": Weighted("institutions_end"),
    "population_share_below_places_target": Weighted("_population"),
    "mean_quality_enrolled": Weighted("care_months", exact=False),
    "qualified_share": Weighted("caregivers_required", exact=False),
    "caregiver_turnover_per_year": Weighted("caregivers_required", exact=False),
    "p_affordable_wanted_not_placed": Weighted("sought_care", exact=False),
    "entrants_survival_1y": Weighted("institutions_opened", exact=False),
    "entrants_survival_3y": Weighted("institutions_opened", exact=False),
    "access_affordable_share": Weighted("mean_children_under3", exact=False),
    "priced_out_share": Weighted("_decided", exact=False),
    "p90_wait_months": _OWN, "enrollment_concentration_index": _OWN,
    "scale": SAME, "access_reach_km": SAME, "access_places_target_per_1000": SAME, "window_months": SAME,
}
# name prefix -> rule from the rest of the name (first match wins; checked after the names above)
SUMMARY_PATTERNS: tuple[tuple[str, Callable[[str], Rule]], ...] = (
    ("occupancy_", lambda t: Weighted(f"places_by_type_end_{t}", exact=False)),
    ("mean_quality_enrolled_", lambda t: Weighted(f"places_by_type_end_{t}", exact=False)),
    ("mean_wait_months_q", lambda t: _OWN), ("enrollment_rate_q", lambda t: _OWN),
    ("priced_out_share_q", lambda t: _OWN), ("family_cost_share_q", lambda t: _OWN),
    ("mean_wait_months_", lambda t: Weighted("waits_counted", exact=False)),
)
SUMMARY_SUMS = (
    "children_born", "sought_care", "enrolled_ever", "never_sought", "pending_end", "priced_out",
    "no_provider", "blocked", "reneged", "aged_out", "left_early", "hourly_end", "waiting_end",
    "enrolled_end", "unaccounted", "arrivals", "mean_waitlist", "waitlist_end", "waitlist_joins",
    "population", "places_start", "places_end", "mean_children_under3", "mean_enrolled", "mean_occupied",
    "fee_exits",
    "displaced", "displaced_replaced", "institutions_start", "institutions_end", "institutions_opened",
    "institutions_closed", "budget_refused", "mean_licensed", "care_months", "waits_counted",
    "caregivers_required", "waitlist_spells", "provider_revenue", "mean_waiting_transfer", "transfers",
    "hourly_users", "hourly_hours_served", "hourly_hours_lost", "hourly_revenue", "intake_round_placed",
    "entrant_places", "conversions_to_affordable", "conversions_purchased", "incidents", "inspections",
    "warnings", "fines", "suspensions", "revocations", "children_displaced_by_sanctions",
    "training_places_used",
)
SUM_PREFIXES = ("mean_waitlist_", "programme_places", "places_by_type_end_", "public_cost_", "hub_", "hubs_",
                "places_end_")
YEARLY_RULES: dict[str, Rule] = {
    "year": SAME, "months": SAME, "in_window": SAME,
    # the year book has the enrollment rate's denominator; occupancy's (licensed places) and
    # places per 1,000's (population) are not columns of it: recovered as numerator / ratio,
    # which drops a shard whose numerator is 0 (a district with no places)
    "enrollment_rate": Weighted("mean_children_under3"), "occupancy": Ratio("mean_occupied"),
    "places_per_1000_end": Ratio("places_end"), "mean_wait_months": Weighted("admitted_arrivals"),
}
YEARLY_PATTERNS: tuple[tuple[str, Callable[[str], Rule]], ...] = (
    ("occupancy_", lambda t: Weighted(f"places_end_{t}", exact=False)),
)
YEARLY_SUMS = ("children_born", "mean_children_under3", "mean_enrolled", "mean_occupied", "mean_waitlist",
               "waitlist_end", "arrivals", "admitted_arrivals", "priced_out", "enrolled_ever", "fee_exits",
               "places_end", "institutions_end", "institutions_opened", "institutions_closed",
               "budget_refused")


def rule_for(key: str, rules: dict[str, Rule], patterns: Sequence[tuple[str, Callable[[str], Rule]]],
             sums: Sequence[str]) -> Rule:
    """Return how KPI ``key`` merges; KeyError for a KPI nobody decided (a new KPI needs a rule)."""
    if key in rules:
        return rules[key]
    if key in sums:
        return SUM
    for prefix, make in patterns:
        if key.startswith(prefix):
            return make(key[len(prefix):])
    if key.endswith("_scaled") or key.startswith(SUM_PREFIXES):
        return SUM
    raise KeyError(f"no merge rule for KPI {key!r}: add it to sim.experiment.merge")


def _derived(row: dict[str, float]) -> dict[str, float]:
    """Weights that follow from a shard's KPIs: its population and families deciding on the price."""
    pop = row.get("population")
    if pop is None:  # a kpis_by_year row: from its places and places per 1,000
        ppk = row.get("places_per_1000_end", 0.0)
        pop = row.get("places_end", 0.0) * 1000.0 / ppk if ppk else 0.0
    return {"_population": pop, "_decided": row.get("sought_care", 0.0) + row.get("priced_out", 0.0)}


def merge_rows(rows: Sequence[dict[str, Any]], rules: dict[str, Rule],
               patterns: Sequence[tuple[str, Callable[[str], Rule]]], sums: Sequence[str],
               keys: Sequence[str] | None = None) -> dict[str, Any]:
    """Return one row from the shards' rows of one replication (and year) by each KPI's rule."""
    keys = list(rows[0]) if keys is None else keys
    rows = [dict(r) | _derived(r) for r in rows]
    out: dict[str, Any] = {}
    for key in keys:
        rule = rule_for(key, rules, patterns, sums)
        vals = [r.get(key, math.nan) for r in rows]
        if rule == SUM:
            out[key] = math.fsum(vals)
        elif rule == SAME:
            out[key] = vals[0]
        elif isinstance(rule, Ratio):
            num = [r.get(rule.num, 0.0) for r in rows]
            den = math.fsum(n / v for n, v in zip(num, vals, strict=True) if v)
            out[key] = math.fsum(num) / den if den > 0 else 0.0
        elif isinstance(rule, Weighted):
            w = [r.get(rule.weight, 0.0) for r in rows]
            tot = math.fsum(x for x, v in zip(w, vals, strict=True) if not math.isnan(v))
            top = math.fsum(x * v for x, v in zip(w, vals, strict=True) if x and not math.isnan(v))
            out[key] = top / tot if tot > 0 else (0.0 if all(v == 0 for v in vals) else math.nan)
    return out


def describe_rules(keys: Sequence[str]) -> dict[str, list[str]]:
    """Return the summary KPIs by how they merge: exact (sums, ratios, same) or approximate."""
    exact: list[str] = []
    approx: list[str] = []
    for k in keys:
        rule = rule_for(k, SUMMARY_RULES, SUMMARY_PATTERNS, SUMMARY_SUMS)
        bad = (isinstance(rule, Weighted) and not rule.exact) or k == "enrollment_concentration_index"
        (approx if bad else exact).append(k)
    return {"exact": exact, "approximate": approx}


def _read(dirs: Sequence[Path], name: str) -> list[pd.DataFrame]:
    return [pd.read_parquet(d / name) for d in dirs]


def _p90(waits: pd.DataFrame) -> float:
    """The 90% quantile of a wait histogram, as the run computes it (upper bin edge)."""
    w = waits.sort_values("wait_months")
    total = float(w["families"].sum())
    if total == 0:
        return 0.0
    cum = w["families"].cumsum()
    return float(w["wait_months"][cum >= 0.9 * total].iloc[0])


def merge_replications(reps: list[pd.DataFrame], waits: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Return the merged replications table (one row per replication)."""
    kpis = [c for c in reps[0].columns if c not in ("replication", "seed", "wall_seconds")]
    out = []
    for r in sorted(reps[0]["replication"]):
        rows = [df[df["replication"] == r].iloc[0].to_dict() for df in reps]
        own = [k for k in kpis if rule_for(k, SUMMARY_RULES, SUMMARY_PATTERNS, SUMMARY_SUMS) != _OWN]
        row = merge_rows(rows, SUMMARY_RULES, SUMMARY_PATTERNS, SUMMARY_SUMS, keys=own)
        row["p90_wait_months"] = _p90(waits[waits["replication"] == r])
        quint = groups[(groups["replication"] == r) & (groups["group_kind"] == "income_quintile")]
        for _, g in quint.iterrows():
            row[f"{g['kpi']}_{g['group']}"] = g["value"]
        pivot = quint.pivot(index="group", columns="kpi", values="value").sort_index()
        row["enrollment_concentration_index"] = concentration_index(
            pivot["children_share"].tolist(), pivot["enrollment_rate"].tolist())
        head = {"replication": r, "seed": rows[0]["seed"],
                "wall_seconds": math.fsum(x["wall_seconds"] for x in rows)}
        out.append(head | {k: row[k] for k in kpis})
    return pd.DataFrame(out)


def merge_by_group(frames: list[pd.DataFrame], reps: list[pd.DataFrame]) -> pd.DataFrame:
    """Return the merged by-group rows: quintiles and strata by child-months, districts listed."""
    parts = []
    for df, rep in zip(frames, reps, strict=True):
        area = rep.set_index("replication")["mean_children_under3"]  # child-months / the shared window
        d = df.copy()
        d["_area"] = d["replication"].map(area)
        parts.append(d)
    allg = pd.concat(parts, ignore_index=True)
    total = allg[allg["group_kind"] == "income_quintile"].groupby(["replication", "_shard"])["_area"].first()
    total = total.groupby(level=0).sum()
    out = []
    for (rep, kind, group), g in allg.groupby(["replication", "group_kind", "group"], sort=False):
        out.extend(_merge_group(rep, kind, group, g, float(total[rep])))
    return pd.DataFrame(out, columns=["replication", "group_kind", "group", "kpi", "value"])


def _merge_group(rep: int, kind: str, group: str, g: pd.DataFrame, total: float) -> list[tuple]:
    """One group's rows merged over the shards that have it (weights: child-months, care-months)."""
    by = {s: part.set_index("kpi")["value"] for s, part in g.groupby("_shard", sort=False)}
    area = {s: float(v.get("children_share", 0.0)) * float(g[g["_shard"] == s]["_area"].iloc[0])
            for s, v in by.items()}
    care = {s: area[s] * float(v.get("enrollment_rate", 0.0)) for s, v in by.items()}
    weights = {"enrollment_rate": area, "family_cost_share": care, "mean_wait_months": care,
               "priced_out_share": area, "access_affordable_share": area}
    rows = []
    for kpi in g["kpi"].drop_duplicates():
        if kpi == "children_share":
            value = math.fsum(area.values()) / total if total > 0 else 0.0
        elif len(by) == 1:
            value = float(next(iter(by.values()))[kpi])
        else:  # a stratum or quintile in several shards; district rows are in one shard each
            w = weights.get(kpi, area)
            tw = math.fsum(w[s] for s in by if kpi in by[s])
            value = math.fsum(w[s] * float(by[s][kpi]) for s in by if kpi in by[s]) / tw if tw > 0 else 0.0
        rows.append((rep, kind, group, kpi, value))
    return rows


def merge_yearly(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Return the merged KPIs by calendar year (one row per replication and year)."""
    keys = [c for c in frames[0].columns if c != "replication"]
    allf = pd.concat([f.assign(_shard=i) for i, f in enumerate(frames)], ignore_index=True)
    out = []
    for (rep, _year), g in allf.groupby(["replication", "year"], sort=True):
        rows = g.drop(columns=["_shard", "replication"]).to_dict("records")
        row = merge_rows(rows, YEARLY_RULES, YEARLY_PATTERNS, YEARLY_SUMS, keys=keys)
        out.append({"replication": rep} | row)
    return pd.DataFrame(out, columns=frames[0].columns).astype({"in_window": bool})


def merge_runs(shard_dirs: Sequence[Path], out_dir: Path, meta: dict[str, Any],
               config_yaml: str | None = None) -> dict[str, Any]:
    """Merge the shard run directories into ``out_dir`` (``summary.json`` last); return the summary."""
    dirs = [Path(d) for d in shard_dirs]
    reps = _read(dirs, REPLICATIONS)
    if len({tuple(sorted(r["replication"])) for r in reps}) != 1:
        raise ValueError("the shards ran different replications: rerun them with the same run.replications")
    waits = pd.concat(_read(dirs, WAITS), ignore_index=True)
    waits = waits.groupby(["replication", "wait_months"], as_index=False)["families"].sum()
    groups = merge_by_group([g.assign(_shard=i) for i, g in enumerate(_read(dirs, BY_GROUP))], reps)
    merged = merge_replications(reps, waits, groups)
    series = pd.concat(_read(dirs, TIMESERIES), ignore_index=True).sort_values(
        ["replication", "month"], kind="stable")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in ((TIMESERIES, series), (REPLICATIONS, merged), (WAITS, waits),
                     (KPIS_BY_YEAR, merge_yearly(_read(dirs, KPIS_BY_YEAR))), (BY_GROUP, groups)):
        table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
        atomic_write_parquet(out_dir / name, table)
    if config_yaml is not None:
        atomic_write_bytes(out_dir / ".hydra" / "config.yaml", config_yaml.encode("utf-8"))
    kpis = [c for c in merged.columns if c not in ("replication", "seed", "wall_seconds")]
    flat = summarise([{k: float(row[k]) for k in kpis} for _, row in merged.iterrows()])
    payload: dict[str, Any] = {k: None if math.isnan(v) else v for k, v in flat.items()}
    payload["meta"] = dict(meta, replications=len(merged), merge=describe_rules(kpis))
    atomic_write_bytes(out_dir / SUMMARY, (json.dumps(payload, indent=2) + "\n").encode())
    return payload
