"""KPIs of one run, computed from the ledger, the counters and the time-weighted levels.

Every KPI is documented in README.md (section "KPIs"); the names are a public interface.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model import ledger as L
from sim.model.equity import INCOME_GROUPS, QUINTILE_OF, QUINTILES, GroupTally, concentration_index
from sim.model.government import COST_KINDS
from sim.model.quality import Quality
from sim.params.schema import ACCEPT_RULES

if TYPE_CHECKING:
    from sim.model.world import RunResult, World


# Counts and money that grow with the population: reported also scaled back (``<kpi>_scaled``)
# when ``city.scale`` < 1.
EXTENSIVE_KPIS = (
    "children_born", "sought_care", "enrolled_ever", "never_sought", "pending_end", "priced_out",
    "no_provider", "blocked", "reneged", "aged_out", "left_early", "waiting_end", "enrolled_end",
    "arrivals", "mean_waitlist", "waitlist_end", "places_start", "places_end", "mean_children_under3",
    "mean_enrolled", "mean_occupied", "displaced", "institutions_start", "institutions_end", "budget_refused",
    "hourly_users",
)


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else 0.0


def check_conservation(w: World) -> None:
    """Raise LedgerError unless the ledger agrees with the places and no class is over-full.

    Two independent records are compared: the ledger (families by state) and the classes
    (children in places); and every class must hold between 0 and its licensed places.
    """
    led = w.ledger
    led.check()
    enrolled = sum(c.enrolled for c in w.classes)
    if enrolled != led.counts[L.ENROLLED]:
        raise L.LedgerError(f"ledger says {led.counts[L.ENROLLED]} enrolled, classes hold {enrolled}")
    over = [c for c in w.classes if c.enrolled < 0 or c.load > 2 * c.licensed]
    if over:
        c = over[0]
        raise L.LedgerError(f"class {c.inst.name}/{c.band} holds {c.enrolled} children using "
                            f"{c.load / 2:g} places in {c.licensed} licensed places")


def check_accounts(w: World, tol: float = 1e-6) -> None:
    """Raise LedgerError unless every provider's cash moved by exactly revenue minus cost."""
    for inst in w.institutions:
        why = inst.acct.check(tol)
        if why is not None:
            raise L.LedgerError(f"accounts of {inst.name}: {why}")


def admission_kpis(w: World, T: float) -> dict[str, float]:
    """KPIs of admissions: per provider type, per accept rule, first choices, transfers."""
    rec, places = w.recorder, w.places
    out: dict[str, float] = {}
    enrolled, licensed = places.mean_by_type("occupied", T), places.mean_by_type("licensed", T)
    for k, name in enumerate(w.params.city.types):
        out[f"occupancy_{name}"] = _ratio(enrolled[k], licensed[k])
        out[f"mean_waitlist_{name}"] = rec.waiting_type[k].mean(T)
        out[f"mean_wait_months_{name}"] = _ratio(rec.type_wait_sum[k], rec.type_wait_n[k])
    for k, rule in enumerate(ACCEPT_RULES):
        out[f"mean_waitlist_{rule}"] = rec.waiting_rule[k].mean(T)
    out["mean_waiting_transfer"] = rec.transfer_waiting.mean(T)
    out["transfers"] = w.ledger.transfers
    out["p_first_choice"] = _ratio(rec.first_choice, rec.waits.n)
    wanted = rec.aff_wanted
    out["p_affordable_wanted_not_placed"] = 1.0 - _ratio(rec.aff_placed, wanted) if wanted else 0.0
    out["hourly_users"] = rec.hourly_users
    out["hourly_hours_served"] = rec.hourly_served
    out["hourly_hours_lost"] = rec.hourly_lost
    out["hourly_revenue"] = rec.hourly_revenue
    out["intake_round_placed"] = w.alloc.round_matched
    out["intake_round_first_choice"] = _ratio(w.alloc.round_first, w.alloc.round_matched)
    return out


def supply_kpis(w: World, T: float) -> dict[str, float]:
    """KPIs of the supply side (issue 13): entrants' survival and where entrants add places."""
    prov = w.providers
    entries = w.market.entries_log
    added = sum(e.places for e in entries)
    out: dict[str, float] = {
        "entrants_survival_1y": prov.entrants_survival(12.0, T),
        "entrants_survival_3y": prov.entrants_survival(36.0, T),
        "entrant_places": added,
        "entrant_places_high_need_share": _ratio(sum(e.places for e in entries if e.high_need), added),
    }
    built = w.gov.capacity.built if w.gov.capacity is not None else {}
    for name in w.params.city.types:
        out[f"programme_places_{name}"] = built.get(name, 0)
    out["programme_places_purchase"] = built.get("purchase", 0)
    new = sum(v for k, v in built.items() if k != "purchase")
    out["programme_places"] = new  # new places: built and converted kindergarten classes
    out["public_cost_per_new_place"] = _ratio(w.gov.cost["construction"] + prov.programme_deficits, new)
    out["conversions_to_affordable"] = prov.conversion.count(w.params.run.warmup_months)
    out["conversions_purchased"] = prov.conversion.count(w.params.run.warmup_months, purchased_only=True)
    return out


