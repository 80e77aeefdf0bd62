"""Calibration of the national preset to China's published 2024 figures (issue 7).

What ``childcare-sim-calibrate`` (:mod:`sim.cli.calibrate`) fits: the behavioural
parameters nobody observes directly, so that ``scenario=china_2024`` (January 2021 to
December 2024, KPIs over calendar 2024) reproduces the targets of
``shared/calibration/china.md``:

1. **Need** (analytic). ``families.need.intercept`` is solved so that the births-weighted
   share of families who want care is about one third (s.2, NHC surveys: 33-35%). Need is
   decided at birth from the district's dual-earner and grandparent shares and the family's
   income, so the share is an exact integral (Gauss-Hermite over log income).
2. **Take-up and timing** (simulation). ``families.price_response.burden50`` and the mean of
   ``families.start_age`` minimise a weighted least-squares loss on the enrollment rate
   (7.86%), occupancy (~38%) and fee burden (~20%), each residual divided by its tolerance,
   plus a weak prior pulling both towards the defaults they replace (burden50 0.25, start age
   22 months, both assumptions of ``configs/families/default.yaml``): enrollment and
   occupancy respond to the two parameters almost along one ridge, and the prior picks the
   point on it. Nelder-Mead (scipy) runs at a small sample scale with common random numbers:
   every candidate is run with the same seed and replications, so differences between
   candidates are not sampling noise.
3. **Verification** at the preset's scale with an independent seed and more replications:
   every target's mean and 95% confidence interval, within tolerance or not.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from sim.experiment.stats import mean_ci95
from sim.model import World
from sim.params.schema import Config

PRIOR = {"burden50": (0.25, 0.5), "start_age": (22.0, 4.0)}  # centre, sd (log scale for burden50)


@dataclass(frozen=True)
class Target:
    """A published figure the 2024 run must reproduce, and the band it must fall in."""

    name: str
    label: str
    value: float
    low: float
    high: float
    source: str
    fit_weight: float = 0.0  # > 0: part of the simulated loss
    year: int | None = None  # the calendar year it describes (None: not dated)

    def scale(self) -> float:
        """Half-width of the band on the tighter side: a residual of 1 is at the edge."""
        return min(self.value - self.low, self.high - self.value)

    def holds(self, x: float) -> bool:
        """Whether ``x`` lies inside the band."""
        return self.low <= x <= self.high


INF = math.inf
PATH_YEARS = (2021, 2022, 2023, 2024)
# Births of 2018-2020 (NBS, sourced in configs/city/china_2024.yaml): the children under 3 at
# the start of 2021, mortality ignored (about 42 million, issue 14).
UNDER3_START_2021 = 15.23 + 14.65 + 12.00
TARGETS = (
    Target("places_per_1000_end_2021", "places per 1,000, end 2021", 2.03, 1.93, 2.13,
           "s.1 Places per 1,000 (M)", year=2021),
    Target("places_per_1000_end_2022", "places per 1,000, end 2022", 2.5, 2.375, 2.75,
           "s.1 Places per 1,000 (M; another report 2.75)", year=2022),
    Target("places_per_1000_end_2023", "places per 1,000, end 2023", 3.38, 3.30, 3.46,
           "s.1 Places per 1,000 (H)", year=2023),
    Target("places_per_1000_end", "places per 1,000, end 2024", 4.08, 4.03, 4.13,
           "s.1 Places per 1,000 (H)", year=2024),
    Target("growth_2022", "places growth 2022", 0.20, 0.20, INF, "s.1 Growth (H)", year=2022),
    Target("growth_2023", "places growth 2023", 0.20, 0.20, INF, "s.1 Growth (H)", year=2023),
    Target("growth_2024", "places growth 2024", 0.20, 0.20, INF, "s.1 Growth (H)", year=2024),
    Target("enrollment_rate_2021", "enrollment rate of under-3s, 2021", 0.055, 0.045, 0.065,
           "s.2 Enrollment rate (M point)", 1.0, year=2021),
    Target("enrollment_rate_2022", "enrollment rate of under-3s, 2022", 0.06, 0.05, 0.07,
           "s.2 Enrollment rate (about 6%, M point)", 1.0, year=2022),
    Target("enrollment_rate", "enrollment rate of under-3s, 2024", 0.0786, 0.07, 0.09,
           "s.2 Enrollment rate (H trend, M point)", 1.0, year=2024),
    Target("occupancy", "occupancy of licensed places, 2024", 0.38, 0.30, 0.46,
           "s.2 Places used (M, derived)", 1.0, year=2024),
    Target("family_cost_share", "fee burden (net fee / income), 2024", 0.20, 0.15, 0.25,
           "s.3 Fee burden (M)", 1.0, year=2024),
    Target("children_under3_millions", "children under 3, 2024 (millions)", 29.0, 27.0, 30.0,
           "s.2 Children under 3: nearly 30 million (M)", year=2024),
    Target("need_share", "share of families wanting care", 0.34, 0.32, 0.36,
           "s.2 Families who want childcare (H)"),
)
CHECKS = (  # reported beside the targets, not fitted
    ("children_under3_start_2021", "children under 3, January 2021 (millions)",
     f"{UNDER3_START_2021:.1f}: NBS births 2018-2020, mortality ignored"),
    ("enrollment_rate_2023", "enrollment rate, 2023", "none published (5.5% 2021, ~6% 2022, 7.86% 2024)"),
    ("occupancy_2021", "occupancy, 2021", "~80%: 5.5% of ~39 m children in ~2.7 m places (derived)"),
    ("occupancy_2022", "occupancy, 2022", "~60%: 6% of ~35 m children in ~3.5 m places (derived)"),
    ("mean_net_fee", "mean net fee paid, 2024 (yuan/month)", "~2,100: 2,700 in 2020 less ~29% by 2025 (s.3)"),
    ("private_institution_share", "privately run institutions, end 2024", "89.5% in 2023 (s.1, H)"),
    ("affordable_place_share", "affordable (普惠) share of places, end 2024", "about half (s.1, M)"),
    ("tier1_need_share", "need share, tier-1 stratum (analytic)", "over 2/3 in Beijing etc. (s.2)"),
)
# The 2025 forecast (issue 14): what the run says about 2025 from what was known at the start
# of 2025; the published 2025 figures are deliberately not in this repository.
FORECAST = (
    ("enrollment_rate", "enrollment rate of under-3s, 2025"),
    ("occupancy", "occupancy of licensed places, 2025"),
    ("places_per_1000_end", "places per 1,000, end 2025"),
    ("mean_list_fee", "mean list fee of places, 2025 (yuan/month)"),
    ("mean_net_fee", "mean net fee paid, 2025 (yuan/month)"),
    ("family_cost_share", "fee burden (net fee / income), 2025"),
    ("children_under3_millions", "children under 3, 2025 (millions)"),
    ("private_institution_share", "privately run institutions, end 2025"),
)


# -- need: analytic -----------------------------------------------------------------------------
def district_need_shares(p: Config, nodes: int = 40) -> list[float]:
    """Return each district's expected share of families who need care (exact integral)."""
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    nd = p.families.need
    out = []
    for d in p.city.districts:
        total = 0.0
        for dual, pd_ in ((1.0, d.dual_earner_share), (0.0, 1.0 - d.dual_earner_share)):
            for gp, pg in ((1.0, d.grandparent_share), (0.0, 1.0 - d.grandparent_share)):
                base = nd.intercept + nd.dual_earner * dual + nd.grandparent * gp
                logit = base + nd.log_income * d.income_sigma * z
                total += pd_ * pg * float(np.sum(w / (1.0 + np.exp(-logit))))
        out.append(total)
    return out


