"""End to end with a connected host: the host institution's own system (the reference peer, a real
subprocess) PATCHes the result of an association to the portal over real HTTP, and the student's home
examination board sees it in its queue, converted."""

from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import StaffRole
from enrolment.models import Status
from ooapi.provider.scopes import ASSOCIATIONS_READ, ASSOCIATIONS_WRITE
from ooapi.provider.services import provider_client_create
from results.models import ConversionRow, ConversionTable, Recognition, Result
from tests.factories import ProgrammeFactory, StaffRoleFactory

pytest_plugins = ["tests.ooapi_peer.fixtures"]
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_hosts_system_reports_a_result_and_the_home_board_sees_it(zone, live_server, ooapi_peer):
    zone.student.programme = ProgrammeFactory(institution=zone.home)
    zone.student.save(update_fields=["programme"])
    request = zone.registered()
    board = StaffRoleFactory(institution=zone.home, role=StaffRole.Role.EXAMINATION_BOARD).user
    table = ConversionTable.objects.create(
        name="0-100 to 1-10",
        from_scale="0-100",
        to_scale="1-10",
        pass_threshold=Decimal("5.5"),
        rounding_rule="Half up.",
    )
    for source, target in (("0", "1.0"), ("55", "5.5"), ("100", "10.0")):
        ConversionRow.objects.create(table=table, from_score=source, to_score=Decimal(target))
    client, secret = provider_client_create(institution=zone.host, scopes=[ASSOCIATIONS_READ, ASSOCIATIONS_WRITE])
    result = {
        "state": "completed",
        "pass": "passed",
        "score": "81",
        "resultDate": zone.offering.end_date.isoformat(),
        "studyLoad": {"studyLoadUnit": "ects", "value": 5},
    }

    answer = ooapi_peer.control.report(
        portal=live_server.url,
        client_id=client.application.client_id,
        client_secret=secret,
        association_id=str(request.public_id),
        patch={"remoteState": "associated", "result": result},
    )

    assert (answer["step"], answer["status"]) == ("patch", 200), answer
    recorded = Result.objects.get(request=request)
    assert (recorded.source, recorded.scale, recorded.score, recorded.passed) == ("system", "0-100", "81", True)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    waiting = Recognition.objects.get(request=request)
    assert (waiting.status, waiting.converted_score) == ("waiting", "8.1")  # 5.5 + 26/45 × 4.5
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(board)
    queue = browser.get("/results/board/").content.decode()
    assert "RS101" in queue and "81 (0 to 100" in queue and "→ 8.1" in queue


def test_a_result_the_rules_refuse_leaves_nothing(zone, live_server, ooapi_peer):
    """Before the end date: the peer's PATCH is answered 409 and nothing is recorded."""
    request = zone.registered()
    zone.offering.end_date = zone.today.replace(year=zone.today.year + 1)
    zone.offering.save(update_fields=["end_date"])
    client, secret = provider_client_create(institution=zone.host, scopes=[ASSOCIATIONS_WRITE])
    answer = ooapi_peer.control.report(
        portal=live_server.url,
        client_id=client.application.client_id,
        client_secret=secret,
        association_id=str(request.public_id),
        patch={
            "result": {
                "state": "completed",
                "score": "8",
                "resultDate": zone.today.isoformat(),
                "studyLoad": {"studyLoadUnit": "ects", "value": 5},
            }
        },
    )
    # The peer asks in no language: the portal answers in its default, Dutch; the message names the date.
    assert answer["status"] == 409 and zone.offering.end_date.isoformat() in answer["body"]["detail"]
    assert not Result.objects.exists()
