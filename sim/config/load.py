"""From a composed Hydra config to validated run parameters.

``register()`` adds the schema to Hydra's ConfigStore and the resolvers used by presets;
``to_params(cfg)`` turns a composed DictConfig into a validated :class:`Config` (reading
city CSV files); ``compose(overrides)`` does both without the command line (tests,
notebooks, experiments). Every failure is a :class:`ConfigError` with the key at fault.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    InterpolationResolutionError,
    MissingMandatoryValue,
    OmegaConfBaseException,
    ValidationError,
)

from sim.config.city_io import (
    CsvRows,
    check_list_overrides,
    csv_error,
    read_districts_rows,
    read_institutions_rows,
)
from sim.config.errors import ConfigError
from sim.config.validate import validate
from sim.params.schema import Config, freeze
from sim.params.timeline import calendar

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"
_registered = False


def _mul(a: Any, b: Any) -> float:
    return float(a) * float(b)


def _add(a: Any, b: Any) -> float:
    return float(a) + float(b)


def _if(cond: Any, yes: Any, no: Any) -> Any:
    return yes if bool(cond) else no


def _exp_or_never(mean: Any) -> str:
    return "never" if mean is None else "exponential"


def _calendar(start_year: Any, horizon_months: Any, entries: Any) -> list[dict[str, Any]]:
    """``${cc.calendar:start_year,horizon_months,[entries]}``: a preset's policy calendar, cut to the run."""
    plain = OmegaConf.to_container(entries) if isinstance(entries, ListConfig) else list(entries)
    return calendar(plain, int(start_year), float(horizon_months))  # type: ignore[arg-type]


def register() -> None:
    """Register the schema and resolvers with Hydra/OmegaConf (idempotent)."""
    global _registered
    if _registered:
        return
    ConfigStore.instance().store(name="base_config", node=Config)
    OmegaConf.register_new_resolver("cc.mul", _mul, replace=True)
    OmegaConf.register_new_resolver("cc.add", _add, replace=True)
    OmegaConf.register_new_resolver("cc.if", _if, replace=True)
    OmegaConf.register_new_resolver("cc.exp_or_never", _exp_or_never, replace=True)
    OmegaConf.register_new_resolver("cc.calendar", _calendar, replace=True)
    _registered = True


def _full_key(exc: OmegaConfBaseException) -> str:
    """The key OmegaConf names, spelt as an override spells it (``city.districts.0.population``,
    not ``city.districts[0].population``)."""
    key = getattr(exc, "full_key", None)
    return re.sub(r"\[(\d+)\]", r".\1", str(key)) if key else "config"


