"""Cross-enrolment: one request per student per offering, one lifecycle, an audit trail.

The lifecycle (states and moves) is in ``enrolment/lifecycle.py`` and documented in
``enrolment/README.md``. Nothing but ``enrolment.lifecycle.transition`` sets ``EnrolmentRequest.status``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffRole
from institutions.routes import Route


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting home approval")
    HOME_APPROVED = "home_approved", _("Approved by home institution")
    HOME_DENIED = "home_denied", _("Denied by home institution")
    WAITLISTED = "waitlisted", _("On the waitlist")
    SEAT_OFFERED = "seat_offered", _("Seat offered: accept before the deadline")
    ADMITTED = "admitted", _("Admitted by host institution")
    HOST_DENIED = "host_denied", _("Denied by host institution")
    REGISTERED = "registered", _("Registered at both institutions")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


# A student has at most one request per offering in these states (database-enforced).
ACTIVE_STATES = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.HOME_APPROVED,
    Status.HOME_DENIED,
    Status.WAITLISTED,
    Status.SEAT_OFFERED,
    Status.ADMITTED,
    Status.REGISTERED,
)
# States that hold one of the offering's seats (counted in ``Offering.seats_taken``).
SEAT_STATES = (Status.SEAT_OFFERED, Status.ADMITTED, Status.REGISTERED, Status.COMPLETED)
FINAL_STATES = (Status.HOST_DENIED, Status.COMPLETED, Status.WITHDRAWN, Status.CANCELLED, Status.EXPIRED)


class ReasonCode(models.TextChoices):
    """Why a move happened. Denials must carry one; a student never sees just "administrative reason"."""

    STUDENT_REQUEST = "student_request", _("At the student's request")
    AUTOMATIC = "automatic", _("Automatic")
    POLICY_AUTO_APPROVAL = "policy_auto_approval", _("Approved automatically by the home institution's policy")
    RECOGNITION_PRECEDENT = "recognition_precedent", _("A recognition decision already covers this course")
    APPROVED = "approved", _("Approved")
    HOME_SYSTEM_DECISION = "home_system_decision", _("Decided in the home institution's own system")
    HOST_SYSTEM_DENIED = "host_system_denied", _("The host institution's own system refused the enrolment")
    HOST_SYSTEM_CANCELLED = "host_system_cancelled", _("The host institution's own system cancelled the enrolment")
    STEP_APPROVED = "step_approved", _("First approval step passed")
    NOT_IN_PROGRAMME = "not_in_programme", _("Does not fit the student's programme")
    OVERLAP_WITH_PROGRAMME = "overlap_with_programme", _("Overlaps with the student's own programme")
    PREREQUISITES_MISSING = "prerequisites_missing", _("Prerequisites are not met")
    STUDY_PROGRESS = "study_progress", _("Study progress does not allow it")
    LEVEL_MISMATCH = "level_mismatch", _("The level does not match")
    LANGUAGE = "language", _("Language requirements are not met")
    CAPACITY = "capacity", _("No seats left")
    SELECTION = "selection", _("Not selected")
    SELECTED = "selected", _("Selected by the host institution")
    HOST_DECISION = "host_decision", _("The host institution's decision")
    SEAT_AVAILABLE = "seat_available", _("A seat became available")
    LOTTERY = "lottery", _("Lottery draw")
    FIRST_COME = "first_come", _("First come, first served")
    HOLD_LAPSED = "hold_lapsed", _("The offered seat was not accepted in time")
    WAITLIST_DEADLINE = "waitlist_deadline", _("Still on the waitlist at the deadline")
    OFFERING_CANCELLED = "offering_cancelled", _("The offering was cancelled")
    REGISTERED_IN_PORTAL = "registered_in_portal", _("Registered in the portal for both institutions")
    RESULT_RECORDED = "result_recorded", _("Result recorded")
    ALTERNATIVE_ADMITTED = "alternative_admitted", _("A higher-ranked choice was admitted")
    NOT_ELIGIBLE = "not_eligible", _("The eligibility rules were not met (see comment)")
    FORWARDED_TO_HOST = "forwarded_to_host", _("A module registration goes straight to the host institution")
    OTHER = "other", _("Other (see comment)")


DENIAL_REASONS = (
    ReasonCode.NOT_IN_PROGRAMME,
    ReasonCode.OVERLAP_WITH_PROGRAMME,
    ReasonCode.PREREQUISITES_MISSING,
    ReasonCode.STUDY_PROGRESS,
    ReasonCode.LEVEL_MISMATCH,
    ReasonCode.LANGUAGE,
    ReasonCode.CAPACITY,
    ReasonCode.SELECTION,
    ReasonCode.OTHER,
)
# The same, as choices (a reason code field that accepts only denials).
DENIAL_REASON_CHOICES = [(r.value, r.label) for r in DENIAL_REASONS]


def upload_path(instance: EnrolmentRequest, filename: str) -> str:
    # Never the visitor's file name on disk: a random name under the request's own folder.
    return f"enrolment/{instance.public_id}/{uuid.uuid4().hex}.pdf"


class EnrolmentRequest(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey("accounts.StudentProfile", on_delete=models.PROTECT, related_name="enrolment_requests")
    offering = models.ForeignKey("catalogue.Offering", on_delete=models.PROTECT, related_name="enrolment_requests")
    # None for a module-only learner's registration (route modular): there is no home step at all
    # (``steps.forwarding``); the CHECK below allows no home only on the modular route.
    home_institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, null=True, blank=True, related_name="outgoing_requests"
    )
    host_institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="incoming_requests"
    )
    route = models.CharField(_("route"), max_length=24, choices=Route.choices, default=Route.OFF_THE_BEATEN_PATH)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False)
    motivation = models.TextField(_("motivation"), blank=True, max_length=4000)
    document = models.FileField(_("supporting document"), upload_to=upload_path, blank=True)
    # Ranked alternatives: up to three requests for the same slot share a group; rank 1 is tried first.
    choice_group = models.UUIDField(null=True, blank=True, db_index=True)
    rank = models.PositiveSmallIntegerField(default=1)
    # Home approval: the step reached in a two-step policy, and the decision deadline.
    home_step = models.PositiveSmallIntegerField(default=0)
    decision_due_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Host decision (an offering that admits by selection): its deadline, reminder and escalation.
    host_decision_due_at = models.DateTimeField(null=True, blank=True)
    host_reminded_at = models.DateTimeField(null=True, blank=True)
    host_escalated_at = models.DateTimeField(null=True, blank=True)
    # Host admission: order on the waitlist (arrival sequence, or a random draw in a lottery).
    queue_key = models.BigIntegerField(null=True, blank=True)
    seat_reservation = models.ForeignKey(
        "SeatReservation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accept_by = models.DateTimeField(null=True, blank=True)
    # Queued admission (``services.queue``): the request's place in its offering's arrival order, given when
    # it was recorded as a draft waiting for the queue's next batch. Kept after the batch decided it.
    arrival = models.BigIntegerField(null=True, blank=True, editable=False)
    waitlist_until = models.DateTimeField(null=True, blank=True)
    # Registration in the institutions' own systems: each side's reference (an OOAPI association id for a
    # connected one), and when that side's system confirmed it has the enrolment (``steps.registration``).
    home_registration_ref = models.CharField(max_length=100, blank=True)
    host_registration_ref = models.CharField(max_length=100, blank=True)
    home_registered_at = models.DateTimeField(null=True, blank=True)
    host_registered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When home first approved: from then on the host sees the request, whatever becomes of it. A request
    # cancelled before any home decision never reaches the host.
    home_approved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("enrolment request")
        verbose_name_plural = _("enrolment requests")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "offering"],
                condition=Q(status__in=[s.value for s in ACTIVE_STATES]),
                name="one_active_request_per_student_and_offering",
            ),
            models.UniqueConstraint(
                fields=["choice_group", "rank"], condition=Q(choice_group__isnull=False), name="one_request_per_rank"
            ),
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=3), name="rank_between_1_and_3"),
            models.CheckConstraint(
                condition=Q(home_institution__isnull=False) | Q(route=Route.MODULAR),
                name="no_home_only_on_the_modular_route",
            ),
        ]
        indexes = [
            models.Index(fields=["offering", "status", "queue_key"], name="request_queue_idx"),
            models.Index(
                fields=["host_institution", "status"],
                condition=Q(home_approved_at__isnull=False),
                name="request_host_queue_idx",
            ),
            models.Index(fields=["home_institution", "status"], name="request_home_queue_idx"),
            models.Index(
                fields=["offering", "arrival"],
                condition=Q(status="draft", arrival__isnull=False),
                name="request_admission_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def is_queued(self) -> bool:
        """Recorded, waiting for its offering's admission queue to decide it (``services.queue``)."""
        return self.status == Status.DRAFT and self.arrival is not None

    @property
    def is_module_only(self) -> bool:
        """A module-only learner's registration: no home institution, so no home step."""
        return self.home_institution_id is None

    def get_status_display(self) -> str:
        # Overrides Django's generated one: a module-only learner never reads of a home step, and a request
        # waiting in its offering's admission queue is not a draft to its student.
        if self.is_queued:
            return str(QUEUED_LABEL)
        return status_label(self.status, module_only=self.is_module_only)


