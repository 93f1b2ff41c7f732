"""Every write of the credentials app: issuing, revoking, issuer keys.

Who: issuing follows a granted credit entry and has no actor (the system, on the board's decision);
revoking is the examination board's of the awarding institution — in Dutch law the board that awards a
certificate (WHW 7.11) is the one that may take it back, and host admissions only records results. From
which state: a credential is revoked while issued, once.
"""

import json
import logging
import secrets
import uuid
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffRole, StudentProfile
from core.i18n import lazy_format
from credentials import selectors
from credentials.errors import (
    REASON_REQUIRED_MESSAGE,
    STATUS_LIST_FULL_MESSAGE,
    CredentialError,
    CredentialNotFoundError,
    NotAwardingBoardError,
)
from credentials.lifecycle import CREDENTIALS, REVOKE
from credentials.models import CredentialEvent, IssuedCredential, IssuerKey, MicrocredentialDefinition, StatusList
from credentials.openbadges import builder, dataintegrity, keys, statuslist, urls
from enrolment.permissions import has_role
from institutions.models import Institution
from results.models import Recognition, Result

logger = logging.getLogger(__name__)

COMPONENT_REVOKED_REASON = _("Its component credential %(title)s (%(id)s) was revoked: %(reason)s")


def _new_key_id() -> str:
    return f"key-{timezone.now():%Y%m%d}-{secrets.token_hex(4)}"


def issuer_key_create(*, institution: Institution) -> IssuerKey:
    """A fresh current key for ``institution``, retiring the current one if there is one (rotation). The
    retired key stays published, so what it signed keeps verifying. Locks the institution's keys."""
    with transaction.atomic():
        current = list(IssuerKey.objects.select_for_update().filter(institution=institution, retired_at__isnull=True))
        now = timezone.now()
        for key in current:
            key.retired_at = now
            key.save(update_fields=["retired_at"])
        private = keys.generate_private_key()
        return IssuerKey.objects.create(
            institution=institution,
            key_id=_new_key_id(),
            secret=keys.secret_key_multibase(private),
            public_key_multibase=keys.public_key_multibase(private),
        )


def _current_key(institution: Institution) -> IssuerKey:
    """The key to sign with; an institution that never had one gets its first here."""
    key = IssuerKey.objects.filter(institution=institution, retired_at__isnull=True).first()
    return key if key is not None else issuer_key_create(institution=institution)


def _take_status_index(institution: Institution) -> tuple[StatusList, int]:
    """The next free bit of the institution's list, counted under the list's row lock."""
    StatusList.objects.get_or_create(institution=institution)
    status_list = StatusList.objects.select_for_update().get(institution=institution)
    if status_list.next_index >= status_list.size:
        raise CredentialError(STATUS_LIST_FULL_MESSAGE, code="status_list_full")
    index = status_list.next_index
    status_list.next_index = index + 1
    status_list.save(update_fields=["next_index"])
    return status_list, index


def _granted(result: Result) -> bool:
    return Recognition.objects.filter(
        request_id=result.request_id,
        kind=Recognition.Kind.CREDIT,
        status=Recognition.Status.RECOGNISED,
        result=result,
    ).exists()


def credential_issue(*, result: Result) -> IssuedCredential | None:
    """Issue the microcredential ``result`` earns: a passing result with a granted credit entry, for a course
    or module that has a definition. None when it earns none.

    Idempotent: the result's row is locked first and a result has at most one credential (a unique
    constraint backs it), so a second call returns the first credential. After the commit, the credentials of
    larger wholes the holder's module credentials now complete are issued (``stacked_credentials_issue_for``).
    Takes the next bit of the
    awarding institution's status list under that list's row lock, and signs with its current key."""
    with transaction.atomic():
        result = (
            Result.objects.select_for_update(of=("self",))
            .select_related("request__offering", "request__student__user")
            .get(pk=result.pk)
        )
        credential = IssuedCredential.objects.filter(result=result).first()
        if credential is None:
            offering = result.request.offering
            definition = selectors.definition_for_teachable(course_id=offering.course_id, module_id=offering.module_id)
            # A module-only learner has no home examination board: the host's passing result awards it.
            # Everyone else waits for their home board's granted credit entry.
            module_only = result.request.home_institution_id is None
            if definition is None or not result.passed or not (module_only or _granted(result)):
                return None
            credential = _sign_and_store(
                definition=definition,
                holder=result.request.student,
                result=result,
                eu=selectors.eu_elements(definition, grade=result.score),
            )
    # After the module credential's commit (or again for one issued before): the wholes it completes.
    stacked_credentials_issue_for(credential)
    return credential


