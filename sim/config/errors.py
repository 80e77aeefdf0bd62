"""The one error type users see: a config key and the reason it is wrong."""

from __future__ import annotations


class ConfigError(ValueError):
    """Bad input, reported as ``error: <key>: <reason>``."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (ConfigError, (self.key, self.reason))

    def line(self) -> str:
        """Return the one-line message printed on stderr."""
        return f"error: {self.key}: {self.reason}"
