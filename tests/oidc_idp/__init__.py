"""A stand-in for SURFconext: a tiny Django project that is an OpenID Connect provider (django-oauth-toolkit).

The accounts tests start it as a real HTTP server in a subprocess (``harness.OidcIdp``) and sign in to the
portal through it. People and the claims released about them live in a JSON file the tests rewrite between
logins, the way an institution's directory changes between a student's visits.
"""
