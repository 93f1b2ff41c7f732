from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MijnDiplomaConfig(AppConfig):
    name = "routes.mijndiploma"
    label = "mijndiploma"
    verbose_name = _("MijnDiploma")
