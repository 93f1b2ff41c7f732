"""Terms that no context defines.

JSON-LD expansion silently drops a property whose name no context defines (the VC 2.0 context has no
``@vocab``), so a signature would not cover it and strict verifiers reject the credential. To see such terms
the check appends a context whose ``@vocab`` is a sentinel namespace: every undefined property or type then
expands into it (or, with ``undefined-terms`` contexts, into the issuer-dependent namespace) and is reported.
Appending ``@vocab`` after protected contexts is allowed: it redefines no term.
"""

from collections.abc import Mapping
from typing import Any

from .contexts import OfflineDocumentLoader, expand

SENTINEL_VOCABULARY = "urn:flexportal:undefined-term:"
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"


def _undefined(iri: str) -> str | None:
    for namespace in (SENTINEL_VOCABULARY, ISSUER_DEPENDENT):
        if iri.startswith(namespace):
            return iri[len(namespace) :]
    # An IRI without a scheme is a relative one: a term that did not expand.
    return None if ":" in iri else iri


def _walk(node: Any, path: str, found: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, path, found)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@type":
            for type_iri in value if isinstance(value, list) else [value]:
                term = _undefined(type_iri) if isinstance(type_iri, str) else None
                if term is not None and "@value" not in node:
                    found.append(f"{path}@type {term}")
            continue
        if key.startswith("@"):
            _walk(value, path, found)
            continue
        term = _undefined(key)
        if term is not None:
            found.append(f"{path}{term}")
        _walk(value, f"{path}{key} > ", found)


def undefined_terms(document: Mapping[str, Any], loader: OfflineDocumentLoader) -> list[str]:
    """Each property or type of ``document`` that its contexts do not define, with the path to it (empty
    when every term expands to an IRI). ``ContextNotBundledError`` for a context the loader lacks."""
    context = document.get("@context", [])
    contexts = list(context) if isinstance(context, list) else [context]
    probe = {**document, "@context": [*contexts, {"@vocab": SENTINEL_VOCABULARY}]}
    found: list[str] = []
    _walk(expand(probe, loader), "", found)
    return found
