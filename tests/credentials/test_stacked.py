"""Stacked credentials (#18): module credentials that complete a larger whole (a programme the modules stack
into, ``catalogue.Module.stacks_into``) yield a credential for the whole, signed like the others, listing its
components as OB 3.0 ``evidence``; verified by the portal's verifier and by the independent one."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.models import StaffRole
from accounts.services import learner_profile_create
from credentials.errors import NotAwardingBoardError
from credentials.models import IssuedCredential, MicrocredentialDefinition
from credentials.openbadges import terms
from credentials.openbadges.contexts import OfflineDocumentLoader
from credentials.services import credential_issue, credential_revoke, stacked_credential_issue
from credentials.verification import REVOKED, VALID, credential_verify
from enrolment.models import EnrolmentRequest, Status
from institutions.models import Route
from results.services.results import ResultInput, result_record
from tests.factories import (
    AcademicPeriodFactory,
    InstitutionFactory,
    ModuleFactory,
    OfferingFactory,
    ProgrammeFactory,
    StaffRoleFactory,
    UserFactory,
)

from .conftest import BASE_URL
from .world import revoked_through_portal, verify_through_portal

pytestmark = pytest.mark.django_db
R = StaffRole.Role


class Stack:
    pass


@pytest.fixture
def stack(db, settings):
    """A host with a programme three 5 EC modules stack into, each with its microcredential and a finished
    offering; a professional (module-only learner) and a second one; the host's admissions and board."""
    settings.PORTAL_BASE_URL = BASE_URL
    today = timezone.localdate()
    s = Stack()
    s.host = InstitutionFactory(code="st-host", name_en="Stack University")
    s.other = InstitutionFactory(code="st-other")
    s.programme = ProgrammeFactory(institution=s.host, name_en="Master Data Science")
    period = AcademicPeriodFactory(
        academic_year__institution=s.host,
        start_date=today - dt.timedelta(days=70),
        end_date=today - dt.timedelta(days=7),
    )
    s.modules, s.offerings, s.definitions = [], [], []
    for code, title in (("DS-1", "Data Pipelines"), ("DS-2", "Regression"), ("DS-3", "Machine Learning")):
        module = ModuleFactory(institution=s.host, code=code, title_en=title, ec=Decimal("5"), stacks_into=s.programme)
        s.modules.append(module)
        s.offerings.append(
            OfferingFactory(
                course=None,
                module=module,
                institution=s.host,
                period=period,
                start_date=period.start_date,
                end_date=period.end_date,
                enrol_opens_at=timezone.now() - dt.timedelta(days=120),
                enrol_closes_at=timezone.now() - dt.timedelta(days=80),
            )
        )
        s.definitions.append(definition(module=module, title=title, awarding_institution=s.host))
    s.learner = learner_profile_create(user=UserFactory(email="pat@example.com"), kind="professional")
    s.second = learner_profile_create(user=UserFactory(email="kim@example.com"), kind="professional")
    s.admissions = StaffRoleFactory(institution=s.host, role=R.HOST_ADMISSIONS).user
    s.board = StaffRoleFactory(institution=s.host, role=R.EXAMINATION_BOARD).user
    with translation.override("en"):
        yield s


def definition(**changes) -> MicrocredentialDefinition:
    values = {
        "title": "Data Science",
        "learning_outcomes": "Builds a data pipeline in Python",
        "ec": Decimal("5"),
        "eqf_level": 7,
        "assessment_type": "Project, graded",
        "participation_form": "Online",
        "quality_assurance": "Accredited programme (NVAO)",
    } | changes
    made = MicrocredentialDefinition(**values)
    made.full_clean()
    made.save()
    return made


def whole(stack, **changes) -> MicrocredentialDefinition:
    values = {
        "programme": stack.programme,
        "stack_rule": "all",
        "title": "Data Science for Professionals",
        "description": "The three data science modules of the Master Data Science.",
        "ec": Decimal("15"),
        "awarding_institution": stack.host,
    } | changes
    return definition(**values)


