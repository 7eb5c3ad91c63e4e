from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

LIST_FILTER_KEYS = (
    "q",
    "status",
    "maturity",
    "source",
    "owner",
    "product_line",
    "org_unit",
    "stale",
    "overdue",
    "sort",
)


class LeadsConfig(AppConfig):
    name = "openltc.leads"
    label = "leads"
    verbose_name = _("Leads")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from openltc.core import demo, mywork, saved_views
        from openltc.leads import demo as leads_demo
        from openltc.leads.search import ensure_sqlite_fts
        from openltc.leads.selectors import my_work

        mywork.register(my_work, order=30)
        saved_views.register_list("leads", url_name="leads:list", keys=LIST_FILTER_KEYS)
        demo.register("leads", order=30, build=leads_demo.build, scale=leads_demo.scale)
        post_migrate.connect(ensure_sqlite_fts, sender=self, dispatch_uid="leads.ensure_sqlite_fts")
