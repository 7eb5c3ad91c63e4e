"""Issue 4's done-when in the browser: a C-grade opportunity (in English) and an A-grade one (in
Chinese) go from lead conversion through ATI, guidance, bid review, ATB, negotiation, contract
review and ATC to won, each step done by the person whose job it is, logged in as themselves.

Refusals are exercised on the way: advancing without the gate decision shows the reason, the
submitter cannot decide their own case, an office SDT member cannot decide an A-grade case
routed to the company level.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from conftest import make_user
from openltc.customers.models import Customer
from openltc.decisions.models import DecisionCase
from openltc.leads.tests.factories import qualified_lead
from openltc.opportunities.choices import Stage
from openltc.opportunities.models import Opportunity
from openltc.org.roles import Role

# Transactional: the root conftest reloads the migration-loaded configuration after a flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GATE_TARGET = {"ATI": Stage.INITIATED, "ATB": Stage.NEGOTIATING, "ATC": Stage.WON}


@pytest.fixture
def people(org: Any, rep: Any, teammate: Any, manager: Any, region_vp: Any, executive: Any) -> dict[str, Any]:
    finance = make_user("fin.sh", (Role.FINANCE, org.sh, None), home=org.sh)
    delivery = make_user("delivery.sh", (Role.DELIVERY_MANAGER, org.sh, None), home=org.sh)
    return {
        "rep": rep,
        "teammate": teammate,
        "fr": make_user("fr.sh", (Role.FULFILMENT, org.sh_team, None), home=org.sh_team),
        "finance": finance,
        "legal": make_user("legal.sh", (Role.LEGAL, org.sh, None), home=org.sh),
        "delivery": delivery,
        # The A grade's review depth adds the credit and supply-chain reviews at ATB and ATC.
        "credit": finance,
        "supply_chain": delivery,
        "manager": manager,
        "region_vp": region_vp,
        "executive": executive,
    }


class Walk:
    """The steps of the journey, with language-independent selectors."""

    def __init__(self, j: Any, people: dict[str, Any], lang: str) -> None:
        self.j = j
        self.page = j.page
        self.people = people
        self.lang = lang
        self.current: str | None = None

    def shot(self, label: str) -> None:
        self.j.shot(label)

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

    def opportunity_page(self, o: Opportunity) -> None:
        self.j.goto(f"/opportunities/{o.pk}/")

    def add_to_team(self, o: Opportunity, who: str, role: str) -> None:
        self.opportunity_page(o)
        form = self.page.locator(f"form[action='/opportunities/{o.pk}/team/']")
        form.locator("select[name=user]").select_option(str(self.people[who].pk))
        form.locator("select[name=role]").select_option(role)
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()

    def advance(self, o: Opportunity, stage: str) -> None:
        self.opportunity_page(o)
        button = self.page.locator(
            f"form[action='/opportunities/{o.pk}/advance/']:has(input[name=to_stage][value={stage}]) button"
        )
        with self.page.expect_navigation():
            button.click()
        assert Opportunity.objects.get(pk=o.pk).stage == stage, self.page.content()[:3000]

    def refused_advance_reason(self, o: Opportunity) -> str:
        self.opportunity_page(o)
        return self.page.locator(".opp-actions button[disabled] + small.help").first.inner_text()

    def request_gate(self, o: Opportunity, gate: str) -> DecisionCase:
        self.opportunity_page(o)
        form = self.page.locator(f"form[action='/decisions/cases/open/']:has(input[name=gate][value={gate}])")
        with self.page.expect_navigation():
            form.locator("button").click()
        case = DecisionCase.objects.filter(gate=gate, subject_id=str(o.pk)).latest("created_at")
        # The checklist: every answer typed into its HTMX form (the actions card follows out of
        # band), every attachment uploaded.
        for item in case.checklist.all():
            box = self.page.locator(f"#item-{item.pk}")
            box.locator("textarea[name=answer]").fill(f"{item.label}: see the analysis (分析见附件).")
            with self.page.expect_response(lambda r: "/checklist/" in r.url):
                box.locator("button[type=submit]").click()
            if item.needs_attachment:
                upload = self.page.locator(f"form[action='/decisions/cases/{case.pk}/attachments/']")
                upload.locator("select[name=item]").select_option(str(item.pk))
                upload.locator("input[type=file]").set_input_files(
                    {"name": "material.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%journey\n"}
                )
                with self.page.expect_navigation():
                    upload.locator("button[type=submit]").click()
        self.shot(f"{gate}-material")
        with self.page.expect_navigation():
            self.page.locator(f"form[action='/decisions/cases/{case.pk}/submit/'] button").click()
        case.refresh_from_db()
        assert case.submitted_at is not None, self.page.content()[:3000]
        return case

    def give_opinion(self, case: DecisionCase, who: str, function: str) -> None:
        self.as_(who)
        self.j.goto(f"/decisions/cases/{case.pk}/")
        form = self.page.locator(f"form[action='/decisions/cases/{case.pk}/opinion/']")
        form.locator("select[name=function]").select_option(function)
        form.locator("select[name=verdict]").select_option("agree")
        form.locator("textarea[name=reasons]").fill("风险可控 / risks are under control.")
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert case.opinions.filter(reviewer=self.people[who], function=function).exists(), (
            self.page.content()[:3000]
        )

    def decide(self, case: DecisionCase, who: str) -> None:
        self.as_(who)
        self.j.goto(f"/decisions/cases/{case.pk}/")
        form = self.page.locator(f"form[action='/decisions/cases/{case.pk}/decide/']")
        form.locator("select[name=outcome]").select_option("approved")
        form.locator("textarea[name=rationale]").fill("符合战略，同意 / fits the strategy; approved.")
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()
        case.refresh_from_db()
        assert case.outcome == "approved", self.page.content()[:3000]
        self.shot(f"{case.gate}-decided")

    def cannot_decide(self, case: DecisionCase, who: str) -> str:
        """No decision form; an SDT member below the routed level sees the reason."""
        self.as_(who)
        self.j.goto(f"/decisions/cases/{case.pk}/")
        assert self.page.locator(f"form[action='/decisions/cases/{case.pk}/decide/']").count() == 0
        why = self.page.locator("#why-decide")
        return why.inner_text() if why.count() else ""

    def gate(
        self, o: Opportunity, gate: str, decider: str, *, reviewers: bool, too_low: str | None = None
    ) -> None:
        self.as_("rep")
        case = self.request_gate(o, gate)
        self.cannot_decide(case, "rep")  # the submitter has no way to decide their own case
        if reviewers:
            for function in case.required_reviews:
                self.give_opinion(case, function, function)
        if too_low:
            reason = self.cannot_decide(case, too_low)
            assert reason, "an SDT member below the routed level must see why they cannot decide"
            self.shot(f"{gate}-level-too-low")
        self.decide(case, decider)


def run_journey(
    j: Any,
    people: dict[str, Any],
    *,
    lang: str,
    grade: str,
    amount: str,
    decider: str,
    too_low: str | None = None,
) -> Opportunity:
    w = Walk(j, people, lang)
    rep = people["rep"]
    lead = qualified_lead(
        owner=rep, title=f"{grade}-grade journey 旅程", company_name=f"Journey Customer {grade}"
    )

    # The rep converts the qualified lead from its page.
    w.as_("rep")
    j.goto(f"/leads/{lead.pk}/")
    form = w.page.locator(f"form[action='/leads/{lead.pk}/convert/']")
    form.locator("input[name=amount]").fill(amount)
    with w.page.expect_response(lambda r: r.url.endswith("/convert/")):
        form.locator("button[type=submit]").click()
    o = Opportunity.objects.get(origin_lead=lead)
    assert o.amount == Decimal(amount)
    # Grading has its own page and tests; here the grade only drives the routing.
    Opportunity.objects.filter(pk=o.pk).update(grade=grade)
    Customer.objects.filter(pk=o.customer_id).update(org_unit=o.org_unit)
    w.shot("converted")

    # The AR staffs the iron triangle; before that, ATI cannot even be passed.
    w.add_to_team(o, "teammate", "sr")
    w.add_to_team(o, "fr", "fr")
    if grade == "A":  # the A grade requires its extended team before ATI (grade settings)
        w.add_to_team(o, "executive", "project_executive")
        w.add_to_team(o, "rep", "project_leader")
        w.add_to_team(o, "finance", "project_finance")
    w.shot("iron-triangle")
    assert w.refused_advance_reason(o), "advancing without ATI must show the reason"

    w.gate(o, "ATI", decider, reviewers=False, too_low=too_low)
    w.as_("rep")
    w.advance(o, Stage.INITIATED)
    w.advance(o, Stage.GUIDING)
    w.advance(o, Stage.BIDDING)
    w.shot("bidding")

    w.gate(o, "ATB", decider, reviewers=True)
    w.as_("rep")
    w.advance(o, Stage.NEGOTIATING)

    w.gate(o, "ATC", decider, reviewers=True)
    w.as_("rep")
    w.advance(o, Stage.WON)
    w.shot("won")
    assert j.console_errors == []
    o.refresh_from_db()
    return o


def test_c_grade_opportunity_from_conversion_to_won_in_english(journey: Any, people: dict[str, Any]) -> None:
    j = journey()
    o = run_journey(j, people, lang="en", grade="C", amount="3000000", decider="manager")
    assert o.stage == Stage.WON
    deciders = {
        c.gate: c.decisions.get().decided_by.username
        for c in DecisionCase.objects.filter(subject_id=str(o.pk))
    }
    assert deciders == {"ATI": "manager", "ATB": "manager", "ATC": "manager"}


def test_a_grade_opportunity_goes_to_the_company_sdt_in_chinese(journey: Any, people: dict[str, Any]) -> None:
    j = journey(locale="zh-CN")
    # The office SDT member (manager) is shown why they may not decide the A-grade ATI case.
    o = run_journey(
        j, people, lang="zh-hans", grade="A", amount="80000000", decider="executive", too_low="manager"
    )
    assert o.stage == Stage.WON
    cases = DecisionCase.objects.filter(subject_id=str(o.pk))
    assert {c.routed_level for c in cases} == {3}
    assert {c.decisions.get().decided_by.username for c in cases} == {"executive"}
    # The pages were in Chinese.
    assert "赢单" in j.page.content()
