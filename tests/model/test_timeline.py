"""Levers that change on a date (``policy.timeline``, ``capacity.timeline``) act from that date only.

Each test runs the demo city with a timeline written as on the command line and observes
the run through the public trace hook or a probe process that reads the world at chosen
times: payments, fees of institutions and contracts, commitments of the capacity programme,
the budget spent each year.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import pandas as pd
import pytest

from sim.config.load import load
from sim.model import ledger as L
from sim.model.trace import TraceEvent
from sim.model.world import RunResult, World

SUBSIDY_2026 = 'policy.timeline=[{from: "2026-01", family_subsidy_per_year: 3600}]'
# A quarter of the demo city, for tests of what is paid, when, and of identical runs: they
# need every mechanism, not the full number of families.
SMALLER = "city.scale=0.25"


def run_traced(overrides: list[str], kinds: tuple[str, ...], seed: int = 42,
               probe: Callable[[World], Generator[Any, Any, None]] | None = None
               ) -> tuple[World, RunResult, list[TraceEvent]]:
    """Run ``overrides`` and return the world, its result and the trace events of ``kinds``."""
    w = World(load(overrides), seed)
    events: list[TraceEvent] = []
    w.trace.subscribe(lambda ev: events.append(ev) if ev.kind in kinds else None)
    if probe is not None:
        w.env.process(probe(w))
    return w, w.run(), events


def test_family_subsidy_from_2026_pays_nothing_before_and_300_a_month_per_child_under_3_after():
    w, res, events = run_traced(["run.horizon_months=36", SMALLER, SUBSIDY_2026], ("pay", "policy"))
    paid = {int(round(ev.time)) - 1: ev.data for ev in events
            if ev.kind == "pay" and ev.subject == "family_subsidy"}  # month paid for: the one closing
    assert min(paid) == 24, "no family subsidy may be paid for a month before January 2026"
    assert sorted(paid) == list(range(24, 36)), "the subsidy is paid for every month from January 2026"
    ts = pd.DataFrame(res.timeseries)
    kids = ts.groupby("month")["children_under3"].sum()
    for month, (amount, refused) in paid.items():
        assert refused == 0.0
        assert amount == 300.0 * kids[month], f"month {month}: 300 yuan for each of {kids[month]} children"
    assert [(ev.time, ev.subject, ev.data) for ev in events if ev.kind == "policy"] == [
        (24.0, "policy", {"family_subsidy_per_year": 3600.0})]
    assert res.lever_changes == [{"month": 24, "date": "2026-01", "group": "policy",
                                  "levers": {"family_subsidy_per_year": 3600.0}}]
    by_year = pd.DataFrame(res.by_year).set_index("year")
    assert by_year.loc[2024:2025, "public_cost_family_subsidy"].eq(0).all()
    assert by_year.loc[2026, "public_cost_family_subsidy"] == pytest.approx(300.0 * kids[24:36].sum(),
                                                                            rel=1e-12)


def _fees_at(times: list[float], out: dict[float, list[tuple[Any, ...]]]):
    def probe(w: World) -> Generator[Any, Any, None]:
        for t in times:
            yield w.env.timeout(t - w.env.now)
            out[t] = [(i.name, i.affordable, i.list_fee, i.fee, i.open) for i in w.institutions]
            out[t, "contracts"] = [((f.fid, f.admit_t), f.fee_paid + f.voucher, f.net_fee, c.inst.affordable)
                                   for c in w.classes for f in c.children]
    return probe


def test_a_fee_cap_from_a_date_caps_affordable_fees_only_from_then_and_a_lifted_cap_restores_them():
    seen: dict[Any, list[tuple[Any, ...]]] = {}
    timeline = 'policy.timeline=[{from: "2025-01", fee_cap: 2000}, {from: "2026-01", fee_cap: null}]'
    run_traced(["run.horizon_months=30", SMALLER, timeline], (), probe=_fees_at([11.5, 12.5, 24.5], seen))
    before, capped, lifted = seen[11.5], seen[12.5], seen[24.5]
    assert any(aff and fee > 2000 for _, aff, _, fee, _ in before), "affordable fees above the cap before it"
    for name, aff, list_fee, fee, is_open in capped:
        expected = min(list_fee, 2000.0) if aff else None
        if aff and is_open:
            assert fee == expected, f"{name}: an affordable fee is capped from 2025-01"
    assert any(not aff and fee > 2000 for _, aff, _, fee, is_open in capped if is_open), "market fees: no cap"
    for name, aff, list_fee, fee, is_open in lifted:
        if aff and is_open:
            assert fee == list_fee, f"{name}: a lifted cap restores the list fee"
    # contracts made before the cap keep their fee (same family, same admission)
    old = {fid: fee for fid, fee, _, _ in seen[11.5, "contracts"]}
    kept = [(fid, fee) for fid, fee, _, aff in seen[12.5, "contracts"] if fid in old and aff]
    assert any(fee > 2000 for _, fee in kept)
    assert all(fee == old[fid] for fid, fee in kept)


def test_enrolled_families_net_fee_follows_the_family_subsidy_but_their_contract_does_not():
    seen: dict[Any, list[tuple[Any, ...]]] = {}
    subsidy = 'policy.timeline=[{from: "2025-01", family_subsidy_per_year: 3600}]'
    run_traced(["run.horizon_months=30", SMALLER, subsidy], (), probe=_fees_at([11.5, 12.5], seen))
    before = {fid: (fee, net) for fid, fee, net, _ in seen[11.5, "contracts"]}
    both = [(before[fid], (fee, net)) for fid, fee, net, _ in seen[12.5, "contracts"] if fid in before]
    assert len(both) > 100
    for (fee0, net0), (fee1, net1) in both:
        assert fee1 == fee0, "the provider fee (contract) does not change"
        assert net1 == pytest.approx(max(0.0, net0 - 300.0)), "the net fee falls by the 300-yuan subsidy"


def test_a_capacity_target_from_a_date_orders_places_only_from_then_and_reaches_it():
    timeline = 'capacity.timeline=[{from: "2026-01", target_per_1000: 6, target_year: 2028}]'
    w, res, events = run_traced(["run.horizon_months=60", "economics.enabled=false", timeline], ("commit",))
    assert events, "the programme orders places after the target starts"
    assert min(ev.time for ev in events) >= 24.0, "no order before 2026-01"
    by_year = pd.DataFrame(res.by_year).set_index("year")
    assert by_year.loc[2025, "places_per_1000_end"] < 5.0
    unit = sum(w.params.city.types[w.params.capacity.build_type].classes.values()) * 20  # one institution
    pop = sum(d.population for d in w.districts)
    assert by_year.loc[2028, "places_per_1000_end"] >= 6.0 - unit * 1000.0 / pop


@pytest.mark.parametrize("shape", ["grows each January", "changes in July"])
def test_a_budget_that_changes_on_dates_is_spent_to_the_yuan_in_each_year(shape: str):
    base = 5e7
    if shape == "grows each January":
        timeline = '[{from: "2025-01", budget_per_year: 6e7}, {from: "2026-01", budget_per_year: 7.2e7}]'
        budgets = {2024: 5e7, 2025: 6e7, 2026: 7.2e7}
    else:  # half a year at the old budget, half at the new one
        timeline = '[{from: "2025-07", budget_per_year: 1e8}]'
        budgets = {2024: 5e7, 2025: 0.5 * 5e7 + 0.5 * 1e8, 2026: 1e8}
    w, res, _ = run_traced(["run.horizon_months=36", "policy=family_subsidy",
                            f"policy.budget_per_year={base}", f"policy.timeline={timeline}"], ())
    by_year = pd.DataFrame(res.by_year).set_index("year")
    for year, budget in budgets.items():
        assert w.gov.spent_by_year[year] == pytest.approx(budget, rel=1e-9), f"{year}: all of it spent"
        assert by_year.loc[year, "budget_refused"] > 0, f"{year}: the subsidy costs more than the budget"
        assert by_year.loc[year, "public_cost_family_subsidy"] == pytest.approx(budget, rel=1e-9)


def test_kpis_by_year_add_up_to_the_whole_run_kpis():
    """Flows summed and levels time-weighted over the window years equal the summary's KPIs."""
    over = ["run.horizon_months=48", "run.warmup_months=12", "run.burnin_months=24", SMALLER,
            "policy=combined", "capacity=target", "policy.budget_per_year=2e8",
            'policy.timeline=[{from: "2026-01", voucher_per_month: 300, place_subsidy_per_year: 1200}]']
    w, res, events = run_traced(over, ("move",))
    s = res.summary
    y = pd.DataFrame(res.by_year)
    assert list(y["year"]) == [2024, 2025, 2026, 2027]
    assert list(y["in_window"]) == [False, True, True, True]
    win = y[y["in_window"]]
    for kind in ("family_subsidy", "voucher", "operating", "construction", "public_providers", "total"):
        assert win[f"public_cost_{kind}"].sum() == pytest.approx(s[f"public_cost_{kind}"], rel=1e-9, abs=1e-6)
    assert win["budget_refused"].sum() == pytest.approx(s["budget_refused"], rel=1e-9, abs=1e-6)
    assert win["arrivals"].sum() == s["arrivals"] and y.loc[~y["in_window"], "arrivals"].eq(0).all()
    n = win["admitted_arrivals"]
    assert (n * win["mean_wait_months"]).sum() / n.sum() == pytest.approx(s["mean_wait_months"], rel=1e-9)
    months = win["months"]
    assert (win["mean_enrolled"] * months).sum() / (win["mean_children_under3"] * months).sum() == \
        pytest.approx(s["enrollment_rate"], rel=1e-9)
    licensed = (win["mean_occupied"] * months / win["occupancy"]).sum()
    assert (win["mean_occupied"] * months).sum() / licensed == pytest.approx(s["occupancy"], rel=1e-9)
    assert (win["mean_waitlist"] * months).sum() / months.sum() == pytest.approx(s["mean_waitlist"], rel=1e-9)
    before_start = sum(1 for ev in events if ev.time < 0 and ev.data[1] == L.STATES[L.PRICED_OUT])
    assert y["priced_out"].sum() + before_start == s["priced_out"]
    assert y["institutions_closed"].sum() == s["institutions_closed"]
    assert y["institutions_opened"].sum() == s["institutions_opened"]
    assert y["places_per_1000_end"].iloc[-1] == pytest.approx(s["places_per_1000_end"], rel=1e-12)
    assert y["waitlist_end"].iloc[-1] == s["waitlist_end"]
    types = w.params.city.types
    assert (sum(y[f"places_end_{t}"] for t in types) == y["places_end"]).all()
    for t in types:
        assert y[f"places_end_{t}"].iloc[-1] == s[f"places_by_type_end_{t}"], t
    assert y["programme_places"].sum() == s["programme_places"] > 0  # the programme orders from month 0 on
    for c in ("community", "employer", "public", "kindergarten"):
        assert y[f"programme_places_{c}"].sum() == s[f"programme_places_{c}"], c


