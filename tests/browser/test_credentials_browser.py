"""Microcredentials in a real browser: the host records a pass, the home examination board recognises it,
the student finds the credential on their page, the public verification page reads its share link as
valid, and after the awarding board revokes it, as revoked. axe-core on each new page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import StaffRole
from credentials.models import IssuedCredential
from enrolment.models import EnrolmentRequest, Status
from institutions.routes import Route
from tests.browser.axe import assert_accessible
from tests.browser.test_enrolment_browser import log_in
from tests.browser.test_results_browser import new_person  # noqa: F401 (the fixture)
from tests.credentials.test_stacked import passed, stack, whole  # noqa: F401 (stack: the fixture)
from tests.credentials.world import definition
from tests.factories import ProgrammeFactory, StaffRoleFactory
from tests.results.conftest import zone  # noqa: F401 (the fixture: a host course that ended last week)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_recognised_pass_gives_a_credential_anyone_verifies_until_it_is_revoked(zone, new_person):  # noqa: F811
    zone.student.programme = ProgrammeFactory(institution=zone.home)
    zone.student.save(update_fields=["programme"])
    request = zone.registered()
    definition(course=zone.offering.course, awarding_institution=zone.host, title="Research Skills")
    home_board = StaffRoleFactory(institution=zone.home, role=StaffRole.Role.EXAMINATION_BOARD).user
    host_board = StaffRoleFactory(institution=zone.host, role=StaffRole.Role.EXAMINATION_BOARD).user

    # The host's admissions record a pass.
    host = new_person()
    log_in(host, zone.host_admissions)
    host.goto(f"/results/requests/{request.public_id}/")
    form = host.locator("#record-form")
    form.get_by_label("Grade scale").select_option("1-10")
    form.get_by_label("Score").fill("7.5")
    form.get_by_label("EC earned").fill("5")
    form.get_by_role("button", name="Record").click()
    expect(host.locator("#current-result")).to_contain_text("7.5")

    # The home examination board recognises it: the credential is issued on that decision.
    examiner = new_person()
    log_in(examiner, home_board)
    examiner.goto("/results/board/")
    examiner.locator("#recognition-queue").get_by_role("link", name=re.compile("RS101")).first.click()
    decision = examiner.locator("#decision-form")
    decision.get_by_label("Recognise", exact=True).check()
    decision.get_by_label("Counts as").fill("minor")
    decision.get_by_label("Reason").fill("Fits the minor.")
    decision.get_by_role("button", name="Record the decision").click()
    expect(examiner.get_by_role("status")).to_contain_text("The decision was recorded")
    credential = IssuedCredential.objects.get(holder=zone.student)

    # The student: My credentials in the navigation, the credential with its share link and QR code.
    student = new_person()
    log_in(student, zone.student.user)
    student.get_by_role("link", name="My credentials").first.click()
    card = student.locator(f'[data-credential="{credential.public_id}"]')
    expect(card).to_contain_text("Research Skills")
    expect(card.locator("figure.qr svg")).to_be_visible()
    assert_accessible(student, "my credentials")
    share_link = card.locator("a.share-link").inner_text()
    assert share_link.endswith(f"/credentials/{credential.public_id}")

    # Anyone: the public verification page, given the share link.
    verifier = new_person()
    verifier.goto("/credentials/verify/")
    assert_accessible(verifier, "verification form")
    verifier.get_by_label("Or give its share link").fill(share_link)
    verifier.get_by_role("button", name="Verify").click()
    expect(verifier.locator("#verdict")).to_have_attribute("data-verdict", "valid")
    expect(verifier.locator("#verdict-heading")).to_have_text("This credential is valid.")
    assert_accessible(verifier, "verification verdict")

    # The awarding board revokes it, with a reason.
    board = new_person()
    log_in(board, host_board)
    board.goto(f"/credentials/awarded/{zone.host.code}/")
    assert_accessible(board, "issued credentials")
    row = board.locator(f'tr[data-credential="{credential.public_id}"]')
    row.get_by_label("Reason for the revocation").fill("Exam fraud established")
    row.get_by_role("button", name="Revoke").click()
    expect(board.get_by_role("status")).to_contain_text("The credential is revoked")

    verifier.goto("/credentials/verify/")
    verifier.get_by_label("Or give its share link").fill(share_link)
    verifier.get_by_role("button", name="Verify").click()
    expect(verifier.locator("#verdict")).to_have_attribute("data-verdict", "revoked")
    expect(verifier.locator("#verdict")).to_contain_text("Exam fraud established")
    assert_accessible(verifier, "revoked verdict")


def test_module_credentials_that_complete_a_whole_show_a_stacked_credential_on_the_wallet(stack, new_person):  # noqa: F811
    """Two of three modules passed (through the results service); the host records the third in the browser;
    the learner's wallet then shows the credential for the whole with its three components, the public
    verification page reads it as valid and names them; revoking a component revokes the whole."""
    whole(stack)
    with_services = [passed(stack, index, _run_at_once) for index in range(2)]
    assert not IssuedCredential.objects.filter(holder=stack.learner, result__isnull=True).exists()
    request = EnrolmentRequest.objects.create(
        student=stack.learner,
        offering=stack.offerings[2],
        home_institution=None,
        host_institution=stack.host,
        route=Route.MODULAR,
        status=Status.REGISTERED,
        submitted_at=stack.offerings[2].enrol_opens_at,
        home_approved_at=stack.offerings[2].enrol_opens_at,
    )

    host = new_person()
    log_in(host, stack.admissions)
    host.goto(f"/results/requests/{request.public_id}/")
    form = host.locator("#record-form")
    form.get_by_label("Grade scale").select_option("1-10")
    form.get_by_label("Score").fill("8")
    form.get_by_label("EC earned").fill("5")
    form.get_by_role("button", name="Record").click()
    expect(host.locator("#current-result")).to_contain_text("8")

    stacked = IssuedCredential.objects.get(holder=stack.learner, result__isnull=True)
    components = [*with_services, IssuedCredential.objects.get(result__request=request)]
    learner = new_person()
    log_in(learner, stack.learner.user)
    learner.goto("/credentials/mine/")
    card = learner.locator(f'[data-credential="{stacked.public_id}"]')
    expect(card).to_contain_text("Data Science for Professionals")
    for component, title in zip(components, ("Data Pipelines", "Regression", "Machine Learning"), strict=True):
        expect(card.locator(f'[data-component="{component.public_id}"]')).to_contain_text(title)
        expect(learner.locator(f'[data-credential="{component.public_id}"] ul.stacked-into')).to_contain_text(
            "Data Science for Professionals"
        )
    assert_accessible(learner, "my credentials with a stacked one")
    card.locator("a.verify-link").click()
    expect(learner.locator("#verdict")).to_have_attribute("data-verdict", "valid")
    expect(learner.locator(".verification-components")).to_contain_text("Regression")
    assert_accessible(learner, "a stacked credential's verdict")

    board = new_person()
    log_in(board, stack.board)
    board.goto(f"/credentials/awarded/{stack.host.code}/")
    row = board.locator(f'tr[data-credential="{components[1].public_id}"]')
    row.get_by_label("Reason for the revocation").fill("Plagiarism found")
    row.get_by_role("button", name="Revoke").click()
    expect(board.get_by_role("status")).to_contain_text("The credential is revoked")
    learner.goto("/credentials/mine/")
    expect(card.locator('[data-status="revoked"]')).to_contain_text("Plagiarism found")


class _run_at_once:  # noqa: N801 (stands in for django_capture_on_commit_callbacks)
    """Outside a test transaction ``on_commit`` runs at once: nothing to capture."""

    def __init__(self, execute=True):
        pass

    def __enter__(self):
        return []

    def __exit__(self, *exc):
        return False
