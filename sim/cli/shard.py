"""The ``childcare-sim-shard`` command (``python -m sim.cli.shard``): a city run as shards, merged.

    python -m sim.cli.shard OUT [--split NAME=K ...] [--only NAME,...] [--jobs N] [--list] -- OVERRIDES

Each shard (a district, or one of K replicas of it: :mod:`sim.experiment.shards`) runs into
``OUT/shards/<name>/``; once every shard has run, ``OUT/merged/`` is the merged run directory
with the files of an unsharded run. Bad input prints one line ``error: <key>: <reason>`` and
exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.run import format_table
from sim.config.errors import ConfigError
from sim.config.load import compose, register, to_params
from sim.experiment.shards import MERGED_DIR, SHARDS_DIR, interactions, parse_split, plan, run_sharded


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``childcare-sim-shard``."""
    ap = argparse.ArgumentParser(prog="childcare-sim-shard", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="output directory (shards/ and merged/ go in it)")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides, as for childcare-sim")
    ap.add_argument("--split", action="append", default=[], metavar="NAME=K",
                    help="run district NAME as K replicas (K alone: every district)")
    ap.add_argument("--only", default=None, help="comma-separated shards to run now (merged when all ran)")
    ap.add_argument("--jobs", type=int, default=1, help="shards run at once (processes)")
    ap.add_argument("--list", action="store_true", help="print the shards and their seeds, run nothing")
    args = ap.parse_intermixed_args(sys.argv[1:] if argv is None else argv)
    register()
    try:
        split = parse_split(args.split)
        only = args.only.split(",") if args.only else None
        if args.list:
            params = to_params(compose(args.overrides))
            for note in interactions(params):
                print(f"note: {note}")
            for s in plan(params, split):
                print(f"{s.name}\tseed {s.seed}\tpopulation {s.district['population']:,.0f}")
            return
        summary = run_sharded(args.overrides, args.out, split, only, args.jobs)
    except ConfigError as exc:
        print(exc.line(), file=sys.stderr)
        sys.exit(2)
    if summary is None:
        print(f"shards run into {args.out / SHARDS_DIR}; merge when all have run (run again without --only)")
        return
    print(f"childcare-sim-shard: {len(summary['meta']['shards'])} shards merged -> {args.out / MERGED_DIR}")
    print(format_table(summary))


if __name__ == "__main__":
    main()
