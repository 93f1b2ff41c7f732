"""Reads of results, always through enrolment's visibility: whoever may see a request sees its results."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.selectors import staff_role_pairs
from enrolment.models import EnrolmentRequest, Status
from enrolment.permissions import HOST_ROLES, has_role, host_has, visible_requests
from enrolment.selectors import request_by_public_id
from institutions.models import Institution
from results.errors import NotHostError
from results.models import Result


def results_of(user, public_id) -> tuple[EnrolmentRequest, list[Result]]:
    """A request ``user`` may see and its results, newest first (the first is the current one).
    Raises RequestNotFoundError (404) otherwise."""
    request = request_by_public_id(user, public_id)
    history = list(Result.objects.filter(request=request).select_related("recorded_by", "corrects").order_by("-pk"))
    return request, history


def is_host(user, request: EnrolmentRequest) -> bool:
    """``user`` is admissions staff of the request's host, which has the request."""
    return host_has(request) and has_role(user, request.host_institution_id, *HOST_ROLES)


def may_record(user, request: EnrolmentRequest) -> bool:
    return request.status in (Status.REGISTERED, Status.COMPLETED) and is_host(user, request)


def host_institutions(user) -> list[Institution]:
    """The institutions for which ``user`` records results (host admissions)."""
    ids = {inst for inst, role in staff_role_pairs(user=user) if role in HOST_ROLES}
    return list(Institution.objects.filter(pk__in=ids).order_by("name"))


def results_to_record(user, institution: Institution) -> QuerySet[EnrolmentRequest]:
    """Registered requests at ``institution`` whose offering has ended and that have no result yet,
    earliest end first. Only for its host admissions (NotHostError otherwise)."""
    if not has_role(user, institution.pk, *HOST_ROLES):
        raise NotHostError()
    return (
        visible_requests(user)
        .filter(host_institution=institution, status=Status.REGISTERED, offering__end_date__lte=timezone.localdate())
        .annotate(has_result=Exists(Result.objects.filter(request=OuterRef("pk"))))
        .filter(has_result=False)
        .select_related("offering__course", "offering__module", "student__user", "home_institution")
        .order_by("offering__end_date", "pk")
    )


def results_recorded(user, institution: Institution) -> QuerySet[Result]:
    """The current results recorded at ``institution``, newest first."""
    if not has_role(user, institution.pk, *HOST_ROLES):
        raise NotHostError()
    return (
        Result.objects.filter(request__host_institution=institution, corrected_by__isnull=True)
        .select_related("request__offering__course", "request__offering__module", "request__student__user")
        .order_by("-pk")
    )
