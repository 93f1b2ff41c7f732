"""Every URL a credential carries, built from one base URL (``PORTAL_BASE_URL`` in the app).

The paths are a promise: issued credentials keep them forever, so the views that serve them later must
answer exactly here. Nothing in this module knows the settings; callers pass the base.
"""

from urllib.parse import quote


def _base(base_url: str) -> str:
    if not base_url.startswith(("https://", "http://")):
        raise ValueError(f"base URL must be absolute http(s): {base_url!r}")
    return base_url.rstrip("/")


def eu_microcredential_context_url(base_url: str) -> str:
    return f"{_base(base_url)}/credentials/contexts/eu-microcredential-v1.jsonld"


def eu_microcredential_vocabulary(base_url: str) -> str:
    """The namespace of the portal's own terms; each term is this plus its name."""
    return f"{_base(base_url)}/credentials/vocab/eu-microcredential#"


def issuer_url(base_url: str, issuer: str) -> str:
    """The issuer's Profile, which is also its controller document (it lists the issuer's keys)."""
    return f"{_base(base_url)}/credentials/issuers/{quote(issuer, safe='')}"


def key_url(base_url: str, issuer: str, key_id: str) -> str:
    """A verification method: a fragment of the issuer's controller document."""
    return f"{issuer_url(base_url, issuer)}#{quote(key_id, safe='')}"


def achievement_url(base_url: str, definition: str) -> str:
    return f"{_base(base_url)}/credentials/achievements/{quote(definition, safe='')}"


def credential_url(base_url: str, credential: str) -> str:
    return f"{_base(base_url)}/credentials/{quote(credential, safe='')}"


def status_list_url(base_url: str, issuer: str, list_id: str) -> str:
    return f"{issuer_url(base_url, issuer)}/status/{quote(list_id, safe='')}"
