"""The reviewer's report: one self-contained ``report.html`` per experiment or sweep.

:func:`build_report` reads a study directory (see :mod:`sim.analysis.study`), writes
``runs.parquet``, ``scenarios.csv``, ``timeseries.parquet``, ``kpis_by_year.parquet`` and
``figures/*.png`` next to it, and renders ``report.html`` with every image embedded
(base64), so the file can be mailed and read offline. ``childcare-sim-report DIR``
(:mod:`sim.cli.report`) regenerates it.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from pathlib import Path

import pandas as pd

import sim
from sim.analysis import kpis as K
from sim.analysis.cost_effectiveness import cost_effectiveness
from sim.analysis.figure_context import FigureContext
from sim.analysis.figures import DrawnFigure, draw
from sim.analysis.findings import main_finding, policy_brief
from sim.analysis.report_sections import (
    cost_effectiveness_html,
    count_interval,
    distribution_html,
    warmup_html,
)
from sim.analysis.report_text import config_differences, model_section
from sim.analysis.study import Study, city_name, load_study
from sim.analysis.tables import (
    clearly_extreme,
    kpi_columns,
    kpis_by_year_frame,
    paired_differences,
    runs_frame,
    scenarios_frame,
    shown_kpis,
    timeseries_frame,
    waits_frame,
    window_costs,
    with_costs_per_year,
)
from sim.experiment.atomic import atomic_write_bytes, atomic_write_parquet
from sim.experiment.layout import COST_EFFECTIVENESS

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;
 max-width:1100px;margin:2em auto;padding:0 1.2em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:1.8em;border-bottom:2px solid #ddd;padding-bottom:.2em}
.purpose{font-size:1.1em;color:#444}
.finding{background:#eef6ee;border-left:5px solid #2e7d32;padding:.4em 1em}
.finding p:first-child{font-size:1.1em}
.failed{background:#fdecea;border-left:5px solid #c62828;padding:.6em 1em}
.warn{background:#fff8e1;border-left:5px solid #f9a825;padding:.5em 1em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.3em .6em;vertical-align:top} th{background:#f3f3f3;text-align:left}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.best{font-weight:bold;background:#f2f8f2}
figure{margin:1.4em 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#444} code{background:#f4f4f4;padding:0 .2em;font-size:.92em}
.small{font-size:.85em;color:#555} details{margin:.6em 0} .wide{overflow-x:auto}
"""


def _esc(x: object) -> str:
    return html.escape(str(x))


def _breakable(name: str) -> str:
    """A scenario name that may wrap after '=', '_' and '.' in narrow table headers."""
    return re.sub(r"([=_.])", r"\1<wbr>", _esc(name))


def _code_list(items: list[str]) -> str:
    return " ".join(f"<code>{_esc(o)}</code>" for o in items) or "<i>defaults</i>"


def _ci(sc: pd.DataFrame, s: str, k: str) -> float | None:
    return sc.at[s, f"{k}_ci95"] if f"{k}_ci95" in sc else None


def _nonnegative(runs: pd.DataFrame, kpi: str) -> bool:
    return kpi in runs and bool((runs[kpi].dropna() >= 0).all())


def kpi_table(scen: pd.DataFrame, kpis: list[str], runs: pd.DataFrame | None = None) -> str:
    """Rows: KPIs (label and unit); columns: scenarios; cells: mean ± 95% CI half-width.

    A count whose interval would reach below 0 shows ``mean (0 to upper)``; bold: the best
    value when it beats every other scenario beyond the noise (paired CIs, needs ``runs``).
    """
    runs = pd.DataFrame() if runs is None else runs
    names = list(scen["scenario"])
    head = "".join(f"<th>{_breakable(s)}</th>" for s in names)
    rows = []
    sc = scen.set_index("scenario")
    for k in kpis:
        best = clearly_extreme(scen, runs, k)
        nonneg = _nonnegative(runs, k)
        cells = "".join(
            f"<td class='num{' best' if s in best else ''}'>"
            f"{_esc(count_interval(k, sc.at[s, k], _ci(sc, s, k), nonneg))}</td>" for s in names)
        rows.append(f"<tr><th>{_esc(K.axis_label(k))}<br><span class='small'>{_esc(k)}</span></th>"
                    f"{cells}</tr>")
    return f"<div class='wide'><table><tr><th>KPI (unit)</th>{head}</tr>{''.join(rows)}</table></div>"


