"""Reads of results, always through enrolment's visibility: whoever may see a request sees its results."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import StaffRole, StudentProfile
from accounts.selectors import staff_role_pairs
from catalogue.models import Offering
from enrolment.models import EnrolmentRequest, Status
from enrolment.permissions import HOST_ROLES, has_role, host_has, visible_requests
from enrolment.selectors import request_by_public_id
from institutions.models import Institution
from results.errors import NotHostError
from results.models import ConversionTable, Recognition, RecognitionPrecedent, Result

BOARD = StaffRole.Role.EXAMINATION_BOARD


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
    return list(Institution.objects.filter(pk__in=ids).order_by("code"))


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


def board_institutions(user) -> list[Institution]:
    ids = {inst for inst, role in staff_role_pairs(user=user) if role == BOARD}
    return list(Institution.objects.filter(pk__in=ids).order_by("code"))


def board_queue(user, *, status: str = "waiting") -> QuerySet[Recognition]:
    """Recognitions of the students of the institutions where ``user`` is on the examination board,
    oldest first (waiting), or newest decided first."""
    ids = [inst.pk for inst in board_institutions(user)]
    queryset = Recognition.objects.filter(request__home_institution_id__in=ids).select_related(
        "request__offering__course",
        "request__offering__module",
        "request__offering__institution",
        "request__student__user",
        "programme",
        "result",
        "precedent",
        "decided_by",
    )
    if status == "waiting":
        return queryset.filter(status=Recognition.Status.WAITING).order_by("created_at", "pk")
    return queryset.exclude(status=Recognition.Status.WAITING).order_by("-decided_at", "-pk")


def precedents_for_board(user, *, query: str = "") -> QuerySet[RecognitionPrecedent]:
    """The precedents of the programmes of the boards ``user`` sits on, searchable by course code or title
    and programme name."""
    ids = [inst.pk for inst in board_institutions(user)]
    queryset = RecognitionPrecedent.objects.filter(programme__institution_id__in=ids).select_related(
        "programme", "course__institution", "decided_by"
    )
    if query:
        queryset = queryset.filter(
            Q(course__code__icontains=query)
            | Q(course__title_nl__icontains=query)
            | Q(course__title_en__icontains=query)
            | Q(programme__name_nl__icontains=query)
            | Q(programme__name_en__icontains=query)
            | Q(counts_as__icontains=query)
        )
    return queryset.order_by("programme__name_en", "course__code")


def transcript(user) -> list[dict]:
    """The student's courses taken elsewhere with a result: the current result and its recognition."""
    requests = (
        visible_requests(user)
        .filter(student__user_id=user.pk, results__isnull=False)
        .distinct()
        .select_related("offering__course", "offering__module", "host_institution")
        .order_by("offering__end_date", "pk")
    )
    rows = []
    for request in requests:
        current = Result.objects.filter(request=request, corrected_by__isnull=True).order_by("-pk").first()
        recognition = (
            Recognition.objects.filter(request=request, kind=Recognition.Kind.CREDIT)
            .exclude(status=Recognition.Status.WITHDRAWN)
            .order_by("-pk")
            .first()
        )
        rows.append({"request": request, "result": current, "recognition": recognition})
    return rows


def recognitions_of(user, request: EnrolmentRequest) -> list[Recognition]:
    """The recognitions of a request ``user`` may see (the caller has checked that)."""
    return list(Recognition.objects.filter(request=request).select_related("precedent").order_by("-pk"))


def conversion_tables() -> QuerySet[ConversionTable]:
    return ConversionTable.objects.select_related("from_institution", "to_institution").prefetch_related("rows")


def may_ask_preapproval(user, request: EnrolmentRequest) -> bool:
    """The student's own request, under way, before the course starts, with no pre-approval open or given."""
    return (
        request.student.user_id == user.pk
        and request.status in PRE_APPROVABLE
        and request.offering.start_date > timezone.localdate()
        and not Recognition.objects.filter(
            request=request, kind=Recognition.Kind.PRE_APPROVAL, status__in=("waiting", "recognised")
        ).exists()
    )


PRE_APPROVABLE = (Status.SUBMITTED, Status.HOME_APPROVED, Status.WAITLISTED, Status.SEAT_OFFERED, Status.ADMITTED)


def results_visible(user) -> QuerySet[Result]:
    """Results of the requests ``user`` may see: their own, and their institutions' as home or host staff."""
    return (
        Result.objects.filter(request__in=visible_requests(user))
        .select_related("request", "recorded_by", "corrects")
        .order_by("-pk")
    )


def recognitions_visible(user) -> QuerySet[Recognition]:
    """The student's own recognitions, and those of the students of the boards ``user`` sits on."""
    if not user.is_authenticated:
        return Recognition.objects.none()
    boards = [inst.pk for inst in board_institutions(user)]
    return (
        Recognition.objects.filter(Q(request__student__user_id=user.pk) | Q(request__home_institution_id__in=boards))
        .select_related("request", "programme", "result", "precedent")
        .order_by("-pk")
    )


def precedents_matching(request: EnrolmentRequest, on) -> list[dict]:
    """For enrolment's request page: the precedents valid on ``on`` that cover the request's course for the
    student's programme, as the page shows them."""
    programme_id, course_id = request.student.programme_id, request.offering.course_id
    if not programme_id or not course_id:
        return []
    precedents = (
        RecognitionPrecedent.objects.filter(programme_id=programme_id, course_id=course_id)
        .valid_on(on)
        .select_related("programme")
    )
    return [
        {
            "label": _("Recognition precedent"),
            "programme": precedent.programme.name,
            "counts_as": precedent.counts_as,
            "decided_at": precedent.decided_at,
            "valid_until": precedent.valid_until,
        }
        for precedent in precedents
    ]


def offerings_counting_for(user) -> frozenset[int] | None:
    """For the catalogue's "counts for my programme": the offerings of courses that a precedent valid today
    counts for the student's programme. None for anyone who is not a student with a programme."""
    programme_id = (
        StudentProfile.objects.filter(user_id=user.pk).values_list("programme_id", flat=True).first()
        if user.is_authenticated
        else None
    )
    if not programme_id:
        return None
    today = timezone.localdate()
    courses = RecognitionPrecedent.objects.filter(programme_id=programme_id).valid_on(today).values("course_id")
    return frozenset(Offering.objects.filter(course_id__in=courses, is_archived=False).values_list("pk", flat=True))


def precedents_version(user) -> str:
    """Changes when the precedents that may count for ``user`` change (the catalogue's ETag)."""
    latest = RecognitionPrecedent.objects.order_by("-decided_at").values_list("decided_at", flat=True).first()
    return f"{RecognitionPrecedent.objects.count()}:{latest}:{timezone.localdate()}"
