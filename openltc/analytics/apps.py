from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "openltc.analytics"
    label = "analytics"
    verbose_name = _("Analytics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openltc.analytics import demo as analytics_demo
        from openltc.core import demo

        demo.register("analytics", order=90, build=analytics_demo.build)
