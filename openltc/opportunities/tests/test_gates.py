"""No path moves an opportunity past a gate without an approved decision by an authorised decider
at the level the delegation matrix requires; conditions of an earlier approval block the next gate;
the iron triangle must be on the team before ATI."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from openltc.core.errors import TransitionRefused
from openltc.decisions import services as decisions
from openltc.decisions.tests.factories import fill_checklist
from openltc.opportunities import services
from openltc.opportunities.choices import Stage, TeamRole
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.factories import make_opportunity
from openltc.org.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def fr(org: Any) -> Any:
    return make_user("fr", (Role.FULFILMENT, org.sh_team, None), home=org.sh_team)


@pytest.fixture
def reviewers(org: Any) -> dict[str, Any]:
    return {
        "finance": make_user("fin.sh", (Role.FINANCE, org.sh, None), home=org.sh),
        "legal": make_user("legal.sh", (Role.LEGAL, org.sh, None), home=org.sh),
        "delivery": make_user("delivery.sh", (Role.DELIVERY_MANAGER, org.sh, None), home=org.sh),
    }


def graded(rep: Any, grade: str = "C", **kw: Any) -> Opportunity:
    o = make_opportunity(rep, **kw)
    Opportunity.objects.filter(pk=o.pk).update(grade=grade)
    o.refresh_from_db()
    return o


def with_triangle(o: Opportunity, rep: Any, teammate: Any, fr: Any) -> Opportunity:
    services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.SR)
    services.team_member_add(actor=rep, opportunity=o, user=fr, role=TeamRole.FR)
    return Opportunity.objects.get(pk=o.pk)


def decide(
    preparer: Any,
    decider: Any,
    o: Opportunity,
    gate: str,
    outcome: str = "approved",
    reviewers: Any = None,
    **kw: Any,
) -> Any:
    case = decisions.case_open(actor=preparer, subject=o, gate=gate)
    fill_checklist(preparer, case)
    case = decisions.case_submit(actor=preparer, case=case)
    for function in case.required_reviews:
        decisions.opinion_record(
            actor=reviewers[function], case=case, function=function, verdict="agree", reasons="ok"
        )
    case.refresh_from_db()
    return decisions.decision_record(actor=decider, case=case, outcome=outcome, rationale="r", **kw)


def advance(actor: Any, o: Opportunity, *stages: str) -> Opportunity:
    for stage in stages:
        o = services.opportunity_advance(
            actor=actor, opportunity=Opportunity.objects.get(pk=o.pk), to_stage=stage
        )
    return o


def test_c_grade_goes_from_validating_to_won_through_three_approved_gates(
    rep, teammate, fr, manager, reviewers
):
    o = with_triangle(graded(rep), rep, teammate, fr)
    decide(rep, manager, o, "ATI")
    o = advance(rep, o, Stage.INITIATED, Stage.GUIDING, Stage.BIDDING)
    with pytest.raises(TransitionRefused, match="This step needs an approved ATB decision."):
        advance(rep, o, Stage.NEGOTIATING)
    decide(rep, manager, o, "ATB", reviewers=reviewers)
    o = advance(rep, o, Stage.NEGOTIATING)
    with pytest.raises(TransitionRefused, match="This step needs an approved ATC decision."):
        advance(rep, o, Stage.WON)
    decide(rep, manager, o, "ATC", reviewers=reviewers)
    o = advance(rep, o, Stage.WON)
    assert o.stage == Stage.WON
    # Each move, and only a move, left one stage change for the analytics.
    history = list(o.stage_changes.order_by("changed_at", "id").values_list("from_stage", "to_stage"))
    assert history == [
        ("", Stage.VALIDATING),
        (Stage.VALIDATING, Stage.INITIATED),
        (Stage.INITIATED, Stage.GUIDING),
        (Stage.GUIDING, Stage.BIDDING),
        (Stage.BIDDING, Stage.NEGOTIATING),
        (Stage.NEGOTIATING, Stage.WON),
    ]
    assert all(c.changed_by_id == rep.pk for c in o.stage_changes.all())


def test_a_grade_needs_the_company_level(rep, teammate, fr, manager, executive, region_vp):
    o = with_triangle(graded(rep, "A"), rep, teammate, fr)
    case = decisions.case_open(actor=rep, subject=o, gate="ATI")
    fill_checklist(rep, case)
    case = decisions.case_submit(actor=rep, case=case)
    for decider in (manager, region_vp):
        with pytest.raises(TransitionRefused, match=r"Company SDT \(公司\) level or higher"):
            decisions.decision_record(actor=decider, case=case, outcome="approved", rationale="r")
    with pytest.raises(TransitionRefused, match="This step needs an approved ATI decision."):
        advance(rep, o, Stage.INITIATED)
    decisions.decision_record(actor=executive, case=case, outcome="approved", rationale="r")
    # The A grade requires its extended team (grade settings) besides the iron triangle.
    with pytest.raises(TransitionRefused, match=r"Grade A needs these roles on the team first: .*项目高管"):
        advance(rep, o, Stage.INITIATED)
    for role in (TeamRole.PROJECT_EXECUTIVE, TeamRole.PROJECT_LEADER):
        services.team_member_add(actor=rep, opportunity=o, user=region_vp, role=role)
    assert advance(rep, o, Stage.INITIATED).stage == Stage.INITIATED


def test_review_depth_follows_the_grade(rep, teammate, fr):
    # A-grade: every functional review at ATB (grade settings); C-grade: the gate's default.
    for grade, expected in (("A", {"finance", "legal", "delivery", "supply_chain", "credit"}), ("C", None)):
        o = with_triangle(graded(rep, grade), rep, teammate, fr)
        case = decisions.case_open(actor=rep, subject=o, gate="ATB")
        fill_checklist(rep, case)
        case = decisions.case_submit(actor=rep, case=case)
        default = {"finance", "legal", "delivery"}
        assert set(case.required_reviews) == (expected or default)


@pytest.mark.parametrize("outcome", ["rejected", "deferred"])
def test_a_rejected_or_deferred_ati_does_not_open_the_gate(rep, teammate, fr, manager, outcome):
    o = with_triangle(graded(rep), rep, teammate, fr)
    revisit = timezone.localdate() + datetime.timedelta(days=5) if outcome == "deferred" else None
    decide(rep, manager, o, "ATI", outcome=outcome, revisit_on=revisit)
    with pytest.raises(TransitionRefused, match="This step needs an approved ATI decision."):
        advance(rep, o, Stage.INITIATED)


def test_a_later_rejection_withdraws_the_approval(rep, teammate, fr, manager):
    o = with_triangle(graded(rep), rep, teammate, fr)
    decide(rep, manager, o, "ATI")
    decide(rep, manager, o, "ATI", outcome="rejected")
    with pytest.raises(TransitionRefused, match="This step needs an approved ATI decision."):
        advance(rep, o, Stage.INITIATED)


def test_iron_triangle_is_required_before_initiation(rep, teammate, manager):
    o = graded(rep)
    decide(rep, manager, o, "ATI")
    with pytest.raises(TransitionRefused) as exc:
        advance(rep, o, Stage.INITIATED)
    assert exc.value.message == (
        "The iron triangle must be on the team first; missing: "
        "SR – solution responsible (解决方案责任人), FR – fulfilment responsible (履行责任人)."
    )


def test_open_ati_conditions_block_atb(rep, teammate, fr, manager, reviewers):
    o = with_triangle(graded(rep), rep, teammate, fr)
    due = timezone.localdate() + datetime.timedelta(days=5)
    decide(
        rep,
        manager,
        o,
        "ATI",
        outcome="approved_with_conditions",
        conditions=[decisions.ConditionInput(text="Confirm coach", owner=teammate, due_date=due)],
    )
    o = advance(
        rep, o, Stage.INITIATED, Stage.GUIDING, Stage.BIDDING
    )  # ATI conditions do not block ATI moves
    with pytest.raises(
        TransitionRefused, match="Close the open conditions of the earlier decision first: Confirm coach."
    ):
        decide(rep, manager, o, "ATB", reviewers=reviewers)


def test_open_atb_conditions_block_atc(rep, teammate, fr, manager, reviewers):
    # A condition opened by an approval of ATB blocks ATC, not the ATB move itself.
    o = with_triangle(graded(rep), rep, teammate, fr)
    decide(rep, manager, o, "ATI")
    o = advance(rep, o, Stage.INITIATED, Stage.GUIDING, Stage.BIDDING)
    due = timezone.localdate() + datetime.timedelta(days=5)
    decide(
        rep,
        manager,
        o,
        "ATB",
        outcome="approved_with_conditions",
        reviewers=reviewers,
        conditions=[decisions.ConditionInput(text="Bond", owner=rep, due_date=due)],
    )
    o = advance(rep, o, Stage.NEGOTIATING)
    decide_atc = decisions.case_open(actor=rep, subject=o, gate="ATC")
    fill_checklist(rep, decide_atc)
    with pytest.raises(
        TransitionRefused, match="Close the open conditions of the earlier decision first: Bond."
    ):
        decisions.case_submit(actor=rep, case=decide_atc)


def test_no_path_advances_without_a_decision(client, api_client_for, rep, teammate, fr):
    o = with_triangle(graded(rep), rep, teammate, fr)
    # service
    with pytest.raises(TransitionRefused):
        advance(rep, o, Stage.INITIATED)
    # API
    r = api_client_for(rep).post(
        f"/api/v1/opportunities/{o.pk}/advance", {"to_stage": "initiated"}, content_type="application/json"
    )
    assert r.status_code == 409
    assert r.json()["message"] == "This step needs an approved ATI decision."
    # page
    client.force_login(rep)
    r = client.post(reverse("opportunities:advance", args=[o.pk]), {"to_stage": "initiated"}, follow=True)
    assert "This step needs an approved ATI decision." in r.content.decode()
    # skipping stages is refused too
    for target in (Stage.GUIDING, Stage.BIDDING, Stage.NEGOTIATING, Stage.WON):
        with pytest.raises(TransitionRefused):
            advance(rep, o, target)
    assert Opportunity.objects.get(pk=o.pk).stage == Stage.VALIDATING


def test_detail_page_offers_the_decision_request_and_advance(client, rep, teammate, fr, manager):
    o = with_triangle(graded(rep), rep, teammate, fr)
    client.force_login(rep)
    body = client.get(reverse("opportunities:detail", args=[o.pk])).content.decode()
    assert "Request ATI decision" in body
    r = client.post(
        reverse("decisions:open"),
        {"subject_type": "opportunities.opportunity", "subject_id": str(o.pk), "gate": "ATI"},
    )
    assert r.status_code == 302
    case = o.__class__.objects.get(pk=o.pk)
    from openltc.decisions.models import DecisionCase

    case = DecisionCase.objects.get()
    fill_checklist(rep, case)
    decisions.case_submit(actor=rep, case=case)
    decisions.decision_record(
        actor=manager, case=DecisionCase.objects.get(), outcome="approved", rationale="r"
    )
    body = client.get(reverse("opportunities:detail", args=[o.pk])).content.decode()
    assert "Request ATI decision" not in body
    assert reverse("opportunities:advance", args=[o.pk]) in body
    r = client.post(reverse("opportunities:advance", args=[o.pk]), {"to_stage": "initiated"})
    assert r.status_code == 302
    assert Opportunity.objects.get(pk=o.pk).stage == Stage.INITIATED


def test_a_decision_below_the_routed_level_cannot_exist(rep, teammate, fr, manager):
    # The database refuses a decision recorded below the routed level, even bypassing the services.
    from django.db import IntegrityError, transaction

    from openltc.decisions.models import Decision

    o = with_triangle(graded(rep, "A"), rep, teammate, fr)
    case = decisions.case_open(actor=rep, subject=o, gate="ATI")
    fill_checklist(rep, case)
    case = decisions.case_submit(actor=rep, case=case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            case=case,
            decided_by=manager,
            outcome="approved",
            rationale="r",
            routed_level=3,
            decider_level=1,
            quorum_rule="single",
        )


def test_a_price_change_reroutes_the_pending_decision(rep, teammate, fr, manager, region_vp):
    o = with_triangle(graded(rep), rep, teammate, fr)
    case = decisions.case_open(actor=rep, subject=o, gate="ATI")
    fill_checklist(rep, case)
    case = decisions.case_submit(actor=rep, case=case)
    assert case.routed_level == 1
    o = services.opportunity_update(
        actor=rep, opportunity=o, data={"amount": Decimal("30000000")}, expected_version=o.lock_version
    )
    case.refresh_from_db()
    assert case.routed_level == 2
    with pytest.raises(TransitionRefused, match=r"Region SDT \(地区部\) level or higher"):
        decisions.decision_record(actor=manager, case=case, outcome="approved", rationale="r")
