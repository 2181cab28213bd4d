"""``python -m kpitrack …``: the kpitrack command (with ``--workspace DIR``)."""

import sys

from .launch import main

sys.exit(main())
