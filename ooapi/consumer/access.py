"""Who may see and start catalogue imports: administrators, and the catalogue managers of an institution for
its own connection."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import StaffRole
from accounts.selectors import staff_institutions
from ooapi.models import Connection


def may_manage_imports(user) -> bool:
    """Superusers, and staff who manage an institution's catalogue."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or staff_institutions(user=user, role=StaffRole.Role.CATALOGUE_MANAGER).exists()


def import_connections_for(*, user) -> QuerySet[Connection]:
    """The connections whose imports ``user`` may see and start, institution loaded."""
    connections = Connection.objects.select_related("institution").order_by("institution__short_name")
    if user.is_superuser:
        return connections
    return connections.filter(
        institution__in=staff_institutions(user=user, role=StaffRole.Role.CATALOGUE_MANAGER).values("pk")
    )
