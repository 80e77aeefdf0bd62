"""Run-directory outputs, written atomically (:mod:`sim.experiment.atomic`).

``summary.json`` is written last: a run directory with a ``summary.json`` is complete.
Files (names in :mod:`sim.experiment.layout`): ``summary.json`` (flat KPI -> number, plus
``meta``), ``timeseries.parquet`` (one row per month, district and replication),
``replications.parquet`` (one row per replication), ``waits.parquet`` (histogram of waits
of admitted families), ``kpis_by_year.parquet`` (one row per replication and calendar year),
``by_group.parquet`` (one row per replication, group and KPI: income quintile, district, stratum).
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

import sim
from sim.experiment.atomic import atomic_write_bytes, atomic_write_parquet
from sim.experiment.layout import BY_GROUP, ERROR, KPIS_BY_YEAR, REPLICATIONS, SUMMARY, TIMESERIES, WAITS
from sim.experiment.stats import summarise
from sim.model import FLOAT_COLUMNS, TIMESERIES_COLUMNS, RunResult

if TYPE_CHECKING:
    import pandas as pd

def config_hash(resolved_yaml: str) -> str:
    """Return a short stable hash of the resolved configuration text."""
    return hashlib.sha256(resolved_yaml.encode("utf-8")).hexdigest()[:16]


def git_commit() -> str | None:
    """Return the commit of the source tree, if it is a git checkout."""
    root = Path(sim.__file__).resolve().parents[1]
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _clean(v: float) -> float | None:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def summary_payload(results: Sequence[RunResult], meta: dict[str, Any]) -> dict[str, Any]:
    """Return the summary object: KPI means (and ``_ci95`` for 2+ replications) plus meta."""
    flat = summarise([r.summary for r in results])
    payload: dict[str, Any] = {k: _clean(v) for k, v in flat.items()}
    payload["meta"] = meta
    return payload


# A single run writes its tables with pyarrow alone: importing pandas would add ~0.2 s to
# every process (every run of a sweep). The analysis reads them back with pandas.
def timeseries_table(results: Sequence[RunResult]) -> pa.Table:
    """Return the monthly district rows of every replication in one table."""
    names = list(results[0].timeseries) if results else list(TIMESERIES_COLUMNS)
    cols: dict[str, list] = {"replication": [], **{c: [] for c in names}}
    for r in results:
        n = len(r.timeseries[names[0]]) if names else 0
        cols["replication"].extend([_rep(r)] * n)
        for c in names:
            cols[c].extend(r.timeseries[c])
    return pa.table({c: _column(v, _TIMESERIES_KIND.get(c)) for c, v in cols.items()})


def replications_table(results: Sequence[RunResult], seed: int) -> pa.Table:
    """Return one row per replication: replication, seed, wall seconds and every KPI."""
    rows = []
    for r in results:
        row: dict[str, Any] = {"replication": r.meta.get("replication", 0), "seed": seed,
                               "wall_seconds": r.meta.get("wall_seconds", math.nan)}
        row.update(r.summary)
        rows.append(row)
    names = list(rows[0]) if rows else ["replication", "seed", "wall_seconds"]
    return pa.table({k: _column([row.get(k) for row in rows]) for k in names})


def waits_table(results: Sequence[RunResult]) -> pa.Table:
    """Return the wait histogram (bin upper edge in months, count) per replication."""
    reps: list[int] = []
    edges: list[float] = []
    counts: list[int] = []
    for r in results:
        e, c = r.wait_histogram
        reps.extend([_rep(r)] * len(e))
        edges.extend(float(x) for x in e)
        counts.extend(int(x) for x in c)
    if not counts:  # typed even when empty
        return pa.table({"replication": _column([0])[:0], "wait_months": _column([0.0])[:0],
                         "families": _column([0])[:0]})
    return pa.table({"replication": _column(reps), "wait_months": _column(edges),
                     "families": _column(counts)})


def kpis_by_year_table(results: Sequence[RunResult]) -> pa.Table:
    """Return the KPIs per calendar year of every replication (``replication``, ``year``, ...)."""
    names = list(results[0].by_year) if results else []
    cols: dict[str, list] = {"replication": [], **{c: [] for c in names}}
    for r in results:
        n = len(r.by_year[names[0]]) if names else 0
        cols["replication"].extend([_rep(r)] * n)
        for c in names:
            cols[c].extend(r.by_year[c])
    return pa.table({c: _column(v, "bool" if c == "in_window" else "int" if c == "replication" else None)
                     for c, v in cols.items()})


def by_group_table(results: Sequence[RunResult]) -> pa.Table:
    """Return the KPIs by group of every replication: ``replication, group_kind, group, kpi, value``."""
    cols: dict[str, list] = {"replication": [], "group_kind": [], "group": [], "kpi": [], "value": []}
    for r in results:
        rep = _rep(r)
        for kind, group, kpi, value in r.by_group:
            cols["replication"].append(rep)
            cols["group_kind"].append(kind)
            cols["group"].append(group)
            cols["kpi"].append(kpi)
            cols["value"].append(value)
    kinds = {"replication": "int", "group_kind": "str", "group": "str", "kpi": "str", "value": "float"}
    return pa.table({c: _column(v, kinds[c]) for c, v in cols.items()})


_TIMESERIES_KIND = {c: "float" if c in FLOAT_COLUMNS else "str" if c == "district" else "int"
                    for c in TIMESERIES_COLUMNS} | {"replication": "int"}


def _rep(r: RunResult) -> int:
    rep = r.meta.get("replication", 0)
    return int(rep) if isinstance(rep, (int, float, str, np.integer)) else 0


def _column(values: list, kind: str | None = None) -> pa.Array:
    """An Arrow column typed as pandas would infer it: int64, float64 (ints mixed in) or string.

    ``kind`` ("int", "float", "str") skips the inference when the caller knows the type.
    Built from raw buffers: ``pa.array`` would import pandas (~0.2 s) to check its input.
    """
    n = len(values)
    if kind == "bool":
        bits = np.packbits(np.asarray(values, dtype=bool), bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits)])
    if kind in ("int", "float") and n:
        arr = np.asarray(values)  # a float where an int was expected stays a float
        if arr.dtype.kind in "iub" and kind == "int":
            return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(arr.astype(np.int64))])
        if arr.dtype.kind in "iubf":
            return pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(arr.astype(np.float64))])
    if kind == "str" or any(isinstance(v, str) for v in values):
        encoded = [("" if v is None else str(v)).encode("utf-8") for v in values]
        offsets = np.zeros(n + 1, dtype=np.int32)
        offsets[1:] = np.cumsum([len(b) for b in encoded])
        buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
        return pa.Array.from_buffers(pa.string(), n, buffers)
    if values and all(isinstance(v, int) for v in values):
        return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(np.array(values, dtype=np.int64))])
    floats = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    return pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(floats)])


def timeseries_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """Return the monthly district rows of every replication as a DataFrame."""
    return timeseries_table(results).to_pandas()


def kpis_by_year_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """Return the KPIs per calendar year of every replication as a DataFrame."""
    return kpis_by_year_table(results).to_pandas()


def waits_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """Return the wait histogram per replication as a DataFrame."""
    return waits_table(results).to_pandas()


def write_run(out_dir: Path, results: Sequence[RunResult], meta: dict[str, Any], seed: int) -> dict[str, Any]:
    """Write every output of a run into ``out_dir``; ``summary.json`` last. Return the summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / ERROR).unlink(missing_ok=True)
    tables = ((TIMESERIES, timeseries_table), (REPLICATIONS, lambda r: replications_table(r, seed)),
              (WAITS, waits_table), (KPIS_BY_YEAR, kpis_by_year_table), (BY_GROUP, by_group_table))
    try:
        for name, table in tables:
            atomic_write_parquet(out_dir / name, table(results))
        payload = summary_payload(results, meta)
        atomic_write_bytes(out_dir / SUMMARY, (json.dumps(payload, indent=2) + "\n").encode())
    except BaseException:  # a full disk, an interrupt: leave no table of an incomplete run
        for name in (*(n for n, _ in tables), SUMMARY):
            (out_dir / name).unlink(missing_ok=True)
        raise
    return payload


def write_error(out_dir: Path, key: str, reason: str, kind: str) -> bool:
    """Record why a run failed (``error.json``), so a sweep can report it and go on.

    Never raises: on a full disk the atomic write may fail, and then a direct write of the
    few bytes is tried (it can succeed where a second file cannot). Return whether it was written.
    """
    data = (json.dumps({"error": kind, "key": key, "reason": reason}, indent=2) + "\n").encode()
    try:
        atomic_write_bytes(out_dir / ERROR, data)
        return True
    except OSError:
        pass
    try:
        (out_dir / ERROR).write_bytes(data)
        return True
    except OSError:
        return False
