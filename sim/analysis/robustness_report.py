"""The robustness report: tables, figures and ``robustness.html`` of a robustness directory.

:func:`build` reads what ``childcare-sim-robustness`` wrote (:mod:`sim.analysis.robustness`),
and writes ``robustness.csv`` (one row per KPI and pair of scenarios), ``verdicts.csv``
(every pair at every point), ``boxes.csv`` and ``boxes.json`` (scenario discovery,
:mod:`sim.analysis.discovery`), ``figures/robustness.png`` (the shares per pair),
``figures/prim_<n>.png`` (each discovered box: its peeling trajectory and its ranges) and a
self-contained ``robustness.html`` with the figures embedded.
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.analysis import kpis as K  # noqa: E402
from sim.analysis.discovery import MIN_FLIPS, boxes_frame, discover  # noqa: E402
from sim.analysis.report import CSS  # noqa: E402
from sim.analysis.robustness import (  # noqa: E402
    RESULT,
    VERDICTS,
    RobustnessRun,
    compare,
    load_run,
    reading,
)
from sim.experiment.atomic import atomic_write_bytes  # noqa: E402

BOXES_CSV = "boxes.csv"
BOXES_JSON = "boxes.json"
REPORT = "robustness.html"
COLOURS = {"holds": "#2e7d32", "tied": "#bdbdbd", "flipped": "#c62828"}


def _esc(x: object) -> str:
    return html.escape(str(x))


def _pct(x: float) -> str:
    return "–" if isinstance(x, float) and math.isnan(x) else f"{100 * x:.0f}%"


def shares_figure(res: pd.DataFrame, path: Path) -> Path:
    """One panel per KPI: for each pair, the shares of points where the ranking holds, ties, flips."""
    kpis = list(dict.fromkeys(res["kpi"]))
    rows = max(len(res[res["kpi"] == k]) for k in kpis)
    fig, axes = plt.subplots(len(kpis), 1, figsize=(9, 0.9 + len(kpis) * (0.35 * rows + 0.7)), squeeze=False)
    for ax, k in zip(axes[:, 0], kpis, strict=True):
        r = res[res["kpi"] == k].reset_index(drop=True)
        ys = range(len(r))
        left = [0.0] * len(r)
        for col, name in (("share_holds", "holds"), ("share_tied", "tied"), ("share_flipped", "flipped")):
            ax.barh(ys, r[col], left=left, color=COLOURS[name], label=name, height=0.7)
            left = [a + b for a, b in zip(left, r[col], strict=True)]
        err = [r["share_holds"] - r["ci_low"], r["ci_high"] - r["share_holds"]]
        ax.errorbar(r["share_holds"], ys, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
        ax.set_yticks(list(ys), [f"{a} vs {b}" + ("" if d == "a better" else " (tie at default)")
                                 for a, b, d in zip(r["scenario_a"], r["scenario_b"], r["default_ranking"],
                                                    strict=True)], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_title(f"{K.info(k).label}: is the first scenario still better?", fontsize=9, loc="left")
    axes[0, 0].legend(ncol=3, fontsize=8, loc="lower right", bbox_to_anchor=(1, 1.15))
    axes[-1, 0].set_xlabel("share of the assumption space (design points); bar: Wilson 95% CI of 'holds'")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _unit(p: dict[str, Any], v: float) -> float:
    lo, hi = p["low"], p["high"]
    if p["log"]:
        return (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))
    return (v - lo) / (hi - lo)


def box_figure(run: RobustnessRun, d: dict[str, Any], path: Path) -> Path:
    """The peeling trajectory (coverage against density) and the chosen box's ranges."""
    params = run.manifest["parameters"]
    traj = d["trajectory"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 0.9 + max(3.2, 0.28 * len(params))))
    sc = a1.scatter([t["coverage"] for t in traj], [t["density"] for t in traj], c=[t["mass"] for t in traj],
                    cmap="viridis", s=18)
    fig.colorbar(sc, ax=a1, label="mass")
    i = d["chosen"]
    if i is not None:
        a1.scatter([traj[i]["coverage"]], [traj[i]["density"]], s=120, facecolors="none", edgecolors="red",
                   label="chosen box")
        a1.legend(fontsize=8)
    a1.set_xlabel("coverage (share of the flips inside)")
    a1.set_ylabel("density (share of the box's points that flip)")
    a1.set_title("PRIM peeling trajectory", fontsize=9)
    restricted = d.get("restricted") or {}
    peeled = (d.get("peeled") or {}).get("restricted", {})
    for y, p in enumerate(params):
        a2.plot([0, 1], [y, y], color="#dddddd", lw=6, solid_capstyle="butt")
        if p["key"] in peeled and p["key"] not in restricted:
            lo, hi = peeled[p["key"]]
            a2.plot([_unit(p, lo), _unit(p, hi)], [y, y], color="#f4b6b6", lw=6, solid_capstyle="butt")
        if p["key"] in restricted:
            lo, hi = restricted[p["key"]]
            a2.plot([_unit(p, lo), _unit(p, hi)], [y, y], color="#c62828", lw=6, solid_capstyle="butt")
        if p["default"] is not None and p["low"] <= p["default"] <= p["high"]:
            a2.plot([_unit(p, p["default"])], [y], marker="|", color="black", ms=12)
    a2.set_yticks(range(len(params)), [p["key"] for p in params], fontsize=7)
    a2.invert_yaxis()
    a2.set_xlim(0, 1)
    a2.set_xlabel("position in the range (0 low, 1 high; log scale if log)")
    a2.set_title("the box: red; pink: lifted by pruning; | the default", fontsize=9)
    fig.suptitle(f"{K.info(d['kpi']).label}: where {d['scenario_b']} beats {d['scenario_a']} "
                 f"({d['flips']} of {d['points']} points)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"<figure><img alt='{_esc(alt)}' src='data:image/png;base64,{data}'></figure>"


def _results_table(res: pd.DataFrame) -> str:
    rows = []
    for _, r in res.iterrows():
        rows.append(f"<tr><td>{_esc(K.info(r['kpi']).label)}</td><td>{_esc(r['scenario_a'])}</td>"
                    f"<td>{_esc(r['scenario_b'])}</td><td>{_esc(r['default_ranking'])}</td>"
                    f"<td class='num'>{_pct(r['share_holds'])} "
                    f"({_pct(r['ci_low'])} to {_pct(r['ci_high'])})</td>"
                    f"<td class='num'>{_pct(r['share_tied'])}</td>"
                    f"<td class='num'>{_pct(r['share_flipped'])}</td>"
                    f"<td class='num'>{int(r['points'])}</td></tr>")
    head = ("<tr><th>KPI</th><th>a (ahead at the default)</th><th>b</th><th>at the default</th>"
            "<th>a better (Wilson 95% CI)</th><th>tied</th><th>b better (flipped)</th><th>points</th></tr>")
    return f"<div class='wide'><table>{head}{''.join(rows)}</table></div>"


def summary_html(res: pd.DataFrame) -> str:
    """One line per KPI: its pairs grouped by what the shares show (:func:`reading`)."""
    items = []
    for kpi, g in res.groupby("kpi", sort=False):
        parts: dict[str, list[str]] = {}
        for _, r in g.iterrows():
            text = f"{r['scenario_a']} over {r['scenario_b']} ({_pct(r['share_holds'])}"
            text += f", flips {_pct(r['share_flipped'])})" if r["share_flipped"] > 0 else ")"
            parts.setdefault(reading(r.to_dict()), []).append(text)
        said = "; ".join(f"<b>{_esc(k)}</b>: {_esc(', '.join(v))}" for k, v in parts.items())
        items.append(f"<li>{_esc(K.info(str(kpi)).label)}: {said}</li>")
    return (f"<ul>{''.join(items)}</ul><p class='small'>Robust: the first scenario is better beyond the "
            "noise at 90% of the points or more; fragile: the ranking flips at 10% or more; within the "
            "noise: tied at half of the points or more; holds mostly: the rest. In brackets: the share "
            "where it holds.</p>")


def _box_text(d: dict[str, Any]) -> str:
    head = (f"{_esc(K.info(d['kpi']).label)}: {_esc(d['scenario_b'])} beats {_esc(d['scenario_a'])} at "
            f"{d['flips']} of {d['points']} points")
    if d["chosen"] is None:
        return f"<li>{head}; no box covers half of them.</li>"
    where = "; ".join(f"<code>{_esc(k)}</code> {lo:.4g} to {hi:.4g} (qp {d['qp'][k]:.2g})"
                      for k, (lo, hi) in d["restricted"].items())
    where = where or "no restriction the data support (no region holds the flips)"
    peeled = d["peeled"]
    before = (f" Before pruning, the densest box restricted {len(peeled['restricted'])} assumption(s) "
              f"(density {_pct(peeled['density'])}, coverage {_pct(peeled['coverage'])}).")
    return (f"<li>{head}. Box: {where} (coverage {_pct(d['coverage'])}, density {_pct(d['density'])}, "
            f"mass {_pct(d['mass'])}).{before}</li>")


def _num(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


def _parameters_table(run: RobustnessRun) -> str:
    rows = "".join(
        f"<tr><td><code>{_esc(p['key'])}</code></td><td>{_esc(p['mode'])}</td>"
        f"<td class='num'>{p['low']:g}</td><td class='num'>{p['high']:g}</td>"
        f"<td class='num'>{_num(p['default'])}</td><td>{'log' if p['log'] else 'linear'}</td>"
        f"<td class='small'>{_esc(p['source'])}</td></tr>"
        for p in run.manifest["parameters"])
    return ("<details><summary>The assumptions varied, their ranges and sources</summary>"
            "<div class='wide'><table>"
            "<tr><th>key</th><th>mode</th><th>low</th><th>high</th><th>default</th><th>scale</th><th>source</th>"
            f"</tr>{rows}</table></div></details>")


def render(run: RobustnessRun, res: pd.DataFrame, found: list[dict[str, Any]], figs: list[Path],
           failed: list[str]) -> str:
    """Return the HTML of the report."""
    m = run.manifest
    fails = (f"<p class='failed'>{len(failed)} run(s) failed or are missing: {_esc(', '.join(failed[:20]))}. "
             "Their points are left out of the pairs they touch.</p>" if failed else "")
    boxes = "".join(_box_text(d) for d in found) or (
        f"<li>No ranking flips at {MIN_FLIPS} points or more: nothing to discover.</li>")
    over = " ".join([*m["common"], *m["extra"]]) or "none"
    title = f"Robustness: {_esc(m['experiment'])}"
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<style>{CSS}</style></head><body>
<h1>Robustness of conclusions: {_esc(m['experiment'])}</h1><p class="purpose">{_esc(m['purpose'])}</p>
<h2>What was done</h2>
<p>Every scenario of the experiment ({_esc(', '.join(m['scenarios']))}) was run at the default point (the
experiment as shipped) and at {m['points']} points of a Latin hypercube over {len(m['parameters'])}
assumptions, each with {m['replications']} replications and root seed {m['seed']} (common random numbers:
at a point, replication <i>r</i> of every scenario faces the same families). Settings of every run:
<code>{_esc(over)}</code>.</p>{_parameters_table(run)}{fails}
<p>At a point, scenario <i>a</i> is better than <i>b</i> when the paired difference over the replications is
beyond its 95% t interval in <i>a</i>'s favour, <i>tied</i> when the interval includes 0, and the ranking
<i>flips</i> when <i>b</i> is better beyond the interval. Each pair is written with <i>a</i> the scenario
ahead at the default point; "tie" there means it is ahead by its mean only. A share is of the design points
(an estimate of the share of the assumption space); its interval is Wilson's.</p>
<h2>Does the ranking hold?</h2>{summary_html(res)}{_results_table(res)}
<h2>Where it flips (scenario discovery, PRIM)</h2>
<p>PRIM (Friedman and Fisher 1999) on the flip indicator over the assumptions, peeling 5% at a time to a
minimum mass of 5%; the box shown is the densest with coverage of at least 50%. Coverage: share of the
flips inside the box; density: share of the box's points that flip; mass: share of all points inside;
qp: the restriction's quasi-p-value (Bryant and Lempert 2010; large: it adds little, possibly chance);
restrictions with qp above 0.05 are lifted, the largest first, before the box is reported.</p>
<ul>{boxes}</ul>
<h2>Figures</h2>{''.join(_img(f, f.stem) for f in figs)}
<p class="small">Tables: robustness.csv, verdicts.csv, boxes.csv, boxes.json, design.csv.</p>
</body></html>"""


def _missing(run: RobustnessRun) -> list[str]:
    points = ["default", *run.design["point"]]
    return [f"{p}/{s}" for p in points for s in run.scenarios if (p, s) not in run.replications]


def build(d: Path) -> Path:
    """Analyse a robustness directory and write its tables, figures and report; return the report."""
    run = load_run(d)
    res, verdicts = compare(run)
    res.to_csv(d / RESULT, index=False)
    verdicts.to_csv(d / VERDICTS, index=False)
    found = discover(run, verdicts)
    boxes_frame(run, found).to_csv(d / BOXES_CSV, index=False)
    atomic_write_bytes(d / BOXES_JSON, (json.dumps(found, indent=2) + "\n").encode())
    figs = [shares_figure(res, d / "figures" / "robustness.png")] if not res.empty else []
    figs += [box_figure(run, f, d / "figures" / f"prim_{i}.png") for i, f in enumerate(found)]
    report = d / REPORT
    atomic_write_bytes(report, render(run, res, found, figs, _missing(run)).encode("utf-8"))
    return report
