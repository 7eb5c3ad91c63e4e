from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CashConfig(AppConfig):
    name = "openltc.cash"
    label = "cash"
    verbose_name = _("Cash")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openltc.cash import closure as cash_closure
        from openltc.cash import demo as cash_demo
        from openltc.cash import services
        from openltc.cash.mywork import cash_work
        from openltc.cash.panels import contract_cash_panel
        from openltc.contracts import billing, closure
        from openltc.core import demo, mywork, panels

        billing.register_billed_provider(services.billed_amounts)
        closure.register(
            "cash.invoiced",
            _("Every payment milestone invoiced"),
            cash_closure.all_invoiced_unmet,
            order=50,
        )
        closure.register(
            "cash.collected",
            _("Receivables collected, or formally in dispute or written off"),
            cash_closure.receivables_unmet,
            order=51,
        )
        panels.register(
            "contracts.contract",
            "cash",
            template="cash/_contract_panel.html",
            context=contract_cash_panel,
            order=60,
        )
        mywork.register(cash_work, order=80)
        demo.register("cash", order=80, build=cash_demo.build)
