"""The assumption registry (configs/assumptions.yaml) against the configs it describes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.config.errors import ConfigError
from sim.config.load import CONFIG_DIR, compose, to_params
from sim.experiment.assumptions import (
    Assumption,
    AssumptionError,
    applies,
    has_key,
    load_assumptions,
    lookup,
    markdown_table,
    overrides,
    with_defaults,
)

# Scalar keys whose line comment says "assumption" but that the registry leaves out, each with
# its reason. The drift test fails on any other such key missing from the registry.
EXCLUDED = {
    "economics.cash_floor": "0 is the definition of insolvency; economics.credit_months varies "
                            "how far below it an owner carries a provider",
}


@pytest.fixture(scope="module")
def registry() -> list[Assumption]:
    return load_assumptions()


@pytest.fixture(scope="module")
def default_cfg():  # type: ignore[no-untyped-def]
    return compose([])


# Configurations in which the gated entries are live (their defaults are checked there).
LIVE = ([], ["allocation=points"], ["quality=on"], ["capacity=target"])


@pytest.mark.parametrize("base", [[], ["city=demo"]], ids=["default", "demo"])
def test_every_registry_key_exists_in_the_composed_config(registry, base) -> None:  # type: ignore[no-untyped-def]
    cfg = compose(base)
    missing = [a.key for a in registry if not has_key(cfg, a.key)]
    assert missing == []


def test_every_default_lies_in_its_range_where_the_parameter_is_live(registry) -> None:  # type: ignore[no-untyped-def]
    configs = [compose(o) for o in LIVE]
    for a in registry:
        cfg = next((c for c in configs if applies(a, c)), None)
        assert cfg is not None, f"{a.key}: live in none of {LIVE} (requires {a.requires})"
        (filled,) = with_defaults([a], cfg)
        assert filled.default is not None, a.key
        assert a.low <= filled.default <= a.high, f"{a.key}: {filled.default} not in [{a.low}, {a.high}]"


def _differences(a: object, b: object, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in a.keys() | b.keys()
                for d in _differences(a.get(k), b.get(k), f"{path}.{k}".lstrip("."))]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _differences(x, y, f"{path}.{i}")]
    return [] if a == b else [path]


@pytest.mark.parametrize("u", [0.0, 1.0])
def test_overrides_at_the_ends_of_the_ranges_validate_and_change_only_the_named_keys(
        registry, default_cfg, u) -> None:  # type: ignore[no-untyped-def]
    """Every assumption at its low (high) end at once: the config validates, and each changed
    value belongs to one named key, each of which changed (unless its default is that end)."""
    from omegaconf import OmegaConf

    base = OmegaConf.to_container(default_cfg, resolve=True)
    live = with_defaults(registry, default_cfg)
    cfg = compose(overrides(live, [a.from_unit(u) for a in live], default_cfg))
    to_params(cfg)  # validates
    changed = _differences(base, OmegaConf.to_container(cfg, resolve=True))
    patterns = {a.key: re.compile(re.escape(a.key).replace(r"\*", r"[^.]+")) for a in live}
    assert [c for c in changed if not any(p.fullmatch(c) for p in patterns.values())] == []
    unchanged = [a.key for a in live if a.from_unit(u) != a.default
                 and not any(patterns[a.key].fullmatch(c) for c in changed)]
    assert unchanged == []


def test_a_multiply_entry_scales_every_district_of_the_selected_city(default_cfg) -> None:  # type: ignore[no-untyped-def]
    (a,) = load_assumptions(["city.districts.*.places_per_1000"])
    out = overrides([a], [1.25], default_cfg)
    districts = default_cfg.city.districts
    assert len(out) == len(districts)
    cfg = compose(out)
    for d0, d1 in zip(districts, cfg.city.districts, strict=True):
        assert d1.places_per_1000 == pytest.approx(1.25 * d0.places_per_1000)


def test_a_multiply_entry_needs_the_base_configuration() -> None:
    (a,) = load_assumptions(["city.districts.*.fee_index"])
    with pytest.raises(ConfigError, match="base configuration"):
        overrides([a], [1.1])


def test_from_unit_maps_the_unit_interval_onto_the_range_on_its_scale() -> None:
    lin = Assumption("x", 2.0, 6.0, None, False, False, "set", "families", "", None)
    log = Assumption("x", 1.0, 100.0, None, True, False, "set", "families", "", None)
    whole = Assumption("x", 1.0, 5.0, None, False, True, "set", "families", "", None)
    assert (lin.from_unit(0), lin.from_unit(0.5), lin.from_unit(1)) == (2.0, 4.0, 6.0)
    assert log.from_unit(0.5) == pytest.approx(10.0)
    assert whole.from_unit(0.3) == 2.0 and isinstance(whole.from_unit(0.3), float)


def test_selecting_by_name_and_group_keeps_the_registry_order(registry) -> None:  # type: ignore[no-untyped-def]
    picked = load_assumptions(["economics.credit_months"], ["staff"])
    assert [a.key for a in picked] == [a.key for a in registry
                                       if a.key == "economics.credit_months" or a.group == "staff"]
    with pytest.raises(AssumptionError, match="no.such"):
        load_assumptions(["no.such"])


def test_requires_says_when_a_parameter_is_inert(registry, default_cfg) -> None:  # type: ignore[no-untyped-def]
    by_key = {a.key: a for a in registry}
    assert not applies(by_key["quality.fine"], default_cfg)
    assert applies(by_key["quality.fine"], compose(["quality=on"]))
    assert applies(by_key["allocation.points.sibling"], compose(["allocation=deferred_acceptance"]))
    assert not applies(by_key["capacity.reach_km"], default_cfg)
    assert applies(by_key["capacity.reach_km"], compose(["capacity=target"]))


# -- drift: every "assumption" comment in configs/ is in the registry or excluded --------------

_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z_][\w-]*):\s*(?P<value>[^#]*?)\s*(?:#(?P<comment>.*))?$")


def _package(path: Path) -> str:
    """The key prefix under which Hydra merges a config file."""
    rel = path.relative_to(CONFIG_DIR)
    head = path.read_text(encoding="utf-8")[:500]
    if "@package _global_" in head or rel.parts[0] == "city_scenario" or len(rel.parts) == 1:
        return ""
    return ".".join(rel.parts[:-1])


def assumption_keys(path: Path) -> list[str]:
    """Dotted keys of the scalar (or flow-mapping) values whose line comment says "assumption"."""
    prefix, stack, found = _package(path), [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        depth = len(m["indent"])
        stack = [(d, k) for d, k in stack if d < depth] + [(depth, m["key"])]
        if m["value"] and m["comment"] and "assumption" in m["comment"].lower():
            found.append(".".join([p for p in (prefix,) if p] + [k for _, k in stack]))
    return found


def test_every_assumption_in_the_configs_is_in_the_registry_or_excluded(registry) -> None:  # type: ignore[no-untyped-def]
    keys = {a.key for a in registry}
    missing = []
    for path in sorted(CONFIG_DIR.rglob("*.yaml")):
        if path.name == "assumptions.yaml":
            continue
        for k in assumption_keys(path):
            covered = (k in keys or any(r.startswith(k + ".") for r in keys)
                       or any(re.fullmatch(re.escape(r).replace(r"\*", r"[^.]+"), k) for r in keys))
            if not covered and k not in EXCLUDED:
                missing.append(f"{path.relative_to(CONFIG_DIR)}: {k}")
    assert missing == []


def test_the_drift_scan_sees_the_keys_of_nested_blocks() -> None:
    keys = assumption_keys(CONFIG_DIR / "config.yaml")
    assert "economics.initial_cash_months" in keys and "access.short_waitlist" in keys
    assert "staff.recruitment_delay" in assumption_keys(CONFIG_DIR / "staff" / "default.yaml")
    assert lookup(compose([]), "economics.cash_floor") == 0


def test_the_ranges_table_of_docs_sensitivity_is_the_registrys(registry) -> None:  # type: ignore[no-untyped-def]
    text = (CONFIG_DIR.parent / "docs" / "sensitivity.md").read_text(encoding="utf-8")
    table = text.split("<!-- registry table: start -->\n", 1)[1].split("<!-- registry table: end -->", 1)[0]
    assert table == markdown_table(registry), "regenerate it: python -m sim.experiment.assumptions"
