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
        from django.db.models.signals import post_delete, post_migrate, post_save

        from openltc.core import demo, mywork, saved_views
        from openltc.leads import demo as leads_demo
        from openltc.leads.models import LeadScoringRule
        from openltc.leads.scoring import forget_rules
        from openltc.leads.search import ensure_sqlite_fts
        from openltc.leads.selectors import my_work

        mywork.register(my_work, order=30)
        saved_views.register_list("leads", url_name="leads:list", keys=LIST_FILTER_KEYS)
        demo.register("leads", order=30, build=leads_demo.build, scale=leads_demo.scale)
        post_migrate.connect(ensure_sqlite_fts, sender=self, dispatch_uid="leads.ensure_sqlite_fts")
        # The process's copy of the scoring rules goes when a rule is saved or deleted, and after a
        # flush or migration (which change rules without model signals).
        post_save.connect(forget_rules, sender=LeadScoringRule, dispatch_uid="leads.forget_rules.save")
        post_delete.connect(forget_rules, sender=LeadScoringRule, dispatch_uid="leads.forget_rules.delete")
        post_migrate.connect(forget_rules, dispatch_uid="leads.forget_rules.migrate")
