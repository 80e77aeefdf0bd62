"""The optimiser's figure and report section (``optimise.html``): the trials, the optimum
(or the Pareto front) re-evaluated with fresh replications, and how confident it is."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.analysis.kpis import info  # noqa: E402


def _label(kpi: str) -> str:
    i = info(kpi)
    return f"{i.label} ({i.unit})" if i.unit else i.label


def _scaled(kpi: str, v: float) -> float:
    return v * info(kpi).scale


def draw(s: Any, trials: pd.DataFrame, result: dict[str, Any], path: Path) -> Path:
    """Draw the search: one objective, its value per trial and the re-evaluated candidates;
    two, every trial in objective space with the re-evaluated front."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ok = trials[~trials["failed"]]
    if len(s.kpis) == 1:
        k = s.kpis[0]
        ax = axes[0]
        feas = ok[ok["feasible"]]
        infeas = ok[~ok["feasible"]]
        ax.scatter(feas["trial"], [_scaled(k, v) for v in feas[k]], s=18, label="feasible", color="#1f77b4")
        ax.scatter(infeas["trial"], [_scaled(k, v) for v in infeas[k]], s=18, marker="x", color="#d62728",
                   label="breaks a constraint")
        ax.set_xlabel("trial")
        ax.set_ylabel(_label(k))
        ax.set_title("Every trial (raw KPI, replication mean)", fontsize=10)
        ax.legend(fontsize=8)
        ax = axes[1]
        cands = result["candidates"]
        xs = list(range(len(cands)))
        ax.errorbar(xs, [_scaled(k, c[k][0]) for c in cands], yerr=[_scaled(k, c[k][1]) for c in cands],
                    fmt="o", capsize=4)
        ax.set_xticks(xs, [f"#{c['candidate']}" + (" (best)" if c["candidate"] == result.get("best") else "")
                           for c in cands], fontsize=8)
        ax.set_ylabel(_label(k))
        ax.set_title("Best candidates, fresh replications (95% CI)", fontsize=10)
    else:
        k0, k1 = s.kpis
        for ax in axes:
            ax.scatter([_scaled(k0, v) for v in ok[k0]], [_scaled(k1, v) for v in ok[k1]], s=12,
                       color="#bbbbbb", label="trials")
        ax = axes[1]
        cands = result["candidates"]
        ax.errorbar([_scaled(k0, c[k0][0]) for c in cands], [_scaled(k1, c[k1][0]) for c in cands],
                    xerr=[_scaled(k0, c[k0][1]) for c in cands], yerr=[_scaled(k1, c[k1][1]) for c in cands],
                    fmt="o", color="#1f77b4", capsize=3, label="front, re-evaluated (95% CI)")
        for ax in axes:
            ax.set_xlabel(_label(k0))
            ax.set_ylabel(_label(k1))
            ax.legend(fontsize=8)
        axes[0].set_title("Every trial", fontsize=10)
        axes[1].set_title("The Pareto front, fresh replications", fontsize=10)
    fig.suptitle(f"{s.name}: {len(trials)} trials", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _mix(mix: dict[str, Any]) -> str:
    """A mix as ``key=value, ...`` with values to four significant digits."""
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in mix.items())


def _fmt(kpi: str, mh: list[float]) -> str:
    i = info(kpi)
    m, h = mh
    return f"{i.fmt.format(m * i.scale)} ± {i.fmt.format(h * i.scale)}"


def confidence_text(s: Any, result: dict[str, Any]) -> str:
    """Say how confident the optimum is: is it better than each runner-up beyond the noise?"""
    if len(s.kpis) != 1 or "best" not in result:
        n = len(result["candidates"])
        return (f"{n} mixes are on the Pareto front of the feasible trials; each is re-evaluated with "
                "fresh replications. A point is a trade-off, not a winner: read the CIs along both axes.")
    best = next(c for c in result["candidates"] if c["candidate"] == result["best"])
    others = [c for c in result["candidates"] if c["candidate"] != result["best"]]
    mix = _mix(best["mix"])
    if not best["feasible"]:
        return (f"No candidate met the constraints by its means, so there is no optimum in this search: "
                f"{mix} came closest ({_fmt(s.kpis[0], best[s.kpis[0]])}). Widen the search space, run more "
                "trials, or relax a target.")
    ci = ("every constraint holds over its whole 95% CI" if best["feasible_whole_ci"] else
          "its means meet the constraints but a 95% CI crosses a bound" if best["feasible"] else
          "no candidate met the constraints by its means: this is the least infeasible")
    text = f"Best mix: {mix} ({_fmt(s.kpis[0], best[s.kpis[0]])}; {ci})."
    clear = [c for c in others if c.get("distinguishable")]
    close = [c for c in others if not c.get("distinguishable")]
    if others and not close:
        text += (" It beats every runner-up beyond the noise (paired 95% CIs of the differences exclude 0,"
                 " or the runner-up breaks a constraint).")
    elif close:
        names = "; ".join(_mix(c["mix"]) for c in close)
        text += (f" It is not distinguishable from {len(close)} runner-up(s) ({names}): the paired 95% CI of "
                 "the difference includes 0, so the optimum is a set of near-equivalent mixes, not one.")
    if clear:
        text += f" It beats {len(clear)} other(s) beyond the noise."
    return text


