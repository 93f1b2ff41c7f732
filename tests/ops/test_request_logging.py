"""One JSON line per request on ``portal.request``: method, path, status, duration, user id; no personal data."""

import datetime as dt
import json
import logging

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

KEYS = {"method", "path", "status", "duration_ms", "user_id"}


def _json_line(record: logging.LogRecord) -> dict:
    """Format ``record`` with the JSON formatter configured in settings.LOGGING, as production prints it."""
    config = dict(settings.LOGGING["formatters"]["json"])
    formatter = import_string(config.pop("()"))(**config)
    return json.loads(formatter.format(record))


def _request_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "portal.request"]


@pytest.mark.django_db
def test_anonymous_request_logs_one_json_line(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")

    client.get(reverse("healthz") + "?email=student@example.nl")

    [record] = _request_records(caplog)
    assert record.levelno == logging.INFO
    line = _json_line(record)
    assert set(line) >= KEYS
    assert line["method"] == "GET"
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["logger"] == "portal.request" and line["level"] == "INFO"
    assert dt.datetime.fromisoformat(line["time"]).utcoffset() == dt.timedelta(0)
    # The query string (search terms, form values) is never logged.
    assert "student@example.nl" not in json.dumps(line)


@pytest.mark.django_db
def test_logged_in_request_logs_the_user_id_but_no_email_or_name(admin_client, admin_user, caplog):
    admin_user.first_name, admin_user.last_name = "Anna", "de Vries"
    admin_user.save()
    caplog.set_level(logging.INFO, logger="portal.request")

    admin_client.get(reverse("admin:index"))

    [record] = _request_records(caplog)
    line = _json_line(record)
    assert line["user_id"] == admin_user.pk
    assert line["status"] == 200
    text = json.dumps(line)
    for personal in (admin_user.email, "Anna", "de Vries"):
        assert personal not in text


@pytest.mark.django_db
def test_errors_and_redirects_are_logged_with_their_status(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")

    client.get("/this-page-does-not-exist/")
    client.get(reverse("admin:index"))  # anonymous: redirected to the admin login

    assert [(r.path, r.status) for r in _request_records(caplog)] == [
        ("/this-page-does-not-exist/", 404),
        (reverse("admin:index"), 302),
    ]
