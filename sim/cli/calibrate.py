"""Calibrate the national preset to China's published 2024 figures (issue 7).

``childcare-sim-calibrate`` (also ``python -m sim.calibrate``) fits the behavioural
parameters of ``scenario=china_2024`` to the targets of ``shared/calibration/china.md`` and
verifies them (the procedure: :mod:`sim.experiment.calibration`), then prints the fitted
values and the table of targets. ``--write`` stores the fitted values in
``configs/scenario/calibrated.yaml`` (between its markers, with a comment naming the run) and
the results table in ``docs/calibration.md``; every run's numbers are also written to
``results/calibration/<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

from sim.config.load import CONFIG_DIR, load
from sim.experiment.calibration import (
    CHECKS,
    FORECAST,
    INF,
    PATH_YEARS,
    TARGETS,
    Calibration,
    Target,
    fit_need_intercept,
    fitted,
    run_metrics,
    search,
    summarise,
    verify,
)
from sim.experiment.forecast import Band, forecast_band
from sim.params.schema import Config

ROOT = CONFIG_DIR.parent
PRESET = CONFIG_DIR / "scenario" / "calibrated.yaml"
DOC = ROOT / "docs" / "calibration.md"
BEGIN, END = "# >>> fitted by sim.calibrate", "# <<< fitted"
DOC_BEGIN, DOC_END = "<!-- calibration-table:begin -->", "<!-- calibration-table:end -->"
FC_BEGIN, FC_END = "<!-- forecast-table:begin -->", "<!-- forecast-table:end -->"
BAND_BEGIN, BAND_END = "<!-- forecast-band:begin -->", "<!-- forecast-band:end -->"
FORECAST_RUN = ["run.horizon_months=60"]  # to the end of 2025; the preset measures KPIs over the last year
PROG = "childcare-sim-calibrate"


# -- reporting ----------------------------------------------------------------------------------
def _fmt(name: str, x: float) -> str:
    if name.startswith(("mean_net_fee", "mean_list_fee")):
        return f"{x:,.0f}"
    if name.startswith(("places_per_1000_end", "children_under3")):
        return f"{x:.3f}" if x < 10 else f"{x:.2f}"
    return f"{100 * x:.2f}%"


def _band(t: Target) -> str:
    if t.high == INF:
        return f"> {_fmt(t.name, t.low)}"
    return f"{_fmt(t.name, t.low)} to {_fmt(t.name, t.high)}"


def render(stats: dict[str, tuple[float, float]]) -> str:
    """Return the markdown tables of targets and checks."""
    lines = ["| target | year | china.md row | published | tolerance | simulated (95% CI) | within "
             "| fitted |",
             "|---|---|---|---|---|---|---|---|"]
    for t in TARGETS:
        m, h = stats[t.name]
        ok = "yes" if t.holds(m - h) and t.holds(m + h) else ("mean only" if t.holds(m) else "no")
        lines.append(f"| {t.label} | {t.year or ''} | {t.source} | {_fmt(t.name, t.value)} | {_band(t)} | "
                     f"{_fmt(t.name, m)} ± {_fmt(t.name, h)} | {ok} | {'yes' if t.fit_weight else 'no'} |")
    m, _ = stats["need_share_analytic"]
    lines += ["", f"Need share from the need model itself (exact integral, no sampling): {100 * m:.2f}%.",
              "", "| check (not fitted) | simulated (95% CI) | published |", "|---|---|---|"]
    for name, label, published in CHECKS:
        if name in stats:
            m, h = stats[name]
            ci = f" ± {_fmt(name, h)}" if h > 0 else ""
            lines.append(f"| {label} | {_fmt(name, m)}{ci} | {published} |")
    return "\n".join(lines)


SIMULATED = "enrollment 2021, 2022 and 2024, occupancy and fee burden 2024"

# What was published for each year of the path (calibration/china.md), beside the run's values.
PATH_ROWS: tuple[tuple[str, str, dict[int, str]], ...] = (
    ("places_per_1000_end", "places per 1,000, end of year",
     {2021: "2.03", 2022: "about 2.5 (2.75)", 2023: "3.38", 2024: "4.08"}),
    ("growth", "growth of places", {2022: "> 20%", 2023: "> 20%", 2024: "> 20%"}),
    ("enrollment_rate", "enrollment rate", {2021: "5.5%", 2022: "about 6%", 2024: "7.86%"}),
    ("occupancy", "occupancy", {2021: "~80% (derived)", 2022: "~60% (derived)", 2024: "~38% (derived)"}),
    ("children_under3_millions", "children under 3 (millions)", {2024: "nearly 30"}),
    ("mean_list_fee", "mean list fee (yuan/month)", {}),
)


def render_path(stats: dict[str, tuple[float, float]], years: Sequence[int]) -> str:
    """Return the table of the 2021-2024 path: simulated (95% CI) against published, by year."""
    head = "| metric | " + " | ".join(str(y) for y in years) + " |"
    lines = [head, "|---|" + "---|" * len(years)]
    for key, label, published in PATH_ROWS:
        cells = []
        for y in years:
            name = f"{key}_{y}"
            if name not in stats:
                cells.append(published.get(y, ""))
                continue
            m, h = stats[name]
            pub = published.get(y)
            cells.append(f"{_fmt(name, m)} ± {_fmt(name, h)}" + (f" ({pub})" if pub else ""))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_band(band: Band) -> str:
    """Return the table of the 2025 forecast's range over the kept assumption points."""
    n, kept = len(band.kept), sum(band.kept)
    failed = sum(1 for m in band.metrics if m is None)
    lines = [f"{n} points over {len(band.assumptions)} assumptions; {kept} keep every fitted target "
             f"of 2021-2024 within tolerance" + (f"; {failed} runs failed" if failed else "") + ".",
             "", "| 2025 | lowest | median | highest (over the points kept) |", "|---|---|---|---|"]
    for name, label in FORECAST:
        lo, mid, hi = band.summary()[name]
        lines.append(f"| {label} | {_fmt(name, lo)} | {_fmt(name, mid)} | {_fmt(name, hi)} |")
    lines += ["", "| fitted target | points outside its tolerance |", "|---|---|"]
    labels = {t.name: t.label for t in TARGETS}
    lines += [f"| {labels[k]} | {v} |" for k, v in band.ruled_out_by().items()]
    return "\n".join(lines)


