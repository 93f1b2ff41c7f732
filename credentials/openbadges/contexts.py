"""The JSON-LD contexts the portal's credentials use, served from disk, and the only loader pyld is given.

A verifier that fetched contexts at verification time would let whoever controls a context's URL change
what a signed credential means, and would make verification depend on the network. So canonicalisation
here serves the bundled files (``contexts/README.md`` says where each comes from) and the portal's own
context, and refuses every other URL with ``ContextNotBundledError``.
"""

import copy
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from pyld import ContextResolver, jsonld

from . import urls
from .errors import CANONICALISATION_FAILED_MESSAGE, CanonicalisationError, ContextNotBundledError

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"

_DIRECTORY = Path(__file__).resolve().parent / "contexts"
_BUNDLED_FILES = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OPEN_BADGES_V3: "ob-context-3.0.3.json",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
}

# The EU elements of a microcredential (Council Recommendation of 16 June 2022, Annex I) that Open Badges
# 3.0 has no term for. Each term is named here once; the builder writes them on the Achievement.
EU_TERMS = {
    "ects": "The workload in ECTS credits (EC).",
    "eqfLevel": "The level in the European Qualifications Framework, 1 to 8.",
    "learningOutcomes": "What the learner knows, understands and is able to do.",
    "assessmentType": "The type of assessment.",
    "participationForm": "The form of participation: online, onsite or blended.",
    "qualityAssurance": "The type of quality assurance used to underpin the credential.",
    "awardingBodyCountry": "The awarding body's country, ISO 3166-1 alpha-2.",
    "supervisionAndIdentityVerification": "Supervision and identity verification during assessment.",
    "prerequisites": "Prerequisites needed to enrol in the learning activity.",
    "grade": "The grade achieved, as the awarding body writes it.",
    "stackability": "Whether and how the credential stacks towards a larger one.",
    "integratedInto": "The larger credential this one is integrated or stackable into.",
}


def eu_microcredential_context(base_url: str) -> dict[str, Any]:
    """The portal's own context, served at ``urls.eu_microcredential_context_url(base_url)``.

    Protected, like the VC and Open Badges contexts, so a later context cannot redefine its terms. Numbers
    stay native JSON numbers (no datatype coercion): coercing 7.5 to xsd:decimal would canonicalise as
    "7.5E0"^^xsd:decimal, which is not a decimal.
    """
    vocabulary = urls.eu_microcredential_vocabulary(base_url)
    terms: dict[str, Any] = {"@version": 1.1, "@protected": True}
    for term in EU_TERMS:
        terms[term] = {"@id": f"{vocabulary}{term}"}
    terms["integratedInto"] = {"@id": f"{vocabulary}integratedInto", "@type": "@id"}
    return {"@context": terms}


@cache
def _bundled(url: str) -> dict[str, Any]:
    with (_DIRECTORY / _BUNDLED_FILES[url]).open(encoding="utf-8") as handle:
        return json.load(handle)


def bundled_context_urls() -> tuple[str, ...]:
    return tuple(_BUNDLED_FILES)


class OfflineDocumentLoader:
    """A pyld document loader that answers from memory and never opens a connection.

    ``base_url`` adds the portal's own context at its URL; ``extra`` adds documents by URL (the tests use it
    for the spec's example context). Each loader keeps its own resolved-context cache: pyld's global one is
    keyed by URL alone and would let one loader's answer leak into another's.
    """

    def __init__(self, *, base_url: str | None = None, extra: Mapping[str, dict[str, Any]] | None = None):
        self._documents: dict[str, dict[str, Any]] = {url: _bundled(url) for url in _BUNDLED_FILES}
        if base_url is not None:
            self._documents[urls.eu_microcredential_context_url(base_url)] = eu_microcredential_context(base_url)
        self._documents.update(extra or {})
        self._resolver = ContextResolver(LRUCache(maxsize=64), self)

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        document = self._documents.get(url)
        if document is None:
            raise ContextNotBundledError(url)
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(document),
        }

    def options(self) -> dict[str, Any]:
        return {"documentLoader": self, "contextResolver": self._resolver}


def _refusal(error: BaseException) -> ContextNotBundledError | None:
    """pyld wraps a loader's exception in its own; find ours in the chain so the caller sees the clear one."""
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ContextNotBundledError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__ or getattr(current, "cause", None)
    return None


def _reason(error: BaseException) -> str:
    """The innermost JSON-LD error says what is wrong ("@context must be an object"); the outer ones only
    say which step failed."""
    deepest, current, seen = error, error, set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, jsonld.JsonLdError):
            deepest = current
        current = current.__cause__ or getattr(current, "cause", None)
    return str(deepest.args[0]) if deepest.args else type(deepest).__name__


def _run(operation, document: Any, loader: OfflineDocumentLoader, **options: Any) -> Any:
    try:
        return operation(copy.deepcopy(document), {**loader.options(), **options})
    except ContextNotBundledError:
        raise
    except jsonld.JsonLdError as error:
        refusal = _refusal(error)
        if refusal is not None:
            raise refusal from error
        raise CanonicalisationError(CANONICALISATION_FAILED_MESSAGE % {"reason": _reason(error)}) from error
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:
        # pyld assumes well-formed JSON-LD in places; input from a stranger is not, and gets a verdict too.
        raise CanonicalisationError(CANONICALISATION_FAILED_MESSAGE % {"reason": type(error).__name__}) from error


def canonicalize(document: Mapping[str, Any], loader: OfflineDocumentLoader) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0, which pyld calls URDNA2015) as N-Quads."""
    return _run(jsonld.normalize, document, loader, algorithm="URDNA2015", format="application/n-quads")


def expand(document: Mapping[str, Any], loader: OfflineDocumentLoader) -> list[Any]:
    return _run(jsonld.expand, document, loader)
