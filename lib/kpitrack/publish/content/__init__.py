"""Publishing, first role: what each document shows (see :mod:`kpitrack.publish`)."""
