"""Fingerprint the model's outputs, to show that an optimisation changes no result.

A speed-up that keeps the same random draws in the same order must leave every KPI and every
monthly row bit-for-bit identical. This script runs a fixed set of small scenarios that
touch every mechanism (queue with and without waitlist and patience, the demo city with
economics, staff, policies and the capacity programme, a lottery, the megacity, the
calibrated China strata) and writes, per scenario, the KPIs and a hash of each output table.

Usage::

    python benchmarks/golden.py --write /tmp/before.json     # on the old code
    python benchmarks/golden.py --compare /tmp/before.json   # on the new code: exit 1 if any differ

The committed fingerprint ``benchmarks/golden.json`` is checked by CI (``.ci/run``): a change
that moves any result must regenerate it on purpose (``--write benchmarks/golden.json``) and
say why in its commit. A change that reorders random draws cannot stay bit-identical; show
that it is statistically the same with ``benchmarks/equivalence.py`` instead.

Both take ``--jobs`` (default 2) and ``--only NAME,...``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PY = sys.executable
Q = ("scenario=queue", "queue.arrival_rate=9", "queue.mean_stay_months=1", "queue.places=10")
CASES: dict[str, tuple[str, ...]] = {
    "queue_mmc": (*Q, "run.horizon_months=3000"),
    "queue_erlang_b": (*Q, "queue.waitlist=false", "run.horizon_months=1500"),
    "queue_patience": (*Q, "queue.mean_patience_months=0.5", "run.horizon_months=1500", "seed=7"),
    "queue_lottery": (*Q, "allocation=lottery", "run.horizon_months=1500"),
    "demo": ("run.horizon_months=36",),
    "demo_policies": ("policy=combined", "capacity=target", "run.horizon_months=48", "seed=3"),
    "demo_births_decline": ("city.births_growth_per_year=-0.15", "run.horizon_months=60",
                            "staff.staffing=licensed"),
    "demo_reps": ("run.replications=2", "run.horizon_months=24", "policy=voucher"),
    "megacity": ("city=megacity", "run.horizon_months=12", "run.burnin_months=12"),
    "china_2024": ("city=china_2024",),
}


def fingerprint(run_dir: Path) -> dict[str, object]:
    """Return the KPIs (without meta) and a hash of every output table of one run."""
    import pandas as pd

    summary = json.loads((run_dir / "summary.json").read_text())
    summary.pop("meta", None)
    out: dict[str, object] = {"kpis": summary}
    for name in ("timeseries", "waits", "replications"):
        path = run_dir / f"{name}.parquet"
        if path.exists():
            df = pd.read_parquet(path)
            df = df.drop(columns=[c for c in df.columns if c == "wall_seconds"])
            digest = hashlib.sha256(pd.util.hash_pandas_object(df, index=True).values.tobytes())
            out[name] = f"{len(df)} rows {digest.hexdigest()[:16]}"
    return out


def run_case(name: str, args: tuple[str, ...], root: Path) -> tuple[str, dict[str, object]]:
    """Run one case with the CLI into ``root/name``; return its fingerprint."""
    run_dir = root / name
    cmd = [PY, "-m", "sim", "run.progress=false", f"hydra.run.dir={run_dir}", *args]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return name, {"error": (p.stderr or p.stdout)[-500:]}
    return name, fingerprint(run_dir)


def main(argv: list[str] | None = None) -> int:
    """Write or compare the fingerprints."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path, help="write fingerprints to this JSON file")
    mode.add_argument("--compare", type=Path, help="compare with fingerprints in this JSON file")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default=None, help="comma-separated case names")
    a = ap.parse_args(argv)
    names = a.only.split(",") if a.only else list(CASES)
    unknown = set(names) - set(CASES)
    if unknown:
        print(f"error: --only: unknown case(s) {sorted(unknown)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp, ThreadPoolExecutor(a.jobs) as pool:
        results = dict(pool.map(lambda n: run_case(n, CASES[n], Path(tmp)), names))
    if a.write:
        a.write.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        bad = [n for n, r in results.items() if "error" in r]
        for n in bad:
            print(f"{n}: {results[n]['error']}", file=sys.stderr)
        print(f"wrote {len(results)} fingerprints to {a.write}")
        return 1 if bad else 0
    old = json.loads(a.compare.read_text())
    differ = 0
    for n in names:
        if n not in old:
            print(f"{n}: not in {a.compare}")
            continue
        if results[n] == old[n]:
            print(f"{n}: identical")
            continue
        differ += 1
        new = results[n]
        if "error" in new:
            print(f"{n}: ERROR {new['error']}")
            continue
        diffs = [k for k in sorted(set(old[n]["kpis"]) | set(new["kpis"]))
                 if old[n]["kpis"].get(k) != new["kpis"].get(k)]
        tables = [t for t in ("timeseries", "waits", "replications") if old[n].get(t) != new.get(t)]
        print(f"{n}: DIFFERS in {len(diffs)} KPIs {diffs[:8]} and tables {tables}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