def passed(stack, index: int, capture, *, learner=None) -> IssuedCredential:
    """Through the results service: the host records a pass for a module-only learner; the module's
    credential is issued after the commit (``awarded_subscribe``), and with it any whole it completes."""
    learner = learner or stack.learner
    offering = stack.offerings[index]
    request = EnrolmentRequest.objects.create(
        student=learner,
        offering=offering,
        home_institution=None,
        host_institution=stack.host,
        route=Route.MODULAR,
        status=Status.REGISTERED,
        submitted_at=timezone.now() - dt.timedelta(days=100),
        home_approved_at=timezone.now() - dt.timedelta(days=100),
    )
    data = ResultInput(scale="1-10", score="7", ec="5", assessed_on=offering.end_date)
    with capture(execute=True):
        result = result_record(user=stack.admissions, request_id=request.pk, data=data)
    return IssuedCredential.objects.get(result=result)


def stacked_of(learner) -> list[IssuedCredential]:
    return list(IssuedCredential.objects.filter(holder=learner, result__isnull=True).order_by("pk"))


def test_all_modules_complete_the_whole_and_its_credential_lists_them(
    stack, client, django_capture_on_commit_callbacks
):
    made = whole(stack)
    first = passed(stack, 0, django_capture_on_commit_callbacks)
    second = passed(stack, 1, django_capture_on_commit_callbacks)
    assert stacked_of(stack.learner) == []  # two of three: incomplete
    passed(stack, 0, django_capture_on_commit_callbacks, learner=stack.second)  # another learner's: not counted
    third = passed(stack, 2, django_capture_on_commit_callbacks)
    (issued,) = stacked_of(stack.learner)
    assert issued.definition == made and issued.result is None and issued.holder == stack.learner
    assert set(issued.components.all()) == {first, second, third}
    credential = json.loads(issued.document)
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == "Data Science for Professionals" and achievement["ects"] == 15
    assert achievement["achievementType"] == "MicroCredential"  # 15 EC: within the size rule
    assert "Master Data Science" in achievement["criteria"]["narrative"]
    assert [e["id"] for e in credential["evidence"]] == [
        f"{BASE_URL}/credentials/{c.public_id}" for c in (first, second, third)
    ]
    assert all(e["type"] == ["Evidence"] for e in credential["evidence"])
    assert credential["evidence"][1]["name"] == "Regression"
    assert credential["evidence"][1]["description"].startswith("Regression: 5 EC, issued ")
    assert stacked_of(stack.second) == []


def test_the_stacked_credential_verifies_independently_and_with_the_portal(
    stack, client, django_capture_on_commit_callbacks
):
    whole(stack)
    for index in range(3):
        passed(stack, index, django_capture_on_commit_callbacks)
    credential = json.loads(stacked_of(stack.learner)[0].document)
    assert verify_through_portal(client, credential)
    assert not revoked_through_portal(client, credential)
    verdict = credential_verify(credential)
    assert verdict.verdict == VALID
    assert [name for name, _ in verdict.components] == ["Data Pipelines", "Regression", "Machine Learning"]
    tampered = json.loads(json.dumps(credential))
    tampered["evidence"].pop()  # dropping a component breaks the signature
    assert not verify_through_portal(client, tampered)
    assert credential_verify(tampered).verdict != VALID


def test_every_term_of_the_stacked_credential_is_defined(stack, django_capture_on_commit_callbacks):
    whole(stack)
    for index in range(3):
        passed(stack, index, django_capture_on_commit_callbacks)
    credential = json.loads(stacked_of(stack.learner)[0].document)
    assert "evidence" in credential
    assert terms.undefined_terms(credential, OfflineDocumentLoader(base_url=BASE_URL)) == []
    # The check itself sees an undefined term in the evidence (a control).
    credential["evidence"][0]["componentOf"] = "x"
    assert terms.undefined_terms(credential, OfflineDocumentLoader(base_url=BASE_URL)) == [
        "https://www.w3.org/2018/credentials#evidence > componentOf"
    ]


