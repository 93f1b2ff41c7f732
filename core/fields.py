"""Model fields shared by apps."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _fernet() -> Fernet:
    key = getattr(settings, "FIELD_ENCRYPTION_KEY", "") or ""
    if key:
        return Fernet(key.encode())
    if not settings.SECRET_KEY:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY or SECRET_KEY is needed to encrypt secrets at rest")
    # Derived from SECRET_KEY when no key of its own is configured; production sets FIELD_ENCRYPTION_KEY so a
    # SECRET_KEY rotation does not make stored secrets unreadable.
    digest = hashlib.sha256(b"flexportal-field-encryption:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class EncryptedTextField(models.TextField):
    """Text encrypted at rest with Fernet (AES-128-CBC + HMAC); decrypted only in Python."""

    PREFIX = "fernet:"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return self.PREFIX + _fernet().encrypt(value.encode()).decode()

    def from_db_value(self, value, expression, connection):
        if value in (None, "") or not value.startswith(self.PREFIX):
            return value
        try:
            return _fernet().decrypt(value[len(self.PREFIX) :].encode()).decode()
        except InvalidToken:
            return ""  # unreadable with the current key: treated as not set, never as a crash