def places_by_type(w: World) -> dict[str, int]:
    """Licensed places of the open institutions of each type in ``city.types`` now (0 for none).

    Read from each institution's ``type`` when called: a provider that changed type during the
    run (a private provider converted to 普惠) counts under the type it has now.
    """
    out = dict.fromkeys(w.params.city.types, 0)
    for inst in w.institutions:
        if inst.open:
            out[inst.type] = out.get(inst.type, 0) + inst.licensed
    return out


def provider_mix_kpis(w: World) -> dict[str, float]:
    """KPIs of the provider mix at the end of the run (issue 13): places by type, private share.

    ``places_by_type_end_<type>`` for every type in ``city.types``; ``private_share_institutions``
    is the share of open institutions whose ``sector`` is private (the sector, not the type:
    普惠 and market providers are both private), both read at the end of the run.
    """
    out: dict[str, float] = {f"places_by_type_end_{t}": n for t, n in places_by_type(w).items()}
    sectors = [inst.sector for inst in w.institutions if inst.open]
    out["private_share_institutions"] = _ratio(sectors.count("private"), len(sectors))
    return out


EQUITY_KPIS = ("enrollment_rate", "priced_out_share", "family_cost_share", "mean_wait_months")


def equity_kpis(w: World) -> dict[str, float]:
    """KPIs by city-wide income quintile, and the concentration index of enrollment by income.

    ``<kpi>_q1`` (poorest fifth) .. ``<kpi>_q5`` for each of ``EQUITY_KPIS``
    (:meth:`sim.model.equity.GroupTally.kpis`); ``enrollment_concentration_index`` over the
    twenty income groups the run measures (negative: enrollment concentrated among the poor);
    ``priced_out_share``: the city's share of families deciding on the price after warm-up
    who were priced out.
    """
    rec = w.recorder
    out: dict[str, float] = {}
    quint = rec.by_income.merged(QUINTILE_OF, QUINTILES)
    for q in range(QUINTILES):
        for k, v in quint.kpis(q).items():
            out[f"{k}_q{q + 1}"] = v
    g = rec.by_income
    rates = [g.kpis(i)["enrollment_rate"] for i in range(INCOME_GROUPS)]
    out["enrollment_concentration_index"] = concentration_index(g.child_area, rates)
    decided = sum(g.applied) + sum(g.priced)
    out["priced_out_share"] = _ratio(sum(g.priced), decided)
    return out


def by_group_rows(w: World) -> list[tuple[str, str, str, float]]:
    """Rows ``(group_kind, group, kpi, value)`` of ``by_group.parquet`` (README "by_group.parquet").

    Kinds: ``income_quintile`` (q1..q5), ``district`` (its name) and ``stratum`` (urban, rural:
    ``city.districts.<i>.stratum``); KPIs: ``EQUITY_KPIS``, and ``children_share`` (the
    group's share of child-months under 3), plus for districts and strata
    ``access_affordable_share`` (:mod:`sim.model.access`) and for districts ``mean_waitlist``
    and ``places_per_1000_end``.
    """
    rec, T = w.recorder, w.horizon
    rows: list[tuple[str, str, str, float]] = []
    total = rec.child_area

    def add(kind: str, name: str, tally: GroupTally, g: int) -> None:
        for k, v in tally.kpis(g).items():
            rows.append((kind, name, k, float(v)))
        rows.append((kind, name, "children_share", _ratio(tally.child_area[g], total)))

    quint = rec.by_income.merged(QUINTILE_OF, QUINTILES)
    for q in range(QUINTILES):
        add("income_quintile", f"q{q + 1}", quint, q)
    licensed = [0] * len(w.districts)
    for c in w.classes:
        licensed[c.inst.district.idx] += c.licensed
    for d in w.districts:
        add("district", d.spec.name, rec.by_district, d.idx)
        rows.append(("district", d.spec.name, "mean_waitlist", rec.waiting[d.idx].mean(T)))
        rows.append(("district", d.spec.name, "places_per_1000_end",
                     _ratio(licensed[d.idx] * 1000.0, d.population)))
        rows.append(("district", d.spec.name, "access_affordable_share", w.access.group_share([d.idx])))
    strata = sorted({d.spec.stratum for d in w.districts})
    by_stratum = rec.by_district.merged([strata.index(d.spec.stratum) for d in w.districts], len(strata))
    for j, name in enumerate(strata):
        add("stratum", name, by_stratum, j)
        members = [d.idx for d in w.districts if d.spec.stratum == name]
        rows.append(("stratum", name, "access_affordable_share", w.access.group_share(members)))
    return rows


