"""Calling a console command's ``main`` in-process, as the shell would, for the tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def exit_status(main: Callable[[list[str]], None], argv: Sequence[str]) -> int:
    """Run ``main(argv)`` and return its exit status (0 when it returns)."""
    try:
        main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
