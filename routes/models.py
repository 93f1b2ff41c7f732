"""The routes' own tables arrive with their apps (``routes.own_pace``, ``routes.mijndiploma``)."""