def provider_types(scen: pd.DataFrame) -> list[str]:
    """Return the provider types that have per-type KPIs in ``scen`` (``occupancy_<type>``)."""
    prefix = "mean_wait_months_"
    names = [c[len(prefix):] for c in scen.columns if c.startswith(prefix) and not c.endswith("_ci95")]
    return [t for t in names if f"occupancy_{t}" in scen.columns]


def type_table(scen: pd.DataFrame) -> str:
    """Rows: provider type and measure (occupancy, mean waitlist, mean wait); columns: scenarios.

    Types with no occupancy and no one waiting in any scenario are named, not tabled.
    """
    types = provider_types(scen)
    if not types:
        return ""
    kpis = [("occupancy_", "occupancy (%)"), ("mean_waitlist_", "waitlist (families)"),
            ("mean_wait_months_", "wait (months)")]
    names = list(scen["scenario"])
    sc = scen.set_index("scenario")
    empty = [t for t in types if not (sc[[f"occupancy_{t}", f"mean_waitlist_{t}"]].fillna(0) > 0).any().any()]
    rows = []
    for t in (t for t in types if t not in empty):
        for i, (prefix, lab) in enumerate(kpis):
            k = prefix + t
            cells = "".join(
                f"<td class='num'>{_esc(K.fmt(k, sc.at[s, k], _ci(sc, s, k)))}</td>" for s in names)
            first = f"<th rowspan='{len(kpis)}'>{_esc(t)}</th>" if i == 0 else ""
            rows.append(f"<tr>{first}<td>{lab}</td>{cells}</tr>")
    head = "".join(f"<th>{_breakable(s)}</th>" for s in names)
    none = (f" No place and no one waiting in any scenario: {', '.join(map(_esc, empty))}."
            if empty else "")
    return ("<h3>By provider type</h3><p class='small'>Occupancy of licensed places (%), families "
            "waiting whose first choice is of the type (mean), and mean wait of children admitted "
            "by the type (months); mean ± 95% CI. Waitlists at affordable types beside empty market "
            f"places are China's paradox (docs/policies.md, Admissions).{none}</p>"
            f"<div class='wide'><table><tr><th>type</th><th>measure</th>{head}</tr>"
            f"{''.join(rows)}</table></div>")


def diff_table(diffs: pd.DataFrame, kpis: list[str], baseline: str) -> str:
    """Rows: KPIs; columns: scenarios; cells: paired difference from the baseline ± 95% CI."""
    if diffs.empty:
        return ""
    names = list(diffs["scenario"])
    dd = diffs.set_index("scenario")
    rows = []
    for k in kpis:
        if k not in dd:
            continue
        i = K.info(k)
        cells = "".join(
            f"<td class='num{' best' if abs(dd.at[s, k]) > dd.at[s, f'{k}_ci95'] else ''}'>"
            f"{'+' if dd.at[s, k] > 0 else ''}"
            f"{_esc(K.fmt(k, dd.at[s, k], dd.at[s, f'{k}_ci95']))}</td>" for s in names)
        rows.append(f"<tr><th>{_esc(i.label)} ({_esc(i.unit or 'value')})</th>{cells}</tr>")
    head = "".join(f"<th>{_breakable(s)} − {_breakable(baseline)}</th>" for s in names)
    return f"<div class='wide'><table><tr><th>KPI</th>{head}</tr>{''.join(rows)}</table></div>"


def _figure_html(f: DrawnFigure) -> str:
    """The PNG embedded as base64; its title and caption are part of the image (and alt text)."""
    if f.path is None:
        return f"<p class='failed'>Figure “{_esc(f.title)}” could not be drawn: {_esc(f.error)}</p>"
    data = base64.b64encode(f.path.read_bytes()).decode("ascii")
    return (f"<figure id='fig-{_esc(f.name)}'><img alt='{_esc(f.title)}. {_esc(f.caption)}' "
            f"src='data:image/png;base64,{data}'></figure>")


