"""The SolaraViz dashboard: `spiral dashboard` (see docs/dashboard.md)."""
