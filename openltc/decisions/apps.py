from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "openltc.decisions"
    label = "decisions"
    verbose_name = _("Decisions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openltc.core import demo, mywork
        from openltc.decisions import demo as decisions_demo
        from openltc.decisions.mywork import decision_work

        mywork.register(decision_work, order=45)
        demo.register("decisions", order=45, build=decisions_demo.build)
