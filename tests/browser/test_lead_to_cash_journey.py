"""Issue 5's done-when and issue 7's chain journey in the browser: a won opportunity becomes a
signed contract (review, ATC, countersign, seal, archive, receipt check), is changed once
through ATAC, delivered with two accepted milestones, invoiced, paid in two receipts (one
partial), and closed through ATCC — each step by the person whose job it is, logged in as
themselves — and every figure reconciles at the end.

The opportunity phase has its own journey (test_opportunity_journey.py); here it is prepared
through the services.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import make_user
from openltc.contracts.models import Contract
from openltc.decisions import services as decisions
from openltc.decisions.models import DecisionCase
from openltc.decisions.tests.factories import fill_checklist
from openltc.opportunities import services as opportunities
from openltc.opportunities.choices import Stage, TeamRole
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.factories import make_opportunity
from openltc.org.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_CHOICE = object()
PDF = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%chain journey\n"}


@pytest.fixture
def people(org: Any, rep: Any, teammate: Any, manager: Any, region_vp: Any, executive: Any) -> dict[str, Any]:
    return {
        "rep": rep,
        "teammate": teammate,
        "fr": make_user("fr.sh", (Role.FULFILMENT, org.sh_team, None), home=org.sh_team),
        "cm": make_user("cm.sh", (Role.CONTRACT_MANAGER, org.sh, None), home=org.sh),
        "finance": make_user("fin.sh", (Role.FINANCE, org.sh, None), home=org.sh),
        "legal": make_user("legal.sh", (Role.LEGAL, org.sh, None), home=org.sh),
        "delivery": make_user("delivery.sh", (Role.DELIVERY_MANAGER, org.sh, None), home=org.sh),
        "manager": manager,
        "region_vp": region_vp,
        "executive": executive,
    }


def won_opportunity(people: dict[str, Any]) -> Opportunity:
    rep = people["rep"]
    o = make_opportunity(rep, title="Chain journey 全链路", amount=Decimal("1000000.00"))
    Opportunity.objects.filter(pk=o.pk).update(grade="C")
    opportunities.team_member_add(actor=rep, opportunity=o, user=people["teammate"], role=TeamRole.SR)
    opportunities.team_member_add(actor=rep, opportunity=o, user=people["fr"], role=TeamRole.FR)
    for gate, stages in (
        ("ATI", [Stage.INITIATED, Stage.GUIDING, Stage.BIDDING]),
        ("ATB", [Stage.NEGOTIATING]),
        ("ATC", [Stage.WON]),
    ):
        case = decisions.case_open(actor=rep, subject=Opportunity.objects.get(pk=o.pk), gate=gate)
        fill_checklist(rep, case)
        case = decisions.case_submit(actor=rep, case=case)
        for function in case.required_reviews:
            decisions.opinion_record(
                actor=people[function], case=case, function=function, verdict="agree", reasons="ok"
            )
        case.refresh_from_db()
        decisions.decision_record(actor=people["manager"], case=case, outcome="approved", rationale="ok")
        for stage in stages:
            opportunities.opportunity_advance(
                actor=rep, opportunity=Opportunity.objects.get(pk=o.pk), to_stage=stage
            )
    return Opportunity.objects.get(pk=o.pk)


class Chain:
    def __init__(self, j: Any, people: dict[str, Any], lang: str) -> None:
        self.j = j
        self.page = j.page
        self.people = people
        self.lang = lang
        self.current: str | None = None

    def as_(self, who: str) -> None:
        if self.current == who:
            return
        if self.current is not None:
            with self.page.expect_navigation():
                self.j.logout()
        user = self.people[who]
        if user.preferred_language != self.lang:
            user.preferred_language = self.lang
            user.save(update_fields=["preferred_language"])
        self.j.login(user.username)
        self.current = who

    def submit(self, form: Any) -> None:
        with self.page.expect_navigation():
            form.locator("button[type=submit]").last.click()

    def contract_action(self, contract: Contract, code: str, fields: dict[str, Any] | None = None) -> None:
        """Opens the action's page (where the contract page's button leads) and submits its form."""
        self.j.goto(f"/contracts/{contract.pk}/{code}/")
        form = self.page.locator(f"form[action='/contracts/{contract.pk}/{code}/']").first
        for name, value in (fields or {}).items():
            field = form.locator(f"[name={name}]")
            tag = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
            if tag.startswith("select"):
                field.select_option(str(value))
            elif tag.endswith(":file"):
                field.set_input_files(value)
            elif tag.endswith(":checkbox"):
                if value:
                    field.check()
            else:
                field.fill(str(value))
        self.submit(form)
        errors = self.page.locator(".field-error, .form-errors")
        assert errors.count() == 0, f"{code}: {errors.all_inner_texts()}"

    def decision(self, case: DecisionCase, decider: str) -> None:
        """Material, reviews and the decision of a gate case, each by its own person."""
        preparer = self.current
        self.j.goto(f"/decisions/cases/{case.pk}/")
        for item in case.checklist.all():
            box = self.page.locator(f"#item-{item.pk}")
            box.locator("textarea[name=answer]").fill(f"{item.label}: 见附件 / attached.")
            with self.page.expect_response(lambda r: "/checklist/" in r.url):
                box.locator("button[type=submit]").click()
            if item.needs_attachment:
                upload = self.page.locator(f"form[action='/decisions/cases/{case.pk}/attachments/']")
                upload.locator("select[name=item]").select_option(str(item.pk))
                upload.locator("input[type=file]").set_input_files(PDF)
                self.submit(upload)
        self.submit(self.page.locator(f"form[action='/decisions/cases/{case.pk}/submit/']"))
        case.refresh_from_db()
        assert case.submitted_at is not None, self.page.content()[:2000]
        for function in case.required_reviews:
            self.as_(function)
            self.j.goto(f"/decisions/cases/{case.pk}/")
            form = self.page.locator(f"form[action='/decisions/cases/{case.pk}/opinion/']")
            form.locator("select[name=function]").select_option(function)
            form.locator("select[name=verdict]").select_option("agree")
            form.locator("textarea[name=reasons]").fill("同意 / agreed.")
            self.submit(form)
        self.as_(decider)
        self.j.goto(f"/decisions/cases/{case.pk}/")
        form = self.page.locator(f"form[action='/decisions/cases/{case.pk}/decide/']")
        form.locator("select[name=outcome]").select_option("approved")
        form.locator("textarea[name=rationale]").fill("同意 / approved.")
        self.submit(form)
        case.refresh_from_db()
        assert case.outcome == "approved", self.page.content()[:2000]
        self.j.shot(f"{case.gate}-approved")
        if preparer:
            self.as_(preparer)


def sign_contract(c: Chain, o: Opportunity) -> Contract:
    """Draft → contract review → ATC → countersign → seal → signed → archived → executing."""
    page = c.page
    c.as_("cm")
    c.j.goto("/contracts/new/")
    editor = page.locator("#contract-editor")
    editor.locator("select[name=opportunity]").select_option(str(o.pk))
    editor.locator("input[name=title]").fill("全链路合同 Chain contract")
    editor.locator("select[name=contract_manager]").select_option(str(c.people["cm"].pk))
    if editor.locator("input[name=signing_entity]").count():
        editor.locator("input[name=signing_entity]").fill("OpenLTC Shanghai Ltd.")
    page.fill("input[name='lines-0-description']", "Core router 核心路由器")
    page.fill("input[name='lines-0-quantity']", "10")
    page.fill("input[name='lines-0-unit_price']", "100000")
    page.fill("input[name='lines-0-tax_rate']", "0")
    rows = page.locator("select[name^='milestones-'][name$='-kind']")
    for _ in range(2):
        # Each click re-renders the editor with one more milestone row; wait for the swap before
        # the next click, or the second request carries the old form and the row never appears.
        before = rows.count()
        with page.expect_response(lambda r: "/contracts/new/" in r.url):
            page.click("button[name=op][value=add_milestone]")
        expect(rows).to_have_count(before + 1)
    for i, (kind, trigger) in enumerate(
        [("preliminary_acceptance", "preliminary_acceptance"), ("final_acceptance", "final_acceptance")]
    ):
        page.select_option(f"select[name='milestones-{i}-kind']", kind)
        page.fill(f"input[name='milestones-{i}-percentage']", "50")
        page.select_option(f"select[name='milestones-{i}-trigger_event']", trigger)
        page.fill(f"input[name='milestones-{i}-due_days']", "30")
    c.j.shot("contract-draft")
    with page.expect_navigation():
        page.click("button[name=op][value=save]")
    contract = Contract.objects.get(opportunity=o)
    assert contract.total_gross == Decimal("1000000.00"), page.content()[:3000]

    c.contract_action(contract, "submit")
    # The contract review: each function by its reviewer (recommendation only).
    for function, who in (
        ("legal", "legal"),
        ("finance", "finance"),
        ("delivery", "delivery"),
        ("credit", "finance"),
    ):
        c.as_(who)
        c.contract_action(
            contract, "opinion", {"function": function, "verdict": "agree", "reasons": "同意 / agreed"}
        )
    c.as_("cm")
    c.contract_action(contract, "complete_review")
    c.j.goto(f"/contracts/{contract.pk}/")
    c.submit(page.locator(f"form[action='/contracts/{contract.pk}/atc-case/']"))
    case = DecisionCase.objects.filter(gate="ATC", subject_id=str(contract.pk)).latest("created_at")
    c.decision(case, "manager")
    c.contract_action(contract, "start_countersign")
    for who in ("legal", "finance", "delivery", "cm"):
        c.as_(who)
        c.j.goto(f"/contracts/{contract.pk}/")
        for form in page.locator(f"form[action^='/contracts/{contract.pk}/countersign/']").all():
            if form.locator("button[type=submit]").is_enabled():
                c.submit(form)
                break
    c.as_("cm")
    c.contract_action(
        contract,
        "request_seal",
        {"signatory": c.people["manager"].pk, "seal_kind": "contract_seal", "copies": 2},
    )
    c.contract_action(
        contract, "record_seal", {"signed_on": timezone.localdate().isoformat(), "seal_reference": "SEAL-001"}
    )
    c.contract_action(
        contract,
        "archive",
        {"scan": PDF, "archive_number": "AR-2026-001", "original_location": "上海档案室 cabinet 3"},
    )
    c.contract_action(
        contract,
        "receipt_check",
        {
            "received_amount": "1000000.00",
            "received_currency": "CNY",
            "milestones_match": True,
            "obligations_match": True,
        },
    )
    c.contract_action(contract, "execute")
    contract.refresh_from_db()
    assert contract.status == "executing"
    c.j.shot("contract-executing")
    return contract


def change_through_atac(c: Chain, contract: Contract) -> None:
    """One change: an eleventh router, +100,000; change review and ATAC; signed and filed."""
    page = c.page
    c.as_("cm")
    c.j.goto(f"/contracts/{contract.pk}/changes/new/")
    editor = page.locator("#contract-editor")
    editor.locator("textarea[name=reason]").fill("客户追加一台设备 / the customer adds one router.")
    editor.locator("textarea[name=scope_impact]").fill("+1 core router")
    if editor.locator("[name=margin_percent]").count():
        editor.locator("[name=margin_percent]").fill("30")
    page.fill("input[name='lines-0-quantity']", "11")
    with page.expect_navigation():
        page.click("button[name=op][value=save]")
    change = contract.changes.get()
    c.j.shot("change-drafted")
    c.j.goto(f"/contracts/{contract.pk}/changes/{change.pk}/submit_change/")
    c.submit(page.locator(f"form[action='/contracts/{contract.pk}/changes/{change.pk}/submit_change/']"))
    case = DecisionCase.objects.filter(gate="ATAC").latest("created_at")
    c.decision(case, "executive")
    for code, fields in (
        ("sign_change", {"signed_on": timezone.localdate().isoformat(), "agreement_reference": "CHG-001"}),
        (
            "archive_change",
            {"scan": PDF, "archive_number": "AR-2026-002", "original_location": "上海档案室 cabinet 3"},
        ),
    ):
        c.j.goto(f"/contracts/{contract.pk}/changes/{change.pk}/{code}/")
        form = page.locator(f"form[action='/contracts/{contract.pk}/changes/{change.pk}/{code}/']").first
        for name, value in fields.items():
            field = form.locator(f"[name={name}]")
            if name == "scan":
                field.set_input_files(value)
            else:
                field.fill(value)
        c.submit(form)
    contract.refresh_from_db()
    assert contract.current_version.total_gross == Decimal("1100000.00")
    assert contract.current_version.number == 2
    c.j.shot("amended")


def fill(form: Any, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        field = form.locator(f"[name='{name}']")
        kind = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind.startswith("select"):
            if value is FIRST_CHOICE:  # the first real choice (the blank one skipped)
                choices = [v for v in field.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
                field.select_option(choices[0])
            else:
                field.select_option(str(value))
        elif kind.endswith(":file"):
            field.set_input_files(value)
        elif kind.endswith(":checkbox"):
            field.check()
        else:
            field.fill(str(value))


def post_form(c: Chain, path: str, fields: dict[str, Any], action: str | None = None) -> None:
    """Opens a page, fills its form and submits it; a form error fails the step with its text."""
    c.j.goto(path)
    form = c.page.locator(f"form[action='{action or path}']").first
    if not form.count():  # a page whose only form posts back to itself
        form = c.page.locator("main form[method=post]").first
    fill(form, fields)
    c.submit(form)
    errors = c.page.locator(".field-error, .form-errors, .messages .error")
    assert errors.count() == 0, f"{path}: {errors.all_inner_texts()}"


def deliver_and_collect(c: Chain, contract: Contract) -> None:
    """Delivery project with two accepted milestones; two invoices; two receipts, one partial."""
    from openltc.cash.models import Invoice, Receipt
    from openltc.delivery.models import DeliveryProject, PlanItem

    today = timezone.localdate().isoformat()
    plan = list(contract.receivable_plan.order_by("milestone__position"))
    assert [p.planned_amount for p in plan] == [Decimal("550000.00"), Decimal("550000.00")]

    # The delivery manager sets the project up from the contract page, with the FR in charge.
    c.as_("delivery")
    c.j.goto(f"/contracts/{contract.pk}/")
    panel = c.page.locator("form[action='/delivery/new/']")
    fill(panel, {"fr": c.people["fr"].pk, "planned_start": today, "planned_finish": today})
    c.submit(panel)
    project = DeliveryProject.objects.get(contract=contract)
    assert project.fr == c.people["fr"]
    for i, line in enumerate(plan):
        post_form(
            c,
            f"/delivery/{project.pk}/item/",
            {
                "kind": "milestone",
                "name": ["初验 Preliminary acceptance", "终验 Final acceptance"][i],
                "owner": c.people["fr"].pk,
                "planned_start": today,
                "planned_finish": today,
                "plan_line": line.pk,
            },
        )
    post_form(c, f"/delivery/{project.pk}/start/", {})
    milestones = list(PlanItem.objects.filter(project=project, kind="milestone").order_by("name"))
    c.j.shot("delivery-plan")

    def accept(item: Any, certificate: str) -> None:
        c.as_("delivery")
        post_form(
            c,
            f"/delivery/{project.pk}/accept/{item.pk}/",
            {"accepted_on": today, "certificate_reference": certificate, "evidence": PDF},
        )

    def invoice(line: Any) -> Any:
        c.as_("finance")
        c.j.goto(f"/cash/contracts/{contract.pk}/invoice/")
        form = c.page.locator("form.cash-form")
        form.locator(f"input[name='line-{line.pk}']").check()
        fill(form, {"issuing_entity": FIRST_CHOICE, "issue_date": today})
        c.submit(form)
        return Invoice.objects.filter(contract=contract).latest("created_at")

    def receive(amount: str, allocations: dict[Any, str]) -> None:
        c.as_("finance")
        post_form(
            c,
            "/cash/receipts/new/",
            {"customer": contract.customer_id, "received_on": today, "amount": amount, "payer": "客户财务部"},
        )
        receipt = Receipt.objects.latest("created_at")
        c.j.goto(f"/cash/receipts/{receipt.pk}/")
        form = c.page.locator(f"form[action='/cash/receipts/{receipt.pk}/allocate/']")
        for inv, value in allocations.items():
            form.locator(f"input[name='alloc-{inv.pk}']").fill(value)
        c.submit(form)
        c.j.shot(f"receipt-{amount}")

    accept(milestones[0], "CERT-001")
    first = invoice(plan[0])
    assert first.gross_amount == Decimal("550000.00")
    receive("200000.00", {first: "200000.00"})  # a partial payment
    accept(milestones[1], "CERT-002")
    second = invoice(plan[1])
    receive("900000.00", {first: "350000.00", second: "550000.00"})

    # Final accounts and the project summary close the delivery project.
    c.as_("delivery")
    post_form(
        c,
        f"/delivery/{project.pk}/cost/",
        {"stage": "final", "category": "equipment", "amount": "700000.00", "entry_date": today},
    )
    post_form(
        c,
        f"/delivery/{project.pk}/close/",
        {
            "summary": "按期交付，两次验收 / delivered on time, two acceptances.",
            "lessons_learned": "提前备货",
        },
    )
    project.refresh_from_db()
    assert project.status == "closed"


def close_through_atcc(c: Chain, contract: Contract) -> None:
    c.as_("cm")
    c.j.goto(f"/contracts/{contract.pk}/")
    c.j.shot("closure-conditions")
    c.submit(c.page.locator(f"form[action='/contracts/{contract.pk}/atcc-case/']"))
    case = DecisionCase.objects.filter(gate="ATCC", subject_id=str(contract.pk)).latest("created_at")
    c.decision(case, "manager")
    c.contract_action(contract, "close")
    contract.refresh_from_db()
    assert contract.status == "closed"
    c.j.shot("closed")


def dashboard_reflects_the_chain(c: Chain, o: Opportunity, contract: Contract) -> None:
    """The executive opens the executive dashboard: the funnel's won, contracted, invoiced and
    collected steps include the journey's deal with its amounts, and the won KPI counts it."""
    from django.template.defaultfilters import floatformat
    from django.utils import translation

    o.refresh_from_db()
    contract.refresh_from_db()
    with translation.override(c.lang):
        won = floatformat(o.amount, "2g")
        total = floatformat(contract.total_gross, "2g")
        won_kpi = floatformat(o.amount, "0g")
    c.as_("executive")
    c.j.goto("/analytics/")
    table = c.page.locator("#funnel-table")
    expect(table).to_be_visible()

    def step(segment: str) -> Any:
        return table.locator("tbody tr").filter(has=c.page.locator(f"a[href*='segment={segment}']"))

    for segment, amount in (
        ("reached%3Awon", won),
        ("signed", total),
        ("invoiced", total),
        ("collected", total),
    ):
        row = step(segment)
        expect(row).to_have_count(1)
        expect(row.locator("td").nth(1)).to_have_text("1")
        expect(row.locator("td").nth(2)).to_have_text(amount)
    expect(c.page.locator("[data-kpi=won_amount]")).to_have_text(won_kpi)
    c.j.shot("executive-dashboard")


@pytest.mark.parametrize(("lang", "locale"), [("en", "en-US"), ("zh-hans", "zh-CN")])
def test_won_opportunity_to_cash_and_closure(
    journey: Any, people: dict[str, Any], lang: str, locale: str
) -> None:
    o = won_opportunity(people)
    j = journey(locale=locale)
    c = Chain(j, people, lang)
    contract = sign_contract(c, o)
    assert contract.current_version.status in ("archived", "signed")
    change_through_atac(c, contract)
    deliver_and_collect(c, contract)
    close_through_atcc(c, contract)
    dashboard_reflects_the_chain(c, o, contract)
    assert j.page.locator("html").get_attribute("lang") == lang
    # Every figure reconciles: total = billable = billed = collected; nothing receivable.
    from openltc.cash.selectors import contract_summary

    summary = contract_summary(contract)
    assert (summary.total, summary.billable, summary.billed, summary.collected) == (
        Decimal("1100000.00"),
    ) * 4
    assert (summary.receivable, summary.overdue, summary.unbilled) == (Decimal("0.00"),) * 3
    assert summary.invoices == 2
    assert j.console_errors == []