def _sign_and_store(
    *, definition, holder: StudentProfile, eu, result: Result | None = None, components=()
) -> IssuedCredential:
    """Build, sign and store one credential of ``definition`` for ``holder``, inside the caller's transaction.

    The awarding institution's list row lock comes first: it serialises issuing per institution, so two
    first credentials of an institution cannot both make its first key."""
    institution = definition.awarding_institution
    status_list, index = _take_status_index(institution)
    key = _current_key(institution)
    base = selectors.base_url()
    public_id = uuid.uuid4()
    issued_at = timezone.now()
    evidence = [
        builder.component_evidence(
            base_url=base,
            credential_id=str(component.public_id),
            name=component.definition.title,
            description=f"{component.definition.title}: {_ec_text(component.definition.ec)} EC, issued "
            f"{component.issued_at.date().isoformat()}",
        )
        for component in components
    ]
    unsigned = builder.build_microcredential(
        base_url=base,
        credential_id=str(public_id),
        issuer=institution.code,
        issuer_name=institution.name_en,
        achievement=str(definition.public_id),
        name=definition.title,
        description=definition.description or definition.title,
        criteria=selectors.criteria_of(definition),
        eu=eu,
        valid_from=issued_at,
        subject_identifier=builder.identity_object(holder.user.email, salt=secrets.token_hex(8)),
        credential_status=statuslist.status_entry(
            base_url=base, issuer=institution.code, list_id=status_list.list_id, index=index
        ),
        achievement_type=selectors.achievement_type_of(definition),
        evidence=evidence,
    )
    signed = dataintegrity.sign(
        unsigned,
        private_key=keys.private_key_from_multibase(key.secret),
        verification_method=urls.key_url(base, institution.code, key.key_id),
        loader=selectors.loader(),
        created=issued_at,
    )
    credential = IssuedCredential.objects.create(
        public_id=public_id,
        definition=definition,
        result=result,
        holder=holder,
        document=json.dumps(signed, ensure_ascii=False, indent=2),
        issued_at=issued_at,
        status_list=status_list,
        status_index=index,
    )
    if components:
        credential.components.set(components)
    CredentialEvent.objects.create(credential=credential, verb="issue", to_status=credential.status)
    for subscriber in list(_issued_subscribers):
        subscriber(credential)
    return credential


def _ec_text(ec) -> str:
    """5.0 reads "5", 7.5 stays "7.5"."""
    number = Decimal(str(ec))
    return str(number.quantize(Decimal(1)) if number == number.to_integral_value() else number)


def _lock_holder(holder: StudentProfile) -> None:
    """The holder's row lock: serialises the checks and issues of the holder's wholes."""
    StudentProfile.objects.select_for_update().filter(pk=holder.pk).first()


def stacked_credential_issue(
    *, definition: MicrocredentialDefinition, holder: StudentProfile
) -> IssuedCredential | None:
    """Issue the credential of a larger whole once the holder's issued, unrevoked module credentials complete
    it (``selectors.stack_complete``): all the component definitions held, or their EC reaching the EC
    needed. Not tied to one result: its ``evidence`` names the component credentials, which it records.
    None while the whole is incomplete, and once the awarding board revoked the holder's credential of the
    whole itself (not because a component was revoked): that decision is not undone automatically.

    Idempotent: the holder's row is locked first, and a holder has at most one issued credential of a whole
    (a partial unique constraint backs it), so a second call returns the first. After a revocation of that
    one (a component was revoked), completing the whole again issues a new one."""
    with transaction.atomic():
        _lock_holder(holder)
        existing = IssuedCredential.objects.filter(
            definition=definition, holder=holder, result__isnull=True, status=IssuedCredential.Status.ISSUED
        ).first()
        if existing is not None:
            return existing
        if selectors.whole_revoked_for_itself(definition=definition, holder=holder):
            return None  # the board took the whole back itself: completing it again does not undo that
        components = selectors.stack_components(definition=definition, holder=holder)
        if not selectors.stack_complete(definition, components):
            return None
        holder = StudentProfile.objects.select_related("user").get(pk=holder.pk)
        return _sign_and_store(
            definition=definition, holder=holder, eu=selectors.eu_elements(definition), components=components
        )


def stacked_credentials_issue_for(credential: IssuedCredential | None) -> list[IssuedCredential]:
    """After ``credential`` (a module credential) was issued: the credentials of the larger wholes its holder's
    module credentials now complete. Runs after the module credential's commit, so a failure leaves that one
    issued; it is logged, and the next issue for the holder (``stacked_credential_issue`` is idempotent)
    completes it."""
    if credential is None or credential.result_id is None:
        return []
    issued = []
    for definition in selectors.stacked_definitions_of(credential.holder):
        try:
            stacked = stacked_credential_issue(definition=definition, holder=credential.holder)
        except Exception:
            logger.exception("stacked credential %s for holder %s not issued", definition.pk, credential.holder_id)
            continue
        if stacked is not None:
            issued.append(stacked)
    return issued


# Apps above credentials (webhooks) hear of every credential issued, inside its transaction.
_issued_subscribers: list[Callable[[IssuedCredential], None]] = []


def issued_subscribe(subscriber: Callable[[IssuedCredential], None]) -> None:
    """Call ``subscriber(credential)`` for every credential issued, inside the transaction that issues it.
    Registered from an ``AppConfig.ready()``; subscribing twice is a no-op."""
    if subscriber not in _issued_subscribers:
        _issued_subscribers.append(subscriber)


