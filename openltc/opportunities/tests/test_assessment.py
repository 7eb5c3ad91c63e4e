"""Grading (A/B/C) with its explanation and override, the grade's required team roles before ATI,
margin and payment risk in the delegation matrix, the evaluation (ten criteria), the success
estimate, the payment ability and the portfolio — through services, pages and the API alike.

The default factors, thresholds and criteria come from the data migration (these tests run in
transactions, so the migration rows are present)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from conftest import make_user
from openltc.core.audit import AuditEvent
from openltc.core.errors import DomainError, Forbidden, TransitionRefused
from openltc.opportunities import assessment, services
from openltc.opportunities.choices import Stage, TeamRole
from openltc.opportunities.models import EvaluationScore, Opportunity
from openltc.opportunities.tests.factories import make_opportunity
from openltc.org.roles import Role

pytestmark = pytest.mark.django_db
BASE = "/api/v1/opportunities"


def post(client: Any, url: str, data: Any) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


def put(client: Any, url: str, data: Any) -> Any:
    return client.put(url, data=json.dumps(data), content_type="application/json")


def events(o: Opportunity, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject_id=str(o.pk), action=action))


@pytest.fixture
def fr(org: Any) -> Any:
    return make_user("fr", (Role.FULFILMENT, org.sh_team, None), home=org.sh_team)


# --- pure scoring -------------------------------------------------------------------------------


def test_numeric_bands_take_the_highest_lower_bound_and_codes_match():
    value = assessment.Factor(
        "value",
        Decimal(30),
        (assessment.Band("", Decimal(0), 20), assessment.Band("", Decimal(5_000_000), 50)),
    )
    tier = assessment.Factor("customer_tier", Decimal(15), (assessment.Band("vip", None, 100),))
    assert assessment.band_for(value, Decimal(6_000_000)).points == 50
    assert assessment.band_for(value, Decimal(100)).points == 20
    assert assessment.band_for(value, None) is None
    assert assessment.band_for(tier, "vip").points == 100
    assert assessment.band_for(tier, "small") is None


def test_score_is_the_weighted_mean_of_the_known_factors_and_a_floor_raises_the_grade():
    factors = [
        assessment.Factor("value", Decimal(30), (assessment.Band("", Decimal(0), 20),)),
        assessment.Factor(
            "strategic", Decimal(10), (assessment.Band("yes", None, 100, "A"), assessment.Band("no", None, 0))
        ),
        assessment.Factor("competition", Decimal(10), (assessment.Band("high", None, 90),)),
    ]
    result = assessment.score(
        factors, {"value": assessment.Input(Decimal(1), "1"), "strategic": assessment.Input("yes", "yes")}
    )
    assert result.score == Decimal("40.00")  # (30×20 + 10×100) / 40; competition unknown
    assert [f.known for f in result.factors] == [True, True, False]
    thresholds = [
        assessment.Threshold("A", Decimal(65)),
        assessment.Threshold("B", Decimal(40)),
        assessment.Threshold("C", Decimal(0)),
    ]
    grade, lines = assessment.grade_for(result, thresholds)
    assert grade == "A"
    assert lines[0] == "Score 40.00 reaches the threshold 40 of grade B."
    assert lines[1] == "“Strategic customer” (yes) makes it at least grade A."
    assert lines[2] == "Not counted (input not known): Competitive intensity."
    assert assessment.grade_for(assessment.Result(None, ()), thresholds)[0] == ""


def test_attractiveness_scales_the_weighted_scores_to_100():
    class C:
        def __init__(self, pk: int, weight: int) -> None:
            self.pk, self.code, self.name, self.group, self.guidance, self.weight = (
                pk,
                f"c{pk}",
                "n",
                "ours",
                "",
                weight,
            )

    result = assessment.attractiveness([C(1, 10), C(2, 30), C(3, 10)], {1: (5, ""), 2: (3, "x")})
    assert result.score == Decimal("70.00")  # (10×5 + 30×3) / (5 × 40) × 100
    assert result.scored == 2


# --- grading service ----------------------------------------------------------------------------


def test_grading_computes_c_for_a_small_deal_with_its_explanation_and_audit(rep):
    o = make_opportunity(rep)
    o = services.opportunity_grade(actor=rep, opportunity=o)
    assert (o.grade, o.grade_computed) == ("C", "C")
    explanation = o.grade_explanation
    assert explanation["grade"] == "C"
    value = next(f for f in explanation["factors"] if f["code"] == "value")
    assert value["input"] == "1,000,000.00 CNY"
    assert value["points"] == 20
    assert any(line.startswith("Not counted (input not known):") for line in explanation["lines"])
    assert events(o, "opportunity.graded")[0].after["grade"] == "C"


def test_a_strategic_customer_makes_the_grade_at_least_a(rep):
    o = make_opportunity(rep)
    o.customer.is_strategic = True
    o.customer.save()
    o = services.opportunity_grade(actor=rep, opportunity=o)
    assert o.grade == "A"
    assert "“Strategic customer” (yes) makes it at least grade A." in o.grade_explanation["lines"]


def test_changing_a_grading_input_regrades_and_feeds_the_decision_attributes(rep):
    o = services.opportunity_grade(actor=rep, opportunity=make_opportunity(rep))
    o = services.opportunity_update(
        actor=rep,
        opportunity=o,
        data={
            "amount": Decimal("80000000"),
            "margin_pct": Decimal("8"),
            "payment_risk": "high",
            "competition": "high",
            "complexity": "high",
        },
        expected_version=o.lock_version,
    )
    assert o.grade == "A"  # 80M, low margin, high risk, hard competition and delivery
    attrs = o.decision_attributes()
    assert (attrs.margin_pct, attrs.payment_risk, attrs.grade) == (Decimal("8"), "high", "A")


def test_margin_and_payment_risk_route_the_atc_decision(rep):
    from openltc.decisions.routing import route
    from openltc.org.roles import DecisionLevel

    o = make_opportunity(rep, amount=Decimal("8000000"))
    Opportunity.objects.filter(pk=o.pk).update(grade="B", margin_pct=Decimal("30"), payment_risk="low")
    o.refresh_from_db()
    assert route("ATC", o.decision_attributes()).level == DecisionLevel.OFFICE  # ≤10M, ≥25 %, low risk
    Opportunity.objects.filter(pk=o.pk).update(margin_pct=Decimal("10"))
    o.refresh_from_db()
    assert route("ATC", o.decision_attributes()).level == DecisionLevel.REGION


def test_override_is_for_managers_with_a_reason_and_is_audited(rep, manager):
    o = services.opportunity_grade(actor=rep, opportunity=make_opportunity(rep))
    with pytest.raises(
        Forbidden, match="Only a manager of the opportunity's org unit may override its grade."
    ):
        services.opportunity_grade_override(actor=rep, opportunity=o, grade="A", reason="flagship")
    with pytest.raises(DomainError, match="Give the reason for overriding the grade."):
        services.opportunity_grade_override(actor=manager, opportunity=o, grade="A", reason=" ")
    assert Opportunity.objects.get(pk=o.pk).grade == "C"
    o = services.opportunity_grade_override(actor=manager, opportunity=o, grade="A", reason="Flagship 样板点")
    assert (o.grade, o.grade_computed, o.grade_overridden_by) == ("A", "C", manager)
    event = events(o, "opportunity.grade_overridden")[0]
    assert (event.before["grade"], event.after["grade"], event.message) == ("C", "A", "Flagship 样板点")
    # Recomputing keeps the override; clearing it returns to the computed grade.
    assert services.opportunity_grade(actor=rep, opportunity=o).grade == "A"
    o = services.opportunity_grade_override(actor=manager, opportunity=o, grade="", reason="")
    assert (o.grade, o.grade_override_reason) == ("C", "")


def test_override_page_and_api_give_the_same_refusal(client, api_client_for, rep, manager):
    o = services.opportunity_grade(actor=rep, opportunity=make_opportunity(rep))
    response = post(api_client_for(rep), f"{BASE}/{o.pk}/grade/override", {"grade": "A", "reason": "x"})
    assert response.status_code == 403
    assert (
        response.json()["message"] == "Only a manager of the opportunity's org unit may override its grade."
    )
    client.force_login(rep)
    page = client.post(reverse("opportunities:grade_override", args=[o.pk]), {"grade": "A", "reason": "x"})
    assert (
        "Only a manager of the opportunity&#x27;s org unit may override its grade." in page.content.decode()
    )
    client.force_login(manager)
    client.post(reverse("opportunities:grade_override", args=[o.pk]), {"grade": "B", "reason": "Reference"})
    assert Opportunity.objects.get(pk=o.pk).grade == "B"


# --- the grade's team before ATI ------------------------------------------------------------------


def test_the_grade_and_its_required_roles_are_checked_before_ati(
    rep, teammate, fr, region_vp, api_client_for
):
    from openltc.opportunities.tests.test_gates import decide, with_triangle

    o = with_triangle(make_opportunity(rep), rep, teammate, fr)
    Opportunity.objects.filter(pk=o.pk).update(grade="B")
    o.refresh_from_db()
    decide(rep, region_vp, o, "ATI")  # B-grade: the region decides
    with pytest.raises(
        TransitionRefused, match=r"Grade B needs these roles on the team first: Project leader"
    ):
        services.opportunity_advance(actor=rep, opportunity=o, to_stage=Stage.INITIATED)
    response = post(api_client_for(rep), f"{BASE}/{o.pk}/advance", {"to_stage": "initiated"})
    assert response.status_code == 409
    assert response.json()["message"].startswith(
        "Grade B needs these roles on the team first: Project leader"
    )
    services.team_member_add(actor=rep, opportunity=o, user=rep, role=TeamRole.PROJECT_LEADER)
    assert (
        services.opportunity_advance(actor=rep, opportunity=o, to_stage=Stage.INITIATED).stage == "initiated"
    )


def test_an_ungraded_opportunity_cannot_pass_ati():
    from openltc.opportunities import workflow

    o = Opportunity(stage=Stage.VALIDATING, grade=None)
    facts = workflow.Facts(team_roles=frozenset({"ar", "sr", "fr"}), approved_gates=frozenset({"ATI"}))
    assert workflow.blocking_reasons(o, Stage.INITIATED, facts) == [
        "Grade the opportunity (A/B/C) before ATI."
    ]


def test_grade_review_depth_is_offered_to_the_decision_engine(rep):
    o = make_opportunity(rep)
    assert o.decision_review_functions("ATB") is None
    Opportunity.objects.filter(pk=o.pk).update(grade="A")
    o.refresh_from_db()
    assert o.decision_review_functions("ATB") == ["finance", "legal", "delivery", "supply_chain", "credit"]
    assert o.decision_review_functions("ATCC") is None


# --- evaluation, success probability, payment ability -----------------------------------------------


def test_evaluation_scores_give_the_attractiveness_and_bad_input_changes_nothing(rep):
    o = make_opportunity(rep)
    services.evaluation_save(actor=rep, opportunity=o, scores={"budget": (5, "approved"), "risk": (3, "")})
    result = assessment.compute_attractiveness(o)
    assert result.score == Decimal("80.00")
    assert result.scored == 2
    with pytest.raises(DomainError, match="Check the scores."):
        services.evaluation_save(actor=rep, opportunity=o, scores={"budget": (1, ""), "urgency": (9, "")})
    with pytest.raises(DomainError):
        services.evaluation_save(actor=rep, opportunity=o, scores={"nope": (3, "")})
    assert EvaluationScore.objects.get(opportunity=o, criterion__code="budget").score == 5
    services.evaluation_save(actor=rep, opportunity=o, scores={"budget": (None, "")})
    assert not EvaluationScore.objects.filter(opportunity=o, criterion__code="budget").exists()
    assert len(events(o, "opportunity.evaluated")) == 2


def test_success_estimate_reads_the_buying_organisation_and_the_deal_inputs(rep):
    from openltc.customers.models import Contact

    o = make_opportunity(rep)
    Contact.objects.create(customer=o.customer, name="Wang CEO", buying_roles=["economic"], stance=2)
    Contact.objects.create(customer=o.customer, name="Li CTO", buying_roles=["technical"], stance=-1)
    Contact.objects.create(customer=o.customer, name="Zhao", is_coach=True)
    Opportunity.objects.filter(pk=o.pk).update(solution_preference="ours", price_position="higher")
    o.refresh_from_db()
    result, coverage = assessment.compute_success(o)
    assert coverage.percent == Decimal("33.33")
    assert coverage.covered == {"Economic decision maker": ["Wang CEO"]}
    assert coverage.coaches == ["Zhao"]
    # coverage 35 pts × 35, coach 100 × 15, ours 100 × 20, higher 20 × 15; status unknown
    assert result.score == Decimal("59.12")
    assert [f.code for f in result.factors if not f.known] == ["competitor_status"]


def test_payment_ability_reads_credit_rating_limit_and_country_risk(rep):
    from openltc.customers.models import CreditRating
    from openltc.org.models import Country

    o = make_opportunity(rep)
    customer = o.customer
    customer.credit_rating = CreditRating.objects.get(code="AA")
    customer.credit_limit = Decimal("2000000")
    customer.credit_currency = "CNY"
    customer.country = Country.objects.create(code="ZZ", name="Testland", risk_level=3)
    customer.save()
    result = assessment.compute_payment_ability(o)
    # AA 90 × 40, 200 % of the amount 100 × 20, risk 3 → 55 × 20; no payment history yet
    assert result.score == Decimal("83.75")
    history = next(f for f in result.factors if f.code == "payment_history")
    assert (history.known, history.input) == (False, "no payment history recorded yet")


def test_evaluation_page_and_api_save_the_same_scores(client, api_client_for, rep, other_rep):
    o = make_opportunity(rep)
    client.force_login(rep)
    url = reverse("opportunities:evaluation", args=[o.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "客户的应用或项目" in page.content.decode()
    response = client.post(url, {"score_budget": "4", "note_budget": "approved", "score_urgency": "9"})
    assert response.status_code == 200  # 9 is not a choice: the form shows the error, nothing saved
    assert not EvaluationScore.objects.filter(opportunity=o).exists()
    assert client.post(url, {"score_budget": "4", "note_budget": "approved"}).status_code == 302
    body = api_client_for(rep).get(f"{BASE}/{o.pk}/assessment").json()
    assert body["attractiveness"]["score"] == "80.00"
    response = put(
        api_client_for(rep), f"{BASE}/{o.pk}/evaluation", {"scores": [{"criterion": "urgency", "score": 2}]}
    )
    assert response.status_code == 200
    assert response.json()["attractiveness"]["score"] == "60.00"
    bad = put(
        api_client_for(rep), f"{BASE}/{o.pk}/evaluation", {"scores": [{"criterion": "urgency", "score": 7}]}
    )
    assert bad.status_code == 422
    assert bad.json()["message"] == "Check the scores."
    assert client.get(url).status_code == 200
    client.force_login(other_rep)
    assert client.get(url).status_code == 404
    assert put(api_client_for(other_rep), f"{BASE}/{o.pk}/evaluation", {"scores": []}).status_code == 404


def test_portfolio_page_and_api_plot_the_scored_opportunities(client, api_client_for, rep):
    o = make_opportunity(rep)
    make_opportunity(rep, title="Unscored")
    services.evaluation_save(actor=rep, opportunity=o, scores={"budget": (5, "")})
    Opportunity.objects.filter(pk=o.pk).update(solution_preference="ours")
    client.force_login(rep)
    page = client.get(reverse("opportunities:portfolio"))
    assert page.status_code == 200
    data = page.context["chart"]["points"]
    assert [p["name"] for p in data] == [f"{o.number} Core network upgrade"]
    assert data[0]["url"] == reverse("opportunities:detail", args=[o.pk])
    api = api_client_for(rep).get(f"{BASE}/portfolio").json()
    assert {p["number"]: p["attractiveness"] for p in api}[o.number] == "100.00"


# --- initiation: charter and appointment ---------------------------------------------------------------


def test_charter_and_team_appointment_with_letter(client, api_client_for, rep, teammate, fr, org):
    o = make_opportunity(rep)
    with pytest.raises(DomainError, match=r"Grade the opportunity \(A/B/C\) before ATI."):
        services.team_appoint(actor=rep, opportunity=o)
    services.charter_save(
        actor=rep,
        opportunity=o,
        data={"project_type": "strategic", "goals": "Win", "lead_department": org.sh},
    )
    with pytest.raises(DomainError, match="Choose a valid project type."):
        services.charter_save(actor=rep, opportunity=o, data={"project_type": "bogus", "goals": "changed"})
    assert o.charter.goals == "Win"
    o = services.opportunity_grade(actor=rep, opportunity=o)
    with pytest.raises(DomainError, match="The iron triangle must be on the team first"):
        services.team_appoint(actor=rep, opportunity=o)
    services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.SR)
    services.team_member_add(actor=rep, opportunity=o, user=fr, role=TeamRole.FR)
    appointment = services.team_appoint(actor=rep, opportunity=o, note="Effective today")
    assert appointment.number.startswith("APT-")
    assert len(appointment.members) == 3
    assert events(o, "opportunity.team_appointed")[0].after["number"] == appointment.number
    client.force_login(rep)
    letter = client.get(reverse("opportunities:appointment", args=[appointment.pk]))
    assert letter.status_code == 200
    assert appointment.number in letter.content.decode()
    pdf = client.get(reverse("opportunities:appointment_pdf", args=[appointment.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    charter = api_client_for(rep).get(f"{BASE}/{o.pk}/charter").json()
    assert (charter["project_type"], charter["goals"], charter["lead_department_id"]) == (
        "strategic",
        "Win",
        org.sh.pk,
    )
    response = put(api_client_for(rep), f"{BASE}/{o.pk}/charter", {"project_type": "bogus"})
    assert response.status_code == 422
    assert response.json()["message"] == "Choose a valid project type."
    created = post(api_client_for(rep), f"{BASE}/{o.pk}/appointments", {"note": ""})
    assert created.status_code == 201
    assert len(api_client_for(rep).get(f"{BASE}/{o.pk}/appointments").json()) == 2


def test_other_region_cannot_see_the_appointment(client, rep, other_rep, teammate, fr):
    o = services.opportunity_grade(actor=rep, opportunity=make_opportunity(rep))
    services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.SR)
    services.team_member_add(actor=rep, opportunity=o, user=fr, role=TeamRole.FR)
    appointment = services.team_appoint(actor=rep, opportunity=o)
    client.force_login(other_rep)
    assert client.get(reverse("opportunities:appointment", args=[appointment.pk])).status_code == 404
    assert client.get(reverse("opportunities:appointment_pdf", args=[appointment.pk])).status_code == 404


# --- the page and the board ---------------------------------------------------------------------------


def test_detail_page_shows_the_grade_explanation_and_the_buying_organisation(client, rep):
    from openltc.customers.models import Contact

    o = services.opportunity_grade(actor=rep, opportunity=make_opportunity(rep))
    Contact.objects.create(customer=o.customer, name="Wang CEO", buying_roles=["economic"], stance=2)
    client.force_login(rep)
    html = client.get(reverse("opportunities:detail", args=[o.pk])).content.decode()
    assert "Grading score" in html
    assert "Contract value (reporting currency)" in html
    assert 'data-org-map="opp-org-map-data"' in html
    assert "Wang CEO" in html
    assert reverse("opportunities:grade_override", args=[o.pk]) not in html  # the rep may not override


def test_board_drag_posts_answer_json_with_the_refusal_reason(client, rep):
    o = make_opportunity(rep)
    client.force_login(rep)
    board = client.get(reverse("opportunities:board")).content.decode()
    assert 'draggable="true"' in board
    assert 'name="next" value="board"' in board
    url = reverse("opportunities:advance", args=[o.pk])
    response = client.post(url, {"to_stage": "initiated"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    assert response.json()["message"] == "This step needs an approved ATI decision."
    response = client.post(url, {"to_stage": "won"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    assert "cannot move" in response.json()["message"]
    # The button fallback returns to the board with the reason as a message.
    response = client.post(url, {"to_stage": "initiated", "next": "board"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("opportunities:board")
    assert f"{o.number}: This step needs an approved ATI decision." in response.content.decode()
    assert Opportunity.objects.get(pk=o.pk).stage == Stage.VALIDATING
