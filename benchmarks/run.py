"""Measure the performance targets of issues 6 and 11 side by side and print one table.

Each figure is a whole process (``python -m sim ...`` or ``benchmarks/reference_mmc.py``)
timed from start to exit, so imports, configuration and output files count; its peak
memory is the child's maximum resident set size from ``os.wait4``. References are measured
in the same invocation on the same machine, so ratios do not depend on the machine.

Usage::

    python benchmarks/run.py              # every figure at full size (about 15 minutes)
    python benchmarks/run.py --quick      # tiny sizes, seconds: checks that the script works
    python benchmarks/run.py --only queue,megacity --repeat 1
    python benchmarks/run.py --rev HEAD   # measure the last commit, not the work tree
    python benchmarks/run.py --only megacity --against 2df1a81   # issue 11's comparison only

``--against REV`` (default ``2df1a81``, the last commit before issue 11's rewrite; ``none``
to skip) runs the megacity and the queue preset of REV (exported with git archive) in the
same invocation, interleaved with the work tree's runs (A, B, A, B ... for ``--repeat``).

Outputs go to a fresh folder under /tmp (``--out`` to choose); ``results.json`` and
``table.md`` there hold every measurement. ``--quick`` never judges a time: its result
column says ``quick``. The exit status is 1 only when a command fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REFERENCE = HERE / "reference_mmc.py"
PY = sys.executable
GROUPS = ("reference", "queue", "megacity", "scaling", "parallel")
# The last commit before issue 11's rewrite: what its speed targets compare with.
AGAINST = "2df1a81"
# Issue 6's figures for the reference scripts at 200,000 arrivals (seconds).
ISSUE_200K = {"heapq": 0.27, "callbacks": 0.53, "store": 1.3, "idiomatic": 2.0}
RATE, STAY, PLACES = 9.0, 1.0, 10
# The model of 2df1a81 on today's code: the behaviour later issues added, each at the setting
# that reproduces the model before it (every family accepts the first free place and takes a
# full-day place, every provider admits all year round, providers neither convert nor downsize
# and close after a run of deficits, no family has an older sibling in care). With it the
# megacity comparison measures what the rewrite into processes costs, apart from what the
# features added since cost (both are reported; the issue's 1.3 judges both).
REV_MODEL = ("families.accept_rule.first_free=1", "families.accept_rule.hold_out=0",
             "families.accept_rule.accept_and_transfer=0", "families.care_modes.full_day=1",
             "families.care_modes.half_day=0", "families.care_modes.hourly=0",
             "city.types.hub.intake=rolling", "city.types.kindergarten.intake=rolling",
             "city.types.public.intake=rolling", "economics.conversion=false", "economics.downsize=false",
             "economics.closure_rule=deficits", "families.sibling_share=0")


@dataclass
class Sizes:
    """How big each figure is (full or ``--quick``)."""

    queue_arrivals: int = 1_000_000
    ref_customers: int = 200_000
    city_months: int = 120
    city_burnin: int = 36
    long_months: int = 360
    runs: int = 8
    demo_months: int = 120


QUICK = Sizes(queue_arrivals=5_000, ref_customers=5_000, city_months=2, city_burnin=0,
              long_months=6, runs=2, demo_months=2)


@dataclass
class Proc:
    """One timed child process."""

    wall: float
    rss_mib: float
    stdout: str
    cpu: float = 0.0
    load: float = 0.0
    summary: dict[str, Any] | None = None  # a simulator run's summary.json, read right after it


@dataclass
class Row:
    """One line of the table."""

    figure: str
    measured: str
    reference: str
    ratio: float | None
    target: str
    ok: bool | None
    note: str = ""
    cpu_ratio: float | None = None
    judged: bool = False
    skipped: bool = False


@dataclass
class Bench:
    """State of one benchmark invocation."""

    out: Path
    tree: Path
    sizes: Sizes
    quick: bool
    repeat: int
    against_rev: str | None = None
    against: Path | None = None  # REV's exported tree, once exported
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


# -- running and timing child processes --------------------------------------------------------
def timed(cmd: list[str], cwd: Path, tree: Path | None = None) -> Proc:
    """Run ``cmd`` to completion; return its wall time, peak RSS and stdout.

    With ``tree``, the child imports ``sim`` (and reads ``configs/``) from that source tree.
    """
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode(errors="replace")
        if p.returncode != 0:
            tail = err.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"command failed ({p.returncode}): {' '.join(cmd)}\n{tail}")
    return Proc(wall, usage.ru_maxrss / 1024.0, text, usage.ru_utime + usage.ru_stime, load)


def fastest(procs: list[Proc]) -> Proc:
    """Return the fastest of ``procs``, with the largest RSS seen in any of them."""
    best = min(procs, key=lambda p: p.wall)
    return Proc(best.wall, max(p.rss_mib for p in procs), best.stdout, best.cpu, best.load, best.summary)


@dataclass
class Side:
    """One program of an interleaved comparison: a name, its command and the tree it imports.

    A simulator run names its ``run_dir``: its summary.json is read after every run, before
    the next run of the side overwrites it.
    """

    name: str
    cmd: list[str]
    tree: Path | None
    run_dir: Path | None = None


def interleaved(b: Bench, sides: list[Side], repeat: int) -> dict[str, list[Proc]]:
    """Run every side once per round (A, B, A, B ...), ``repeat`` rounds; return each side's runs.

    Interleaving spreads a drift of the machine's load over every side alike.
    """
    runs: dict[str, list[Proc]] = {s.name: [] for s in sides}
    for _ in range(max(1, repeat)):
        for s in sides:
            p = timed(s.cmd, b.out, s.tree)
            if s.run_dir is not None:
                p.summary = json.loads((s.run_dir / "summary.json").read_text())
            runs[s.name].append(p)
    return runs


def sim_cmd(*overrides: str, multirun: bool = False) -> list[str]:
    """Return the command line of one ``childcare-sim`` invocation."""
    return [PY, "-m", "sim", *(["--multirun"] if multirun else []), "run.progress=false", *overrides]


def run_sim(b: Bench, name: str, *overrides: str, repeat: int = 1) -> tuple[Proc, dict[str, Any]]:
    """Run the simulator into ``<out>/<name>``; return the process and its summary.json."""
    procs = interleaved(b, [sim_side(b, name, b.tree, *overrides)], repeat)[name]
    return fastest(procs), record_sim(b, name, procs)


def sim_side(b: Bench, name: str, tree: Path, *overrides: str) -> Side:
    """Return the simulator run into ``<out>/<name>`` with ``tree``'s code, as a comparison side."""
    return Side(name, sim_cmd(f"hydra.run.dir={b.out / name}", *overrides), tree, b.out / name)


