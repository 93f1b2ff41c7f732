"""PostgreSQL: drop ``offeringsearch_public_start`` (visible_public, start_date, offering_id).

Since 0004, ``offeringsearch_page`` has the same order for public rows and carries every facet column. The
older, narrower index only misled the planner: for a question with facets ticked it walked that index in
start-date order and read each row from the table to test the facets, so a combination no offering has
(online courses in two cities, say) read the whole table, 162 ms at 100,000 offerings; on
``offeringsearch_page`` the same walk tests the facets in the index, 39 ms (docs/benchmarks.md). SQLite
(the demo default) keeps it.
"""

from django.db import migrations

INDEX = "offeringsearch_public_start"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalogue_offeringsearch (visible_public, start_date, offering_id)"
        )


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0004_search_covering_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
