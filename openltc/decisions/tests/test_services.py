"""The case lifecycle through the services: state, audit, refusals with their exact messages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_user
from openltc.core.errors import Conflict, DomainError, Forbidden, TransitionRefused
from openltc.core.models import AuditEvent
from openltc.decisions import selectors, services
from openltc.decisions.models import CaseAttachment, Decision, DecisionCase, DecisionCondition, Deputy
from openltc.decisions.services import ConditionInput
from openltc.decisions.tests.factories import (
    fill_checklist,
    make_body,
    make_subject,
    open_case,
    submitted_case,
    upload,
)
from openltc.org.roles import DecisionLevel, Role


def later(days: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def subject(rep: Any) -> Any:
    return make_subject(rep, grade="C")


@pytest.fixture
def reviewers(org: Any) -> dict[str, Any]:
    return {
        "finance": make_user("fin.sh", (Role.FINANCE, org.sh, None), home=org.sh),
        "legal": make_user("legal.sh", (Role.LEGAL, org.sh, None), home=org.sh),
        "delivery": make_user("delivery.sh", (Role.DELIVERY_MANAGER, org.sh, None), home=org.sh),
    }


def events(case: DecisionCase, action: str) -> int:
    return AuditEvent.objects.filter(subject_id=str(case.pk), action=action).count()


# --- opening, material, submitting ---------------------------------------------------------------------


def test_open_creates_a_draft_with_the_gate_checklist(rep: Any, subject: Any) -> None:
    case = services.case_open(actor=rep, subject=subject, gate="ATI")
    assert case.status == "draft"
    assert case.org_unit == subject.org_unit
    labels = list(case.checklist.values_list("label", flat=True))
    assert "Initiation application (立项申请)" in labels
    assert "Project charter (项目章程)" not in labels  # A-grade only
    assert rep in case.participants.all()
    assert events(case, "decision_case.opened") == 1


def test_open_twice_for_the_same_gate_is_a_conflict(rep: Any, subject: Any) -> None:
    services.case_open(actor=rep, subject=subject, gate="ATI")
    with pytest.raises(Conflict, match="This record already has an open ATI case."):
        services.case_open(actor=rep, subject=subject, gate="ATI")


def test_outsider_cannot_open_a_case(other_rep: Any, subject: Any) -> None:
    from openltc.core.errors import NotFound

    with pytest.raises(NotFound):
        services.case_open(actor=other_rep, subject=subject, gate="ATI")


def test_submit_needs_the_required_material(rep: Any, subject: Any) -> None:
    case = services.case_open(actor=rep, subject=subject, gate="ATI")
    with pytest.raises(TransitionRefused) as exc:
        services.case_submit(actor=rep, case=case)
    assert exc.value.message.startswith(
        "Complete the required material first: Initiation application (立项申请); "
    )
    case.refresh_from_db()
    assert case.status == "draft"


def test_submit_routes_through_the_matrix(rep: Any, subject: Any, org: Any) -> None:
    body = make_body(org.sh, DecisionLevel.OFFICE)
    case = submitted_case(rep, subject)
    assert case.status == "awaiting_decision"  # ATI has no required review
    assert case.routed_level == DecisionLevel.OFFICE
    assert case.decision_body == body
    assert case.routing_rule is not None
    assert case.routing_rule.note == "C-grade up to 10M: office SDT"
    assert case.submitted_by == rep
    assert events(case, "decision_case.submitted") == 1


def test_a_grade_needs_the_a_grade_material_and_goes_to_the_company(rep: Any) -> None:
    subject = make_subject(rep, grade="A")
    case = services.case_open(actor=rep, subject=subject, gate="ATI")
    assert "Project charter (项目章程)" in list(case.checklist.values_list("label", flat=True))
    fill_checklist(rep, case)
    case = services.case_submit(actor=rep, case=case)
    assert case.routed_level == DecisionLevel.COMPANY


# --- attachments ------------------------------------------------------------------------------------------


def test_attachment_name_loses_its_path(rep: Any, subject: Any) -> None:
    case = services.case_open(actor=rep, subject=subject, gate="ATI")
    attachment = services.attachment_add(actor=rep, case=case, upload=upload("..\\..\\etc/secret plan.pdf"))
    assert attachment.original_name == "secret plan.pdf"
    assert "/" not in attachment.original_name
    assert "\\" not in attachment.original_name


def test_attachment_extension_and_size_are_checked(rep: Any, subject: Any, settings: Any) -> None:
    case = services.case_open(actor=rep, subject=subject, gate="ATI")
    with pytest.raises(DomainError, match=r"Files of type .exe are not accepted"):
        services.attachment_add(actor=rep, case=case, upload=upload("run.exe"))
    settings.OPENLTC_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(DomainError, match="The file is larger than the limit of 0.0 MB."):
        services.attachment_add(actor=rep, case=case, upload=upload("big.pdf", b"x" * 2048))
    assert CaseAttachment.objects.count() == 0


# --- deciding and separation of duties -------------------------------------------------------------------


def test_office_sdt_member_approves_and_the_subject_sees_the_approval(
    rep: Any, manager: Any, subject: Any, org: Any
) -> None:
    make_body(org.sh, DecisionLevel.OFFICE)
    case = submitted_case(rep, subject)
    assert selectors.approved_decision(subject, "ATI") is None
    case = services.decision_record(
        actor=manager, case=case, outcome="approved", rationale="Strategic account."
    )
    assert case.status == "decided"
    assert case.outcome == "approved"
    decision = selectors.approved_decision(subject, "ATI")
    assert decision is not None
    assert decision.decided_by == manager
    assert decision.on_behalf_of is None
    assert decision.routed_level == DecisionLevel.OFFICE
    assert decision.decider_level == DecisionLevel.OFFICE
    assert events(case, "decision.recorded") == 1


def test_submitter_cannot_decide(manager: Any, org: Any) -> None:
    subject = make_subject(manager, grade="C")
    case = submitted_case(manager, subject)
    with pytest.raises(TransitionRefused, match="The submitter of a case cannot decide it."):
        services.decision_record(actor=manager, case=case, outcome="approved", rationale="Mine.")


def test_reviewer_cannot_decide(rep: Any, subject: Any, org: Any, reviewers: dict[str, Any]) -> None:
    both = make_user(
        "fin.sdt", (Role.FINANCE, org.sh, None), (Role.SDT_MEMBER, org.sh, DecisionLevel.OFFICE), home=org.sh
    )
    case = submitted_case(rep, subject, gate="ATI")
    services.opinion_record(
        actor=both, case=case, function="finance", verdict="agree", reasons="Margin fine."
    )
    with pytest.raises(
        TransitionRefused, match="You gave a review opinion on this case, so you cannot decide it."
    ):
        services.decision_record(actor=both, case=case, outcome="approved", rationale="Go.")


def test_non_member_cannot_decide(rep: Any, finance: Any, subject: Any) -> None:
    case = submitted_case(rep, subject)
    with pytest.raises(
        TransitionRefused,
        match=r"Only members of a decision body at the Office SDT \(代表处\) level or higher may decide this case.",
    ):
        services.decision_record(actor=finance, case=case, outcome="approved", rationale="Go.")


def test_office_member_cannot_decide_a_region_case_but_higher_levels_can(
    rep: Any, manager: Any, region_vp: Any, executive: Any
) -> None:
    subject = make_subject(rep, grade="B")
    case = submitted_case(rep, subject)
    assert case.routed_level == DecisionLevel.REGION
    with pytest.raises(TransitionRefused, match=r"Region SDT \(地区部\) level or higher"):
        services.decision_record(actor=manager, case=case, outcome="approved", rationale="Go.")
    case = services.decision_record(
        actor=executive, case=case, outcome="approved", rationale="Company agrees."
    )
    assert case.outcome == "approved"


def test_nobody_decides_for_someone_else_without_a_deputyship(
    rep: Any, manager: Any, region_vp: Any, subject: Any
) -> None:
    case = submitted_case(rep, subject)
    with pytest.raises(
        TransitionRefused,
        match="You may record a decision only for yourself, or for someone who appointed you as deputy for today.",
    ):
        services.decision_record(
            actor=region_vp, case=case, outcome="approved", rationale="Go.", on_behalf_of=manager
        )


def test_a_deputy_decides_within_the_dates_on_behalf_of_the_principal(
    rep: Any, teammate: Any, manager: Any, org: Any
) -> None:
    deputy = make_user("deputy", (Role.SALES_MANAGER, org.sh, None), home=org.sh)
    subject = make_subject(rep, grade="C")
    case = submitted_case(rep, subject)
    appointment = services.deputy_appoint(
        actor=manager,
        principal=manager,
        deputy=deputy,
        valid_from=timezone.localdate(),
        valid_until=later(),
        reason="Holiday",
    )
    assert AuditEvent.objects.filter(action="deputy.appointed", subject_id=str(appointment.pk)).exists()
    assert case in selectors.waiting_for_my_decision(deputy)
    case = services.decision_record(
        actor=deputy, case=case, outcome="approved", rationale="For the manager.", on_behalf_of=manager
    )
    decision = Decision.objects.get(case=case)
    assert decision.decided_by == deputy
    assert decision.on_behalf_of == manager
    assert decision.decider == manager


def test_an_expired_deputyship_does_not_count(rep: Any, manager: Any, org: Any) -> None:
    deputy = make_user("deputy", (Role.SALES_MANAGER, org.sh, None), home=org.sh)
    Deputy.objects.create(
        principal=manager, deputy=deputy, valid_from=later(-10), valid_until=later(-1), reason="Past trip"
    )
    case = submitted_case(rep, make_subject(rep))
    with pytest.raises(TransitionRefused, match="appointed you as deputy for today"):
        services.decision_record(
            actor=deputy, case=case, outcome="approved", rationale="x", on_behalf_of=manager
        )


def test_only_the_principal_appoints_their_deputy(manager: Any, region_vp: Any, teammate: Any) -> None:
    with pytest.raises(Forbidden, match="You may appoint deputies only for yourself."):
        services.deputy_appoint(
            actor=region_vp,
            principal=manager,
            deputy=teammate,
            valid_from=timezone.localdate(),
            valid_until=later(),
            reason="x",
        )


def test_a_deputy_cannot_decide_their_own_submission_for_the_principal(rep: Any, manager: Any) -> None:
    services.deputy_appoint(
        actor=manager,
        principal=manager,
        deputy=rep,
        valid_from=timezone.localdate(),
        valid_until=later(),
        reason="x",
    )
    case = submitted_case(rep, make_subject(rep))
    with pytest.raises(TransitionRefused, match="The submitter of a case cannot decide it."):
        services.decision_record(
            actor=rep, case=case, outcome="approved", rationale="x", on_behalf_of=manager
        )


# --- reviews ------------------------------------------------------------------------------------------------


def test_atb_waits_for_the_bid_review(rep: Any, manager: Any, reviewers: dict[str, Any]) -> None:
    subject = make_subject(rep)
    case = submitted_case(rep, subject, gate="ATB")
    assert case.status == "submitted"
    assert case.required_reviews == ["finance", "legal", "delivery"]
    with pytest.raises(TransitionRefused, match=r"This case is “Submitted”; it cannot be decided now."):
        services.decision_record(actor=manager, case=case, outcome="approved", rationale="x")
    services.opinion_record(
        actor=reviewers["finance"], case=case, function="finance", verdict="agree", reasons="OK"
    )
    case.refresh_from_db()
    assert case.status == "in_review"
    assert case in selectors.waiting_for_my_opinion(reviewers["legal"])
    services.opinion_record(
        actor=reviewers["legal"], case=case, function="legal", verdict="disagree", reasons="Penalty clause"
    )
    services.opinion_record(
        actor=reviewers["delivery"],
        case=case,
        function="delivery",
        verdict="agree_with_conditions",
        reasons="Tight",
        conditions="Add 2 weeks",
    )
    case.refresh_from_db()
    assert case.status == "awaiting_decision"
    case = services.decision_record(
        actor=manager, case=case, outcome="approved", rationale="Legal risk accepted."
    )
    seen = Decision.objects.get(case=case).opinions_seen
    assert [o["verdict"] for o in seen] == ["agree", "disagree", "agree_with_conditions"]


def test_reviewer_needs_a_role_for_the_function(rep: Any, subject: Any, reviewers: dict[str, Any]) -> None:
    case = submitted_case(rep, subject, gate="ATB")
    with pytest.raises(Forbidden, match="You hold no role that may give a Legal opinion on this case."):
        services.opinion_record(
            actor=reviewers["finance"], case=case, function="legal", verdict="agree", reasons="x"
        )


def test_submitter_cannot_review_and_reasons_are_required(
    rep: Any, subject: Any, reviewers: dict[str, Any]
) -> None:
    case = submitted_case(rep, subject, gate="ATB")
    with pytest.raises(TransitionRefused, match="The submitter cannot review their own case."):
        services.opinion_record(actor=rep, case=case, function="technical", verdict="agree", reasons="x")
    with pytest.raises(DomainError, match="Give the reasons for your opinion."):
        services.opinion_record(
            actor=reviewers["finance"], case=case, function="finance", verdict="agree", reasons=" "
        )


# --- outcomes -----------------------------------------------------------------------------------------------


def test_deferral_needs_a_future_revisit_date_and_can_be_reopened(
    rep: Any, manager: Any, subject: Any
) -> None:
    case = submitted_case(rep, subject)
    with pytest.raises(DomainError, match="A deferral needs a revisit date."):
        services.decision_record(actor=manager, case=case, outcome="deferred", rationale="Wait for budget.")
    with pytest.raises(DomainError, match="The revisit date must be in the future."):
        services.decision_record(
            actor=manager, case=case, outcome="deferred", rationale="x", revisit_on=timezone.localdate()
        )
    case = services.decision_record(
        actor=manager, case=case, outcome="deferred", rationale="Wait.", revisit_on=later(30)
    )
    assert case.outcome == "deferred"
    assert case.revisit_on == later(30)
    assert selectors.approved_decision(subject, "ATI") is None
    case = services.case_reopen(actor=rep, case=case)
    assert case.status == "awaiting_decision"
    assert case.round == 2
    case = services.decision_record(
        actor=manager, case=case, outcome="approved", rationale="Budget confirmed."
    )
    assert selectors.approved_decision(subject, "ATI") is not None
    assert Decision.objects.filter(case=case).count() == 2


def test_rejection_leaves_no_approval(rep: Any, manager: Any, subject: Any) -> None:
    case = submitted_case(rep, subject)
    services.decision_record(actor=manager, case=case, outcome="rejected", rationale="Not winnable.")
    assert selectors.approved_decision(subject, "ATI") is None


def test_return_for_rework_then_resubmit_starts_a_new_round(rep: Any, manager: Any, subject: Any) -> None:
    case = submitted_case(rep, subject)
    case = services.case_return_for_rework(actor=manager, case=case, reason="Payment ability missing.")
    assert case.status == "returned"
    assert case.return_reason == "Payment ability missing."
    assert not Decision.objects.filter(case=case).exists()
    case = services.case_submit(actor=rep, case=case)
    assert case.round == 2
    assert case.status == "awaiting_decision"


def test_conditions_are_tracked_and_block_the_next_gate(
    rep: Any, manager: Any, subject: Any, teammate: Any
) -> None:
    case = submitted_case(rep, subject)
    with pytest.raises(DomainError, match="An approval with conditions needs at least one condition."):
        services.decision_record(actor=manager, case=case, outcome="approved_with_conditions", rationale="x")
    case = services.decision_record(
        actor=manager,
        case=case,
        outcome="approved_with_conditions",
        rationale="Go, if the coach is confirmed.",
        conditions=[ConditionInput(text="Confirm the coach", owner=teammate, due_date=later(14))],
    )
    assert selectors.approved_decision(subject, "ATI") is not None
    condition = selectors.open_conditions(subject).get()
    assert condition.owner == teammate
    assert condition.status == "open"
    atb = open_case(rep, subject, gate="ATB")
    with pytest.raises(
        TransitionRefused, match="Close the open conditions of the earlier decision first: Confirm the coach."
    ):
        services.case_submit(actor=rep, case=atb)
    with pytest.raises(Forbidden, match="Only the condition's owner or the decider may close it."):
        services.condition_close(actor=rep, condition=condition, note="done")
    services.condition_close(actor=teammate, condition=condition, note="Coach confirmed in meeting.")
    assert not selectors.open_conditions(subject).exists()
    assert services.case_submit(actor=rep, case=atb).status == "submitted"
    with pytest.raises(Conflict, match="This condition is already closed."):
        services.condition_close(actor=teammate, condition=DecisionCondition.objects.get(), note="again")


# --- quorum --------------------------------------------------------------------------------------------------


def test_majority_body_decides_when_more_than_half_agree(
    rep: Any, manager: Any, org: Any, subject: Any
) -> None:
    make_body(org.sh, DecisionLevel.OFFICE, quorum="majority", min_votes=2)
    second = make_user("sdt2", (Role.SDT_MEMBER, org.sh, DecisionLevel.OFFICE), home=org.sh)
    make_user("sdt3", (Role.SDT_MEMBER, org.sh, DecisionLevel.OFFICE), home=org.sh)
    case = submitted_case(rep, subject)
    case = services.decision_record(actor=manager, case=case, outcome="approved", rationale="Yes")
    assert case.status == "awaiting_decision"
    with pytest.raises(TransitionRefused, match="This member has already voted on this case."):
        services.decision_record(actor=manager, case=case, outcome="approved", rationale="Yes again")
    case = services.decision_record(actor=second, case=case, outcome="approved", rationale="Agree")
    assert case.status == "decided"
    assert case.outcome == "approved"
    decision = Decision.objects.get(case=case)
    assert decision.quorum_rule == "majority"
    assert len(decision.votes) == 2


def test_unanimity_body_takes_the_most_cautious_outcome_when_split(
    rep: Any, manager: Any, org: Any, subject: Any
) -> None:
    make_body(org.sh, DecisionLevel.OFFICE, quorum="unanimity", min_votes=2)
    second = make_user("sdt2", (Role.SDT_MEMBER, org.sh, DecisionLevel.OFFICE), home=org.sh)
    case = submitted_case(rep, subject)
    services.decision_record(actor=manager, case=case, outcome="approved", rationale="Yes")
    case = services.decision_record(actor=second, case=case, outcome="rejected", rationale="No")
    assert case.outcome == "rejected"


@pytest.mark.parametrize(
    ("rule", "members", "min_votes", "outcomes", "expected"),
    [
        ("majority", 3, 1, ["approved"], None),
        ("majority", 3, 1, ["approved", "approved"], "approved"),
        ("majority", 3, 3, ["approved", "approved"], None),
        ("majority", 2, 1, ["approved", "rejected"], "rejected"),
        ("majority", 4, 1, ["approved", "approved"], None),
        ("unanimity", 3, 1, ["approved", "approved"], None),
        ("unanimity", 3, 1, ["approved", "approved", "approved"], "approved"),
        ("unanimity", 3, 1, ["approved", "deferred", "approved"], "deferred"),
        ("single", 5, 1, ["approved"], "approved"),
    ],
)
def test_quorum_result(
    rule: str, members: int, min_votes: int, outcomes: list[str], expected: str | None
) -> None:
    assert (
        services.quorum_result(rule=rule, members=members, min_votes=min_votes, outcomes=outcomes) == expected
    )


# --- concurrency -------------------------------------------------------------------------------------------------


def test_second_decider_gets_a_conflict_naming_the_first(
    rep: Any, manager: Any, org: Any, subject: Any
) -> None:
    other = make_user("sdt2", (Role.SDT_MEMBER, org.sh, DecisionLevel.OFFICE), home=org.sh)
    case = submitted_case(rep, subject)
    stale = DecisionCase.objects.get(pk=case.pk)
    services.decision_record(actor=manager, case=case, outcome="approved", rationale="First")
    with pytest.raises(Conflict, match="This case was already decided by manager."):
        services.decision_record(actor=other, case=stale, outcome="rejected", rationale="Second")
    assert Decision.objects.filter(case=case).count() == 1


# --- escalation --------------------------------------------------------------------------------------------------


def test_pending_too_long_escalates_to_the_superior(
    rep: Any, manager: Any, region_vp: Any, org: Any, subject: Any
) -> None:
    make_body(org.sh, DecisionLevel.OFFICE)
    org.east.manager = region_vp
    org.east.save()
    case = submitted_case(rep, subject)
    assert services.escalate_overdue() == 0
    DecisionCase.objects.filter(pk=case.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=6))
    call_command("escalate-decisions")
    case.refresh_from_db()
    assert case.escalated_to == region_vp
    assert case.escalated_at is not None
    assert events(case, "decision_case.escalated") == 1
    assert case in selectors.escalated_to_me(region_vp)
    from openltc.decisions.mywork import decision_work

    assert any("escalated" in str(item.label) for item in decision_work(region_vp))
    assert services.escalate_overdue() == 0  # once per submission


def test_escalation_task_runs(rep: Any, subject: Any) -> None:
    from openltc.decisions.tasks import escalate_overdue_decisions

    case = submitted_case(rep, subject)
    DecisionCase.objects.filter(pk=case.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=30))
    result = escalate_overdue_decisions.enqueue()
    assert result.return_value == 1


def test_a_price_change_reroutes_the_open_case(rep: Any, manager: Any, region_vp: Any) -> None:
    from decimal import Decimal

    from openltc.opportunities.models import Opportunity

    subject = make_subject(rep, grade="C")
    case = submitted_case(rep, subject)
    assert case.routed_level == DecisionLevel.OFFICE
    Opportunity.objects.filter(pk=subject.pk).update(amount=Decimal("20000000"))
    subject.refresh_from_db()
    from django.db import transaction

    with transaction.atomic():
        assert services.cases_reroute_for_subject(actor=rep, subject=subject) == 1
    case.refresh_from_db()
    assert case.routed_level == DecisionLevel.REGION
    with pytest.raises(TransitionRefused, match=r"Region SDT \(地区部\) level or higher"):
        services.decision_record(actor=manager, case=case, outcome="approved", rationale="x")
    assert (
        services.decision_record(actor=region_vp, case=case, outcome="approved", rationale="x").outcome
        == "approved"
    )
