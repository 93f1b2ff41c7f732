"""PostgreSQL search indexes: pg_trgm for typos, GIN over the Dutch+English document, and the btree
indexes the sort orders use. On SQLite (the demo default) only the portable indexes are created."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

POSTGRES_SQL = [
    "CREATE INDEX IF NOT EXISTS offeringsearch_document_gin ON catalogue_offeringsearch USING gin (document)",
    "CREATE INDEX IF NOT EXISTS offeringsearch_title_nl_trgm ON catalogue_offeringsearch USING gin (title_nl gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS offeringsearch_title_en_trgm ON catalogue_offeringsearch USING gin (title_en gin_trgm_ops)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS offeringsearch_document_gin",
    "DROP INDEX IF EXISTS offeringsearch_title_nl_trgm",
    "DROP INDEX IF EXISTS offeringsearch_title_en_trgm",
]
PORTABLE_SQL = [
    "CREATE INDEX IF NOT EXISTS offeringsearch_public_start ON catalogue_offeringsearch (visible_public, start_date, offering_id)",
]
PORTABLE_REVERSE = ["DROP INDEX IF EXISTS offeringsearch_public_start"]


def forwards(apps, schema_editor):
    statements = list(PORTABLE_SQL)
    if schema_editor.connection.vendor == "postgresql":
        statements += POSTGRES_SQL
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = list(PORTABLE_REVERSE)
    if schema_editor.connection.vendor == "postgresql":
        statements += POSTGRES_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(forwards, backwards),
    ]
