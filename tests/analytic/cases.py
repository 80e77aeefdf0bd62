"""The textbook queues the model is checked against, and running their replications.

One list of :class:`Case` drives both the tests (``test_queueing_theory.py``) and the table
in ``docs/verification.md`` (``experiments/verification_table.py``), so the document shows
exactly what the tests check. Every case runs through ``scenario=queue``: the ordinary city
model reduced by configuration to one institution with ``places`` places.

Horizons and replications are chosen for run time, and long enough (dozens of relaxation
times per replication under heavy load) that replication means are close to normal, which
the t interval assumes. The tolerance of every comparison is the confidence interval of the
replication mean (:func:`tests.analytic.theory.replication_check`), never a hand-set
margin. ``slow`` cases run with ``pytest -m slow``.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass

from sim.config.load import load
from sim.experiment.runner import run_replications
from tests.analytic.theory import QueueTheory, mmc, mmc_abandonment, mmcc

#: KPI name -> field of :class:`QueueTheory` holding its analytic value.
THEORY_FIELD = {
    "p_wait": "p_wait",
    "mean_wait_months": "mean_wait",
    "mean_waitlist": "mean_queue",
    "mean_time_on_waitlist": "mean_time_in_queue",
    "p_blocked": "p_blocked",
    "p_reneged": "p_reneged",
    "mean_enrolled": "mean_busy",
}

#: KPIs checked for each kind of queue (the first is the headline one).
CHECKED = {
    "M/M/c": ("p_wait", "mean_wait_months", "mean_waitlist", "mean_time_on_waitlist",
              "mean_enrolled"),
    "M/M/c/c": ("p_blocked", "mean_enrolled"),
    "M/M/c+M": ("p_reneged", "mean_wait_months", "p_wait", "mean_waitlist",
                "mean_time_on_waitlist", "mean_enrolled"),
}


@dataclass(frozen=True)
class Case:
    """One textbook queue, its run length and its replications."""

    kind: str
    places: int
    arrival_rate: float
    mean_patience: float | None = None
    mean_stay: float = 1.0
    horizon: float = 1200.0
    warmup: float = 100.0
    replications: int = 30
    slow: bool = False
    extra: tuple[str, ...] = ()  # more overrides (a discipline, an accept rule)

    @property
    def load(self) -> float:
        """Offered load per place, rho = lambda / (c mu)."""
        return self.arrival_rate * self.mean_stay / self.places

    @property
    def id(self) -> str:
        """A short name for test ids and table rows."""
        extra = f",patience={self.mean_patience:g}" if self.mean_patience else ""
        extra += "".join(f",{o}" for o in self.extra)
        return f"{self.kind}(c={self.places},rho={self.load:.2f}{extra},T={self.horizon:g})"

    @property
    def seed(self) -> int:
        """The root seed: CRC-32 of the id, so no two cases share random numbers.

        Cases that shared one seed would share their stay and patience draws, so one
        unlucky stream would move every case the same way (it did: the stays of one
        shared seed averaged 0.13% long, 3.7 standard errors, and every 50-place case
        drifted up together).
        """
        return zlib.crc32(self.id.encode("utf-8"))

    def overrides(self) -> list[str]:
        """Return the command-line overrides that make the model this queue."""
        ov = [
            "scenario=queue",
            f"queue.places={self.places}",
            f"queue.arrival_rate={self.arrival_rate!r}",
            f"queue.mean_stay_months={self.mean_stay!r}",
            f"queue.waitlist={'false' if self.kind == 'M/M/c/c' else 'true'}",
            f"run.horizon_months={self.horizon!r}",
            f"run.warmup_months={self.warmup!r}",
            f"run.replications={self.replications}",
            f"seed={self.seed}",
            "run.jobs=2",
            "run.progress=false",
        ]
        if self.mean_patience is not None:
            ov.append(f"queue.mean_patience_months={self.mean_patience!r}")
        return ov + list(self.extra)

    def theory(self, places: int | None = None) -> QueueTheory:
        """Return the analytic KPIs (optionally of the same queue with other ``places``)."""
        c = self.places if places is None else places
        mu = 1.0 / self.mean_stay
        if self.kind == "M/M/c":
            return mmc(c, self.arrival_rate, mu)
        if self.kind == "M/M/c/c":
            return mmcc(c, self.arrival_rate, mu)
        assert self.mean_patience is not None
        return mmc_abandonment(c, self.arrival_rate, mu, 1.0 / self.mean_patience)

    def expected(self, kpi: str, places: int | None = None) -> float:
        """Return the analytic value of ``kpi``."""
        return float(getattr(self.theory(places), THEORY_FIELD[kpi]))


CASES = (
    # light and heavy loads, one place up to fifty (default test run); Erlang C at fifty
    # places is checked by the slow run's longer case below (it was 18 s of the default run)
    Case("M/M/c", places=1, arrival_rate=0.5),
    Case("M/M/c", places=10, arrival_rate=9.0, horizon=2400.0),
    Case("M/M/c/c", places=1, arrival_rate=1.0, horizon=600.0),
    Case("M/M/c/c", places=10, arrival_rate=9.0, horizon=600.0),
    Case("M/M/c/c", places=50, arrival_rate=47.5, horizon=300.0, warmup=20.0, replications=20),
    Case("M/M/c+M", places=5, arrival_rate=6.0, mean_patience=2.0),
    # more sizes and loads, longer runs: pytest -m slow
    Case("M/M/c", places=1, arrival_rate=0.8, horizon=4000.0, replications=40, slow=True),
    Case("M/M/c", places=5, arrival_rate=2.5, horizon=2400.0, replications=40, slow=True),
    Case("M/M/c", places=50, arrival_rate=47.5, horizon=2400.0, replications=40, slow=True),
    Case("M/M/c/c", places=50, arrival_rate=50.0, horizon=1200.0, replications=40, slow=True),
    Case("M/M/c+M", places=1, arrival_rate=0.95, mean_patience=5.0, horizon=2400.0,
         replications=40, slow=True),
    Case("M/M/c+M", places=50, arrival_rate=55.0, mean_patience=2.0, horizon=1200.0,
         replications=40, slow=True),
)


@functools.cache
def summaries(case: Case) -> tuple[dict[str, float], ...]:
    """Run (once per session) the replications of ``case`` and return their KPIs."""
    params = load(case.overrides())
    return tuple(r.summary for r in run_replications(params))
