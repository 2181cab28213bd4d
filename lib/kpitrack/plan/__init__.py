"""Stage 1, the plan as data: the catalogue of Tables 1, 2, 3 and 5, its schema, the yearly
trajectories the plan implies, and the scoring rules."""
