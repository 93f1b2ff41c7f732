import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from tests.oidc_idp.people import read_people


class PeopleFileBackend(ModelBackend):
    """Password check against the people file; the Django user is created on first login."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        person = read_people(settings.STATE_DIR).get(username or "")
        if person is None or not hmac.compare_digest(person["password"], password or ""):
            return None
        user, _ = get_user_model().objects.get_or_create(username=username)
        return user if self.user_can_authenticate(user) else None
