"""Reads: the documents the portal publishes for its credentials, built from the models and
``PORTAL_BASE_URL`` through ``credentials.openbadges``."""

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from credentials.models import IssuedCredential, IssuerKey, MicrocredentialDefinition, StatusList, size_rule
from credentials.openbadges import builder, keys, urls
from credentials.openbadges.contexts import CREDENTIALS_V2, OPEN_BADGES_V3, OfflineDocumentLoader
from institutions.models import Institution
from results.selectors import board_institutions


def base_url() -> str:
    return settings.PORTAL_BASE_URL


def loader() -> OfflineDocumentLoader:
    return OfflineDocumentLoader(base_url=base_url())


def eu_elements(definition: MicrocredentialDefinition, *, grade: str = "") -> builder.EuElements:
    return builder.EuElements(
        ects=definition.ec,
        eqf_level=definition.eqf_level,
        learning_outcomes=definition.outcomes,
        assessment_type=definition.assessment_type,
        participation_form=definition.participation_form,
        quality_assurance=definition.quality_assurance,
        awarding_body_country=definition.awarding_country,
        prerequisites=definition.prerequisites,
        supervision_and_identity_verification=definition.supervision_and_identity_verification,
        grade=grade if definition.grade_shown else "",
        stackability=definition.stackability,
    )


def criteria_of(definition: MicrocredentialDefinition) -> str:
    if definition.is_whole:
        programme = definition.programme.name_en
        if definition.stack_rule == MicrocredentialDefinition.StackRule.ALL_MODULES:
            titles = "; ".join(component.title for component in definition.components())
            return f"A microcredential for every module that stacks into {programme}: {titles}."
        return f"Microcredentials of modules that stack into {programme} worth at least {definition.ec} EC together."
    return f"A passing result for {definition.title}, recognised by the student's home examination board."


def achievement_type_of(definition: MicrocredentialDefinition) -> str:
    """MicroCredential, except for a larger whole beyond the pilot's size rule: a Certificate."""
    if definition.is_whole and Decimal(str(definition.ec)) > size_rule()[1]:
        return builder.CERTIFICATE
    return builder.MICROCREDENTIAL


def stacked_definitions_of(holder) -> QuerySet[MicrocredentialDefinition]:
    """The definitions of larger wholes that one of the holder's issued module credentials stacks into."""
    programmes = IssuedCredential.objects.filter(
        holder=holder, status=IssuedCredential.Status.ISSUED, definition__module__stacks_into__isnull=False
    ).values("definition__module__stacks_into")
    return MicrocredentialDefinition.objects.select_related("programme", "awarding_institution").filter(
        programme__in=programmes
    )


def stack_components(*, definition: MicrocredentialDefinition, holder) -> list[IssuedCredential]:
    """The holder's issued (unrevoked) credentials of the whole's component definitions, one per definition
    (the first issued), in the components' order."""
    held: dict[int, IssuedCredential] = {}
    for credential in IssuedCredential.objects.select_related("definition").filter(
        holder=holder, status=IssuedCredential.Status.ISSUED, definition__in=definition.components()
    ):
        held.setdefault(credential.definition_id, credential)
    return [held[d.pk] for d in definition.components() if d.pk in held]


def whole_revoked_for_itself(*, definition: MicrocredentialDefinition, holder) -> bool:
    """Whether the holder has a revoked credential of this whole none of whose components is revoked: the
    board revoked the whole itself, not as the consequence of a revoked component."""
    return (
        IssuedCredential.objects.filter(
            definition=definition, holder=holder, result__isnull=True, status=IssuedCredential.Status.REVOKED
        )
        .exclude(components__status=IssuedCredential.Status.REVOKED)
        .exists()
    )


def stack_complete(definition: MicrocredentialDefinition, components: list[IssuedCredential]) -> bool:
    """Whether ``components`` complete the whole: every component definition held (all modules), or their
    EC reach the definition's EC (the EC needed)."""
    if not components:
        return False
    if definition.stack_rule == MicrocredentialDefinition.StackRule.ALL_MODULES:
        return {c.definition_id for c in components} == set(definition.components().values_list("pk", flat=True))
    return sum((c.definition.ec for c in components), Decimal("0")) >= definition.ec


def definition_for_teachable(*, course_id: int | None, module_id: int | None) -> MicrocredentialDefinition | None:
    definitions = MicrocredentialDefinition.objects.select_related("awarding_institution")
    if course_id:
        return definitions.filter(course_id=course_id).first()
    if module_id:
        return definitions.filter(module_id=module_id).first()
    return None


def achievement_document(definition: MicrocredentialDefinition) -> dict[str, Any]:
    """The Achievement at ``urls.achievement_url``: what the credentials of this definition carry."""
    base = base_url()
    return {
        "@context": [CREDENTIALS_V2, OPEN_BADGES_V3, urls.eu_microcredential_context_url(base)],
        "id": urls.achievement_url(base, str(definition.public_id)),
        "type": ["Achievement"],
        "achievementType": achievement_type_of(definition),
        "name": definition.title,
        "description": definition.description or definition.title,
        "criteria": {"narrative": criteria_of(definition)},
        **eu_elements(definition).as_terms(),
    }


def issuer_keys(institution: Institution) -> QuerySet[IssuerKey]:
    """Every key the institution ever signed with, current and retired: all stay published."""
    return IssuerKey.objects.filter(institution=institution).order_by("created_at", "pk")


def issuer_document(institution: Institution) -> dict[str, Any]:
    """The issuer's controller document, at ``urls.issuer_url``: every key, each may assert (a rotated key
    keeps verifying what it signed)."""
    base = base_url()
    published = [
        keys.PublishedKey(
            urls.key_url(base, institution.code, key.key_id), keys.public_key_from_multibase(key.public_key_multibase)
        )
        for key in issuer_keys(institution)
    ]
    return keys.controller_document(urls.issuer_url(base, institution.code), published)


def revoked_indexes(status_list: StatusList) -> list[int]:
    return list(
        status_list.credentials.filter(status=IssuedCredential.Status.REVOKED).values_list("status_index", flat=True)
    )


def status_list_for(*, issuer: str, list_id: str) -> StatusList | None:
    if not list_id.isdigit():
        return None
    return StatusList.objects.select_related("institution").filter(pk=int(list_id), institution__code=issuer).first()


def credential_by_public_id(public_id: uuid.UUID) -> IssuedCredential | None:
    return IssuedCredential.objects.select_related("definition", "holder").filter(public_id=public_id).first()


def issued_credentials() -> QuerySet[IssuedCredential]:
    return IssuedCredential.objects.order_by("issued_at", "pk")


def credentials_of(user) -> QuerySet[IssuedCredential]:
    """The signed-in person's own credentials, newest first (none for anyone who is not a student)."""
    return (
        IssuedCredential.objects.select_related("definition__awarding_institution", "definition__programme")
        .prefetch_related("components__definition", "stacked_into__definition")
        .filter(holder__user_id=getattr(user, "pk", None))
        .order_by("-issued_at", "-pk")
    )


def awarding_board_institutions(user) -> list[Institution]:
    """The institutions on whose examination board ``user`` sits: the boards that may revoke what they award."""
    if not getattr(user, "is_authenticated", False):
        return []
    return board_institutions(user)


def credentials_awarded_by(institution: Institution) -> QuerySet[IssuedCredential]:
    return (
        IssuedCredential.objects.select_related("definition", "holder__user", "revoked_by")
        .filter(definition__awarding_institution=institution)
        .order_by("-issued_at", "-pk")
    )
