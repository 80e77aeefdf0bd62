"""Levers on a calendar: the language of ``policy.timeline`` and ``capacity.timeline``.

A timeline is a list of entries ``{from: "YYYY-MM", <lever>: value, ...}``. From the first
day of that month the named levers (any key of the group but ``name`` and ``timeline``) take
the given values, until a later entry changes them again; entries are applied in date order.
Months are counted from January of ``run.start_year`` (month 0). These pure functions are
shared by validation (:mod:`sim.config.validate`) and the model (:mod:`sim.model.timeline`),
so both read a timeline the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, get_args, get_origin, get_type_hints

from sim.params.schema import freeze, thaw

DATE_KEY = "from"
NOT_LEVERS = ("name", "timeline")
_DATE = re.compile(r"^(\d{4})-(\d{2})$")


class TimelineError(ValueError):
    """A bad timeline entry: ``key`` is the entry's key at fault (``from`` or a lever)."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


def month_index(text: Any, start_year: int) -> int:
    """Return the month of ``"YYYY-MM"`` counted from January of ``start_year`` (may be < 0)."""
    m = _DATE.match(text) if isinstance(text, str) else None
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise TimelineError(DATE_KEY, f"must be a month written YYYY-MM (e.g. 2026-01), got '{text}'")
    return (int(m.group(1)) - start_year) * 12 + int(m.group(2)) - 1


def month_label(month: int, start_year: int) -> str:
    """Return month ``month`` (0 = January of ``start_year``) as ``"YYYY-MM"``."""
    return f"{start_year + month // 12:04d}-{month % 12 + 1:02d}"


def lever_names(cls: type) -> tuple[str, ...]:
    """Return the levers of a parameter class: its fields but ``name`` and ``timeline``."""
    return tuple(f.name for f in fields(cls) if f.name not in NOT_LEVERS)


def lever_value(cls: type, name: str, value: Any) -> Any:
    """Return ``value`` as lever ``name`` of ``cls`` holds it (ints become floats where floats are due).

    Raises :class:`TimelineError` when the type is wrong; ranges are checked by the caller
    with the same checks as the group's own keys.
    """
    hint = get_type_hints(cls)[name]
    if get_origin(hint) is dict:
        return _mapping_value(name, value)
    args = get_args(hint) or (hint,)
    if value is None:
        if type(None) in args:
            return None
        raise TimelineError(name, "must not be null")
    if bool in args:
        if isinstance(value, bool):
            return value
        raise TimelineError(name, f"must be true or false, got '{value}'")
    if isinstance(value, bool):
        raise TimelineError(name, f"must be a {'number' if float in args or int in args else 'string'}"
                                  f", got {str(value).lower()}")
    if float in args:
        if isinstance(value, int | float):
            return float(value)
        raise TimelineError(name, f"must be a number, got '{value}'")
    if int in args:
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return int(value)
        raise TimelineError(name, f"must be a whole number, got '{value}'")
    if isinstance(value, str):
        return value
    raise TimelineError(name, f"must be a string, got {value}")


def _mapping_value(name: str, value: Any) -> dict[str, float]:
    """Return a mapping lever (names to numbers, e.g. a rate per provider type) as floats."""
    if not isinstance(value, Mapping):
        raise TimelineError(name, f"must be a mapping of names to numbers, got '{value}'")
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise TimelineError(f"{name}.{k}", f"must be a number, got '{v}'")
    return {str(k): float(v) for k, v in value.items()}


def with_levers(base: Any, changes: Mapping[str, Any]) -> Any:
    """Return a new frozen copy of ``base`` with ``changes`` applied (``base`` is not touched)."""
    new = thaw(base)
    for k, v in changes.items():
        setattr(new, k, v)
    new.timeline = []
    return freeze(new)


@dataclass(frozen=True)
class Step:
    """One timeline entry resolved: from ``month`` on, ``levers`` changed and ``config`` is in force."""

    month: int
    date: str
    levers: dict[str, Any]
    config: Any


def steps(base: Any, start_year: int) -> list[Step]:
    """Resolve ``base.timeline`` into the dated lever sets in force (validated input assumed).

    ``levers`` holds only the levers whose value changes at the step.
    """
    out: list[Step] = []
    cur = base
    cls = type(base)
    for entry in base.timeline:
        changes = {k: lever_value(cls, k, v) for k, v in entry.items() if k != DATE_KEY}
        changed = {k: v for k, v in changes.items() if getattr(cur, k) != v}
        cur = with_levers(cur, changes)
        out.append(Step(month_index(entry[DATE_KEY], start_year), str(entry[DATE_KEY]), changed, cur))
    return out


def calendar(entries: Iterable[Mapping[str, Any]], start_year: int,
             horizon_months: float) -> list[dict[str, Any]]:
    """Return the entries of a published policy calendar that a run reaches.

    A preset's calendar (e.g. the national subsidy from 2025-01 in ``city=china_2024``) is a
    fact about the world, not a choice of the run: entries at or after the run's horizon are
    left out (the run never reaches them), and entries dated before the run starts are merged,
    in date order, into one entry at the run's first month (they are in force from its start).
    A user's own ``policy.timeline`` is not filtered: there such dates are errors.
    """
    dated = sorted(((month_index(e[DATE_KEY], start_year), dict(e)) for e in entries), key=lambda x: x[0])
    before: dict[str, Any] = {}
    out: list[dict[str, Any]] = []
    for m, e in dated:
        if m < 0:
            before.update({k: v for k, v in e.items() if k != DATE_KEY})
        elif m < horizon_months:
            out.append(e)
    if before:
        first = {DATE_KEY: month_label(0, start_year), **before}
        if out and month_index(out[0][DATE_KEY], start_year) == 0:
            first.update({k: v for k, v in out.pop(0).items() if k != DATE_KEY})
        out.insert(0, first)
    return out
