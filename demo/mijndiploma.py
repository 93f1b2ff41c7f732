"""Demo MijnDiploma: Mila (student.mijndiploma@, Utrecht University) composes her own programme. The UvA's
catalogue manager curates a themed portfolio across institutions; Utrecht's examination board (examboard.uu@)
set the composition rules, approved Mila's version 1 and has her version 2 waiting in its queue.

Everything after the account goes through the MijnDiploma services, as the people would. Idempotent: a
student who already composed is left alone.
"""

from __future__ import annotations

from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.models import StudentProfile, User
from catalogue.models import Offering, Theme
from institutions.models import Institution
from institutions.routes import Route
from routes.mijndiploma.models import ComposedProgramme, Portfolio
from routes.mijndiploma.rules import compliance
from routes.mijndiploma.selectors import compliance_of, context_for
from routes.mijndiploma.services import composing, portfolios, review

HOME, CURATOR = "uu", "uva"
STUDENT = "student.mijndiploma"
PORTFOLIO_INSTITUTIONS = ("uva", "vu", "hu", "tud")


def seed_mijndiploma(*, email, password: str, say=print) -> bool:
    """Returns whether anything was written."""
    home = Institution.objects.filter(code=HOME).first()
    curator = User.objects.filter(email=email(f"catalogue.{CURATOR}")).first()
    board = User.objects.filter(email=email(f"examboard.{HOME}")).first()
    if home is None or curator is None or board is None:
        return False
    if ComposedProgramme.objects.filter(student__user__email=email(STUDENT)).exists():
        return False
    with transaction.atomic():
        if Route.MY_DIPLOMA not in home.piloted_routes:
            home.piloted_routes = [*home.piloted_routes, Route.MY_DIPLOMA]
            home.save(update_fields=["piloted_routes"])
        student = _student(home, email(STUDENT), password)
        portfolio = _portfolio(curator)
        review.rules_set(
            user=board,
            programme_id=student.programme_id,
            ec_min=Decimal("20"),
            ec_max=Decimal("60"),
            outside_home_max=Decimal("30"),
            level_minimums={"bachelor": 10},
            core_course_ids=[],
        )
        composed = composing.programme_start(user=student.user)
        version = composed.versions.get(number=1)
        chosen = _compose(student, version, portfolio, target=Decimal("25"))
        version.refresh_from_db()
        version = composing.version_submit(user=student.user, version_id=version.pk, row_version=version.row_version)
        review.version_decide(
            user=board,
            version_id=version.pk,
            row_version=version.row_version,
            decision="approve",
            comment="Een samenhangend programma rond duurzaamheid. / A coherent programme around sustainability.",
        )
        second = composing.version_new(user=student.user)
        extra = _next_fitting(student, second, portfolio, exclude=chosen)
        if extra is not None:
            items = [{"offering": i.offering_id, "portfolio": i.portfolio_id} for i in second.items.all()]
            second = composing.version_save(
                user=student.user,
                version_id=second.pk,
                row_version=second.row_version,
                items=[*items, {"offering": extra.pk, "portfolio": portfolio.pk}],
            )
        composing.version_submit(user=student.user, version_id=second.pk, row_version=second.row_version)
    say(f"Demo MijnDiploma: {email(STUDENT)} has version 1 approved and version 2 waiting for {email('examboard.uu')}.")
    return True


def _student(home: Institution, address: str, password: str) -> StudentProfile:
    user, created = User.objects.get_or_create(email=address, defaults={"first_name": "Mila", "last_name": "Vos"})
    if created:
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    profile, _created = StudentProfile.objects.get_or_create(
        user=user,
        defaults={
            "home_institution": home,
            "programme": home.programmes.order_by("croho_code").first(),
            "student_number": f"{home.code.upper()}1700017",  # a series of its own (issue 17)
        },
    )
    return profile


def _candidates(institution_codes) -> list[Offering]:
    today = timezone.localdate()
    return list(
        Offering.objects.filter(
            institution__code__in=institution_codes,
            is_archived=False,
            visible_partners=True,
            visible_own_students=True,
            start_date__gt=today,
            course__isnull=False,
            course__level="bachelor",
            course__prerequisites__isnull=True,
            course__ec__lte=10,
        )
        .select_related("course", "institution")
        .order_by("institution__code", "start_date", "pk")[:200]
    )


def _portfolio(curator) -> Portfolio:
    existing = Portfolio.objects.filter(title_en="Sustainable futures").first()
    if existing:
        return existing
    picks, seen = [], set()
    for offering in _candidates(PORTFOLIO_INSTITUTIONS):
        if offering.institution.code not in seen or sum(p.institution_id == offering.institution_id for p in picks) < 2:
            picks.append(offering)
            seen.add(offering.institution.code)
        if len(picks) >= 8:
            break
    theme = Theme.objects.filter(code__icontains="sustain").first() or Theme.objects.first()
    return portfolios.portfolio_save(
        user=curator,
        institution_id=Institution.objects.get(code=CURATOR).pk,
        title_nl="Duurzame toekomst",
        title_en="Sustainable futures",
        description_nl="Minors en keuzevakken van vier instellingen rond energie, klimaat en circulaire economie.",
        description_en="Minors and electives of four institutions around energy, climate and the circular economy.",
        theme_id=theme.pk if theme else None,
        offering_ids=[o.pk for o in picks],
        is_published=True,
    )


def _fits(student, version, offerings) -> bool:
    """Whether ``offerings`` break no rule but the minimums (which a growing programme may still miss)."""
    verdict = compliance(context_for(version, offerings=offerings))
    return all(c.code in ("ec_under", "level_minimum") for c in verdict.failures)


def _compose(student, version, portfolio, *, target: Decimal) -> list[Offering]:
    """Two courses from the portfolio (elsewhere) and home courses until ``target`` EC, all rules kept."""
    chosen: list[Offering] = []
    sources = [(o, portfolio.pk) for o in portfolio.offerings.select_related("course", "institution")[:4]]
    sources += [(o, None) for o in _candidates([HOME])]
    portfolio_ids = {}
    elsewhere = 0
    for offering, source in sources:
        if sum((o.course.ec for o in chosen), Decimal("0")) >= target:
            break
        if source is not None and elsewhere >= 2:
            continue
        if _fits(student, version, [*chosen, offering]):
            chosen.append(offering)
            if source is not None:
                portfolio_ids[offering.pk] = source
                elsewhere += 1
    composing.version_save(
        user=student.user,
        version_id=version.pk,
        row_version=version.row_version,
        items=[{"offering": o.pk, "portfolio": portfolio_ids.get(o.pk)} for o in chosen],
    )
    version.refresh_from_db()
    if not compliance_of(version).passed:
        raise RuntimeError("Demo MijnDiploma: no compliant programme in the demo catalogue")
    return chosen


def _next_fitting(student, version, portfolio, *, exclude) -> Offering | None:
    current = [i.offering for i in version.items.select_related("offering__course", "offering__institution")]
    for offering in portfolio.offerings.select_related("course", "institution"):
        if offering in exclude or offering in current:
            continue
        if compliance(context_for(version, offerings=[*current, offering])).passed:
            return offering
    return None
