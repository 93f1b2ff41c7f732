"""Fixtures of the OOAPI v5 provider tests: a small zone of three institutions, provider clients with
tokens, and a test client that checks every /ooapi/v5/ response against the official spec."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import socket

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, get_application_model

from catalogue.services import course_publish
from enrolment.models import EnrolmentRequest, Status
from institutions.models import Institution, OrganisationalUnit
from institutions.services import Sharing, alliance_join, alliance_theme_add, alliances_ensure, programme_publish
from ooapi.models import ProviderClient
from ooapi.provider.scopes import ASSOCIATIONS_READ, ASSOCIATIONS_WRITE, PERSONS_READ, READ
from tests.factories import (
    AcademicPeriodFactory,
    AcademicYearFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgrammeFactory,
    StudentProfileFactory,
)
from tests.ooapi_provider.contract import PREFIX, Contract

ALL_SCOPES = (READ, PERSONS_READ, ASSOCIATIONS_READ, ASSOCIATIONS_WRITE)


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract()


class ContractClient(Client):
    """A Django test client that fails the test on any /ooapi/v5/ response the spec does not allow."""

    def __init__(self, contract: Contract, **defaults):
        super().__init__(**defaults)
        self.contract = contract

    def request(self, **request):
        response = super().request(**request)
        if request.get("PATH_INFO", "").startswith(PREFIX):
            self.contract.check(response)
        return response


@pytest.fixture(autouse=True)
def _provider_urls(request, settings):
    if request.node.get_closest_marker("urls") is None:
        settings.ROOT_URLCONF = "tests.ooapi_provider.urls"


@pytest.fixture
def provider_url(live_server) -> str:
    """The provider on pytest-django's live server (a real HTTP server in a thread), as its base URL.

    Its connections get TCP_NODELAY: Django's test server writes the status line, the headers and the
    body separately, and Nagle's algorithm then holds every answer back until the client's delayed ACK,
    about 80 ms a request."""
    httpd = live_server.thread.httpd
    if "get_request" not in vars(httpd):
        accept = type(httpd).get_request

        def get_request():
            connection, address = accept(httpd)
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return connection, address

        httpd.get_request = get_request
    return f"{live_server.url}{PREFIX}"


@pytest.fixture
def client(contract) -> ContractClient:
    """Overrides pytest-django's ``client``: every test here gets the checking client."""
    return ContractClient(contract)


@pytest.fixture
def api(client):
    """``api.get(path, token=..., **query)``: the checking client with the provider's prefix and a token."""

    class Api:
        def _headers(self, token):
            return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

        def get(self, path, token=None, **query):
            return client.get(f"{PREFIX}{path}", query, **self._headers(token))

        def patch(self, path, body, token=None, content_type="application/merge-patch+json"):
            data = body if isinstance(body, (str, bytes)) else json.dumps(body)
            return client.generic("PATCH", f"{PREFIX}{path}", data, content_type=content_type, **self._headers(token))

        def request(self, method, path, token=None):
            return client.generic(method, f"{PREFIX}{path}", **self._headers(token))

    return Api()


def provider_client(institution: Institution, scopes=ALL_SCOPES, *, active: bool = True) -> ProviderClient:
    application_model = get_application_model()
    application = application_model.objects.create(
        name=f"OOAPI {institution.code}",
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
    )
    return ProviderClient.objects.create(
        application=application, institution=institution, scopes=" ".join(scopes), is_active=active
    )


def token_for(client: ProviderClient, scopes=None, *, user=None) -> str:
    """An access token as the token endpoint would issue it (``user`` set: issued on behalf of a person)."""
    value = secrets.token_urlsafe(24)
    AccessToken.objects.create(
        token=value,
        application=client.application,
        user=user,
        scope=" ".join(scopes if scopes is not None else client.scope_list),
        expires=timezone.now() + dt.timedelta(hours=1),
    )
    return value


@pytest.fixture
def make_token():
    def make(institution: Institution, scopes=ALL_SCOPES, *, user=None, token_scopes=None) -> str:
        return token_for(provider_client(institution, scopes), token_scopes, user=user)

    return make


