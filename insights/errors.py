"""The dashboards' refusals: a filter the dashboards do not know or cannot apply (400), and a dashboard the
user may not open (403)."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, PermissionDeniedError

UNKNOWN_FILTER = _("Unknown filter: %(names)s. The dashboards filter on: %(known)s.")
BAD_VALUE = _("The filter %(name)s cannot be %(value)s: %(why)s")
DATE_RANGE = _("The date range is impossible: 'from' (%(start)s) is after 'to' (%(end)s).")
NOT_COORDINATOR = _("Only zone coordinators see the zone's dashboard.")
NOT_STAFF_HERE = _("You see the dashboard of your own institution only.")


class FilterError(ApplicationError):
    status_code = 400
    code = "invalid_filter"


class DashboardDeniedError(PermissionDeniedError):
    code = "dashboard_denied"
