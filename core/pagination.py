from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class PortalPagination(PageNumberPagination):
    """Page-number pagination with ``count``; a page size over the limit is a 400, not a silent clamp."""

    page_size_query_param = "page_size"
    max_page_size = settings.CATALOGUE_MAX_PAGE_SIZE
    invalid_page_message = _("That page does not exist.")

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": [_("Page size must be a whole number.")]}) from None
        if size < 1 or size > self.max_page_size:
            raise ValidationError(
                {"page_size": [_("Page size must be between 1 and %(max)d.") % {"max": self.max_page_size}]}
            )
        return size
