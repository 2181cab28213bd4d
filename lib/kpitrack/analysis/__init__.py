"""Stage 3, analysis: progress against the trajectory, forecasts and their calibration,
end-of-plan outlooks, year-end estimates from year-to-date figures, backtests."""
