from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "openltc.contracts"
    label = "contracts"
    verbose_name = _("Contracts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openltc.contracts import conditions
        from openltc.contracts import demo as contracts_demo
        from openltc.contracts.mywork import contract_work
        from openltc.core import demo, mywork

        mywork.register(contract_work, order=60)
        demo.register("contracts", order=60, build=contracts_demo.build)
        conditions.register()
