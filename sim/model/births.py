"""Births: a Poisson (or regular) stream per district, with attributes drawn once at birth.

Births of one calendar month are drawn together (the count, then the times, uniform within
the month: together a Poisson process), and every attribute comes from its own named stream,
so a family's attributes never depend on policy or event order (common random numbers).
The yearly rate follows the district's ``births_per_year`` times the city's births index for
the calendar year (calibration/china.md section 2 for the national path).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.model.demand import need_probability
from sim.model.equity import income_cuts, income_group
from sim.model.family import Family
from sim.model.ledger import NEVER_SOUGHT, PENDING
from sim.params.distributions import from_spec
from sim.params.schema import CARE_MODES, CityConfig, accept_rule_shares

if TYPE_CHECKING:
    from sim.model.city import District
    from sim.model.family import Families
    from sim.model.ledger import Ledger
    from sim.model.recorder import Recorder
    from sim.model.rng import Streams
    from sim.params.schema import Config

BLOCK_MONTHS = 120  # at most ten years of births drawn at once
BLOCK_TARGET = 1000  # births per block worth one set of vectorised draws
NEAR_MONTHS = 2  # a family seeking care sooner than this starts its process at once
# A family that will seek care later waits as one row of these (its attributes drawn at birth),
# a sixth of the memory of a Family object with its values: until its start age is near.
PENDING_ROW = np.dtype([
    ("fid", np.int64), ("birth", np.float64), ("income", np.float64), ("start_age", np.float64),
    ("patience", np.float64), ("travel_km", np.float64), ("move_after", np.float64),
    ("fee_exit_e", np.float64), ("takeup_u", np.float64), ("lottery_u", np.float64), ("inc_g", np.int64),
    ("dual", np.bool_),
    ("single", np.bool_), ("sibling_u", np.float64), ("rule", np.int64), ("slack", np.float64),
    ("units", np.int64), ("taste_key", np.int64), ("eligible", np.bool_),
])
PENDING_FIELDS: tuple[str, ...] = tuple(PENDING_ROW.fields or ())


def births_multiplier(city: CityConfig, year: int, start_year: int) -> float:
    """Return the births multiplier of calendar ``year``.

    ``city.births_index`` lists one multiplier per year from ``city.births_index_year``
    (default: the run's start year); before it the first value holds; after the list ends,
    the last value grows by ``city.births_growth_per_year`` each year (e.g. -0.15 for a
    15% yearly decline; with an empty list from the first year on).
    """
    first = start_year if city.births_index_year is None else city.births_index_year
    index = city.births_index
    k = year - first
    if k < 0:
        return float(index[0]) if index else 1.0
    if k < len(index):
        return float(index[k])
    last = float(index[-1]) if index else 1.0
    extra = k - (len(index) - 1) if index else k
    return last * (1.0 + city.births_growth_per_year) ** extra


def birth_times_poisson(gen: np.random.Generator, months: np.ndarray, spans: np.ndarray,
                        rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return sorted Poisson arrival times over consecutive months, and the count per month.

    Month ``k`` covers ``[months[k], months[k] + spans[k])`` at ``rates[k]`` births per
    month: its count is Poisson, its times uniform within it. Months are disjoint, so one
    sort orders the whole block.
    """
    n_month = gen.poisson(rates * spans)
    u = gen.random(int(n_month.sum()))
    times = np.sort(np.repeat(months, n_month) + np.repeat(spans, n_month) * u)
    return times, n_month


def birth_times_regular(next_time: float, rate_per_month: float, t_end: float) -> np.ndarray:
    """Return equally spaced times from ``next_time`` (inclusive) up to ``t_end`` (exclusive)."""
    if rate_per_month <= 0 or next_time >= t_end:
        return np.empty(0)
    step = 1.0 / rate_per_month
    n = int(math.ceil((t_end - next_time) / step - 1e-12))
    times = next_time + step * np.arange(n)
    return times[times < t_end]


def _categories(shares: np.ndarray, gen: np.random.Generator, n: int) -> np.ndarray:
    """Return ``n`` category indices drawn with ``shares`` (no draw when one category has them all)."""
    if np.count_nonzero(shares) <= 1:
        return np.full(n, int(np.argmax(shares)))
    cum = np.cumsum(shares) / shares.sum()
    return np.minimum(np.searchsorted(cum, gen.random(n), side="right"), len(shares) - 1)


class Births:
    """Draws each district's births and starts the processes of the families that seek care.

    Where births are few, the months up to ten years ahead are drawn in one block (each
    month's count, then the times within it): the same process with far fewer calls. A
    family that will never seek care is only a ledger entry. One that will waits in a
    list for the month of its start age; its process starts at the tick of the month before,
    so SimPy's event heap holds about two months of start-age events, not three years'.
    """

    def __init__(self, params: Config, streams: Streams, districts: Sequence[District], ledger: Ledger,
                 recorder: Recorder, families: Families, t_start: float) -> None:
        self.params = params
        self.streams = streams
        self.districts = districts
        self.ledger = ledger
        self.recorder = recorder
        self.families = families
        self.horizon = float(params.run.horizon_months)
        self.warmup = float(params.run.warmup_months)
        fam = params.families
        self.start_age = from_spec(fam.start_age)
        self.patience = from_spec(fam.patience)
        self.travel = from_spec(fam.travel_limit_km)
        self.slack = from_spec(fam.hold_out_slack)
        self.rule_shares = np.array(accept_rule_shares(fam.accept_rule), dtype=float)
        self.mode_shares = np.array([fam.care_modes.get(m, 0.0) for m in CARE_MODES], dtype=float)
        self.points = params.allocation.discipline in ("points", "deferred_acceptance")
        self.reserved = any(t.reserved for t in params.city.types.values())
        self.age_out = fam.age_out_months if fam.age_out_months is not None else math.inf
        # month of the start age -> (district, rows of PENDING_ROW) of the families not yet started
        self.waiting: dict[int, list[tuple[District, np.ndarray]]] = {}
        specs = [d.spec for d in districts]
        # city-wide income groups of families with a child under 3 (sim.model.equity)
        given = params.city.income_cuts
        self.income_cuts = list(given) if given is not None else income_cuts(
            [d.median_income for d in specs], [d.income_sigma for d in specs],
            [d.births_per_year for d in specs])
        self.next_fid = 0
        self.t_start = t_start
        self.on_births: Callable[[np.ndarray], None] | None = None  # the year book's child-months
        # month -> the families started so far that seek care in it, when the world ranks them
        # together at the month's start (Options.prerank); None: not kept
        self.seekers: dict[int, list[Family]] | None = None

    def month(self, t: float) -> None:
        """Start of the month at ``t``: start next month's seekers, then draw this month's births."""
        for d, rows in self.waiting.pop(int(math.floor(t)) + 1, ()):
            self._start(d, rows)
        for d in self.districts:
            if t >= d.drawn_until - 1e-9:
                self._draw_block(d, t)

    def rate(self, d: District, t: float) -> float:
        """Return district ``d``'s births per month in the month starting at ``t``."""
        p = self.params
        year = p.run.start_year + math.floor(t / 12.0)
        return d.spec.births_per_year * births_multiplier(p.city, year, p.run.start_year) / 12.0

    def _draw_block(self, d: District, t: float) -> None:
        """Draw district ``d``'s births from month ``t`` on (up to ten years ahead)."""
        months = [t]
        block = min(BLOCK_MONTHS, max(1, math.ceil(BLOCK_TARGET / max(self.rate(d, t), 1e-9))))
        while len(months) < block and months[-1] + 1.0 < self.horizon:
            months.append(months[-1] + 1.0)
        spans = [min(1.0, self.horizon - m) for m in months]
        rates = [self.rate(d, m) for m in months]
        if self.params.families.arrivals == "regular":
            chunks, counts = [], []
            for m, sp, r in zip(months, spans, rates, strict=True):
                if d.next_regular is None:
                    d.next_regular = m
                chunk = birth_times_regular(d.next_regular, r, m + sp)
                if r > 0 and len(chunk):
                    d.next_regular = float(chunk[-1]) + 1.0 / r
                chunks.append(chunk)
                counts.append(len(chunk))
            times = np.concatenate(chunks)
        else:
            times, n_month = birth_times_poisson(self.streams["births.time"].gen, np.array(months),
                                                 np.array(spans), np.array(rates))
            counts = n_month.tolist()
        for m, c in zip(months, counts, strict=True):
            d.add_births(int(math.floor(m)), c)
        d.drawn_until = months[-1] + 1.0
        if len(times):
            if self.on_births is not None:
                self.on_births(times)
            # each child's months under 3 inside the observation window
            area = np.clip(np.minimum(times + 36.0, self.horizon) - np.maximum(times, self.warmup), 0.0, None)
            self._families(d, times, area, t)

    def _admission_attributes(self, n: int, dual: np.ndarray) -> tuple[np.ndarray, ...]:
        """Draw what admissions use: (dual earner, single parent, sibling draw, accept rule, slack,
        half places used by the care mode, taste key, eligibility for reserved places).

        Each from its own stream, drawn only when the configuration uses it.
        """
        f = self.params.families
        s = self.streams
        single = (s["family.single_parent"].gen.random(n) < f.single_parent_share
                  if self.points and f.single_parent_share > 0 else np.zeros(n, dtype=bool))
        sibling = s["family.sibling"].gen.random(n) if f.sibling_share > 0 else np.ones(n)
        rule = _categories(self.rule_shares, s["family.accept_rule"].gen, n)
        slack = self.slack.draw(s["family.hold_out"].gen, n) if self.rule_shares[1] > 0 else np.zeros(n)
        units = np.array([2, 1, 0])[_categories(self.mode_shares, s["family.care_mode"].gen, n)]
        taste = (s["family.taste"].gen.integers(0, 2**63, n, dtype=np.int64) if f.choice.taste_sd > 0
                 else np.zeros(n, dtype=np.int64))
        eligible = (s["family.employer"].gen.random(n) < f.employer_eligible_share if self.reserved
                    else np.ones(n, dtype=bool))
        return dual, single, sibling, rule, slack, units, taste, eligible

    def _families(self, d: District, times: np.ndarray, area: np.ndarray, now: float) -> None:
        """Draw the attributes of families born at ``times``; queue those who will seek care.

        ``area`` is each child's months under 3 in the observation window: the recorder adds
        it by district and income group (the denominators of enrollment rates).
        """
        f = self.params.families
        s = self.streams
        n = len(times)
        spec = d.spec
        # Every attribute has its own stream, so an attribute the configuration never reads
        # is not drawn at all (zeros stand in): the other streams, and so common random
        # numbers between scenarios, are unaffected.
        zeros = np.zeros(n)
        if spec.income_sigma != 0:
            z = s["family.income"].gen.standard_normal(n)
            income = spec.median_income * np.exp(spec.income_sigma * z)
        else:
            income = np.full(n, float(spec.median_income))
        group = income_group(income, self.income_cuts)
        self.recorder.add_child_area(d.idx, group, area)
        u_need = s["family.need"].gen.random(n)
        start = self.start_age.draw(s["family.start_age"].gen, n)
        patience = self.patience.draw(s["family.patience"].gen, n)
        travel = self.travel.draw(s["family.travel"].gen, n)
        hz = f.move_hazard_per_month
        move = s["family.move"].gen.exponential(1.0 / hz, n) if hz > 0 else np.full(n, math.inf)
        fee_exit = s["family.fee_exit"].gen.exponential(1.0, n) if f.fee_exit_hazard_per_month > 0 else zeros
        takeup = s["family.takeup"].gen.random(n) if f.price_response.enabled else zeros
        lottery = s["family.lottery"].gen.random(n) if self.params.allocation.discipline != "fifo" else zeros
        dual = zeros.astype(bool)
        if f.need.override is not None:
            p_need = np.full(n, float(f.need.override))
            if self.points:
                dual = s["family.dual_earner"].gen.random(n) < spec.dual_earner_share
        else:
            dual = s["family.dual_earner"].gen.random(n) < spec.dual_earner_share
            gp = s["family.grandparent"].gen.random(n) < spec.grandparent_share
            nd = f.need
            p_need = need_probability(dual, gp, income, spec.median_income, nd.intercept + spec.need_shift,
                                      nd.dual_earner, nd.grandparent, nd.log_income)
        needs = (u_need < p_need) & (start < self.age_out)
        seek = times + start
        soon = needs & (seek < self.horizon)
        n_soon = int(soon.sum())
        self.ledger.add_births(n - int(needs.sum()), NEVER_SOUGHT)
        self.ledger.add_births(int(needs.sum()), PENDING)
        if not n_soon:
            return
        fid = self.next_fid
        self.next_fid += n_soon
        extra = self._admission_attributes(n, dual)
        rows = np.empty(n_soon, dtype=PENDING_ROW)
        rows["fid"] = np.arange(fid, fid + n_soon)
        for name, a in zip(PENDING_FIELDS[1:], (times, income, start, patience, travel, move, fee_exit,
                                                takeup, lottery, group, *extra), strict=True):
            rows[name] = a[soon]
        seek = seek[soon]
        near = seek < now + NEAR_MONTHS
        if near.all():
            self._start(d, rows)
            return
        self._start(d, rows[near])
        # the others wait, as compact rows, for the month before their start age (in birth order)
        later, month = rows[~near], np.floor(seek[~near]).astype(np.int64)
        order = np.argsort(month, kind="stable")
        later, month = later[order], month[order]
        cuts = np.flatnonzero(month[1:] != month[:-1]) + 1
        for i, j in zip([0, *cuts.tolist()], [*cuts.tolist(), len(month)], strict=True):
            self.waiting.setdefault(int(month[i]), []).append((d, later[i:j]))

    def _start(self, d: District, rows: np.ndarray) -> None:
        """Make the families of ``rows`` (district ``d``) and start their processes, in order."""
        begin = self.families.start
        seekers = self.seekers
        for (fid, tb, inc, st, pat, trv, mv, fx, tu, lot, ig, du, sp, sib, rule, slack, units, tk,
             el) in rows.tolist():
            fam = Family(fid, d, tb, inc, st, pat, trv, mv, fx, tu, lot)
            fam.inc_g = ig
            fam.dual, fam.single, fam.sibling_u = du, sp, sib
            fam.rule, fam.slack, fam.units, fam.taste_key, fam.eligible = rule, slack, units, tk, el
            if seekers is not None:
                seekers.setdefault(math.floor(tb + st), []).append(fam)
            begin(fam)
