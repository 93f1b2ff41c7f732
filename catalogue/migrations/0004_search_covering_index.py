"""PostgreSQL: two indexes over the public search rows, so that catalogue questions without text never read
the wide rows (summaries, tsvector); see catalogue.search and docs/benchmarks.md.

- ``offeringsearch_facets``: every column the facet counts group by, as keys. The counts become an
  index-only scan whose first grouping set arrives sorted (no hashing); equal keys are deduplicated, so
  the index stays small.
- ``offeringsearch_page``: start-date order plus everything a page filters and sorts by, so a page's ids
  come from an index-only walk (start date) or a top-N over it (the other sorts).

On SQLite (the demo default) nothing changes.
"""

from django.db import migrations

from core.db import postgresql_only

POSTGRES_SQL = [
    "CREATE INDEX IF NOT EXISTS offeringsearch_facets ON catalogue_offeringsearch"
    " (institution_id, city, mode, start_month, enrol_opens_at, enrol_closes_at,"
    " theme_mask, ec_band, language, level, is_microcredential, route_mask) WHERE visible_public",
    "CREATE INDEX IF NOT EXISTS offeringsearch_page ON catalogue_offeringsearch (start_date, offering_id)"
    " INCLUDE (institution_id, city, mode, start_month, enrol_opens_at, enrol_closes_at, theme_mask, ec_band,"
    " language, level, is_microcredential, route_mask, ec, capacity, seats_taken, title_nl, title_en)"
    " WHERE visible_public",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS offeringsearch_facets", "DROP INDEX IF EXISTS offeringsearch_page"]


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0003_offering_admission")]

    operations = [postgresql_only(POSTGRES_SQL, POSTGRES_REVERSE)]
