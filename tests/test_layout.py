"""The layout keeps modules small: no module of the package is over 400 lines (issue 11).

STYLE.md asks for modules under about 400 lines; a module that grows past it is split by
concept (one owner per rule), not trimmed. The check reads the ``sim/`` next to this
``tests/`` directory, so it checks the tree the tests belong to, whatever is installed.
"""

from __future__ import annotations

from pathlib import Path

MAX_MODULE_LINES = 400
PACKAGE = Path(__file__).resolve().parents[1] / "sim"


def module_lines() -> dict[str, int]:
    """Return the number of lines of every ``sim/**/*.py``, by path from the repository root."""
    root = PACKAGE.parent
    return {p.relative_to(root).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
            for p in sorted(PACKAGE.rglob("*.py"))}


def test_the_check_reads_every_package_of_the_model_and_its_layers():
    found = module_lines()
    for module in ("sim/model/world.py", "sim/config/validate.py", "sim/analysis/figures.py",
                   "sim/experiment/runner.py", "sim/params/schema.py", "sim/cli/run.py"):
        assert module in found, module


def test_no_module_is_over_400_lines():
    over = {path: n for path, n in module_lines().items() if n > MAX_MODULE_LINES}
    listed = ", ".join(f"{path} ({n} lines)" for path, n in sorted(over.items()))
    assert not over, f"over {MAX_MODULE_LINES} lines, split each by concept: {listed}"
