"""A migration that is never applied: ``MIGRATION_MODULES`` points the ``portal`` app here in a health test."""