def omegaconf_error(exc: Exception) -> ConfigError:
    """Translate an OmegaConf/Hydra exception into a one-line ConfigError."""
    if isinstance(exc, MissingMandatoryValue):
        return ConfigError(_full_key(exc), "a value is required but missing")
    if isinstance(exc, ConfigKeyError | ConfigAttributeError):
        return ConfigError(_full_key(exc), "unknown key (see README, Configuration)")
    if isinstance(exc, ValidationError):
        msg = str(exc).splitlines()[0]
        return ConfigError(_full_key(exc), msg)
    if isinstance(exc, InterpolationResolutionError):
        return ConfigError(_full_key(exc), str(exc).splitlines()[0])
    if isinstance(exc, OmegaConfBaseException):
        return ConfigError(_full_key(exc), str(exc).splitlines()[0])
    return ConfigError("config", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def _resolve_path(text: str, base: Path | None) -> Path:
    p = Path(os.path.expanduser(text))
    if p.is_absolute():
        return p
    for root in (base, Path.cwd(), CONFIG_DIR.parent):
        if root is not None and (root / p).exists():
            return root / p
    return (base or Path.cwd()) / p


@functools.cache
def _schema() -> DictConfig:
    """The schema as an empty structured config (built once: ``OmegaConf.merge`` copies its inputs)."""
    return OmegaConf.structured(Config)


def _added_key(obj: Any, path: str = "") -> str | None:
    """Return the dotted key of the first value in ``obj`` that its dataclass does not declare.

    ``OmegaConf.to_object`` keeps a key appended to a typed config (``+families.nope=1``) as
    an attribute of the dataclass; merging onto the schema would have refused it.
    """
    if dataclasses.is_dataclass(obj):
        names = [f.name for f in dataclasses.fields(obj)]
        for key in vars(obj):
            if key not in names:
                return path + key
        children: Any = ((n, getattr(obj, n)) for n in names)
    elif isinstance(obj, dict):
        children = obj.items()
    elif isinstance(obj, list):
        children = enumerate(obj)
    else:
        return None
    for key, value in children:
        found = _added_key(value, f"{path}{key}.")
        if found is not None:
            return found
    return None


def to_params(cfg: DictConfig, base_dir: Path | None = None) -> Config:
    """Return the validated parameters of a composed config (CSV files read and checked)."""
    register()
    try:
        if OmegaConf.get_type(cfg) is Config and "hydra" not in cfg:
            obj = OmegaConf.to_object(cfg)  # composed on the schema (base_config): typed already
            extra = _added_key(obj)
            if extra is not None:  # a key appended with "+key=value": the schema has no such key
                raise ConfigError(extra, "unknown key (see README, Configuration)")
        else:  # e.g. a run directory's config.yaml, read back as plain YAML
            plain = OmegaConf.to_container(cfg, resolve=False)
            assert isinstance(plain, dict)
            plain.pop("hydra", None)
            obj = OmegaConf.to_object(OmegaConf.merge(_schema(), plain))
    except OmegaConfBaseException as exc:
        raise omegaconf_error(exc) from None
    assert isinstance(obj, Config)
    sources: list[CsvRows] = []
    if obj.city.districts_csv:
        obj.city.districts, rows = read_districts_rows(_resolve_path(obj.city.districts_csv, base_dir))
        sources.append(rows)
        if (CONFIG_DIR / "city" / f"{obj.city.name}.yaml").is_file():  # still a preset's name
            obj.city.name = rows.path.stem
    if obj.city.institutions_csv:
        path = _resolve_path(obj.city.institutions_csv, base_dir)
        obj.city.institutions, rows = read_institutions_rows(path)
        sources.append(rows)
    try:
        validate(obj)
    except ConfigError as exc:
        raise csv_error(exc, sources) from None
    return freeze(obj)


def compose(overrides: list[str] | tuple[str, ...] = (), config_name: str = "config") -> DictConfig:
    """Compose the project's config with Hydra overrides (no run directory is made)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException

    register()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None):
            cfg = hydra_compose(config_name=config_name, overrides=list(overrides))
        city = cfg.get("city") or {}
        check_list_overrides(overrides, city.get("districts_csv"), city.get("institutions_csv"))
        return cfg
    except ConfigError:
        raise
    except OmegaConfBaseException as exc:
        raise omegaconf_error(exc) from None
    except HydraException as exc:
        raise hydra_error(exc) from None
    except Exception as exc:  # e.g. a YAML syntax error in a config file
        raise ConfigError("config", str(exc).replace("\n", " ")) from None


def hydra_error(exc: Exception) -> ConfigError:
    """Translate a Hydra composition error (e.g. an unknown override key) into a ConfigError."""
    from hydra.errors import MissingConfigException

    if isinstance(exc, MissingConfigException):
        group, name = (exc.missing_cfg_file or "config/?").rsplit("/", 1) if "/" in (
            exc.missing_cfg_file or "") else ("config", exc.missing_cfg_file or "?")
        options = ", ".join(exc.options or []) if exc.options else "none"
        return ConfigError(group, f"no preset '{name}' (available: {options})")
    cause = exc.__cause__ or exc.__context__
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(cause, OmegaConfBaseException):
        err = omegaconf_error(cause)
        if err.key == "config" and msg.startswith("Error merging override "):
            # OmegaConf names no key (e.g. a list item of the wrong type): name the override's
            return ConfigError(msg[len("Error merging override "):].split("=")[0], err.reason)
        return err
    key = "config"
    if "override" in msg and "'" in msg:
        key = msg.split("'")[1].split("=")[0]
        return ConfigError(key, "unknown key or bad override (" + msg + ")")
    return ConfigError(key, msg)


def load(overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Compose and validate in one call: the parameters a run with ``overrides`` would use."""
    return to_params(compose(overrides))
