"""The results pages: the host's list with the CSV upload and its report, one request's result with the
record and correction forms, and what the student sees."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enrolment.models import Status
from results.models import Result

pytestmark = pytest.mark.django_db


def test_the_host_sees_what_to_record_and_records_it(client, zone):
    request = zone.registered()
    client.force_login(zone.host_admissions)
    page = client.get(f"/results/host/{zone.host.code}/")
    assert page.status_code == 200
    assert f"/results/requests/{request.public_id}/" in page.content.decode()
    form = {"scale": "1-10", "score": "7,5", "ec": "5", "assessed_on": zone.offering.end_date.isoformat()}
    answer = client.post(f"/results/requests/{request.public_id}/", form | {"attempt": "1", "examiner": "Dr. Vos"})
    assert answer.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.COMPLETED and Result.objects.get().score == "7.5"
    # Nothing left to record; the result is listed as recorded.
    page = client.get(f"/results/host/{zone.host.code}/").content.decode()
    assert "No results to record" in page and "7.5" in page


def test_a_refused_result_is_explained_on_the_page_and_nothing_is_written(client, zone):
    request = zone.registered()
    client.force_login(zone.host_admissions)
    form = {"scale": "1-10", "score": "4", "ec": "5", "assessed_on": zone.offering.end_date.isoformat(), "attempt": "1"}
    answer = client.post(f"/results/requests/{request.public_id}/", form)
    assert answer.status_code == 400
    assert "A fail earns 0 EC." in answer.content.decode()
    assert not Result.objects.exists()


def test_a_correction_from_the_page_keeps_the_history(client, zone):
    request = zone.registered()
    client.force_login(zone.host_admissions)
    base = {"scale": "1-10", "ec": "5", "assessed_on": zone.offering.end_date.isoformat(), "attempt": "1"}
    client.post(f"/results/requests/{request.public_id}/", base | {"score": "6"})
    fixed = {f"fix-{key}": value for key, value in (base | {"score": "8", "reason": "Marking error"}).items()}
    assert client.post(f"/results/requests/{request.public_id}/", fixed | {"correct": "1"}).status_code == 302
    page = client.get(f"/results/requests/{request.public_id}/").content.decode()
    assert 'id="result-history"' in page and "Marking error" in page
    assert list(Result.objects.order_by("pk").values_list("score", flat=True)) == ["6", "8"]


def test_the_student_reads_the_result_but_has_no_form(client, zone):
    request = zone.registered()
    Result.objects.create(
        request=request, scale="1-10", score="8", passed=True, ec=5, assessed_on=zone.offering.end_date
    )
    client.force_login(zone.student.user)
    page = client.get(f"/results/requests/{request.public_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="current-result"' in text and 'id="record-form"' not in text
    refused = client.post(f"/results/requests/{request.public_id}/", {"score": "10"})
    assert refused.status_code == 403 and Result.objects.count() == 1


def test_a_bad_csv_gets_a_report_on_the_page(client, zone):
    zone.registered()
    client.force_login(zone.host_admissions)
    content = b"offering,student,scale,score,ec,date\nRS101-A,nobody@student.example,1-10,8,5,2020-01-01\n"
    answer = client.post(f"/results/host/{zone.host.code}/", {"file": SimpleUploadedFile("r.csv", content, "text/csv")})
    assert answer.status_code == 400
    text = answer.content.decode()
    assert 'id="csv-report"' in text and "nobody@student.example" in text
    assert not Result.objects.exists()


def test_another_hosts_page_is_not_found(client, zone):
    client.force_login(zone.other_admissions)
    assert client.get(f"/results/host/{zone.host.code}/").status_code == 404


def test_the_home_page_links_each_role_to_its_results_pages(client, zone):
    from accounts.models import StaffRole
    from tests.factories import StaffRoleFactory

    board = StaffRoleFactory(institution=zone.home, role=StaffRole.Role.EXAMINATION_BOARD).user
    expected = {
        zone.student.user: ["/results/transcript/"],
        zone.host_admissions: [f"/results/host/{zone.host.code}/"],
        board: ["/results/board/"],
    }
    for user, links in expected.items():
        client.force_login(user)
        page = client.get("/").content.decode()
        for link in links:
            assert f'href="{link}"' in page
            assert client.get(link).status_code == 200  # the page it promises exists
    client.logout()
    assert "/results/" not in client.get("/").content.decode()
