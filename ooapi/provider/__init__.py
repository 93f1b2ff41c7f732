"""The portal's own OOAPI v5 provider at ``/ooapi/v5/``: the catalogue of the zone's institutions and the
associations (enrolment requests) of one institution, for machine clients with OAuth2 client credentials.

- ``urls.py`` / ``views.py``: one thin view per operation of the official spec;
- ``params.py``: query parameters parsed and checked against the spec's own parameter definitions;
- ``auth.py`` / ``scopes.py``: bearer tokens (django-oauth-toolkit), scopes, the client's institution;
- ``selectors.py``: what a client may see, with the joins each page needs;
- ``mappers.py``: portal objects as OOAPI objects; ``ids.py``: their stable UUIDs;
- ``services.py``: the writes (a client's ``PATCH`` of an association, creating clients).
"""
