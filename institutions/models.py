"""Institutions of the zone, their organisational units, calendars and programmes."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from institutions.routes import Route


def localised(obj, field: str) -> str:
    """The Dutch or English value of ``field_nl``/``field_en``, whichever the active language wants."""
    nl, en = getattr(obj, f"{field}_nl"), getattr(obj, f"{field}_en")
    if (get_language() or "nl").startswith("en"):
        return en or nl
    return nl or en


class Institution(models.Model):
    class Kind(models.TextChoices):
        RESEARCH_UNIVERSITY = "wo", _("Research university")
        APPLIED_SCIENCES = "hbo", _("University of applied sciences")

    class Integration(models.TextChoices):
        PORTAL_MANAGED = "portal", _("Portal-managed")
        CONNECTED = "ooapi", _("Connected (OOAPI v5)")

    code = models.SlugField(_("code"), max_length=20, unique=True, help_text=_("Short stable code, e.g. 'uu'."))
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=30)
    brin = models.CharField(
        _("BRIN"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^[0-9]{2}[A-Z0-9]{2}$", _("A BRIN is four characters, e.g. 21PD."))],
    )
    schac_home = models.CharField(
        _("schacHome"), max_length=100, unique=True, help_text=_("Domain identifier sent by SURFconext, e.g. uu.nl.")
    )
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    city = models.CharField(_("city"), max_length=100)
    integration = models.CharField(
        _("integration"), max_length=10, choices=Integration.choices, default=Integration.PORTAL_MANAGED
    )
    piloted_routes = models.JSONField(
        _("piloted routes"), default=list, blank=True, help_text=_("Route codes this institution pilots.")
    )
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["short_name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.short_name

    @property
    def name(self) -> str:
        return localised(self, "name")

    @property
    def piloted_route_labels(self) -> list[str]:
        return [Route(r).label for r in self.piloted_routes if r in Route.values]


class OrganisationalUnit(models.Model):
    class Kind(models.TextChoices):
        FACULTY = "faculty", _("Faculty")
        SCHOOL = "school", _("School")
        DEPARTMENT = "department", _("Department")
        INSTITUTE = "institute", _("Institute")

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    code = models.CharField(_("code"), max_length=30)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.FACULTY)

    class Meta:
        ordering = ["institution", "code"]
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="unit_code_unique_per_institution")]

    def __str__(self) -> str:
        return f"{self.institution.short_name} · {localised(self, 'name')}"


class AcademicYear(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="academic_years")
    name = models.CharField(_("name"), max_length=20, help_text=_("e.g. 2026-2027"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))

    class Meta:
        ordering = ["institution", "start_date"]
        verbose_name = _("academic year")
        verbose_name_plural = _("academic years")
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="academic_year_unique_per_institution"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="academic_year_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.institution.short_name} {self.name}"


class AcademicPeriod(models.Model):
    """One unit of an institution's own calendar: a semester, quarter or block, with real dates."""

    class Kind(models.TextChoices):
        SEMESTER = "semester", _("Semester")
        QUARTER = "quarter", _("Quarter")
        BLOCK = "block", _("Block")
        TRIMESTER = "trimester", _("Trimester")

    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="periods")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="periods")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    name_nl = models.CharField(_("name (Dutch)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))

    class Meta:
        ordering = ["institution", "start_date"]
        verbose_name = _("academic period")
        verbose_name_plural = _("academic periods")
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "kind", "sequence"], name="period_unique_in_year"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="period_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.institution.short_name} {self.academic_year.name} {localised(self, 'name')}"

    @property
    def name(self) -> str:
        return localised(self, "name")


class Programme(models.Model):
    class Level(models.TextChoices):
        ASSOCIATE = "associate", _("Associate degree")
        BACHELOR = "bachelor", _("Bachelor")
        MASTER = "master", _("Master")

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="programmes")
    unit = models.ForeignKey(
        OrganisationalUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="programmes"
    )
    croho_code = models.CharField(
        _("CROHO code"), max_length=5, validators=[RegexValidator(r"^[0-9]{5}$", _("A CROHO code is five digits."))]
    )
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    language = models.CharField(_("language"), max_length=2, choices=[("nl", _("Dutch")), ("en", _("English"))])
    ec = models.DecimalField(
        _("EC"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("The programme's study load; needed to publish it to an eduXchange alliance."),
    )

    class Meta:
        ordering = ["institution", "name_nl"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.UniqueConstraint(fields=["institution", "croho_code"], name="programme_croho_unique_per_institution")
        ]

    def __str__(self) -> str:
        return f"{self.institution.short_name} · {localised(self, 'name')}"

    @property
    def name(self) -> str:
        return localised(self, "name")


class Alliance(models.Model):
    """An eduXchange alliance: institutions that share courses and programmes with each other's students.

    ``code`` is the name SURF's eduXchange profile knows it by (``ewuu``, ``lde``, ``euroteq``, ``kom``);
    each alliance has its own theme vocabulary (``AllianceTheme``)."""

    code = models.SlugField(_("code"), max_length=20, unique=True, help_text=_("The alliance's name in eduXchange."))
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    members = models.ManyToManyField(
        Institution, through="AllianceMembership", related_name="alliances", verbose_name=_("members")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")

    def __str__(self) -> str:
        return localised(self, "name")


class AllianceMembership(models.Model):
    """An institution belongs to an alliance: it may publish its courses and programmes there. Leaving
    ends the institution's publications to the alliance (see ``signals``)."""

    alliance = models.ForeignKey(
        Alliance, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("alliance")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="alliance_memberships", verbose_name=_("institution")
    )

    class Meta:
        ordering = ["alliance", "institution"]
        verbose_name = _("alliance membership")
        verbose_name_plural = _("alliance memberships")
        constraints = [models.UniqueConstraint(fields=["alliance", "institution"], name="alliance_membership_unique")]

    def __str__(self) -> str:
        return f"{self.alliance.code} · {self.institution.short_name}"


class AllianceTheme(models.Model):
    """One value of an alliance's own theme vocabulary, as its eduXchange consumer block carries it: LDE's
    are codes 10 to 19, EuroTeQ's subject names; the profile leaves EWUU's and Kies op Maat's open."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="themes", verbose_name=_("alliance"))
    code = models.CharField(_("value"), max_length=100, help_text=_("Exactly as sent to eduXchange."))
    name_nl = models.CharField(_("name (Dutch)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["alliance", "code"]
        verbose_name = _("alliance theme")
        verbose_name_plural = _("alliance themes")
        constraints = [models.UniqueConstraint(fields=["alliance", "code"], name="alliance_theme_unique")]

    def __str__(self) -> str:
        name = localised(self, "name")
        return f"{self.alliance.code} · {self.code}" + (f" ({name})" if name and name != self.code else "")


class Publication(models.Model):
    """What a course or programme is in one alliance that shares it: the alliance's theme, and who may see
    it and how they enrol (the fields of the eduXchange consumer block). See ``ProgrammePublication`` and
    ``catalogue.models.CoursePublication``."""

    class Kind(models.TextChoices):
        BROADENING = "broadening", _("Broadening")
        DEEPENING = "deepening", _("Deepening")

    class Enrolment(models.TextChoices):
        URL = "url", _("At the enrolment page (the portal)")
        BROKER = "broker", _("Through the eduXchange broker")

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="+", verbose_name=_("alliance"))
    theme = models.ForeignKey(
        AllianceTheme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("theme"),
        help_text=_("From the alliance's own theme vocabulary."),
    )
    selection = models.BooleanField(
        _("selective"), default=False, help_text=_("Students must meet extra requirements.")
    )
    kind = models.CharField(_("broadening or deepening"), max_length=10, choices=Kind.choices, blank=True)
    visible_for_own_students = models.BooleanField(_("visible to own students"), default=True)
    enrolment_for_own_students = models.CharField(
        _("enrolment of own students"), max_length=6, choices=Enrolment.choices, default=Enrolment.URL
    )
    visible_for_guests = models.BooleanField(
        _("visible to guests"), default=False, help_text=_("Students outside the alliance's institutions.")
    )
    enrolment_for_guests = models.CharField(
        _("enrolment of guests"), max_length=6, choices=Enrolment.choices, default=Enrolment.URL
    )

    class Meta:
        abstract = True

    # The field naming what is published: "programme" or "course".
    owner_field = ""

    def owner_institution_id(self) -> int | None:
        """The institution whose course or programme this is; also before that row is saved (the admin
        validates an inline publication together with a new course)."""
        owner = self._state.fields_cache.get(self.owner_field)
        if owner is None and getattr(self, f"{self.owner_field}_id") is not None:
            owner = getattr(self, self.owner_field)
        return owner.institution_id if owner is not None else None

    def clean(self) -> None:
        super().clean()
        problem = publication_problem(
            institution_id=self.owner_institution_id(),
            alliance_id=self.alliance_id,
            theme=self.theme if self.theme_id else None,
        )
        if problem:
            raise ValidationError(problem)


NOT_A_MEMBER = _("The institution is not a member of this alliance, so it cannot publish there.")
THEME_OF_OTHER_ALLIANCE = _("The theme belongs to another alliance's vocabulary.")
NO_STUDY_LOAD = _("Give the programme its study load (EC) first: eduXchange requires it of a programme.")


def publication_problem(*, institution_id: int | None, alliance_id: int | None, theme: AllianceTheme | None):
    """Why a publication of something of ``institution_id`` to ``alliance_id`` with ``theme`` is not
    allowed, or ``None``. One rule for the services, the admin and the import."""
    if institution_id is None or alliance_id is None:
        return None  # a required field is missing; its own error says so
    if not AllianceMembership.objects.filter(alliance_id=alliance_id, institution_id=institution_id).exists():
        return NOT_A_MEMBER
    if theme is not None and theme.alliance_id != alliance_id:
        return THEME_OF_OTHER_ALLIANCE
    return None


class ProgrammePublication(Publication):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="publications", verbose_name=_("programme")
    )

    class Meta:
        ordering = ["programme", "alliance"]
        verbose_name = _("programme publication")
        verbose_name_plural = _("programme publications")
        constraints = [models.UniqueConstraint(fields=["programme", "alliance"], name="programme_publication_unique")]

    def __str__(self) -> str:
        return f"{self.programme} → {self.alliance.code}"

    owner_field = "programme"

    def clean(self) -> None:
        super().clean()
        programme = self._state.fields_cache.get("programme") or (self.programme if self.programme_id else None)
        if programme is not None and programme.ec is None:
            raise ValidationError(NO_STUDY_LOAD)
