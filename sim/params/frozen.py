"""Parameter objects that refuse changes once validated (the base of every config class)."""

from __future__ import annotations

import dataclasses
from typing import Any, NoReturn


class FrozenError(dataclasses.FrozenInstanceError):
    """Raised when code tries to change frozen parameters."""


class Frozen:
    """Mixin of every parameter class: after :func:`freeze`, assigning an attribute raises.

    ``copy.deepcopy`` returns a thawed, changeable copy: the way to derive new parameters
    (calibration, tests), which are then validated and frozen again. (Hydra composes into
    these classes, so they cannot be ``frozen=True`` dataclasses: a frozen structured config
    refuses command-line overrides.)
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_frozen"):
            raise FrozenError(f"parameters are frozen: cannot set {type(self).__name__}.{name}")
        object.__setattr__(self, name, value)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return thaw(self)


def _refuse(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
    raise FrozenError("parameters are frozen: cannot change a list or mapping in them")


class FrozenList(list):  # type: ignore[type-arg]
    """A list that refuses changes (and pickles as one)."""

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse  # type: ignore[assignment]
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenList, (list(self),))

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return thaw(self)


class FrozenDict(dict):  # type: ignore[type-arg]
    """A mapping that refuses changes (and pickles as one)."""

    __setitem__ = __delitem__ = pop = popitem = clear = update = setdefault = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return thaw(self)


def freeze(obj: Any) -> Any:
    """Return ``obj`` with every parameter object, list and mapping inside it made read-only."""
    if isinstance(obj, Frozen) and dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            object.__setattr__(obj, f.name, freeze(getattr(obj, f.name)))
        object.__setattr__(obj, "_frozen", True)
        return obj
    if isinstance(obj, list):
        return FrozenList(freeze(v) for v in obj)
    if isinstance(obj, dict):
        return FrozenDict({k: freeze(v) for k, v in obj.items()})
    return obj


def thaw(obj: Any) -> Any:
    """Return a changeable deep copy of (possibly frozen) parameters."""
    if isinstance(obj, Frozen) and dataclasses.is_dataclass(obj):
        return type(obj)(**{f.name: thaw(getattr(obj, f.name)) for f in dataclasses.fields(obj)})
    if isinstance(obj, list):
        return [thaw(v) for v in obj]
    if isinstance(obj, dict):
        return {k: thaw(v) for k, v in obj.items()}
    return obj