def record_sim(b: Bench, name: str, procs: list[Proc]) -> dict[str, Any]:
    """Store the fastest of a simulator's runs under ``name``; return its summary.json."""
    p = fastest(procs)
    summary = p.summary
    assert summary is not None
    b.data[name] = {"wall": p.wall, "cpu": p.cpu, "rss_mib": p.rss_mib, "load_before": p.load,
                    "sim_wall": summary["meta"]["wall_seconds"], "walls": [q.wall for q in procs],
                    "rss_mibs": [q.rss_mib for q in procs]}
    return summary


def reference_cmd(variant: str, customers: int) -> list[str]:
    """Return the command line of one variant of the hand-written M/M/c."""
    return [PY, str(REFERENCE), variant, "--customers", str(customers), "--rate", str(RATE),
            "--mean-stay", str(STAY), "--servers", str(PLACES)]


def run_reference(b: Bench, variant: str, customers: int, repeat: int = 1) -> tuple[Proc, dict]:
    """Run one variant of the hand-written M/M/c; return the process and its JSON line."""
    return record_reference(b, variant, customers, [timed(reference_cmd(variant, customers), b.out)
                                                    for _ in range(max(1, repeat))])


def record_reference(b: Bench, variant: str, customers: int, procs: list[Proc]) -> tuple[Proc, dict]:
    """Store the fastest of a reference script's runs; return it and its JSON line."""
    p = fastest(procs)
    line = json.loads(p.stdout.strip().splitlines()[-1])
    b.data[f"ref_{variant}_{customers}"] = {"wall": p.wall, "cpu": p.cpu, "rss_mib": p.rss_mib,
                                             "load_before": p.load, **line}
    return p, line