def credential_issue_after_recognition(recognition_id: int) -> None:
    """The listener ``CredentialsConfig.ready()`` subscribes to granted credit entries. It runs after the
    grant's commit, so a failure here must not surface as a failed decision: it is logged, and issuing
    again later (``credential_issue`` is idempotent) completes it."""
    recognition = Recognition.objects.select_related("result").filter(pk=recognition_id).first()
    if recognition is None or recognition.result is None:
        return
    try:
        credential_issue(result=recognition.result)
    except Exception:
        logger.exception("credential for recognition %s not issued", recognition_id)


def credential_issue_after_result(result_id: int) -> None:
    """The listener for a module-only learner's passing result (``results.services.results.awarded_subscribe``),
    after its commit; like ``credential_issue_after_recognition``, a failure is logged, never raised."""
    result = Result.objects.filter(pk=result_id).first()
    if result is None:
        return
    try:
        credential_issue(result=result)
    except Exception:
        logger.exception("credential for result %s not issued", result_id)


def credential_revoke(*, user, credential_id, reason: str) -> IssuedCredential:
    """Revoke an issued credential: its status bit is set (the published list is regenerated from the
    revoked credentials). Locks the credential's row.

    Raises CredentialNotFoundError (404) for an unknown id, NotAwardingBoardError (403) for anyone but the
    awarding institution's examination board, WrongStateError (409) unless issued, CredentialError (400)
    without a reason. Writes a CredentialEvent."""
    reason = (reason or "").strip()
    with transaction.atomic():
        credential = (
            IssuedCredential.objects.select_for_update(of=("self",))
            .select_related("definition")
            .filter(public_id=_as_uuid(credential_id))
            .first()
        )
        if credential is None:
            raise CredentialNotFoundError()
        if not has_role(user, credential.definition.awarding_institution_id, StaffRole.Role.EXAMINATION_BOARD):
            raise NotAwardingBoardError()
        CREDENTIALS.check(credential, REVOKE)  # from issued only: 409 before the reason is asked for
        if not reason:
            raise CredentialError(REASON_REQUIRED_MESSAGE, code="reason_required")
        credential.revoked_at, credential.revoked_by, credential.revocation_reason = timezone.now(), user, reason
        CREDENTIALS.transition(
            credential,
            verb=REVOKE,
            extra_fields=["revoked_at", "revoked_by", "revocation_reason"],
            actor=user,
            reason=reason,
        )
        logger.info("credential %s revoked by user %s", credential.public_id, getattr(user, "pk", None))
        cascaded = _revoke_wholes_of(credential, user=user, reason=reason)
    # A whole completed by the EC needed may still be complete without the revoked component: issued anew,
    # with the components that stand.
    for whole in cascaded:
        try:
            stacked_credential_issue(definition=whole.definition, holder=whole.holder)
        except Exception:
            logger.exception("stacked credential %s not issued again after a revocation", whole.definition_id)
    return credential


def _revoke_wholes_of(component: IssuedCredential, *, user, reason: str) -> list[IssuedCredential]:
    """Revoke the issued credentials of larger wholes that list ``component`` among their evidence: a signed
    credential cannot drop a component, and one that stands on a revoked credential must not read as valid.
    Not the whole's board's decision but its consequence; the event names the component and the reason."""
    wholes = list(
        IssuedCredential.objects.select_for_update(of=("self",))
        .select_related("definition")
        .filter(components=component, status=IssuedCredential.Status.ISSUED)
        .order_by("pk")
    )
    because = str(
        lazy_format(COMPONENT_REVOKED_REASON, title=component.definition.title, id=component.public_id, reason=reason)
    )
    for whole in wholes:
        whole.revoked_at, whole.revoked_by, whole.revocation_reason = timezone.now(), user, because
        CREDENTIALS.transition(
            whole,
            verb=REVOKE,
            extra_fields=["revoked_at", "revoked_by", "revocation_reason"],
            actor=user,
            reason=because,
        )
        logger.info("stacked credential %s revoked with its component %s", whole.public_id, component.public_id)
    return wholes


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def status_list_document(status_list: StatusList) -> dict:
    """The signed status list credential, regenerated from the revoked credentials' bits, signed with the
    institution's current key."""
    institution = status_list.institution
    bits = statuslist.Bitstring(status_list.size)
    for index in selectors.revoked_indexes(status_list):
        bits.set(index)
    base = selectors.base_url()
    key = _current_key(institution)
    unsigned = statuslist.status_list_credential(
        base_url=base, issuer=institution.code, list_id=status_list.list_id, bits=bits, valid_from=timezone.now()
    )
    return dataintegrity.sign(
        unsigned,
        private_key=keys.private_key_from_multibase(key.secret),
        verification_method=urls.key_url(base, institution.code, key.key_id),
        loader=selectors.loader(),
    )