def request_in(status: str, *, student, offering, **extra) -> EnrolmentRequest:
    """A request already in ``status`` (test data; the lifecycle itself is tested in tests/enrolment). Past
    submitted it was approved by home, unless ``home_approved_at`` says otherwise."""
    extra.setdefault(
        "home_approved_at",
        None if status in (Status.DRAFT, Status.SUBMITTED, Status.HOME_DENIED) else timezone.now(),
    )
    return EnrolmentRequest.objects.create(
        student=student,
        offering=offering,
        home_institution=student.home_institution,
        host_institution=offering.institution,
        status=status,
        submitted_at=timezone.now() if status != Status.DRAFT else None,
        **extra,
    )


@pytest.fixture
def zone(db):
    """Three institutions. Alpha and Beta teach; Gamma only sends students. Alpha belongs to the EWUU, LDE
    and EuroTeQ alliances, Beta to Kies op Maat; Algorithms is published to LDE and EuroTeQ, Energy to Kies
    op Maat (the other two courses are published too, but have no offering for partners' students).

    Today the future period starts in about two months, the past one ended a month ago.
    """
    today = timezone.localdate()
    alpha = InstitutionFactory(code="alpha", short_name="ALPHA", name_nl="Universiteit Alfa", kind="wo", brin="21AA")
    beta = InstitutionFactory(code="beta", short_name="BETA", name_nl="Hogeschool Beta", kind="hbo", brin="22BB")
    gamma = InstitutionFactory(code="gamma", short_name="GAMMA", name_nl="Hogeschool Gamma", kind="hbo", brin="23CC")
    faculty = OrganisationalUnit.objects.create(
        institution=alpha, code="FSW", name_nl="Faculteit Sociale Wetenschappen", name_en="Faculty of Social Sciences"
    )
    department = OrganisationalUnit.objects.create(
        institution=alpha,
        parent=faculty,
        code="PSY",
        name_nl="Psychologie",
        name_en="Psychology",
        kind=OrganisationalUnit.Kind.DEPARTMENT,
    )
    year = AcademicYearFactory(
        institution=alpha,
        name=f"{today.year}-{today.year + 1}",
        start_date=today - dt.timedelta(days=120),
        end_date=today + dt.timedelta(days=240),
    )
    future = AcademicPeriodFactory(
        academic_year=year,
        kind="semester",
        sequence=2,
        name_nl="Semester 2",
        name_en="Semester 2",
        start_date=today + dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=180),
    )
    past = AcademicPeriodFactory(
        academic_year=year,
        kind="semester",
        sequence=1,
        name_nl="Semester 1",
        name_en="Semester 1",
        start_date=today - dt.timedelta(days=120),
        end_date=today - dt.timedelta(days=30),
    )
    beta_period = AcademicPeriodFactory(
        academic_year__institution=beta,
        academic_year__name=f"{today.year}-{today.year + 1}",
        academic_year__start_date=today - dt.timedelta(days=100),
        academic_year__end_date=today + dt.timedelta(days=260),
        kind="quarter",
        sequence=3,
        start_date=today + dt.timedelta(days=70),
        end_date=today + dt.timedelta(days=140),
    )
    psychology = ProgrammeFactory(institution=alpha, unit=department, name_nl="Psychologie", name_en="Psychology")
    nursing = ProgrammeFactory(
        institution=beta, name_nl="Verpleegkunde", name_en="Nursing", level="associate", language="nl"
    )
    algorithms = CourseFactory(
        institution=alpha,
        unit=department,
        code="ALG101",
        title_nl="Algoritmen",
        title_en="Algorithms",
        description_nl="Sorteren en zoeken.",
        description_en="Sorting and searching.",
        language="en",
        learning_outcomes_en="You can sort.",
    )
    private = CourseFactory(institution=alpha, code="OWN201", title_nl="Eigen vak", title_en="Own course")
    energy = CourseFactory(institution=beta, code="ENE101", title_nl="Energie", title_en="Energy")
    secret = CourseFactory(institution=beta, code="SEC301", title_nl="Geheim", title_en="Secret")
    offerings = {
        "algorithms": OfferingFactory(course=algorithms, period=future, code="ALG101-S2", location="Gebouw A"),
        "algorithms_past": OfferingFactory(course=algorithms, period=past, code="ALG101-S1"),
        "private": OfferingFactory(course=private, period=future, visible_partners=False),
        "energy": OfferingFactory(course=energy, period=beta_period, mode="online"),
        "secret": OfferingFactory(course=secret, period=beta_period, visible_partners=False),
    }
    students = {
        "alpha": StudentProfileFactory(home_institution=alpha, programme=psychology, user__first_name="Anna"),
        "beta": StudentProfileFactory(home_institution=beta, programme=nursing, user__first_name="Bram"),
        "gamma": StudentProfileFactory(home_institution=gamma, user__first_name="Gijs"),
    }
    # eduXchange: Alpha is in three alliances, Beta in Kies op Maat; a theme from each alliance's vocabulary.
    alliances = alliances_ensure()
    for code in ("ewuu", "lde", "euroteq"):
        alliance_join(alliance=alliances[code], institution=alpha)
    alliance_join(alliance=alliances["kom"], institution=beta)
    themes = {
        "lde": alliances["lde"].themes.get(code="12"),
        "euroteq": alliances["euroteq"].themes.get(code="Computer Science and ICT, Data, AI"),
        "ewuu": alliance_theme_add(alliance=alliances["ewuu"], code="Digital Society"),
        "kom": alliance_theme_add(alliance=alliances["kom"], code="Energie en duurzaamheid"),
    }
    lde = Sharing(theme=themes["lde"], selection=True, kind="broadening", visible_for_guests=True)
    course_publish(course=algorithms, alliance=alliances["lde"], sharing=lde)
    course_publish(course=algorithms, alliance=alliances["euroteq"], sharing=Sharing(theme=themes["euroteq"]))
    course_publish(course=private, alliance=alliances["ewuu"], sharing=Sharing(theme=themes["ewuu"]))
    course_publish(course=energy, alliance=alliances["kom"], sharing=Sharing(theme=themes["kom"], kind="deepening"))
    course_publish(course=secret, alliance=alliances["kom"], sharing=Sharing(theme=themes["kom"]))
    psychology.ec, nursing.ec = 180, 120
    psychology.save(update_fields=["ec"])
    nursing.save(update_fields=["ec"])
    programme_publish(programme=psychology, alliance=alliances["ewuu"], sharing=Sharing(theme=themes["ewuu"]))
    programme_publish(programme=nursing, alliance=alliances["kom"], sharing=Sharing(enrolment_for_guests="broker"))
    requests = {
        # Beta's student at Alpha (approved by Beta), Alpha's student at Beta, Gamma's student at Alpha.
        "beta_at_alpha": request_in(Status.HOME_APPROVED, student=students["beta"], offering=offerings["algorithms"]),
        "alpha_at_beta": request_in(Status.REGISTERED, student=students["alpha"], offering=offerings["energy"]),
        "gamma_at_alpha": request_in(Status.WAITLISTED, student=students["gamma"], offering=offerings["algorithms"]),
        "draft": request_in(Status.DRAFT, student=students["alpha"], offering=offerings["algorithms"]),
    }
    return {
        "alpha": alpha,
        "beta": beta,
        "gamma": gamma,
        "faculty": faculty,
        "department": department,
        "year": year,
        "future": future,
        "past": past,
        "beta_period": beta_period,
        "programmes": {"psychology": psychology, "nursing": nursing},
        "courses": {"algorithms": algorithms, "private": private, "energy": energy, "secret": secret},
        "offerings": offerings,
        "students": students,
        "requests": requests,
        "alliances": alliances,
        "alliance_themes": themes,
    }


@pytest.fixture(autouse=True)
def _english_problems(settings):
    """The assertions read the English problem texts; the portal's default language is Dutch."""
    settings.LANGUAGE_CODE = "en"