# What a module-only learner reads instead of the labels that speak of a home institution.
MODULE_ONLY_LABELS = {
    Status.SUBMITTED: _("Submitted"),
    Status.HOME_APPROVED: _("Forwarded to the host institution"),
    Status.HOME_DENIED: _("Not accepted"),
    Status.REGISTERED: _("Registered at the host institution"),
}


QUEUED_LABEL = _("In the queue: the decision follows within seconds")


def status_label(status: str, *, module_only: bool = False) -> str:
    if module_only and status in MODULE_ONLY_LABELS:
        return MODULE_ONLY_LABELS[status]
    return Status(status).label if status in Status.values else ""


class RequestEvent(models.Model):
    """The audit trail: one row per move, visible to the student and both institutions."""

    request = models.ForeignKey(EnrolmentRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20, blank=True)  # student | home_approver | ... | system
    reason = models.CharField(max_length=32, choices=ReasonCode.choices)
    comment = models.TextField(blank=True, max_length=2000)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status} → {self.to_status}"


class HomeApprovalPolicy(models.Model):
    """How an institution approves its students' outgoing requests, and its caps per period."""

    class Mode(models.TextChoices):
        MANUAL = "manual", _("Staff decide")
        AUTOMATIC = "automatic", _("Approve automatically")

    class Clash(models.TextChoices):
        WARN = "warn", _("Warn the student")
        BLOCK = "block", _("Refuse the request")

    institution = models.OneToOneField(
        "institutions.Institution", on_delete=models.CASCADE, related_name="approval_policy"
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.MANUAL)
    # One step (home approver) or two (e.g. study adviser, then examination board).
    first_step_role = models.CharField(
        _("first step"), max_length=20, choices=StaffRole.Role.choices, default=StaffRole.Role.HOME_APPROVER
    )
    second_step_role = models.CharField(_("second step"), max_length=20, choices=StaffRole.Role.choices, blank=True)
    decision_days = models.PositiveSmallIntegerField(_("days to decide"), default=10)
    reminder_days = models.PositiveSmallIntegerField(_("remind after days"), default=5)
    max_ec_per_period = models.DecimalField(
        _("maximum EC elsewhere per period"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    max_courses_per_period = models.PositiveSmallIntegerField(
        _("maximum courses elsewhere per period"), null=True, blank=True
    )
    motivation_required = models.BooleanField(
        _("motivation required"), default=False, help_text=_("Students must say why they want the course.")
    )
    timetable_clash = models.CharField(
        _("timetable clash"),
        max_length=5,
        choices=Clash.choices,
        default=Clash.WARN,
        help_text=_("What a clash with the timetable of another of the student's enrolments does."),
    )

    class Meta:
        verbose_name = _("home approval policy")
        verbose_name_plural = _("home approval policies")

    def __str__(self) -> str:
        return f"{self.institution} · {self.get_mode_display()}"

    @property
    def steps(self) -> list[str]:
        return [self.first_step_role] + ([self.second_step_role] if self.second_step_role else [])


class SeatReservation(models.Model):
    """Seats of an offering kept for one partner institution's students until ``release_at``."""

    offering = models.ForeignKey("catalogue.Offering", on_delete=models.CASCADE, related_name="seat_reservations")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+")
    seats = models.PositiveIntegerField(_("seats"))
    used = models.PositiveIntegerField(_("used"), default=0, editable=False)
    release_at = models.DateTimeField(_("released at"))

    class Meta:
        verbose_name = _("seat reservation")
        verbose_name_plural = _("seat reservations")
        constraints = [
            models.UniqueConstraint(fields=["offering", "institution"], name="one_reservation_per_partner"),
            models.CheckConstraint(condition=Q(used__lte=models.F("seats")), name="reservation_never_overused"),
        ]

    def __str__(self) -> str:
        return f"{self.offering_id}: {self.seats} for {self.institution}"


class AdmissionQueue(models.Model):
    """One offering's admission queue: the last arrival number given. Taking the next number locks this row
    until the taking transaction commits, so the numbers of one offering are committed in their own order
    (``services.queue.arrival_take``): a batch that sees number n sees every earlier one that exists."""

    offering = models.OneToOneField("catalogue.Offering", on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_arrival = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("admission queue")
        verbose_name_plural = _("admission queues")

    def __str__(self) -> str:
        return f"{self.offering_id}: {self.last_arrival}"


class AdmissionBatch(models.Model):
    """One decision of queued requests of one offering, written in the batch's own transaction: the arrivals
    it decided, and for a lottery the seed its draw order came from (``services.queue.lottery_keys``)."""

    offering = models.ForeignKey("catalogue.Offering", on_delete=models.CASCADE, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    first_arrival = models.BigIntegerField()
    last_arrival = models.BigIntegerField()
    size = models.PositiveIntegerField()
    submitted = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    seed = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("admission batch")
        verbose_name_plural = _("admission batches")

    def __str__(self) -> str:
        return f"{self.offering_id}: {self.first_arrival}..{self.last_arrival}"
