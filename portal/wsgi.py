"""WSGI entry point for gunicorn (and runserver, through ``WSGI_APPLICATION``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

application = get_wsgi_application()

from core.middleware import ChunkedBodyLimit  # noqa: E402 (needs the settings configured above)

# A chunked body (no Content-Length) is read here, up to PORTAL_MAX_REQUEST_BYTES, where the server hands over the
# decoded body (gunicorn); core.middleware.RequestSizeLimitMiddleware refuses the rest before the body is read.
application = ChunkedBodyLimit(application)