def add(b: Bench, figure: str, measured: float, reference: float, unit: str, target: str,
        limit: float | None, note: str = "", cpu: tuple[float, float] | None = None) -> None:
    """Append a row whose ratio is measured / reference, judged against ``limit`` if given.

    ``cpu`` is (measured, reference) CPU seconds: shown as a second ratio, never judged (on a
    shared machine it tells contention apart from slowness).
    """
    ratio = measured / reference if reference > 0 else math.nan
    ok = None if limit is None or b.quick else ratio <= limit
    cpu_ratio = cpu[0] / cpu[1] if cpu and cpu[1] > 0 else None
    b.rows.append(Row(figure, f"{measured:.2f} {unit}", f"{reference:.2f} {unit}", ratio, target, ok, note,
                      cpu_ratio, limit is not None))


def span(months: int) -> str:
    """Return a horizon as text: whole years, else months."""
    return f"{months // 12} y" if months % 12 == 0 else f"{months} months"


# -- the figures ------------------------------------------------------------------------------
def bench_reference(b: Bench) -> None:
    """The four reference scripts at the issue's size, in-process time vs the issue's figures."""
    n = b.sizes.ref_customers
    waits = set()
    for v in ("heapq", "callbacks", "store", "idiomatic"):
        _, line = run_reference(b, v, n, b.repeat)
        waits.add(round(line["mean_wait"], 9))
        add(b, f"reference {v}, {n:,} customers (in-process)", line["wall_seconds"], ISSUE_200K[v], "s",
            "report", None, "reference = issue 6 figure at 200,000")
    b.data["reference_same_path"] = len(waits) == 1


def bench_queue(b: Bench) -> None:
    """Queue preset vs the hand-written SimPy scripts, the same number of arrivals (and vs REV)."""
    n = b.sizes.queue_arrivals
    horizon = math.ceil(n / RATE)  # whole months (the model's monthly rows need them)
    preset = ("scenario=queue", f"queue.arrival_rate={RATE}", f"queue.mean_stay_months={STAY}",
              f"queue.places={PLACES}", f"run.horizon_months={horizon}", "run.warmup_months=10")
    sides = [sim_side(b, "queue", b.tree, *preset), Side("idiomatic", reference_cmd("idiomatic", n), None)]
    rev = against_tree(b)
    if rev is not None:
        sides.append(sim_side(b, "queue_against", rev, *preset))
    runs = interleaved(b, sides, b.repeat)
    s = record_sim(b, "queue", runs["queue"])
    model = fastest(runs["queue"])
    b.data["queue"]["arrivals"] = s["children_born"]
    label = f"{n:,} arrivals"
    idio, idio_line = record_reference(b, "idiomatic", n, runs["idiomatic"])
    add(b, f"queue preset vs idiomatic SimPy, {label} (process)", model.wall, idio.wall, "s",
        "<= 1.0", 1.0, cpu=(model.cpu, idio.cpu))
    add(b, f"queue preset vs idiomatic SimPy, {label} (in-process: simulation only, no start-up "
        "or outputs; the model's meta.wall_seconds includes its KPIs)", b.data["queue"]["sim_wall"],
        float(idio_line["wall_seconds"]), "s", "report", None)
    add(b, "queue preset vs idiomatic SimPy, peak RSS", model.rss_mib, idio.rss_mib, "MiB",
        "report", None)
    for v in ("store", "callbacks", "heapq"):
        ref, _ = run_reference(b, v, n, b.repeat)
        add(b, f"queue preset vs {v} floor, {label} (process)", model.wall, ref.wall, "s", "report", None,
            cpu=(model.cpu, ref.cpu))
    add(b, f"queue preset vs idiomatic SimPy, {label} (process; issue 11's limit)", model.wall, idio.wall,
        "s", "<= 1.5", 1.5, "interleaved with the idiomatic script", cpu=(model.cpu, idio.cpu))
    if rev is not None:
        record_sim(b, "queue_against", runs["queue_against"])
        before = fastest(runs["queue_against"])
        add(b, f"queue preset at {b.against_rev} vs idiomatic SimPy, {label} (process)", before.wall,
            idio.wall, "s", "report", None, cpu=(before.cpu, idio.cpu))
        add_against(b, f"queue preset, {label}", runs, "queue", None)


