"""PostgreSQL: drop ``offeringsearch_public_start`` (visible_public, start_date, offering_id).

Since 0004, ``offeringsearch_page`` has the same order for public rows and carries every facet column. The
older, narrower index only misled the planner: for a question with facets ticked it walked that index in
start-date order and read each row from the table to test the facets, so a combination no offering has
(online courses in two cities, say) read the whole table, 162 ms at 100,000 offerings; on
``offeringsearch_page`` the same walk tests the facets in the index, 39 ms (docs/benchmarks.md). SQLite
(the demo default) keeps it.
"""

from django.db import migrations

from core.db import postgresql_only

INDEX = "offeringsearch_public_start"
POSTGRES_SQL = [f"DROP INDEX IF EXISTS {INDEX}"]
POSTGRES_REVERSE = [
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalogue_offeringsearch (visible_public, start_date, offering_id)"
]


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0004_search_covering_index")]

    operations = [postgresql_only(POSTGRES_SQL, POSTGRES_REVERSE)]
