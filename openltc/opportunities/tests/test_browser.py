"""In the browser: the rep scores the evaluation, then drags a card on the pipeline board — first
refused with the reason on the card (no ATI decision), then, once ATI is approved, moved."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import make_user
from openltc.opportunities import services
from openltc.opportunities.choices import Stage, TeamRole
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.factories import make_opportunity
from openltc.org.roles import Role

# Transactional: the root conftest reloads the migration-loaded configuration after a flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_evaluation_and_board_drag_with_refusal_then_move(
    journey: Any, org: Any, rep: Any, teammate: Any, manager: Any
) -> None:
    from openltc.opportunities.tests.test_gates import decide

    fr = make_user("fr.board", (Role.FULFILMENT, org.sh_team, None), home=org.sh_team)
    o = make_opportunity(rep, title="Drag me 拖动")
    j = journey()
    j.login(rep.username)

    # The evaluation page: score two criteria, the attractiveness follows.
    j.goto(f"/opportunities/{o.pk}/evaluation/")
    j.page.select_option("select[name=score_budget]", "5")
    j.page.fill("input[name=note_budget]", "Budget approved 预算已批")
    j.page.select_option("select[name=score_risk]", "3")
    with j.page.expect_navigation():
        j.page.click("form button[type=submit].primary")
    assert j.page.locator("#attractiveness-score").inner_text().startswith("80.00")
    j.shot("evaluation")

    # The board: dragging to "initiated" without the ATI decision is refused, reason on the card.
    j.goto("/opportunities/board/")
    card = j.page.locator(f".opp-card[data-id='{o.pk}']")
    j.page.drag_and_drop(f".opp-card[data-id='{o.pk}']", ".opp-column[data-stage=initiated]")
    refusal = card.locator(".opp-card-refusal")
    refusal.wait_for(state="visible")
    assert refusal.inner_text() == "This step needs an approved ATI decision."
    assert Opportunity.objects.get(pk=o.pk).stage == Stage.VALIDATING
    j.shot("refused")

    # Graded, the triangle on the team and ATI approved: the same drag moves the card.
    o = services.opportunity_grade(actor=rep, opportunity=o)
    services.team_member_add(actor=rep, opportunity=o, user=teammate, role=TeamRole.SR)
    services.team_member_add(actor=rep, opportunity=o, user=fr, role=TeamRole.FR)
    decide(rep, manager, Opportunity.objects.get(pk=o.pk), "ATI")
    j.goto("/opportunities/board/")
    j.page.drag_and_drop(f".opp-card[data-id='{o.pk}']", ".opp-column[data-stage=initiated]")
    j.page.locator(f".opp-column[data-stage=initiated] .opp-card[data-id='{o.pk}']").wait_for()
    assert Opportunity.objects.get(pk=o.pk).stage == Stage.INITIATED
    j.shot("moved")
    # The refused request shows in the console as a 409 response; nothing else may.
    assert [e for e in j.console_errors if "409" not in e] == []
