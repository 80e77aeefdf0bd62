"""Report sections of the policy brief: cost-effectiveness, distribution and the warm-up used.

Each function returns an HTML fragment from the study's frames; a section whose inputs the
runs lack (quintile KPIs of an older model version) says what is missing instead.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from sim.analysis import kpis as K
from sim.analysis.cost_effectiveness import MEASURES
from sim.analysis.study import Study, resolved_config
from sim.analysis.tables import paired_differences
from sim.experiment.warmup import detect_warmup

QUINTILES = [f"enrollment_rate_q{q}" for q in range(1, 6)]
CONCENTRATION = "enrollment_concentration_index"


def esc(x: object) -> str:
    """HTML-escaped text."""
    return html.escape(str(x))


def _signed(x: float, h: float, form: str = "{:,.0f}") -> str:
    sign = "+" if x > 0 else "−" if x < 0 else ""
    ci = "" if math.isnan(h) else f" ± {form.format(h)}"
    return f"{sign}{form.format(abs(x))}{ci}"


def _bold_if(text: str, x: float, h: float) -> str:
    return f"<b>{text}</b>" if abs(x) > h else text  # NaN half-width: never bold


def _ce_cell(r: pd.Series) -> str:
    gain = _bold_if(_signed(r["gain_per_year"], r["gain_per_year_ci95"]), r["gain_per_year"],
                    r["gain_per_year_ci95"])
    gain_line = f"<span class='small'>gain {gain} {esc(r['unit'])}/year</span>"
    status = r["status"]
    if status == "ratio":
        head = f"{r['cost_per_unit']:,.0f} ± {r['cost_per_unit_ci95']:,.0f} yuan"
    elif status == "saves money":
        head = "saves money and gains"
    elif status == "worse":
        head = "worse (a loss, not a gain)"
    else:
        head = "not estimable (gain's CI includes 0)"
    return f"<td class='num'>{head}<br>{gain_line}</td>"


def cost_effectiveness_html(ce: pd.DataFrame, study: Study, city: str) -> str:
    """Rows: scenarios; columns: extra public cost per year and the cost per unit of each gain."""
    if ce.empty:
        return "<p>No scenario to compare with the baseline (or no cost KPI in the runs).</p>"
    head = "".join(f"<th>{esc(m.label)}</th>" for m in MEASURES)
    rows = []
    for s, g in ce.groupby("scenario", sort=False):
        first = g.iloc[0]
        cost = _bold_if(_signed(first["delta_cost_per_year"] / 1e6, first["delta_cost_per_year_ci95"] / 1e6,
                                "{:,.1f}"), first["delta_cost_per_year"], first["delta_cost_per_year_ci95"])
        by = g.set_index("measure")
        cells = "".join(_ce_cell(by.loc[m.name]) for m in MEASURES if m.name in by.index)
        rows.append(f"<tr><th>{esc(s)}</th><td class='num'>{cost}</td>{cells}</tr>")
    first = ce.iloc[0]
    note = (f"<p class='small'>{esc(city)} city. Each scenario minus the baseline "
            f"({esc(study.baseline)}), replication by replication ({int(first['pairs'])} pairs, the same "
            f"families), over the whole calendar years of the observation window "
            f"({first['years']:.1f} years; source: {esc(first['source'])}). Public cost: all public "
            "spending (million yuan per year, including public providers' deficits, which are "
            "outside the yearly budget). Cost per unit: mean extra cost / mean gain, 95% CI by the "
            "delta method; no ratio when the gain's CI includes 0. Waiting: months families spent "
            "on a waitlist without a place (mean waitlist × months). Bold: differences whose 95% "
            "CI excludes 0. File: <code>cost_effectiveness.parquet</code>.</p>")
    return (f"{note}<div class='wide'><table><tr><th>scenario</th><th>extra public cost "
            f"(million yuan/year)</th>{head}</tr>{''.join(rows)}</table></div>")


def configured_warmup(study: Study, key: str = "warmup_months") -> float:
    """``run.<key>`` of the runs (the largest if they differ; 0 when unknown)."""
    values = [float((resolved_config(r).get("run") or {}).get(key, 0) or 0) for r in study.ok_runs]
    return max(values, default=0.0)


def warmup_html(study: Study, ts: pd.DataFrame, city: str) -> str:
    """The warm-up used against the one MSER-5 detects on each scenario's monthly city waitlist."""
    if ts.empty or "waitlist" not in ts:
        return ""
    det = detect_warmup(ts)
    used = configured_warmup(study)
    worst = det.loc[det["warmup_months"].idxmax()]
    per = ", ".join(f"{esc(r.scenario)} {int(r.warmup_months)}" for r in det.itertuples())
    text = (f"<p class='small'>Warm-up: the KPIs average from month {used:g} "
            f"(<code>run.warmup_months={used:g}</code>), after a simulated pre-history of "
            f"{configured_warmup(study, 'burnin_months'):g} months (<code>run.burnin_months</code>); "
            f"MSER-5 on the monthly city waitlist of {esc(city)} "
            f"(mean over replications) detects {per} months.</p>")
    limit = int(worst["months"]) // 2
    if int(worst["warmup_months"]) > used:
        edge = (" (MSER-5's limit, half the series: lengthen the horizon)"
                if int(worst["warmup_months"]) >= limit - 4 else "")
        text += (f"<p class='warn'>The warm-up used ({used:g} months) is shorter than MSER-5 "
                 f"detects ({int(worst['warmup_months'])} months in {esc(worst['scenario'])}{edge}): "
                 "the window's means may still include part of the start-up transient. Rerun with "
                 f"<code>run.warmup_months={int(worst['warmup_months'])}</code> or a longer "
                 "<code>run.burnin_months</code>.</p>")
    return text