def render_forecast(stats: dict[str, tuple[float, float]]) -> str:
    """Return the 2025 forecast table (mean and 95% CI over replications)."""
    lines = ["| 2025 | forecast (95% CI) |", "|---|---|"]
    for name, label in FORECAST:
        m, h = stats[name]
        lines.append(f"| {label} | {_fmt(name, m)} ± {_fmt(name, h)} |")
    return "\n".join(lines)


def _one_in(scale: float) -> str:
    return f"1/{1 / scale:.0f}"


def render_fitted(c: Calibration) -> str:
    """Return the markdown table of the fitted parameters."""
    how = (f"Nelder-Mead, {c.evaluations} candidates at scale {_one_in(c.search_scale)}, "
           f"seed {c.search_seed}, {c.search_reps} replications each (loss {c.loss:.4f})")
    return "\n".join([
        "| parameter | fitted value | default it replaces | fitted to | method |", "|---|---|---|---|---|",
        f"| `families.need.intercept` | {c.intercept:.4f} | -0.8 | need share 34% | "
        "analytic (Gauss-Hermite + Brent) |",
        f"| `families.price_response.burden50` | {c.burden50:.4f} | 0.25 | {SIMULATED} | {how} |",
        f"| `families.start_age.mean` (months) | {c.start_age_mean:.3f} | 22.0 | {SIMULATED} | "
        "the same search |"])


def provenance(c: Calibration, verify_scale: float, verify_seed: int, verify_reps: int) -> str:
    """Return the comment naming the run that produced the fitted values."""
    day = datetime.now().strftime("%Y-%m-%d")
    return (f"# Fitted {day} by `python -m sim.calibrate --write`: Nelder-Mead, {c.evaluations} "
            f"evaluations at scale {_one_in(c.search_scale)},\n# seed {c.search_seed}, "
            f"{c.search_reps} replications each (common random numbers), loss {c.loss:.4f}; "
            f"verified at scale\n# {_one_in(verify_scale)}, seed {verify_seed}, {verify_reps} "
            "replications (docs/calibration.md).")


