"""Stage 4, publishing: what reports, bulletins and cards show, charts, display bundles for
every renderer, rendering (Quarto or the fallback) and running notebooks in batches."""
