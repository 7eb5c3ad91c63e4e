"""Bid services: every transition allowed and refused with its message, the checklist and ATB
gates on submission, the records after the opening, permissions, the negotiation."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from openltc.bids import selectors, services
from openltc.bids.models import Bid, BidChecklistItem, TermChange
from openltc.bids.tests.factories import (
    approve,
    complete_items,
    graded_opportunity,
    make_bid,
    move,
    with_items,
)
from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound, TransitionRefused
from openltc.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(rep: Any, manager: Any, reviewers: Any) -> Bid:
    """A bid under review whose opportunity has ATB approved and whose items are done."""
    bid = with_items(rep, make_bid(rep))
    complete_items(rep, bid)
    approve(rep, manager, bid.opportunity, "ATB", reviewers)
    return move(rep, bid, "submit_for_review")


def test_create_numbers_the_bid_and_audits(rep: Any) -> None:
    bid = make_bid(rep)
    assert bid.number.startswith(f"BID-{timezone.localdate().year}-")
    assert bid.status == "preparing"
    assert bid.currency == "CNY"
    assert AuditEvent.objects.filter(action="bids.bid_created", subject_id=str(bid.pk)).exists()


def test_other_region_cannot_create_or_see(rep: Any, other_rep: Any) -> None:
    opp = graded_opportunity(rep)
    with pytest.raises(NotFound):
        services.bid_create(actor=other_rep, opportunity=opp, data={"title": "x"})
    bid = make_bid(rep, opp)
    with pytest.raises(NotFound):
        selectors.bid_get(user=other_rep, pk=bid.pk)
    with pytest.raises(NotFound):
        services.bid_transition(actor=other_rep, bid=bid, code="submit_for_review")
    assert not selectors.bid_list(user=other_rep).exists()


def test_view_only_roles_see_but_cannot_change(rep: Any, finance: Any) -> None:
    bid = make_bid(rep)
    assert selectors.bid_get(user=finance, pk=bid.pk) == bid
    with pytest.raises(Forbidden, match="You may not change this bid."):
        services.bid_update(actor=finance, bid=bid, data={"issuer": "x"})


def test_team_member_sees_the_bid(rep: Any, teammate: Any) -> None:
    from openltc.opportunities.services import team_member_add

    bid = make_bid(rep)
    team_member_add(actor=rep, opportunity=bid.opportunity, user=teammate, role="sr")
    assert selectors.bid_get(user=teammate, pk=bid.pk) == bid


def test_review_needs_tender_information_and_checklist(rep: Any) -> None:
    bid = make_bid(rep, tender_number="", submission_deadline=None)
    with pytest.raises(TransitionRefused) as refused:
        move(rep, bid, "submit_for_review")
    assert refused.value.message == (
        "Enter the tender number and the submission deadline. Add the bid-document checklist first."
    )
    services.bid_update(
        actor=rep,
        bid=bid,
        data={"tender_number": "ZB-9", "submission_deadline": timezone.now() + datetime.timedelta(days=25)},
    )
    with_items(rep, bid)
    assert move(rep, bid, "submit_for_review").status == "under_review"


def test_return_for_rework(rep: Any) -> None:
    bid = move(rep, with_items(rep, make_bid(rep)), "submit_for_review", "return")
    assert bid.status == "preparing"


def test_submission_refused_while_a_disqualification_item_is_open(
    rep: Any, manager: Any, reviewers: Any
) -> None:
    bid = with_items(rep, make_bid(rep))
    approve(rep, manager, bid.opportunity, "ATB", reviewers)
    bid = move(rep, bid, "submit_for_review")
    with pytest.raises(
        TransitionRefused, match="Items that prevent disqualification are still open: Business licence copy."
    ):
        move(rep, bid, "submit")
    assert Bid.objects.get(pk=bid.pk).status == "under_review"


def test_submission_refused_without_atb(rep: Any) -> None:
    bid = with_items(rep, make_bid(rep))
    complete_items(rep, bid)
    bid = move(rep, bid, "submit_for_review")
    with pytest.raises(
        TransitionRefused,
        match=r"The opportunity has no approved ATB decision \(bid review\); the bid cannot be submitted.",
    ):
        move(rep, bid, "submit")


def test_submission_refused_with_unpaid_bond(rep: Any, ready: Bid) -> None:
    Bid.objects.filter(pk=ready.pk).update(bond_status="to_pay")
    with pytest.raises(TransitionRefused, match="The bid bond is not paid yet."):
        move(rep, ready, "submit")


def test_full_path_to_awarded_and_closed(rep: Any, ready: Bid) -> None:
    bid = move(rep, ready, "submit")
    assert bid.submitted_at is not None
    with pytest.raises(Conflict, match="The tender information is frozen once the bid is submitted."):
        services.bid_update(actor=rep, bid=bid, data={"issuer": "Other"})
    services.bid_update(actor=rep, bid=bid, data={"bond_status": "paid"})
    bid = move(rep, bid, "open")
    bid = services.bid_transition(actor=rep, bid=bid, code="award", our_rank=1, note="Scored first")
    assert (bid.status, bid.result, bid.our_rank) == ("awarded", "awarded", 1)
    with pytest.raises(
        TransitionRefused,
        match=r"Record the post-bid review \(标后总结\) with its lessons before closing the bid.",
    ):
        move(rep, bid, "close")
    services.post_bid_review_record(actor=rep, bid=bid, reasons="Best technical score", lessons="Start early")
    bid = move(rep, bid, "close")
    assert bid.status == "closed"
    assert bid.result == "awarded"
    assert AuditEvent.objects.filter(action="bids.bid_close", subject_id=str(bid.pk)).exists()
    with pytest.raises(TransitionRefused, match="A bid in status “Closed” cannot do this."):
        move(rep, bid, "cancel", reason="x")


def test_lost_with_competitors_recovery_and_review(rep: Any, teammate: Any, ready: Bid) -> None:
    bid = move(rep, ready, "submit", "open")
    services.competitor_price_add(
        actor=rep,
        bid=bid,
        data={"competitor": "Competitor A", "price": Decimal("900000"), "rank": 1, "is_winner": True},
    )
    with pytest.raises(Conflict, match="Recovery actions are for a lost or disqualified bid."):
        services.recovery_action_add(actor=rep, bid=bid, action="Visit", owner=rep)
    bid = services.bid_transition(actor=rep, bid=bid, code="lose", our_rank=2)
    action = services.recovery_action_add(
        actor=rep, bid=bid, action="Visit the customer", owner=teammate, due_date=timezone.localdate()
    )
    services.recovery_action_update(actor=rep, action=action, status="done", outcome="Second phase promised")
    with pytest.raises(DomainError, match="Choose a valid status."):
        services.recovery_action_update(actor=rep, action=action, status="maybe")
    services.post_bid_review_record(actor=rep, bid=bid, reasons="Price", lessons="Lower cost base")
    bid = move(rep, bid, "close")
    assert bid.status == "closed"
    assert bid.competitor_prices.get().is_winner


def test_disqualify_needs_a_reason(rep: Any, ready: Bid) -> None:
    bid = move(rep, ready, "submit", "open")
    with pytest.raises(TransitionRefused, match="Give the reason."):
        move(rep, bid, "disqualify")
    bid = services.bid_transition(actor=rep, bid=bid, code="disqualify", reason="Missing seal on page 3")
    assert (bid.status, bid.result, bid.result_note) == (
        "disqualified",
        "disqualified",
        "Missing seal on page 3",
    )


def test_cancel_needs_a_reason(rep: Any) -> None:
    bid = make_bid(rep)
    with pytest.raises(TransitionRefused, match="Give the reason."):
        move(rep, bid, "cancel")
    bid = move(rep, bid, "cancel", reason="Tender withdrawn by the customer")
    assert bid.status == "cancelled"
    with pytest.raises(Conflict, match="A closed or cancelled bid cannot be changed."):
        services.bid_update(actor=rep, bid=bid, data={"issuer": "x"})


def test_rank_must_be_positive(rep: Any, ready: Bid) -> None:
    bid = move(rep, ready, "submit", "open")
    with pytest.raises(TransitionRefused, match="Our rank starts at 1."):
        services.bid_transition(actor=rep, bid=bid, code="lose", our_rank=0)


def test_stale_version_is_a_conflict(rep: Any) -> None:
    bid = make_bid(rep)
    with pytest.raises(Conflict, match="changed by someone else"):
        services.bid_update(actor=rep, bid=bid, data={"issuer": "x"}, expected_version=99)


def test_bad_input_changes_nothing(rep: Any) -> None:
    bid = make_bid(rep)
    with pytest.raises(DomainError):
        services.bid_update(
            actor=rep,
            bid=bid,
            data={"issuer": "New", "questions_deadline": timezone.now() + datetime.timedelta(days=90)},
        )
    bid.refresh_from_db()
    assert bid.issuer == "Acme procurement centre"
    with pytest.raises(DomainError):
        services.checklist_item_add(actor=rep, bid=bid, data={"title": ""})
    assert not BidChecklistItem.objects.exists()


def test_checklist_frozen_after_submission(rep: Any, ready: Bid) -> None:
    bid = move(rep, ready, "submit")
    with pytest.raises(Conflict, match="The checklist is frozen once the bid is submitted."):
        services.checklist_item_add(actor=rep, bid=bid, data={"title": "Late"})


def test_questions_and_answers(rep: Any) -> None:
    bid = make_bid(rep)
    q = services.question_add(actor=rep, bid=bid, question="Is a joint bid allowed?", asked_by="Us")
    with pytest.raises(DomainError, match="Write the answer."):
        services.question_answer(actor=rep, question=q, answer=" ")
    q = services.question_answer(actor=rep, question=q, answer="No")
    assert q.answer == "No"
    assert q.answered_at is not None


def test_post_bid_review_only_after_the_result(rep: Any) -> None:
    bid = make_bid(rep)
    with pytest.raises(Conflict, match="The post-bid review is written after the result and before closing."):
        services.post_bid_review_record(actor=rep, bid=bid, reasons="x", lessons="y")


def test_rates_count_visible_results_in_the_period(rep: Any, other_rep: Any, manager: Any) -> None:
    now = timezone.now()
    for result in ("awarded", "lost", "disqualified", "awarded"):
        bid = make_bid(rep)
        Bid.objects.filter(pk=bid.pk).update(result=result, result_at=now, status=result)
    old = make_bid(rep)
    Bid.objects.filter(pk=old.pk).update(result="lost", result_at=now - datetime.timedelta(days=400))
    rates = selectors.bid_rates(
        user=rep, start=timezone.localdate() - datetime.timedelta(days=30), end=timezone.localdate()
    )
    assert (rates.total, rates.awarded, rates.lost, rates.disqualified) == (4, 2, 1, 1)
    assert rates.win_rate == Decimal("50.0")
    assert rates.disqualification_rate == Decimal("25.0")
    assert selectors.bid_rates(user=other_rep).total == 0
    assert selectors.bid_rates(user=other_rep).win_rate is None
    assert selectors.bid_rates(user=manager).total == 5


# --- negotiation --------------------------------------------------------------------------------


def test_negotiation_team_and_concessions(rep: Any, teammate: Any, finance: Any) -> None:
    opp = graded_opportunity(rep)
    services.negotiation_member_add(actor=rep, opportunity=opp, user=rep, role="lead")
    with pytest.raises(DomainError, match="The negotiation team already has a lead."):
        services.negotiation_member_add(actor=rep, opportunity=opp, user=teammate, role="lead")
    services.negotiation_member_add(actor=rep, opportunity=opp, user=teammate, role="technical")
    with pytest.raises(DomainError, match="Never concede without getting something"):
        services.concession_add(actor=rep, opportunity=opp, given="Free training", received="")
    c = services.concession_add(
        actor=rep,
        opportunity=opp,
        given="Free training",
        received="Advance payment 30%",
        value=Decimal("20000"),
    )
    assert c.currency == "CNY"
    with pytest.raises(Forbidden):
        services.concession_add(actor=finance, opportunity=opp, given="a", received="b")


def test_price_change_updates_the_opportunity_and_flags_a_higher_level(
    rep: Any, manager: Any, reviewers: Any
) -> None:
    opp = graded_opportunity(rep)  # C, 1M: ATB routes to the office
    approve(rep, manager, opp, "ATB", reviewers)
    small = services.terms_change(
        actor=rep, opportunity=opp, new_amount=Decimal("2000000"), reason="Scope added"
    )
    assert not small.needs_new_decision
    opp.refresh_from_db()
    assert opp.amount == Decimal("2000000.00")
    big = services.terms_change(
        actor=rep, opportunity=opp, new_amount=Decimal("20000000"), payment_terms="10/80/10", reason="Phase 2"
    )
    assert big.needs_new_decision
    assert (big.gate, big.approved_level, big.routed_level) == ("ATB", 1, 2)
    negotiation = opp.negotiation
    assert negotiation.needs_new_decision
    assert "a new decision is needed" in negotiation.decision_note
    assert TermChange.objects.count() == 2


def test_terms_change_without_a_decision_flags_nothing(rep: Any) -> None:
    opp = graded_opportunity(rep)
    change = services.terms_change(actor=rep, opportunity=opp, payment_risk="high", reason="Customer asked")
    assert not change.needs_new_decision
    assert change.gate == ""


def test_terms_change_needs_a_reason_and_changes_nothing(rep: Any) -> None:
    opp = graded_opportunity(rep)
    with pytest.raises(DomainError, match="Give the reason for the change."):
        services.terms_change(actor=rep, opportunity=opp, new_amount=Decimal("5"), reason=" ")
    opp.refresh_from_db()
    assert opp.amount == Decimal("1000000.00")


def test_other_region_cannot_negotiate(rep: Any, other_rep: Any) -> None:
    opp = graded_opportunity(rep)
    with pytest.raises(NotFound):
        services.terms_change(actor=other_rep, opportunity=opp, new_amount=Decimal("1"), reason="x")


def test_customer_agreement_is_recorded(rep: Any, finance: Any) -> None:
    opp = graded_opportunity(rep)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(DomainError, match="The agreement date cannot be in the future."):
        services.negotiation_record_agreement(actor=rep, opportunity=opp, agreed_on=tomorrow)
    negotiation = services.negotiation_record_agreement(
        actor=rep, opportunity=opp, agreed_on=timezone.localdate(), note="Price and 30/60/10 terms"
    )
    assert negotiation.agreed_on == timezone.localdate()
    assert AuditEvent.objects.filter(action="bids.agreement_recorded").exists()
    with pytest.raises(Forbidden):
        services.negotiation_record_agreement(actor=finance, opportunity=opp, agreed_on=timezone.localdate())
