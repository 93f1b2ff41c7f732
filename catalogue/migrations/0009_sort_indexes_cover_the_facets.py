"""PostgreSQL: the indexes per sort order hold every facet column, and every question without text may walk them.

Migration 0007 gave the browse question an index per sort order (title in each language, EC both ways, free
seats) and kept questions with facets ticked off them: walking such an index, a question read rows from the
table until twenty passed its facets, all of them for a combination nobody offers. With the facet columns
included the walk reads no table rows: a question whose facets many offerings pass stops after a few dozen
index entries instead of sorting every passing row for the top twenty, and the worst case, a combination
nobody offers, reads the whole index, about what the top-N reads now. At 100,000 offerings, each question of
the benchmark's mix on its own (docs/benchmarks.md): "language=nl&open=yes&route=off_the_beaten_path&
sort=ec_asc" 126 → 75 ms, the slowest facet questions 30 to 50 ms faster, the slowest ones made worse 31 →
45 ms; the mix's p95 95 → 79 ms. The browse question walks them as before (its predicate no longer needs
``seats_taken >= 0``). Each is 13 to 16 MB at 100,000 offerings, 0007's 4 to 10. On SQLite nothing changes.
"""

from django.db import migrations

from core.db import postgresql_only

# Everything a question without text filters by, so that walking an index in page order reads no table rows.
FACET_COLUMNS = (
    "institution_id, city, mode, start_month, enrol_opens_at, enrol_closes_at,"
    " theme_mask, ec_band, language, level, is_microcredential, route_mask"
)
ORDERS = {
    "offeringsearch_order_title_nl": ("title_nl, start_date, offering_id", ""),
    "offeringsearch_order_title_en": ("title_en, start_date, offering_id", ""),
    "offeringsearch_order_ec": ("ec, start_date, offering_id", ""),
    "offeringsearch_order_ec_desc": ("ec DESC, start_date, offering_id", ""),
    # An index-only scan of an expression index needs the expression's columns in the index as well.
    "offeringsearch_order_seats": ("(capacity - seats_taken) DESC, start_date, offering_id", ", capacity, seats_taken"),
}
BROWSE_ONLY = {  # migration 0007's
    "offeringsearch_sort_title_nl": "title_nl, start_date, offering_id",
    "offeringsearch_sort_title_en": "title_en, start_date, offering_id",
    "offeringsearch_sort_ec": "ec, start_date, offering_id",
    "offeringsearch_sort_ec_desc": "ec DESC, start_date, offering_id",
    "offeringsearch_sort_seats": "(capacity - seats_taken) DESC, start_date, offering_id",
}

POSTGRES_SQL = [
    *(
        f"CREATE INDEX IF NOT EXISTS {name} ON catalogue_offeringsearch ({keys})"
        f" INCLUDE ({FACET_COLUMNS}{extra}) WHERE visible_public"
        for name, (keys, extra) in ORDERS.items()
    ),
    *(f"DROP INDEX IF EXISTS {name}" for name in BROWSE_ONLY),
]
POSTGRES_REVERSE = [
    *(
        f"CREATE INDEX IF NOT EXISTS {name} ON catalogue_offeringsearch ({keys})"
        " WHERE visible_public AND seats_taken >= 0"
        for name, keys in BROWSE_ONLY.items()
    ),
    *(f"DROP INDEX IF EXISTS {name}" for name in ORDERS),
]


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0008_titles_matched_per_teachable")]

    operations = [postgresql_only(POSTGRES_SQL, POSTGRES_REVERSE)]
