"""Results and recognition in a real browser: the host records a result by hand and a second by CSV, the
home examination board recognises one with a conversion, and the student reads the transcript and
downloads it as PDF. axe-core on each page on the way."""

from __future__ import annotations

import re
import zlib
from base64 import a85decode
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import StaffRole
from results.models import ConversionRow, ConversionTable, Recognition, Result
from tests.browser.axe import assert_accessible
from tests.browser.test_enrolment_browser import log_in
from tests.factories import ProgrammeFactory, StaffRoleFactory, StudentProfileFactory
from tests.results.conftest import zone  # noqa: F401 (the fixture: a host course that ended last week)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def new_person(browser, live_server):
    contexts = []

    def open_context():
        context = browser.new_context(base_url=live_server.url, locale="en-GB", accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_context
    for context in contexts:
        context.close()


def pdf_text(content: bytes) -> str:
    """The text drawn in a reportlab PDF: its page streams are ASCII85 and Flate encoded."""
    text = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.S):
        data = stream.strip()
        try:
            if data.endswith(b"~>"):
                data = zlib.decompress(a85decode(data.removeprefix(b"<~").removesuffix(b"~>"), adobe=False))
            else:
                data = zlib.decompress(data)
        except (ValueError, zlib.error):
            continue
        text.extend(part.decode("latin-1") for part in re.findall(rb"\((.*?)\) Tj", data))
    return " ".join(text).replace("\\(", "(").replace("\\)", ")")


def test_record_by_hand_and_by_csv_recognise_and_read_the_transcript(zone, new_person, tmp_path):  # noqa: F811
    zone.student.programme = ProgrammeFactory(institution=zone.home)
    zone.student.save(update_fields=["programme"])
    first = zone.registered()
    second_student = StudentProfileFactory(
        home_institution=zone.home, programme=zone.student.programme, user__email="tom@student.example"
    )
    second = zone.registered(who=second_student)
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

    # The host's admissions: the list of results to record, one by hand.
    host = new_person()
    log_in(host, zone.host_admissions)
    host.goto(f"/results/host/{zone.host.code}/")
    assert_accessible(host, "results to record")
    host.get_by_role("link", name=re.compile(f"Record the result of {first.student.user.get_full_name()}")).click()
    assert_accessible(host, "record a result")
    form = host.locator("#record-form")
    form.get_by_label("Grade scale").select_option("0-100")
    form.get_by_label("Score").fill("72")
    form.get_by_label("EC earned").fill("5")
    form.get_by_label("Examiner").fill("Dr. Vos")
    form.get_by_role("button", name="Record").click()
    expect(host.locator("#current-result")).to_contain_text("72")
    first.refresh_from_db()
    assert first.status == "completed"

    # A CSV with a bad row first: a report, nothing written; then the good file.
    host.goto(f"/results/host/{zone.host.code}/")
    end = zone.offering.end_date.isoformat()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"offering,student,scale,score,ec,date\nRS101-A,tom@student.example,1-10,11,5,{end}\n")
    host.locator("#id_file").set_input_files(str(bad))
    host.get_by_role("button", name="Upload and record").click()
    expect(host.locator("#csv-report")).to_contain_text("11 is not a score")
    assert not Result.objects.filter(request=second).exists()
    good = tmp_path / "good.csv"
    good.write_text(f"offering,student,scale,score,ec,date\nRS101-A,tom@student.example,1-10,6.8,5,{end}\n")
    host.locator("#id_file").set_input_files(str(good))
    host.get_by_role("button", name="Upload and record").click()
    expect(host.get_by_role("status")).to_contain_text("1 results were recorded")
    assert Result.objects.get(request=second).source == "csv"

    # The home examination board: the queue, and a decision with the converted grade.
    examiner = new_person()
    log_in(examiner, board)
    examiner.goto("/results/board/")
    assert_accessible(examiner, "recognition queue")
    examiner.locator("#recognition-queue").get_by_role("link", name=re.compile("RS101")).first.click()
    expect(examiner.get_by_text("0-100 to 1-10: Half up.")).to_be_visible()
    decision = examiner.locator("#decision-form")
    assert decision.get_by_label("Grade on the home scale (1-10)").input_value() in ("7.2", "6.8")
    assert_accessible(examiner, "decide a recognition")
    decision.get_by_label("Recognise", exact=True).check()
    decision.get_by_label("Counts as").fill("minor")
    decision.get_by_label("Reason").fill("Fits the minor.")
    decision.get_by_role("button", name="Record the decision").click()
    expect(examiner.get_by_role("status")).to_contain_text("The decision was recorded")
    decided = Recognition.objects.get(status="recognised")
    assert decided.converted_score in ("7.2", "6.8")

    # The student: the transcript, and the same as PDF.
    student = new_person()
    log_in(student, zone.student.user)
    student.goto("/results/transcript/")
    assert_accessible(student, "transcript")
    row = student.locator("#transcript tbody tr").first
    expect(row).to_contain_text("72")
    expected = "Recognised" if decided.request_id == first.pk else "Waiting for the examination board"
    expect(row).to_contain_text(expected)
    with student.expect_download() as download:
        student.locator("#transcript-pdf").click()
    with open(download.value.path(), "rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "Transcript of external results" in text and "RS101" in text and "72 (0-100)" in text
