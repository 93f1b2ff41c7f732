"""Own pace (Eigen tempo): a student's study plan over the periods of their home calendar, the institution's
rules for EC contracts, and the EC contract per academic year with one history row per change."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class OwnPaceRules(models.Model):
    """An institution's rules for own-pace students. Without a row the zone's defaults apply (``rules_for``)."""

    institution = models.OneToOneField(
        "institutions.Institution", on_delete=models.CASCADE, related_name="own_pace_rules"
    )
    min_ec_per_year = models.PositiveSmallIntegerField(
        _("minimum EC per year"), default=12, validators=[MinValueValidator(1)]
    )
    max_ec_per_year = models.PositiveSmallIntegerField(
        _("maximum EC per year"), default=75, validators=[MinValueValidator(1)]
    )
    max_ec_per_period = models.DecimalField(
        _("maximum EC per period"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("20"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text=_("Above this a plan shows an overload warning."),
    )
    change_deadline_days = models.PositiveSmallIntegerField(
        _("days to change a contract"),
        default=150,
        help_text=_("A contract can be changed until this many days after its academic year starts."),
    )

    class Meta:
        verbose_name = _("own-pace rules")
        verbose_name_plural = _("own-pace rules")
        constraints = [
            models.CheckConstraint(condition=Q(min_ec_per_year__gte=1), name="own_pace_min_ec_positive"),
            models.CheckConstraint(
                condition=Q(max_ec_per_year__gte=F("min_ec_per_year")), name="own_pace_limits_ordered"
            ),
            models.CheckConstraint(condition=Q(max_ec_per_period__gt=0), name="own_pace_period_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.institution}: {self.min_ec_per_year}-{self.max_ec_per_year} EC"


class StudyPlan(models.Model):
    """A student's own-pace plan for one programme."""

    student = models.ForeignKey("accounts.StudentProfile", on_delete=models.CASCADE, related_name="study_plans")
    programme = models.ForeignKey("institutions.Programme", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("study plan")
        verbose_name_plural = _("study plans")
        constraints = [models.UniqueConstraint(fields=["student", "programme"], name="one_plan_per_programme")]

    def __str__(self) -> str:
        return f"{self.student} · {self.programme}"


class PlannedCourse(models.Model):
    """One course in the plan, in a period of the home calendar; ``offering`` names a run elsewhere when the
    course is taken at another institution."""

    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="courses")
    course = models.ForeignKey("catalogue.Course", on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey("institutions.AcademicPeriod", on_delete=models.PROTECT, related_name="+")
    offering = models.ForeignKey(
        "catalogue.Offering", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period__start_date", "pk"]
        verbose_name = _("planned course")
        verbose_name_plural = _("planned courses")
        constraints = [models.UniqueConstraint(fields=["plan", "course"], name="course_once_per_plan")]

    def __str__(self) -> str:
        return f"{self.course.code} in {self.period}"


class EcContract(models.Model):
    """The EC a student agrees with the home institution to take in one academic year (and pays tuition for)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, waiting for the institution")
        AGREED = "agreed", _("Agreed")

    student = models.ForeignKey("accounts.StudentProfile", on_delete=models.CASCADE, related_name="ec_contracts")
    academic_year = models.ForeignKey("institutions.AcademicYear", on_delete=models.PROTECT, related_name="+")
    ec = models.PositiveSmallIntegerField(_("EC"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED, editable=False
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-academic_year__start_date"]
        verbose_name = _("EC contract")
        verbose_name_plural = _("EC contracts")
        constraints = [
            models.UniqueConstraint(fields=["student", "academic_year"], name="one_contract_per_year"),
            models.CheckConstraint(condition=Q(ec__gt=0), name="contract_ec_positive"),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(agreed_at__isnull=False), name="agreed_contract_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.academic_year.name}: {self.ec} EC"


class ContractEvent(models.Model):
    """One row per move of a contract: proposed, agreed, changed; with who, when, from and to, and why."""

    class Kind(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        AGREED = "agreed", _("Agreed")
        CHANGED = "changed", _("Changed")

    contract = models.ForeignKey(EcContract, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    from_ec = models.PositiveSmallIntegerField(_("from EC"), null=True, blank=True)
    to_ec = models.PositiveSmallIntegerField(_("to EC"))
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["contract", "pk"]
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="changed") | ~Q(reason=""), name="contract_change_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.kind} {self.from_ec}→{self.to_ec}"
