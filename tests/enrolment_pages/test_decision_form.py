"""A staff member's decision on the request page is one form: the actions as a choice, a reason where the chosen
action takes one (an error next to that field when it is missing), an optional comment. The services still
decide who may act, from which state."""

import re

from enrolment.errors import REASON_REQUIRED_MESSAGE
from enrolment.models import Status

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _decision_form(page: str) -> str:
    match = re.search(r'<form[^>]*id="decision-form".*?</form>', page, re.S)
    assert match, "the request page has no decision form"
    return match.group(0)


def _field(form: str, name: str) -> str:
    match = re.search(rf'<div class="utrecht-form-field[^"]*" data-field="{name}">.*?</select>', form, re.S)
    assert match, f"no form field {name}"
    return match.group(0)


def test_home_approver_decides_in_one_form(client, zone, submitted):
    client.force_login(zone["staff"]["approver"])
    page = client.get(f"/enrolment/requests/{submitted.public_id}/", **EN).content.decode()
    form = _decision_form(page)
    # One choice of the actions the approver may take, one reason field, one comment: not a row per action.
    assert re.findall(r'type="radio" name="verb" value="(\w+)"', form) == ["approve", "deny", "staff_cancel"]
    assert form.count('name="reason"') == 1 and form.count('name="comment"') == 1
    assert "Required for: Deny, Cancel for the student." in form
    assert 'data-verb="approve"' not in page  # the three stacked forms are gone

    response = client.post(f"/enrolment/requests/{submitted.public_id}/act/", {"verb": "approve"}, **EN)
    assert response.status_code == 302
    submitted.refresh_from_db()
    # Approved; a first-come offering with seats admits at once.
    assert submitted.status in (Status.HOME_APPROVED, Status.ADMITTED, Status.REGISTERED)


def test_a_missing_reason_is_shown_next_to_the_reason_field_and_nothing_changes(client, zone, submitted):
    client.force_login(zone["staff"]["approver"])
    url = f"/enrolment/requests/{submitted.public_id}/act/"
    response = client.post(url, {"verb": "deny", "comment": "Sorry"}, **EN)
    assert response.status_code == 400
    reason = _field(_decision_form(response.content.decode()), "reason")
    message = str(REASON_REQUIRED_MESSAGE).replace("'", "&#x27;")
    # Label, description, error, then the select, which names the error and says it is invalid.
    assert re.search(
        r'utrecht-form-label" for="id_reason">Reason</label>.*id="id_reason_helptext".*'
        rf'id="id_reason_error"><p>{re.escape(message)}</p>.*<select name="reason"',
        reason,
        re.S,
    ), reason
    select = re.search(r"<select[^>]*>", reason).group(0)
    assert 'aria-invalid="true"' in select
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in select
    assert "utrecht-select--invalid" in select
    # The chosen decision and the comment are kept for the second try.
    assert 'value="deny" class="utrecht-radio-button utrecht-radio-button--html-input" id="id_verb_1" checked' in (
        response.content.decode()
    )
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED

    response = client.post(url, {"verb": "deny", "reason": "prerequisites_missing"}, **EN)
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.HOME_DENIED


def test_a_reason_the_action_does_not_take_is_refused_by_the_service_next_to_the_field(client, zone, submitted):
    """Cancelling may give "offering cancelled", denying may not: the service says so, shown at the reason."""
    client.force_login(zone["staff"]["approver"])
    response = client.post(
        f"/enrolment/requests/{submitted.public_id}/act/", {"verb": "deny", "reason": "offering_cancelled"}, **EN
    )
    assert response.status_code == 400
    reason = _field(_decision_form(response.content.decode()), "reason")
    assert 'id="id_reason_error"' in reason
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_no_decision_chosen_is_an_error_at_the_choice(client, zone, submitted):
    client.force_login(zone["staff"]["approver"])
    response = client.post(
        f"/enrolment/requests/{submitted.public_id}/act/", {"form": "decision", "reason": "prerequisites_missing"}, **EN
    )
    assert response.status_code == 400
    form = _decision_form(response.content.decode())
    assert re.search(r'<fieldset[^>]*aria-describedby="id_verb_error"[^>]*aria-invalid="true"', form)
    assert '<div class="utrecht-form-field__error-message utrecht-form-field-error-message" id="id_verb_error">' in form
    assert "Choose a decision." in form


def test_host_admissions_admit_through_the_one_form(client, zone, approved_for_selection):
    client.force_login(zone["staff"]["admissions"])
    page = client.get(f"/enrolment/requests/{approved_for_selection.public_id}/", **EN).content.decode()
    verbs = re.findall(r'type="radio" name="verb" value="(\w+)"', _decision_form(page))
    assert verbs == ["admit", "waitlist", "reject", "staff_cancel"]
    response = client.post(f"/enrolment/requests/{approved_for_selection.public_id}/act/", {"verb": "admit"}, **EN)
    assert response.status_code == 302
    approved_for_selection.refresh_from_db()
    assert approved_for_selection.status in (Status.ADMITTED, Status.REGISTERED)


def test_who_may_decide_is_still_the_services_call(client, zone, submitted, approved_for_selection):
    """A decision the user may not take is well-formed input: the service refuses it (403), the form does not."""
    client.force_login(zone["staff"]["approver"])
    response = client.post(f"/enrolment/requests/{approved_for_selection.public_id}/act/", {"verb": "admit"}, **EN)
    assert response.status_code == 403
    client.force_login(zone["staff"]["other_approver"])
    response = client.post(f"/enrolment/requests/{submitted.public_id}/act/", {"verb": "approve"}, **EN)
    assert response.status_code == 404  # not even visible to another institution's staff
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_the_student_sees_no_decision_form(client, zone, submitted):
    client.force_login(zone["student"].user)
    page = client.get(f"/enrolment/requests/{submitted.public_id}/", **EN).content.decode()
    assert 'id="decision-form"' not in page
    assert 'data-verb="cancel"' in page
