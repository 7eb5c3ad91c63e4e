"""The expected-outcome table of the permission contract.

Every page (URL name, or ``route:<pattern>`` for unnamed ones) and every API operation
(``METHOD /api/v1/path``) needs an entry; a key may be a glob (``leads:*``) and the most specific
pattern wins. Outcomes per role: OK (2xx; for unsafe API calls also 400/409/422, i.e. authorised
and answered by the business rules), NO (unsafe API calls: 403, or 400/409/422, never a 2xx),
LOGIN (redirect to a login page), REDIRECT, E401, E403,
E404, E405. Pages are asked with GET; unsafe API operations with a minimal body built from the
schema (``body=`` overrides it), each in a savepoint that is rolled back.

Adding a page or endpoint: run the contract, read the failure (it lists the missing keys), run
again with OPENLTC_CONTRACT_DUMP=/tmp/contract.json to see what each role gets, decide what each
role *should* get, and add the entry. If the code is wrong today, write the right answer in
``expect``, today's in ``now`` and the reason in ``defect``.

Roles (see harness.ROLES): anonymous, other_rep (rep of the South region), rep (owns the fixture
records, Shanghai), manager (Shanghai office), reviewer (legal, company-wide view), sdt (East
region manager and SDT), finance (company-wide view), admin (superuser).
"""

from __future__ import annotations

from tests.contract.harness import (
    E401,
    E403,
    E404,
    E405,
    LOGIN,
    NO,
    OK,
    REDIRECT,
    AdminRecord,
    Entry,
    Rec,
    RoleUser,
    creation_order,
    outcomes,
)

# --- outcome profiles -------------------------------------------------------------------------

PUBLIC = outcomes(OK)  # anyone, signed in or not
SIGNED_IN = outcomes(OK, anonymous=LOGIN)  # any signed-in person (lists filter by scope)
POST_ONLY = outcomes(E405, anonymous=LOGIN)  # a POST-only view behind login, asked with GET
POST_ONLY_PUBLIC = outcomes(E405)  # a POST-only view open to anyone
ANONYMOUS_ONLY = outcomes(REDIRECT, anonymous=OK)  # the login page sends signed-in people home
# A record of the rep's team: the other region's rep gets 404 (never 403, so nothing leaks).
VIEW_RECORD = outcomes(OK, anonymous=LOGIN, other_rep=E404)
# Changing it: view-only company roles (legal, finance) get 404 too.
CHANGE_RECORD = outcomes(OK, anonymous=LOGIN, other_rep=E404, reviewer=E404, finance=E404)
EVERYONE_404 = outcomes(E404, anonymous=LOGIN)
OWNER_ONLY = outcomes(E404, anonymous=LOGIN, rep=OK)  # personal records (import jobs), even for admins
# The admin site answers by is_staff alone: anonymous and staff-less people go to its login.
ADMIN_ROLES = ("anonymous", "rep", "admin")
ADMIN_PAGE = {"anonymous": LOGIN, "rep": LOGIN, "admin": OK}
ADMIN_GUARD_ROLES = ("anonymous", "rep")  # object pages: only the guard is asked (cost)
ADMIN_GUARD = {"anonymous": LOGIN, "rep": LOGIN}

# API
API_SIGNED_IN = outcomes(OK, anonymous=E401)
API_VIEW_RECORD = outcomes(OK, anonymous=E401, other_rep=E404)
API_CHANGE_RECORD = outcomes(OK, anonymous=E401, other_rep=E404, reviewer=E404, finance=E404)


def analytics_adjust_body(ctx):
    """A forecast adjustment of the unit the Shanghai manager manages."""
    from openltc.org.models import RoleAssignment

    unit_id = RoleAssignment.objects.filter(user=ctx.user("manager"), role="sales_manager").values_list(
        "org_unit_id", flat=True
    )[0]
    return {
        "org_unit_id": unit_id,
        "month": "2026-09",
        "category": "commit",
        "amount": "1",
        "reason": "contract",
    }


# --- fixture records ----------------------------------------------------------------------------


def rep_saved_view(ctx):
    from openltc.core.saved_views import saved_view_save

    return saved_view_save(
        user=ctx.user("rep"), list_key="contract", name="contract", query_string="", allowed_keys=[]
    ).pk


def rep_case_attachment(ctx):
    """(case id, attachment id) of an attachment on a case the rep sees and the other rep does not."""
    if "attachment" not in ctx.memo:
        from openltc.decisions.models import CaseAttachment, DecisionCase

        hidden = DecisionCase.objects.restrict(ctx.user("other_rep")).values("pk")
        cases = DecisionCase.objects.restrict(ctx.user("rep")).exclude(pk__in=hidden)
        found = (
            CaseAttachment._base_manager.filter(case__in=cases)
            .order_by(*creation_order(CaseAttachment))
            .first()
        )
        ctx.memo["attachment"] = (found.case_id, found.pk) if found else (None, None)
    return ctx.memo["attachment"]


