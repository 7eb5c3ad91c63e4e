from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "openltc.org"
    label = "org"
    verbose_name = _("Organisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openltc.core import demo
        from openltc.org import demo as org_demo

        demo.register("organisation", order=10, build=org_demo.build)
