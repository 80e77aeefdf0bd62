"""The sensitivity report: a bar figure per KPI and ``sensitivity.html``, "Which assumptions
drive which KPIs", read from a study's ``sensitivity.csv`` and ``sensitivity.json`` (written by
:mod:`sim.experiment.sensitivity`). Images are embedded, so the page reads offline.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.analysis.kpis import info  # noqa: E402
from sim.analysis.report import CSS  # noqa: E402
from sim.experiment.atomic import atomic_write_bytes  # noqa: E402
from sim.experiment.layout import SENSITIVITY_INDICES as INDICES  # noqa: E402
from sim.experiment.layout import SENSITIVITY_MANIFEST as MANIFEST  # noqa: E402
from sim.experiment.layout import SENSITIVITY_REPORT as REPORT  # noqa: E402

DRIVER_SHARE = 0.1  # a parameter "drives" a KPI when its mu_star is at least this share of the largest


def _esc(x: object) -> str:
    return html.escape(str(x))


def load(d: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Return the indices and the manifest of a sensitivity directory."""
    return pd.read_csv(d / INDICES), json.loads((d / MANIFEST).read_text(encoding="utf-8"))


def _label(kpi: str) -> str:
    i = info(kpi)
    return f"{i.label} ({i.unit})" if i.unit else i.label