def test_the_same_seed_gives_the_same_yearly_table_and_lever_changes():
    over = ["run.horizon_months=36", "run.warmup_months=12", SMALLER, SUBSIDY_2026,
            'capacity.timeline=[{from: "2025-04", target_per_1000: 5}]']
    a, b = (World(load(over), 5).run() for _ in range(2))
    assert pd.DataFrame(a.by_year).equals(pd.DataFrame(b.by_year))
    assert a.lever_changes == b.lever_changes and len(a.lever_changes) == 2
    c = World(load(over), 6).run()
    assert not pd.DataFrame(a.by_year).equals(pd.DataFrame(c.by_year))


def test_an_empty_timeline_is_the_run_without_one():
    """A timeline whose entries change nothing gives the same run (same draws, same results)."""
    plain = World(load(["run.horizon_months=24", SMALLER]), 3).run()
    no_change = 'policy.timeline=[{from: "2025-01", fee_cap: null}]'
    same = World(load(["run.horizon_months=24", SMALLER, no_change]), 3).run()
    assert same.lever_changes == []
    assert plain.summary == same.summary
    assert pd.DataFrame(plain.timeseries).equals(pd.DataFrame(same.timeseries))


def test_china_2024_pays_the_national_subsidy_from_2025_only_when_the_run_reaches_2025():
    assert load(["city=china_2024"]).policy.timeline == []
    params = load(["city=china_2024", "run.horizon_months=49"])
    assert params.policy.timeline == [{"from": "2025-01", "family_subsidy_per_year": 3600}]
    w = World(params, 1)
    pays: list[TraceEvent] = []
    w.trace.subscribe(lambda ev: pays.append(ev) if ev.kind == "pay" and ev.subject == "family_subsidy"
                      else None)
    res = w.run()
    assert [ev.time for ev in pays] == [49.0], "one payment: January 2025, the run's last month"
    kids = pd.DataFrame(res.timeseries).groupby("month")["children_under3"].sum()
    assert pays[0].data == (300.0 * kids[48], 0.0)
    assert not math.isnan(res.summary["public_cost_family_subsidy"])
