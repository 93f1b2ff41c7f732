"""PostgreSQL: typo-tolerant title matching per course and module instead of per offering.

A title is trigram-similar to the question or not whatever offering carries it, and an offering's titles
are its course's or module's (``search_index_refresh`` copies them). The search therefore finds the
matching titles among the courses and modules (GIN trigram indexes here), about a tenth of the rows and
fewer distinct titles, and then the offerings carrying them by equality (btree indexes on the public search
rows). Before, the trigram indexes on the search rows returned every offering of every candidate title
and PostgreSQL checked the similarity again on each: "climate advanced" spent 150 of its 190 ms at
100,000 offerings on 22,888 such checks (docs/benchmarks.md). The trigram indexes on the search rows are
no longer used and go. On SQLite nothing changes.
"""

from django.db import migrations

from core.db import postgresql_only

POSTGRES_SQL = [
    *(
        f"CREATE INDEX IF NOT EXISTS catalogue_{table}_{column}_trgm ON catalogue_{table} USING gin ({column} gin_trgm_ops)"
        for table in ("course", "module")
        for column in ("title_nl", "title_en")
    ),
    *(
        f"CREATE INDEX IF NOT EXISTS offeringsearch_{column} ON catalogue_offeringsearch ({column}) WHERE visible_public"
        for column in ("title_nl", "title_en")
    ),
    "DROP INDEX IF EXISTS offeringsearch_title_nl_trgm",
    "DROP INDEX IF EXISTS offeringsearch_title_en_trgm",
]
POSTGRES_REVERSE = [
    *(
        f"CREATE INDEX IF NOT EXISTS offeringsearch_{column}_trgm ON catalogue_offeringsearch"
        f" USING gin ({column} gin_trgm_ops)"
        for column in ("title_nl", "title_en")
    ),
    *(f"DROP INDEX IF EXISTS offeringsearch_{column}" for column in ("title_nl", "title_en")),
    *(
        f"DROP INDEX IF EXISTS catalogue_{table}_{column}_trgm"
        for table in ("course", "module")
        for column in ("title_nl", "title_en")
    ),
]


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0007_browse_sort_indexes")]

    operations = [postgresql_only(POSTGRES_SQL, POSTGRES_REVERSE)]
