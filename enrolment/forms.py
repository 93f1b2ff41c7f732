"""Forms of the enrolment pages: they check the shape of the input only; the services decide."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalogue.models import Offering
from core.forms import RadioSelect
from enrolment.errors import REASON_REQUIRED_MESSAGE
from enrolment.models import DENIAL_REASONS, ReasonCode, Status
from enrolment.permissions import HOST_VISIBLE_STATES
from enrolment.services.actions import ACTIONS
from institutions.routes import Route

MAX_BULK = 200
DIFFERENT_ALTERNATIVES_MESSAGE = _("Choose different offerings as alternatives, and not the offering itself.")
UNKNOWN_ALTERNATIVE_MESSAGE = _("The alternative you chose (%(number)s) is no longer in the catalogue.")
SELECT_REQUESTS_MESSAGE = _("Select at least one request.")
TOO_MANY_SELECTED_MESSAGE = _("Select at most %(max)d requests at a time.")

NO_REASON = [("", _("Choose a reason"))]


class RouteField(forms.ChoiceField):
    """Offers the routes open to the student; takes any route's code, so that a route that is not open is
    refused by the submit service with its own message (one check, in one place)."""

    def valid_value(self, value) -> bool:
        return value in Route.values


class EnrolForm(forms.Form):
    motivation = forms.CharField(
        label=_("Motivation (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Why this course, and how it fits your programme (at most 4,000 characters)."),
    )
    document = forms.FileField(
        label=_("Supporting document (PDF, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
        help_text=_("For example a learning agreement. PDF only, at most 5 MB."),
    )
    route = RouteField(
        label=_("Route"),
        choices=Route.choices,
        widget=forms.RadioSelect,
        help_text=_("The routes this offering is suitable for that your home institution pilots."),
    )
    # Filled by choosing from a title search on the page; the numbers are checked here and by the service.
    alternative_1 = forms.IntegerField(label=_("First alternative"), required=False, min_value=1)
    alternative_2 = forms.IntegerField(label=_("Second alternative"), required=False, min_value=1)

    def __init__(self, *args, offering_id: int, routes: list[str] | None = None, motivation_required=False, **kwargs):
        self.offering_id = offering_id
        super().__init__(*args, **kwargs)
        if routes is not None:
            self.fields["route"].choices = [(r, Route(r).label) for r in routes]
            if routes and not self.is_bound:
                self.initial.setdefault("route", routes[0])
        if motivation_required:
            field = self.fields["motivation"]
            field.required = True
            field.label = _("Motivation")
            field.help_text = _(
                "Your home institution asks for a motivation: why this course, and how it fits your programme "
                "(at most 4,000 characters)."
            )

    def clean(self):
        data = super().clean()
        alternatives = [data.get(name) for name in ("alternative_1", "alternative_2") if data.get(name)]
        if len(set(alternatives)) != len(alternatives) or self.offering_id in alternatives:
            raise ValidationError(DIFFERENT_ALTERNATIVES_MESSAGE, code="alternatives")
        # Like a model choice field: the numbers must name offerings (whether they fit is the service's call).
        known = set(Offering.objects.filter(pk__in=alternatives, is_archived=False).values_list("pk", flat=True))
        for number in alternatives:
            if number not in known:
                raise ValidationError(
                    UNKNOWN_ALTERNATIVE_MESSAGE, code="unknown_alternative", params={"number": number}
                )
        data["alternatives"] = alternatives
        return data


class ActionForm(forms.Form):
    verb = forms.ChoiceField(choices=[(name, name) for name in ACTIONS])
    reason = forms.ChoiceField(label=_("Reason"), choices=NO_REASON + list(ReasonCode.choices), required=False)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)
    motivation = forms.CharField(label=_("Motivation"), required=False, max_length=4000)
    confirmed = forms.BooleanField(required=False)


class MotivationForm(forms.Form):
    motivation = forms.CharField(
        label=_("Your motivation"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )


# The actions that are a staff member's decision on a request: the request page offers them as one form.
DECISION_ACTIONS = ("approve", "deny", "admit", "waitlist", "reject", "staff_cancel")
CHOOSE_DECISION_MESSAGE = _("Choose a decision.")
REASON_HELP = _("Required for: %(actions)s.")


def _reasons(verbs) -> dict:
    """The reason codes the given actions take, in the action table's order."""
    reasons: dict = {}
    for name in verbs:
        reasons.update(ACTIONS[name].reasons)
    return reasons