def _figures_html(figs: list[DrawnFigure]) -> str:
    toc = "".join(f"<li><a href='#fig-{_esc(f.name)}'>{_esc(f.title)}</a></li>" for f in figs)
    return f"<ol class='small'>{toc}</ol>" + "".join(_figure_html(f) for f in figs)


def _compared(study: Study, runs: pd.DataFrame, ctx: FigureContext, city: str) -> str:
    seeds = sorted({int(x) for x in runs["seed"]}) if not runs.empty else []
    reps = runs.groupby("scenario").size() if not runs.empty else pd.Series(dtype=int)
    rep_text = (f"{int(reps.iloc[0])} replications each" if reps.nunique() == 1 and len(reps)
                else "replications per scenario: " + ", ".join(f"{s} {n}" for s, n in reps.items()))
    items = "".join(
        f"<li><b>{_esc(s)}</b>{' (baseline)' if s == study.baseline else ''}: "
        f"{_code_list(study.overrides.get(s, []))}</li>" for s in study.scenarios)
    return (f"<p>{_esc(city)} city: {len(study.scenarios)} scenarios, {rep_text}, {_esc(ctx.period())}; "
            f"root seed {', '.join(map(str, seeds)) or '–'} in every scenario, so replication <i>r</i> "
            f"of each scenario faces the same families (common random numbers). Settings shared by "
            f"all runs: {_code_list(study.common)}.</p><ul>{items}</ul>"
            + warmup_html(study, ctx.ts, city))


def _failures(study: Study) -> str:
    bad = study.failed_runs
    if not bad:
        return ""
    items = "".join(
        f"<li><b>{_esc(r.scenario)}</b> ({_esc(r.path.name)}): {_esc((r.error or {}).get('error', ''))} "
        f"error at <code>{_esc((r.error or {}).get('key', ''))}</code>: "
        f"{_esc((r.error or {}).get('reason', ''))}</li>" for r in bad)
    return (f"<div class='failed'><b>{len(bad)} run(s) failed</b> and are missing from the tables "
            f"and figures:<ul>{items}</ul></div>")


def _provenance(study: Study) -> str:
    rows = []
    for r in study.ok_runs:
        m = (r.summary or {}).get("meta", {})
        rows.append(f"<tr><td>{_esc(r.scenario)}</td><td>{_esc(m.get('version'))}</td>"
                    f"<td><code>{_esc((m.get('git_commit') or 'unknown')[:12])}</code></td>"
                    f"<td><code>{_esc(m.get('config_hash'))}</code></td><td class='num'>{_esc(m.get('seed'))}"
                    f"</td><td class='num'>{_esc(m.get('replications'))}</td>"
                    f"<td class='num'>{float(m.get('wall_seconds') or 0):.1f}</td></tr>")
    commits = {(r.summary or {}).get("meta", {}).get("git_commit") for r in study.ok_runs}
    warn = ("<p class='failed'>The runs come from different git commits: compare with care.</p>"
            if len(commits) > 1 else "")
    return (f"<p>Report generated {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} by childcare-sim "
            f"{_esc(sim.__version__)}.</p>{warn}<table><tr><th>scenario</th><th>version</th>"
            f"<th>git commit</th><th>config hash</th><th>seed</th><th>replications</th>"
            f"<th>wall time (s)</th></tr>{''.join(rows)}</table>")


def _brief_html(study: Study, runs: pd.DataFrame) -> str:
    b = policy_brief(study, runs)
    items = "".join(f"<li>{_esc(line)}</li>" for line in b.lines)
    extra = "".join(f"<p>{_esc(t)}</p>" for t in (b.tradeoffs, b.bests, b.notes) if t)
    return (f'<div class="finding">'
            f"<p><b>{_esc(main_finding(study, runs))}</b></p>"
            f"{f'<ul>{items}</ul>' if items else ''}{extra}<p class='small'>Each scenario against "
            f"{_esc(study.baseline)}, paired by replication: a KPI counts as better or worse only "
            "when the 95% CI of the difference excludes 0.</p></div>")


SECTION_FIGURES = ("distribution", "map")  # drawn in the distribution section


