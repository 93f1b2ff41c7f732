from core.errors import ApplicationError  # noqa: F401  (this app's errors descend from it)
