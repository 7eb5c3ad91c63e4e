from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

LIST_FILTER_KEYS = ("q", "status", "tier", "strategic", "owner", "country", "org_unit", "sort")


class CustomersConfig(AppConfig):
    name = "openltc.customers"
    label = "customers"
    verbose_name = _("Customers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openltc.core import demo, mywork, saved_views
        from openltc.customers import demo as customers_demo
        from openltc.customers.mywork import relationship_actions_due

        mywork.register(relationship_actions_due, order=20)
        saved_views.register_list("customers", url_name="customers:list", keys=LIST_FILTER_KEYS)
        demo.register("customers", order=20, build=customers_demo.build, scale=customers_demo.scale)