def morris_table(ix: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Return one row per parameter with mu_star, its interval and mu, largest mu_star first."""
    m = ix[(ix["method"] == "morris") & (ix["kpi"] == kpi)]
    if m.empty:  # every trajectory had a failed point
        return pd.DataFrame(columns=["mu_star", "low", "high", "mu", "sigma"], dtype=float)
    wide = m.pivot_table(index="parameter", columns="index", values=["value", "ci_low", "ci_high"],
                         sort=False)
    out = pd.DataFrame({"mu_star": wide[("value", "mu_star")], "low": wide[("ci_low", "mu_star")],
                        "high": wide[("ci_high", "mu_star")], "mu": wide[("value", "mu")],
                        "sigma": wide[("value", "sigma")]})
    return out.sort_values("mu_star", ascending=False)


def draw_kpi(ix: pd.DataFrame, kpi: str, path: Path) -> Path:
    """Draw Morris mu_star (bars coloured by the sign of mu) and, if run, Sobol S1 and ST."""
    mt = morris_table(ix, kpi).iloc[::-1]
    sob = ix[(ix["method"] == "sobol") & (ix["kpi"] == kpi)]
    panels = 2 if len(sob) else 1
    fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 0.35 * len(mt) + 1.8), squeeze=False)
    scale = info(kpi).scale
    ax = axes[0][0]
    colors = ["#1f77b4" if mu >= 0 else "#d62728" for mu in mt["mu"]]
    err = [(mt["mu_star"] - mt["low"]).clip(lower=0) * scale,
           (mt["high"] - mt["mu_star"]).clip(lower=0) * scale]
    ax.barh(list(mt.index), mt["mu_star"] * scale, xerr=err, color=colors, capsize=2)
    ax.set_xlabel(f"Morris mu* of {_label(kpi)} per whole range")
    ax.set_title("Screening (blue: raises it, red: lowers it)", fontsize=9)
    ax.tick_params(axis="y", labelsize=7)
    if panels == 2:
        ax = axes[0][1]
        params = list(dict.fromkeys(sob["parameter"]))[::-1]
        for off, name, color in ((-0.2, "S1", "#9ecae1"), (0.2, "ST", "#08519c")):
            s = sob[sob["index"] == name].set_index("parameter").reindex(params)
            ys = [i + off for i in range(len(params))]
            ax.barh(ys, s["value"], height=0.4, color=color, label=name,
                    xerr=[(s["value"] - s["ci_low"]).clip(lower=0),
                          (s["ci_high"] - s["value"]).clip(lower=0)],
                    capsize=2)
        ax.set_yticks(range(len(params)), params, fontsize=7)
        ax.set_xlabel("Sobol index (share of the KPI's variance)")
        ax.set_title("Top parameters: first order S1 and total ST", fontsize=9)
        ax.legend(fontsize=8)
    fig.suptitle(f"What drives {_label(kpi)}", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def drivers_text(ix: pd.DataFrame, kpi: str) -> str:
    """One sentence: the parameters that drive ``kpi`` and those with no detectable effect."""
    mt = morris_table(ix, kpi)
    top = float(mt["mu_star"].max()) if len(mt) else 0.0
    if not len(mt):
        return f"{_label(kpi)}: no complete trajectory (see the failed points)."
    if top <= 0:
        return f"No parameter moved {_label(kpi)} in this design."
    drive = [f"{p} ({'+' if r.mu >= 0 else '-'}, {r.mu_star / top:.0%})" for p, r in mt.iterrows()
             if r.mu_star >= DRIVER_SHARE * top]
    none = [p for p, r in mt.iterrows() if r.mu_star < DRIVER_SHARE * top and r.low <= 0.01 * top]
    text = f"{_label(kpi)} is driven by " + ", ".join(drive) + "."
    if none:
        text += f" No detectable effect (mu* below 1% of the largest at its lower bound): {', '.join(none)}."
    return text


def _matrix(ix: pd.DataFrame, kpis: list[str]) -> str:
    """Parameters x KPIs: each cell mu_star as a share of the KPI's largest, shaded, with mu's sign."""
    shares: dict[str, dict[str, tuple[float, float]]] = {}
    for k in kpis:
        mt = morris_table(ix, k)
        top = float(mt["mu_star"].max()) if len(mt) else 0.0
        for p, r in mt.iterrows():
            shares.setdefault(str(p), {})[k] = (r.mu_star / top if top > 0 else 0.0, r.mu)
    order = sorted(shares, key=lambda p: -max(s for s, _ in shares[p].values()))
    head = "".join(f"<th>{_esc(k)}</th>" for k in kpis)
    rows = []
    for p in order:
        cells = []
        for k in kpis:
            share, mu = shares[p].get(k, (0.0, 0.0))
            shade = f"rgba(31,119,180,{share:.2f})" if mu >= 0 else f"rgba(214,39,40,{share:.2f})"
            sign = "+" if mu > 0 else "-" if mu < 0 else ""
            cells.append(f"<td class='num' style='background:{shade}'>{sign}{share:.0%}</td>")
        rows.append(f"<tr><td><code>{_esc(p)}</code></td>{''.join(cells)}</tr>")
    return f"<div class='wide'><table><tr><th>assumption</th>{head}</tr>{''.join(rows)}</table></div>"


def _sobol_table(ix: pd.DataFrame, kpis: list[str]) -> str:
    sob = ix[ix["method"] == "sobol"]
    if sob.empty:
        return "<p>No Sobol stage was run (or no parameter moved a KPI).</p>"
    head = "".join(f"<th>{_esc(k)}: S1</th><th>{_esc(k)}: ST</th>" for k in kpis)
    rows = []
    for p in dict.fromkeys(sob["parameter"]):
        cells = []
        for k in kpis:
            for name in ("S1", "ST"):
                r = sob[(sob["parameter"] == p) & (sob["kpi"] == k) & (sob["index"] == name)]
                cells.append("<td class='num'>" + (f"{r.value.iloc[0]:.2f} [{r.ci_low.iloc[0]:.2f}, "
                                                   f"{r.ci_high.iloc[0]:.2f}]" if len(r) else "-") + "</td>")
        rows.append(f"<tr><td><code>{_esc(p)}</code></td>{''.join(cells)}</tr>")
    return f"<div class='wide'><table><tr><th>assumption</th>{head}</tr>{''.join(rows)}</table></div>"


def _ranges(meta: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{_esc(p['key'])}</code></td><td>{_esc(p['group'])}</td><td class='num'>"
        f"{p['low']:g} - {p['high']:g}{' (log)' if p['log'] else ''}{' x' if p['mode'] == 'multiply' else ''}"
        f"</td><td class='num'>{'' if p['default'] is None else format(p['default'], 'g')}</td>"
        f"<td class='small'>{_esc(p['source'])}</td></tr>" for p in meta["parameters"])
    skipped = "".join(f"<li><code>{_esc(s['parameter'])}</code>: {_esc(s['reason'])}</li>"
                      for s in meta["skipped"])
    return ("<table><tr><th>assumption</th><th>group</th><th>range</th><th>default</th><th>source</th></tr>"
            f"{rows}</table>" + (f"<details><summary>Skipped ({len(meta['skipped'])})</summary><ul>{skipped}"
                                 "</ul></details>" if skipped else ""))


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"<figure><img alt='{_esc(path.stem)}' src='data:image/png;base64,{data}'></figure>"


def section(ix: pd.DataFrame, meta: dict[str, Any], figures: dict[str, Path]) -> str:
    """The report section "Which assumptions drive which KPIs" (HTML)."""
    kpis = list(meta["kpis"])
    m, s = meta["morris"], meta["sobol"]
    pts = meta["points"]
    method = (f"Morris screening over {len(meta['parameters'])} assumptions: {m['trajectories']} "
              f"trajectories on a {m['levels']}-level grid ({pts.get('morris', 0)} design points)")
    if s:
        chosen = ", ".join(f"<code>{_esc(p)}</code>" for p in meta["selected"]) or "none"
        method += (f"; then Sobol first-order (S1) and total (ST) indices of the top {s['top']} by mu* on "
                   f"any KPI ({chosen}) from {s['n_base']} base samples ({pts.get('sobol', 0)} points), "
                   "the rest at their defaults")
    failed = meta["failed"]
    listed = _esc("; ".join(f"{f['point']}: {f['error']}" for f in failed[:5]))
    fail = (f"<p class='failed'>{len(failed)} design point(s) failed; their trajectories or blocks were "
            f"left out: {listed}</p>") if failed else ""
    texts = "".join(f"<li>{_esc(drivers_text(ix, k))}</li>" for k in kpis)
    figs = "".join(_img(figures[k]) for k in kpis if k in figures)
    return f"""<h2 id="sensitivity">Which assumptions drive which KPIs</h2>
<p>{method}. Every point runs the same seed ({meta['seed']}) and {meta['replications']} replication(s)
(common random numbers); its KPI is their mean. Intervals: {meta['conf_level']:.0%}, {meta['bootstrap']}
bootstrap resamples (Morris: of whole trajectories; Sobol: SALib's). mu* is the mean absolute change of
the KPI when the assumption moves over its whole range; the table gives it as a share of the largest for
that KPI, with the sign of the mean change (blue +: raises it, red -: lowers it).</p>{fail}
<ul>{texts}</ul>{_matrix(ix, kpis)}
<h3>Sobol indices of the top assumptions</h3>{_sobol_table(ix, kpis)}
<h3>Figures</h3>{figs}
<h3>Assumptions and ranges</h3>{_ranges(meta)}"""


def write_report(d: Path) -> Path:
    """Draw ``figures/sensitivity_<kpi>.png`` and write ``sensitivity.html`` in ``d``."""
    ix, meta = load(d)
    figures = {k: draw_kpi(ix, k, d / "figures" / f"sensitivity_{k}.png") for k in meta["kpis"]
               if not ix[(ix["method"] == "morris") & (ix["kpi"] == k)].empty}
    body = section(ix, meta, figures)
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>Sensitivity: {_esc(meta['name'])}"
            f"</title><style>{CSS}</style></head><body><h1>Sensitivity: {_esc(meta['name'])}</h1>"
            f"<p class='purpose'>{_esc(meta['purpose'])}</p>"
            f"<p class='small'>Base overrides: <code>{_esc(' '.join(meta['common']) or 'defaults')}</code>; "
            f"indices: <code>sensitivity.csv</code>; design points: <code>design.parquet</code>.</p>"
            f"{body}</body></html>")
    path = d / REPORT
    atomic_write_bytes(path, page.encode("utf-8"))
    return path
