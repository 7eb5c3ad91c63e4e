from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "openltc.opportunities"
    label = "opportunities"
    verbose_name = _("Opportunities")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openltc.core import demo, mywork
        from openltc.opportunities import demo as opportunities_demo
        from openltc.opportunities.mywork import opportunity_work

        mywork.register(opportunity_work, order=40)
        demo.register("opportunities", order=40, build=opportunities_demo.build)
