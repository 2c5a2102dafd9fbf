"""The supervisors' figures: SQL aggregates over cases and their events, the plan's targets, and the
accessible SVG charts that show them."""
