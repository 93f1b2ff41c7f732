from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OwnPaceConfig(AppConfig):
    name = "routes.own_pace"
    label = "own_pace"
    verbose_name = _("Own pace (Eigen tempo)")
