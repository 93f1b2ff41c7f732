from django.core.management.base import BaseCommand, CommandError

from demo.seeder import DemoSeeder


class Command(BaseCommand):
    help = "Create the demo zone: 21 institutions, calendars, programmes, 1,000+ offerings and one login per role. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--offerings", type=int, default=1050, help="Total offerings to have (default 1050; 100000 for benchmarks)."
        )

    def handle(self, *args, offerings: int, **options):
        if offerings < 1 or offerings > 1_000_000:
            raise CommandError("--offerings must be between 1 and 1,000,000")
        DemoSeeder(offerings=offerings, stdout=self.stdout).run()
