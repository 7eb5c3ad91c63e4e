from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BidsConfig(AppConfig):
    name = "openltc.bids"
    label = "bids"
    verbose_name = _("Bids and negotiation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openltc.bids import demo as bids_demo
        from openltc.bids.mywork import bid_work
        from openltc.bids.panels import opportunity_panel
        from openltc.core import demo, mywork, panels

        mywork.register(bid_work, order=56)
        demo.register("bids", order=56, build=bids_demo.build)
        panels.register(
            "opportunities.opportunity",
            "bids",
            template="bids/_opportunity_panel.html",
            context=opportunity_panel,
            order=40,
        )
