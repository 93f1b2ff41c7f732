"""Demo stacked credential: ``professional@`` (Pat Jansen, a module-only learner) completed two small VU
modules last period that stack into a VU programme; the VU awards a microcredential per module and one for
the larger whole once both are held, so **My credentials** shows the stacked credential with its two
components, and the verification page reads it as valid.

The modules, their finished runs, Pat's registrations and the definitions are demo fixtures (the runs lie in
the past, archived, so nobody can register for them now); the results go through the results service, the
VU's admissions (``admissions.vu@``) recording them, and the credentials services issue and sign: the
module credentials on the passing results, the stacked one when the second completes the whole. Idempotent:
a learner who holds the stacked credential already is left as they are.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import StudentProfile, User
from catalogue.models import Course, Module, Offering
from credentials.models import IssuedCredential, MicrocredentialDefinition
from credentials.services import credential_issue
from enrolment.models import EnrolmentRequest, Status
from institutions.models import Institution, Programme
from institutions.routes import Route
from results.services.results import ResultInput, current_result, result_record

HOST = "vu"
MODULES = (
    ("VUSD1", "Data Literacy for Professionals", "Datageletterdheid voor professionals", "Reads and questions data"),
    ("VUSD2", "Data Ethics for Professionals", "Data-ethiek voor professionals", "Weighs the ethics of a data use"),
)
WHOLE_TITLE = "Data Skills for Professionals (stacked)"


def _definition(**values) -> MicrocredentialDefinition:
    definition = MicrocredentialDefinition(
        eqf_level=6,
        assessment_type="Project, graded",
        participation_form="Online, evenings",
        quality_assurance="Accredited programme (NVAO)",
        **values,
    )
    definition.full_clean()
    definition.save()
    return definition


def _module(host: Institution, programme: Programme, index: int, code: str, title_en: str, title_nl: str, outcome: str):
    module, _created = Module.objects.get_or_create(
        institution=host,
        code=code,
        defaults={
            "title_en": title_en,
            "title_nl": title_nl,
            "ec": Decimal("5"),
            "level": "bachelor",
            "eqf_level": 6,
            "language": "en",
            "suitable_routes": [Route.MODULAR.value],
            "is_microcredential": True,
            "stacks_into": programme,
        },
    )
    if not module.courses.exists():
        # Like the catalogue's modules: a bundle of the host's courses, sharing their themes.
        course = Course.objects.filter(institution=host, themes__isnull=False).distinct().order_by("code")[index]
        module.courses.set([course])
        module.themes.set(course.themes.all())
    if not MicrocredentialDefinition.objects.filter(module=module).exists():
        _definition(
            module=module,
            title=title_en,
            description=f"{title_en}, a module of the {host.name_en}.",
            learning_outcomes=outcome,
            ec=module.ec,
            awarding_institution=host,
            stackability=f"Stacks into {programme.name_en}.",
        )
    return module


def _finished_run(module: Module, template: Offering) -> Offering:
    """A run of ``module`` that ended two weeks ago: the template's period and place, archived."""
    existing = Offering.objects.filter(module=module).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    now = timezone.now()
    return Offering.objects.create(
        module=module,
        institution=module.institution,
        period=template.period,
        code=f"{module.code}-DONE",
        start_date=today - dt.timedelta(days=70),
        end_date=today - dt.timedelta(days=14),
        enrol_opens_at=now - dt.timedelta(days=120),
        enrol_closes_at=now - dt.timedelta(days=80),
        capacity=20,
        mode=template.mode,
        price_module_only=Decimal("450.00"),
        visible_professionals=True,
        is_archived=True,
    )


def seed_stacked(*, email, say=print) -> int:
    """Pat's two completed modules, their credentials and the stacked one. Returns the number of stacked
    credentials Pat holds (1 when it worked)."""
    pat = StudentProfile.objects.filter(user__email=email("professional")).select_related("user").first()
    staff = User.objects.filter(email=email(f"admissions.{HOST}")).first()
    host = Institution.objects.filter(code=HOST).first()
    programme = Programme.objects.filter(institution__code=HOST).order_by("pk").first()
    template = Offering.objects.filter(institution__code=HOST, module__isnull=False).order_by("pk").first()
    if None in (pat, staff, host, programme, template):
        return 0
    held = IssuedCredential.objects.filter(holder=pat, result__isnull=True, status="issued")
    if held.exists():
        return held.count()
    modules = [_module(host, programme, index, *values) for index, values in enumerate(MODULES)]
    if not MicrocredentialDefinition.objects.filter(programme=programme).exists():
        _definition(
            programme=programme,
            stack_rule=MicrocredentialDefinition.StackRule.ALL_MODULES,
            title=WHOLE_TITLE,
            description=f"Both data modules of the {host.name_en} that stack into {programme.name_en}.",
            learning_outcomes="\n".join(values[3] for values in MODULES),
            ec=sum((m.ec for m in MicrocredentialDefinition.objects.filter(module__stacks_into=programme)), Decimal(0)),
            awarding_institution=host,
        )
    for module in modules:
        run = _finished_run(module, template)
        request, _created = EnrolmentRequest.objects.get_or_create(
            student=pat,
            offering=run,
            defaults={
                "home_institution": None,
                "host_institution": host,
                "route": Route.MODULAR,
                "status": Status.REGISTERED,
                "submitted_at": timezone.now() - dt.timedelta(days=100),
                "home_approved_at": timezone.now() - dt.timedelta(days=99),
            },
        )
        result = current_result(request)
        if result is None:
            data = ResultInput(scale="1-10", score="8", ec=str(module.ec), assessed_on=run.end_date, examiner="")
            result = result_record(user=staff, request_id=request.pk, data=data)
        credential_issue(result=result)  # idempotent: the listener after the commit issued it already
    count = held.count()
    say(f"Demo stacked credential: {count} for {pat.user.email} ({WHOLE_TITLE}, from {len(modules)} modules).")
    return count
