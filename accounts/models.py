"""People and their roles.

- a **student** has a ``StudentProfile``: home institution, programme, student number;
- **institution staff** hold one ``StaffRole`` per (institution, role);
- a **zone coordinator** has ``User.is_zone_coordinator``; coordinators see aggregates, never records;
- an **admin** is a Django superuser.
"""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution, Programme


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("email address"), unique=True)
    is_zone_coordinator = models.BooleanField(_("zone coordinator"), default=False)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, default="nl", choices=[("nl", _("Dutch")), ("en", _("English"))]
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_institution_staff(self) -> bool:
        return self.staff_roles.exists()


class LearnerKind(models.TextChoices):
    """Who learns: a student of one of the zone's institutions, or a module-only learner without a home
    institution (a professional, or a guest), who registers for modules by the modular route."""

    STUDENT = "student", _("Student")
    PROFESSIONAL = "professional", _("Professional")
    GUEST = "guest", _("Guest")


MODULE_ONLY_KINDS = (LearnerKind.PROFESSIONAL, LearnerKind.GUEST)


class StudentProfile(models.Model):
    """The profile of anyone who learns through the portal. Every enrolment request, result and credential
    hangs on it. A student has a home institution; a module-only learner (``kind`` professional or guest) has
    none, no programme and is never actively enrolled anywhere (database-enforced)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="student")
    kind = models.CharField(_("kind of learner"), max_length=12, choices=LearnerKind.choices, default="student")
    home_institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="students"
    )
    programme = models.ForeignKey(Programme, on_delete=models.SET_NULL, null=True, blank=True, related_name="students")
    student_number = models.CharField(_("student number"), max_length=30, blank=True)
    is_actively_enrolled = models.BooleanField(_("actively enrolled at home"), default=True)

    class Meta:
        verbose_name = _("student profile")
        verbose_name_plural = _("student profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["home_institution", "student_number"],
                condition=~models.Q(student_number=""),
                name="student_number_unique_per_institution",
            ),
            # A student has a home institution; a module-only learner has none, and no programme to be
            # counted in: never enrolled in one.
            models.CheckConstraint(
                condition=models.Q(kind="student", home_institution__isnull=False)
                | models.Q(
                    kind__in=["professional", "guest"],
                    home_institution__isnull=True,
                    programme__isnull=True,
                    is_actively_enrolled=False,
                ),
                name="learner_home_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        if self.home_institution_id is None:
            return f"{self.user} ({self.get_kind_display()})"
        return f"{self.user} ({self.home_institution.short_name})"

    @property
    def is_module_only(self) -> bool:
        return self.kind in MODULE_ONLY_KINDS


class StaffRole(models.Model):
    class Role(models.TextChoices):
        HOME_APPROVER = "home_approver", _("Home approver")
        HOST_ADMISSIONS = "host_admissions", _("Host admissions")
        EXAMINATION_BOARD = "exam_board", _("Examination board")
        CATALOGUE_MANAGER = "catalogue_manager", _("Catalogue manager")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [models.UniqueConstraint(fields=["user", "institution", "role"], name="staff_role_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.institution.short_name}"


class RecordRead(models.Model):
    """A staff member opened a student's record. The student sees the role and the institution it was read
    for, what was read and when (``accounts.selectors.record_reads_of``); not the staff member's name."""

    class What(models.TextChoices):
        REQUEST = "request", _("an enrolment request")
        RESULTS = "results", _("results and recognition")
        DOCUMENT = "document", _("a supporting document")

    student = models.ForeignKey(StudentProfile, on_delete=models.CASCADE, related_name="record_reads")
    reader = models.ForeignKey(User, on_delete=models.CASCADE, related_name="records_read")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.Role.choices)
    what = models.CharField(_("what was read"), max_length=20, choices=What.choices)
    ref = models.CharField(_("reference"), max_length=64)
    at = models.DateTimeField(_("read at"), auto_now_add=True)

    class Meta:
        verbose_name = _("record read by staff")
        verbose_name_plural = _("records read by staff")
        indexes = [models.Index(fields=["student", "-at"], name="record_read_student_idx")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.institution_id} · {self.what} · {self.at:%Y-%m-%d %H:%M}"