def rep_lead_import_job(ctx):
    """An import job of the rep's, uploaded through the import service."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from openltc.core.imports import import_upload
    from openltc.leads.imports import LeadImporter

    upload = SimpleUploadedFile(
        "leads.csv", "title,company\n华东项目,Acme\n".encode(), content_type="text/csv"
    )
    return import_upload(
        actor=ctx.user("rep"), importer=LeadImporter, upload=upload, mode="all_or_nothing"
    ).pk


def sdt_deputy(ctx):
    """The East SDT decider appoints the Shanghai manager as deputy for the coming week."""
    import datetime

    from django.utils import timezone

    from openltc.decisions.services import deputy_appoint

    today = timezone.localdate()
    sdt = ctx.user("sdt")
    return deputy_appoint(
        actor=sdt,
        principal=sdt,
        deputy=ctx.user("manager"),
        valid_from=today,
        valid_until=today + datetime.timedelta(days=7),
        reason="contract fixture",
    ).pk


def rep_case_condition(ctx):
    """(case id, condition id) of an open condition on a case the rep sees and the other rep does not."""
    if "condition" not in ctx.memo:
        from openltc.decisions.choices import ConditionStatus
        from openltc.decisions.models import DecisionCase, DecisionCondition

        hidden = DecisionCase.objects.restrict(ctx.user("other_rep")).values("pk")
        cases = DecisionCase.objects.restrict(ctx.user("rep")).exclude(pk__in=hidden)
        found = (
            DecisionCondition._base_manager.filter(case__in=cases, status=ConditionStatus.OPEN)
            .order_by(*creation_order(DecisionCondition))
            .first()
        )
        ctx.memo["condition"] = (found.case_id, found.pk) if found else (None, None)
    return ctx.memo["condition"]


def rep_condition_case_id(ctx):
    return rep_case_condition(ctx)[0]


def rep_condition_id(ctx):
    return rep_case_condition(ctx)[1]


def rep_attachment_case_id(ctx):
    return rep_case_attachment(ctx)[0]


def rep_attachment_id(ctx):
    return rep_case_attachment(ctx)[1]


def customer_type(ctx):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get(app_label="customers", model="customer").pk


def rep_user_id(ctx):
    return ctx.user("rep").pk


def rep_negotiator(ctx):
    """A negotiator the rep adds to the negotiation of an opportunity of the rep's."""
    if "negotiator" not in ctx.memo:
        from openltc.bids.services import negotiation_member_add
        from openltc.opportunities.models import Opportunity

        hidden = Opportunity.objects.restrict(ctx.user("other_rep")).values("pk")
        opp = (
            Opportunity.objects.restrict(ctx.user("rep"), "change")
            .open()
            .exclude(pk__in=hidden)
            .order_by("number")
            .first()
        )
        member = negotiation_member_add(
            actor=ctx.user("rep"), opportunity=opp, user=ctx.user("rep"), role="finance"
        )
        ctx.memo["negotiator"] = (opp.pk, member.pk)
    return ctx.memo["negotiator"][1]


def rep_negotiation_opportunity(ctx):
    rep_negotiator(ctx)
    return ctx.memo["negotiator"][0]


def _delivery_child(model_label, project_path):
    """(project id, record id) of a delivery record the rep sees and the other rep does not."""

    def pick(ctx):
        key = ("delivery", model_label)
        if key not in ctx.memo:
            from django.apps import apps

            model = apps.get_model(model_label)
            hidden = model.objects.restrict(ctx.user("other_rep")).values("pk")
            found = (
                model.objects.restrict(ctx.user("rep"))
                .exclude(pk__in=hidden)
                .order_by(*creation_order(model))
                .first()
            )
            project = found
            for part in project_path.split("."):
                project = getattr(project, part) if project is not None else None
            ctx.memo[key] = (project, found.pk if found else None)
        return ctx.memo[key]

    return pick


_delivery_acceptance = _delivery_child("delivery.Acceptance", "item.project_id")
_delivery_finding = _delivery_child("delivery.ReviewFinding", "review.project_id")
_delivery_action = _delivery_child("delivery.ActionItem", "meeting.project_id")


def delivery_acceptance_project(ctx):
    return _delivery_acceptance(ctx)[0]


def delivery_acceptance_id(ctx):
    return _delivery_acceptance(ctx)[1]


def delivery_finding_project(ctx):
    return _delivery_finding(ctx)[0]


def delivery_finding_id(ctx):
    return _delivery_finding(ctx)[1]


def delivery_action_project(ctx):
    return _delivery_action(ctx)[0]


def delivery_action_id(ctx):
    return _delivery_action(ctx)[1]


CUSTOMER = Rec("customers.Customer")
CONTACT = Rec("customers.Contact")
LEAD = Rec("leads.Lead")
OPP = Rec("opportunities.Opportunity")
CASE = Rec("decisions.DecisionCase")
CONTRACT = Rec("contracts.Contract")
DELIVERY = Rec("delivery.DeliveryProject")
BID = Rec("bids.Bid")
REP_TOKEN = Rec("org.ApiToken", {"user": RoleUser("rep")})
CHANGE = Rec("contracts.ContractChange")
CHANGE_CONTRACT = Rec("contracts.ContractChange", attr="contract_id")
CHANGE_ARGS = {"contract_id": CHANGE_CONTRACT, "change_id": CHANGE}
PLAN_LINE_ARGS = {
    "contract_id": Rec("contracts.ReceivablePlanLine", attr="contract_id"),
    "line_id": Rec("contracts.ReceivablePlanLine"),
}

# --- pages --------------------------------------------------------------------------------------