def build_result(w: World) -> RunResult:
    """Check conservation and assemble the run's KPIs and records."""
    from sim.model.world import RunResult

    check_conservation(w)
    check_accounts(w)
    T = w.horizon
    rec = w.recorder
    for c in w.classes:
        for fam in sorted(c.children, key=lambda f: f.fid):
            rec.on_care_spell(fam, fam.admit_t, T)
    led = w.ledger
    counts = led.as_dict()
    pop = sum(d.population for d in w.districts)
    window = max(T - max(w.warmup, w.t_start), 0.0)
    mean_children = rec.child_area / window if window > 0 else 0.0
    places = w.places
    mean_enrolled = places.mean("enrolled", T)
    mean_occupied = places.mean("occupied", T)
    mean_licensed = places.mean("licensed", T)
    licensed_end = sum(c.licensed for c in w.classes)
    gov = w.gov
    n_adm = rec.waits.n
    s: dict[str, float] = {
        "children_born": led.born,
        "sought_care": rec.sought,
        "enrolled_ever": rec.admissions,
        "never_sought": counts["never_sought"],
        "pending_end": counts["pending"],
        "priced_out": counts["priced_out"],
        "no_provider": counts["no_provider"],
        "blocked": counts["blocked"],
        "reneged": counts["reneged"],
        "aged_out": counts["aged_out"],
        "left_early": counts["left_early"],
        "hourly_end": counts["hourly"],
        "waiting_end": counts["waiting"],
        "enrolled_end": counts["enrolled"],
        "unaccounted": led.unaccounted(),
        "arrivals": rec.arrivals,
        "p_wait": _ratio(rec.arrivals - (n_adm - rec.waits.n_positive), rec.arrivals),
        "mean_wait_months": rec.waits.mean(),
        "p90_wait_months": rec.waits.quantile(0.9),
        "p_blocked": _ratio(rec.blocked, rec.arrivals),
        "p_reneged": _ratio(rec.reneged, rec.arrivals),
        "mean_waitlist": rec.mean_waitlist(T),
        "waitlist_end": rec.waiting_now(),
        "waitlist_joins": rec.joins,
        "mean_time_on_waitlist": _ratio(rec.wl_time_sum, rec.wl_time_n),
        "population": pop,
        "places_start": w.places_start,
        "places_end": licensed_end,
        "places_per_1000_start": _ratio(w.places_start * 1000.0, pop),
        "places_per_1000_end": _ratio(licensed_end * 1000.0, pop),
        "mean_children_under3": mean_children,
        "mean_enrolled": mean_enrolled,
        "mean_occupied": mean_occupied,
        "enrollment_rate": _ratio(mean_enrolled, mean_children),
        "occupancy": _ratio(mean_occupied, mean_licensed),
        "utilization": _ratio(mean_occupied, mean_licensed),
        "usable_share": _ratio(places.mean("usable", T), mean_licensed),
        "staff_shortfall": _ratio(places.mean("cg_missing", T), places.mean("cg_required", T)),
        "window_months": window,
        "fee_exits": rec.fee_exits,
        "displaced": rec.displaced,
        "displaced_replaced": rec.displaced_replaced,
        "institutions_start": sum(1 for i in w.institutions if i.idx < w.n_institutions_start),
        "institutions_end": sum(1 for i in w.institutions if i.open),
        "institutions_opened": w.providers.opened,
        "institutions_closed": w.providers.closed,
        "family_cost_share": _ratio(rec.burden_months, rec.care_months),
        "mean_net_fee": _ratio(rec.net_fee_months, rec.care_months),
        "provider_margin": _ratio(w.providers.revenue_window - w.providers.cost_window,
                                  w.providers.revenue_window),
        "budget_refused": gov.refused,
        # denominators of the ratios above, so that runs of parts of a city can be merged
        # (sim.experiment.merge): every ratio is recomputed from its parts' sums
        "mean_licensed": mean_licensed,
        "care_months": rec.care_months,
        "waits_counted": n_adm,
        "caregivers_required": places.mean("cg_required", T),
        "waitlist_spells": rec.wl_time_n,
        "provider_revenue": w.providers.revenue_window,
    }
    s.update(admission_kpis(w, T))
    s.update(supply_kpis(w, T))
    s.update(provider_mix_kpis(w))
    s.update(equity_kpis(w))
    types = list(w.params.city.types)
    s.update(w.quality.kpis(types, rec.care_months) if w.quality is not None else Quality.empty_kpis(types))
    s.update(w.access.kpis())  # sim.model.access
    if w.gov.hub is not None:
        s.update(w.gov.hub.kpis(w.institutions))  # sim.model.hub
    s["scale"] = w.params.city.scale
    for kind in COST_KINDS:
        s[f"public_cost_{kind}"] = gov.cost[kind]
    s["public_cost_total"] = sum(gov.cost.values())
    s["public_cost_per_enrolled_child_month"] = _ratio(s["public_cost_total"], rec.care_months)
    if w.params.city.scale != 1.0:
        for k in EXTENSIVE_KPIS + tuple(f"public_cost_{k}" for k in (*COST_KINDS, "total")):
            s[f"{k}_scaled"] = s[k] / w.params.city.scale
    return RunResult(
        summary={k: float(v) for k, v in s.items()},
        timeseries=rec.rows,
        ledger=counts,
        wait_histogram=rec.waits.histogram(),
        by_year=w.yearbook.rows(w),
        lever_changes=[c.as_record() for c in w.timeline.changes],
        by_group=by_group_rows(w),
    )