def need_share(p: Config) -> float:
    """Return the births-weighted national share of families who need care."""
    shares = district_need_shares(p)
    births = [d.births_per_year for d in p.city.districts]
    return float(np.dot(shares, births) / sum(births))


def fit_need_intercept(p: Config, target: float) -> float:
    """Return the ``families.need.intercept`` that makes the need share equal ``target``."""
    def gap(a: float) -> float:
        q = copy.deepcopy(p)
        q.families.need.intercept = a
        return need_share(q) - target
    return float(optimize.brentq(gap, -10.0, 10.0, xtol=1e-6))


# -- one simulated replication ------------------------------------------------------------------
def monthly_totals(timeseries: dict[str, list], columns: Sequence[str]) -> dict[str, dict[int, float]]:
    """Return each column of the timeseries summed over districts, by month."""
    out: dict[str, dict[int, float]] = {c: {} for c in columns}
    months = timeseries["month"]
    for c in columns:
        acc = out[c]
        for m, v in zip(months, timeseries[c], strict=True):
            acc[m] = acc.get(m, 0.0) + v
    return out


def yearly_metrics(p: Config, timeseries: dict[str, list]) -> dict[str, float]:
    """Return each calendar year's path metrics from a run's monthly snapshots.

    For year ``y``: ``enrollment_rate_y`` (children enrolled over children under 3, summed
    over the year's monthly snapshots), ``occupancy_y`` (children enrolled over licensed
    places, likewise), ``places_per_1000_end_y`` (licensed places in December per 1,000
    population), ``growth_y`` (December over the December before), ``children_under3_millions_y``
    (the year's mean, scaled back to the nation) and ``mean_list_fee_y`` (the list fee of
    licensed places: each district's mean fee weighted by its places).
    """
    cols = ("children_under3", "enrolled", "occupied_places", "licensed_places")
    tot = monthly_totals(timeseries, cols)
    fee_w: dict[int, float] = {}
    lic = timeseries["licensed_places"]
    for m, f, n in zip(timeseries["month"], timeseries["mean_fee"], lic, strict=True):
        fee_w[m] = fee_w.get(m, 0.0) + f * n
    pop = sum(d.population for d in p.city.districts) * p.city.scale
    out: dict[str, float] = {}
    if p.run.start_year == 2021:  # the check against the births of 2018-2020
        out["children_under3_start_2021"] = tot["children_under3"][0] / p.city.scale / 1e6
    for k in range(int(p.run.horizon_months) // 12):
        y = p.run.start_year + k
        months = range(12 * k, 12 * k + 12)
        sums = {c: sum(tot[c][m] for m in months) for c in cols}
        out[f"enrollment_rate_{y}"] = sums["enrolled"] / sums["children_under3"]
        out[f"occupancy_{y}"] = sums["occupied_places"] / sums["licensed_places"]
        out[f"places_per_1000_end_{y}"] = tot["licensed_places"][12 * k + 11] * 1000.0 / pop
        out[f"children_under3_millions_{y}"] = sums["children_under3"] / 12 / p.city.scale / 1e6
        out[f"mean_list_fee_{y}"] = sum(fee_w[m] for m in months) / sums["licensed_places"]
        dec = tot["licensed_places"]
        if k > 0:
            out[f"growth_{y}"] = dec[12 * k + 11] / dec[12 * k - 1] - 1.0
    return out


def replication_metrics(args: tuple[Config, int, int]) -> dict[str, float]:
    """Run one replication and return every target and check it measures (picklable job)."""
    p, seed, rep = args
    w = World(p, seed, rep)
    res = w.run()
    s = res.summary
    m = {k: s[k] for k in ("places_per_1000_end", "enrollment_rate", "occupancy",
                           "family_cost_share", "mean_net_fee")}
    m["need_share"] = 1.0 - s["never_sought"] / s["children_born"]
    m["children_under3_millions"] = s["mean_children_under3"] / p.city.scale / 1e6
    m.update(yearly_metrics(p, res.timeseries))
    last = p.run.start_year + int(p.run.horizon_months) // 12 - 1
    m["mean_list_fee"] = m[f"mean_list_fee_{last}"]
    open_ = [i for i in w.institutions if i.open]
    m["private_institution_share"] = sum(i.sector == "private" for i in open_) / len(open_)
    places = sum(i.licensed for i in open_)
    m["affordable_place_share"] = sum(i.licensed for i in open_ if i.affordable) / places
    return m


def run_metrics(p: Config, seed: int, reps: int, pool: Executor) -> list[dict[str, float]]:
    """Run ``reps`` replications of ``p`` with root ``seed`` (common random numbers)."""
    return list(pool.map(replication_metrics, [(p, seed, r) for r in range(reps)]))


def summarise(rows: Sequence[dict[str, float]]) -> dict[str, tuple[float, float]]:
    """Return each metric's mean and 95% confidence half-width over replications."""
    return {k: mean_ci95([r[k] for r in rows]) for k in rows[0]}


# -- the fitted parameters ----------------------------------------------------------------------
def with_behaviour(p: Config, burden50: float, start_age_mean: float) -> Config:
    """Return a copy of ``p`` with the two simulated parameters set."""
    q = copy.deepcopy(p)
    q.families.price_response.burden50 = burden50
    q.families.start_age.mean = start_age_mean
    return q


def decode(u: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Map optimiser coordinates to (burden50, start-age mean); both steps are ~equally large."""
    return float(math.exp(u[0] * 0.25)), float(22.0 + 2.0 * u[1])


def encode(burden50: float, start_age_mean: float) -> list[float]:
    """Inverse of :func:`decode`."""
    return [math.log(burden50) / 0.25, (start_age_mean - 22.0) / 2.0]


def loss(means: dict[str, float], burden50: float, start_age_mean: float) -> float:
    """Weighted squared residuals of the fitted targets (in tolerances) plus the weak prior."""
    fit = sum(t.fit_weight * ((means[t.name] - t.value) / t.scale()) ** 2 for t in TARGETS if t.fit_weight)
    b0, bsd = PRIOR["burden50"]
    a0, asd = PRIOR["start_age"]
    prior = (math.log(burden50 / b0) / bsd) ** 2 + ((start_age_mean - a0) / asd) ** 2
    return fit + prior


def search(p: Config, seed: int, reps: int, pool: Executor, maxfev: int,
           log: Callable[[str], None]) -> tuple[tuple[float, float], float, int]:
    """Nelder-Mead over (burden50, start-age mean); return the best point, its loss, evaluations."""
    cache: dict[tuple[float, ...], float] = {}

    def objective(u: np.ndarray) -> float:
        key = tuple(np.round(u, 6))
        if key not in cache:
            b50, age = decode(u)
            rows = run_metrics(with_behaviour(p, b50, age), seed, reps, pool)
            means = {k: v[0] for k, v in summarise(rows).items()}
            cache[key] = loss(means, b50, age)
            log(f"  eval {len(cache):3d}: burden50 {b50:.4f}  start age {age:6.3f}  "
                f"enrol {means['enrollment_rate']:.4f}  occ {means['occupancy']:.3f}  "
                f"burden {means['family_cost_share']:.4f}  loss {cache[key]:.4f}")
        return cache[key]

    x0 = np.array(encode(p.families.price_response.burden50, p.families.start_age.mean or 22.0))
    simplex = np.array([x0, x0 + [1.0, 0.0], x0 + [0.0, 1.0]])
    res = optimize.minimize(objective, x0, method="Nelder-Mead",
                            options={"initial_simplex": simplex, "maxfev": maxfev,
                                     "xatol": 0.1, "fatol": 0.02})
    return decode(res.x), float(res.fun), len(cache)


# -- verification -------------------------------------------------------------------------------
@dataclass
class Calibration:
    """The fitted values and how they were obtained."""

    intercept: float
    burden50: float
    start_age_mean: float
    loss: float
    evaluations: int
    search_scale: float
    search_seed: int
    search_reps: int


def fitted(p: Config, c: Calibration) -> Config:
    """Return a copy of ``p`` with every fitted value of ``c``."""
    q = with_behaviour(p, c.burden50, c.start_age_mean)
    q.families.need.intercept = c.intercept
    return q


def verify(p: Config, seed: int, reps: int, pool: Executor) -> dict[str, tuple[float, float]]:
    """Return mean and 95% CI of every target and check at ``p`` (analytic need added)."""
    stats = summarise(run_metrics(p, seed, reps, pool))
    stats["need_share_analytic"] = (need_share(p), 0.0)
    names = [d.name for d in p.city.districts]
    tier1 = [k for k, n in enumerate(names) if n.startswith("tier1")]
    if tier1:  # the tier-1 districts share their need model's inputs
        stats["tier1_need_share"] = (district_need_shares(p)[tier1[0]], 0.0)
    return stats
