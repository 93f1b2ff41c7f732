"""Write issued credentials as JSON files, exactly as the holder downloads them."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credentials import selectors


class Command(BaseCommand):
    help = "Write every issued credential (revoked ones too) as <id>.json, byte for byte as the holder downloads it."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", required=True, help="every issued credential")
        parser.add_argument("--out", required=True, help="the directory to write to (created if missing)")

    def handle(self, *args, out, **options):
        directory = Path(out)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"cannot create {directory}: {error}") from error
        count = 0
        for credential in selectors.issued_credentials().iterator():
            (directory / f"{credential.public_id}.json").write_bytes(credential.document.encode("utf-8"))
            count += 1
        self.stdout.write(f"{count} credential(s) written to {directory}")
