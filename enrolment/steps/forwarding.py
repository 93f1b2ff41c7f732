"""A module-only learner's registration: no home step. Right after submission the system forwards it to the
host, audited as its own verb (``lifecycle.FORWARD``), never as a home decision."""

from __future__ import annotations

from enrolment import lifecycle
from enrolment.lifecycle import transition
from enrolment.locks import Held
from enrolment.models import EnrolmentRequest, ReasonCode


def forward(held: Held, request: EnrolmentRequest) -> None:
    """Hand the request to the host: submitted → home_approved, which sets ``home_approved_at`` so the
    host's pages, API and exports have it. Only for a request without a home institution."""
    assert request.home_institution_id is None, "only a module-only registration skips the home step"
    transition(request, verb=lifecycle.FORWARD, reason=ReasonCode.FORWARDED_TO_HOST)
