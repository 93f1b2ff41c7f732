"""Read-only: aggregates computed in the database; no tables of its own yet."""
