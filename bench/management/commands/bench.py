from importlib import import_module

from django.core.management.base import BaseCommand

from bench import SCENARIOS, require_postgresql


class Command(BaseCommand):
    help = (
        "Run a benchmark scenario on PostgreSQL and print one JSON object per measurement, "
        "e.g. `bench catalogue --offerings 10000,100000`. See docs/benchmarks.md."
    )

    def add_arguments(self, parser):
        scenarios = parser.add_subparsers(dest="scenario", required=True, metavar="scenario")
        for name, module_path in SCENARIOS.items():
            module = import_module(module_path)
            module.add_arguments(scenarios.add_parser(name, help=module.HELP, description=module.HELP))

    def handle(self, *args, scenario: str, **options):
        require_postgresql()
        options = {name: value for name, value in options.items() if name not in ("stdout", "stderr")}
        import_module(SCENARIOS[scenario]).run(stdout=self.stdout, **options)
