"""Plain Python programs beside the portal, for development, the demo and the tests. Nothing in them imports
Django or the portal's apps, and no app imports them (import-linter checks both: ``pyproject.toml``)."""
