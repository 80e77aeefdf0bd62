"""Summarise a py-spy profile: the functions (and lines) where a run spends its time.

Record a profile in py-spy's collapsed-stack format, then summarise it::

    py-spy record -r 250 -f raw -o /tmp/queue.txt -- python -m sim scenario=queue ...
    python benchmarks/profile_summary.py /tmp/queue.txt --top 25
    python benchmarks/profile_summary.py /tmp/queue.txt --lines _families

It prints, per function, the share of samples in the function itself ("self") and in it or
anything it calls ("total"), and with ``--lines NAME`` the self share of each line of the
functions whose name contains NAME. Percentages are of all samples of the process.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def parse(path: Path) -> list[tuple[list[str], int]]:
    """Return (frames from outermost to innermost, samples) for every stack in the file."""
    stacks = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        head, _, count = raw.rpartition(" ")
        if head and count.isdigit():
            stacks.append((head.split(";"), int(count)))
    return stacks


def split(frame: str) -> tuple[str, str]:
    """Return (``func (file)``, ``func (file:line)``) of one py-spy frame."""
    m = _FRAME.match(frame)
    if not m:
        return frame, frame
    return f"{m['func']} ({m['file']})", frame


def tally(stacks: list[tuple[list[str], int]]) -> tuple[Counter, Counter, Counter, int]:
    """Return self samples per function, total samples per function, self per line, and all."""
    own: Counter = Counter()
    total: Counter = Counter()
    lines: Counter = Counter()
    n = 0
    for frames, count in stacks:
        n += count
        funcs = [split(f) for f in frames]
        for name in {f for f, _ in funcs}:
            total[name] += count
        if funcs:
            own[funcs[-1][0]] += count
            lines[funcs[-1][1]] += count
    return own, total, lines, n


def report(path: Path, top: int, line_filter: str | None) -> str:
    """Return the text summary of one profile."""
    own, total, lines, n = tally(parse(path))
    if n == 0:
        return f"{path}: no samples"
    out = [f"{path}: {n} samples", "", f"{'self %':>7} {'total %':>8}  function (by self time)"]
    for name, c in own.most_common(top):
        out.append(f"{100 * c / n:7.1f} {100 * total[name] / n:8.1f}  {name}")
    out += ["", f"{'total %':>8}  function (by total time, sim/ and simpy/ only)"]
    ours = [(k, v) for k, v in total.most_common() if "sim/" in k or "simpy/" in k]
    for name, c in ours[:top]:
        out.append(f"{100 * c / n:8.1f}  {name}")
    if line_filter:
        out += ["", f"{'self %':>7}  line (functions matching {line_filter!r})"]
        picked = [(k, v) for k, v in lines.most_common() if line_filter in k.split(" (")[0]]
        for name, c in picked[:top]:
            out.append(f"{100 * c / n:7.1f}  {name}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Print the summary of each profile named on the command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("profiles", nargs="+", type=Path, help="py-spy raw (collapsed) files")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--lines", default=None, help="also show per-line self time of matching functions")
    a = ap.parse_args(argv)
    for p in a.profiles:
        print(report(p, a.top, a.lines))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
