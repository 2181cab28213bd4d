"""``python -m kpitrack.cli …``: the kpitrack command, as ``python -m kpitrack``."""

import sys

from .launch import main

if __name__ == "__main__":
    sys.exit(main())
