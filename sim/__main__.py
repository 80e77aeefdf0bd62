"""``python -m sim``: the same as the ``childcare-sim`` command."""

from sim.cli.run import main

if __name__ == "__main__":
    main()
