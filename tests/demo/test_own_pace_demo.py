"""seed_demo gives own pace a face: student.eigentempo@ (Hogeschool Utrecht, which pilots own pace) with a
plan, a course elsewhere among it, and a contract agreed and changed with its reason and tuition correction;
approver.hu@ sees it. Seeding again changes nothing."""

import pytest

from accounts.models import User
from billing.models_tuition import LedgerEntry
from demo.seeder import DemoSeeder, demo_email
from routes.own_pace.models import ContractEvent, EcContract, PlannedCourse

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_own_pace_student_with_a_plan_and_a_changed_contract(client):
    DemoSeeder(offerings=300).run()
    email = demo_email("student.eigentempo")
    planned = PlannedCourse.objects.filter(plan__student__user__email=email).select_related("course__institution")
    assert planned.count() >= 2
    assert any(p.course.institution.code != "hu" for p in planned)  # a course at another institution
    contract = EcContract.objects.get(student__user__email=email)
    assert contract.status == "agreed" and contract.ec == 45
    assert list(contract.events.values_list("kind", flat=True)) == ["proposed", "agreed", "changed"]
    assert contract.events.get(kind="changed").reason
    assert list(LedgerEntry.objects.filter(student=contract.student).values_list("kind", flat=True)) == [
        "charge",
        "correction",
    ]
    counts = (PlannedCourse.objects.count(), ContractEvent.objects.count(), LedgerEntry.objects.count())
    DemoSeeder(offerings=300).run()
    assert (PlannedCourse.objects.count(), ContractEvent.objects.count(), LedgerEntry.objects.count()) == counts

    client.force_login(contract.student.user)
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/own-pace/"' in home
    assert "€" in client.get("/own-pace/contract/").content.decode()
    client.force_login(User.objects.get(email=demo_email("approver.hu")))
    assert client.get("/own-pace/staff/hu/").status_code == 200
