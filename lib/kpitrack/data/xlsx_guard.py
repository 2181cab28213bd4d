"""The .xlsx guard, now one reader's check for every file kpitrack reads: :mod:`kpitrack.core.input_files`."""

from ..core.input_files import MAX_CELLS, MAX_UNZIPPED, too_big  # noqa: F401

__all__ = ["MAX_CELLS", "MAX_UNZIPPED", "too_big"]
