"""The request cube (``insights.models.RequestCube``): a materialised view on PostgreSQL, refreshed by
``insights.services.cube_refresh``; a plain view on SQLite (the embedded default), so counted live there.

The SQL is written out here, as it stood when this migration was made; a later change to the cube is a new
migration that drops and recreates the view. The day of submission is taken in the portal's time zone
(``TIME_ZONE``) as it is when the migration runs."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Statuses, as strings: a migration does not import the models it may outlive.
NOW_ADMITTED = "'admitted', 'registered', 'completed'"
REGISTERED = "'registered', 'completed'"
LEFT = "'withdrawn', 'cancelled', 'expired'"

COUNTS = f"""
    SUM(CASE WHEN r.home_approved_at IS NOT NULL THEN 1 ELSE 0 END) AS home_approved,
    SUM(CASE WHEN r.status IN ({NOW_ADMITTED})
                  OR (r.home_registered_at IS NOT NULL AND r.host_registered_at IS NOT NULL)
                  OR (r.status IN ({LEFT}) AND EXISTS (
                        SELECT 1 FROM enrolment_requestevent e WHERE e.request_id = r.id AND e.to_status = 'admitted'))
             THEN 1 ELSE 0 END) AS admitted,
    SUM(CASE WHEN r.status IN ({REGISTERED})
                  OR (r.home_registered_at IS NOT NULL AND r.host_registered_at IS NOT NULL)
             THEN 1 ELSE 0 END) AS registered,
    SUM(CASE WHEN r.status = 'completed' THEN 1 ELSE 0 END) AS completed,
    MIN(r.submitted_at) AS first_submitted_at
"""


def _select(day: str, month: str) -> str:
    return f"""
SELECT row_number() OVER (ORDER BY c.day, c.home_key, c.host_id, c.route, c.period_id) AS id, c.*
FROM (
    SELECT {day} AS day, {month} AS month,
        r.home_institution_id AS home_id, COALESCE(r.home_institution_id, 0) AS home_key,
        r.host_institution_id AS host_id, r.route AS route, o.period_id AS period_id,
        COUNT(*) AS submitted,
        {COUNTS}
    FROM enrolment_enrolmentrequest r JOIN catalogue_offering o ON o.id = r.offering_id
    WHERE r.submitted_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7
) c
"""


def create(apps, schema_editor):
    connection = schema_editor.connection
    zone = settings.TIME_ZONE.replace("'", "")
    if connection.vendor == "postgresql":
        local = f"(r.submitted_at AT TIME ZONE '{zone}')"
        select = _select(f"{local}::date", f"date_trunc('month', {local})::date")
        schema_editor.execute(f"CREATE MATERIALIZED VIEW insights_requestcube AS {select}")
        # REFRESH ... CONCURRENTLY needs a unique index over every row; the filters' columns come first.
        schema_editor.execute(
            "CREATE UNIQUE INDEX insights_requestcube_cell ON insights_requestcube "
            "(day, home_key, host_id, route, period_id)"
        )
    else:
        # Django registers these functions on its SQLite connections (the time-zone-aware date of a
        # timestamp): the same day as on PostgreSQL.
        day = f"django_datetime_cast_date(r.submitted_at, '{zone}', 'UTC')"
        month = f"substr({day}, 1, 8) || '01'"
        schema_editor.execute(f"CREATE VIEW insights_requestcube AS {_select(day, month)}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP MATERIALIZED VIEW IF EXISTS insights_requestcube")
    else:
        schema_editor.execute("DROP VIEW IF EXISTS insights_requestcube")


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0011_module_stacks_into"),
        ("enrolment", "0011_admission_queue"),
        ("institutions", "0003_alliance_reference_data"),
        ("insights", "0001_lead_times"),
    ]

    operations = [
        migrations.CreateModel(
            name="CubeMark",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("signature", models.CharField(max_length=200)),
                ("refreshed_at", models.DateTimeField()),
            ],
        ),
        migrations.CreateModel(
            name="RequestCube",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("day", models.DateField()),
                ("month", models.DateField()),
                ("route", models.CharField(max_length=32)),
                ("submitted", models.IntegerField()),
                ("home_approved", models.IntegerField()),
                ("admitted", models.IntegerField()),
                ("registered", models.IntegerField()),
                ("completed", models.IntegerField()),
                ("first_submitted_at", models.DateTimeField()),
                (
                    "home",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="institutions.institution",
                    ),
                ),
                (
                    "host",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="institutions.institution",
                    ),
                ),
                (
                    "period",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="institutions.academicperiod",
                    ),
                ),
            ],
            options={"db_table": "insights_requestcube", "managed": False},
        ),
        migrations.RunPython(create, drop),
    ]
