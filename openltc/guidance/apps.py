from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidanceConfig(AppConfig):
    name = "openltc.guidance"
    label = "guidance"
    verbose_name = _("Customer guidance")
    default_auto_field = "django.db.models.BigAutoField"