def preset_block(p: Config, c: Calibration, note: str) -> str:
    """Return the fitted block of ``configs/scenario/calibrated.yaml``."""
    sa = p.families.start_age
    return "\n".join([
        BEGIN + " (do not edit by hand between these markers)", note, "families:", "  need:",
        f"    intercept: {c.intercept:.4f}   # analytic: need share 34% (china.md s.2 "
        "\"Families who want childcare\")",
        "  price_response:",
        f"    burden50: {c.burden50:.4f}    # fitted: the 2021-2024 path (docs/calibration.md, "
        "china.md s.2, s.3)",
        f"  start_age: {{dist: {sa.dist}, mean: {c.start_age_mean:.3f}, sd: {sa.sd}, low: {sa.low}, "
        f"high: {sa.high}}}   # mean fitted", END])


def fitted_overrides(c: Calibration) -> list[str]:
    """Return the fitted values of ``c`` as Hydra overrides (the band's points start from them)."""
    return [f"families.need.intercept={c.intercept}", f"families.price_response.burden50={c.burden50}",
            f"families.start_age.mean={c.start_age_mean}"]


def replace_between(path: Path, begin: str, end: str, block: str) -> None:
    """Replace the lines from the one starting with ``begin`` to the one with ``end``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = next(k for k, s in enumerate(lines) if s.startswith(begin))
    j = next(k for k, s in enumerate(lines) if k > i and s.startswith(end))
    path.write_text("\n".join([*lines[:i], block, *lines[j + 1:]]) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None, prog: str = PROG) -> argparse.Namespace:
    """Return the command-line options (``prog`` names the command in help and errors)."""
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    ap.add_argument("--search-scale", type=float, default=0.0005, help="sample scale of the search")
    ap.add_argument("--search-reps", type=int, default=6, help="replications per candidate")
    ap.add_argument("--seed", type=int, default=2024, help="root seed of the search (common to candidates)")
    ap.add_argument("--maxfev", type=int, default=40, help="most candidates the search evaluates")
    ap.add_argument("--verify-scale", type=float, default=None, help="default: the preset's city.scale")
    ap.add_argument("--verify-reps", type=int, default=12)
    ap.add_argument("--verify-seed", type=int, default=7, help="independent of the search seed")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--verify-only", action="store_true", help="verify the preset as it is (no search)")
    ap.add_argument("--forecast", action="store_true",
                    help="also forecast 2025 (run.horizon_months=60), seed and replications as verified")
    ap.add_argument("--band", type=int, default=0, metavar="N",
                    help="with --forecast: also run N Latin-hypercube points of the assumption registry "
                         "and report the 2025 range over those the 2021-2024 path keeps")
    ap.add_argument("--write", action="store_true", help="write the preset block and docs tables")
    return ap.parse_args(argv)


def calibrate(p: Config, args: argparse.Namespace, pool: Executor,
              log: Callable[[str], None]) -> Calibration:
    """Fit the need intercept (analytic) and the two simulated parameters (search)."""
    need = next(t for t in TARGETS if t.name == "need_share")
    intercept = fit_need_intercept(p, need.value)
    log(f"need intercept {intercept:.4f} -> need share {need.value:.2f}")
    p = copy.deepcopy(p)
    p.families.need.intercept = intercept
    b50, age = p.families.price_response.burden50, float(p.families.start_age.mean or 22.0)
    fun, nfev = math.nan, 0
    if not args.verify_only:
        (b50, age), fun, nfev = search(p, args.seed, args.search_reps, pool, args.maxfev, log)
    return Calibration(intercept, b50, age, fun, nfev, p.city.scale, args.seed, args.search_reps)


def write_outputs(p: Config, c: Calibration, args: argparse.Namespace, scale: float,
                  stats: dict[str, tuple[float, float]], wall: float,
                  fc: dict[str, tuple[float, float]] | None = None, band: Band | None = None) -> list[Path]:
    """Write the run record; with ``--write`` also the preset block and the docs tables."""
    out = ROOT / "results" / "calibration" / f"{datetime.now():%Y-%m-%d_%H-%M-%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"args": vars(args), "fitted": vars(c), "wall_seconds": wall,
              "verify_scale": scale, "stats": {k: list(v) for k, v in stats.items()},
              "forecast_2025": {k: list(v) for k, v in (fc or {}).items()},
              "forecast_band": None if band is None else {"kept": sum(band.kept), "points": len(band.kept),
                                                           "range": band.summary()}}
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if not args.write:
        return [out]
    note = provenance(c, scale, args.verify_seed, args.verify_reps)
    replace_between(PRESET, BEGIN, END, preset_block(p, c, note))
    stamp = (f"Produced by `python -m sim.calibrate --write` on {datetime.now():%Y-%m-%d} "
             f"in {wall / 60:.1f} min on {args.jobs} worker processes.")
    body = [DOC_BEGIN, stamp, "", render_fitted(c), "", render(stats), "",
            "The path, year by year (simulated mean ± 95% CI, published in brackets):", "",
            render_path(stats, PATH_YEARS), DOC_END]
    replace_between(DOC, DOC_BEGIN, DOC_END, "\n".join(body))
    if fc is not None:
        stamp = (f"Produced by `python -m sim.calibrate --forecast --write` on {datetime.now():%Y-%m-%d}: "
                 f"`childcare-sim city=china_2024 run.horizon_months=60` with the fitted block, scale "
                 f"{_one_in(scale)}, seed {args.verify_seed}, {args.verify_reps} replications.")
        replace_between(DOC, FC_BEGIN, FC_END, "\n".join([FC_BEGIN, stamp, "", render_forecast(fc), "",
                                                          render_path(fc, (2025,)), FC_END]))
    if band is not None:
        stamp = (f"Produced by `python -m sim.calibrate --forecast --band {len(band.kept)} --write` on "
                 f"{datetime.now():%Y-%m-%d}: scale {_one_in(scale)}, seed {args.verify_seed}, "
                 "one replication per point.")
        block = [BAND_BEGIN, stamp, "", render_band(band), BAND_END]
        replace_between(DOC, BAND_BEGIN, BAND_END, "\n".join(block))
    return [out, PRESET, DOC]


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> None:
    """Run the calibration; print (and with ``--write`` store) the fitted values and the table."""
    args = parse_args(argv, prog)
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.0f}s] {msg}", flush=True)

    scale = args.verify_scale or load(["scenario=china_2024"]).city.scale
    p_search = load(["scenario=china_2024", f"city.scale={args.search_scale}"])
    p_verify = load(["scenario=china_2024", f"city.scale={scale}"])
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        c = calibrate(p_search, args, pool, log)
        log(f"fitted: burden50 {c.burden50:.4f}, start age mean {c.start_age_mean:.3f}; verifying")
        stats = verify(fitted(p_verify, c), args.verify_seed, args.verify_reps, pool)
        fc, band = None, None
        if args.forecast:
            log("forecasting 2025")
            p_fc = load(["scenario=china_2024", f"city.scale={scale}", *FORECAST_RUN])
            fc = summarise(run_metrics(fitted(p_fc, c), args.verify_seed, args.verify_reps, pool))
            if args.band:
                band = forecast_band(["scenario=china_2024", f"city.scale={scale}", *FORECAST_RUN,
                                      *fitted_overrides(c)], args.band, args.verify_seed, pool, log)
    print(render_fitted(c) + "\n\n" + render(stats) + "\n\n" + render_path(stats, PATH_YEARS))
    if fc is not None:
        print("\n" + render_forecast(fc) + "\n\n" + render_path(fc, (2025,)))
    if band is not None:
        print("\n" + render_band(band))
    wall = time.perf_counter() - t0
    written = write_outputs(p_verify, c, args, scale, stats, wall, fc, band)
    log(f"done in {wall / 60:.1f} min; wrote {', '.join(str(f.relative_to(ROOT)) for f in written)}")

