"""Levers on a calendar: which policy and capacity levers are in force each month.

The one owner of "the levers in force now". At the start of the run ``policy.timeline`` and
``capacity.timeline`` (the language of :mod:`sim.params.timeline`) are resolved into dated,
frozen lever sets: the run's parameters are never changed, each entry gives a new frozen
``PolicyConfig`` or ``CapacityConfig``. At the start of each month with an entry, before
that month's decisions (the government's January budget and capacity plan, market entry,
families' decisions, births), the world's tick calls :meth:`Timeline.start_month`, which
hands the new levers to their only readers: the government (schemes, fee caps, budget,
:meth:`sim.model.government.Government.set_policy`) and the capacity programme
(:meth:`sim.model.capacity.CapacityProgramme.set_levers`). The month that closed just
before was paid under the old levers.

What changes at a date (rules documented in docs/policies.md, "Policies on a calendar"):

- contracts made before (provider fee and voucher) keep their terms; new admissions get
  the new ones;
- the family subsidy is a monthly payment to every child under 3, from the month it starts;
  enrolled families' net fees follow it (fee burden and fee exits, :meth:`Families.reprice`);
- fee caps are re-applied to open affordable institutions (a lifted cap restores the list fee);
- a new yearly budget applies pro rata to the rest of the calendar year;
- cached option prices are invalidated.

Each change that moves at least one lever is traced (``"policy"``, the group, the levers)
and recorded (:attr:`Timeline.changes`) for the run's outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.model.fees import net_fee
from sim.params.timeline import Step, steps

if TYPE_CHECKING:
    import simpy

    from sim.model.capacity import CapacityProgramme
    from sim.model.city import AgeClass, Institution
    from sim.model.family import Families
    from sim.model.government import Government
    from sim.model.trace import Trace
    from sim.params.schema import Config


@dataclass(frozen=True)
class LeverChange:
    """Levers that changed at the start of ``month`` (``date`` as YYYY-MM) in ``group``."""

    month: int
    date: str
    group: str
    levers: dict[str, Any]

    def as_record(self) -> dict[str, Any]:
        """Return the change as a plain mapping (for summary.json)."""
        return {"month": self.month, "date": self.date, "group": self.group, "levers": dict(self.levers)}


class Timeline:
    """The dated lever sets of a run, applied at the start of their months."""

    def __init__(self, env: simpy.Environment, params: Config, gov: Government, capacity: CapacityProgramme,
                 families: Families, institutions: Sequence[Institution], classes: Sequence[AgeClass],
                 trace: Trace) -> None:
        self.env = env
        self.gov = gov
        self.capacity = capacity
        self.families = families
        self.institutions = institutions  # the world's lists: institutions opened later are in them
        self.classes = classes
        self.trace = trace
        start = params.run.start_year
        self.due: dict[int, list[tuple[str, Step]]] = {}
        for group, base in (("policy", params.policy), ("capacity", params.capacity)):
            for step in steps(base, start):
                self.due.setdefault(step.month, []).append((group, step))
        self.changes: list[LeverChange] = []

    @property
    def empty(self) -> bool:
        """True when no lever changes during the run."""
        return not self.due and not self.changes

    def start_month(self, m: int) -> None:
        """Month ``m`` starts: put its entries' levers in force (nothing when none is due)."""
        for group, step in self.due.pop(m, ()):
            if group == "policy":
                self._policy(step)
            else:
                self.capacity.set_levers(step.config)
            if step.levers:
                change = LeverChange(m, step.date, group, dict(step.levers))
                self.changes.append(change)
                if self.trace.active:
                    self.trace.emit(self.env.now, "policy", group, change.levers)

    def _policy(self, step: Step) -> None:
        self.gov.set_policy(step.config, self.institutions)
        if "family_subsidy_per_year" in step.levers:
            self._reprice()

    def _reprice(self) -> None:
        """Enrolled families' net fees follow the family subsidy, as a new admission's would now."""
        fs = self.gov.family_subsidy_month()
        for c in self.classes:
            for fam in list(c.children):
                self.families.reprice(fam, net_fee(fam.fee_paid, fs))
