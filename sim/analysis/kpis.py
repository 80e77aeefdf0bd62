"""How KPIs read to a person: label, unit, display scale and number format.

The KPI names and meanings are those of README.md ("KPIs"); a KPI not listed here is shown
under its own name as a plain number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class KpiInfo:
    """Display rules of one KPI: ``value * scale`` is shown in ``unit`` with ``fmt``."""

    label: str
    unit: str = ""
    scale: float = 1.0
    fmt: str = "{:,.1f}"
    lower_is_better: bool | None = None


def _pct(label: str, lower_is_better: bool | None = None) -> KpiInfo:
    return KpiInfo(label, "%", 100.0, "{:.2f}", lower_is_better)


def _myuan(label: str) -> KpiInfo:
    return KpiInfo(label, "million yuan", 1e-6, "{:,.1f}")


def _families(label: str, lower_is_better: bool | None = None) -> KpiInfo:
    return KpiInfo(label, "families", 1.0, "{:,.0f}", lower_is_better)


KPIS: dict[str, KpiInfo] = {
    "children_born": KpiInfo("children born", "children", fmt="{:,.0f}"),
    "sought_care": _families("families that sought care"),
    "enrolled_ever": KpiInfo("admissions", "children", fmt="{:,.0f}"),
    "priced_out": _families("priced out (whole run)", True),
    "reneged": _families("gave up waiting (reneged)", True),
    "arrivals": _families("applications after warm-up"),
    "p_wait": _pct("share of applicants who waited", True),
    "p_reneged": _pct("share of applicants who gave up", True),
    "mean_wait_months": KpiInfo("mean wait", "months", fmt="{:.2f}", lower_is_better=True),
    "p90_wait_months": KpiInfo("90th percentile wait", "months", fmt="{:.2f}", lower_is_better=True),
    "mean_waitlist": KpiInfo("mean waitlist", "families", fmt="{:,.1f}", lower_is_better=True),
    "waitlist_end": _families("waitlist at the end", True),
    "mean_time_on_waitlist": KpiInfo("mean time on a waitlist", "months", fmt="{:.2f}"),
    "places_per_1000_start": KpiInfo("places per 1,000 people (start)", "places", fmt="{:.2f}"),
    "places_per_1000_end": KpiInfo("places per 1,000 people (end)", "places", fmt="{:.2f}"),
    "places_end": KpiInfo("licensed places (end)", "places", fmt="{:,.0f}"),
    "mean_children_under3": KpiInfo("children under 3 (mean)", "children", fmt="{:,.0f}"),
    "mean_enrolled": KpiInfo("children enrolled (mean)", "children", fmt="{:,.0f}"),
    "enrollment_rate": _pct("enrollment rate of under-3s", False),
    "occupancy": _pct("occupancy of licensed places"),
    "utilization": _pct("utilization of licensed places"),
    "usable_share": _pct("usable share of licensed places"),
    "staff_shortfall": _pct("caregivers missing", True),
    "institutions_closed": KpiInfo("institutions closed", "institutions", fmt="{:,.0f}"),
    "institutions_opened": KpiInfo("institutions opened", "institutions", fmt="{:,.0f}"),
    "institutions_end": KpiInfo("institutions open (end)", "institutions", fmt="{:,.0f}"),
    "family_cost_share": _pct("fee burden (net fee / income)", True),
    "mean_net_fee": KpiInfo("mean net fee paid", "yuan/month", fmt="{:,.0f}", lower_is_better=True),
    "provider_margin": _pct("providers' margin"),
    "budget_refused": _myuan("subsidy refused (budget spent)"),
    "public_cost_total": _myuan("public cost (all public spending)"),
    "public_cost_family_subsidy": _myuan("public cost: family subsidy"),
    "public_cost_voucher": _myuan("public cost: vouchers"),
    "public_cost_operating": _myuan("public cost: operating subsidies"),
    "public_cost_construction": _myuan("public cost: construction"),
    "public_cost_public_providers": _myuan("public cost: public providers' deficits"),
    "public_cost_hub": _myuan("public cost: the hub's training and guidance services"),
    "hub_places": KpiInfo("places of the comprehensive centre (hub, end)", "places", fmt="{:,.0f}"),
    "hub_public_cost": _myuan("public cost of the hub (grant, services, deficits)"),
    "public_cost_per_enrolled_child_month": KpiInfo("public cost per enrolled child-month",
                                                    "yuan", fmt="{:,.0f}"),
    "access_affordable_share": _pct("children with an affordable place with room within reach", False),
    "population_share_below_places_target": _pct("people in districts below the places target", True),
    "p_first_choice": _pct("placed at their first choice", False),
    "p_affordable_wanted_not_placed": _pct("wanted an affordable place, not placed within a year", True),
    "transfers": KpiInfo("moves to a better place", "children", fmt="{:,.0f}"),
    "mean_waiting_transfer": KpiInfo("in care, waiting for a better place (mean)", "families", fmt="{:,.1f}"),
    "hourly_hours_served": KpiInfo("hourly care served", "hours", fmt="{:,.0f}"),
    "hourly_hours_lost": KpiInfo("hourly care requested but lost", "hours", fmt="{:,.0f}",
                                 lower_is_better=True),
    "hourly_revenue": _myuan("providers' revenue from hourly care"),
    # quality, safety and the workforce (sim.model.quality)
    "qualified_share": _pct("qualified caregivers", False),
    "caregiver_turnover_per_year": _pct("caregiver turnover a year", True),
    "incidents_per_1000_child_years": KpiInfo("safety incidents per 1,000 enrolled child-years", "",
                                              fmt="{:.2f}", lower_is_better=True),
    "mean_quality_enrolled": KpiInfo("quality score where children are enrolled (0-1)", "", fmt="{:.3f}",
                                     lower_is_better=False),
    "inspections": KpiInfo("inspections", "inspections", fmt="{:,.0f}"),
    "suspensions": KpiInfo("suspensions", "providers", fmt="{:,.1f}", lower_is_better=True),
    "revocations": KpiInfo("licences revoked", "providers", fmt="{:,.1f}", lower_is_better=True),
    "children_displaced_by_sanctions": KpiInfo("children displaced by sanctions", "children", fmt="{:,.0f}",
                                               lower_is_better=True),
    "training_places_used": KpiInfo("caregivers who started a course", "caregivers", fmt="{:,.0f}"),
    "public_cost_quality": _myuan("public cost: inspections, courses, wage subsidy"),
}

KPIS["enrollment_concentration_index"] = KpiInfo(
    "concentration index of enrollment by income (negative: pro-poor)", "", 1.0, "{:+.3f}", True)

# KPIs per household-income quintile: ``<prefix><q>`` for q = 1 (poorest fifth) .. 5
PER_QUINTILE = {
    "enrollment_rate_q": ("enrollment rate", "%", 100.0, "{:.2f}", False),
    "priced_out_share_q": ("share priced out", "%", 100.0, "{:.2f}", True),
    "family_cost_share_q": ("fee burden", "%", 100.0, "{:.2f}", True),
    "mean_wait_months_q": ("mean wait", "months", 1.0, "{:.2f}", True),
}

# KPIs per provider type: ``<prefix><type>`` (any type a city defines)
PER_TYPE = {
    "occupancy_": ("occupancy", "%", 100.0, "{:.1f}"),
    "mean_waitlist_": ("mean waitlist", "families", 1.0, "{:,.1f}"),
    "mean_wait_months_": ("mean wait", "months", 1.0, "{:.2f}"),
}


def info(kpi: str) -> KpiInfo:
    """Return the display rules of ``kpi`` (its own name and a plain number if unknown)."""
    if kpi in KPIS:
        return KPIS[kpi]
    base = kpi.removesuffix("_per_year")
    if base != kpi and base in KPIS and KPIS[base].unit == "million yuan":
        return KpiInfo(f"{KPIS[base].label} per year", "million yuan/year", 1e-6, "{:,.1f}",
                       KPIS[base].lower_is_better)
    for prefix, (label, unit, scale, form, lower) in PER_QUINTILE.items():
        if kpi.startswith(prefix) and kpi[len(prefix):].isdigit():
            q = int(kpi[len(prefix):])
            who = " (poorest)" if q == 1 else " (richest)" if q == 5 else ""
            return KpiInfo(f"{label}, income quintile {q}{who}", unit, scale, form, lower)
    for prefix, (label, unit, scale, form) in PER_TYPE.items():
        if kpi.startswith(prefix):
            return KpiInfo(f"{label}: {kpi[len(prefix):].replace('_', ' ')}", unit, scale, form)
    return KpiInfo(kpi.replace("_", " "))


def axis_label(kpi: str) -> str:
    """Return 'label (unit)' for an axis."""
    i = info(kpi)
    return f"{i.label} ({i.unit})" if i.unit else i.label


def _no_negative_zero(text: str) -> str:
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def fmt(kpi: str, value: float | None, ci: float | None = None, unit: bool = False) -> str:
    """Return the value (and ``± ci``) in display units; '–' when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    i = info(kpi)
    text = _no_negative_zero(i.fmt.format(value * i.scale))
    if ci is not None and not math.isnan(ci) and ci > 0:
        text += " ± " + i.fmt.format(ci * i.scale)
    if unit and i.unit:
        text += "%" if i.unit == "%" else f" {i.unit}"
    return text
