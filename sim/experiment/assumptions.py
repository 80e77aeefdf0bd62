"""The assumption registry: parameters marked "assumption" in ``configs/`` and their ranges.

``configs/assumptions.yaml`` lists every parameter of the default run that no row of
calibration/china.md supports, with the range a sensitivity or robustness analysis varies it
over and where that range comes from. :func:`load_assumptions` reads (a selection of) it,
:func:`with_defaults` fills each one's value in a composed configuration, :func:`applies` says
whether a parameter is live there (``requires``), and :func:`overrides` turns values into the
Hydra overrides of a run. A ``multiply`` entry (``city.districts.*.places_per_1000``) scales
the value of every item the ``*`` matches in the selected city, one override per item.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from sim.config.errors import ConfigError
from sim.config.load import CONFIG_DIR

REGISTRY = CONFIG_DIR / "assumptions.yaml"
GROUPS = ("families", "economics", "staff", "quality", "access", "capacity", "allocation", "city")
MODES = ("set", "multiply")
_FIELDS = {"key", "low", "high", "log", "integer", "mode", "group", "source", "requires"}


class AssumptionError(ValueError):
    """A malformed registry entry or an unknown name: the message names the entry at fault."""


@dataclass(frozen=True)
class Assumption:
    """One uncertain parameter: its config key, range and source.

    ``default`` is its value in a composed configuration (a ``multiply`` entry's is the
    factor 1); None until :func:`with_defaults` fills it, or when the key is absent there.
    """

    key: str
    low: float
    high: float
    default: float | None = None
    log: bool = False
    integer: bool = False
    mode: str = "set"
    group: str = ""
    source: str = ""
    requires: str | None = None

    def from_unit(self, u: float) -> float:
        """Map ``u`` in [0, 1] onto the range (log scale if ``log``; rounded if ``integer``)."""
        u = min(1.0, max(0.0, float(u)))
        if self.log:
            value = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            value = self.low + u * (self.high - self.low)
        return float(round(value)) if self.integer else value


def parse_assumption(entry: Any, where: str, group: str | None = None) -> Assumption:
    """Return the :class:`Assumption` of one mapping; raise AssumptionError naming ``where``."""
    if not isinstance(entry, Mapping):
        raise AssumptionError(f"{where}: must be a mapping with key, low, high, got {entry!r}")
    unknown = set(entry) - _FIELDS
    if unknown:
        known = ", ".join(sorted(_FIELDS))
        raise AssumptionError(f"{where}.{sorted(unknown)[0]}: unknown field (known: {known})")
    for f in ("key", "low", "high"):
        if f not in entry:
            raise AssumptionError(f"{where}.{f}: is required")
    key = entry["key"]
    if not isinstance(key, str) or not key or " " in key:
        raise AssumptionError(f"{where}.key: must be a dotted config key, got {key!r}")
    try:
        low, high = float(entry["low"]), float(entry["high"])
    except (TypeError, ValueError):
        raise AssumptionError(f"{where}.low: low and high must be numbers") from None
    if not low < high:
        raise AssumptionError(f"{where}.high: must be above low ({low}), got {high}")
    a = Assumption(key=key, low=low, high=high, log=bool(entry.get("log", False)),
                   integer=bool(entry.get("integer", False)), mode=str(entry.get("mode", "set")),
                   group=str(entry.get("group", group or "")), source=str(entry.get("source", "")),
                   requires=entry.get("requires"))
    if a.mode not in MODES:
        raise AssumptionError(f"{where}.mode: must be set or multiply, got {a.mode!r}")
    if a.log and a.low <= 0:
        raise AssumptionError(f"{where}.log: a log range needs low > 0, got {a.low}")
    if ("*" in a.key) != (a.mode == "multiply"):
        raise AssumptionError(f"{where}.key: a multiply entry has one '*' in its key and a set entry none")
    if a.requires is not None and "=" not in str(a.requires):
        raise AssumptionError(f"{where}.requires: must be KEY=VALUE or KEY!=VALUE, got {a.requires!r}")
    return a


def read_registry(path: Path = REGISTRY) -> list[Assumption]:
    """Return every entry of the registry file, checked."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AssumptionError(f"{path}: {str(exc).splitlines()[0]}") from None
    entries = doc.get("assumptions") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise AssumptionError(f"{path}: needs a list 'assumptions'")
    out = [parse_assumption(e, f"assumptions[{i}]") for i, e in enumerate(entries)]
    for i, a in enumerate(out):
        if a.group not in GROUPS:
            raise AssumptionError(f"assumptions[{i}].group: must be one of {', '.join(GROUPS)}, "
                                  f"got {a.group!r}")
    keys = [a.key for a in out]
    dup = next((k for k in keys if keys.count(k) > 1), None)
    if dup:
        raise AssumptionError(f"assumptions: {dup} is listed twice")
    return out


def load_assumptions(names: Sequence[str] | None = None, groups: Sequence[str] | None = None,
                     path: Path = REGISTRY) -> list[Assumption]:
    """Return the registry's entries named in ``names`` or in one of ``groups`` (all when both are None).

    The result keeps the registry's order; an unknown name or group is an AssumptionError.
    """
    every = read_registry(path)
    if names is None and groups is None:
        return every
    known = {a.key for a in every}
    for n in names or ():
        if n not in known:
            raise AssumptionError(f"{n}: not in the assumption registry ({path.name})")
    for g in groups or ():
        if g not in GROUPS:
            raise AssumptionError(f"{g}: not a group of the registry ({', '.join(GROUPS)})")
    wanted_names, wanted_groups = set(names or ()), set(groups or ())
    return [a for a in every if a.key in wanted_names or a.group in wanted_groups]


