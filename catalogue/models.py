"""The joint catalogue: courses, modules and their offerings, plus a denormalised search row per offering.

``OfferingSearch`` is derived data, one flat row per offering, kept up to date by
``catalogue.services.search_index_refresh``. It lets one SQL statement answer a catalogue page with all
its facet counts, whatever the size of the catalogue (see docs/benchmarks.md).
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from institutions.models import AcademicPeriod, Institution, OrganisationalUnit, Publication, localised
from institutions.routes import Route


class Language(models.TextChoices):
    DUTCH = "nl", _("Dutch")
    ENGLISH = "en", _("English")
    GERMAN = "de", _("German")


class Level(models.TextChoices):
    ASSOCIATE = "associate", _("Associate degree")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    POSTGRADUATE = "postgraduate", _("Postgraduate / professional")


class ECBand(models.TextChoices):
    """Study load bands for the EC facet: exact EC values are too many to be useful as choices."""

    UP_TO_3 = "0-3", _("up to 3 EC")
    FROM_3_TO_5 = "3-5", _("more than 3, up to 5 EC")
    FROM_5_TO_10 = "5-10", _("more than 5, up to 10 EC")
    FROM_10_TO_15 = "10-15", _("more than 10, up to 15 EC")
    FROM_15_TO_30 = "15-30", _("more than 15, up to 30 EC")
    OVER_30 = "30+", _("more than 30 EC")


# Upper limits (inclusive) of the EC facet's bands; above the last, OVER_30.
EC_BAND_LIMITS = (
    (3, ECBand.UP_TO_3.value),
    (5, ECBand.FROM_3_TO_5.value),
    (10, ECBand.FROM_5_TO_10.value),
    (15, ECBand.FROM_10_TO_15.value),
    (30, ECBand.FROM_15_TO_30.value),
)
EC_BAND_OVER = ECBand.OVER_30.value


def ec_band(ec: Decimal) -> str:
    for upper, band in EC_BAND_LIMITS:
        if ec <= upper:
            return band
    return EC_BAND_OVER


class Mode(models.TextChoices):
    ON_CAMPUS = "on_campus", _("On campus")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid")


# Themes are counted in one pass over a bitmask; 24 leaves room while keeping that pass cheap.
MAX_THEMES = 24


class AdmissionMode(models.TextChoices):
    FIRST_COME = "fcfs", _("First come, first served")
    LOTTERY = "lottery", _("Lottery at the opening of the window")
    SELECTION = "selection", _("Selection by staff")


class Theme(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    # Position in the search row's bitmask; fixed once given, so the index never needs a rewrite.
    bit = models.PositiveSmallIntegerField(_("bit"), unique=True, validators=[MaxValueValidator(MAX_THEMES - 1)])

    class Meta:
        ordering = ["bit"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return localised(self, "name")

    @property
    def name(self) -> str:
        return localised(self, "name")


class Teachable(models.Model):
    """What courses and modules share: the descriptive fields a student chooses by."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(OrganisationalUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    code = models.CharField(_("code"), max_length=40)
    title_nl = models.CharField(_("title (Dutch)"), max_length=255)
    title_en = models.CharField(_("title (English)"), max_length=255)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    ec = models.DecimalField(_("EC"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))])
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF level"), validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    language = models.CharField(_("teaching language"), max_length=2, choices=Language.choices)
    learning_outcomes_nl = models.TextField(_("learning outcomes (Dutch)"), blank=True)
    learning_outcomes_en = models.TextField(_("learning outcomes (English)"), blank=True)
    suitable_routes = models.JSONField(_("suitable routes"), default=list, blank=True)
    # Stable identity for the OOAPI import: the peer's id plus its primaryCode.
    ooapi_id = models.CharField(_("OOAPI id"), max_length=64, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return localised(self, "title")

    @property
    def description(self) -> str:
        return localised(self, "description")

    @property
    def learning_outcomes(self) -> str:
        return localised(self, "learning_outcomes")

    @property
    def suitable_route_labels(self) -> list[str]:
        return [Route(r).label for r in self.suitable_routes if r in Route.values]


class Course(Teachable):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="courses")
    unit = models.ForeignKey(
        OrganisationalUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="courses"
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="courses", verbose_name=_("themes"))
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="required_for", verbose_name=_("prerequisites")
    )

    class Meta:
        ordering = ["institution", "code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="course_code_unique_per_institution"),
            models.CheckConstraint(condition=Q(ec__gt=0), name="course_ec_positive"),
            models.CheckConstraint(condition=Q(eqf_level__gte=1, eqf_level__lte=8), name="course_eqf_level_range"),
        ]


