"""Mutation testing of one rule module with its own fast tests (issue 19).

Usage, from the repository root with the dev extras installed::

    nice -n 19 python tools/mutate.py fees          # mutate sim/model/fees.py, then summarise
    nice -n 19 python tools/mutate.py fees --rerun  # only the last run's survivors, current tests
    nice -n 19 python tools/mutate.py fees --rerun NAME ...  # only these mutants
    nice -n 19 python tools/mutate.py validate --sample 200 --seed 19  # a random sample
    python tools/mutate.py fees --summary           # summarise the last run only
    python tools/mutate.py --list                   # the modules and their tests

The modules, their files and their tests are the table ``[tool.mutation.modules]`` in
``pyproject.toml``; the rest of mutmut's settings are ``[tool.mutmut]``. The script narrows
mutmut's configuration to one file and its tests, runs ``mutmut run`` on that file's mutants
with ``--workers`` workers (default 2; use 1 on a shared machine), and prints the diff of every
survivor and the counts recorded in ``mutants/<file>.meta`` (each run starts the module
afresh). ``--rerun`` runs only the survivors of the last run again, against the tests as they
are now (after adding tests for them), and keeps every other mutant's result. The review of
every survivor is in docs/testing.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

# mutmut's exit codes; -9 is a worker killed from outside, here a mutant that loops, ordering
# without end, stopped before it fills the memory (docs/testing.md): counted as a timeout.
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", -9: "timeout"}


def modules() -> dict[str, Any]:
    """Return the table of rule modules from ``pyproject.toml``."""
    with open("pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["mutation"]["modules"]


def run(path: str, tests: list[str], workers: int, names: list[str] | None = None) -> None:
    """Run mutmut on the mutants of ``path`` (or only ``names``) with ``tests`` selected."""
    from mutmut import configuration
    from mutmut.__main__ import cli

    # Start the module afresh: mutmut skips a file whose copy is newer than its source, and
    # its recorded test-to-function map belongs to the previous module's test selection. A run
    # of another module copies this module's file back unmutated, so a rerun mutates it again
    # (mutants are numbered the same way for the same source) and keeps the other mutants'
    # results from the meta file, which mutmut rewrites.
    meta = Path("mutants", path + ".meta")
    before = json.loads(meta.read_text()) if names and meta.exists() else None
    for stale in ("mutmut-stats.json", path) if names else ("mutmut-stats.json", path, path + ".meta"):
        Path("mutants", stale).unlink(missing_ok=True)
    config = configuration._load_config()
    configuration._config = dataclasses.replace(
        config, only_mutate=[path], pytest_add_cli_args_test_selection=list(tests))
    dotted = path.removesuffix(".py").replace("/", ".")
    try:
        cli(["run", "--max-children", str(workers), *(names or [f"{dotted}.*"])], standalone_mode=False)
    except SystemExit as stop:
        if stop.code:
            raise
    finally:
        if before is not None:
            after = json.loads(meta.read_text())
            codes = dict(before["exit_code_by_key"])
            codes.update({k: after["exit_code_by_key"].get(k) for k in names or []})
            after["exit_code_by_key"] = codes
            meta.write_text(json.dumps(after))


def summary(path: str) -> dict[str, Any]:
    """Return the counts and the surviving mutants recorded for ``path``."""
    meta = json.loads(Path("mutants", path + ".meta").read_text())
    codes = meta["exit_code_by_key"]
    counts = Counter(STATUS.get(code, "other") for code in codes.values())
    survivors = sorted(k for k, code in codes.items() if STATUS.get(code) == "survived")
    killed = counts["killed"]
    tried = killed + counts["survived"] + counts["timeout"]
    rate = (killed + counts["timeout"]) / tried if tried else float("nan")
    return {"mutants": len(codes), **counts, "kill_rate": round(rate, 3), "survivors": survivors}


def sample(path: str, n: int, seed: int) -> list[str]:
    """Return ``n`` of the module's mutants drawn without replacement by
    ``numpy.random.default_rng(seed)`` from their sorted names (those of ``mutants/<file>.meta``,
    written by a run, even a stopped one)."""
    names = sorted(json.loads(Path("mutants", path + ".meta").read_text())["exit_code_by_key"])
    picked = np.random.default_rng(seed).choice(len(names), size=n, replace=False)
    return sorted(names[i] for i in picked)


def sample_summary(path: str, names: list[str]) -> dict[str, Any]:
    """Return the counts of the sampled mutants and a 95% Wilson interval on their kill rate."""
    codes = json.loads(Path("mutants", path + ".meta").read_text())["exit_code_by_key"]
    counts = Counter(STATUS.get(codes[k], "other") for k in names)
    survivors = sorted(k for k in names if STATUS.get(codes[k]) == "survived")
    killed = counts["killed"] + counts["timeout"]
    tried = killed + counts["survived"]
    p, z = killed / tried, 1.959964
    centre = (p + z * z / (2 * tried)) / (1 + z * z / tried)
    half = z * math.sqrt(p * (1 - p) / tried + z * z / (4 * tried * tried)) / (1 + z * z / tried)
    return {"sampled": len(names), **counts, "kill_rate": round(p, 3),
            "wilson95": [round(centre - half, 3), round(centre + half, 3)], "survivors": survivors}


def show_survivors(names: list[str]) -> None:
    """Print the diff of each surviving mutant (while its file is still the mutated copy)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    for name in names:
        print(get_diff_for_mutant(name))


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run one module and print its summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", nargs="?", help="a key of [tool.mutation.modules]")
    parser.add_argument("--summary", action="store_true", help="summarise the last run only")
    parser.add_argument("--list", action="store_true", help="list the modules and their tests")
    parser.add_argument("--rerun", nargs="*", metavar="MUTANT",
                        help="run the last run's survivors (or only these) again, with the current tests")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="run N mutants drawn at random (after a first, possibly stopped, run)")
    parser.add_argument("--seed", type=int, default=19, help="the seed of --sample")
    parser.add_argument("--workers", type=int, default=2, help="mutmut workers (1 on a shared machine)")
    args = parser.parse_args(argv)
    table = modules()
    if args.list or not args.module:
        for name, entry in table.items():
            print(f"{name:18} {entry['path']:34} {' '.join(entry['tests'])}")
        return 0
    entry = table[args.module]
    if args.sample:
        names = sample(str(entry["path"]), args.sample, args.seed)
        if not args.summary:
            run(str(entry["path"]), list(entry["tests"]), args.workers, names)
        result = sample_summary(str(entry["path"]), names)
        show_survivors(list(result["survivors"]))
        print(json.dumps({"module": args.module, "seed": args.seed, **result}, indent=1))
        return 0
    if args.rerun is not None:
        names = args.rerun or list(summary(str(entry["path"]))["survivors"])
        if names:
            run(str(entry["path"]), list(entry["tests"]), args.workers, names)
    elif not args.summary:
        run(str(entry["path"]), list(entry["tests"]), args.workers)
    result = summary(str(entry["path"]))
    show_survivors(list(result["survivors"]))
    print(json.dumps({"module": args.module, **result}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
