"""The writes of results: the host records a result (by hand, from a CSV file, or from its own system),
and corrects one.

Every command locks the request (``enrolment.locks``), checks who may act (the host's admissions staff,
for their own institution) and from which state (registered, or completed for a later attempt), and
refuses a result dated before the offering's end date. The first result completes the enrolment; a
connected home institution gets it through enrolment's gateway.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import decimal
import io
from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.i18n import lazy_format
from enrolment import locks
from enrolment.gateway import gateway, home_is_connected, needs_gateway
from enrolment.models import EnrolmentRequest, Status
from enrolment.permissions import HOST_ROLES, has_role, host_has
from enrolment.steps import ending
from results import messages
from results.errors import (
    NotHostError,
    NotRegisteredError,
    ResultError,
    ResultNotFoundError,
    StaleResultError,
    TooEarlyError,
)
from results.models import Result
from results.scales import PASS_WORDS, Grade, Scale, ScaleError, parse
from results.services.recognition import as_id, recognition_credit_open

RECORDABLE = (Status.REGISTERED, Status.COMPLETED)
MAX_CSV_BYTES = 1_000_000
MAX_CSV_ROWS = 5_000
CSV_REQUIRED = ("offering", "student", "scale", "score", "ec", "date")
CSV_OPTIONAL = ("examiner", "attempt")


@dataclasses.dataclass(frozen=True)
class ResultInput:
    """What the host says about a result, before it is checked."""

    scale: str
    score: str
    ec: str | decimal.Decimal
    assessed_on: str | dt.date
    examiner: str = ""
    attempt: int | str = 1


@dataclasses.dataclass(frozen=True)
class Checked:
    grade: Grade
    ec: decimal.Decimal
    assessed_on: dt.date
    examiner: str
    attempt: int


def offering_ec(request: EnrolmentRequest) -> decimal.Decimal:
    teachable = request.offering.course or request.offering.module
    return teachable.ec


def check(request: EnrolmentRequest, data: ResultInput, *, today: dt.date | None = None) -> Checked:
    """``data`` checked against the scale, the course and the calendar. Raises ResultError or
    TooEarlyError with a message that names the rule."""
    today = today or timezone.localdate()
    end = request.offering.end_date
    if today < end:
        raise TooEarlyError(
            lazy_format(_("A result can be recorded from the offering's end date, %(end)s, on."), end=end.isoformat())
        )
    try:
        grade = parse(data.scale, data.score)
    except ScaleError as error:
        raise ResultError(error.message, code="out_of_scale") from None
    try:
        ec = decimal.Decimal(str(data.ec).strip().replace(",", "."))
        if not ec.is_finite():
            raise decimal.InvalidOperation
    except decimal.InvalidOperation:
        raise ResultError(lazy_format(_("%(ec)s is not a number of EC."), ec=data.ec), code="bad_ec") from None
    most = offering_ec(request)
    if grade.passed and not (0 < ec <= most):
        raise ResultError(
            lazy_format(_("A pass earns more than 0 and at most %(most)s EC, the course's size."), most=most),
            code="bad_ec",
        )
    if not grade.passed and ec != 0:
        raise ResultError(_("A fail earns 0 EC."), code="bad_ec")
    assessed_on = data.assessed_on
    if isinstance(assessed_on, str):
        try:
            assessed_on = dt.date.fromisoformat(assessed_on.strip())
        except ValueError:
            raise ResultError(
                lazy_format(_("%(date)s is not a date: write it as 2026-01-31."), date=data.assessed_on),
                code="bad_date",
            ) from None
    if not end <= assessed_on <= today:
        raise ResultError(
            lazy_format(
                _("The result's date must lie between the offering's end date (%(end)s) and today."),
                end=end.isoformat(),
            ),
            code="bad_date",
        )
    try:
        attempt = int(str(data.attempt).strip() or 1)
    except ValueError:
        attempt = 0
    if not 1 <= attempt <= 10:
        raise ResultError(_("The attempt is a number from 1 to 10."), code="bad_attempt")
    examiner = str(data.examiner or "").strip()
    if len(examiner) > 200:
        raise ResultError(_("The examiner's name is at most 200 characters."), code="bad_examiner")
    return Checked(grade, ec.quantize(decimal.Decimal("0.1")), assessed_on, examiner, attempt)


def _require_host(user, request: EnrolmentRequest) -> None:
    if not (host_has(request) and has_role(user, request.host_institution_id, *HOST_ROLES)):
        raise NotHostError()
    if request.status not in RECORDABLE:
        raise NotRegisteredError()


def current_result(request: EnrolmentRequest) -> Result | None:
    return Result.objects.filter(request=request, corrected_by__isnull=True).order_by("-pk").first()


def _write(
    request: EnrolmentRequest,
    checked: Checked,
    *,
    user,
    source: str,
    corrects: Result | None = None,
    reason: str = "",
    held=None,
) -> Result:
    result = Result.objects.create(
        request=request,
        scale=checked.grade.scale.value,
        score=checked.grade.score,
        passed=checked.grade.passed,
        ec=checked.ec,
        assessed_on=checked.assessed_on,
        examiner=checked.examiner,
        attempt=checked.attempt,
        source=source,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
        corrects=corrects,
        reason=reason,
    )
    if request.status == Status.REGISTERED:
        ending.complete(held, request, user=user, role="host_admissions" if user else "system")
    if needs_gateway(request):
        gateway().result_recorded(request=request, result=for_the_home(result))
    if request.home_institution_id is not None and not home_is_connected(request):
        # A portal-managed home: the examination board's queue (or a precedent) takes it from here. A
        # module-only learner has no home and no board: the module stacks (billing.modules_selectors).
        recognition = recognition_credit_open(result=result)
        if recognition is not None and recognition.status == recognition.Status.RECOGNISED:
            messages.recognition_decided(recognition)
    if request.home_institution_id is None and result.passed:
        # A module-only learner's passing result is the award itself: there is no home board to recognise it.
        for subscriber in list(_awarded_subscribers):
            transaction.on_commit(partial(subscriber, result.pk))
    messages.result_recorded(result)
    for subscriber in list(_recorded_subscribers):
        subscriber(result)
    return result


# Apps above results (webhooks) hear of every result written, inside its transaction.
_recorded_subscribers: list[Callable[[Result], None]] = []


def recorded_subscribe(subscriber: Callable[[Result], None]) -> None:
    """Call ``subscriber(result)`` for every result recorded or corrected (portal, CSV or an institution's
    system), inside the transaction that writes it: what it writes commits or rolls back with the result.
    Registered from an ``AppConfig.ready()``; subscribing twice is a no-op."""
    if subscriber not in _recorded_subscribers:
        _recorded_subscribers.append(subscriber)


# Apps above results (credentials) listen for results that award without a home's recognition.
_awarded_subscribers: list[Callable[[int], None]] = []


def awarded_subscribe(subscriber: Callable[[int], None]) -> None:
    """Call ``subscriber(result_id)`` after the commit of every passing result of a module-only learner (no
    home institution, so no credit entry to wait for). Registered from an ``AppConfig.ready()``; subscribing
    twice is a no-op."""
    if subscriber not in _awarded_subscribers:
        _awarded_subscribers.append(subscriber)


def for_the_home(result: Result) -> dict:
    """What a connected home is sent (``ooapi.sync`` writes it as an OOAPI ``CourseResult``)."""
    return {
        "score": result.score,
        "passed": result.passed,
        "ec": str(result.ec),
        "date": result.assessed_on.isoformat(),
        "scale": result.scale,
        "examiner": result.examiner,
    }


def result_record(*, user, request_id: int, data: ResultInput, source: str = Result.Source.PORTAL) -> Result:
    """Record a result for a registered request (which completes it), or a later attempt on a completed one.

    Raises NotHostError (403), NotRegisteredError (409), TooEarlyError (409) or ResultError (400); then
    nothing is written.
    """
    with transaction.atomic():
        try:
            held = locks.lock_request(request_id)
        except EnrolmentRequest.DoesNotExist:
            raise NotHostError() from None
        request = held.request(request_id)
        _require_host(user, request)
        checked = check(request, data)
        previous = current_result(request)
        if previous is not None and checked.attempt <= previous.attempt:
            raise ResultError(
                lazy_format(
                    _("Attempt %(attempt)s already has a result: correct it, or record attempt %(next)s."),
                    attempt=checked.attempt,
                    next=previous.attempt + 1,
                ),
                code="attempt_taken",
            )
        return _write(request, checked, user=user, source=source, corrects=previous, reason=_later_attempt(previous))


def _later_attempt(previous: Result | None) -> str:
    return "" if previous is None else str(_("A later attempt."))


def result_correct(*, user, result_id: int, data: ResultInput, reason: str) -> Result:
    """Correct the current result of a request: a new result that replaces it, with who and why. The old
    one stays in the history. Raises ResultNotFoundError (404) for a result the user may not correct,
    StaleResultError (409) when it is not the latest, ResultError (400) without a reason."""
    reason = (reason or "").strip()
    result_id = as_id(result_id)
    request_id = Result.objects.filter(pk=result_id).values_list("request_id", flat=True).first() if result_id else None
    if request_id is None:
        raise ResultNotFoundError()
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        try:
            _require_host(user, request)
        except NotHostError:
            raise ResultNotFoundError() from None
        if not reason:
            raise ResultError(_("Say why the result is corrected."), code="reason_required")
        previous = current_result(request)
        if previous is None or previous.pk != result_id:
            raise StaleResultError()
        checked = check(request, data)
        return _write(request, checked, user=user, source=Result.Source.PORTAL, corrects=previous, reason=reason)


@dataclasses.dataclass
class ImportReport:
    """What a CSV import did: the rows it wrote, or the rows it refused (and then it wrote none)."""

    written: list[Result] = dataclasses.field(default_factory=list)
    rejected: list[tuple[int, str]] = dataclasses.field(default_factory=list)  # (line, message)
    problem: str = ""  # a problem with the file as a whole

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.problem


def results_import_csv(*, user, institution_id: int, content: bytes) -> ImportReport:
    """Record many results from a CSV file (UTF-8, comma or semicolon separated, a header row with
    offering, student, scale, score, ec, date and optionally examiner, attempt).

    All or nothing: every row is checked first, and one refused row means nothing is written. The report
    lists each refused row with its line number and reason. ``user`` must be host admissions staff of
    ``institution_id``; rows name offerings of that institution only.
    """
    report = ImportReport()
    if not has_role(user, institution_id, *HOST_ROLES):
        raise NotHostError()
    if len(content) > MAX_CSV_BYTES:
        report.problem = str(
            lazy_format(
                _("The file is larger than %(size)s kB: split it into smaller files."), size=MAX_CSV_BYTES // 1000
            )
        )
        return report
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.problem = str(_("The file is not UTF-8 text: save it as CSV (UTF-8)."))
        return report
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in CSV_REQUIRED if name not in header]
    unknown = [name for name in header if name not in CSV_REQUIRED + CSV_OPTIONAL]
    if missing or unknown:
        report.problem = str(
            lazy_format(
                _(
                    "The columns are not right (missing: %(missing)s; unknown: %(unknown)s). The header must be: %(header)s."
                ),
                missing=", ".join(missing) or "-",
                unknown=", ".join(unknown) or "-",
                header=",".join(CSV_REQUIRED + CSV_OPTIONAL),
            )
        )
        return report
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if len(rows) >= MAX_CSV_ROWS:
                report.problem = str(lazy_format(_("The file has more than %(rows)s rows."), rows=MAX_CSV_ROWS))
                return report
            rows.append((reader.line_num, row))
    except csv.Error as error:
        report.problem = str(lazy_format(_("The file is not valid CSV: %(error)s"), error=error))
        return report
    if not rows:
        report.problem = str(_("The file has no rows below its header."))
        return report
    with transaction.atomic():
        plan = []
        seen = set()
        for line, row in rows:
            try:
                request = _request_for_row(institution_id, row)
                if request.pk in seen:
                    raise ResultError(_("This student and offering appear twice in the file."))
                seen.add(request.pk)
                plan.append((line, request.pk, _row_input(row)))
            except ResultError as error:
                report.rejected.append((line, str(error.message)))
        if report.rejected:
            return report
        sid = transaction.savepoint()
        for line, request_id, data in plan:
            try:
                report.written.append(
                    result_record(user=user, request_id=request_id, data=data, source=Result.Source.CSV)
                )
            except (ResultError, NotRegisteredError, TooEarlyError, NotHostError) as error:
                report.rejected.append((line, str(error.message)))
        if report.rejected:
            transaction.savepoint_rollback(sid)
            report.written = []
    return report


def _row_input(row: dict) -> ResultInput:
    return ResultInput(
        scale=(row.get("scale") or "").strip(),
        score=(row.get("score") or "").strip(),
        ec=(row.get("ec") or "").strip(),
        assessed_on=(row.get("date") or "").strip(),
        examiner=(row.get("examiner") or "").strip(),
        attempt=(row.get("attempt") or "1").strip() or "1",
    )


def _request_for_row(institution_id: int, row: dict) -> EnrolmentRequest:
    code = (row.get("offering") or "").strip()
    email = (row.get("student") or "").strip()
    requests = EnrolmentRequest.objects.filter(
        host_institution_id=institution_id,
        offering__code__iexact=code,
        student__user__email__iexact=email,
        status__in=RECORDABLE,
    )
    found = list(requests.select_related("offering")[:2])
    if len(found) != 1:
        raise ResultError(
            lazy_format(
                _("No student %(student)s registered for offering %(offering)s of your institution."),
                student=email or "-",
                offering=code or "-",
            ),
            code="unknown_student",
        )
    return found[0]


def result_from_system(*, request_id: int, course_result: dict) -> Result | None:
    """A result the host's own system reported (OOAPI ``PATCH`` of an association with a ``CourseResult``,
    already validated against the spec): recorded as the host's, for a registered or completed request.
    A result that is not final (state other than completed) or says nothing new is not recorded. Raises
    ResultError, TooEarlyError or NotRegisteredError as for a result recorded by hand."""
    if course_result.get("state") != "completed":
        return None
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        if request.status not in RECORDABLE:
            raise NotRegisteredError()
        load = course_result.get("studyLoad") or {}
        passed = course_result.get("pass")
        score = str(course_result.get("score") or "").strip()
        if not score and passed in ("passed", "failed"):
            score = "pass" if passed == "passed" else "fail"
        data = ResultInput(
            scale=_scale_of_score(score),
            score=score,
            ec=str(load.get("value", "")) if passed != "failed" else "0",
            assessed_on=str(course_result.get("resultDate", "")),
        )
        checked = check(request, data)
        previous = current_result(request)
        if previous is not None and (previous.score, previous.ec, previous.assessed_on) == (
            checked.grade.score,
            checked.ec,
            checked.assessed_on,
        ):
            return previous  # the same report again: idempotent
        return _write(
            request,
            checked,
            user=None,
            source=Result.Source.SYSTEM,
            corrects=previous,
            reason=str(_("Corrected by the host's own system.")) if previous else "",
        )


def _scale_of_score(score: str) -> str:
    """The scale a connected system's score is on: OOAPI sends the score as text, its scale being the
    offering's ``resultValueType``; the portal tells them apart by their form."""
    text = score.replace(",", ".")
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        number = None
    if number is not None and number.is_finite():
        return Scale.NL10.value if number <= 10 else Scale.PERCENT.value
    if score.lower() in PASS_WORDS:
        return Scale.PASS_FAIL.value
    return Scale.LETTER.value
