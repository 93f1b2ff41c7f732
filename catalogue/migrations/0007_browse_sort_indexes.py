"""PostgreSQL: one index per sort order of the catalogue page besides start date, over the public search rows.

Browsing the whole catalogue sorted by title, EC or free seats took a top-N over all public rows (45 ms at
100,000 offerings, docs/benchmarks.md) although it shows twenty; with these PostgreSQL walks the index and
stops after the page. Each key ends with the page order's tie-breakers (start date, offering id), so the
walk is the page order exactly.

Only browse questions may use them: their predicate holds ``seats_taken >= 0``, true of every row (a check
constraint) but stated only by the browse question (``catalogue.search._PostgresSearch.BROWSE_ONLY``).
Questions with facets ticked keep their plan, an index-only scan of ``offeringsearch_page``, which holds
every facet column (migration 0004): walking a sort index they would read rows from the table until twenty
pass. On SQLite nothing changes.
"""

from django.db import migrations

from core.db import postgresql_only

ORDERS = {
    "offeringsearch_sort_title_nl": "title_nl, start_date, offering_id",
    "offeringsearch_sort_title_en": "title_en, start_date, offering_id",
    "offeringsearch_sort_ec": "ec, start_date, offering_id",
    "offeringsearch_sort_ec_desc": "ec DESC, start_date, offering_id",
    "offeringsearch_sort_seats": "(capacity - seats_taken) DESC, start_date, offering_id",
}

POSTGRES_SQL = [
    f"CREATE INDEX IF NOT EXISTS {name} ON catalogue_offeringsearch ({keys}) WHERE visible_public AND seats_taken >= 0"
    for name, keys in ORDERS.items()
]
POSTGRES_REVERSE = [f"DROP INDEX IF EXISTS {name}" for name in ORDERS]


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0006_facet_counts")]

    operations = [postgresql_only(POSTGRES_SQL, POSTGRES_REVERSE)]
