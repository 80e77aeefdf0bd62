"""Regenerate the tables of docs/verification.md: analytic vs simulated values with CIs.

Runs exactly the cases, seeds and replications the tests in ``tests/analytic`` use
(``tests/analytic/cases.py``, ``test_littles_law.py``, ``test_replications.py``) and writes
three markdown tables between the markers in ``docs/verification.md``:

- every textbook queue KPI: analytic value, replication mean, 99.9% CI half-width, the
  distance in standard errors, and whether the same queue with one place more would also
  have passed (it must not);
- Little's law inside single runs: L, lambda W, the gap, the end-effect bound and the
  batch-means tolerance;
- common random numbers: variance of a policy difference with common and independent seeds.

Usage::

    python experiments/verification_table.py            # every case (about 4 minutes on 2 cores)
    python experiments/verification_table.py --fast     # only the default-test cases
    python experiments/verification_table.py --print    # print, do not touch the document
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.analytic import test_littles_law as little  # noqa: E402
from tests.analytic import test_replications as crn  # noqa: E402
from tests.analytic.cases import CASES, CHECKED, summaries  # noqa: E402
from tests.analytic.theory import CONFIDENCE, replication_check, t_quantile  # noqa: E402
from tests.analytic.trace import waitlist_batch_se  # noqa: E402

DOC = REPO / "docs" / "verification.md"
START, END = "<!-- verification-table:start -->", "<!-- verification-table:end -->"


def queue_table(fast: bool) -> list[str]:
    """Return the rows comparing every checked KPI of every case with its theory."""
    rows = [
        f"| queue | T, warm-up (months) | reps | KPI | theory | simulated ({CONFIDENCE:.1%} CI) "
        "| z (se) | pass | theory with c+1 | c+1 excluded |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in CASES:
        if fast and case.slow:
            continue
        runs = summaries(case)
        for i, kpi in enumerate(CHECKED[case.kind]):
            est = replication_check([s[kpi] for s in runs])
            th = case.expected(kpi)
            z = (est.mean - th) / est.se if est.se > 0 else 0.0
            if i == 0:
                alt = case.expected(kpi, places=case.places + 1)
                alt_cols = f"{alt:.4f} | {'yes' if not est.covers(alt) else '**no**'}"
            else:
                alt_cols = " | "
            name = case.id.rsplit(",T=", 1)[0] + ")" + (" (slow)" if case.slow else "")
            rows.append(
                f"| {name if i == 0 else ''} | {f'{case.horizon:g}, {case.warmup:g}' if i == 0 else ''} "
                f"| {case.replications if i == 0 else ''} | `{kpi}` | {th:.4f} "
                f"| {est.mean:.4f} ± {est.half_width:.4f} | {z:+.2f} "
                f"| {'yes' if est.covers(th) else '**NO**'} | {alt_cols} |")
    return rows


def little_table(fast: bool) -> list[str]:
    """Return the rows of Little's law inside single traced runs."""
    rows = [
        "| run | seed | L = `mean_waitlist` | λW | L − λW | end-effect bound "
        f"| batch-means tolerance ({CONFIDENCE:.1%}) |",
        "|---|---|---|---|---|---|---|",
    ]
    runs = [(n, ov, s, True) for n, ov in little.QUEUE_RUNS.items() for s in little.SEEDS]
    runs += [(n, ov, little.SEEDS[0], False) for n, ov in little.CITY_RUNS.items()]
    if not fast:
        runs += [(n, ov, little.SEEDS[1], False) for n, ov in little.CITY_RUNS.items()]
        runs += [(n, ov, s, False) for n, ov in little.SLOW_CITY_RUNS.items() for s in little.SEEDS]
    for name, ov, seed, stationary in runs:
        s, b, (spells, t0, t1) = little.traced(ov, seed)
        lam_w = s["waitlist_joins"] / s["window_months"] * s["mean_time_on_waitlist"]
        tol = "n/a (not stationary)"
        if stationary:
            _, se = waitlist_batch_se(spells, t0, t1, little.BATCHES)
            tol = f"{t_quantile(little.BATCHES) * se:.4f}"
        rows.append(f"| {name} | {seed} | {s['mean_waitlist']:.4f} | {lam_w:.4f} "
                    f"| {s['mean_waitlist'] - lam_w:+.4f} | {b.end_effect_bound:.4f} | {tol} |")
    return rows


def crn_table(fast: bool) -> list[str]:
    """Return the rows of the common-random-numbers variance comparison."""
    rows = ["| model | A | B | KPI | reps | var(indep.) / var(common) | F critical (99.9%) |",
            "|---|---|---|---|---|---|---|"]
    Row = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str, int, int]
    comps: list[Row] = [("queue", crn.QUEUE, a, b, k, crn.QUEUE_REPS, 31)
                        for a, b, k in crn.QUEUE_DIFFERENCES]
    comps.append(("queue", crn.QUEUE, ("queue.places=10",), ("queue.places=11",),
                  "mean_wait_months", crn.QUEUE_REPS, 31))
    if not fast:
        comps += [("city", crn.CITY, a, b, k, crn.CITY_REPS, 41) for a, b, k in crn.CITY_DIFFERENCES]
    for model, base, a, b, kpi, n, seed in comps:
        ratio, crit = crn._variance_ratio(base, a, b, kpi, n=n, seed=seed)
        rows.append(f"| {model} | {' '.join(a) or 'default'} | {' '.join(b)} | `{kpi}` | {n} "
                    f"| {ratio:.2f} | {crit:.2f} |")
    return rows


def render(fast: bool) -> str:
    """Return the markdown block that goes between the markers."""
    t0 = time.perf_counter()
    parts = ["### Textbook queues", "", *queue_table(fast), "",
             "### Little's law inside single runs", "", *little_table(fast), "",
             "### Common random numbers", "", *crn_table(fast), ""]
    scope = "default-test cases only (--fast)" if fast else "every case, default and slow"
    parts.append(f"_Generated by `python experiments/verification_table.py` ({scope}) "
                 f"in {time.perf_counter() - t0:.0f} s._")
    return "\n".join(parts)


def write(block: str, path: Path = DOC) -> None:
    """Replace the text between the markers of ``path`` with ``block``."""
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path}: markers {START} / {END} not found")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{block}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="only the default-test cases")
    parser.add_argument("--print", dest="print_only", action="store_true",
                        help="print the tables instead of writing docs/verification.md")
    args = parser.parse_args(argv)
    block = render(args.fast)
    print(block)
    if not args.print_only:
        write(block)
        print(f"wrote {DOC.relative_to(REPO)}")


if __name__ == "__main__":
    main()