def _tables(study: Study, runs: pd.DataFrame, scen: pd.DataFrame, city: str) -> str:
    if scen.empty:
        return "<p>No complete run.</p>"
    kpis = shown_kpis(study.kpis, scen.columns)
    hidden = set(window_costs(runs.columns))  # shown per year instead
    others = [k for k in kpi_columns(runs) if k not in kpis and k not in hidden]
    diffs = paired_differences(runs, study.baseline, kpis)
    outside = ("public_cost_public_providers_per_year" in scen
               and " Public providers' deficits (<code>public_cost_public_providers</code>) are "
               "paid outside the yearly budget (<code>policy.budget_per_year</code>), which caps "
               "subsidies, construction commitments and purchases.")
    return (kpi_table(scen, kpis, runs) + f"<p class='small'>{_esc(city)} city. Mean over "
            "replications ± half-width of the 95% t confidence interval (a count whose interval "
            "would reach below 0: mean (0 to upper)); public money in million yuan per year of the "
            "observation window." + (outside or "") + " Bold: the best value, only where it beats "
            "every other scenario beyond the noise (paired 95% CIs exclude 0).</p>"
            + type_table(scen) +
            f"<details><summary>All {len(others)} other KPIs</summary>{kpi_table(scen, others, runs)}"
            f"</details><h3>Difference from the baseline ({_esc(study.baseline)})</h3>"
            f"<p class='small'>{_esc(city)} city. Scenario minus baseline, replication by "
            "replication (same families), mean ± 95% CI; bold: the interval excludes 0 (a real "
            "difference).</p>" + diff_table(diffs, kpis, study.baseline))


def render(study: Study, runs: pd.DataFrame, scen: pd.DataFrame, figs: list[DrawnFigure],
           ctx: FigureContext, ce: pd.DataFrame | None = None) -> str:
    """Return the report as one HTML document."""
    city = city_name(study)
    ce = pd.DataFrame() if ce is None else ce
    title = f"childcare-sim {study.kind}: {study.name}"
    dist_figs = "".join(_figure_html(f) for f in figs if f.name in SECTION_FIGURES)
    other_figs = [f for f in figs if f.name not in SECTION_FIGURES]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body>
<h1>{_esc(title)}</h1>
<p class="purpose">{_esc(study.purpose)}</p>
<h2>What was compared</h2>
{_compared(study, runs, ctx, city)}
<h2>Main finding</h2>
{_brief_html(study, runs)}
{_failures(study)}
<h2>Key indicators</h2>
{_tables(study, runs, scen, city)}
<h2>Cost-effectiveness against {_esc(study.baseline)}</h2>
{cost_effectiveness_html(ce, study, city)}
<h2>Distribution: who gets a place</h2>
{distribution_html(runs, scen, study, city, dist_figs)}
<h2>Figures</h2>
{_figures_html(other_figs)}
<h2>Parameter differences between scenarios</h2>
{config_differences(study)}
<h2>Model and assumptions</h2>
{model_section()}
<h2>Version and provenance</h2>
{_provenance(study)}
</body></html>
"""


def build_report(d: Path) -> Path:
    """Write the tables, figures and ``report.html`` of the study in ``d``; return the report path."""
    d = Path(d)
    study = load_study(d)
    raw = runs_frame(study)
    ts = timeseries_frame(study)
    atomic_write_parquet(d / "runs.parquet", raw)
    atomic_write_bytes(d / "scenarios.csv",
                       scenarios_frame(study, raw, study.kpis).to_csv(index=False).encode("utf-8"))
    atomic_write_parquet(d / "timeseries.parquet", ts)
    by_year = kpis_by_year_frame(study)
    if not by_year.empty:
        atomic_write_parquet(d / "kpis_by_year.parquet", by_year)
    ce = cost_effectiveness(raw, by_year, study.baseline)
    atomic_write_parquet(d / COST_EFFECTIVENESS, ce)
    runs = with_costs_per_year(raw)  # public money shown per year
    scen = scenarios_frame(study, runs, shown_kpis(study.kpis, runs.columns))
    ctx = FigureContext(study, runs, scen, ts, waits_frame(study), by_year)
    drawn = [draw(ctx, name, d / "figures") for name in study.figures] if not scen.empty else []
    figs = [f for f in drawn if f is not None]
    out = d / "report.html"
    atomic_write_bytes(out, render(study, runs, scen, figs, ctx, ce).encode("utf-8"))
    return out
