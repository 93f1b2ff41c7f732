"""The catalogue's facet counts, kept up to date by PostgreSQL (``FacetCount``; see its docstring).

Statement-level triggers on ``catalogue_offeringsearch`` append, for every statement that inserts, updates or
deletes search rows, one signed row per group of facet values its rows leave or join, read from the
statement's transition tables (``old_rows``, ``new_rows``). An ``INSERT ... ON CONFLICT DO UPDATE`` (the way
``search_index_refresh`` writes) fires both the insert trigger, for the rows it inserted, and the update
trigger, for the rows it updated; an update that changes no grouped column adds nothing. Appending instead
of updating one row per group means two transactions writing search rows never wait on each other's
counts. ``TRUNCATE`` of the search rows empties the counts.

The groups are the two grouping sets of ``catalogue.search.GROUPED_COLUMNS``; tests/catalogue/
test_facet_counts.py holds the counts equal to a recount. The existing rows are counted once here, after
the triggers exist: creating a trigger locks the table against writes until this migration commits, so
no write falls between the two. On SQLite (the demo default) only the empty table is created.
"""

from django.db import migrations, models

from core.db import postgresql_only

SETS = (
    "institution_id, city, mode, start_month, enrol_opens_at, enrol_closes_at",
    "theme_mask, ec_band, language, level, is_microcredential, route_mask",
)
COLUMNS = f"{SETS[0]}, {SETS[1]}"
GROUPS = f"GROUP BY GROUPING SETS (({SETS[0]}), ({SETS[1]}))"
INSERT = f"INSERT INTO catalogue_facetcount (grouping_set, {COLUMNS}, rows)"
SELECT = f"SELECT GROUPING(institution_id), {COLUMNS}"

POSTGRES_SQL = [
    f"""
    CREATE FUNCTION catalogue_facetcount_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {INSERT} {SELECT}, count(*) FROM new_rows WHERE visible_public {GROUPS};
        ELSIF TG_OP = 'DELETE' THEN
            {INSERT} {SELECT}, -count(*) FROM old_rows WHERE visible_public {GROUPS};
        ELSE
            {INSERT} {SELECT}, sum(delta) FROM (
                SELECT {COLUMNS}, -1 AS delta FROM old_rows WHERE visible_public
                UNION ALL SELECT {COLUMNS}, 1 FROM new_rows WHERE visible_public
            ) AS moved {GROUPS} HAVING sum(delta) <> 0;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION catalogue_facetcount_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM catalogue_facetcount;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER offeringsearch_facetcount_insert AFTER INSERT ON catalogue_offeringsearch"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalogue_facetcount_apply()",
    "CREATE TRIGGER offeringsearch_facetcount_update AFTER UPDATE ON catalogue_offeringsearch"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION catalogue_facetcount_apply()",
    "CREATE TRIGGER offeringsearch_facetcount_delete AFTER DELETE ON catalogue_offeringsearch"
    " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalogue_facetcount_apply()",
    "CREATE TRIGGER offeringsearch_facetcount_truncate AFTER TRUNCATE ON catalogue_offeringsearch"
    " FOR EACH STATEMENT EXECUTE FUNCTION catalogue_facetcount_clear()",
    f"{INSERT} {SELECT}, count(*) FROM catalogue_offeringsearch WHERE visible_public {GROUPS}",
]
POSTGRES_REVERSE = [
    *(
        f"DROP TRIGGER IF EXISTS offeringsearch_facetcount_{operation} ON catalogue_offeringsearch"
        for operation in ("insert", "update", "delete", "truncate")
    ),
    "DROP FUNCTION IF EXISTS catalogue_facetcount_apply()",
    "DROP FUNCTION IF EXISTS catalogue_facetcount_clear()",
]


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0005_drop_public_start_on_postgresql")]

    operations = [
        migrations.CreateModel(
            name="FacetCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("grouping_set", models.PositiveSmallIntegerField()),
                ("institution_id", models.BigIntegerField(null=True)),
                ("city", models.CharField(max_length=100, null=True)),
                ("mode", models.CharField(max_length=10, null=True)),
                ("start_month", models.CharField(max_length=7, null=True)),
                ("enrol_opens_at", models.DateTimeField(null=True)),
                ("enrol_closes_at", models.DateTimeField(null=True)),
                ("theme_mask", models.BigIntegerField(null=True)),
                ("ec_band", models.CharField(max_length=5, null=True)),
                ("language", models.CharField(max_length=2, null=True)),
                ("level", models.CharField(max_length=12, null=True)),
                ("is_microcredential", models.BooleanField(null=True)),
                ("route_mask", models.IntegerField(null=True)),
                ("rows", models.IntegerField()),
            ],
            options={"verbose_name": "facet count", "verbose_name_plural": "facet counts"},
        ),
        postgresql_only(POSTGRES_SQL, POSTGRES_REVERSE),
    ]
