"""Results of courses taken at a host institution, with their corrections.

A result is never edited: a correction is a new row that names the one it replaces (``corrects``) and why.
The latest row of a request is its result; the older ones stay as its history.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from results.scales import SCALE_CHOICES


class Result(models.Model):
    class Source(models.TextChoices):
        PORTAL = "portal", _("Recorded in the portal")
        CSV = "csv", _("Imported from a CSV file")
        SYSTEM = "system", _("Reported by the host's own system")

    request = models.ForeignKey("enrolment.EnrolmentRequest", on_delete=models.PROTECT, related_name="results")
    scale = models.CharField(_("grade scale"), max_length=16, choices=SCALE_CHOICES)
    score = models.CharField(_("score"), max_length=8)
    passed = models.BooleanField(_("passed"))
    ec = models.DecimalField(_("EC earned"), max_digits=4, decimal_places=1)
    assessed_on = models.DateField(_("date"))
    examiner = models.CharField(_("examiner"), max_length=200, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.PORTAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by", verbose_name=_("corrects")
    )
    reason = models.TextField(_("reason for the correction"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["request", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ec__gte=0), name="result_ec_not_negative"),
            models.CheckConstraint(condition=models.Q(attempt__gte=1), name="result_attempt_from_one"),
            models.CheckConstraint(
                condition=models.Q(corrects__isnull=True) | ~models.Q(reason=""), name="result_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} ({self.scale})"

    @property
    def is_current(self) -> bool:
        return not hasattr(self, "corrected_by")


class ConversionTable(models.Model):
    """How a score on one scale becomes a score on another: per pair of scales, and per pair of
    institutions where theirs differs from the zone's general table. Rows are points (a letter, or a number
    of the source scale, and its value on the target scale); between two numeric points the value is
    interpolated. Then the written rounding rule applies, then the pass threshold: a pass never converts to
    a fail, nor a fail to a pass."""

    class Rounding(models.TextChoices):
        TENTH = "tenth", _("Round half up to one decimal")
        HALF = "half", _("Round half up to the nearest half")
        WHOLE = "whole", _("Round half up to a whole number")

    name = models.CharField(_("name"), max_length=200)
    from_scale = models.CharField(_("from scale"), max_length=16, choices=SCALE_CHOICES)
    to_scale = models.CharField(_("to scale"), max_length=16, choices=SCALE_CHOICES)
    from_institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from institution"),
        help_text=_("Empty: the zone's general table for these scales."),
    )
    to_institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to institution"),
    )
    pass_threshold = models.DecimalField(_("pass threshold"), max_digits=5, decimal_places=1)
    rounding = models.CharField(_("rounding"), max_length=8, choices=Rounding.choices, default=Rounding.TENTH)
    rounding_rule = models.TextField(_("rounding rule, in words"))

    class Meta:
        verbose_name = _("grade-conversion table")
        verbose_name_plural = _("grade-conversion tables")
        constraints = [
            models.UniqueConstraint(
                fields=["from_scale", "to_scale", "from_institution", "to_institution"],
                name="one_conversion_table_per_pair",
            ),
            models.UniqueConstraint(
                fields=["from_scale", "to_scale"],
                condition=models.Q(from_institution__isnull=True, to_institution__isnull=True),
                name="one_general_conversion_table",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ConversionRow(models.Model):
    table = models.ForeignKey(ConversionTable, on_delete=models.CASCADE, related_name="rows")
    from_score = models.CharField(_("from score"), max_length=8)
    to_score = models.DecimalField(_("to score"), max_digits=5, decimal_places=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["table", "from_score"], name="one_row_per_score")]

    def __str__(self) -> str:
        return f"{self.from_score} → {self.to_score}"


class PrecedentQuerySet(models.QuerySet):
    def valid_on(self, day) -> "PrecedentQuerySet":
        """The precedents valid on ``day``: from ``valid_from`` (if any) until ``valid_until`` (if any)."""
        return self.filter(models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day)).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )


class RecognitionPrecedent(models.Model):
    """An examination board's standing decision: this host course counts for this home programme, within
    its validity dates. A matching, valid precedent decides a recognition (and a home approval) at once."""

    programme = models.ForeignKey(
        "institutions.Programme", on_delete=models.CASCADE, related_name="recognition_precedents"
    )
    course = models.ForeignKey("catalogue.Course", on_delete=models.CASCADE, related_name="recognition_precedents")
    counts_as = models.CharField(_("counts as"), max_length=200, blank=True, help_text=_("e.g. elective space, minor"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    from_recognition = models.ForeignKey(
        "results.Recognition",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created from the decision"),
    )

    objects = PrecedentQuerySet.as_manager()

    class Meta:
        db_table = "credentials_recognitionprecedent"  # moved here from credentials with its rows
        verbose_name = _("recognition precedent")
        verbose_name_plural = _("recognition precedents")
        constraints = [
            models.UniqueConstraint(fields=["programme", "course"], name="one_precedent_per_programme_course")
        ]

    def __str__(self) -> str:
        return f"{self.course} → {self.programme}"


class Recognition(models.Model):
    """A request to the home examination board that a course taken elsewhere counts for the programme:
    before the course as pre-approval (which counts as the home approval of the enrolment), after it as
    credit entry for the result."""

    class Kind(models.TextChoices):
        PRE_APPROVAL = "pre_approval", _("Pre-approval")
        CREDIT = "credit", _("Credit entry")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for the examination board")
        RECOGNISED = "recognised", _("Recognised")
        DENIED = "denied", _("Not recognised")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Scope(models.TextChoices):
        PROGRAMME = "programme", _("Outside the programme, within the faculty")
        FACULTY = "faculty", _("Outside the faculty, within the institution")
        INSTITUTION = "institution", _("At another institution")

    request = models.ForeignKey("enrolment.EnrolmentRequest", on_delete=models.PROTECT, related_name="recognitions")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    scope = models.CharField(_("where the course lies"), max_length=12, choices=Scope.choices)
    programme = models.ForeignKey(
        "institutions.Programme", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result = models.ForeignKey(Result, on_delete=models.PROTECT, null=True, blank=True, related_name="recognitions")
    counts_as = models.CharField(_("counts as"), max_length=200, blank=True)
    converted_score = models.CharField(_("converted grade"), max_length=8, blank=True)
    conversion = models.ForeignKey(ConversionTable, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    precedent = models.ForeignKey(
        RecognitionPrecedent, on_delete=models.SET_NULL, null=True, blank=True, related_name="decided"
    )
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind"],
                condition=models.Q(status__in=["waiting", "recognised"]),
                name="one_open_recognition_per_request_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.request_id}: {self.status}"
