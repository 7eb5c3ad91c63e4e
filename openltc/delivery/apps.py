from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "openltc.delivery"
    label = "delivery"
    verbose_name = _("Delivery")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openltc.contracts import closure as contract_closure
        from openltc.core import demo, mywork, panels
        from openltc.delivery import demo as delivery_demo
        from openltc.delivery.closure import contract_panel, delivery_closure_check
        from openltc.delivery.mywork import delivery_work

        panels.register(
            "contracts.contract",
            "delivery",
            template="delivery/_contract_panel.html",
            context=contract_panel,
            order=20,
        )
        contract_closure.register(
            "delivery",
            _(
                "Delivery complete: milestones accepted, risks closed, final accounts and project summary done"
            ),
            delivery_closure_check,
            order=20,
        )
        mywork.register(delivery_work, order=70)
        demo.register("delivery", order=70, build=delivery_demo.build)