def _quintile_note(runs: pd.DataFrame) -> str:
    missing = [k for k in [*QUINTILES, CONCENTRATION] if k not in runs.columns]
    if not missing:
        return ""
    return (f"<p class='small'>Not in these runs: {', '.join(f'<code>{k}</code>' for k in missing)} "
            "(KPIs by household-income quintile come with a newer model version); the panels that "
            "need them are left out.</p>")


def concentration_table(runs: pd.DataFrame, scen: pd.DataFrame, study: Study, city: str) -> str:
    """Concentration index of enrollment by income per scenario, and its paired difference."""
    if CONCENTRATION not in runs.columns or scen.empty:
        return ""
    sc = scen.set_index("scenario")
    diffs = paired_differences(runs, study.baseline, [CONCENTRATION])
    dd = diffs.set_index("scenario") if not diffs.empty else pd.DataFrame()
    rows = []
    for s in sc.index:
        m, h = sc.at[s, CONCENTRATION], sc.get(f"{CONCENTRATION}_ci95", pd.Series(dtype=float)).get(s)
        cell = "–"
        if s in dd.index:
            d, dh = dd.at[s, CONCENTRATION], dd.at[s, f"{CONCENTRATION}_ci95"]
            cell = _bold_if(_signed(d, dh, "{:.3f}"), d, dh)
        rows.append(f"<tr><th>{esc(s)}</th><td class='num'>{m:+.3f}"
                    f"{'' if h is None or math.isnan(h) else f' ± {h:.3f}'}</td>"
                    f"<td class='num'>{cell}</td></tr>")
    return (f"<p class='small'>{esc(city)} city. Concentration index of enrollment by household "
            "income: 0 = enrollment equal across incomes, negative = concentrated among poorer "
            "families (pro-poor), positive = among richer ones; mean ± 95% CI, and the paired "
            f"difference from {esc(study.baseline)} (bold when its CI excludes 0).</p>"
            "<table><tr><th>scenario</th><th>concentration index</th>"
            f"<th>difference from {esc(study.baseline)}</th></tr>{''.join(rows)}</table>")


def distribution_html(runs: pd.DataFrame, scen: pd.DataFrame, study: Study, city: str,
                      figures: str) -> str:
    """Quintile bars and the access map (``figures``, HTML) and the concentration index table."""
    return _quintile_note(runs) + figures + concentration_table(runs, scen, study, city)


def count_interval(kpi: str, mean: float, half: float | None, nonnegative: bool) -> str:
    """Mean ± half-width, or for a count whose interval reaches below 0 ``mean (0 to upper)``."""
    if nonnegative and half is not None and not math.isnan(half) and mean - half < 0:
        return f"{K.fmt(kpi, mean)} (0 to {K.fmt(kpi, mean + half)})"
    return K.fmt(kpi, mean, half)
