# Flexportal: one image for the web server (gunicorn), the Celery worker and beat, and the one-shot
# migrate job. See docs/operations.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=portal.settings.production

# gettext: compilemessages turns locale/*/LC_MESSAGES/*.po into the .mo files Django reads.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 flexportal \
    && useradd --system --uid 1000 --gid flexportal --create-home --home-dir /home/flexportal flexportal

WORKDIR /app

# Dependencies first, pinned by the lock file, so that a code change reuses this layer.
# pyproject.toml declares no packages: this installs the dependencies; the code runs from /app.
COPY pyproject.toml requirements.lock ./
RUN pip install -c requirements.lock .

COPY . .

# Translations and static files are built into the image, so the web server, the worker and beat all
# have the same .mo files and the same hashed static manifest. The production settings must load for
# this, but neither step opens the database or Redis: the values below exist only during this RUN and
# are not kept in the image.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    FIELD_ENCRYPTION_KEY="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build@build.invalid:5432/build \
    REDIS_URL=redis://build.invalid:6379/0 \
    sh -c 'python manage.py compilemessages -v0 && python manage.py collectstatic --noinput -v0'

# Uploaded files (MEDIA_ROOT) live in a volume mounted here; everything else in /app stays read-only.
RUN mkdir -p /app/var/media && chown -R flexportal:flexportal /app/var

USER flexportal
EXPOSE 8000

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--worker-tmp-dir", "/dev/shm"]