PAGES: dict[str, Entry] = {
    # core and accounts
    "home": Entry(SIGNED_IN),
    "healthz": Entry(PUBLIC),
    "history": Entry(VIEW_RECORD, args={"app_label": "customers", "model_name": "customer", "pk": CUSTOMER}),
    "login": Entry(ANONYMOUS_ONLY),
    "logout": Entry(POST_ONLY_PUBLIC),
    "password_change": Entry(SIGNED_IN),
    "password_change_done": Entry(SIGNED_IN),
    "password_reset": Entry(PUBLIC),
    "password_reset_done": Entry(PUBLIC),
    "password_reset_complete": Entry(PUBLIC),
    "password_reset_confirm": Entry(PUBLIC, args={"uidb64": "MQ", "token": "set-password"}),
    # org
    "org:profile": Entry(SIGNED_IN),
    "org:tokens": Entry(SIGNED_IN),
    "org:token_revoke": Entry(POST_ONLY, args={"token_id": REP_TOKEN}),
    "org:language": Entry(POST_ONLY_PUBLIC),
    # saved views
    "saved_views:save": Entry(POST_ONLY),
    "saved_views:delete": Entry(POST_ONLY, args={"pk": rep_saved_view}),
    # customers
    "customers:list": Entry(SIGNED_IN),
    "customers:create": Entry(SIGNED_IN),
    "customers:duplicates": Entry(SIGNED_IN),
    "customers:actions": Entry(SIGNED_IN),
    "customers:detail": Entry(VIEW_RECORD, args={"pk": CUSTOMER}),
    "customers:edit": Entry(CHANGE_RECORD, args={"pk": CUSTOMER}),
    "customers:merge": Entry(
        CHANGE_RECORD, args={"pk": CUSTOMER, "other": Rec("customers.Customer", index=1)}
    ),
    "customers:contact_create": Entry(CHANGE_RECORD, args={"pk": CUSTOMER}),
    "customers:contact_merge": Entry(POST_ONLY, args={"pk": CUSTOMER}),
    "customers:contact_edit": Entry(CHANGE_RECORD, args={"pk": CONTACT}),
    "customers:contact_stance": Entry(CHANGE_RECORD, args={"pk": CONTACT}),
    "customers:relationship_create": Entry(POST_ONLY, args={"pk": CUSTOMER}),
    "customers:relationship_delete": Entry(POST_ONLY, args={"pk": Rec("customers.ContactRelationship")}),
    "customers:plan_create": Entry(POST_ONLY, args={"pk": CUSTOMER}),
    "customers:plan_status": Entry(POST_ONLY, args={"pk": Rec("customers.RelationshipPlan")}),
    "customers:survey_create": Entry(POST_ONLY, args={"pk": CUSTOMER}),
    "customers:action_create": Entry(POST_ONLY, args={"pk": Rec("customers.RelationshipPlan")}),
    "customers:action_complete": Entry(POST_ONLY, args={"pk": Rec("customers.RelationshipAction")}),
    # leads
    "leads:list": Entry(SIGNED_IN),
    "leads:board": Entry(SIGNED_IN),
    "leads:create": Entry(SIGNED_IN),
    "leads:bulk": Entry(POST_ONLY),
    "leads:detail": Entry(VIEW_RECORD, args={"pk": LEAD}),
    "leads:edit": Entry(CHANGE_RECORD, args={"pk": LEAD}),
    "leads:validate": Entry(POST_ONLY, args={"pk": LEAD}),
    "leads:action": Entry(POST_ONLY, args={"pk": LEAD, "action": "qualify"}),
    "leads:assign": Entry(POST_ONLY, args={"pk": LEAD}),
    "leads:activity": Entry(POST_ONLY, args={"pk": LEAD}),
    "leads:criterion": Entry(POST_ONLY, args={"pk": LEAD, "criterion_id": Rec("leads.NurturingCriterion")}),
    "leads:convert": Entry(POST_ONLY, args={"pk": LEAD}),
    "leads:merge": Entry(POST_ONLY, args={"pk": LEAD}),
    "leads:leads_import_upload": Entry(SIGNED_IN),
    "leads:leads_import_*": Entry(OWNER_ONLY, args={"pk": rep_lead_import_job}),
    # opportunities
    "opportunities:list": Entry(SIGNED_IN),
    "opportunities:board": Entry(SIGNED_IN),
    "opportunities:create": Entry(SIGNED_IN),
    "opportunities:detail": Entry(VIEW_RECORD, args={"pk": OPP}),
    "opportunities:edit": Entry(CHANGE_RECORD, args={"pk": OPP}),
    "opportunities:probability": Entry(CHANGE_RECORD, args={"pk": OPP}),
    "opportunities:forecast": Entry(CHANGE_RECORD, args={"pk": OPP}),
    "opportunities:close_lost": Entry(CHANGE_RECORD, args={"pk": OPP}),
    "opportunities:abandon": Entry(CHANGE_RECORD, args={"pk": OPP}),
    "opportunities:advance": Entry(POST_ONLY, args={"pk": OPP}),
    "opportunities:portfolio": Entry(SIGNED_IN),
    "opportunities:evaluation": Entry(VIEW_RECORD, args={"pk": OPP}),
    "opportunities:grade": Entry(POST_ONLY, args={"pk": OPP}),
    "opportunities:grade_override": Entry(CHANGE_RECORD, args={"pk": OPP}),
    "opportunities:charter": Entry(CHANGE_RECORD, args={"pk": OPP}),
    "opportunities:appoint": Entry(POST_ONLY, args={"pk": OPP}),
    "opportunities:appointment": Entry(VIEW_RECORD, args={"pk": Rec("opportunities.TeamAppointment")}),
    "opportunities:appointment_pdf": Entry(VIEW_RECORD, args={"pk": Rec("opportunities.TeamAppointment")}),
    "opportunities:team_add": Entry(POST_ONLY, args={"pk": OPP}),
    "opportunities:team_remove": Entry(
        POST_ONLY,
        args={
            "pk": Rec("opportunities.OpportunityTeamMember", attr="opportunity_id"),
            "member_id": Rec("opportunities.OpportunityTeamMember"),
        },
    ),
    # decisions
    "decisions:inbox": Entry(SIGNED_IN),
    "decisions:list": Entry(SIGNED_IN),
    "decisions:deputies": Entry(SIGNED_IN),
    "decisions:open": Entry(POST_ONLY),
    "decisions:*": Entry(POST_ONLY, args={"pk": CASE}),
    "decisions:case": Entry(VIEW_RECORD, args={"pk": CASE}),
    "decisions:minutes": Entry(VIEW_RECORD, args={"pk": CASE}),
    "decisions:edit": Entry(POST_ONLY, args={"pk": CASE}),
    "decisions:answer": Entry(
        POST_ONLY,
        args={
            "pk": Rec("decisions.CaseChecklistItem", attr="case_id"),
            "item_id": Rec("decisions.CaseChecklistItem"),
        },
    ),
    "decisions:attachment": Entry(
        VIEW_RECORD, args={"pk": rep_attachment_case_id, "attachment_id": rep_attachment_id}
    ),
    "decisions:deputy_revoke": Entry(POST_ONLY, args={"deputy_id": sdt_deputy}),
    "decisions:close_condition": Entry(
        POST_ONLY, args={"pk": rep_condition_case_id, "condition_id": rep_condition_id}
    ),
    # contracts
    "contracts:list": Entry(SIGNED_IN),
    "contracts:create": Entry(SIGNED_IN),
    "contracts:detail": Entry(VIEW_RECORD, args={"pk": CONTRACT}),
    "contracts:compare": Entry(VIEW_RECORD, args={"pk": CONTRACT}),
    "contracts:edit": Entry(CHANGE_RECORD, args={"pk": CONTRACT}),
    "contracts:open_atc_case": Entry(POST_ONLY, args={"pk": CONTRACT}),
    "contracts:countersign": Entry(
        POST_ONLY,
        args={
            "pk": Rec("contracts.CountersignStep", attr="contract_id"),
            "step_id": Rec("contracts.CountersignStep"),
        },
    ),
    "contracts:plan_trigger": Entry(
        POST_ONLY,
        args={
            "pk": Rec("contracts.ReceivablePlanLine", attr="contract_id"),
            "line_id": Rec("contracts.ReceivablePlanLine"),
        },
    ),
    "contracts:action": Entry(CHANGE_RECORD, args={"pk": CONTRACT, "code": "submit"}),
    # cash: lists and the workspace for everyone signed in (narrowed to what they see);
    # invoicing is finance's, so the invoice form answers 404 to everyone else
    "cash:workspace": Entry(SIGNED_IN),
    "cash:receivables": Entry(SIGNED_IN),
    "cash:invoices": Entry(SIGNED_IN),
    "cash:receipts": Entry(SIGNED_IN),
    "cash:receipt_create": Entry(SIGNED_IN, note="the form shows; recording refuses non-finance"),
    "cash:invoice_detail": Entry(VIEW_RECORD, args={"pk": Rec("cash.Invoice")}),
    "cash:invoice_print": Entry(VIEW_RECORD, args={"pk": Rec("cash.Invoice")}),
    "cash:invoice_pdf": Entry(VIEW_RECORD, args={"pk": Rec("cash.Invoice")}),
    "cash:invoice_create": Entry(
        outcomes(E404, anonymous=LOGIN, finance=OK, admin=OK), args={"contract_pk": CONTRACT}
    ),
    "cash:receipt_detail": Entry(VIEW_RECORD, args={"pk": Rec("cash.Receipt")}),
    "cash:invoice_*": Entry(POST_ONLY, args={"pk": Rec("cash.Invoice")}),
    "cash:collection_log": Entry(POST_ONLY, args={"pk": Rec("cash.Invoice")}),
    "cash:dispute_open": Entry(POST_ONLY, args={"pk": Rec("cash.Invoice")}),
    "cash:write_off_request": Entry(POST_ONLY, args={"pk": Rec("cash.Invoice")}),
    "cash:write_off_decide": Entry(POST_ONLY, args={"pk": Rec("cash.WriteOff")}),
    "cash:dispute_close": Entry(POST_ONLY, args={"pk": Rec("cash.Dispute")}),
    "cash:receipt_*": Entry(POST_ONLY, args={"pk": Rec("cash.Receipt")}),
    "contracts:open_atcc_case": Entry(POST_ONLY, args={"pk": CONTRACT}),
    # change requests: the demo amends an executing contract of the rep's (ATAC, archived)
    "contracts:change_create": Entry(CHANGE_RECORD, args={"pk": CHANGE_CONTRACT}),
    "contracts:change": Entry(VIEW_RECORD, args={"pk": CHANGE_CONTRACT, "change_id": CHANGE}),
    "contracts:change_edit": Entry(
        outcomes(REDIRECT, anonymous=LOGIN, other_rep=E404, reviewer=E404, finance=E404),
        args={"pk": CHANGE_CONTRACT, "change_id": CHANGE},
        note="the demo change is archived: the editor sends back to the change page",
    ),
    "contracts:change_action": Entry(
        CHANGE_RECORD, args={"pk": CHANGE_CONTRACT, "change_id": CHANGE, "code": "withdraw_change"}
    ),
    # delivery
    "delivery:list": Entry(SIGNED_IN),
    "delivery:create": Entry(POST_ONLY),
    "delivery:detail": Entry(VIEW_RECORD, args={"pk": DELIVERY}),
    "delivery:form": Entry(CHANGE_RECORD, args={"pk": DELIVERY, "code": "risk"}),
    "delivery:record_form": Entry(
        CHANGE_RECORD,
        args={
            "pk": Rec("delivery.Risk", attr="project_id"),
            "code": "risk_edit",
            "target_id": Rec("delivery.Risk"),
        },
    ),
    "delivery:evidence": Entry(
        VIEW_RECORD, args={"pk": delivery_acceptance_project, "acceptance_id": delivery_acceptance_id}
    ),
    "delivery:member_remove": Entry(
        POST_ONLY,
        args={
            "pk": Rec("delivery.ProjectMember", attr="project_id"),
            "member_id": Rec("delivery.ProjectMember"),
        },
    ),
    "delivery:finding_close": Entry(
        POST_ONLY, args={"pk": delivery_finding_project, "finding_id": delivery_finding_id}
    ),
    "delivery:action_done": Entry(
        POST_ONLY, args={"pk": delivery_action_project, "action_id": delivery_action_id}
    ),
    # bids
    "bids:list": Entry(SIGNED_IN),
    "bids:create": Entry(CHANGE_RECORD, args={"opportunity_pk": OPP}),
    "bids:detail": Entry(VIEW_RECORD, args={"pk": BID}),
    "bids:edit": Entry(CHANGE_RECORD, args={"pk": BID}),
    "bids:action": Entry(CHANGE_RECORD, args={"pk": BID, "code": "cancel"}),
    "bids:negotiation": Entry(VIEW_RECORD, args={"opportunity_pk": OPP}),
    "bids:negotiation_action": Entry(CHANGE_RECORD, args={"opportunity_pk": OPP, "code": "concession"}),
    # guidance (customer guidance: playbooks, checklist, $APPEALS, FABE, activities)
    "guidance:playbooks": Entry(SIGNED_IN),
    "guidance:template_download": Entry(SIGNED_IN, args={"pk": Rec("guidance.DocumentTemplate")}),
    "guidance:actions": Entry(SIGNED_IN),
    "guidance:action_transition": Entry(
        POST_ONLY, args={"pk": Rec("guidance.ActionItem"), "code": "complete"}
    ),
    "guidance:opportunity": Entry(VIEW_RECORD, args={"pk": OPP}),
    "guidance:tick": Entry(POST_ONLY, args={"pk": OPP, "task_id": Rec("guidance.PlaybookTask")}),
    "guidance:appeals": Entry(VIEW_RECORD, args={"pk": OPP}),
    "guidance:appeals_version": Entry(
        VIEW_RECORD,
        args={
            "pk": Rec("guidance.AppealsAnalysis", attr="opportunity_id"),
            "number": Rec("guidance.AppealsAnalysis", attr="number"),
        },
    ),
    "guidance:fabe": Entry(VIEW_RECORD, args={"pk": OPP}),
    "guidance:activities": Entry(VIEW_RECORD, args={"pk": OPP}),
    "guidance:action_add": Entry(POST_ONLY, args={"pk": OPP}),
    "guidance:fabe_edit": Entry(CHANGE_RECORD, args={"pk": Rec("guidance.ValueMessage")}),
    "guidance:fabe_delete": Entry(POST_ONLY, args={"pk": Rec("guidance.ValueMessage")}),
    "guidance:activity_edit": Entry(CHANGE_RECORD, args={"pk": Rec("guidance.Activity")}),
    # analytics: reports over what each viewer may see (figures narrow to the scope)
    "analytics:*": Entry(SIGNED_IN),
    "analytics:forecast_adjust": Entry(POST_ONLY),
    # the admin site
    "admin:index": Entry(ADMIN_PAGE, roles=ADMIN_ROLES),
    "admin:login": Entry({"anonymous": OK, "rep": OK, "admin": REDIRECT}, roles=ADMIN_ROLES),
    "admin:logout": Entry({"anonymous": REDIRECT, "rep": REDIRECT, "admin": E405}, roles=ADMIN_ROLES),
    "admin:password_change": Entry(ADMIN_PAGE, roles=ADMIN_ROLES),
    "admin:password_change_done": Entry(ADMIN_PAGE, roles=ADMIN_ROLES),
    "admin:jsi18n": Entry(ADMIN_PAGE, roles=ADMIN_ROLES),
    "admin:autocomplete": Entry(
        {**ADMIN_PAGE, "admin": E403}, roles=ADMIN_ROLES, note="needs query parameters"
    ),
    "admin:app_list": Entry(ADMIN_PAGE, args={"app_label": "org"}, roles=ADMIN_ROLES),
    "admin:view_on_site": Entry(
        {**ADMIN_PAGE, "admin": REDIRECT},
        args={"content_type_id": customer_type, "object_id": CUSTOMER},
        roles=ADMIN_ROLES,
    ),
    "admin:auth_user_password_change": Entry(ADMIN_PAGE, args={"id": rep_user_id}, roles=ADMIN_ROLES),
    "admin:*_changelist": Entry(ADMIN_PAGE, roles=ADMIN_ROLES),
    "admin:*": Entry(ADMIN_GUARD, args={"object_id": AdminRecord()}, roles=ADMIN_GUARD_ROLES),
    "admin:*_simple_history": Entry(ADMIN_GUARD, skip="regex route with unnamed groups; same admin guard"),
    "route:admin/*": Entry(ADMIN_GUARD, args={"object_id": AdminRecord()}, roles=ADMIN_GUARD_ROLES),
    "route:admin/(?P<url>.*)$": Entry(
        {**ADMIN_PAGE, "admin": E404}, args={"url": "no/such/page/"}, roles=ADMIN_ROLES
    ),
}