def _child(node: Any, part: str) -> Any:
    if isinstance(node, Mapping) or hasattr(node, "keys"):
        return node[part] if part in node else _MISSING
    if isinstance(node, Sequence) and not isinstance(node, str):
        return node[int(part)] if part.isdigit() and int(part) < len(node) else _MISSING
    return getattr(node, part, _MISSING)


_MISSING = object()


def lookup(cfg: Any, key: str) -> Any:
    """Return the value at dotted ``key`` in a composed config or Config (``_MISSING`` if absent)."""
    node = cfg
    for part in key.split("."):
        node = _child(node, part)
        if node is _MISSING:
            return _MISSING
    return node


def has_key(cfg: Any, key: str) -> bool:
    """True when dotted ``key`` exists in ``cfg`` (a ``*`` key: in at least one item)."""
    return bool(expand(cfg, key)) if "*" in key else lookup(cfg, key) is not _MISSING


def expand(cfg: Any, key: str) -> list[tuple[str, Any]]:
    """Return (concrete key, value) for every item a ``*`` key matches, skipping null values."""
    head, tail = key.split(".*.", 1)
    items = lookup(cfg, head)
    if items is _MISSING or items is None:
        return []
    if isinstance(items, Mapping) or hasattr(items, "keys"):
        labels = [str(k) for k in items.keys()]
    else:
        labels = [str(i) for i in range(len(items))]
    out = []
    for label in labels:
        concrete = f"{head}.{label}.{tail}"
        value = lookup(cfg, concrete)
        if value is not _MISSING and value is not None:
            out.append((concrete, value))
    return out


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    return str(value)


def applies(a: Assumption, cfg: Any) -> bool:
    """True when ``a.requires`` holds in ``cfg`` (always true without one)."""
    if a.requires is None:
        return True
    negate = "!=" in a.requires
    key, want = a.requires.split("!=" if negate else "=", 1)
    value = lookup(cfg, key.strip())
    found = value is not _MISSING and _plain(value) in {w.strip() for w in want.split("|")}
    return not found if negate else found


def with_defaults(assumptions: Sequence[Assumption], cfg: Any) -> list[Assumption]:
    """Return the assumptions with ``default`` filled from ``cfg`` (multiply: 1.0; absent: None)."""
    out = []
    for a in assumptions:
        if a.mode == "multiply":
            default: float | None = 1.0 if has_key(cfg, a.key) else None
        else:
            v = lookup(cfg, a.key)
            default = float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
        out.append(replace(a, default=default))
    return out


def format_value(value: float, integer: bool = False) -> str:
    """Return ``value`` as Hydra reads it back (a whole number for integer keys)."""
    if integer:
        return str(int(round(value)))
    text = f"{float(value):.10g}"
    return text if any(c in text for c in ".en") else f"{text}.0"


def overrides(assumptions: Sequence[Assumption], values: Sequence[float], base: Any = None) -> list[str]:
    """Return the Hydra overrides that set each assumption to its value.

    A ``set`` value is the key's value; a ``multiply`` value is a factor applied to every
    item the ``*`` matches in ``base`` (a composed config or Config: required for them), one
    override per item, e.g. ``city.districts.0.places_per_1000=2.16``. A city whose districts
    come from a CSV file cannot be changed by overrides: ConfigError.
    """
    if len(assumptions) != len(values):
        raise ValueError(f"{len(assumptions)} assumptions but {len(values)} values")
    out: list[str] = []
    for a, v in zip(assumptions, values, strict=True):
        if a.mode == "set":
            out.append(f"{a.key}={format_value(v, a.integer)}")
            continue
        if base is None:
            raise ConfigError(a.key, "a multiply entry needs the composed base configuration")
        items = a.key.split(".*.", 1)[0]
        if items == "city.districts" and lookup(base, "city.districts_csv") not in (None, _MISSING):
            raise ConfigError(a.key, "the districts come from city.districts_csv, which overrides cannot "
                                     "change: scale the CSV file's column instead")
        out += [f"{k}={format_value(float(x) * float(v))}" for k, x in expand(base, a.key)]
    return out


def markdown_table(assumptions: Sequence[Assumption]) -> str:
    """Return the registry as a Markdown table (docs/sensitivity.md embeds it; a test keeps them equal)."""
    lines = ["| key | group | range | scale | requires | source |", "|---|---|---|---|---|---|"]
    for a in assumptions:
        scale = ("factor" if a.mode == "multiply" else "") + (" log" if a.log else "") + (
            " whole" if a.integer else "")
        source = a.source.replace("|", "/")
        requires = f"`{a.requires.replace('|', ' or ')}`" if a.requires else ""
        lines.append(f"| `{a.key}` | {a.group} | {a.low:g} - {a.high:g} | {scale.strip() or 'linear'} | "
                     f"{requires} | {source} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m sim.experiment.assumptions: the table of docs/sensitivity.md
    print(markdown_table(load_assumptions()), end="")
