from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks (``python manage.py bench <scenario>``): installed in development and tests, never in
    production (``portal.settings.production`` leaves the app out and the image leaves the folder out)."""

    name = "bench"
    verbose_name = "Benchmarks"
