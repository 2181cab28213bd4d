"""Stage 2, the figures: regions, units, ledgers and their ingest, the vintage store, the
bundled datasets (sourced Hangzhou figures, synthetic demo data)."""