def test_issuing_the_whole_is_idempotent(stack, django_capture_on_commit_callbacks):
    made = whole(stack)
    components = [passed(stack, index, django_capture_on_commit_callbacks) for index in range(3)]
    (issued,) = stacked_of(stack.learner)
    assert stacked_credential_issue(definition=made, holder=stack.learner) == issued
    assert credential_issue(result=components[0].result) == components[0]  # issuing again re-checks wholes
    assert stacked_of(stack.learner) == [issued]
    assert issued.events.filter(verb="issue").count() == 1


def test_a_revoked_component_revokes_the_whole_and_it_is_not_reissued_while_incomplete(
    stack, client, django_capture_on_commit_callbacks
):
    whole(stack)
    components = [passed(stack, index, django_capture_on_commit_callbacks) for index in range(3)]
    (issued,) = stacked_of(stack.learner)
    credential_revoke(user=stack.board, credential_id=components[1].public_id, reason="Plagiarism found")
    issued.refresh_from_db()
    assert issued.status == "revoked" and issued.revoked_by == stack.board
    assert issued.revocation_reason == (
        f"Its component credential Regression ({components[1].public_id}) was revoked: Plagiarism found"
    )
    document = json.loads(issued.document)
    assert revoked_through_portal(client, document)
    assert credential_verify(document).verdict == REVOKED
    assert stacked_of(stack.learner) == [issued]  # all three are needed: none issued anew
    assert stacked_credential_issue(definition=issued.definition, holder=stack.learner) is None


def test_a_whole_the_board_revoked_itself_is_not_issued_again(stack, django_capture_on_commit_callbacks):
    whole(stack, stack_rule="ec", ec=Decimal("10"))
    components = [passed(stack, index, django_capture_on_commit_callbacks) for index in range(2)]
    (issued,) = stacked_of(stack.learner)
    credential_revoke(user=stack.board, credential_id=issued.public_id, reason="Identity fraud")
    assert [c.status for c in components] == ["issued", "issued"]  # the components stand
    passed(stack, 2, django_capture_on_commit_callbacks)  # a further module credential: the whole stays revoked
    assert stacked_credential_issue(definition=issued.definition, holder=stack.learner) is None
    assert [c.status for c in stacked_of(stack.learner)] == ["revoked"]


def test_a_whole_is_revoked_only_by_the_programmes_board(stack, django_capture_on_commit_callbacks):
    whole(stack)
    for index in range(3):
        passed(stack, index, django_capture_on_commit_callbacks)
    (issued,) = stacked_of(stack.learner)
    other_board = StaffRoleFactory(institution=stack.other, role=R.EXAMINATION_BOARD).user
    for user in (other_board, stack.admissions, stack.learner.user):
        with pytest.raises(NotAwardingBoardError):
            credential_revoke(user=user, credential_id=issued.public_id, reason="No")
    issued.refresh_from_db()
    assert issued.status == "issued"


def test_the_ec_needed_completes_the_whole_and_a_revocation_reissues_from_what_stands(
    stack, django_capture_on_commit_callbacks
):
    whole(stack, stack_rule="ec", ec=Decimal("10"))
    first = passed(stack, 0, django_capture_on_commit_callbacks)
    assert stacked_of(stack.learner) == []  # 5 of 10 EC
    second = passed(stack, 1, django_capture_on_commit_callbacks)
    (issued,) = stacked_of(stack.learner)
    assert set(issued.components.all()) == {first, second}
    third = passed(stack, 2, django_capture_on_commit_callbacks)
    assert stacked_of(stack.learner) == [issued]  # already complete: not again
    credential_revoke(user=stack.board, credential_id=first.public_id, reason="Wrong result")
    issued.refresh_from_db()
    assert issued.status == "revoked"
    again = [c for c in stacked_of(stack.learner) if c.status == "issued"]
    assert len(again) == 1 and set(again[0].components.all()) == {second, third}
    assert credential_verify(json.loads(again[0].document)).verdict == VALID


