"""The stage machine's guards, without the database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openltc.core.errors import TransitionRefused
from openltc.opportunities import workflow
from openltc.opportunities.choices import OPEN_STAGES, LossReason, Stage
from openltc.opportunities.models import Opportunity

GATE_MESSAGE = "This step needs an approved {gate} decision."


def opp(stage: str = Stage.VALIDATING, **fields: object) -> Opportunity:
    return Opportunity(stage=stage, amount=Decimal("100"), **fields)


@pytest.mark.parametrize(
    ("source", "target", "gate"),
    [
        (Stage.VALIDATING, Stage.INITIATED, "ATI"),
        (Stage.INITIATED, Stage.GUIDING, "ATI"),
        (Stage.GUIDING, Stage.BIDDING, "ATI"),
        (Stage.BIDDING, Stage.NEGOTIATING, "ATB"),
        (Stage.NEGOTIATING, Stage.WON, "ATC"),
    ],
)
def test_every_forward_edge_is_refused_for_want_of_a_gate_decision(source, target, gate):
    # given an opportunity with every fact a guard could ask for
    facts = workflow.Facts(team_roles=frozenset({"ar", "sr", "fr"}), has_product_lines=True)
    # when / then
    with pytest.raises(TransitionRefused) as exc:
        workflow.check_transition(opp(source), target, facts)
    assert exc.value.message == GATE_MESSAGE.format(gate=gate)
    assert workflow.edge_for(source, target).gate == gate


def test_the_table_covers_every_stage_and_only_closing_edges_have_no_gate():
    assert set(workflow.TRANSITIONS) == set(Stage.values)
    for source in OPEN_STAGES:
        targets = {e.target: e.gate for e in workflow.TRANSITIONS[source]}
        assert targets[Stage.LOST] is None
        assert targets[Stage.ABANDONED] is None
        assert [g for t, g in targets.items() if t not in (Stage.LOST, Stage.ABANDONED)][0] in {
            "ATI",
            "ATB",
            "ATC",
        }
    for closed in (Stage.WON, Stage.LOST, Stage.ABANDONED):
        assert workflow.TRANSITIONS[closed] == ()


def test_no_skipping_stages():
    reasons = workflow.blocking_reasons(opp(Stage.VALIDATING), Stage.WON)
    assert reasons == ["An opportunity cannot move from “Validating (机会点验证)” to “Won (赢单)”."]


@pytest.mark.parametrize("source", OPEN_STAGES)
def test_lost_needs_reason_code_and_competitor(source):
    with pytest.raises(TransitionRefused, match="Choose the reason code."):
        workflow.check_transition(opp(source), Stage.LOST, workflow.Facts(competitor="X"))
    with pytest.raises(TransitionRefused, match="Name the competitor who won."):
        workflow.check_transition(opp(source), Stage.LOST, workflow.Facts(reason_code=LossReason.PRICE))
    edge = workflow.check_transition(
        opp(source), Stage.LOST, workflow.Facts(reason_code=LossReason.PRICE, competitor="X")
    )
    assert edge.target == Stage.LOST


def test_abandon_needs_a_reason_code_but_no_competitor():
    assert workflow.reason_code_unmet(opp(), workflow.Facts()) == "Choose the reason code."
    assert (
        workflow.reason_code_unmet(opp(), workflow.Facts(reason_code="nonsense"))
        == "Choose a valid reason code."
    )
    assert (
        workflow.blocking_reasons(opp(), Stage.ABANDONED, workflow.Facts(reason_code=LossReason.NO_BUDGET))
        == []
    )


def test_other_reason_needs_a_note():
    facts = workflow.Facts(reason_code=LossReason.OTHER)
    assert workflow.other_reason_note_unmet(opp(), facts) == (
        "Explain the reason in the note when the reason is “Other”."
    )
    assert workflow.other_reason_note_unmet(opp(), workflow.Facts(reason_code="other", note="why")) is None


@pytest.mark.parametrize("closed", [Stage.WON, Stage.LOST, Stage.ABANDONED])
def test_a_closed_opportunity_moves_nowhere(closed):
    assert workflow.still_open_reason(opp(closed), workflow.Facts()) == "This opportunity is already closed."
    reasons = workflow.blocking_reasons(
        opp(closed), Stage.LOST, workflow.Facts(reason_code="price", competitor="X")
    )
    assert len(reasons) == 1
    assert reasons[0].startswith("An opportunity cannot move from")


def test_available_actions_offer_closing_but_never_advancing():
    actions = {a.code: a for a in workflow.available_actions(opp(), None, can_change=True)}
    assert actions["close_lost"].allowed
    assert actions["abandon"].allowed
    assert actions["edit"].allowed
    assert not actions["advance"].allowed
    assert actions["advance"].reason == GATE_MESSAGE.format(gate="ATI")
    assert actions["advance"].target == Stage.INITIATED


def test_available_actions_for_a_viewer_without_change_rights():
    actions = workflow.available_actions(opp(), None, can_change=False)
    assert workflow.allowed_codes(actions) == set()
    assert {a.reason for a in actions if a.code != "advance"} == {"You may not change this opportunity."}


def test_exit_criteria_of_validating_list_what_ati_needs():
    facts = workflow.Facts(team_roles=frozenset({"ar", "sr"}), has_product_lines=True)
    items = workflow.exit_criteria(opp(expected_close_date=None), facts)
    by_label = {str(i.label): i.met for i in items}
    assert by_label["Estimated amount recorded"] is True
    assert by_label["Expected close date set"] is False
    assert by_label["Product lines chosen"] is True
    assert by_label["Iron triangle on the team (AR, SR, FR)"] is False
    assert by_label["Approved ATI decision recorded"] is False


def test_stage_path_marks_the_gates_and_the_current_stage():
    path = workflow.stage_path(opp(Stage.VALIDATING))
    assert [(s.stage, s.gate, s.state) for s in path][:3] == [
        ("validating", None, "current"),
        ("initiated", "ATI", "todo"),
        ("guiding", None, "todo"),
    ]
    assert {s.stage: s.gate for s in path}["negotiating"] == "ATB"
    assert {s.stage: s.gate for s in path}["won"] == "ATC"
    lost_path = workflow.stage_path(opp(Stage.LOST))
    assert lost_path[-1].stage == "lost"
    assert lost_path[-1].state == "closed"