def write_report(s: Any, out_dir: Path, trials: pd.DataFrame, result: dict[str, Any], figure: Path) -> Path:
    """Write ``optimise.html``: what was searched, the trials, the optimum and its confidence."""
    rows = []
    for c in result["candidates"]:
        cells = [f"#{c['candidate']}", html.escape(_mix(c["mix"]))]
        cells += [_fmt(k, c[k]) for k in s.kpis]
        cells += [_fmt(c2["kpi"], c[c2["kpi"]]) for c2 in s.constraints]
        cells.append("yes" if c["feasible_whole_ci"] else "by its means" if c["feasible"] else "no")
        if len(s.kpis) == 1:
            w = c.get("worse_than_best")
            if w is None:
                cells.append("best")
            elif not c["feasible"]:
                cells.append("breaks a constraint")
            else:
                verdict = " (clear)" if c.get("distinguishable") else " (within noise)"
                i = info(s.kpis[0])
                cells.append(f"{i.fmt.format(w[0] * i.scale)} ± {i.fmt.format(w[1] * i.scale)}{verdict}")
        rows.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
    head = ["candidate", "mix", *(_label(k) for k in s.kpis), *(_label(c["kpi"]) for c in s.constraints),
            "meets the constraints"] + (["worse than the best by (paired)"] if len(s.kpis) == 1 else [])
    def bounds(c: dict[str, Any]) -> str:
        return " and ".join(f"{'>=' if b == 'min' else '<='} {c[b]}" for b in ("min", "max") if b in c)

    cons = "; ".join(f"{c['kpi']} {bounds(c)}" for c in s.constraints) or "none"
    amounts = ", ".join(f"{p:g}" for p in s.penalty)
    pen = (f" (a violated constraint adds {amounts} objective units per unit of relative violation: "
           "sim/experiment/objective.py)") if s.constraints else ""
    n_failed = int(trials["failed"].sum())
    n_feas = int(trials["feasible"].sum())
    body = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(s.name)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.45}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;font-size:14px}}</style>
</head><body>
<h1>Optimisation: {html.escape(s.name)}</h1><p>{html.escape(s.purpose)}</p>
<h2>What was searched</h2>
<p>Objective: {", ".join(f"{d} {html.escape(k)}" for k, d in zip(s.kpis, s.directions, strict=True))};
constraints: {html.escape(cons)}{pen}. Search space:
{html.escape("; ".join(f"{k} in {v}" for k, v in s.search.items()))}. Sampler {s.sampler} (seed {s.seed}),
{len(trials)} trials ({n_feas} feasible, {n_failed} failed), each the mean of {s.replications} replications
with the same seed (common random numbers: trials differ by policy, not by noise). Settings shared by all:
<code>{html.escape(" ".join(s.common) or "defaults")}</code>. Every trial: <code>trials.parquet</code>.</p>
<h2>How confident the optimum is</h2><p>{html.escape(confidence_text(s, result))}</p>
<p>Candidates re-evaluated with {s.re_replications} fresh replications (seed {s.re_seed}, the same for every
candidate, so differences are paired); mean ± 95% CI.</p>
<table><tr>{"".join(f"<th>{html.escape(h)}</th>" for h in head)}</tr>{"".join(rows)}</table>
<p><img src="{figure.relative_to(out_dir)}" width="1000"></p>
</body></html>"""
    path = out_dir / "optimise.html"
    path.write_text(body, encoding="utf-8")
    (out_dir / "optimum.json").write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    return path
