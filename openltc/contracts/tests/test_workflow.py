"""Workflow guards and the transition table, without the database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openltc.contracts import workflow
from openltc.contracts.choices import ContractKind, ContractStatus
from openltc.contracts.models import Contract
from openltc.contracts.terms import line_amounts, payment_risk, split_milestones
from openltc.core.errors import TransitionRefused

S = ContractStatus


def contract(status: str = S.DRAFT, **fields: object) -> Contract:
    values: dict[str, object] = {
        "status": status,
        "kind": ContractKind.STANDARD,
        "total_gross": Decimal("100.00"),
        "currency": "CNY",
        "contract_manager_id": 1,
    }
    values.update(fields)
    return Contract(**values)


def test_submit_lists_every_missing_piece():
    reasons = workflow.blocking_reasons(
        contract(total_gross=Decimal("0"), contract_manager_id=None), S.UNDER_REVIEW, workflow.Facts()
    )
    assert reasons == [
        "Add at least one contract line.",
        "The contract total must be greater than zero.",
        "Add the payment milestones.",
        "Name the contract manager.",
    ]


def test_submit_refuses_milestones_that_do_not_add_up():
    facts = workflow.Facts(line_count=1, milestone_count=2, milestone_difference=Decimal("-5.00"))
    assert workflow.blocking_reasons(contract(), S.UNDER_REVIEW, facts) == [
        "The payment milestones do not add up to the contract total (difference -5.00 CNY)."
    ]


def test_frame_contract_may_be_submitted_without_lines():
    assert (
        workflow.blocking_reasons(contract(kind=ContractKind.FRAME, total_gross=Decimal("0")), S.UNDER_REVIEW)
        == []
    )


def test_atc_edge_refused_when_the_engine_cannot_answer():
    facts = workflow.Facts(atc_approved=None, countersign_departments=3)
    with pytest.raises(TransitionRefused) as exc:
        workflow.check_transition(contract(S.AWAITING_ATC), S.COUNTERSIGN, facts)
    assert exc.value.message == "Needs an approved ATC decision; the decision engine is not available yet."


def test_atc_edge_refused_without_approval_and_open_with_it():
    refused = workflow.blocking_reasons(
        contract(S.AWAITING_ATC), S.COUNTERSIGN, workflow.Facts(atc_approved=False, countersign_departments=1)
    )
    assert refused == ["Needs an approved ATC decision."]
    allowed = workflow.blocking_reasons(
        contract(S.AWAITING_ATC), S.COUNTERSIGN, workflow.Facts(atc_approved=True, countersign_departments=1)
    )
    assert allowed == []


def test_closing_needs_atcc():
    assert workflow.blocking_reasons(
        contract(S.EXECUTING), S.CLOSED, workflow.Facts(atcc_approved=False)
    ) == ["Needs an approved ATCC decision."]


def test_no_skipping_states():
    assert workflow.blocking_reasons(contract(S.DRAFT), S.SIGNED) == [
        "A contract cannot move from “Draft” to “Signed”."
    ]


def test_receipt_check_guard():
    c = contract(S.ARCHIVED)
    assert workflow.blocking_reasons(c, S.EXECUTING, workflow.Facts(latest_check="mismatch")) == [
        "The last receipt check found a mismatch with the approved version; record a new check."
    ]
    assert workflow.blocking_reasons(c, S.EXECUTING, workflow.Facts(latest_check="passed")) == []


def test_withdrawal_only_before_signature():
    for status in (S.DRAFT, S.UNDER_REVIEW, S.AWAITING_ATC, S.COUNTERSIGN, S.SEAL):
        assert workflow.edge_for(status, S.WITHDRAWN) is not None
    for status in (S.SIGNED, S.ARCHIVED, S.EXECUTING, S.CLOSED):
        assert workflow.edge_for(status, S.WITHDRAWN) is None


def test_available_actions_hide_input_guards_and_show_reasons():
    facts = workflow.Facts(line_count=1, milestone_count=1)
    actions = {a.code: a for a in workflow.available_actions(contract(), None, facts=facts, can_change=True)}
    assert actions["submit"].allowed
    assert actions["withdraw"].allowed  # the reason is asked for by the form
    assert actions["edit"].allowed
    refused = {a.code: a for a in workflow.available_actions(contract(), None, facts=facts, can_change=False)}
    assert not refused["submit"].allowed
    assert refused["submit"].reason == "You may not change this contract."


def test_opinion_action_needs_a_reviewer_role():
    c = contract(S.UNDER_REVIEW)
    none = {a.code: a for a in workflow.available_actions(c, None, facts=workflow.Facts(), can_change=True)}
    assert not none["opinion"].allowed
    legal = workflow.Facts(user_roles=frozenset({"legal"}))
    assert workflow.review_functions_for(legal) == ["legal"]
    finance = workflow.Facts(user_roles=frozenset({"finance"}))
    assert workflow.review_functions_for(finance) == ["finance", "credit"]


def test_status_path_marks_where_we_stand():
    steps = workflow.status_path(contract(S.COUNTERSIGN))
    states = {s.status: s.state for s in steps}
    assert states[S.AWAITING_ATC] == "done"
    assert states[S.COUNTERSIGN] == "current"
    assert states[S.SEAL] == "todo"
    assert next(s.gate for s in steps if s.status == S.COUNTERSIGN) == "ATC"


# --- arithmetic ---------------------------------------------------------------------------------


def test_line_amounts_half_up():
    amounts = line_amounts("1", "2.50", "5")
    assert (amounts.net, amounts.tax, amounts.gross) == (Decimal("2.50"), Decimal("0.13"), Decimal("2.63"))


def test_split_reports_difference():
    split = split_milestones([(Decimal("30"), None), (None, Decimal("50.00"))], Decimal("100.00"))
    assert split.amounts == [Decimal("30.00"), Decimal("50.00")]
    assert split.difference == Decimal("20.00")
    assert not split.adds_up


class _M:
    def __init__(self, amount: str, trigger: str, kind: str = "custom") -> None:
        self.amount = Decimal(amount)
        self.trigger_event = trigger
        self.kind = kind


@pytest.mark.parametrize(
    ("late", "expected"),
    [("10.00", "low"), ("20.00", "medium"), ("39.99", "medium"), ("40.00", "high")],
)
def test_payment_risk_thresholds(late, expected):
    milestones = [_M(str(Decimal("100") - Decimal(late)), "signature"), _M(late, "final_acceptance")]
    assert payment_risk(milestones, Decimal("100.00")) == expected


def test_payment_risk_thresholds_are_configurable(settings):
    settings.OPENLTC_CONTRACT_PAYMENT_RISK = {"medium": "0.05", "high": "0.10"}
    assert payment_risk([_M("90", "signature"), _M("10", "warranty_end")], Decimal("100")) == "high"
