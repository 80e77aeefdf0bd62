"""Conversion to 普惠 status: a private provider becomes an affordable (普惠) provider.

Each January (``economics.conversion``) a private provider of an ``economics.convert_from``
type compares the result it expects next year as it is (:meth:`sim.model.provider.Providers.outlook`)
with the result it would expect as an ``economics.convert_to`` provider (:meth:`Conversion.terms`:
the type's fee under any cap, its operating subsidy, its own premises at
``economics.conversion_rent_share`` of their rent, the occupancy that type has in its district)
and converts when that is better by more than ``economics.conversion_gain_per_month``
(assumption, 0-20,000 yuan: switching costs). The capacity programme's purchase channel
(:mod:`sim.model.capacity`) offers a per-place contract on the same terms and converts the
providers it buys. About half of all places are 普惠 (calibration/china.md s.1); the rule's
parameters are assumptions (``configs/config.yaml``, ``economics``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.costs import expected_result
from sim.model.economics import capped_fee

if TYPE_CHECKING:
    from sim.model.city import District, Institution
    from sim.model.provider import Providers


class Conversion:
    """Conversions of private providers to 普惠 status: the terms, the change, the count."""

    def __init__(self, providers: Providers) -> None:
        self.providers = providers
        self.env = providers.env
        self.params = providers.params
        self.cfg = providers.cfg
        self.places = providers.places
        self.options = providers.options
        self.trace = providers.trace
        self.converted: list[tuple[float, int, bool]] = []  # (time, institution, purchased) of conversions

    def affordable_occupancy(self, d: District, tname: str) -> float | None:
        """Return the occupancy (occupied over licensed places) of type ``tname`` in ``d``, else city-wide.

        None when no provider of the type is open anywhere.
        """
        k = list(self.params.city.types).index(tname)
        n = self.places.n_types
        occ, lic = self.places.levels["occupied"], self.places.levels["licensed"]
        i = d.idx * n + k
        if lic[i].value > 0:
            return occ[i].value / lic[i].value
        total = sum(lv.value for lv in lic[k::n])
        return sum(lv.value for lv in occ[k::n]) / total if total > 0 else None

    def terms(self, inst: Institution, tname: str, per_place: float = 0.0) -> tuple[float, float]:
        """Return (result expected as it is, result expected as a ``tname`` 普惠 provider), monthly.

        As a 普惠 provider it charges the type's list fee in its district (under the fee cap in
        force), receives the type's operating subsidy per child and ``per_place`` per place in
        use (a purchase contract), keeps its premises at ``economics.conversion_rent_share`` of
        their rent (rent relief), has the type's overhead, and expects the
        occupancy the type's providers have in its district now (city-wide when none is
        there), or its own when that is higher; both outlooks apply the births outlook.
        """
        prov, gov = self.providers, self.providers.gov
        assert gov is not None
        stay = prov.outlook(inst)
        t = self.params.city.types[tname]
        d = inst.district
        fee = capped_fee(t.fee_per_month * d.spec.fee_index, gov.pol.fee_cap, gov.pol.fee_cap_basis,
                         d.spec.median_income)
        op = gov.operating_rate(tname)
        in_use = sum(c.in_use for c in inst.classes)
        child_months, _, months = inst.acct.trailing()
        own = child_months / months if months > 0 else 0.0
        occ = self.affordable_occupancy(d, tname)
        children = max(own, (occ or 0.0) * in_use) * prov.births_outlook()
        pl = gov.place_rate() + per_place
        convert = expected_result(children, fee + op, prov.costs(inst, tname), pl * in_use)
        return stay, convert

    def consider(self, inst: Institution) -> None:
        """January: a private provider of a convertible type converts to 普惠 when it expects to do better."""
        cfg = self.cfg
        if (inst.affordable or inst.sector != "private" or inst.type not in cfg.convert_from
                or cfg.convert_to not in self.params.city.types):
            return
        stay, convert = self.terms(inst, cfg.convert_to)
        if convert > stay + cfg.conversion_gain_per_month:
            self.convert(inst, cfg.convert_to)

    def convert(self, inst: Institution, tname: str, purchased: bool = False) -> None:
        """The institution becomes a 普惠 provider of type ``tname`` now (its own choice, or a purchase).

        Its classes, children, premises and intake calendar stay; it pays
        ``economics.conversion_rent_share`` of its rent; its type (overhead, families'
        type preference, the levels it feeds) and its fee for new contracts change to the
        type's list fee in its district under the cap in force; children enrolled keep the
        fee they contracted. Counted in ``conversions_to_affordable``.
        """
        gov = self.providers.gov
        assert gov is not None
        t = self.params.city.types[tname]
        k = list(self.params.city.types).index(tname)
        for c in inst.classes:
            self.places.retype(c, k)
        inst.type, inst.type_idx, inst.affordable = tname, k, True
        inst.rent_share = self.cfg.conversion_rent_share
        inst.list_fee = t.fee_per_month * inst.district.spec.fee_index
        gov.apply_fee_cap(inst)
        self.converted.append((self.env.now, inst.idx, purchased))
        self.options.invalidate()
        if self.trace.active:
            self.trace.emit(self.env.now, "convert", inst, tname)

    def count(self, since: float, purchased_only: bool = False) -> int:
        """Return the conversions to 普惠 status at or after time ``since`` (own choice or purchase;
        only purchases with ``purchased_only``)."""
        return sum(1 for t, _, bought in self.converted
                   if t >= since - 1e-9 and (bought or not purchased_only))
