"""Atomic file writes: a temporary file in the same folder, then a rename.

A reader (or an interrupted sweep that resumes) sees either the old file or the new one,
never half of one. Used for run directories, experiment manifests and the report; it needs
neither Hydra nor the model.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    import pandas as pd


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_parquet(path: Path, data: pd.DataFrame | pa.Table) -> None:
    """Write a DataFrame or an Arrow table as Parquet atomically (a DataFrame without its index)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if isinstance(data, pa.Table):
            pq.write_table(data, tmp)
        else:
            data.to_parquet(tmp, index=False)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def os_error_line(exc: OSError) -> str:
    """One line about a failed write: what and where (a full disk says what to do)."""
    text = exc.strerror or (str(exc).splitlines() or [type(exc).__name__])[0]
    where = f" ({exc.filename})" if exc.filename else ""
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(exc)
    fix = ": free some space (or choose another directory) and run again" if full else ""
    return f"{text}{where}{fix}".replace("\n", " ")
