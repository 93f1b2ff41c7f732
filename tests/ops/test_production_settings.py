"""portal.settings.production: ``check --deploy`` is clean with realistic values, and the process refuses
to start, saying why, when a secret or an address is missing."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**overrides: str | None) -> dict[str, str]:
    """A realistic production environment, built from scratch so nothing leaks in from the test run."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(Path.home()),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(48)[:64],
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "flexportal.nl,www.flexportal.nl",
        "CSRF_TRUSTED_ORIGINS": "https://flexportal.nl,https://www.flexportal.nl",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/flexportal"),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--database", "default", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_zero_warnings():
    env = _production_env()
    assert len(env["SECRET_KEY"]) == 64

    completed = _check_deploy(env)

    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in completed.stdout
    assert "WARNING" not in output.upper()


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("changeme", id="short"),
        pytest.param("ab" * 40, id="repetitive"),
        pytest.param("django-insecure-" + secrets.token_urlsafe(48), id="startproject-default"),
    ],
)
def test_refuses_to_start_without_a_strong_secret_key(secret_key):
    completed = _check_deploy(_production_env(SECRET_KEY=secret_key))

    assert completed.returncode != 0
    assert "ImproperlyConfigured" in completed.stderr
    assert "SECRET_KEY is missing or too weak" in completed.stderr
    assert "at least 50 characters" in completed.stderr


@pytest.mark.parametrize("variable", ["ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"])
def test_refuses_to_start_without_an_address(variable):
    completed = _check_deploy(_production_env(**{variable: None}))

    assert completed.returncode != 0
    assert f"{variable} is not set. Production needs" in completed.stderr


@pytest.mark.parametrize("key", [None, "", "not-a-fernet-key"])
def test_refuses_to_start_without_a_field_encryption_key_of_its_own(key):
    """Without one, stored credentials were encrypted with a key derived from SECRET_KEY: rotating that
    secret made them read as empty, silently."""
    completed = _check_deploy(_production_env(FIELD_ENCRYPTION_KEY=key))

    assert completed.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is missing or not a Fernet key" in completed.stderr


def test_wsgi_application_loads_with_production_settings():
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from portal.wsgi import application; "
            "print(type(application).__name__, type(application.application).__name__)",
        ],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ChunkedBodyLimit WSGIHandler"  # the chunked-body cap around Django


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("postgres//db.internal/flexportal", id="no-scheme-separator"),
        pytest.param("db.internal", id="no-scheme"),
        pytest.param("postgres://flexportal:s3cret-pw@db.internal:port/flexportal", id="port-not-a-number"),
        pytest.param("postgres://flexportal:s3cret-pw@db.internal:5432/", id="no-database-name"),
        pytest.param("mysql://flexportal:s3cret-pw@db.internal/flexportal", id="another-engine"),
        pytest.param("htps://flexportal:s3cret-pw@db.internal/flexportal", id="unknown-scheme"),
    ],
)
def test_refuses_to_start_with_a_malformed_database_url(url):
    """Issue #5: a malformed DATABASE_URL gave ``KeyError: 'ENGINE'``; now the refusal says what is wrong,
    without repeating the URL (it carries the password)."""
    completed = _check_deploy(_production_env(DATABASE_URL=url))

    assert completed.returncode != 0
    assert "KeyError" not in completed.stderr
    assert "Flexportal refuses to start: DATABASE_URL is not a PostgreSQL URL the portal can read" in completed.stderr
    assert "postgres://user:password@db:5432/flexportal" in completed.stderr
    assert "s3cret-pw" not in completed.stderr


def test_production_security_settings():
    """What issue #5 added to production: a strict CSP, one trusted proxy by default, an hour's OOAPI tokens,
    a request-size cap, login rate limits and a write throttle."""
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES'], "
        "'proxies': s.ALLAUTH_TRUSTED_PROXY_COUNT, 'token': s.OAUTH2_PROVIDER['ACCESS_TOKEN_EXPIRE_SECONDS'], "
        "'cap': s.PORTAL_MAX_REQUEST_BYTES, 'login': s.ACCOUNT_RATE_LIMITS['login_failed'], "
        "'writes': s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['writes'], 'middleware': s.MIDDLEWARE}, default=str))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env=_production_env(OOAPI_ACCESS_TOKEN_SECONDS="36000"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    values = __import__("json").loads(completed.stdout)

    assert values["csp"]["script-src"] == ["'self'"]
    assert values["csp"]["style-src"] == ["'self'"]
    assert values["csp"]["default-src"] == ["'self'"]
    assert values["csp"]["frame-ancestors"] == ["'none'"]
    assert values["proxies"] == 1
    assert values["token"] == 3600  # never more than an hour, whatever the environment asks
    assert values["cap"] == 10 * 1024 * 1024
    assert values["login"] == "10/m/ip,5/5m/key"
    assert values["writes"] == "30/min"
    assert "csp.middleware.CSPMiddleware" in values["middleware"]
    assert values["middleware"].index("core.middleware.RequestSizeLimitMiddleware") < values["middleware"].index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )
