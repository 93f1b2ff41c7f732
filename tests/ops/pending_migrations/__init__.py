"""A migration that is never applied: ``MIGRATION_MODULES`` points the ``demo`` app (which has no migrations of its own) here in a health test."""
