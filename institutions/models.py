"""Institutions of the zone, their organisational units, calendars and programmes."""

from django.core.validators import RegexValidator
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
