"""OOAPI services: the onboarding check (``check``) and, later, import and sync."""
