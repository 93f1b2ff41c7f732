"""MijnDiploma: a programme the student composes, version by version, under rules set by the examination board.

- ``ProgrammeRules``: the rules of one (home) programme as data, set by its examination board; the rule
  functions in ``rules.py`` read them.
- ``ComposedProgramme``: one per student; its ``ProgrammeVersion`` rows are numbered 1, 2, ... A version is
  edited only as a draft; submitted, it is frozen; after the board's decision a change is a new version.
- ``ProgrammeVersion.row_version`` is the optimistic-concurrency token: every write to a version (or its
  items) bumps it, and a write that names another value than the stored one answers 409.
- ``Portfolio``: a themed, zone-curated set of offerings across institutions, managed by staff.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from institutions.models import localised


class ProgrammeRules(models.Model):
    """The examination board's rules for composing a programme of ``programme`` (one row per programme)."""

    programme = models.OneToOneField(
        "institutions.Programme",
        on_delete=models.CASCADE,
        related_name="composition_rules",
        verbose_name=_("programme"),
    )
    ec_min = models.DecimalField(
        _("minimum total EC"), max_digits=5, decimal_places=1, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    ec_max = models.DecimalField(
        _("maximum total EC"), max_digits=5, decimal_places=1, default=Decimal("60"), validators=[MinValueValidator(1)]
    )
    level_minimums = models.JSONField(
        _("minimum EC per level"), default=dict, blank=True, help_text=_('e.g. {"bachelor": 30, "master": 10}')
    )
    outside_home_max = models.DecimalField(
        _("maximum EC outside the home institution"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("30"),
        validators=[MinValueValidator(0)],
    )
    core_courses = models.ManyToManyField(
        "catalogue.Course", blank=True, related_name="+", verbose_name=_("required core courses")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("programme rules")
        verbose_name_plural = _("programme rules")
        constraints = [
            models.CheckConstraint(condition=Q(ec_max__gte=models.F("ec_min")), name="mijndiploma_rules_ec_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.ec_min}-{self.ec_max} EC"


class Portfolio(models.Model):
    """A themed portfolio: minors and electives across the zone around one theme, curated by staff of
    ``institution`` (the curator), published for students once ready."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="+", verbose_name=_("curated by")
    )
    theme = models.ForeignKey(
        "catalogue.Theme", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("theme")
    )
    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_nl = models.TextField(_("description (Dutch)"), blank=True, max_length=2000)
    description_en = models.TextField(_("description (English)"), blank=True, max_length=2000)
    offerings = models.ManyToManyField("catalogue.Offering", blank=True, related_name="+", verbose_name=_("offerings"))
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title_en", "pk"]
        verbose_name = _("themed portfolio")
        verbose_name_plural = _("themed portfolios")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localised(self, "title")

    @property
    def description(self) -> str:
        return localised(self, "description")


class ComposedProgramme(models.Model):
    """A student's own programme, composed under the rules of ``programme`` at their home institution."""

    student = models.OneToOneField("accounts.StudentProfile", on_delete=models.CASCADE, related_name="composed")
    programme = models.ForeignKey(
        "institutions.Programme", on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("composed programme")
        verbose_name_plural = _("composed programmes")

    def __str__(self) -> str:
        return self.title or str(self.programme)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the examination board")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    SUPERSEDED = "superseded", _("Superseded by a later version")


OPEN_STATES = (VersionStatus.DRAFT, VersionStatus.SUBMITTED)


class ProgrammeVersion(models.Model):
    composed = models.ForeignKey(ComposedProgramme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    # The optimistic-concurrency token: bumped by every write to the version or its items.
    row_version = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_comment = models.TextField(_("the board's comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["composed", "-number"]
        verbose_name = _("programme version")
        verbose_name_plural = _("programme versions")
        constraints = [
            models.UniqueConstraint(fields=["composed", "number"], name="mijndiploma_version_number_unique"),
            # At most one version being worked on or waiting for the board: a second tab cannot fork it.
            models.UniqueConstraint(
                fields=["composed"], condition=Q(status__in=OPEN_STATES), name="mijndiploma_one_open_version"
            ),
            models.UniqueConstraint(
                fields=["composed"], condition=Q(status="approved"), name="mijndiploma_one_approved_version"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="mijndiploma_version_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.composed} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class VersionItem(models.Model):
    """One offering placed in the composed programme (its period is the offering's), with the board's comment."""

    version = models.ForeignKey(ProgrammeVersion, on_delete=models.CASCADE, related_name="items")
    offering = models.ForeignKey("catalogue.Offering", on_delete=models.PROTECT, related_name="+")
    portfolio = models.ForeignKey(Portfolio, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    board_comment = models.TextField(_("the board's comment on this item"), blank=True, max_length=2000)
    enrolment_request = models.ForeignKey(
        "enrolment.EnrolmentRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["offering__start_date", "pk"]
        verbose_name = _("programme item")
        verbose_name_plural = _("programme items")
        constraints = [models.UniqueConstraint(fields=["version", "offering"], name="mijndiploma_item_once")]

    def __str__(self) -> str:
        return f"{self.version}: {self.offering}"


class VersionEvent(models.Model):
    """The audit trail of a version's moves (``lifecycle.VERSION``)."""

    version = models.ForeignKey(ProgrammeVersion, on_delete=models.CASCADE, related_name="events")
    verb = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("version event")
        verbose_name_plural = _("version events")

    def __str__(self) -> str:
        return f"{self.version}: {self.from_status} → {self.to_status}"
