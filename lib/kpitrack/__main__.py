"""``python -m kpitrack …``: the kpitrack command (with ``--workspace DIR``)."""

import sys

from .cli.launch import main

if __name__ == "__main__":
    sys.exit(main())