# --- API operations -----------------------------------------------------------------------------

API_ARGS = {
    "token_id": REP_TOKEN,
    "customer_id": CUSTOMER,
    "contact_id": CONTACT,
    "relationship_id": Rec("customers.ContactRelationship"),
    "lead_id": LEAD,
    "criterion_id": Rec("leads.NurturingCriterion"),
    "opportunity_id": OPP,
    "member_id": Rec("opportunities.OpportunityTeamMember"),
    "case_id": CASE,
    "contract_id": CONTRACT,
    "invoice_id": Rec("cash.Invoice"),
    "receipt_id": Rec("cash.Receipt"),
    "dispute_id": Rec("cash.Dispute"),
    "write_off_id": Rec("cash.WriteOff"),
    "project_id": DELIVERY,
    "plan_item_id": Rec("delivery.PlanItem"),
    "risk_id": Rec("delivery.Risk"),
    "delphi_id": Rec("delivery.DelphiSession"),
    "review_id": Rec("delivery.QualityReview"),
    "finding_id": Rec("delivery.ReviewFinding"),
    "action_item_id": Rec("delivery.ActionItem"),
    "team_member_id": Rec("delivery.ProjectMember"),
    "bid_id": BID,
}


def _api(expect, **extra):
    return Entry(expect, args=API_ARGS, **extra)