class CoursePublication(Publication):
    """A course shared in one eduXchange alliance its institution belongs to (see ``Publication``)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="publications", verbose_name=_("course"))
    owner_field = "course"

    class Meta:
        ordering = ["course", "alliance"]
        verbose_name = _("course publication")
        verbose_name_plural = _("course publications")
        constraints = [models.UniqueConstraint(fields=["course", "alliance"], name="course_publication_unique")]

    def __str__(self) -> str:
        return f"{self.course.code} → {self.alliance.code}"


class Module(Teachable):
    """An enrollable bundle of courses; a microcredential when flagged so."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="modules")
    unit = models.ForeignKey(
        OrganisationalUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="modules"
    )
    courses = models.ManyToManyField(Course, related_name="modules", verbose_name=_("courses"))
    themes = models.ManyToManyField(Theme, blank=True, related_name="modules", verbose_name=_("themes"))
    is_microcredential = models.BooleanField(_("microcredential"), default=False)
    # Stacking: the larger whole this module counts toward (a programme of the same institution), so a
    # module-only learner's completed modules add up to it (``billing.modules_selectors.stackable_progress``).
    stacks_into = models.ForeignKey(
        "institutions.Programme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stackable_modules",
        verbose_name=_("stacks into"),
        help_text=_("The programme this module counts toward when completed."),
    )

    class Meta:
        ordering = ["institution", "code"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="module_code_unique_per_institution"),
            models.CheckConstraint(condition=Q(ec__gt=0), name="module_ec_positive"),
            models.CheckConstraint(condition=Q(eqf_level__gte=1, eqf_level__lte=8), name="module_eqf_level_range"),
        ]


class Offering(models.Model):
    """One run of a course or a module in one of the host's periods."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, null=True, blank=True, related_name="offerings")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, null=True, blank=True, related_name="offerings")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="offerings")
    period = models.ForeignKey(AcademicPeriod, on_delete=models.PROTECT, related_name="offerings")
    code = models.CharField(
        _("offering code"), max_length=60, blank=True, help_text=_("The host's own code for this run.")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    enrol_opens_at = models.DateTimeField(_("enrolment opens"))
    enrol_closes_at = models.DateTimeField(_("enrolment closes"))
    capacity = models.PositiveIntegerField(_("capacity"))
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    mode = models.CharField(_("mode of delivery"), max_length=10, choices=Mode.choices)
    city = models.CharField(_("city"), max_length=100, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    price_module_only = models.DecimalField(
        _("price for module-only students (EUR)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    visible_own_students = models.BooleanField(_("visible to own students"), default=True)
    visible_partners = models.BooleanField(_("visible to partner institutions' students"), default=True)
    visible_guests = models.BooleanField(_("visible to guests"), default=False)
    visible_professionals = models.BooleanField(_("visible to professionals"), default=False)
    admission_mode = models.CharField(
        _("admission"), max_length=10, choices=AdmissionMode.choices, default=AdmissionMode.FIRST_COME
    )
    lottery_minutes = models.PositiveSmallIntegerField(
        _("lottery minutes"),
        default=0,
        help_text=_("With a lottery: requests in the first N minutes of the window are drawn at random."),
    )
    hold_hours = models.PositiveSmallIntegerField(
        _("hours to accept an offered seat"), default=48, validators=[MinValueValidator(1)]
    )
    withdraw_deadline = models.DateTimeField(
        _("cancel/withdraw deadline"),
        null=True,
        blank=True,
        help_text=_("Until when students may cancel or withdraw; empty means the start date."),
    )
    timeslots = models.JSONField(
        _("timeslots"),
        default=list,
        blank=True,
        help_text=_('Weekly slots where known, e.g. [{"weekday": 0, "start": "09:00", "end": "11:00"}].'),
    )
    is_archived = models.BooleanField(
        _("archived"), default=False, help_text=_("Vanished from the source; kept for history.")
    )
    ooapi_id = models.CharField(_("OOAPI id"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["start_date", "pk"]
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        constraints = [
            models.CheckConstraint(
                condition=(Q(course__isnull=False, module__isnull=True) | Q(course__isnull=True, module__isnull=False)),
                name="offering_is_course_xor_module",
            ),
            models.UniqueConstraint(
                fields=["institution", "code"], condition=~Q(code=""), name="offering_code_unique_per_institution"
            ),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="offering_dates_ordered"),
            models.CheckConstraint(
                condition=Q(enrol_closes_at__gt=F("enrol_opens_at")), name="offering_window_ordered"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=0), name="offering_capacity_not_negative"),
            models.CheckConstraint(condition=Q(seats_taken__lte=F("capacity")), name="offering_never_overbooked"),
        ]
        indexes = [models.Index(fields=["institution", "start_date"])]

    def __str__(self) -> str:
        return f"{self.teachable.code} {self.start_date:%Y-%m-%d}"

    @property
    def teachable(self) -> Course | Module:
        return self.course if self.course_id else self.module

    @classmethod
    def from_db(cls, db, field_names, values):
        offering = super().from_db(db, field_names, values)
        # What the capacity was when read, so a save that raises it is known (``signals.capacity_raised``).
        offering._loaded_capacity = offering.__dict__.get("capacity")
        return offering

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def cancel_deadline(self) -> dt.datetime:
        """Until when a student may cancel or withdraw: the set deadline, else the start of the first day."""
        if self.withdraw_deadline:
            return self.withdraw_deadline
        return dt.datetime.combine(self.start_date, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))

    @property
    def timeslot_labels(self) -> list[str]:
        """The weekly timetable as a person reads it: "Monday 09:00–11:00", in weekday order."""
        labels = []
        for slot in sorted(self.timeslots or [], key=lambda s: (s.get("weekday", 0), str(s.get("start")))):
            weekday = slot.get("weekday")
            if weekday in WEEKDAYS:
                labels.append(f"{WEEKDAYS[weekday]} {slot.get('start')}–{slot.get('end')}")
        return labels

    def is_open_for_enrolment(self, at=None) -> bool:
        at = at or timezone.now()
        return self.enrol_opens_at <= at < self.enrol_closes_at


class CatalogueStamp(models.Model):
    """One row whose time changes whenever the catalogue does; the basis of ETag and Last-Modified."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("catalogue stamp")

    def __str__(self) -> str:
        return f"catalogue changed at {self.changed_at:%Y-%m-%d %H:%M:%S}"


