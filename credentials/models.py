"""Microcredentials (#18): what a course or module awards, the issuers' keys, the status lists and the
credentials issued. The precedent library of recognition decisions moved to ``results``."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.i18n import lazy_format

EC_OUTSIDE_SIZE_RULE_MESSAGE = _(
    "A microcredential is %(minimum)s to %(maximum)s EC in the pilot; this one is %(ec)s EC."
)
COURSE_OR_MODULE_MESSAGE = _(
    "A microcredential is defined for one course, one module or one larger whole (a programme modules stack "
    "into), and for only one of them."
)
STACK_RULE_MESSAGE = _(
    "Say what completes the larger whole: all the modules that stack into it, or the EC needed. Only a "
    "definition for a larger whole has this rule."
)
STACK_AWARDING_MESSAGE = _(
    "The credential for the larger whole %(programme)s is awarded by %(institution)s, the institution of the programme."
)
STACK_TOO_FEW_MESSAGE = _(
    "A credential for a larger whole stacks at least two module credentials; the modules that stack into "
    "%(programme)s have %(count)s with a microcredential definition. Define those first."
)
STACK_ALL_EC_MESSAGE = _(
    "The modules with a microcredential that stack into %(programme)s add up to %(total)s EC; a credential for "
    "all of them states %(total)s EC, not %(ec)s EC."
)
STACK_EC_UNREACHABLE_MESSAGE = _(
    "%(ec)s EC cannot be reached: the modules with a microcredential that stack into %(programme)s add up to "
    "%(total)s EC."
)
STACK_EC_POSITIVE_MESSAGE = _("The EC needed for the larger whole is more than 0.")
STATUS_LIST_BITS = 16 * 1024 * 8  # the spec's minimum, for herd privacy (statuslist.MINIMUM_BITS)


def size_rule() -> tuple[Decimal, Decimal]:
    """The pilot's size rule in EC, (minimum, maximum) inclusive; ``CREDENTIALS_EC_RANGE`` overrides it."""
    minimum, maximum = getattr(settings, "CREDENTIALS_EC_RANGE", (3, 30))
    return _ec(minimum), _ec(maximum)


def _ec(value) -> Decimal:
    """3.0 from the environment reads "3" in the message, 7.5 stays 7.5."""
    number = Decimal(str(value))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