# Writes on a record: view-only roles can see the record, so they get 403 (nothing leaks);
# the other region's rep cannot, and gets 404.
API_WRITE_RECORD = outcomes(OK, anonymous=E401, other_rep=E404, reviewer=NO, finance=NO)
API_OWNER_ONLY = outcomes(E404, anonymous=E401, rep=OK)
# Cash: finance (the Finance role over the record's org unit) invoices, books and allocates
# receipts and decides write-offs; the AR side and finance chase, dispute and ask to write off.
API_FINANCE_WRITE = outcomes(NO, anonymous=E401, other_rep=E404, finance=OK, admin=OK)
API_COLLECT_WRITE = outcomes(OK, anonymous=E401, other_rep=E404, reviewer=NO)

API: dict[str, Entry] = {
    # lists, creation and "me": any signed-in person (lists are narrowed to what they may see)
    "GET /api/v1/*": _api(API_SIGNED_IN),
    "POST /api/v1/org/tokens": _api(API_SIGNED_IN),
    "PATCH /api/v1/org/me/preferences": _api(API_SIGNED_IN),
    "POST /api/v1/org/tokens/{token_id}/revoke": _api(API_OWNER_ONLY),
    "POST /api/v1/customers": _api(API_SIGNED_IN),
    "POST /api/v1/leads": _api(API_SIGNED_IN),
    # a mail gateway posts raw messages; the generated body is not an e-mail (422 for everyone)
    "POST /api/v1/leads/inbound-mail": _api(API_SIGNED_IN),
    "POST /api/v1/opportunities": _api(API_SIGNED_IN),
    "POST /api/v1/contracts": _api(API_SIGNED_IN),
    "POST /api/v1/cash/invoices": _api(
        API_FINANCE_WRITE, body={"contract_id": CONTRACT, "lines": []}, note="finance only"
    ),
    "POST /api/v1/cash/receipts": _api(
        outcomes(NO, anonymous=E401, finance=OK, admin=OK),
        body={
            "customer_id": CUSTOMER,
            "received_on": "2026-01-02",
            "amount": "1.00",
            "currency": "CNY",
            "payer": "contract",
        },
        note="finance only; the other region cannot choose the customer (422)",
    ),
    "POST /api/v1/cash/invoices/{invoice_id}/credit-notes": _api(API_FINANCE_WRITE),
    "POST /api/v1/cash/receipts/{receipt_id}/*": _api(API_FINANCE_WRITE),
    "POST /api/v1/cash/write-offs/{write_off_id}/decide": _api(API_FINANCE_WRITE),
    "POST /api/v1/cash/invoices/{invoice_id}/collection-actions": _api(API_COLLECT_WRITE),
    "POST /api/v1/cash/invoices/{invoice_id}/disputes": _api(API_COLLECT_WRITE),
    "POST /api/v1/cash/invoices/{invoice_id}/write-offs": _api(API_COLLECT_WRITE),
    "POST /api/v1/cash/disputes/{dispute_id}/close": _api(API_COLLECT_WRITE),
    # delivery: set up from a contract the caller sees (the other region's rep does not see it)
    "POST /api/v1/delivery": _api(
        outcomes(OK, anonymous=E401, other_rep=E404), body={"contract_id": CONTRACT, "fr_id": 0}
    ),
    "POST /api/v1/delivery/items/{plan_item_id}/acceptance": _api(
        outcomes(OK, anonymous=E401), note="multipart: the generated body fails validation before the lookup"
    ),
    "POST /api/v1/delivery/delphi/{delphi_id}/estimates": _api(
        outcomes(OK, anonymous=E401, other_rep=E404, reviewer=NO, finance=NO, admin=NO),
        note="only the session's estimators (demo: rep, manager, sdt) give estimates",
    ),
    "POST /api/v1/delivery/delphi/{delphi_id}/next-round": _api(
        outcomes(NO, anonymous=E401, other_rep=E404, admin=OK), note="the moderator (the FR) runs the rounds"
    ),
    "POST /api/v1/delivery/delphi/{delphi_id}/finish": _api(
        outcomes(NO, anonymous=E401, other_rep=E404, admin=OK),
        note="the moderator (the FR) records the result",
    ),
    "POST /api/v1/decisions/cases": _api(API_SIGNED_IN),
    # one record, read
    "GET /api/v1/*/{*_id}*": _api(API_VIEW_RECORD),
    # one record, written
    "POST /api/v1/*/{*_id}*": _api(API_WRITE_RECORD),
    "PATCH /api/v1/*/{*_id}*": _api(API_WRITE_RECORD),
    "PUT /api/v1/*/{*_id}*": _api(API_WRITE_RECORD),
    "DELETE /api/v1/*/{*_id}*": _api(API_WRITE_RECORD),
    "POST /api/v1/customers/{customer_id}/merge": _api(
        API_CHANGE_RECORD, body={"merge_id": Rec("customers.Customer", index=1)}
    ),
    "POST /api/v1/customers/{customer_id}/contacts/merge": _api(
        API_CHANGE_RECORD,
        body={
            # The same contact twice: a valid body on every database (the fixture customer may have
            # one contact), refused by the merge rules for those who see it, 404 for the others.
            "keep_id": Rec("customers.Contact", {"customer": CUSTOMER}),
            "merge_id": Rec("customers.Contact", {"customer": CUSTOMER}),
        },
    ),
    "POST /api/v1/customers/{customer_id}/relationships": _api(
        API_CHANGE_RECORD,
        body={"source_id": CONTACT, "target_id": Rec("customers.Contact", index=1), "kind": "reports_to"},
    ),
    # lead distribution is for lead managers and sales managers, not the rep
    "POST /api/v1/leads/{lead_id}/assign": _api(
        outcomes(NO, anonymous=E401, other_rep=E404, admin=OK),
        note="assigning needs the lead-manager role over the lead's unit",
    ),
    "POST /api/v1/leads/{lead_id}/distribute": _api(
        outcomes(OK, anonymous=E401, other_rep=E404, rep=NO, reviewer=NO, finance=NO)
    ),
    # customers: view-only roles get 404 on writes (the other apps answer 403)
    "POST /api/v1/customers/{*": _api(API_CHANGE_RECORD),
    "PATCH /api/v1/customers/*": _api(API_CHANGE_RECORD),
    "DELETE /api/v1/customers/*": _api(API_CHANGE_RECORD),
    "GET /api/v1/contracts/{contract_id}/diff": _api(
        outcomes("422", anonymous=E401), note="needs the two version numbers as query parameters"
    ),
    # multipart uploads: the body is validated before the record is looked up
    "POST /api/v1/contracts/{contract_id}/archive": _api(outcomes(OK, anonymous=E401)),
    "POST /api/v1/decisions/cases/{case_id}/attachments": _api(outcomes(OK, anonymous=E401)),
    "POST /api/v1/decisions/cases/{case_id}/opinions": _api(
        API_VIEW_RECORD,
        note="anyone who sees the case is answered by the review rules (4xx for non-reviewers)",
    ),
    "POST /api/v1/contracts/{contract_id}/opinions": _api(
        outcomes(NO, anonymous=E401, other_rep=E404, admin=OK),
        note="opinions come from the reviewers named on the contract's review",
    ),
    # decision workflow: the workflow answers who may act (403, or 409 with the reason)
    "POST /api/v1/decisions/cases/{case_id}/*": _api(API_WRITE_RECORD),
    "POST /api/v1/opportunities/{opportunity_id}/advance": _api(
        API_VIEW_RECORD, note="the generated stage is refused (422) before the permission check"
    ),
    "POST /api/v1/opportunities/{opportunity_id}/grade/override": _api(
        outcomes(NO, anonymous=E401, other_rep=E404, manager=OK, sdt=OK, admin=OK),
        note="overriding the grade is for managers of the opportunity's unit",
    ),
    "POST /api/v1/leads/{lead_id}/merge": _api(
        API_WRITE_RECORD, body={"merge_id": Rec("leads.Lead", index=1)}
    ),
    "POST /api/v1/decisions/cases/{case_id}/checklist/{item_id}": Entry(
        API_WRITE_RECORD,
        args={
            "case_id": Rec("decisions.CaseChecklistItem", attr="case_id"),
            "item_id": Rec("decisions.CaseChecklistItem"),
        },
    ),
    "POST /api/v1/decisions/conditions/{condition_id}/close": Entry(
        outcomes(NO, anonymous=E401, other_rep=E404, rep=OK, admin=OK),
        args={"condition_id": rep_condition_id},
        note="only the condition's owner (the rep, in the demo) or the decider closes it",
    ),
    "GET /api/v1/contracts/{contract_id}/changes/{change_id}": Entry(API_VIEW_RECORD, args=CHANGE_ARGS),
    "PATCH /api/v1/contracts/{contract_id}/changes/{change_id}": Entry(API_WRITE_RECORD, args=CHANGE_ARGS),
    "POST /api/v1/contracts/{contract_id}/changes/{change_id}/*": Entry(API_WRITE_RECORD, args=CHANGE_ARGS),
    "POST /api/v1/contracts/{contract_id}/changes/{change_id}/archive": Entry(
        outcomes(OK, anonymous=E401),
        args=CHANGE_ARGS,
        note="multipart: the generated body fails validation before the lookup",
    ),
    "POST /api/v1/contracts/{contract_id}/plan/{line_id}/trigger": Entry(
        API_WRITE_RECORD, args=PLAN_LINE_ARGS
    ),
    "POST /api/v1/contracts/{contract_id}/countersign/{step_id}/sign-off": Entry(
        API_WRITE_RECORD,
        args={
            "contract_id": Rec("contracts.CountersignStep", attr="contract_id"),
            "step_id": Rec("contracts.CountersignStep"),
        },
    ),
    "POST /api/v1/leads/{lead_id}/claim": _api(
        outcomes(NO, anonymous=E401, other_rep=E404), note="the fixture lead is not in the pool"
    ),
    # bids: starting a bid needs change rights on the opportunity
    "POST /api/v1/bids": _api(API_WRITE_RECORD, body={"opportunity_id": OPP}),
    # bids: bodies with the required fields, so the record lookup (404 for the other region) answers
    "POST /api/v1/bids/{bid_id}/checklist": _api(API_WRITE_RECORD, body={"title": "Seal on every page"}),
    "PUT /api/v1/bids/{bid_id}/post-bid-review": _api(
        API_WRITE_RECORD, body={"reasons": "Price", "lessons": "Model the price score"}
    ),
    "POST /api/v1/bids/negotiations/{opportunity_id}/team": _api(
        API_WRITE_RECORD, body={"user_id": rep_user_id, "role": "legal"}
    ),
    "POST /api/v1/bids/negotiations/{opportunity_id}/agreement": _api(
        API_WRITE_RECORD, body={"agreed_on": "2026-01-15", "note": "contract"}
    ),
    "PATCH /api/v1/bids/{bid_id}/checklist/{item_id}": Entry(
        API_WRITE_RECORD,
        args={"bid_id": Rec("bids.BidChecklistItem", attr="bid_id"), "item_id": Rec("bids.BidChecklistItem")},
    ),
    "POST /api/v1/bids/{bid_id}/questions/{question_id}/answer": Entry(
        API_WRITE_RECORD,
        args={"bid_id": Rec("bids.BidQuestion", attr="bid_id"), "question_id": Rec("bids.BidQuestion")},
    ),
    "PATCH /api/v1/bids/{bid_id}/recovery-actions/{action_id}": Entry(
        API_WRITE_RECORD,
        args={"bid_id": Rec("bids.RecoveryAction", attr="bid_id"), "action_id": Rec("bids.RecoveryAction")},
    ),
    "DELETE /api/v1/bids/negotiations/{opportunity_id}/team/{negotiator_id}": Entry(
        API_WRITE_RECORD,
        args={"opportunity_id": rep_negotiation_opportunity, "negotiator_id": rep_negotiator},
    ),
    "DELETE /api/v1/opportunities/{opportunity_id}/team/{member_id}": Entry(
        API_WRITE_RECORD,
        args={
            "opportunity_id": Rec("opportunities.OpportunityTeamMember", attr="opportunity_id"),
            "member_id": Rec("opportunities.OpportunityTeamMember"),
        },
    ),
    # analytics: managers adjust the forecast of the units they manage (others: 404)
    "POST /api/v1/analytics/forecast/adjustments": Entry(
        outcomes(E404, anonymous=E401, manager=OK, sdt=OK, admin=OK), body=analytics_adjust_body
    ),
    # guidance
    "POST /api/v1/guidance/playbooks/{playbook_id}/templates": Entry(
        outcomes(NO, anonymous=E401, admin=OK),
        args={"playbook_id": Rec("guidance.Playbook")},
        note="administrators maintain the playbooks (multipart; the generated body fails validation)",
    ),
    "POST /api/v1/guidance/opportunities/{opportunity_id}/checklist/{task_id}": Entry(
        API_WRITE_RECORD, args={"opportunity_id": OPP, "task_id": Rec("guidance.PlaybookTask")}
    ),
    "PATCH /api/v1/guidance/value-messages/{message_id}": Entry(
        API_WRITE_RECORD, args={"message_id": Rec("guidance.ValueMessage")}
    ),
    "DELETE /api/v1/guidance/value-messages/{message_id}": Entry(
        API_WRITE_RECORD, args={"message_id": Rec("guidance.ValueMessage")}
    ),
    "PATCH /api/v1/guidance/activities/{activity_id}": Entry(
        API_WRITE_RECORD, args={"activity_id": Rec("guidance.Activity")}
    ),
    "POST /api/v1/guidance/actions/{action_id}/*": Entry(
        API_WRITE_RECORD, args={"action_id": Rec("guidance.ActionItem")}
    ),
}

# Pages that may be POSTed without a CSRF token (none: every form carries the token).
CSRF_EXEMPT: set[str] = set()