def test_a_whole_beyond_the_size_rule_is_allowed_and_reads_as_a_certificate(
    stack, django_capture_on_commit_callbacks, settings
):
    settings.CREDENTIALS_EC_RANGE = (3, 12)  # the whole (15 EC) is larger than the pilot's unit
    whole(stack)
    for index in range(3):
        passed(stack, index, django_capture_on_commit_callbacks)
    credential = json.loads(stacked_of(stack.learner)[0].document)
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "Certificate"
    assert credential_verify(credential).verdict == VALID


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"ec": Decimal("12")},
            "ec",
            "The modules with a microcredential that stack into Master Data Science add up to 15 EC; a credential "
            "for all of them states 15 EC, not 12 EC.",
        ),
        (
            {"stack_rule": "ec", "ec": Decimal("20")},
            "ec",
            "20 EC cannot be reached: the modules with a microcredential that stack into Master Data Science add "
            "up to 15 EC.",
        ),
        ({"stack_rule": "ec", "ec": Decimal("0")}, "ec", "The EC needed for the larger whole is more than 0."),
        (
            {"stack_rule": ""},
            "stack_rule",
            "Say what completes the larger whole: all the modules that stack into it, or the EC needed. Only a "
            "definition for a larger whole has this rule.",
        ),
    ],
)
def test_a_bad_definition_of_a_whole_is_refused_with_a_clear_message(stack, changes, field, message):
    with pytest.raises(ValidationError) as refused:
        whole(stack, **changes)
    assert refused.value.message_dict[field] == [message]
    assert not MicrocredentialDefinition.objects.filter(programme=stack.programme).exists()


def test_a_whole_is_awarded_by_the_programmes_institution(stack):
    with pytest.raises(ValidationError) as refused:
        whole(stack, awarding_institution=stack.other)
    assert refused.value.message_dict["awarding_institution"] == [
        "The credential for the larger whole Master Data Science is awarded by Stack University, the institution "
        "of the programme."
    ]


def test_a_whole_needs_two_module_credentials_and_one_target(stack):
    MicrocredentialDefinition.objects.filter(module__in=stack.modules[1:]).delete()
    with pytest.raises(ValidationError) as refused:
        whole(stack)
    assert refused.value.messages == [
        "A credential for a larger whole stacks at least two module credentials; the modules that stack into "
        "Master Data Science have 1 with a microcredential definition. Define those first."
    ]
    with pytest.raises(ValidationError) as both:
        whole(stack, module=ModuleFactory(institution=stack.host))
    assert "one larger whole" in both.value.messages[0]
    with pytest.raises(ValidationError) as rule_without_whole:
        definition(module=ModuleFactory(institution=stack.host), awarding_institution=stack.host, stack_rule="all")
    assert list(rule_without_whole.value.message_dict) == ["stack_rule"]


def test_the_wallet_shows_the_stacked_credential_with_its_components(stack, client, django_capture_on_commit_callbacks):
    whole(stack)
    components = [passed(stack, index, django_capture_on_commit_callbacks) for index in range(3)]
    (issued,) = stacked_of(stack.learner)
    client.force_login(stack.learner.user)
    page = client.get("/credentials/mine/").content.decode()
    assert f'data-credential="{issued.public_id}"' in page and "Data Science for Professionals" in page
    for component in components:
        assert f'data-component="{component.public_id}"' in page
    assert "Counts toward" in page
    verified = client.get("/credentials/verify/", {"link": f"{BASE_URL}/credentials/{issued.public_id}"})
    shown = verified.content.decode()
    assert 'data-verdict="valid"' in shown and "Stacked from these credentials" in shown
    assert all(f"{BASE_URL}/credentials/{c.public_id}" in shown for c in components)
    client.force_login(stack.second.user)
    assert "Data Science for Professionals" not in client.get("/credentials/mine/").content.decode()
