"""Conditional GETs for catalogue reads: an ETag that changes with the catalogue, plus Last-Modified."""

from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from catalogue.selectors import catalogue_etag, catalogue_stamp


class CatalogueConditionalMixin:
    """For DRF read views: answers 304 to a matching ``If-None-Match`` and sets ETag/Last-Modified."""

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            stamp = catalogue_stamp()  # read once: the ETag and Last-Modified both come from it
            self._etag = f'"{catalogue_etag(request, stamp=stamp)}"'
            self._last_modified = stamp.timestamp() if stamp else None
            not_modified = get_conditional_response(request, etag=self._etag)
            if not_modified is not None:
                return not_modified
        return super().dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200 and getattr(self, "_etag", None):
            response["ETag"] = self._etag
            if self._last_modified:
                response["Last-Modified"] = http_date(self._last_modified)
            response["Cache-Control"] = "private, no-cache"
            response["Vary"] = "Accept, Accept-Language, Cookie, Authorization"
        return response
