"""Count the Python work per family: a speed figure that does not depend on the machine.

Wall-time ratios on a shared 2-core machine move by 10-40% between runs of the same command
(benchmarks/README.md), which hides a change of a few percent. This counts instead, with
``sys.setprofile``, the function calls one run makes: Python calls by where their code lives
(the model ``sim/model``, the rest of ``sim``, SimPy, everything else) and calls of built-in
functions. Each side runs twice, at ``--arrivals`` and at a tenth of it, and the figure is the
difference divided by the difference in families, so start-up, configuration and output
files cancel out: the marginal calls per family. The same counts for the idiomatic SimPy
script (``reference_mmc.py``) give the floor issue 11 compares with.

Usage::

    python benchmarks/calls.py                      # the queue preset, 20,000 arrivals, work tree
    python benchmarks/calls.py --against 2df1a81    # and at another commit (git archive)
    python benchmarks/calls.py --arrivals 50000 --json

The model's and SimPy's counts are deterministic for a given commit and seed (the same on
every machine), so a change's effect on them is exact; built-in and other calls vary by a
fraction of a call per family between runs (the run's wall-clock checks). How much time a
call costs still depends on the machine and on the call (a call to the recorder does more
than a call to ``env.now``).
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RATE, STAY, PLACES = 9.0, 1.0, 10
GROUPS = ("model", "sim", "simpy", "other", "builtin")


def group_of(filename: str) -> str:
    """Return where a Python function's code lives (one of ``GROUPS``, not ``builtin``)."""
    path = filename.replace(os.sep, "/")
    if "/sim/model/" in path:
        return "model"
    if "/sim/" in path and "site-packages" not in path:
        return "sim"
    if "/simpy/" in path:
        return "simpy"
    return "other"


class Counts:
    """A ``sys.setprofile`` hook counting calls by group."""

    def __init__(self) -> None:
        self.by_group: Counter[str] = Counter()
        self._cache: dict[str, str] = {}

    def __call__(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            name = frame.f_code.co_filename
            g = self._cache.get(name)
            if g is None:
                g = self._cache[name] = group_of(name)
            self.by_group[g] += 1
        elif event == "c_call":
            self.by_group["builtin"] += 1


def queue_overrides(arrivals: int, run_dir: str) -> list[str]:
    """The queue preset of benchmarks/run.py at ``arrivals`` families."""
    months = max(12, round(arrivals / RATE))
    return ["scenario=queue", f"queue.arrival_rate={RATE}", f"queue.mean_stay_months={STAY}",
            f"queue.places={PLACES}", f"run.horizon_months={months}", "run.warmup_months=1",
            "run.progress=false", f"hydra.run.dir={run_dir}"]


def child(tree: str, arrivals: int) -> dict[str, Any]:
    """Run the queue preset with ``tree``'s code under the hook; return the counts and families."""
    sys.path.insert(0, tree)
    os.chdir(tree)
    with tempfile.TemporaryDirectory() as run_dir:
        counts = Counts()
        sys.argv = ["sim", *queue_overrides(arrivals, run_dir)]
        sys.setprofile(counts)
        try:
            runpy.run_module("sim", run_name="__main__")
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
        finally:
            sys.setprofile(None)
        summary = json.loads((Path(run_dir) / "summary.json").read_text())
    import sim

    assert Path(sim.__file__).resolve().is_relative_to(Path(tree).resolve()), "imported the wrong tree"
    return {"families": summary["children_born"], "counts": dict(counts.by_group)}


def idiomatic(arrivals: int) -> dict[str, Any]:
    """Run the idiomatic SimPy script in-process under the hook; return the counts."""
    sys.path.insert(0, str(HERE))
    import reference_mmc as ref

    gap, stay, tally = ref.Draws(1, 0, 1.0 / RATE), ref.Draws(1, 1, STAY), ref.Tally()
    counts = Counts()
    sys.setprofile(counts)
    try:
        ref.run_idiomatic(arrivals, PLACES, gap, stay, tally)
    finally:
        sys.setprofile(None)
    return {"families": arrivals, "counts": dict(counts.by_group)}


def measure(tree: Path | None, arrivals: int) -> dict[str, Any]:
    """Marginal calls per family of one side (``tree`` None: the idiomatic script)."""
    runs = []
    for n in (arrivals // 10, arrivals):
        if tree is None:
            cmd = [sys.executable, __file__, "--child-idiomatic", str(n)]
        else:
            cmd = [sys.executable, __file__, "--child", str(tree), str(n)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"error: {' '.join(cmd)} failed: {out.stderr.strip().splitlines()[-1:]}")
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    small, big = runs
    families = big["families"] - small["families"]
    per = {g: (big["counts"].get(g, 0) - small["counts"].get(g, 0)) / families for g in GROUPS}
    per["total"] = sum(per.values())
    return {"families": families, "per_family": per}


def export(rev: str, dest: Path) -> Path:
    """Export commit ``rev`` of this clone into ``dest`` (git archive); return the tree."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arrivals", type=int, default=20_000)
    parser.add_argument("--against", action="append", default=[], metavar="REV",
                        help="also count at commit REV (repeatable)")
    parser.add_argument("--json", action="store_true", help="print one JSON object, not a table")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-idiomatic", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return 0
    if args.child_idiomatic:
        print(json.dumps(idiomatic(args.child_idiomatic)))
        return 0
    if args.arrivals < 1000:
        parser.error("--arrivals must be at least 1000 (the small run has a tenth)")
    sides: dict[str, Any] = {"work tree": measure(REPO, args.arrivals)}
    with tempfile.TemporaryDirectory() as tmp:
        for rev in args.against:
            sides[rev] = measure(export(rev, Path(tmp) / rev), args.arrivals)
    sides["idiomatic SimPy"] = measure(None, args.arrivals)
    if args.json:
        print(json.dumps(sides))
        return 0
    print(f"calls per family, queue preset, marginal between {args.arrivals // 10:,} and {args.arrivals:,} "
          "arrivals")
    print("| side | " + " | ".join(GROUPS) + " | total |")
    print("|---" * (len(GROUPS) + 2) + "|")
    for name, side in sides.items():
        per = side["per_family"]
        print(f"| {name} | " + " | ".join(f"{per[g]:.1f}" for g in (*GROUPS, "total")) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