class DecisionForm(forms.Form):
    """A staff member's decision on one request: one choice among the actions, a reason where the chosen action
    asks for one, and an optional comment. Whether the user may take the action, from this state, is the
    service's call (as for every action); the form only says what the input must hold."""

    # The server says what is missing, next to the field; an unchecked required radio would look invalid at once.
    use_required_attribute = False

    verb = forms.ChoiceField(
        label=_("Your decision"), widget=RadioSelect, error_messages={"required": CHOOSE_DECISION_MESSAGE}
    )
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The student sees it in the request's timeline."),
    )

    def __init__(self, *args, verbs=DECISION_ACTIONS, **kwargs):
        super().__init__(*args, **kwargs)
        # Any decision is well-formed input; whether this user may take it now is the service's answer (403, 409).
        # The page offers only the ones the user may take, with the reasons those take.
        self.fields["verb"].choices = [(name, ACTIONS[name].label) for name in DECISION_ACTIONS]
        self.fields["reason"].choices = NO_REASON + list(_reasons(DECISION_ACTIONS).items())
        offered = [name for name in DECISION_ACTIONS if name in verbs]
        self.fields["verb"].widget.choices = [(name, ACTIONS[name].label) for name in offered]
        self.fields["reason"].widget.choices = NO_REASON + list(_reasons(offered).items())
        needing = [str(ACTIONS[name].label) for name in offered if ACTIONS[name].reasons]
        self.fields["reason"].help_text = REASON_HELP % {"actions": ", ".join(needing)} if needing else ""
        self.offered = offered
        self.needs_reason = bool(needing)

    def clean(self):
        data = super().clean()
        verb = data.get("verb")
        if verb and ACTIONS[verb].reasons and not data.get("reason"):
            self.add_error("reason", ValidationError(REASON_REQUIRED_MESSAGE, code="reason_required"))
        return data


class RowActionForm(ActionForm):
    request = forms.UUIDField()


SHOW_MINE = "mine"
SHOW_ALL = "all"


class QueueFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[(SHOW_MINE, _("Needs my action")), (SHOW_ALL, _("All requests"))],
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Last name, student number or course code."),
    )

    def __init__(self, data=None, *args, side: str, **kwargs):
        if data is not None and not data.get("show"):
            data = data.copy()
            data["show"] = SHOW_MINE  # a queue opens on what needs the person's action
        super().__init__(data, *args, **kwargs)
        states = HOST_VISIBLE_STATES if side == "incoming" else [s for s in Status.values if s != Status.DRAFT]
        self.fields["status"].choices = [("", _("All statuses"))] + [(s, Status(s).label) for s in states]

    @property
    def needs_action(self) -> bool:
        """The queue opens on what waits for the person; "All requests" shows the rest."""
        return (self.cleaned_data.get("show") or SHOW_MINE) == SHOW_MINE


class UUIDListField(forms.Field):
    def to_python(self, value):
        values = value or []
        try:
            return [uuid.UUID(str(v)) for v in values]
        except ValueError:
            raise ValidationError(SELECT_REQUESTS_MESSAGE, code="invalid") from None

    def validate(self, value):
        if not value:
            raise ValidationError(SELECT_REQUESTS_MESSAGE, code="required")
        if len(value) > MAX_BULK:
            raise ValidationError(TOO_MANY_SELECTED_MESSAGE, code="too_many", params={"max": MAX_BULK})


class BulkDecisionForm(forms.Form):
    ids = UUIDListField(widget=forms.MultipleHiddenInput)
    verb = forms.ChoiceField(choices=[("approve", _("Approve selected")), ("deny", _("Deny selected"))])
    reason = forms.ChoiceField(
        label=_("Reason for a denial"), choices=NO_REASON + [(r.value, r.label) for r in DENIAL_REASONS], required=False
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)