def bench_megacity(b: Bench) -> None:
    """Megacity, 10 simulated years: wall time, peak memory and the idiomatic-SimPy ratio."""
    z = b.sizes
    city = ("city=megacity", f"run.horizon_months={z.city_months}", f"run.burnin_months={z.city_burnin}")
    years = span(z.city_months)
    rev = against_tree(b)
    if rev is None:
        p, s = run_sim(b, "megacity", *city)
    else:
        runs = interleaved(b, [sim_side(b, "megacity", b.tree, *city),
                               sim_side(b, "megacity_against", rev, *city),
                               sim_side(b, "megacity_revmodel", b.tree, *city, *REV_MODEL)], b.repeat)
        s = record_sim(b, "megacity", runs["megacity"])
        record_sim(b, "megacity_against", runs["megacity_against"])
        record_sim(b, "megacity_revmodel", runs["megacity_revmodel"])
        p = fastest(runs["megacity"])
    add(b, f"megacity {years}: wall time (process)", p.wall, 60.0, "s", "< 60 s", 1.0, cpu=(p.cpu, 60.0))
    add(b, f"megacity {years}: peak RSS", p.rss_mib, 2048.0, "MiB", "< 2 GiB", 1.0)
    sought = int(s["sought_care"])
    ref, _ = run_reference(b, "idiomatic", max(sought, 1))
    add(b, f"megacity vs idiomatic SimPy on sought_care = {sought:,} customers", p.wall, ref.wall, "s",
        "report", None, cpu=(p.cpu, ref.cpu))
    b.data["megacity"]["sought_care"] = sought
    b.data["megacity"]["children_born"] = s["children_born"]
    if rev is not None:
        add_against(b, f"megacity {years}", runs, "megacity", 1.3)
        add_against(b, f"megacity {years}, {b.against_rev}'s model (REV_MODEL)", runs, "megacity_revmodel",
                    1.3, against="megacity_against")


def add_against(b: Bench, what: str, runs: dict[str, list[Proc]], name: str, limit: float | None,
                against: str | None = None) -> None:
    """Add the measured tree vs REV rows of an interleaved pair: wall time and peak RSS.

    ``against`` names REV's runs (default ``<name>_against``).

    Wall time: fastest run of each side; the note gives the range of the per-round ratios.
    Peak RSS: the largest of each side's runs. ``limit`` judges both (issue 11: 1.3).
    """
    tree, rev = runs[name], runs[against or f"{name}_against"]
    a, r = fastest(tree), fastest(rev)
    pairs = [x.wall / y.wall for x, y in zip(tree, rev, strict=True)]
    note = f"interleaved, fastest of {len(pairs)} each; per-round ratios {min(pairs):.2f}-{max(pairs):.2f}"
    target = "report" if limit is None else f"<= {limit}"
    pair = f"{b.data.get('rev') or 'work tree'} vs {b.against_rev}"
    add(b, f"{what}: {pair}, wall time (process)", a.wall, r.wall, "s", target, limit, note,
        cpu=(a.cpu, r.cpu))
    add(b, f"{what}: {pair}, peak RSS", a.rss_mib, r.rss_mib, "MiB", target, limit)


