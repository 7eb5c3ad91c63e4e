from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidanceConfig(AppConfig):
    name = "openltc.guidance"
    label = "guidance"
    verbose_name = _("Customer guidance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from openltc.core import demo, mywork, panels
        from openltc.guidance import demo as guidance_demo
        from openltc.guidance.mywork import guidance_work
        from openltc.guidance.panels import opportunity_panel
        from openltc.guidance.signals import on_stage_change
        from openltc.opportunities.models import OpportunityStageChange

        panels.register(
            "opportunities.opportunity",
            "guidance",
            template="guidance/_panel.html",
            context=opportunity_panel,
            order=20,
        )
        mywork.register(guidance_work, order=45)
        demo.register("guidance", order=55, build=guidance_demo.build)
        post_save.connect(
            on_stage_change, sender=OpportunityStageChange, dispatch_uid="guidance_stage_change"
        )