class OfferingSearch(models.Model):
    """Flat, derived search row for one offering: every facet value and everything a result card shows."""

    offering = models.OneToOneField(Offering, on_delete=models.CASCADE, primary_key=True, related_name="search_row")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=6)  # course | module
    code = models.CharField(max_length=40)
    title_nl = models.CharField(max_length=255)
    title_en = models.CharField(max_length=255)
    summary_nl = models.CharField(max_length=300)
    summary_en = models.CharField(max_length=300)
    ec = models.DecimalField(max_digits=5, decimal_places=1)
    ec_band = models.CharField(max_length=5)
    language = models.CharField(max_length=2)
    level = models.CharField(max_length=12)
    start_date = models.DateField()
    end_date = models.DateField()
    start_month = models.CharField(max_length=7)  # YYYY-MM, the period facet across differing calendars
    city = models.CharField(max_length=100)
    mode = models.CharField(max_length=10)
    theme_mask = models.BigIntegerField(default=0)
    route_mask = models.IntegerField(default=0)
    is_microcredential = models.BooleanField(default=False)
    enrol_opens_at = models.DateTimeField()
    enrol_closes_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    seats_taken = models.PositiveIntegerField()
    visible_public = models.BooleanField()
    # PostgreSQL only: Dutch and English stemmed text; filled by search_index_refresh.
    document = SearchVectorField(null=True)

    class Meta:
        verbose_name = _("search row")
        verbose_name_plural = _("search rows")

    def __str__(self) -> str:
        return f"{self.code} ({self.offering_id})"


class FacetCount(models.Model):
    """How many public search rows share one group of facet values: the catalogue's facet counts, kept up to
    date by the database (PostgreSQL) so that the browse page reads about a thousand rows instead of counting
    every offering.

    The groups are those ``catalogue.search`` counts: the where-and-when set (``grouping_set`` 0: institution,
    city, mode, start month, enrolment window) and the what set (1: themes, EC band, language, level,
    microcredential, routes); the columns of the other set are NULL. Rows are signed deltas: triggers on
    ``OfferingSearch`` (migration 0006) append, for each statement that writes search rows, the groups its
    old rows leave (negative) and its new rows join (positive), so concurrent writers never wait on each
    other. A group's count is the sum of its rows; ``catalogue.services.facet_counts_compact`` folds them
    into one row per group. On SQLite (the demo default) nothing fills it and nothing reads it.
    """

    grouping_set = models.PositiveSmallIntegerField()
    # NULL, not "", for the columns of the other grouping set, as GROUPING SETS answers them.
    institution_id = models.BigIntegerField(null=True)
    city = models.CharField(max_length=100, null=True)  # noqa: DJ001
    mode = models.CharField(max_length=10, null=True)  # noqa: DJ001
    start_month = models.CharField(max_length=7, null=True)  # noqa: DJ001
    enrol_opens_at = models.DateTimeField(null=True)
    enrol_closes_at = models.DateTimeField(null=True)
    theme_mask = models.BigIntegerField(null=True)
    ec_band = models.CharField(max_length=5, null=True)  # noqa: DJ001
    language = models.CharField(max_length=2, null=True)  # noqa: DJ001
    level = models.CharField(max_length=12, null=True)  # noqa: DJ001
    is_microcredential = models.BooleanField(null=True)
    route_mask = models.IntegerField(null=True)
    rows = models.IntegerField()

    class Meta:
        verbose_name = _("facet count")
        verbose_name_plural = _("facet counts")

    def __str__(self) -> str:
        return f"set {self.grouping_set}: {self.rows:+d}"