def doubled_districts_csv(b: Bench, mode: str) -> Path:
    """Write the megacity's districts with twice the people and births (a CSV).

    ``area``: every district twice, the copy shifted east by the city's width plus 6 km, so
    the city is twice as big at the same density (each family weighs as many options as
    before). ``density``: every district with twice its population and births, so twice the
    institutions in the same area and every family weighs twice as many options.
    """
    import yaml

    spec = yaml.safe_load((b.tree / "configs" / "city" / "megacity.yaml").read_text(encoding="utf-8"))
    path = b.out / f"megacity_x2_{mode}.csv"
    rows = spec["districts"]
    cols = list(rows[0])
    width = max(d["x_km"] for d in rows) - min(d["x_km"] for d in rows) + 6.0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for d in rows:
            if mode == "density":
                w.writerow({**d, "population": d["population"] * 2,
                            "births_per_year": d["births_per_year"] * 2})
            else:
                w.writerow(d)
        if mode == "area":
            for d in rows:
                w.writerow({**d, "name": f"{d['name']} East", "x_km": d["x_km"] + width})
    return path


def bench_scaling(b: Bench) -> None:
    """Twice the people and births: at most twice the time; three times the horizon: same memory."""
    z = b.sizes
    base = b.data.get("megacity")
    if base is None:
        run_sim(b, "megacity", "city=megacity", f"run.horizon_months={z.city_months}",
                f"run.burnin_months={z.city_burnin}")
        base = b.data["megacity"]
    for mode, label, limit in (("area", "twice the area, same density", 2.1),
                               ("density", "same area, twice the density", None)):
        csv_path = doubled_districts_csv(b, mode)
        name = f"megacity_x2_{mode}"
        run_sim(b, name, "city=megacity", f"city.districts_csv={csv_path}",
                f"run.horizon_months={z.city_months}", f"run.burnin_months={z.city_burnin}")
        x2 = b.data[name]
        add(b, f"2x population and births ({label}): simulation time (meta.wall_seconds)", x2["sim_wall"],
            base["sim_wall"], "s", "ratio <= 2.1" if limit else "report", limit)
        add(b, f"2x population and births ({label}): process wall time", x2["wall"], base["wall"], "s",
            "report", None, cpu=(x2["cpu"], base["cpu"]))
    run_sim(b, "megacity_long", "city=megacity", f"run.horizon_months={z.long_months}",
            f"run.burnin_months={z.city_burnin}")
    long = b.data["megacity_long"]
    years = f"{span(z.city_months)} -> {span(z.long_months)}"
    add(b, f"3x horizon ({years}): peak RSS", long["rss_mib"], base["rss_mib"], "MiB", "ratio <= 1.2", 1.2)
    add(b, f"3x horizon ({years}): process wall time", long["wall"], base["wall"], "s", "report", None,
        cpu=(long["cpu"], base["cpu"]))


def kpis(path: Path) -> dict[str, Any]:
    """Return the KPIs of a summary.json (everything but ``meta``)."""
    s = json.loads(path.read_text())
    s.pop("meta", None)
    return s


def same_outputs(a: Path, c: Path) -> bool:
    """True when two run directories hold identical KPIs and identical monthly rows."""
    import pandas as pd

    if kpis(a / "summary.json") != kpis(c / "summary.json"):
        return False
    ta, tc = pd.read_parquet(a / "timeseries.parquet"), pd.read_parquet(c / "timeseries.parquet")
    return bool(ta.equals(tc))


def spare_cores(b: Bench, n: int = 2) -> None:
    """Control: ``n`` CPU-bound processes at once vs one after the other.

    About 1/n on an idle machine with n cores; near 1 when other jobs already use every core,
    and then no launcher can show a speed-up.
    """
    loop = [PY, "-c", f"sum(range({3 * 10**7 if not b.quick else 10**6}))"]
    t0 = time.perf_counter()
    for _ in range(n):
        subprocess.run(loop, check=True)
    seq = time.perf_counter() - t0
    t0 = time.perf_counter()
    procs = [subprocess.Popen(loop) for _ in range(n)]
    for p in procs:
        p.wait()
    par = time.perf_counter() - t0
    b.data["spare_cores"] = {"sequential": seq, "parallel": par, "load": os.getloadavg()[0]}
    add(b, f"control: {n} CPU-bound processes at once vs in turn", par, seq, "s",
        f"~{1 / n:.2f} on an idle machine", None, f"load average {os.getloadavg()[0]:.1f}")


