"""Portal objects as OOAPI v5 objects (plain dicts, ready for JSON).

Multilingual fields are lists of ``{language, value}`` in Dutch (``nl-NL``) and English (``en-GB``);
references are ids unless the caller expanded them. Nothing here queries the database: the selectors
load what a page needs up front, so a page costs the same number of queries whatever its size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Course, Offering
from enrolment.models import EnrolmentRequest, Status
from institutions.models import AcademicPeriod, AcademicYear, Institution, OrganisationalUnit, Programme, Publication
from ooapi.provider.ids import Kind, derived_id, object_id
from ooapi.provider.selectors import EDUXCHANGE

SPECIFICATION_URL = "https://open-education-api.github.io/specification/v5/docs.html"

TEACHING_LANGUAGE = {"nl": "nld", "en": "eng", "de": "deu"}
LEVEL = {"associate": "associate degree", "bachelor": "bachelor", "master": "master", "postgraduate": "undefined"}
LEVEL_OF_QUALIFICATION = {"associate": "5", "bachelor": "6", "master": "7"}
SECTOR = {"wo": "university education", "hbo": "higher professional education"}
MODE_OF_DELIVERY = {"on_campus": "on campus", "online": "online", "hybrid": "hybrid"}
UNIT_TYPE = {"faculty": "faculty", "school": "school", "department": "department", "institute": "institute"}
PERIOD_TYPE = {"semester": "semester", "quarter": "quarter", "trimester": "trimester", "block": "period"}
LANGUAGE_TAG = {"nl": "nl-NL", "en": "en-GB"}

# The request's lifecycle state, as the state of the association at this (the serving) side.
ASSOCIATION_STATE = {
    Status.SUBMITTED: "pending",
    Status.HOME_APPROVED: "pending",
    Status.SEAT_OFFERED: "pending",  # a freed seat waits for the student's yes
    Status.WAITLISTED: "queued",
    Status.ADMITTED: "associated",
    Status.REGISTERED: "associated",
    Status.COMPLETED: "associated",
    Status.HOME_DENIED: "denied",
    Status.HOST_DENIED: "denied",
    Status.CANCELLED: "canceled",
    Status.WITHDRAWN: "canceled",
    Status.EXPIRED: "canceled",
}


@dataclass(frozen=True)
class Context:
    request: HttpRequest
    expand: frozenset[str] = field(default_factory=frozenset)
    consumer: str | None = None


def texts(nl: str, en: str, *, required: bool = False) -> list[dict]:
    values = [{"language": tag, "value": value} for tag, value in (("nl-NL", nl), ("en-GB", en)) if value]
    if not values and required:
        # The schema needs at least one entry; an empty Dutch text says "none" without inventing one.
        values = [{"language": "nl-NL", "value": ""}]
    return values


def _put(target: dict, key: str, value) -> None:
    if value not in (None, "", []):
        target[key] = value


def _local_date(moment: dt.datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def _local_time(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


# Service


def service(request: HttpRequest) -> dict:
    return {
        "contactEmail": parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        "specification": SPECIFICATION_URL,
        "documentation": request.build_absolute_uri(request.path),
        "consumers": [{"consumerKey": EDUXCHANGE}],
    }


# Organizations


def institution_id(pk: int) -> str:
    return derived_id(Kind.INSTITUTION, pk)


def unit_id(pk: int) -> str:
    return derived_id(Kind.UNIT, pk)


def organization_ref(*, unit_pk: int | None, institution_pk: int) -> str:
    """The organization teaching something: its unit where known, else the institution."""
    return unit_id(unit_pk) if unit_pk else institution_id(institution_pk)


def institution(obj: Institution) -> dict:
    data = {
        "organizationId": institution_id(obj.pk),
        "primaryCode": {"codeType": "brin", "code": obj.brin},
        "organizationType": "root",
        "name": texts(obj.name_nl, obj.name_en, required=True),
        "shortName": obj.short_name,
        "otherCodes": [{"codeType": "schacHome", "code": obj.schac_home}],
        "addresses": [{"addressType": "visit", "city": obj.city, "countryCode": "NL"}],
    }
    _put(data, "link", obj.website)
    return data


def unit(obj: OrganisationalUnit) -> dict:
    return {
        "organizationId": unit_id(obj.pk),
        "primaryCode": {"codeType": "identifier", "code": obj.code},
        "organizationType": UNIT_TYPE.get(obj.kind, "department"),
        "name": texts(obj.name_nl, obj.name_en, required=True),
        "shortName": obj.code,
        "parent": unit_id(obj.parent_id) if obj.parent_id else institution_id(obj.institution_id),
    }


def organization(obj: Institution | OrganisationalUnit) -> dict:
    return institution(obj) if isinstance(obj, Institution) else unit(obj)


# Academic sessions


def year(obj: AcademicYear) -> dict:
    return {
        "academicSessionId": derived_id(Kind.ACADEMIC_YEAR, obj.pk),
        "academicSessionType": "academic year",
        "primaryCode": {"codeType": "identifier", "code": f"{obj.institution.code}/{obj.name}"},
        "name": texts(obj.name, obj.name, required=True),
        "startDate": obj.start_date.isoformat(),
        "endDate": obj.end_date.isoformat(),
    }


def period(obj: AcademicPeriod) -> dict:
    year_id = derived_id(Kind.ACADEMIC_YEAR, obj.academic_year_id)
    return {
        "academicSessionId": derived_id(Kind.PERIOD, obj.pk),
        "academicSessionType": PERIOD_TYPE.get(obj.kind, "period"),
        "primaryCode": {
            "codeType": "identifier",
            "code": f"{obj.institution.code}/{obj.academic_year.name}/{obj.kind}-{obj.sequence}",
        },
        "name": texts(obj.name_nl, obj.name_en, required=True),
        "startDate": obj.start_date.isoformat(),
        "endDate": obj.end_date.isoformat(),
        "parent": year_id,
        "year": year_id,
    }


def academic_session(obj: AcademicYear | AcademicPeriod) -> dict:
    return year(obj) if isinstance(obj, AcademicYear) else period(obj)


# eduXchange consumer blocks


def alliance(publication: Publication) -> dict:
    """One alliance entry of a course's or program's eduXchange block (``EduXchangeConsumerCourse*``)."""
    entry = {"name": publication.alliance.code}
    if publication.theme_id:
        entry["theme"] = publication.theme.code
    entry["selection"] = publication.selection
    if publication.kind:
        entry["type"] = publication.kind
    entry["visibleForOwnStudents"] = publication.visible_for_own_students
    entry["enrollmentForOwnStudents"] = publication.enrolment_for_own_students
    entry["visibleForGuests"] = publication.visible_for_guests
    entry["enrollmentForGuests"] = publication.enrolment_for_guests
    return entry


def eduxchange(alliances: list[dict]) -> list[dict]:
    return [{"consumerKey": EDUXCHANGE, "alliances": alliances}]


# Programs


def program(obj: Programme, ctx: Context) -> dict:
    data = {
        "programId": derived_id(Kind.PROGRAMME, obj.pk),
        "primaryCode": {"codeType": "crohoCreboCode", "code": obj.croho_code},
        "programType": "program",
        "name": texts(obj.name_nl, obj.name_en, required=True),
        "abbreviation": obj.croho_code,
        "description": texts("", "", required=True),
        "teachingLanguage": TEACHING_LANGUAGE.get(obj.language, "nld"),
        "level": LEVEL.get(obj.level, "undefined"),
        "organization": organization_ref(unit_pk=obj.unit_id, institution_pk=obj.institution_id),
    }
    if obj.ec is not None:
        data["studyLoad"] = {"studyLoadUnit": "ects", "value": float(obj.ec)}
    _put(data, "levelOfQualification", LEVEL_OF_QUALIFICATION.get(obj.level))
    _put(data, "sector", SECTOR.get(obj.institution.kind))
    if "organization" in ctx.expand:
        data["organization"] = organization(obj.unit or obj.institution)
    # The portal keeps no program hierarchy, coordinators or education specifications.
    for empty in ("children", "coordinators"):
        if empty in ctx.expand:
            data[empty] = []
    if ctx.consumer == EDUXCHANGE:
        data["consumers"] = eduxchange([alliance(p) for p in obj.publications.all()])
    return data


# Courses and offerings


def course_id(obj: Course) -> str:
    return object_id(Kind.COURSE, obj)


def course(obj: Course, ctx: Context) -> dict:
    data = {
        "courseId": course_id(obj),
        "primaryCode": {"codeType": "identifier", "code": obj.code},
        "name": texts(obj.title_nl, obj.title_en, required=True),
        "abbreviation": obj.code,
        "description": texts(obj.description_nl, obj.description_en, required=True),
        "teachingLanguage": TEACHING_LANGUAGE.get(obj.language, "nld"),
        "level": LEVEL.get(obj.level, "undefined"),
        "studyLoad": {"studyLoadUnit": "ects", "value": float(obj.ec)},
        "organization": organization_ref(unit_pk=obj.unit_id, institution_pk=obj.institution_id),
    }
    outcomes = texts(obj.learning_outcomes_nl, obj.learning_outcomes_en)
    if outcomes:
        data["learningOutcomes"] = [outcomes]
    if "organization" in ctx.expand:
        data["organization"] = organization(obj.unit or obj.institution)
    for empty in ("programs", "coordinators"):
        if empty in ctx.expand:
            data[empty] = []
    if ctx.consumer == EDUXCHANGE:
        data["consumers"] = eduxchange([alliance(p) for p in obj.publications.all()])
    return data


def offering_id(obj: Offering) -> str:
    return object_id(Kind.OFFERING, obj)


def course_offering(obj: Offering, ctx: Context) -> dict:
    teachable = obj.course
    link = ctx.request.build_absolute_uri(reverse("catalogue:offering", args=[obj.pk]))
    # enrol_closes_at is the first moment enrolment is closed; the last day open is the day before it.
    last_open = obj.enrol_closes_at - dt.timedelta(microseconds=1)
    data = {
        "offeringId": offering_id(obj),
        "primaryCode": {"codeType": "offeringCode", "code": obj.code or f"{teachable.code}-{obj.pk}"},
        "offeringType": "course",
        "academicSession": derived_id(Kind.PERIOD, obj.period_id),
        "name": texts(teachable.title_nl, teachable.title_en, required=True),
        "abbreviation": teachable.code,
        "description": texts(teachable.description_nl, teachable.description_en, required=True),
        "teachingLanguage": TEACHING_LANGUAGE.get(teachable.language, "nld"),
        "modeOfDelivery": [MODE_OF_DELIVERY[obj.mode]] if obj.mode in MODE_OF_DELIVERY else [],
        "maxNumberStudents": obj.capacity,
        "enrolledNumberStudents": obj.seats_taken,
        "resultExpected": True,
        "startDate": obj.start_date.isoformat(),
        "endDate": obj.end_date.isoformat(),
        "enrollStartDate": _local_date(obj.enrol_opens_at),
        "enrollEndDate": _local_date(last_open),
        "course": course_id(teachable),
        "organization": organization_ref(unit_pk=teachable.unit_id, institution_pk=obj.institution_id),
        "link": link,
        # The portal keeps no price of a course offering. Said as an empty list, not left out: a program
        # offering's priceInformation has at least one entry, and nothing else in the spec tells the two
        # apart (both require just startDate and endDate), so without it every course offering is valid
        # under both branches of GET /offerings/{id}'s oneOf, which then rejects it.
        "priceInformation": [],
    }
    if obj.city:
        address = {"addressType": "teaching", "city": obj.city, "countryCode": "NL"}
        if obj.location:
            address["additional"] = [{"language": "nl-NL", "value": obj.location}]
        data["addresses"] = [address]
    if "course" in ctx.expand:
        data["course"] = course(teachable, Context(request=ctx.request))
    if "organization" in ctx.expand:
        data["organization"] = organization(teachable.unit or obj.institution)
    if "academicSession" in ctx.expand:
        data["academicSession"] = period(obj.period)
    if ctx.consumer == EDUXCHANGE:
        # One entry per alliance the course is published to; students enrol in the portal.
        alliances = []
        for publication in teachable.publications.all():
            entry = {
                "name": publication.alliance.code,
                "enrollmentUrl": link,
                "enrollStartTime": _local_time(obj.enrol_opens_at),
                "enrollEndTime": _local_time(last_open),
            }
            if publication.visible_for_guests:
                entry["enrollmentUrlForGuests"] = link
            alliances.append(entry)
        data["consumers"] = eduxchange(alliances)
    return data


# Persons and associations


def person_id(student_pk: int) -> str:
    return derived_id(Kind.PERSON, student_pk)


def person(student) -> dict:
    user = student.user
    data = {
        "personId": person_id(student.pk),
        "primaryCode": (
            {"codeType": "studentNumber", "code": student.student_number}
            if student.student_number
            else {"codeType": "identifier", "code": str(student.pk)}
        ),
        "givenName": user.first_name,
        "surname": user.last_name,
        "displayName": user.get_full_name() or user.email,
        "affiliations": ["student"],
        "mail": user.email,
        "activeEnrollment": student.is_actively_enrolled,
        "languageOfChoice": [LANGUAGE_TAG.get(user.preferred_language, "nl-NL")],
    }
    if student.home_institution_id is None:
        # A module-only learner (professional or guest): no home institution, no programme enrolment.
        data["affiliations"] = ["guest"]
        return data
    # The eduXchange profile asks the home institution for the student's programme enrolment.
    consumer = {"consumerKey": EDUXCHANGE, "institutionBRINCode": student.home_institution.brin}
    if student.programme:
        consumer["enrollments"] = [
            {
                "crohoCreboCode": student.programme.croho_code,
                "name": student.programme.name_nl,
                "phase": student.programme.level,
            }
        ]
    data["consumers"] = [consumer]
    return data


def _report(request: EnrolmentRequest, institution_pk: int):
    return next((r for r in request.ooapi_results.all() if r.institution_id == institution_pk), None)


def association(request: EnrolmentRequest) -> dict:
    """An association as listed (``...AssociationExpandable``): the state here and the result the host
    reported. ``remoteState`` is write-only in the spec: stored (``AssociationResult``), never echoed."""
    data = {
        "associationId": str(request.public_id),
        "associationType": "courseOfferingAssociation",
        "role": "student",
        "state": ASSOCIATION_STATE[request.status],
        "person": {"personId": person_id(request.student_id)},
    }
    host = _report(request, request.host_institution_id)
    if host and host.result:
        data["result"] = host.result
    return data


def association_full(request: EnrolmentRequest, ctx: Context) -> dict:
    """One association (``AssociationFull``): person and offering as ids, or expanded."""
    data = association(request)
    data["person"] = person(request.student) if "person" in ctx.expand else person_id(request.student_id)
    data["offering"] = (
        course_offering(request.offering, Context(request=ctx.request))
        if "offering" in ctx.expand
        else offering_id(request.offering)
    )
    return data
