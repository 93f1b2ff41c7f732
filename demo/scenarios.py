"""The demo's requests: every feature of cross-enrolment already in use when `make run` opens, made through the
enrolment services themselves (so every row, seat count and timeline entry is what the portal would write).

- **Selection** (University of Amsterdam, ``admissions.uva``): three students' requests, approved by their
  homes, wait for the host's decision, with a deadline.
- **Lottery** (University of Amsterdam): five students entered the lottery of a two-seat run; the draw
  admitted two and waitlisted three, in the order it drew.
- **Seats reserved for a partner**: a University of Amsterdam run keeps two seats for Hogeschool Utrecht's
  students until its window closes.
- **Two-step home approval** (Utrecht University): the home approver decides first, then the examination
  board; one request has passed the first step and waits for ``examboard.uu``.
- **Recognition precedents**: Utrecht University's examination board recorded that two courses count for
  a programme; a request for one of them was approved at once.
- **A connected institution**: TU Delft's own system is the reference peer (``make run`` starts it first);
  its student's request goes there for the home decision and reaches "registered" once the peer answered.

Idempotent: a scenario whose requests exist is left as it is. Fast: a few dozen service calls.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import StaffRole, StudentProfile, User
from catalogue.models import AdmissionMode, Offering
from core.errors import ApplicationError
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, SeatReservation
from enrolment.services import admission, approval, requests
from institutions.models import Institution
from institutions.routes import routes_open
from results.models import RecognitionPrecedent

DEMO_DOMAIN = "demo.flexportal.nl"


@dataclass(frozen=True)
class DemoStudent:
    local: str
    first_name: str
    last_name: str
    institution: str


# Students of the demo's requests (they log in with the demo password too).
STUDENTS = [
    DemoStudent("student.uu2", "Lieke", "Hendriks", "uu"),
    DemoStudent("student.uu3", "Milan", "van Dijk", "uu"),
    DemoStudent("student.uu4", "Sophie", "Dekker", "uu"),
    DemoStudent("student.hu2", "Thijs", "Kok", "hu"),
    DemoStudent("student.hu3", "Julia", "Peters", "hu"),
    DemoStudent("student.hu4", "Ruben", "Vos", "hu"),
]
# What each scenario's offering is called in the README and in the tests: (host, admission mode, capacity).
SELECTION, LOTTERY, RESERVED, CONNECTED, PRECEDENT, TWO_STEP = (
    "selection",
    "lottery",
    "reserved",
    "connected",
    "precedent",
    "two_step",
)


@contextlib.contextmanager
def _quiet():
    loggers = [logging.getLogger(name) for name in ("celery.app.trace", "ooapi.sync", "httpx", "kombu.connection")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


class DemoScenarios:
    def __init__(self, *, password: str, now: dt.datetime | None = None, say=None):
        self.password = password
        self.now = now or timezone.now()
        self.say = say or (lambda message: None)

    def run(self) -> dict[str, int]:
        """Seed every scenario that is not there yet. Returns the demo's offerings by scenario (pk)."""
        students = self._students()
        self._policies()
        if EnrolmentRequest.objects.filter(student__in=students.values()).exists():
            return {}  # seeded before: the requests have moved on since, and stay as they are
        offerings = self._offerings()
        if len(offerings) < 6:
            self.say("Demo requests skipped: too few open University of Amsterdam courses in this catalogue")
            return {}
        # While seeding, the demo's mail stays in the notification centre and the tasks that eager Celery runs
        # in-process keep quiet, instead of flooding the console.
        scenarios = [
            (SELECTION, lambda: self._selection(offerings[SELECTION], students)),
            (LOTTERY, lambda: self._lottery(offerings[LOTTERY], students)),
            (RESERVED, lambda: self._reserved(offerings[RESERVED])),
            (TWO_STEP, lambda: self._two_step(offerings[TWO_STEP], students)),
            (PRECEDENT, lambda: self._precedent(offerings[PRECEDENT], students)),
            (CONNECTED, lambda: self._connected(offerings[CONNECTED])),
        ]
        with _quiet(), override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for name, scenario in scenarios:
                try:
                    with transaction.atomic():  # a scenario the rules refuse leaves nothing half made
                        scenario()
                except ApplicationError as error:
                    self.say(f"Demo requests: the {name} scenario was left out: {error.message}")
        shown = ", ".join(f"{name} {o.code} (/catalogue/offerings/{o.pk}/)" for name, o in offerings.items())
        self.say(f"Demo requests made: {shown}")
        return {name: offering.pk for name, offering in offerings.items()}

    # People and policies ------------------------------------------------------------------------------

    def _students(self) -> dict[str, StudentProfile]:
        institutions = {i.code: i for i in Institution.objects.filter(code__in={s.institution for s in STUDENTS})}
        result = {}
        for number, demo in enumerate(STUDENTS, start=1):
            user, created = User.objects.get_or_create(
                email=_email(demo.local), defaults={"first_name": demo.first_name, "last_name": demo.last_name}
            )
            if created:
                user.set_password(self.password)
                user.save(update_fields=["password"])
            inst = institutions[demo.institution]
            result[demo.local], _ = StudentProfile.objects.get_or_create(
                user=user,
                defaults={
                    "home_institution": inst,
                    "programme": inst.programmes.order_by("croho_code").first(),
                    "student_number": f"{inst.code.upper()}{2000000 + number}",
                },
            )
        return result

    def _policies(self) -> None:
        uu = Institution.objects.get(code="uu")
        HomeApprovalPolicy.objects.get_or_create(
            institution=uu,
            defaults={
                "mode": HomeApprovalPolicy.Mode.MANUAL,
                "first_step_role": StaffRole.Role.HOME_APPROVER,
                "second_step_role": StaffRole.Role.EXAMINATION_BOARD,
            },
        )
        HomeApprovalPolicy.objects.get_or_create(
            institution=Institution.objects.get(code="hu"), defaults={"mode": HomeApprovalPolicy.Mode.AUTOMATIC}
        )

    def _offerings(self) -> dict[str, Offering]:
        """Six University of Amsterdam course runs open for enrolment now, the same ones on every run: those
        already picked (by their admission mode and reservations), else the first by code."""
        open_now = (
            Offering.objects.filter(
                institution__code="uva",
                course__isnull=False,
                visible_partners=True,
                enrol_opens_at__lte=self.now,
                enrol_closes_at__gt=self.now + dt.timedelta(days=7),
                start_date__gt=self.now.date(),
            )
            .select_related("course")
            .order_by("code")
        )
        # The demo's students come from UU and HU: a run must be open to them by a route their home pilots.
        pilots = [i.piloted_routes for i in Institution.objects.filter(code__in={s.institution for s in STUDENTS})]
        picked, courses = [], set()
        for offering in open_now:
            # One run per course: a student may have one open request per course.
            if offering.course_id in courses or not all(
                routes_open(offering.course.suitable_routes, piloted) for piloted in pilots
            ):
                continue
            picked.append(offering)
            courses.add(offering.course_id)
            if len(picked) == 6:
                break
        if len(picked) < 6:
            return {}
        return dict(zip((SELECTION, LOTTERY, RESERVED, CONNECTED, PRECEDENT, TWO_STEP), picked, strict=True))

    def _fresh(self, offering: Offering, **fields) -> bool:
        """Prepare a scenario's run: no requests yet, so its seat count starts from zero (the catalogue's
        search rows are written after the scenarios)."""
        if EnrolmentRequest.objects.filter(offering=offering).exists():
            return False
        Offering.objects.filter(pk=offering.pk).update(seats_taken=0, **fields)
        return True

    def _submit(self, student: StudentProfile, offering: Offering) -> EnrolmentRequest:
        motivation = "Dit vak past bij mijn minor en mijn afstudeerrichting."
        # No route named: the first the offering suits and the student's home pilots.
        return requests.request_submit(user=student.user, offering_id=offering.pk, motivation=motivation)

    def _home_approve(self, request: EnrolmentRequest) -> None:
        """Every step of the home's policy, by the home's own staff."""
        for _step in range(2):
            request.refresh_from_db()
            if request.status != "submitted":
                return
            role = approval.home_step_role(request)
            staff = StaffRole.objects.filter(institution_id=request.home_institution_id, role=role).first()
            if staff is None:
                return
            approval.home_approve(user=staff.user, request_id=request.pk, comment="")

    # Scenarios ----------------------------------------------------------------------------------------

    def _selection(self, offering: Offering, students) -> None:
        if not self._fresh(offering, admission_mode=AdmissionMode.SELECTION, capacity=2):
            return
        for local in ("student.uu2", "student.hu2", "student.hu3"):
            self._home_approve(self._submit(students[local], offering))

    def _lottery(self, offering: Offering, students) -> None:
        # The draw is an hour away while the students enter it, then due: the system draws it now.
        opened = offering.enrol_opens_at
        minutes = int((self.now - opened).total_seconds() // 60) + 60
        if not self._fresh(offering, admission_mode=AdmissionMode.LOTTERY, capacity=2, lottery_minutes=minutes):
            return
        for local in ("student.uu3", "student.uu4", "student.hu2", "student.hu3", "student.hu4"):
            self._home_approve(self._submit(students[local], offering))
        Offering.objects.filter(pk=offering.pk).update(lottery_minutes=0)
        admission.lottery_draw(offering_id=offering.pk)

    def _reserved(self, offering: Offering) -> None:
        if not self._fresh(offering, capacity=20):
            return
        SeatReservation.objects.get_or_create(
            offering=offering,
            institution=Institution.objects.get(code="hu"),
            defaults={"seats": 2, "release_at": offering.enrol_closes_at},
        )

    def _two_step(self, offering: Offering, students) -> None:
        if not self._fresh(offering):
            return
        request = self._submit(students["student.uu2"], offering)
        approver = StaffRole.objects.filter(institution__code="uu", role=StaffRole.Role.HOME_APPROVER).first()
        approval.home_approve(user=approver.user, request_id=request.pk, comment="Past in de vrije ruimte.")

    def _precedent(self, offering: Offering, students) -> None:
        board = StaffRole.objects.filter(institution__code="uu", role=StaffRole.Role.EXAMINATION_BOARD).first()
        student = students["student.uu3"]
        others = Offering.objects.filter(institution__code="eur", course__isnull=False).order_by("code")
        for course in (offering.course, *(o.course for o in others[:1])):
            RecognitionPrecedent.objects.get_or_create(
                programme=student.programme,
                course=course,
                defaults={"counts_as": "Keuzeruimte", "decided_by": board.user if board else None},
            )
        if self._fresh(offering):
            self._submit(student, offering)  # approved at once: the precedent covers it

    def _connected(self, offering: Offering) -> None:
        student = StudentProfile.objects.filter(user__email=_email("student.tud")).first()
        if student is None or not self._fresh(offering, capacity=30):
            return
        self._submit(student, offering)  # TU Delft's system (the reference peer) decides and registers
