"""What a provider client may see, with the joins its pages need.

- Catalogue: every institution's publicly visible course offerings (visible to partner institutions'
  students, guests or professionals; not archived), and everything of the client's own institution.
  Courses are shared when one of their offerings is. Organizations, academic sessions and programs are
  public.
- With the eduXchange consumer (``consumer=eduxchange``): what is published to an eduXchange alliance.
  Courses published to at least one alliance that have an offering for partners' students, those
  offerings, and programmes published to an alliance; each with its publications, for the consumer block.
- Associations (enrolment requests: personal data): only where the client's institution is the home
  or the host. Drafts are not associations yet.
- Persons: only the client's own students.

Modules and their offerings are not OOAPI courses and are not served.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from catalogue.models import Course, CoursePublication, Offering
from enrolment.models import EnrolmentRequest, Status
from enrolment.permissions import HOST_HAS_IT
from institutions.models import (
    AcademicPeriod,
    AcademicYear,
    Institution,
    OrganisationalUnit,
    Programme,
    ProgrammePublication,
)
from ooapi.models import AssociationResult

PUBLIC = Q(visible_partners=True) | Q(visible_guests=True) | Q(visible_professionals=True)
EDUXCHANGE = "eduxchange"


def _shared(institution_id: int, consumer: str | None) -> Q:
    """Offerings (by their own fields) a client of ``institution_id`` may see; with the eduXchange
    consumer only those meant for students of other institutions, of a course published to an alliance."""
    if consumer == EDUXCHANGE:
        published = CoursePublication.objects.filter(course=OuterRef("course"))
        return Q(visible_partners=True, is_archived=False) & Q(Exists(published))
    return Q(is_archived=False) & (PUBLIC | Q(institution_id=institution_id))


def _publications(model) -> QuerySet:
    return model.objects.select_related("alliance", "theme").order_by("alliance__code")


def offerings_visible(*, institution_id: int, consumer: str | None = None) -> QuerySet[Offering]:
    queryset = (
        Offering.objects.filter(course__isnull=False)
        .filter(_shared(institution_id, consumer))
        .select_related(
            "course__institution", "course__unit", "institution", "period__academic_year", "period__institution"
        )
    )
    if consumer == EDUXCHANGE:
        queryset = queryset.prefetch_related(
            Prefetch("course__publications", queryset=_publications(CoursePublication))
        )
    return queryset


def courses_visible(*, institution_id: int, consumer: str | None = None) -> QuerySet[Course]:
    shared = Offering.objects.filter(course=OuterRef("pk")).filter(_shared(institution_id, consumer))
    visible = Exists(shared) if consumer == EDUXCHANGE else Exists(shared) | Q(institution_id=institution_id)
    queryset = Course.objects.filter(visible).select_related("institution", "unit")
    if consumer == EDUXCHANGE:
        queryset = queryset.prefetch_related(Prefetch("publications", queryset=_publications(CoursePublication)))
    return queryset


def offerings_of_course(*, course: Course, institution_id: int, consumer: str | None = None) -> QuerySet[Offering]:
    return offerings_visible(institution_id=institution_id, consumer=consumer).filter(course=course)


def programmes(*, consumer: str | None = None) -> QuerySet[Programme]:
    queryset = Programme.objects.select_related("institution", "unit")
    if consumer == EDUXCHANGE:
        queryset = queryset.filter(Exists(ProgrammePublication.objects.filter(programme=OuterRef("pk"))))
        queryset = queryset.prefetch_related(Prefetch("publications", queryset=_publications(ProgrammePublication)))
    return queryset


def institutions() -> QuerySet[Institution]:
    return Institution.objects.all()


def units() -> QuerySet[OrganisationalUnit]:
    return OrganisationalUnit.objects.select_related("institution")


def academic_years() -> QuerySet[AcademicYear]:
    return AcademicYear.objects.select_related("institution")


def academic_periods() -> QuerySet[AcademicPeriod]:
    return AcademicPeriod.objects.select_related("institution", "academic_year__institution")


def associations_visible(*, institution_id: int) -> QuerySet[EnrolmentRequest]:
    """The enrolments a client institution may read: its own students' (once submitted), and as the host
    those its students' home has approved, never one that ended before that (``HOST_HAS_IT``)."""
    return (
        EnrolmentRequest.objects.filter(offering__course__isnull=False)
        .exclude(status=Status.DRAFT)
        .filter(Q(home_institution_id=institution_id) | (Q(host_institution_id=institution_id) & HOST_HAS_IT))
        .prefetch_related(Prefetch("ooapi_results", queryset=AssociationResult.objects.order_by("pk")))
    )


def offering_for_associations(*, institution_id: int) -> QuerySet[Offering]:
    """Course offerings whose associations a client may list: those it may see, and any its own
    students asked for (even archived or no longer shared)."""
    own_students = EnrolmentRequest.objects.filter(offering=OuterRef("pk"), home_institution_id=institution_id)
    return Offering.objects.filter(course__isnull=False).filter(
        _shared(institution_id, None) | Q(institution_id=institution_id) | Exists(own_students)
    )