def bench_parallel(b: Bench) -> None:
    """Replications on 2 processes vs 1, a joblib sweep vs the basic launcher, same results."""
    z = b.sizes
    spare_cores(b)
    demo = (f"run.horizon_months={z.demo_months}",)
    reps = f"run.replications={z.runs}"
    one, _ = run_sim(b, "reps_jobs1", reps, "run.jobs=1", *demo)
    two, _ = run_sim(b, "reps_jobs2", reps, "run.jobs=2", *demo)
    same = same_outputs(b.out / "reps_jobs1", b.out / "reps_jobs2")
    add(b, f"{z.runs} replications, run.jobs=2 vs 1 (process)", two.wall, one.wall, "s", "ratio <= 0.6", 0.6,
        "identical outputs" if same else "OUTPUTS DIFFER")
    seeds = "seed=" + ",".join(str(i + 1) for i in range(z.runs))
    walls = {}
    for launcher in ("basic", "joblib"):
        sweep_dir = b.out / f"sweep_{launcher}"
        cmd = sim_cmd(f"hydra/launcher={launcher}", f"hydra.sweep.dir={sweep_dir}", seeds, *demo,
                      multirun=True)
        p = timed(cmd, b.out, b.tree)
        walls[launcher] = p.wall
        b.data[f"sweep_{launcher}"] = {"wall": p.wall, "cpu": p.cpu, "load_before": p.load}
    equal = [same_outputs(b.out / "sweep_basic" / str(i), b.out / "sweep_joblib" / str(i))
             for i in range(z.runs)]
    b.data["launcher_independent"] = equal
    add(b, f"{z.runs}-run sweep, joblib vs basic launcher (process)", walls["joblib"], walls["basic"], "s",
        "ratio <= 0.6", 0.6)
    b.rows.append(Row("same KPIs and rows, basic vs joblib sweep", f"{sum(equal)}/{len(equal)} runs equal",
                      "all equal", None, "all equal", all(equal)))
    b.rows.append(Row("same KPIs and rows, run.jobs=1 vs 2", "equal" if same else "differ", "equal",
                      None, "equal", same))


# -- the table -----------------------------------------------------------------------------------
def verdict(r: Row, quick: bool) -> str:
    """Return the result cell of a row."""
    if r.skipped:
        return "skipped"
    if r.ok is None:
        return "quick" if quick and r.judged else "info"
    return "pass" if r.ok else "FAIL"


def table(b: Bench) -> str:
    """Return the rows as a Markdown table."""
    head = ("| figure | measured | reference | ratio | target | result | CPU ratio |\n"
            "|---|---|---|---|---|---|---|\n")
    lines = []
    for r in b.rows:
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}"
        fig = r.figure + (f" ({r.note})" if r.note else "")
        cpu = "" if r.cpu_ratio is None else f"{r.cpu_ratio:.2f}"
        cells = (fig, r.measured, r.reference, ratio, r.target, verdict(r, b.quick), cpu)
        lines.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


BENCHES = {"reference": bench_reference, "queue": bench_queue, "megacity": bench_megacity,
           "scaling": bench_scaling, "parallel": bench_parallel}


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Return the command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes; never judges times")
    ap.add_argument("--out", type=Path, default=None, help="output folder (default: new one in /tmp)")
    ap.add_argument("--repeat", type=int, default=None,
                    help="runs per queue/reference figure, fastest kept (default 3, quick 1)")
    ap.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated groups of {GROUPS}")
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--tree", type=Path, default=None,
                     help="source tree whose sim/ and configs/ to measure (default: this checkout)")
    src.add_argument("--rev", default=None,
                     help="measure this git revision (exported with git archive into the output folder)")
    ap.add_argument("--against", default=AGAINST, metavar="REV",
                    help=f"also run the megacity and queue groups at REV, interleaved with the measured "
                         f"tree, and report the ratios (default {AGAINST}; 'none' to skip)")
    return ap.parse_args(argv)


