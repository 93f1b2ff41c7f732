"""One thin view per operation of the OOAPI v5 spec that the portal provides.

``endpoint`` turns the handlers of one path into a Django view: 405 for other methods, and every
``Problem`` raised below answered as ``application/problem+json``. ``operation`` authenticates the
caller, checks the operation's scopes and parses its query parameters against the spec.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Callable, Iterable

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from accounts.models import StudentProfile
from catalogue.models import Offering
from ooapi.models import AssociationResult
from ooapi.provider import ids, mappers, problems, selectors
from ooapi.provider.auth import Caller, authenticate
from ooapi.provider.ids import Kind
from ooapi.provider.mappers import Context
from ooapi.provider.pagination import paginated
from ooapi.provider.params import parse_query
from ooapi.provider.problems import Problem, problem_response
from ooapi.provider.scopes import ASSOCIATIONS_READ, ASSOCIATIONS_WRITE, PERSONS_READ, READ
from ooapi.provider.services import association_report

MERGE_PATCH = "application/merge-patch+json"

Handler = Callable[..., HttpResponse]


def endpoint(**handlers: Handler) -> Callable[..., HttpResponse]:
    """The view of one path: ``handlers`` by HTTP method (``GET=..., PATCH=...``)."""
    allowed = ", ".join(handlers)

    @csrf_exempt  # bearer tokens only: no cookie is ever read here, so there is nothing to forge
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        try:
            handler = handlers.get(request.method or "")
            if handler is None:
                raise Problem(
                    405,
                    problems.METHOD_NOT_ALLOWED.format(method=request.method, allowed=allowed),
                    headers={"Allow": allowed},
                )
            return handler(request, **kwargs)
        except Problem as problem:
            return problem_response(problem.status, problem.detail, headers=problem.headers)

    return view


def operation(spec_path: str, method: str = "get", *, scopes: Iterable[str] | None) -> Callable[[Handler], Handler]:
    """``scopes=None``: open to anyone; otherwise a token of a provider client holding all ``scopes``."""
    needed = tuple(scopes) if scopes is not None else None

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(request: HttpRequest, **kwargs) -> HttpResponse:
            caller = None
            if needed is not None:
                caller = authenticate(request)
                caller.require(*needed)
            query = parse_query(request, spec_path, method)
            return handler(request, caller, query, **kwargs)

        return run

    return decorate


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _path_uuid(name: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Problem(400, problems.NOT_A_UUID.format(name=name)) from None


def _not_found(thing: str) -> Problem:
    return Problem(404, problems.NOT_FOUND.format(thing=thing))


def _context(request: HttpRequest, query: dict) -> Context:
    # The spec declares ``consumer`` on lists only, but eduXchange asks single resources with it too
    # (``GET /courses/{id}?consumer=eduxchange``) and expects their consumer block: read it either way.
    consumer = query["consumer"] if "consumer" in query else request.GET.get("consumer")
    return Context(request=request, expand=frozenset(query.get("expand") or ()), consumer=consumer)


def _order(sort: list[str], fields: dict[str, object]) -> list:
    """``sort`` values of the spec (``name``, ``-startDate``) as ``order_by`` arguments."""
    ordering = []
    for value in sort:
        descending, name = value.startswith("-"), value.lstrip("-")
        expression = fields[name]
        if isinstance(expression, str):
            ordering.append(f"-{expression}" if descending else expression)
        else:
            ordering.append(expression.desc() if descending else expression.asc())
    return ordering


def _sorted_items(items: list[dict], sort: list[str], keys: dict[str, Callable[[dict], object]]) -> list[dict]:
    """Sort mapped objects in Python (for the small, mixed lists: organizations, academic sessions)."""
    for value in reversed(sort):
        items = sorted(items, key=keys[value.lstrip("-")], reverse=value.startswith("-"))
    return items


def _first_text(item: dict, key: str = "name") -> str:
    return next((entry["value"] for entry in item.get(key, [])), "").casefold()


def _contains(item: dict, term: str, *keys: str) -> bool:
    term = term.casefold()
    for key in keys:
        value = item.get(key)
        values = [entry["value"] for entry in value] if isinstance(value, list) else [value or ""]
        if any(term in text.casefold() for text in values):
            return True
    return False


def _reverse(mapping: dict[str, str], value: str | None) -> list[str]:
    """Portal values that map to the OOAPI ``value``."""
    return [ours for ours, theirs in mapping.items() if theirs == value]


# Service root


@operation("/", scopes=None)
def service_root(request, caller, query):
    return _json(mappers.service(request))


# Organizations


def _all_organizations() -> list:
    return [*selectors.institutions(), *selectors.units()]


@operation("/organizations", scopes=(READ,))
def organizations(request, caller: Caller, query):
    items = [mappers.organization(obj) for obj in _all_organizations()]
    if query["primaryCode"] is not None:
        items = [item for item in items if item["primaryCode"]["code"] == query["primaryCode"]]
    if query["organizationType"]:
        items = [item for item in items if item["organizationType"] == query["organizationType"]]
    if query["q"]:
        items = [item for item in items if _contains(item, query["q"], "name", "shortName")]
    items = _sorted_items(items, query["sort"], {"name": _first_text, "organizationId": lambda i: i["organizationId"]})
    return _json(paginated(items, query, lambda item: item))


@operation("/organizations/{organizationId}", scopes=(READ,))
def organization(request, caller: Caller, query, organizationId: str):
    parsed = ids.parse(_path_uuid("organizationId", organizationId))
    expand = _context(request, query).expand
    if parsed and parsed[0] == Kind.INSTITUTION:
        obj = selectors.institutions().filter(pk=parsed[1]).first()
        if obj is None:
            raise _not_found("organization")
        data = mappers.institution(obj)
        children = list(selectors.units().filter(institution=obj, parent__isnull=True))
    elif parsed and parsed[0] == Kind.UNIT:
        obj = selectors.units().select_related("parent").filter(pk=parsed[1]).first()
        if obj is None:
            raise _not_found("organization")
        data = mappers.unit(obj)
        children = list(selectors.units().filter(parent=obj))
        if "parent" in expand:
            data["parent"] = mappers.organization(obj.parent or obj.institution)
    else:
        raise _not_found("organization")
    if "children" in expand:
        data["children"] = [mappers.unit(child) for child in children]
    else:
        data["children"] = [mappers.unit_id(child.pk) for child in children]
    return _json(data)


# Academic sessions


@operation("/academic-sessions", scopes=(READ,))
def academic_sessions(request, caller: Caller, query):
    items = [mappers.year(obj) for obj in selectors.academic_years()]
    items += [mappers.period(obj) for obj in selectors.academic_periods()]
    if query["primaryCode"] is not None:
        items = [item for item in items if item["primaryCode"]["code"] == query["primaryCode"]]
    if query["academicSessionType"]:
        items = [item for item in items if item["academicSessionType"] == query["academicSessionType"]]
    for relation in ("parent", "year"):
        if query[relation]:
            items = [item for item in items if item.get(relation) == str(query[relation])]
    keys = {
        "academicSessionId": lambda i: i["academicSessionId"],
        "name": _first_text,
        "startDate": lambda i: i["startDate"],
    }
    return _json(paginated(_sorted_items(items, query["sort"], keys), query, lambda item: item))


@operation("/academic-sessions/{academicSessionId}", scopes=(READ,))
def academic_session(request, caller: Caller, query, academicSessionId: str):
    parsed = ids.parse(_path_uuid("academicSessionId", academicSessionId))
    expand = _context(request, query).expand
    if parsed and parsed[0] == Kind.ACADEMIC_YEAR:
        obj = selectors.academic_years().filter(pk=parsed[1]).first()
        if obj is None:
            raise _not_found("academic session")
        data = mappers.year(obj)
        children = list(selectors.academic_periods().filter(academic_year=obj).order_by("start_date", "pk"))
        data["children"] = [
            mappers.period(child) if "children" in expand else ids.derived_id(Kind.PERIOD, child.pk)
            for child in children
        ]
    elif parsed and parsed[0] == Kind.PERIOD:
        obj = selectors.academic_periods().filter(pk=parsed[1]).first()
        if obj is None:
            raise _not_found("academic session")
        data = mappers.period(obj)
        for relation in ("parent", "year"):
            if relation in expand:
                data[relation] = mappers.year(obj.academic_year)
        if "children" in expand:
            data["children"] = []
    else:
        raise _not_found("academic session")
    return _json(data)


# Programs


@operation("/programs", scopes=(READ,))
def programs(request, caller: Caller, query):
    ctx = _context(request, query)
    rows = selectors.programmes(consumer=ctx.consumer)
    if query["primaryCode"] is not None:
        rows = rows.filter(croho_code=query["primaryCode"])
    if query["q"]:
        term = query["q"]
        rows = rows.filter(Q(name_nl__icontains=term) | Q(name_en__icontains=term) | Q(croho_code__icontains=term))
    if query["teachingLanguage"]:
        rows = rows.filter(language__in=_reverse(mappers.TEACHING_LANGUAGE, query["teachingLanguage"]))
    if query["programType"] and query["programType"] != "program":
        rows = rows.none()
    if query["levelOfQualification"]:
        rows = rows.filter(level__in=_reverse(mappers.LEVEL_OF_QUALIFICATION, query["levelOfQualification"]))
    if query["sector"]:
        rows = rows.filter(institution__kind__in=_reverse(mappers.SECTOR, query["sector"]))
    # The portal records neither awarded qualifications nor ISCED fields: no program matches those.
    if query["qualificationAwarded"] or query["fieldsOfStudy"]:
        rows = rows.none()
    rows = rows.order_by(*_order(query["sort"], {"name": "name_nl", "programId": "pk"}), "pk")
    return _json(paginated(rows, query, lambda obj: mappers.program(obj, ctx)))


def _program(value: str, consumer: str | None):
    condition = ids.lookup(Kind.PROGRAMME, _path_uuid("programId", value), has_source_id=False)
    obj = selectors.programmes(consumer=consumer).filter(condition).first() if condition else None
    if obj is None:
        raise _not_found("program")
    return obj


@operation("/programs/{programId}", scopes=(READ,))
def program(request, caller: Caller, query, programId: str):
    ctx = _context(request, query)
    return _json(mappers.program(_program(programId, ctx.consumer), ctx))


@operation("/programs/{programId}/offerings", scopes=(READ,))
def program_offerings(request, caller: Caller, query, programId: str):
    """The portal offers courses, not whole programmes: a program it knows has no program offerings."""
    _program(programId, _context(request, query).consumer)
    return _json(paginated([], query, lambda item: item))


# Courses and offerings


def _visible_course(caller: Caller, value: str, consumer: str | None):
    wanted = _path_uuid("courseId", value)
    condition = ids.lookup(Kind.COURSE, wanted, has_source_id=True)
    visible = selectors.courses_visible(institution_id=caller.institution_id, consumer=consumer)
    obj = visible.filter(condition).order_by("pk").first() if condition else None
    if obj is None or mappers.course_id(obj) != str(wanted):
        raise _not_found("course")
    return obj


def _shared_offering_with_mode(caller: Caller, consumer: str | None, modes: list[str]) -> Exists:
    portal_modes = [ours for ours, theirs in mappers.MODE_OF_DELIVERY.items() if theirs in modes]
    shared = selectors.offerings_visible(institution_id=caller.institution_id, consumer=consumer)
    return Exists(shared.filter(course=OuterRef("pk"), mode__in=portal_modes))


@operation("/courses", scopes=(READ,))
def courses(request, caller: Caller, query):
    ctx = _context(request, query)
    rows = selectors.courses_visible(institution_id=caller.institution_id, consumer=ctx.consumer)
    if query["primaryCode"] is not None:
        rows = rows.filter(code=query["primaryCode"])
    if query["q"]:
        term = query["q"]
        rows = rows.filter(
            Q(title_nl__icontains=term)
            | Q(title_en__icontains=term)
            | Q(code__icontains=term)
            | Q(description_nl__icontains=term)
            | Q(description_en__icontains=term)
        )
    if query["teachingLanguage"]:
        rows = rows.filter(language__in=_reverse(mappers.TEACHING_LANGUAGE, query["teachingLanguage"]))
    if query["level"]:
        rows = rows.filter(level__in=_reverse(mappers.LEVEL, query["level"]))
    if query["modeOfDelivery"]:
        rows = rows.filter(_shared_offering_with_mode(caller, ctx.consumer, query["modeOfDelivery"]))
    fields = {"name": "title_nl", "courseId": ids.sort_expression(Kind.COURSE, has_source_id=True)}
    rows = rows.order_by(*_order(query["sort"], fields), "pk")
    return _json(paginated(rows, query, lambda obj: mappers.course(obj, ctx)))


@operation("/courses/{courseId}", scopes=(READ,))
def course(request, caller: Caller, query, courseId: str):
    ctx = _context(request, query)
    return _json(mappers.course(_visible_course(caller, courseId, ctx.consumer), ctx))


@operation("/courses/{courseId}/offerings", scopes=(READ,))
def course_offerings(request, caller: Caller, query, courseId: str):
    ctx = _context(request, query)
    found = _visible_course(caller, courseId, ctx.consumer)
    rows = selectors.offerings_of_course(course=found, institution_id=caller.institution_id, consumer=ctx.consumer)
    # The spec: "By default only future offerings are shown (equal to ?since=<today>)", by the start of
    # the offering's academic session.
    since: dt.date = query["since"] or timezone.localdate()
    rows = rows.filter(period__start_date__gte=since)
    if query["until"]:
        rows = rows.filter(period__end_date__lte=query["until"])
    if query["q"]:
        # An offering's name, abbreviation and description are its course's.
        texts = (found.title_nl, found.title_en, found.code, found.description_nl, found.description_en)
        if not any(query["q"].casefold() in text.casefold() for text in texts):
            rows = rows.none()
    if query["teachingLanguage"] and found.language not in _reverse(
        mappers.TEACHING_LANGUAGE, query["teachingLanguage"]
    ):
        rows = rows.none()
    if query["modeOfDelivery"]:
        rows = rows.filter(mode__in=[o for o, t in mappers.MODE_OF_DELIVERY.items() if t in query["modeOfDelivery"]])
    if query["resultExpected"] is False:
        rows = rows.none()  # every course offering ends in a result
    fields = {
        "offeringId": ids.sort_expression(Kind.OFFERING, has_source_id=True),
        "name": "course__title_nl",
        "startDate": "start_date",
        "endDate": "end_date",
    }
    rows = rows.order_by(*_order(query["sort"], fields), "pk")
    # Every offering here is of ``found``, which already holds what the items need of their course (its
    # eduXchange publications, when asked for): no second look-up per page.
    rows = rows.prefetch_related(None)

    def item(obj: Offering) -> dict:
        obj.course = found
        return mappers.course_offering(obj, ctx)

    return _json(paginated(rows, query, item))


def _offering_by_id(rows, value: str, name: str = "offeringId") -> Offering:
    wanted = _path_uuid(name, value)
    condition = ids.lookup(Kind.OFFERING, wanted, has_source_id=True)
    obj = rows.filter(condition).order_by("pk").first() if condition else None
    if obj is None or mappers.offering_id(obj) != str(wanted):
        raise _not_found("offering")
    return obj


@operation("/offerings/{offeringId}", scopes=(READ,))
def offering(request, caller: Caller, query, offeringId: str):
    ctx = _context(request, query)
    visible = selectors.offerings_visible(institution_id=caller.institution_id, consumer=ctx.consumer)
    return _json(mappers.course_offering(_offering_by_id(visible, offeringId), ctx))


# Associations


STATE_TO_STATUSES = {
    state: [status for status, mapped in mappers.ASSOCIATION_STATE.items() if mapped == state]
    for state in set(mappers.ASSOCIATION_STATE.values())
}


@operation("/offerings/{offeringId}/associations", scopes=(ASSOCIATIONS_READ,))
def offering_associations(request, caller: Caller, query, offeringId: str):
    found = _offering_by_id(selectors.offering_for_associations(institution_id=caller.institution_id), offeringId)
    rows = selectors.associations_visible(institution_id=caller.institution_id).filter(offering=found)
    if query["associationType"] not in (None, "courseOffering"):
        rows = rows.none()
    if query["role"] not in (None, "student"):
        rows = rows.none()
    if query["state"]:
        rows = rows.filter(status__in=STATE_TO_STATUSES.get(query["state"], []))
    if query["result-state"]:
        host_result = AssociationResult.objects.filter(
            request=OuterRef("pk"), institution=OuterRef("host_institution"), result__state=query["result-state"]
        )
        rows = rows.filter(Exists(host_result))
    rows = rows.order_by(*_order(query["sort"], {"associationId": "public_id"}))
    return _json(paginated(rows, query, mappers.association))


def _visible_association(caller: Caller, value: str):
    wanted = _path_uuid("associationId", value)
    found = (
        selectors.associations_visible(institution_id=caller.institution_id)
        .select_related(
            "offering__course__institution",
            "offering__course__unit",
            "offering__institution",
            "offering__period__academic_year__institution",
            "offering__period__institution",
            "student__user",
            "student__home_institution",
            "student__programme",
        )
        .filter(public_id=wanted)
        .first()
    )
    if found is None:
        raise _not_found("association")
    return found


@operation("/associations/{associationId}", scopes=(ASSOCIATIONS_READ,))
def association_get(request, caller: Caller, query, associationId: str):
    found = _visible_association(caller, associationId)
    ctx = _context(request, query)
    if "person" in ctx.expand:
        caller.require(PERSONS_READ)
        if found.home_institution_id != caller.institution_id:
            raise Problem(403, problems.NOT_OWN_STUDENT)
    return _json(mappers.association_full(found, ctx))


@operation("/associations/{associationId}", "patch", scopes=(ASSOCIATIONS_WRITE,))
def association_patch(request, caller: Caller, query, associationId: str):
    found = _visible_association(caller, associationId)
    if request.content_type != MERGE_PATCH:
        raise Problem(415, problems.PATCH_MEDIA_TYPE)
    try:
        patch = json.loads(request.body or b"null")
    except ValueError:
        patch = None
    if not isinstance(patch, dict):
        raise Problem(400, problems.PATCH_NOT_JSON)
    association_report(client=caller.client, request=found, patch=patch)
    found.refresh_from_db(fields=["status"])  # a final result completes the enrolment
    return _json(
        {
            "associationId": str(found.public_id),
            "state": mappers.ASSOCIATION_STATE[found.status],
            "message": [
                {"language": "en-GB", "value": "The association was updated."},
                {"language": "nl-NL", "value": "De inschrijving is bijgewerkt."},
            ],
        }
    )


# Persons


@operation("/persons/me", scopes=(PERSONS_READ,))
def person_me(request, caller: Caller, query):
    if caller.user is None:
        raise Problem(403, problems.PERSON_TOKEN_NEEDED)
    student = (
        StudentProfile.objects.select_related("user", "home_institution", "programme").filter(user=caller.user).first()
    )
    if student is None:
        raise _not_found("person")
    if student.home_institution_id != caller.institution_id:
        raise Problem(403, problems.NOT_OWN_STUDENT)
    return _json(mappers.person(student))


# Anything else under /ooapi/v5/


@csrf_exempt
def no_such_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem_response(404, problems.NO_SUCH_PATH)
