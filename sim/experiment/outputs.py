"""Run-directory outputs, written atomically (temp file, then rename).

``summary.json`` is written last: a run directory with a ``summary.json`` is complete.
Files: ``summary.json`` (flat KPI -> number, plus ``meta``), ``timeseries.parquet`` (one
row per month, district and replication), ``replications.parquet`` (one row per
replication), ``waits.parquet`` (histogram of waits of admitted families).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim.experiment.stats import summarise
from sim.model.world import RunResult

SUMMARY = "summary.json"
TIMESERIES = "timeseries.parquet"
REPLICATIONS = "replications.parquet"
WAITS = "waits.parquet"
ERROR = "error.json"


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_parquet(path: Path, df: pd.DataFrame) -> None:
    """Write a DataFrame as Parquet atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def timeseries_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """Return the monthly district rows of every replication in one frame."""
    frames = []
    for r in results:
        df = pd.DataFrame(r.timeseries)
        df.insert(0, "replication", int(r.meta.get("replication", 0)))
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def replications_frame(results: Sequence[RunResult], seed: int) -> pd.DataFrame:
    """Return one row per replication: replication, seed, wall seconds and every KPI."""
    rows = []
    for r in results:
        row: dict[str, Any] = {"replication": r.meta.get("replication", 0), "seed": seed,
                               "wall_seconds": r.meta.get("wall_seconds", math.nan)}
        row.update(r.summary)
        rows.append(row)
    return pd.DataFrame(rows)


def waits_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """Return the wait histogram (bin upper edge in months, count) per replication."""
    rows = []
    for r in results:
        edges, counts = r.wait_histogram
        rep = r.meta.get("replication", 0)
        rows.extend({"replication": rep, "wait_months": e, "families": c}
                    for e, c in zip(edges, counts, strict=True))
    return pd.DataFrame(rows, columns=["replication", "wait_months", "families"])


def write_run(out_dir: Path, results: Sequence[RunResult], meta: dict[str, Any], seed: int) -> dict[str, Any]:
    """Write every output of a run into ``out_dir``; ``summary.json`` last. Return the summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / ERROR).unlink(missing_ok=True)
    atomic_write_parquet(out_dir / TIMESERIES, timeseries_frame(results))
    atomic_write_parquet(out_dir / REPLICATIONS, replications_frame(results, seed))
    atomic_write_parquet(out_dir / WAITS, waits_frame(results))
    payload = summary_payload(results, meta)
    atomic_write_bytes(out_dir / SUMMARY, (json.dumps(payload, indent=2) + "\n").encode())
    return payload


def write_error(out_dir: Path, key: str, reason: str, kind: str) -> None:
    """Record why a run failed (``error.json``), so a sweep can report it and go on."""
    body = {"error": kind, "key": key, "reason": reason}
    atomic_write_bytes(out_dir / ERROR, (json.dumps(body, indent=2) + "\n").encode())