def export_rev(rev: str, dest: Path) -> Path:
    """Export revision ``rev`` of this repository into ``dest`` and return it."""
    import io
    import tarfile

    data = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", rev],
                          capture_output=True, check=True).stdout
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def check_imports(b: Bench, tree: Path) -> None:
    """Raise RuntimeError unless a child given ``tree`` imports ``sim`` from that tree.

    The child runs where the measured ones do (``b.out``): an installed copy found first
    would make both sides of a comparison the same code.
    """
    p = timed([PY, "-c", "import sim; print(sim.__file__)"], b.out, tree)
    found = Path(p.stdout.strip()).resolve()
    if not found.is_relative_to(tree.resolve()):
        raise RuntimeError(f"a child given {tree} imports sim from {found}")


def against_tree(b: Bench) -> Path | None:
    """Return REV's tree for ``--against`` (exported and checked once); None if not compared.

    A revision that cannot be exported (not in this clone, or no git) skips the comparison
    with a line on stderr and a ``skipped`` row; it is not an error.
    """
    if b.against is not None or b.against_rev is None or "against" in b.data:
        return b.against
    rev = b.against_rev
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", f"{rev}^{{commit}}"],
                                capture_output=True, text=True, check=True).stdout.strip()
        tree = export_rev(commit, b.out / "against")
    except (OSError, subprocess.CalledProcessError) as exc:
        reason = (getattr(exc, "stderr", None) or str(exc)).strip().splitlines()[-1]
        b.data["against"] = {"rev": rev, "skipped": reason}
        print(f"against {rev}: skipped, not found or not exported from this clone (git: {reason})",
              file=sys.stderr, flush=True)
        b.rows.append(Row(f"work tree vs {rev} (issue 11)", "not measured", f"{rev}: {reason}", None,
                          "<= 1.3", None, skipped=True))
        return None
    check_imports(b, b.tree)
    check_imports(b, tree)
    b.against = tree
    b.data["against"] = {"rev": rev, "commit": commit, "tree": str(tree)}
    return tree


def main(argv: list[str] | None = None) -> int:
    """Run the chosen groups, print the table and write results.json and table.md."""
    a = parse(argv)
    out = a.out or Path(tempfile.mkdtemp(prefix="childcare-bench-", dir="/tmp"))
    out.mkdir(parents=True, exist_ok=True)
    repeat = a.repeat if a.repeat is not None else (1 if a.quick else 3)
    out = out.resolve()
    tree = export_rev(a.rev, out / "tree") if a.rev else (a.tree or REPO).resolve()
    against = None if a.against.strip().lower() in ("", "none") else a.against.strip()
    b = Bench(out, tree, QUICK if a.quick else Sizes(), a.quick, repeat, against)
    b.data["tree"] = str(tree)
    b.data["rev"] = a.rev
    groups = [g.strip() for g in a.only.split(",") if g.strip()]
    unknown = set(groups) - set(GROUPS)
    if unknown:
        print(f"error: --only: unknown group(s) {sorted(unknown)}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        for g in GROUPS:
            if g in groups:
                print(f"[{time.perf_counter() - t0:6.0f}s] {g} ...", file=sys.stderr, flush=True)
                BENCHES[g](b)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        b.data["cpu_count"] = os.cpu_count()
        b.data["python"] = sys.version.split()[0]
        (b.out / "results.json").write_text(json.dumps(b.data, indent=2, default=str) + "\n")
        (b.out / "table.md").write_text(table(b))
    print(table(b))
    print(f"total {time.perf_counter() - t0:.0f} s; outputs in {b.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
