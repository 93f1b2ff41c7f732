"""A small zone whose every aggregate is worked out by hand in the tests (see the comments there).

Three institutions A, B and C; one offering at each in semester 1 of 2026-2027. Requests (home → host):

- A → B, route off the beaten path: 2 completed, 3 registered, 1 approved by home, 1 submitted (7);
- A → C, route modular: 3 approved by home;
- B → C, route own pace: 6 registered, each with its events: home decided after 1..6 days (deadline 5),
  host after 2, 2, 2, 2, 2 and 10 days (deadline 3), registered one day after admission;
- C → A, route off the beaten path: 2 submitted;
- and one draft of A's (never counted).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from enrolment.models import EnrolmentRequest, RequestEvent, Status
from institutions.models import AcademicPeriod, AcademicYear
from institutions.routes import Route
from tests.factories import CourseFactory, InstitutionFactory, OfferingFactory, StudentProfileFactory

T0 = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


class World:
    def __init__(self, prefix: str = "w"):
        self.prefix = prefix
        self.a, self.b, self.c = (
            InstitutionFactory(code=f"{prefix}-{x}", short_name=f"{prefix.upper()}-{x.upper()}") for x in "abc"
        )
        self.offering = {i.pk: self._offering(i) for i in (self.a, self.b, self.c)}

    def _offering(self, institution):
        year = AcademicYear.objects.create(
            institution=institution, name="2026-2027", start_date=dt.date(2026, 8, 31), end_date=dt.date(2027, 8, 29)
        )
        period = AcademicPeriod.objects.create(
            academic_year=year,
            institution=institution,
            kind=AcademicPeriod.Kind.SEMESTER,
            sequence=1,
            name_nl="Semester 1",
            name_en="Semester 1",
            start_date=dt.date(2026, 8, 31),
            end_date=dt.date(2027, 1, 29),
        )
        return OfferingFactory(course=CourseFactory(institution=institution), period=period)

    def request(self, home, host, *, status, route, submitted_at=T0, approved_at=None, **extra) -> EnrolmentRequest:
        student = StudentProfileFactory(home_institution=home, programme=None)
        request = EnrolmentRequest.objects.create(
            student=student,
            offering=self.offering[host.pk],
            home_institution=home,
            host_institution=host,
            route=route,
            submitted_at=submitted_at,
            **extra,
        )
        registered = (
            {"home_registered_at": T0, "host_registered_at": T0} if status in ("registered", "completed") else {}
        )
        EnrolmentRequest.objects.filter(pk=request.pk).update(status=status, home_approved_at=approved_at, **registered)
        return request

    def build(self) -> World:
        a, b, c = self.a, self.b, self.c
        otbp, modular, own_pace = Route.OFF_THE_BEATEN_PATH, Route.MODULAR, Route.OWN_PACE
        for status in [Status.COMPLETED] * 2 + [Status.REGISTERED] * 3 + [Status.HOME_APPROVED]:
            self.request(a, b, status=status, route=otbp, approved_at=T0 + DAY)
        self.request(a, b, status=Status.SUBMITTED, route=otbp)
        for _ in range(3):
            self.request(a, c, status=Status.HOME_APPROVED, route=modular, approved_at=T0 + DAY)
        for home_days, host_days in zip([1, 2, 3, 4, 5, 6], [2, 2, 2, 2, 2, 10], strict=True):
            approved = T0 + home_days * DAY
            admitted = approved + host_days * DAY
            request = self.request(
                b,
                c,
                status=Status.REGISTERED,
                route=own_pace,
                approved_at=approved,
                decision_due_at=T0 + 5 * DAY,
                host_decision_due_at=approved + 3 * DAY,
            )
            for frm, to, at in [
                (Status.DRAFT, Status.SUBMITTED, T0),
                (Status.SUBMITTED, Status.HOME_APPROVED, approved),
                (Status.HOME_APPROVED, Status.ADMITTED, admitted),
                (Status.ADMITTED, Status.REGISTERED, admitted + DAY),
            ]:
                event = RequestEvent.objects.create(request=request, from_status=frm, to_status=to, reason="automatic")
                RequestEvent.objects.filter(pk=event.pk).update(at=at)
        for _ in range(2):
            self.request(c, a, status=Status.SUBMITTED, route=otbp)
        self.request(a, c, status=Status.DRAFT, route=otbp, submitted_at=None)
        return self


def now():
    return timezone.now()
