"""Publishing, last role: documents made the one way, from parameters to manifest (see
:mod:`kpitrack.publish`)."""
