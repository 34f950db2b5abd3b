"""The schedule-generation engine: load, solve, validate, persist."""
