from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OoapiConfig(AppConfig):
    name = "ooapi"
    verbose_name = _("Open Education API (OOAPI v5)")
