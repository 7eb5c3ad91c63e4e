"""The guards of the bid lifecycle, without the database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from openltc.bids import workflow
from openltc.bids.choices import BidStatus
from openltc.bids.models import Bid
from openltc.core.errors import TransitionRefused


def bid(**kw: object) -> Bid:
    values: dict[str, object] = {
        "status": BidStatus.PREPARING,
        "tender_number": "ZB-1",
        "submission_deadline": timezone.now() + datetime.timedelta(days=3),
        "bid_price": Decimal("10.00"),
        "bond_status": "not_required",
    }
    values.update(kw)
    return Bid(**values)


def test_tender_information_is_needed_for_the_review() -> None:
    assert workflow.tender_unmet(bid(tender_number=""), workflow.Facts()) == (
        "Enter the tender number and the submission deadline."
    )
    assert workflow.tender_unmet(bid(), workflow.Facts()) is None


def test_completeness_items_block_submission() -> None:
    facts = workflow.Facts(item_count=2, blocking_items=("Licence", "Seal"), atb_approved=True)
    assert workflow.completeness_unmet(bid(), facts) == (
        "Items that prevent disqualification are still open: Licence, Seal."
    )


def test_atb_is_needed_for_submission() -> None:
    assert workflow.atb_unmet(bid(), workflow.Facts()) == (
        "The opportunity has no approved ATB decision (bid review); the bid cannot be submitted."
    )
    assert workflow.atb_unmet(bid(), workflow.Facts(atb_approved=True)) is None


def test_unpaid_bond_blocks_submission() -> None:
    assert workflow.bond_unmet(bid(bond_status="to_pay"), workflow.Facts()) == "The bid bond is not paid yet."


def test_closing_needs_the_post_bid_review() -> None:
    with pytest.raises(TransitionRefused, match="Record the post-bid review"):
        workflow.check_transition(bid(status=BidStatus.LOST), "close", workflow.Facts())
    assert workflow.check_transition(bid(status=BidStatus.LOST), "close", workflow.Facts(has_review=True))


def test_a_move_from_the_wrong_status_is_refused() -> None:
    with pytest.raises(TransitionRefused, match="A bid in status “Preparing” cannot do this."):
        workflow.check_transition(bid(), "open", workflow.Facts())


def test_unknown_action_is_refused() -> None:
    with pytest.raises(TransitionRefused, match="Unknown bid action."):
        workflow.check_transition(bid(), "teleport", workflow.Facts())


def test_available_actions_carry_the_reasons() -> None:
    actions = {
        a.code: a
        for a in workflow.available_actions(bid(status=BidStatus.UNDER_REVIEW), workflow.Facts(item_count=1))
    }
    assert set(actions) == {"return", "submit", "cancel"}
    assert actions["return"].allowed
    assert not actions["submit"].allowed
    assert "no approved ATB decision" in " ".join(actions["submit"].reasons)
    # the reason of a cancel is asked on the action, so the button is enabled
    assert actions["cancel"].allowed


def test_nobody_without_change_rights_gets_actions() -> None:
    assert workflow.available_actions(bid(), workflow.Facts(can_change=False)) == []


@pytest.mark.parametrize(
    ("code", "allowed_from", "refused_from"),
    [
        ("submit_for_review", BidStatus.PREPARING, BidStatus.SUBMITTED),
        ("return", BidStatus.UNDER_REVIEW, BidStatus.PREPARING),
        ("submit", BidStatus.UNDER_REVIEW, BidStatus.PREPARING),
        ("open", BidStatus.SUBMITTED, BidStatus.UNDER_REVIEW),
        ("award", BidStatus.OPENED, BidStatus.SUBMITTED),
        ("lose", BidStatus.OPENED, BidStatus.AWARDED),
        ("disqualify", BidStatus.OPENED, BidStatus.LOST),
        ("close", BidStatus.LOST, BidStatus.OPENED),
        ("cancel", BidStatus.OPENED, BidStatus.CANCELLED),
    ],
)
def test_every_edge_is_allowed_from_its_source_and_refused_elsewhere(
    code: str, allowed_from: str, refused_from: str
) -> None:
    facts = workflow.Facts(item_count=1, atb_approved=True, has_review=True, reason="because", our_rank=1)
    edge = workflow.check_transition(bid(status=allowed_from), code, facts)
    assert edge.code == code
    label = BidStatus(refused_from).label
    with pytest.raises(TransitionRefused, match=f"A bid in status “{label}” cannot do this."):
        workflow.check_transition(bid(status=refused_from), code, facts)
