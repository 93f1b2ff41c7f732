"""A student's export holds every declared kind; erasure pseudonymises what is kept by law, deletes the rest,
and the figures built on kept records do not change."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from billing.models_settlement import Tariff
from billing.models_tuition import LedgerEntry
from billing.selectors_settlement import settlement_matrix
from credentials.models import CredentialEvent, IssuedCredential
from enrolment.models import EnrolmentRequest, RequestEvent, Status
from notifications.models import Notification, NotificationPreference
from privacy import selectors
from privacy.models import ErasureRecord
from privacy.services import account_erase
from results.models import Recognition, Result
from tests.credentials.world import recognised_pass, registered, zone
from tests.factories import StaffRoleFactory

__all__ = ["zone"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def student(zone, django_capture_on_commit_callbacks):
    recognised_pass(zone, django_capture_on_commit_callbacks)
    user = zone.student.user
    user.first_name, user.last_name = "Mila", "de Vries"
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    NotificationPreference.objects.get_or_create(user=user)
    Notification.objects.get_or_create(user=user, kind="results.recognised", defaults={"link": "/results/"})
    request = EnrolmentRequest.objects.get(student=zone.student)
    request.motivation = "I want to learn data science because of my job at Acme."
    request.save(update_fields=["motivation"])
    # What ledgers and settlement count: a tuition charge with its correction, and a tariff home → host.
    charge = LedgerEntry.objects.create(
        student=zone.student, institution=zone.home, kind="charge", amount=Decimal("1250.00"), description="Tuition"
    )
    LedgerEntry.objects.create(
        student=zone.student,
        institution=zone.home,
        kind="correction",
        amount=Decimal("-125.00"),
        description="Contract lowered",
        corrects=charge,
    )
    Tariff.objects.create(
        payer=zone.home, payee=zone.host, basis="per_ec", rate=Decimal("40.00"), valid_from=dt.date(2000, 1, 1)
    )
    return user


def _zone_dashboard() -> dict:
    """The zone dashboard's every chart, as the API gives it to a coordinator (aggregates only)."""
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get_or_create(email="coordinator@zone.example", is_zone_coordinator=True)[0])
    response = client.get("/api/insights/zone/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.json()


def figures():
    """What dashboards, ledgers and settlement are built on: counts and sums over kept records."""
    return {
        "requests": list(
            EnrolmentRequest.objects.values("home_institution", "host_institution", "route", "status")
            .annotate(n=Count("pk"))
            .order_by("home_institution", "host_institution", "route", "status")
        ),
        "results": list(Result.objects.values("passed").annotate(n=Count("pk"), ec=Sum("ec")).order_by("passed")),
        "recognitions": Recognition.objects.count(),
        "events": RequestEvent.objects.count(),
        "credentials": list(IssuedCredential.objects.values("status").annotate(n=Count("pk")).order_by("status")),
        "ledgers": list(
            LedgerEntry.objects.values("student", "institution").annotate(balance=Sum("amount")).order_by("student")
        ),
        "settlement": [(r.payer.pk, r.payee.pk, r.amount, r.enrolments) for r in settlement_matrix()],
        "dashboard": _zone_dashboard(),
        "students_per_institution": list(
            User.objects.filter(student__isnull=False)
            .values("student__home_institution")
            .annotate(n=Count("pk"))
            .order_by("student__home_institution")
        ),
    }


def test_the_export_holds_every_declared_kind_with_the_persons_rows(student, client):
    client.force_login(student)
    response = client.get(reverse("privacy:export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    exported = json.loads(response.content)
    declared = {d.label for d, _model in selectors.personal_declarations()}
    assert set(exported["kinds"]) == declared
    for declaration, model in selectors.personal_declarations():
        expected = selectors.rows_about(declaration, model, student).count()
        assert len(exported["kinds"][declaration.label]["rows"]) == expected, declaration.label
    # The student's own records are in it, each kind that the fixture made.
    for label in (
        "accounts.User",
        "accounts.StudentProfile",
        "account.EmailAddress",
        "enrolment.EnrolmentRequest",
        "enrolment.RequestEvent",
        "results.Result",
        "results.Recognition",
        "credentials.IssuedCredential",
        "credentials.CredentialEvent",
        "notifications.NotificationPreference",
        "notifications.Notification",
    ):
        assert exported["kinds"][label]["rows"], label
    assert exported["kinds"]["enrolment.EnrolmentRequest"]["rows"][0]["motivation"].startswith("I want to learn")
    assert "password" not in exported["kinds"]["accounts.User"]["rows"][0]


def test_the_export_holds_nothing_of_another_person(student, zone, client):
    other = registered_other(zone)
    exported = selectors.export_of(student)
    request_ids = {row["id"] for row in exported["kinds"]["enrolment.EnrolmentRequest"]["rows"]}
    assert other.pk not in request_ids


def registered_other(zone):
    from tests.factories import StudentProfileFactory

    other_zone = type("Z", (), {})()
    other_zone.__dict__.update(zone.__dict__)
    other_zone.student = StudentProfileFactory(home_institution=zone.home)
    return registered(other_zone)


def test_the_readable_page_shows_each_kind(student, client):
    client.force_login(student)
    page = client.get(reverse("privacy:mine")).content.decode()
    for declaration, _model in selectors.personal_declarations():
        assert f'data-kind="{declaration.label}"' in page
    assert "I want to learn data science" in page
    assert "Kept after erasure, without your name." in page


def test_erasure_pseudonymises_what_is_kept_and_deletes_the_rest(student, zone, client):
    before = figures()
    # The figures are about something: a balance, a pair that owes, a dashboard that counts the request.
    assert before["ledgers"][0]["balance"] == Decimal("1125.00")
    assert before["settlement"] and before["settlement"][0][3] == 1
    assert before["dashboard"]
    request = EnrolmentRequest.objects.get(student=zone.student)
    result = Result.objects.get(request=request)
    credential = IssuedCredential.objects.get(holder=zone.student)
    assert Notification.objects.filter(user=student).exists()

    record = account_erase(user=student, confirmation="MILA@student.example ")

    student.refresh_from_db()
    assert student.email == f"erased-{record.pseudonym}@erased.invalid"
    assert (student.first_name, student.last_name, student.is_active) == ("", "", False)
    assert not student.has_usable_password()
    # Kept by law, without the person: the request (no motivation), the result, the credential's status.
    request.refresh_from_db()
    assert (request.status, request.motivation) == (Status.COMPLETED, "")
    kept = Result.objects.get(pk=result.pk)
    assert (kept.score, kept.passed, kept.ec) == (result.score, result.passed, result.ec)
    credential.refresh_from_db()
    assert (credential.document, credential.status_index) == ("", credential.status_index)
    assert CredentialEvent.objects.filter(credential=credential).exists()
    # Gone.
    assert not Notification.objects.filter(user=student).exists()
    assert not NotificationPreference.objects.filter(user=student).exists()
    assert not EmailAddress.objects.filter(user=student).exists()
    # The figures built on kept records add up as before.
    assert figures() == before
    assert record.deleted["account.EmailAddress"] == 1
    assert record.pseudonymised["enrolment.EnrolmentRequest"] == 1
    assert ErasureRecord.objects.get(user=student).pseudonym == record.pseudonym
    # Nothing in the export still names them.
    assert "Mila" not in json.dumps(selectors.export_of(student))
    assert "mila@student.example" not in json.dumps(selectors.export_of(student))


def test_erasure_through_the_page_signs_out_and_the_login_stops_working(student, client):
    student.set_password("a-long-password-1")
    student.save()
    client.force_login(student)
    page = client.get(reverse("privacy:erase")).content.decode()
    assert "What is kept, without your name" in page
    response = client.post(reverse("privacy:erase"), {"confirmation": "mila@student.example"})
    assert response.status_code == 302
    assert client.get(reverse("privacy:mine")).status_code == 302  # signed out: to the login
    assert not client.login(email="mila@student.example", password="a-long-password-1")


@pytest.mark.parametrize(
    ("arrange", "confirmation", "status", "message"),
    [
        (lambda z, u: None, "someone@else.example", 400, "Type your own email address to confirm."),
        (
            lambda z, u: StaffRoleFactory(user=u, institution=z.home),
            "mila@student.example",
            403,
            "Accounts that hold staff roles",
        ),
        (
            lambda z, u: registered(z),
            "mila@student.example",
            409,
            "You have requests that are still running (1).",
        ),
    ],
    ids=["wrong-confirmation", "staff", "request-running"],
)
def test_a_refused_erasure_writes_nothing(student, zone, client, arrange, confirmation, status, message):
    arrange(zone, student)
    before = (figures(), EmailAddress.objects.count(), User.objects.get(pk=student.pk).email)
    client.force_login(student)
    response = client.post(reverse("privacy:erase"), {"confirmation": confirmation})
    assert response.status_code == 400  # the page answers with the form and the reason
    assert message in response.content.decode()
    assert (figures(), EmailAddress.objects.count(), User.objects.get(pk=student.pk).email) == before
    assert not ErasureRecord.objects.exists()
    # The service says which axis refused: the confirmation (400), who (403), the state (409).
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        account_erase(user=student, confirmation=confirmation)
    assert refused.value.status_code == status


def test_the_api_gives_the_same_export(student, client):
    client.force_login(student)
    response = client.get("/api/privacy/export/")
    assert response.status_code == 200
    assert set(response.json()["kinds"]) == {d.label for d, _m in selectors.personal_declarations()}
    client.logout()
    assert client.get("/api/privacy/export/").status_code in (401, 403)
