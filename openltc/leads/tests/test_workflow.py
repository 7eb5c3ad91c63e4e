"""The workflow table and guards, without the database."""

from __future__ import annotations

import pytest

from openltc.leads import workflow
from openltc.leads.choices import DisqualifyReason, ElementStatus, LeadStatus, StrategicFit
from openltc.leads.models import Lead
from openltc.leads.workflow import Action


def test_owner_unmet_reason() -> None:
    assert workflow.owner_unmet(Lead()) == "Assign an owner first."
    assert workflow.owner_unmet(Lead(owner_id=1)) is None


def test_strategic_fit_and_maturity_guards() -> None:
    lead = Lead(strategic_fit=StrategicFit.NO_FIT)
    assert workflow.strategic_fit_unmet(lead) == "The strategic fit must be assessed as fitting."
    assert workflow.maturity_unmet(lead) == "Classify the maturity (cold, warm or hot)."
    lead.strategic_fit, lead.maturity = StrategicFit.FIT, "hot"
    assert workflow.strategic_fit_unmet(lead) is None
    assert workflow.maturity_unmet(lead) is None


def test_elements_unmet_lists_the_unconfirmed_elements() -> None:
    lead = Lead(pain_status=ElementStatus.CONFIRMED, solution_status=ElementStatus.PARTLY)
    assert workflow.elements_unmet(lead) == (
        "These elements are not confirmed yet: Solution concept, Customer relationship, Investment plan and budget."
    )
    for key in ("solution", "relationship", "budget"):
        setattr(lead, f"{key}_status", ElementStatus.CONFIRMED)
    assert workflow.elements_unmet(lead) is None


def test_disqualify_reason_guard() -> None:
    lead = Lead()
    assert workflow.disqualify_reason_unmet(lead) == "Choose a reason for disqualifying the lead."
    lead.disqualify_reason = DisqualifyReason.OTHER
    assert workflow.disqualify_reason_unmet(lead) == "Explain the reason in the note when you choose “Other”."
    lead.disqualify_note = "customer merged"
    assert workflow.disqualify_reason_unmet(lead) is None


def test_pool_reason_guard() -> None:
    assert (
        workflow.pool_reason_unmet(Lead(pool_reason="  "))
        == "Give a reason for returning the lead to the pool."
    )
    assert workflow.pool_reason_unmet(Lead(pool_reason="not my territory")) is None


@pytest.mark.parametrize(
    ("action", "allowed_from"),
    [
        (Action.VALIDATE, {LeadStatus.NEW}),
        (Action.ACCEPT, {LeadStatus.VALIDATING}),
        (Action.QUALIFY, {LeadStatus.NURTURING}),
        (Action.CONVERT, {LeadStatus.QUALIFIED}),
        (
            Action.DISQUALIFY,
            {LeadStatus.NEW, LeadStatus.VALIDATING, LeadStatus.NURTURING, LeadStatus.QUALIFIED},
        ),
        (Action.RETURN_TO_POOL, {LeadStatus.NEW, LeadStatus.VALIDATING, LeadStatus.NURTURING}),
    ],
)
def test_transition_table_sources(action: Action, allowed_from: set[str]) -> None:
    for status in LeadStatus.values:
        refusal = workflow.state_refusal(Lead(status=status), action)
        if status in allowed_from:
            assert refusal is None
        else:
            label = LeadStatus(status).label.lower()
            assert refusal == f"“{workflow.ACTION_LABELS[action]}” is not possible while the lead is {label}."


def test_non_transition_actions_refused_on_closed_leads() -> None:
    assert workflow.state_refusal(Lead(status=LeadStatus.CONVERTED), Action.EDIT) == (
        "The lead is converted; it can no longer be changed."
    )
    assert workflow.state_refusal(Lead(status=LeadStatus.NURTURING), Action.LOG_ACTIVITY) is None


def test_targets() -> None:
    assert workflow.TRANSITIONS[Action.RETURN_TO_POOL].target == LeadStatus.NEW
    assert workflow.TRANSITIONS[Action.CONVERT].target == LeadStatus.CONVERTED
    assert workflow.TRANSITIONS[Action.DISQUALIFY].target == LeadStatus.DISQUALIFIED


def test_refusals_are_translated() -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        assert workflow.owner_unmet(Lead()) == "请先指定负责人。"
        assert workflow.state_refusal(Lead(status=LeadStatus.NEW), Action.QUALIFY) == (
            "线索处于“新建”状态时不能执行“确认合格”。"
        )
