"""Prepare the IdP's database: ``python -m tests.oidc_idp.bootstrap CLIENT_ID CLIENT_SECRET REDIRECT_URI...``.

Runs with ``DJANGO_SETTINGS_MODULE=tests.oidc_idp.settings``: creates the tables and registers the portal as a
confidential client that skips the consent screen, signing ID tokens with RS256.
"""

import sys

import django


def main(client_id: str, client_secret: str, *redirect_uris: str) -> None:
    django.setup()
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    Application.objects.update_or_create(
        client_id=client_id,
        defaults={
            "name": "Flexportal (test)",
            "client_secret": client_secret,
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": " ".join(redirect_uris),
            "skip_authorization": True,
            "algorithm": Application.RS256_ALGORITHM,
        },
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
