import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.claims import institution_claims_parse, merged_claims
from accounts.errors import (
    HOME_INSTITUTION_UNKNOWN_MESSAGE,
    HomeInstitutionMissingError,
    HomeInstitutionUnknownError,
    StudentNumberTakenError,
)
from accounts.models import StudentProfile
from accounts.services import HomeIdentity, home_identity_resolve, student_profile_sync
from core.errors import ApplicationError
from tests.factories import InstitutionFactory, ProgrammeFactory, StudentProfileFactory, UserFactory

CODE = "urn:schac:personalUniqueCode:nl:local:{home}:studentid:{number}"


@pytest.mark.parametrize(
    ("claims", "schac_home", "student_number", "is_student"),
    [
        ({}, "", "", True),
        ({"schac_home_organization": ""}, "", "", True),
        ({"schac_home_organization": "  UU.nl "}, "uu.nl", "", True),
        ({"schac_home_organization": ["", "uu.nl"]}, "uu.nl", "", True),
        ({"schac_home_organization": 42}, "", "", True),
        (
            {"schac_home_organization": "uu.nl", "schac_personal_unique_code": CODE.format(home="uu.nl", number="123")},
            "uu.nl",
            "123",
            True,
        ),
        (
            # the older TERENA form, other letter case, inside a list with junk
            {
                "schac_home_organization": "uu.nl",
                "schac_personal_unique_code": [
                    None,
                    "urn:schac:personalUniqueCode:nl:local:uu.nl:employeeid:9",
                    "URN:MACE:TERENA.ORG:SCHAC:PERSONALUNIQUECODE:NL:LOCAL:UU.NL:STUDENTID:s42",
                ],
            },
            "uu.nl",
            "s42",
            True,
        ),
        (
            # a number issued by another institution says nothing about this home
            {"schac_home_organization": "uu.nl", "schac_personal_unique_code": [CODE.format(home="hu.nl", number="7")]},
            "uu.nl",
            "",
            True,
        ),
        (
            {
                "schac_home_organization": "uu.nl",
                "schac_personal_unique_code": CODE.format(home="uu.nl", number="9" * 31),
            },
            "uu.nl",
            "",
            True,
        ),
        ({"schac_home_organization": "uu.nl", "eduperson_affiliation": ["employee", "member"]}, "uu.nl", "", False),
        ({"schac_home_organization": "uu.nl", "eduperson_affiliation": "student@uu.nl"}, "uu.nl", "", True),
        ({"schac_home_organization": "uu.nl", "eduperson_affiliation": []}, "uu.nl", "", True),
    ],
)
def test_claims_are_read_tolerantly(claims, schac_home, student_number, is_student):
    parsed = institution_claims_parse(claims)

    assert (parsed.schac_home, parsed.student_number, parsed.is_student) == (schac_home, student_number, is_student)


def test_userinfo_overrides_id_token_claims():
    extra_data = {"id_token": {"sub": "1", "email": "old@uu.nl"}, "userinfo": {"email": "new@uu.nl", "x": 1}}

    assert merged_claims(extra_data) == {"sub": "1", "email": "new@uu.nl", "x": 1}


@pytest.mark.django_db
def test_identity_resolves_to_the_institution_with_that_schac_home():
    uu = InstitutionFactory(code="uu", schac_home="uu.nl")

    identity = home_identity_resolve(
        claims={"schac_home_organization": "UU.NL", "schac_personal_unique_code": CODE.format(home="uu.nl", number="5")}
    )

    assert identity == HomeIdentity(institution=uu, student_number="5", is_student=True)


@pytest.mark.django_db
def test_identity_without_schac_home_is_refused():
    with pytest.raises(HomeInstitutionMissingError) as raised:
        home_identity_resolve(claims={"email": "a@b.nl"})

    assert isinstance(raised.value, ApplicationError)
    assert raised.value.status_code == 403


@pytest.mark.django_db
def test_identity_at_an_unknown_institution_is_refused_with_its_schac_home_in_the_message():
    InstitutionFactory(code="uu", schac_home="uu.nl")

    with pytest.raises(HomeInstitutionUnknownError) as raised:
        home_identity_resolve(claims={"schac_home_organization": "harvard.edu"})

    with translation.override("en"):
        assert str(raised.value.message) == str(HOME_INSTITUTION_UNKNOWN_MESSAGE) % {"schac_home": "harvard.edu"}
    assert raised.value.code == "home_institution_unknown"


@pytest.mark.django_db
def test_first_sync_creates_the_profile():
    user = UserFactory()
    uu = InstitutionFactory()

    profile = student_profile_sync(
        user=user, identity=HomeIdentity(institution=uu, student_number="77", is_student=True)
    )

    assert StudentProfile.objects.get(user=user) == profile
    assert (profile.home_institution, profile.student_number, profile.is_actively_enrolled) == (uu, "77", True)


@pytest.mark.django_db
def test_sync_with_the_same_identity_writes_nothing():
    profile = StudentProfileFactory(student_number="77")
    identity = HomeIdentity(institution=profile.home_institution, student_number="77", is_student=True)

    with CaptureQueriesContext(connection) as captured:
        student_profile_sync(user=profile.user, identity=identity)

    statements = [query["sql"].split()[0] for query in captured.captured_queries]
    assert "SELECT" in statements
    assert "UPDATE" not in statements and "INSERT" not in statements


@pytest.mark.django_db
def test_sync_keeps_the_number_when_the_claims_carry_none_at_the_same_institution():
    profile = StudentProfileFactory(student_number="77")

    student_profile_sync(
        user=profile.user,
        identity=HomeIdentity(institution=profile.home_institution, student_number="", is_student=True),
    )

    profile.refresh_from_db()
    assert profile.student_number == "77"


@pytest.mark.django_db
def test_moving_institution_clears_the_old_number_and_programme():
    profile = StudentProfileFactory(student_number="77")
    old_programme = profile.programme
    new_home = InstitutionFactory()

    student_profile_sync(
        user=profile.user, identity=HomeIdentity(institution=new_home, student_number="", is_student=True)
    )

    profile.refresh_from_db()
    assert (profile.home_institution, profile.student_number, profile.programme) == (new_home, "", None)
    assert old_programme.pk is not None


@pytest.mark.django_db
def test_a_programme_at_the_new_institution_stays():
    new_home = InstitutionFactory()
    profile = StudentProfileFactory()
    profile.programme = ProgrammeFactory(institution=new_home)
    profile.save()

    student_profile_sync(
        user=profile.user, identity=HomeIdentity(institution=new_home, student_number="1", is_student=True)
    )

    profile.refresh_from_db()
    assert profile.programme.institution == new_home


@pytest.mark.django_db
def test_a_student_number_of_another_account_is_refused_and_nothing_changes():
    holder = StudentProfileFactory(student_number="77")
    other = StudentProfileFactory(student_number="88")

    with pytest.raises(StudentNumberTakenError) as raised:
        student_profile_sync(
            user=other.user,
            identity=HomeIdentity(institution=holder.home_institution, student_number="77", is_student=True),
        )

    assert raised.value.status_code == 409
    other.refresh_from_db()
    assert other.student_number == "88"
    assert other.home_institution != holder.home_institution


@pytest.mark.django_db
def test_non_students_get_no_profile():
    user = UserFactory()

    result = student_profile_sync(
        user=user, identity=HomeIdentity(institution=InstitutionFactory(), student_number="", is_student=False)
    )

    assert result is None
    assert not StudentProfile.objects.filter(user=user).exists()
