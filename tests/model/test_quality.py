"""Quality, safety and the workforce (issue 17): the rules on hand-made cases, and the
mechanisms the issue names checked over paired replications (common random numbers).

Mechanisms: a wage floor raises qualified caregivers' relative pay, which lowers their quit
hazard (``quality.quit_wage_elasticity``) and raises the odds of a qualified hire
(``quality.hire_wage_elasticity``); inspections find violations in proportion to risk and a
violation sends the provider's unqualified caregivers on a course, which lowers the risk of
incidents; a suspension displaces the provider's children, who are re-placed like those of a
closure, and its places come back when it ends.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.load import load
from sim.experiment.stats import mean_ci95
from sim.model import World
from sim.model import ledger as L
from sim.model.provider import cost_index
from sim.model.quality import quality_score, risk
from sim.model.supervision import SANCTIONS, inspection_probabilities, sanction
from sim.model.workforce import Caregiver, qualified_hire_probability, quit_hazard

CFG = load(["quality=on"]).quality


# -- the rules ----------------------------------------------------------------------------------
def test_a_hire_at_the_market_wage_is_qualified_with_the_base_share():
    assert qualified_hire_probability(0.5, 1.0, 1.5) == pytest.approx(0.5)
    assert qualified_hire_probability(0.3, 1.0, 2.0) == pytest.approx(0.3)


def test_better_pay_raises_the_odds_of_a_qualified_hire_by_the_elasticity():
    p = qualified_hire_probability(0.5, 1.2, 1.5)
    assert p / (1 - p) == pytest.approx(1.2 ** 1.5)
    assert qualified_hire_probability(0.5, 1.2, 0.0) == pytest.approx(0.5)
    assert qualified_hire_probability(0.0, 2.0, 1.5) == 0.0
    assert qualified_hire_probability(1.0, 0.5, 1.5) == 1.0


def test_the_quit_hazard_falls_with_pay_by_the_elasticity_and_rises_with_workload():
    assert quit_hazard(0.03, 1.0, -1.5, False, 0.5) == pytest.approx(0.03)
    assert quit_hazard(0.03, 1.25, -1.5, False, 0.5) == pytest.approx(0.03 * 1.25 ** -1.5)
    assert quit_hazard(0.03, 1.0, -1.5, True, 0.5) == pytest.approx(0.045)


def test_the_score_weighs_its_parts():
    w = {"qualified": 0.4, "ratios": 0.3, "stability": 0.2, "guidance": 0.1}
    assert quality_score(1.0, 1.0, 1.0, True, w) == pytest.approx(1.0)
    assert quality_score(0.5, 1.0, 0.0, False, w) == pytest.approx(0.5)


def test_risk_rises_with_each_factor_and_health_staff_lowers_it():
    base = risk(0.0, 0.0, 0.0, False, CFG)
    assert base == pytest.approx(1.0)
    assert risk(0.5, 0.0, 0.0, False, CFG) == pytest.approx(1.0 + CFG.incident_risk_unqualified * 0.5)
    assert risk(0.0, 0.5, 0.0, False, CFG) == pytest.approx(1.0 + CFG.incident_risk_ratio_breach * 0.5)
    assert risk(0.0, 0.0, 0.5, False, CFG) == pytest.approx(1.0 + CFG.incident_risk_turnover * 0.5)
    assert risk(0.5, 0.5, 0.5, True, CFG) == pytest.approx(
        risk(0.5, 0.5, 0.5, False, CFG) * (1 - CFG.incident_risk_health_staff))


def test_sanctions_escalate_with_the_violations_on_record():
    assert [sanction(k) for k in range(6)] == ["warning", "fine", "suspension", "revocation", "revocation",
                                              "revocation"]
    assert SANCTIONS[-1] == "revocation"


def test_risk_targeting_keeps_the_number_of_inspections_and_follows_risk():
    risks = np.array([1.0, 2.0, 3.0, 2.0])
    p_random = inspection_probabilities(risks, 2.0, "random")
    p_risk = inspection_probabilities(risks, 2.0, "risk")
    assert p_random.tolist() == pytest.approx([2.0 / 12] * 4)
    assert p_risk.sum() == pytest.approx(p_random.sum())
    assert p_risk.tolist() == pytest.approx((2.0 / 12 * 4 * risks / risks.sum()).tolist())
    assert inspection_probabilities(np.array([1.0, 1000.0]), 12.0, "risk").max() == 1.0


# -- the model ----------------------------------------------------------------------------------
SMALL = ["run.progress=false", "run.horizon_months=36", "run.burnin_months=24", "city.scale=0.5"]


def test_with_quality_off_its_settings_change_nothing():
    a = World(load(SMALL), 3, 0).run().summary
    ignored = ["quality.inspections_per_provider_year=4", "quality.wage_floor=9000"]
    b = World(load([*SMALL, *ignored]), 3, 0).run().summary
    assert a == b


def test_with_the_levers_and_the_families_responses_at_zero_the_run_is_today_s_run():
    """Qualifications, scores and incidents are drawn from their own streams, so with nothing
    responding to them (no lever, families not valuing quality, no workload quits) every
    result is exactly the run without quality, except its own KPIs."""
    off = World(load(SMALL), 3, 0).run().summary
    still = ["quality.utility_per_quality=0", "quality.incident_demand_penalty=0",
             "quality.workload_quit_factor=0"]
    on = World(load([*SMALL, "quality=on", *still]), 3, 0).run().summary
    own = {"qualified_share", "caregiver_turnover_per_year", "incidents_per_1000_child_years", "incidents",
           "mean_quality_enrolled", *(k for k in on if k.startswith("mean_quality_enrolled_"))}
    assert on["incidents"] > 0 and 0 < on["qualified_share"] < 1
    assert {k: v for k, v in on.items() if k not in own} == {k: v for k, v in off.items() if k not in own}


def test_a_suspension_displaces_the_children_and_returns_the_places_after_it():
    p = load([*SMALL, "quality=on"])
    w = World(p, 4, 0)
    w.start()
    w.env.run(until=12.5)
    inst = max((i for i in w.institutions if i.open), key=lambda i: sum(c.enrolled for c in i.classes))
    kids = {f.fid for c in inst.classes for f in c.children}
    licensed = [c.licensed for c in inst.classes]
    displaced_before = w.recorder.displaced
    assert kids
    w.quality.supervision.suspend(inst, w.env.now, True)
    assert w.recorder.displaced - displaced_before == len(kids)  # counted as they are displaced
    w.env.run(until=13.5)
    assert all(c.licensed == 0 and c.enrolled == 0 for c in inst.classes)
    sup = w.quality.supervision
    assert sup.displaced_by_sanctions == len(kids) and sup.suspensions == 1
    still = [f for c in w.classes for f in c.children if f.fid in kids]
    assert all(f.cls.inst is not inst for f in still)
    assert w.ledger.counts[L.ENROLLED] == sum(c.enrolled for c in w.classes)
    w.env.run(until=12.5 + p.quality.suspension_months + 1.0)
    assert [c.licensed for c in inst.classes] == licensed and inst.open


def _paired(overrides_a, overrides_b, keys, reps=4, extra=()):
    base = ["run.progress=false", "run.horizon_months=60", *extra]
    pa, pb = load(base + overrides_a), load(base + overrides_b)
    out = {k: [] for k in keys}
    for r in range(reps):
        a, b = World(pa, 21, r).run().summary, World(pb, 21, r).run().summary
        for k in keys:
            out[k].append(b[k] - a[k])
    return {k: mean_ci95(v) for k, v in out.items()}


def test_a_wage_floor_raises_the_qualified_share():
    d = _paired(["quality=on"], ["quality=on", "quality.wage_floor=7000"], ["qualified_share"],
                extra=["city.scale=0.5"])
    m, h = d["qualified_share"]
    assert m - h > 0, d


def test_a_qualified_caregiver_under_a_wage_floor_stays_longer_by_the_elasticity():
    p = load([*SMALL, "quality=on", "quality.wage_floor=9000", "quality.workload_quit_factor=0"])
    w = World(p, 4, 0)
    wf = w.quality.workforce
    c = next(c for c in w.classes if c.licensed > 0)
    base = 1.0 / p.staff.quit_hazard_per_month
    market = p.staff.wage_per_month * cost_index(c.inst.district)
    qualified, unqualified = Caregiver(True), Caregiver(False)
    expect = base * (max(market, 9000.0) / market) ** -p.quality.quit_wage_elasticity
    assert wf.mean_tenure(c, qualified) == pytest.approx(expect)
    assert wf.mean_tenure(c, unqualified) == pytest.approx(base)  # the floor is for qualified caregivers
    assert expect > base


@pytest.mark.slow
def test_a_wage_floor_lowers_turnover():
    """Qualified caregivers (about half) quit less under the floor: with the elasticity of
    -0.5 a floor of 9,000 lowers their hazard by 10-25% by district, turnover by about 0.02 a year."""
    d = _paired(["quality=on"], ["quality=on", "quality.wage_floor=9000"], ["caregiver_turnover_per_year"],
                reps=4, extra=["run.horizon_months=120"])
    m, h = d["caregiver_turnover_per_year"]
    assert m + h < 0, d


@pytest.mark.slow
def test_more_inspections_lower_incidents():
    """Inspections find violations where risk is high; each violation sends the provider's
    unqualified caregivers on a course; with more qualified caregivers incidents fall."""
    d = _paired(["quality=on"], ["quality=on", "quality.inspections_per_provider_year=2",
                                 "quality.inspection_targeting=risk"],
                ["incidents_per_1000_child_years", "qualified_share"], reps=6,
                extra=["run.horizon_months=120"])
    m, h = d["qualified_share"]
    assert m - h > 0, d
    m, h = d["incidents_per_1000_child_years"]
    assert m + h < 0, d
