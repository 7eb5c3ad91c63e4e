"""Which pages the query-count suite counts, and how each one's data grows.

Every GET page of the URL configuration is either counted (a list, detail, board or dashboard,
with the grower that adds rows under it) or excluded with a reason. URL arguments come from the
permission contract's table (``tests/contract/expectations.py``), so a record page is asked
about the same record the contract asks about. POST-only pages (the contract expects 405 for a
GET) are excluded on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.queries.growth import (
    Grower,
    audit_of,
    bid_work,
    both,
    children_of,
    deputies,
    lead_work,
    opportunity_work,
    projects,
    rows_of,
)

LIST, DETAIL, BOARD, DASHBOARD = "list", "detail", "board", "dashboard"


@dataclass(frozen=True)
class Counted:
    kind: str
    grow: Grower | None = None  # None: grown by the other pages' growth (dashboards, reports)
    note: str = ""
    fixed: str = ""  # why the rows this page shows do not grow with the data (configuration, say)

    @property
    def as_rep(self) -> bool:
        """Lists and boards are also counted as the rep: the visibility filter differs."""
        return self.kind in (LIST, BOARD, DASHBOARD)


@dataclass(frozen=True)
class Excluded:
    reason: str


FORM = Excluded("form page: one record and its choices, no rows that grow")
DOWNLOAD = Excluded("file download: streams one stored file or a rendered document")
STATIC = Excluded("static page: no records")

# Growers shared by several pages.
OPPORTUNITY = both(opportunity_work(), children_of("opportunities.Opportunity"))
CONTRACT = children_of("contracts.Contract", "pk", "current_version")
LEADS = rows_of("leads.Lead")
OPPORTUNITIES = rows_of("opportunities.Opportunity")
CONTRACTS = rows_of("contracts.Contract")
INVOICES = rows_of("cash.Invoice")
CASES = rows_of("decisions.DecisionCase")

PAGES: dict[str, Counted | Excluded] = {
    # core, accounts, org
    "home": Counted(DASHBOARD, both(LEADS, OPPORTUNITIES, CASES, rows_of("guidance.ActionItem"))),
    "history": Counted(DETAIL, audit_of("customers.Customer")),
    "healthz": Excluded("health probe: one fixed query"),
    "login": FORM,
    "password_change": FORM,
    "password_change_done": STATIC,
    "password_reset": FORM,
    "password_reset_done": STATIC,
    "password_reset_complete": STATIC,
    "password_reset_confirm": FORM,
    "org:profile": Counted(
        DETAIL,
        rows_of("org.RoleAssignment"),
        fixed="the viewer's own roles, a handful set by an administrator",
    ),
    "org:tokens": Counted(LIST, rows_of("org.ApiToken")),
    # customers
    "customers:list": Counted(LIST, rows_of("customers.Customer")),
    "customers:duplicates": Counted(LIST, rows_of("customers.Customer")),
    "customers:actions": Counted(LIST, rows_of("customers.RelationshipAction")),
    "customers:detail": Counted(DETAIL, children_of("customers.Customer")),
    "customers:create": FORM,
    "customers:edit": FORM,
    "customers:merge": FORM,
    "customers:contact_create": FORM,
    "customers:contact_edit": FORM,
    "customers:contact_stance": FORM,
    # leads
    "leads:list": Counted(LIST, LEADS),
    "leads:board": Counted(BOARD, LEADS),
    "leads:detail": Counted(DETAIL, both(lead_work, children_of("leads.Lead"))),
    "leads:create": FORM,
    "leads:edit": FORM,
    "leads:leads_import_upload": FORM,
    "leads:leads_import_preview": Excluded("import preview: shows a fixed sample of the uploaded rows"),
    "leads:leads_import_status": Excluded("import progress fragment: one job row"),
    "leads:leads_import_errors": DOWNLOAD,
    # opportunities
    "opportunities:list": Counted(LIST, OPPORTUNITIES),
    "opportunities:board": Counted(BOARD, OPPORTUNITIES),
    "opportunities:portfolio": Counted(DASHBOARD, OPPORTUNITIES),
    "opportunities:detail": Counted(DETAIL, OPPORTUNITY),
    "opportunities:evaluation": Counted(
        DETAIL, OPPORTUNITY, fixed="one score per configured criterion and factor"
    ),
    "opportunities:appointment": Counted(
        DETAIL, children_of("opportunities.TeamAppointment"), fixed="the letter of one appointment"
    ),
    "opportunities:appointment_pdf": DOWNLOAD,
    "opportunities:create": FORM,
    "opportunities:edit": FORM,
    "opportunities:probability": FORM,
    "opportunities:forecast": FORM,
    "opportunities:close_lost": FORM,
    "opportunities:abandon": FORM,
    "opportunities:grade_override": FORM,
    "opportunities:charter": FORM,
    # decisions
    "decisions:inbox": Counted(DASHBOARD, CASES),
    "decisions:list": Counted(LIST, CASES),
    "decisions:deputies": Counted(LIST, deputies),
    "decisions:case": Counted(DETAIL, children_of("decisions.DecisionCase")),
    "decisions:minutes": Counted(DETAIL, children_of("decisions.DecisionCase")),
    "decisions:attachment": DOWNLOAD,
    # contracts
    "contracts:list": Counted(LIST, CONTRACTS),
    "contracts:detail": Counted(DETAIL, CONTRACT),
    "contracts:compare": Counted(
        DETAIL, CONTRACT, fixed="the lines of two signed versions, which are frozen (a database guard)"
    ),
    "contracts:change": Counted(
        DETAIL,
        children_of("contracts.ContractChange", "change_id"),
        fixed="a change request and its amendment: one record each",
    ),
    "contracts:create": FORM,
    "contracts:edit": FORM,
    "contracts:action": Excluded("confirmation form of one workflow action"),
    "contracts:change_create": FORM,
    "contracts:change_edit": FORM,
    "contracts:change_action": Excluded("confirmation form of one workflow action"),
    # cash
    "cash:workspace": Counted(DASHBOARD, INVOICES),
    "cash:receivables": Counted(LIST, INVOICES),
    "cash:invoices": Counted(LIST, INVOICES),
    "cash:receipts": Counted(LIST, rows_of("cash.Receipt")),
    "cash:invoice_detail": Counted(DETAIL, children_of("cash.Invoice")),
    "cash:invoice_print": Counted(
        DETAIL, children_of("cash.Invoice"), fixed="one line per plan line of the signed (frozen) contract"
    ),
    "cash:invoice_pdf": DOWNLOAD,
    "cash:receipt_detail": Counted(DETAIL, children_of("cash.Receipt")),
    "cash:receipt_create": FORM,
    "cash:invoice_create": FORM,
    # delivery
    "delivery:list": Counted(LIST, projects),
    "delivery:detail": Counted(DETAIL, children_of("delivery.DeliveryProject")),
    "delivery:form": FORM,
    "delivery:record_form": FORM,
    "delivery:evidence": DOWNLOAD,
    # bids
    "bids:list": Counted(LIST, rows_of("bids.Bid")),
    "bids:detail": Counted(DETAIL, both(bid_work, children_of("bids.Bid"))),
    "bids:negotiation": Counted(
        DETAIL,
        both(opportunity_work("opportunity_pk"), children_of("opportunities.Opportunity", "opportunity_pk")),
    ),
    "bids:create": FORM,
    "bids:edit": FORM,
    "bids:action": Excluded("confirmation form of one workflow action"),
    "bids:negotiation_action": FORM,
    # guidance
    "guidance:playbooks": Counted(LIST, rows_of("guidance.PlaybookTask", restricted=False)),
    "guidance:actions": Counted(LIST, rows_of("guidance.ActionItem")),
    "guidance:opportunity": Counted(
        DETAIL, OPPORTUNITY, fixed="the playbook checklist: one row per configured task"
    ),
    "guidance:appeals": Counted(
        DETAIL, OPPORTUNITY, fixed="the current analysis: one rating per $APPEALS dimension"
    ),
    "guidance:appeals_version": Counted(
        DETAIL, OPPORTUNITY, fixed="a past analysis: one rating per $APPEALS dimension"
    ),
    "guidance:fabe": Counted(
        DETAIL,
        OPPORTUNITY,
        fixed="not grown: the contract's fixture opportunity is closed (no new value messages) and has none",
    ),
    "guidance:activities": Counted(DETAIL, OPPORTUNITY),
    "guidance:template_download": DOWNLOAD,
    "guidance:fabe_edit": FORM,
    "guidance:activity_edit": FORM,
    # analytics: reports and dashboards over everything the viewer sees
    "analytics:dashboard": Counted(DASHBOARD, both(OPPORTUNITIES, INVOICES, LEADS)),
    "analytics:my_dashboard": Counted(DASHBOARD, both(OPPORTUNITIES, INVOICES, LEADS)),
    "analytics:forecast": Counted(DASHBOARD, OPPORTUNITIES),
    "analytics:funnel": Counted(DASHBOARD, both(LEADS, OPPORTUNITIES)),
    "analytics:pipeline": Counted(DASHBOARD, OPPORTUNITIES),
    "analytics:process": Counted(DASHBOARD, both(OPPORTUNITIES, CASES)),
    "analytics:records": Counted(LIST, OPPORTUNITIES),
    "analytics:team_kpis": Counted(DASHBOARD, both(OPPORTUNITIES, LEADS)),
    "analytics:win_loss": Counted(DASHBOARD, OPPORTUNITIES),
    "analytics:cycle_times": Counted(DASHBOARD, both(OPPORTUNITIES, CASES)),
    # the admin site
    "admin:*": Excluded("the Django admin site: not a product page"),
    "route:admin/*": Excluded("the Django admin site: not a product page"),
}
