"""The ground floor: machinery every app builds on, and nothing of any app's own. ``core`` imports no app."""