class MicrocredentialDefinition(models.Model):
    """What passing one course or module awards, with the EU elements (Council Recommendation, Annex I); or,
    with ``programme``, what the module credentials of the modules that stack into that programme
    (``catalogue.Module.stacks_into``) award together once they complete it (``stack_rule``).

    The pilot's size rule (3-30 EC) bounds a unit, not a whole: a definition for a larger whole is instead
    checked against the modules that stack into it (at least two with a definition; all of them state their
    sum, an EC threshold is reachable), and is awarded by the programme's institution."""

    class StackRule(models.TextChoices):
        ALL_MODULES = "all", _("all the modules that stack into it")
        EC = "ec", _("the EC needed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.OneToOneField(
        "catalogue.Course", on_delete=models.PROTECT, null=True, blank=True, related_name="microcredential"
    )
    module = models.OneToOneField(
        "catalogue.Module", on_delete=models.PROTECT, null=True, blank=True, related_name="microcredential"
    )
    programme = models.OneToOneField(
        "institutions.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stacked_microcredential",
        verbose_name=_("larger whole (programme)"),
        help_text=_("For a credential of the larger whole: the programme the modules stack into."),
    )
    stack_rule = models.CharField(
        _("completed by"),
        max_length=3,
        choices=StackRule.choices,
        blank=True,
        help_text=_("For a larger whole: all the modules that stack into it, or the EC needed (the EC field)."),
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    learning_outcomes = models.TextField(_("learning outcomes"), help_text=_("One learning outcome per line."))
    ec = models.DecimalField(_("EC"), max_digits=4, decimal_places=1)
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF level"), validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    assessment_type = models.CharField(_("type of assessment"), max_length=255)
    participation_form = models.CharField(_("form of participation"), max_length=255)
    quality_assurance = models.CharField(_("type of quality assurance"), max_length=255)
    awarding_institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("awarding body")
    )
    awarding_country = models.CharField(_("country of the awarding body"), max_length=2, default="NL")
    prerequisites = models.TextField(_("prerequisites"), blank=True)
    supervision_and_identity_verification = models.CharField(
        _("supervision and identity verification"), max_length=255, blank=True
    )
    grade_shown = models.BooleanField(_("show the grade"), default=False)
    stackability = models.CharField(
        _("stackability"), max_length=255, blank=True, help_text=_("Whether and how it stacks towards a larger whole.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("microcredential definition")
        verbose_name_plural = _("microcredential definitions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(course__isnull=False, module__isnull=True, programme__isnull=True)
                | models.Q(course__isnull=True, module__isnull=False, programme__isnull=True)
                | models.Q(course__isnull=True, module__isnull=True, programme__isnull=False),
                name="microcredential_for_course_module_or_whole",
            ),
            models.CheckConstraint(
                condition=models.Q(programme__isnull=True, stack_rule="")
                | models.Q(programme__isnull=False, stack_rule__in=["all", "ec"]),
                name="microcredential_stack_rule_for_a_whole",
            ),
            models.CheckConstraint(
                condition=models.Q(eqf_level__gte=1, eqf_level__lte=8), name="microcredential_eqf_level"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if [self.course_id, self.module_id, self.programme_id].count(None) != 2:
            raise ValidationError(COURSE_OR_MODULE_MESSAGE, code="course_or_module")
        if (self.programme_id is None) != (not self.stack_rule):
            raise ValidationError({"stack_rule": STACK_RULE_MESSAGE}, code="stack_rule")
        if self.programme_id is not None:
            self._clean_whole()
            return
        minimum, maximum = size_rule()
        if self.ec is not None and not minimum <= Decimal(str(self.ec)) <= maximum:
            raise ValidationError(
                {"ec": lazy_format(EC_OUTSIDE_SIZE_RULE_MESSAGE, minimum=minimum, maximum=maximum, ec=self.ec)},
                code="size_rule",
            )

    def _clean_whole(self) -> None:
        programme = self.programme
        if self.awarding_institution_id is not None and self.awarding_institution_id != programme.institution_id:
            raise ValidationError(
                {
                    "awarding_institution": lazy_format(
                        STACK_AWARDING_MESSAGE, programme=programme.name_en, institution=programme.institution.name_en
                    )
                },
                code="stack_awarding_body",
            )
        components = list(self.components())
        if len(components) < 2:
            raise ValidationError(
                lazy_format(STACK_TOO_FEW_MESSAGE, programme=programme.name_en, count=len(components)),
                code="stack_too_few",
            )
        if self.ec is None:
            return
        total = _ec(sum((c.ec for c in components), Decimal("0")))
        ec = _ec(self.ec)
        if self.stack_rule == self.StackRule.ALL_MODULES and ec != total:
            raise ValidationError(
                {"ec": lazy_format(STACK_ALL_EC_MESSAGE, programme=programme.name_en, total=total, ec=ec)},
                code="stack_all_ec",
            )
        if self.stack_rule == self.StackRule.EC and ec <= 0:
            raise ValidationError({"ec": STACK_EC_POSITIVE_MESSAGE}, code="stack_ec_positive")
        if self.stack_rule == self.StackRule.EC and ec > total:
            raise ValidationError(
                {"ec": lazy_format(STACK_EC_UNREACHABLE_MESSAGE, programme=programme.name_en, total=total, ec=ec)},
                code="stack_ec_unreachable",
            )

    @property
    def is_whole(self) -> bool:
        return self.programme_id is not None

    def components(self) -> models.QuerySet["MicrocredentialDefinition"]:
        """For a larger whole: the definitions of the modules that stack into its programme."""
        if self.programme_id is None:
            return MicrocredentialDefinition.objects.none()
        return MicrocredentialDefinition.objects.filter(module__stacks_into_id=self.programme_id).order_by(
            "module__code", "pk"
        )

    @property
    def outcomes(self) -> list[str]:
        return [line.strip() for line in self.learning_outcomes.splitlines() if line.strip()]


class IssuerKey(models.Model):
    """An institution's Ed25519 signing key. The current one has no ``retired_at``; retired keys stay
    published (the issuer document lists them) so the credentials they signed keep verifying."""

    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="issuer_keys")
    key_id = models.CharField(_("key id"), max_length=64)
    secret = EncryptedTextField(_("secret key (secretKeyMultibase, encrypted)"))
    public_key_multibase = models.CharField(_("public key (publicKeyMultibase)"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("issuer key")
        verbose_name_plural = _("issuer keys")
        ordering = ["institution", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "key_id"], name="issuer_key_id_unique"),
            models.UniqueConstraint(
                fields=["institution"], condition=models.Q(retired_at__isnull=True), name="one_current_issuer_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}#{self.key_id}"


class StatusList(models.Model):
    """An institution's revocation list: ``size`` bits, the next free index. The bits themselves are the
    revoked credentials' indexes, so the list is regenerated from the credentials and never drifts."""

    institution = models.OneToOneField(
        "institutions.Institution", on_delete=models.PROTECT, related_name="credential_status_list"
    )
    size = models.PositiveIntegerField(default=STATUS_LIST_BITS)
    next_index = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")
        constraints = [
            models.CheckConstraint(condition=models.Q(next_index__lte=models.F("size")), name="status_list_not_full")
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.pk}"

    @property
    def list_id(self) -> str:
        return str(self.pk)


class IssuedCredential(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("issued")
        REVOKED = "revoked", _("revoked")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    definition = models.ForeignKey(MicrocredentialDefinition, on_delete=models.PROTECT, related_name="issued")
    # The result that earned it; none for a credential of a larger whole, which its components earned.
    result = models.OneToOneField(
        "results.Result", on_delete=models.PROTECT, null=True, blank=True, related_name="credential"
    )
    components = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="stacked_into", verbose_name=_("component credentials")
    )
    holder = models.ForeignKey("accounts.StudentProfile", on_delete=models.PROTECT, related_name="credentials")
    # The signed credential as text, byte for byte what the holder downloads (jsonb would reorder its keys).
    document = models.TextField(_("signed credential (JSON)"))
    issued_at = models.DateTimeField(_("issued at"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ISSUED)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="credentials")
    status_index = models.PositiveIntegerField(_("status list index"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("issued credential")
        verbose_name_plural = _("issued credentials")
        ordering = ["issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["status_list", "status_index"], name="one_credential_per_status_bit"),
            # A larger whole is awarded once per holder; again only after that one was revoked.
            models.UniqueConstraint(
                fields=["definition", "holder"],
                condition=models.Q(result__isnull=True, status="issued"),
                name="one_issued_stacked_credential",
            ),
            models.CheckConstraint(
                condition=models.Q(status="issued", revoked_at__isnull=True)
                | models.Q(status="revoked", revoked_at__isnull=False) & ~models.Q(revocation_reason=""),
                name="revoked_has_time_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class CredentialEvent(models.Model):
    """One move of an issued credential (issued, revoked), whose and why: the audit trail."""

    credential = models.ForeignKey(IssuedCredential, on_delete=models.PROTECT, related_name="events")
    verb = models.CharField(max_length=16)
    from_status = models.CharField(max_length=8, blank=True)
    to_status = models.CharField(max_length=8, choices=IssuedCredential.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True, max_length=2000)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("credential event")
        verbose_name_plural = _("credential events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.credential_id}: {self.from_status} → {self.to_status}"
