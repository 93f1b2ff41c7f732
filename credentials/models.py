"""Results, recognition and microcredentials.

For now this holds the precedent library: stored recognition decisions of an examination board.
When one covers a course for a programme, the home institution approves a request for it automatically
(registered with enrolment's home review in ``CredentialsConfig.ready``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RecognitionPrecedent(models.Model):
    """An examination board's standing decision: this host course counts for this home programme."""

    programme = models.ForeignKey(
        "institutions.Programme", on_delete=models.CASCADE, related_name="recognition_precedents"
    )
    course = models.ForeignKey("catalogue.Course", on_delete=models.CASCADE, related_name="recognition_precedents")
    counts_as = models.CharField(_("counts as"), max_length=200, blank=True, help_text=_("e.g. elective space, minor"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("recognition precedent")
        verbose_name_plural = _("recognition precedents")
        constraints = [
            models.UniqueConstraint(fields=["programme", "course"], name="one_precedent_per_programme_course")
        ]

    def __str__(self) -> str:
        return f"{self.course} → {self.programme}"
