"""Writes about bids and negotiations. Every write locks the bid (or the opportunity), checks the
caller's rights and the workflow, validates, saves and records one audit event in the same
transaction. The bid status changes only in ``bid_transition`` through ``workflow.py``.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openltc.bids import selectors, workflow
from openltc.bids.choices import (
    EDITABLE_BID_STATUSES,
    OPEN_BID_STATUSES,
    ActionStatus,
    BidResult,
    BidStatus,
    ItemStatus,
)
from openltc.bids.models import (
    Bid,
    BidChecklistItem,
    BidQuestion,
    CompetitorPrice,
    Concession,
    Negotiation,
    NegotiationMember,
    PostBidReview,
    RecoveryAction,
    TermChange,
)
from openltc.core.audit import record_event, snapshot
from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound
from openltc.core.selectors import lock_for_update
from openltc.core.sequences import next_value
from openltc.core.services import check_version, model_update, validate
from openltc.core.visibility import CHANGE, VIEW, can_access

BID_FIELDS = [
    "title",
    "tender_number",
    "issuer",
    "questions_deadline",
    "submission_deadline",
    "opening_at",
    "qualification_requirements",
    "evaluation_method",
    "bid_price",
    "currency",
    "bond_amount",
    "bond_currency",
    "bond_status",
]
# Bond status may still change after submission (paid, returned, forfeited).
LATE_FIELDS = ["bond_status", "opening_at"]
RESULT_STATUSES = (BidStatus.AWARDED, BidStatus.LOST, BidStatus.DISQUALIFIED)


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _check_change(actor: Any, obj: Any, what: str) -> None:
    if not can_access(actor, obj, VIEW):
        raise NotFound(_("Not found."))
    if not can_access(actor, obj, CHANGE):
        raise Forbidden(_("You may not change this %(what)s.") % {"what": what})


def _lock_bid(actor: Any, bid: Bid, expected_version: int | None = None) -> Bid:
    locked = lock_for_update(Bid.objects.select_related("opportunity"), pk=bid.pk)
    _check_change(actor, locked, _("bid"))
    check_version(locked, expected_version)
    return locked


def _require_status(bid: Bid, statuses: tuple[str, ...], message: str) -> None:
    if bid.status not in statuses:
        raise Conflict(message)


def _clean_text(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
            if key in ("currency", "bond_currency"):
                value = value.upper()
        cleaned[key] = value
    return cleaned


def _check_user(user: Any, field: str) -> None:
    if user is not None and not getattr(user, "is_active", False):
        raise _invalid(field, _("Choose an active person."))


# --- bid ----------------------------------------------------------------------------------------


@transaction.atomic
def bid_create(*, actor: Any, opportunity: Any, data: dict[str, Any], owner: Any = None) -> Bid:
    """A new bid in "preparing" on an open opportunity the actor may change."""
    from openltc.opportunities.models import Opportunity

    opp = lock_for_update(Opportunity.objects.all(), pk=getattr(opportunity, "pk", None))
    _check_change(actor, opp, _("opportunity"))
    if not opp.is_open:
        raise Conflict(_("This opportunity is already closed."))
    owner = owner or actor
    _check_user(owner, "owner")
    values = _clean_text({k: v for k, v in data.items() if k in BID_FIELDS})
    values.setdefault("currency", opp.currency)
    values.setdefault("bond_currency", values["currency"])
    if not values.get("title"):
        values["title"] = opp.title[:200]
    bid = Bid(number="", opportunity=opp, owner=owner, **values)
    validate(bid, exclude=["number"])
    year = timezone.localdate().year
    bid.number = f"BID-{year}-{next_value(f'BID-{year}'):06d}"
    bid.save()
    record_event(
        actor=actor, action="bids.bid_created", subject=bid, after=snapshot(bid, ["number", *BID_FIELDS])
    )
    return bid


@transaction.atomic
def bid_update(*, actor: Any, bid: Bid, data: dict[str, Any], expected_version: int | None = None) -> Bid:
    """Edits the tender information; after the bid review only the bond status and opening date."""
    locked = _lock_bid(actor, bid, expected_version)
    if locked.status in EDITABLE_BID_STATUSES:
        fields = BID_FIELDS
    elif locked.status in OPEN_BID_STATUSES or locked.status in RESULT_STATUSES:
        fields = LATE_FIELDS
        frozen = [k for k in data if k in BID_FIELDS and k not in LATE_FIELDS]
        changed = [k for k in frozen if getattr(locked, k) != _clean_text({k: data[k]})[k]]
        if changed:
            raise Conflict(_("The tender information is frozen once the bid is submitted."))
    else:
        raise Conflict(_("A closed or cancelled bid cannot be changed."))
    model_update(
        instance=locked, fields=fields, data=_clean_text(data), actor=actor, action="bids.bid_updated"
    )
    return locked


@transaction.atomic
def bid_transition(
    *,
    actor: Any,
    bid: Bid,
    code: str,
    reason: str = "",
    our_rank: int | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Bid:
    """Moves the bid along ``code`` (see ``workflow.EDGES``) when its guards allow it."""
    locked = _lock_bid(actor, bid, expected_version)
    facts = selectors.bid_facts(locked, reason=reason or "", our_rank=our_rank)
    edge = workflow.check_transition(locked, code, facts)
    before = snapshot(locked, ["status", "result", "our_rank"])
    now = timezone.now()
    fields = ["status", "status_changed_at"]
    locked.status = edge.target
    locked.status_changed_at = now
    if code == "submit":
        locked.submitted_at = now
        fields.append("submitted_at")
    elif code == "open":
        locked.opened_at = now
        fields.append("opened_at")
    elif code in workflow.RESULT_OF:
        locked.result = workflow.RESULT_OF[code]
        locked.result_at = now
        locked.our_rank = our_rank
        locked.result_note = (note or reason or "").strip()
        fields += ["result", "result_at", "our_rank", "result_note"]
    elif code == "cancel":
        locked.cancel_reason = reason.strip()
        fields.append("cancel_reason")
    validate(locked)
    locked.lock_version += 1
    locked.save(update_fields=[*fields, "lock_version", "updated_at"])
    record_event(
        actor=actor,
        action=f"bids.bid_{code}",
        subject=locked,
        before=before,
        after=snapshot(locked, ["status", "result", "our_rank"]),
        # Only inputs that were stored (and so validated) go into the audit message.
        message=(
            locked.cancel_reason
            if code == "cancel"
            else locked.result_note
            if code in workflow.RESULT_OF
            else ""
        )[:500],
    )
    return locked


# --- checklist ----------------------------------------------------------------------------------

ITEM_FIELDS = ["title", "category", "prevents_disqualification", "owner", "due_date", "status", "note"]


@transaction.atomic
def checklist_item_add(*, actor: Any, bid: Bid, data: dict[str, Any]) -> BidChecklistItem:
    locked = _lock_bid(actor, bid)
    _require_status(locked, EDITABLE_BID_STATUSES, _("The checklist is frozen once the bid is submitted."))
    values = _clean_text({k: v for k, v in data.items() if k in ITEM_FIELDS and k != "status"})
    _check_user(values.get("owner"), "owner")
    item = BidChecklistItem(bid=locked, **values)
    validate(item)
    item.save()
    record_event(actor=actor, action="bids.item_added", subject=locked, after=snapshot(item, ITEM_FIELDS))
    return item


@transaction.atomic
def checklist_item_update(*, actor: Any, item: BidChecklistItem, data: dict[str, Any]) -> BidChecklistItem:
    locked_bid = _lock_bid(actor, item.bid)
    _require_status(
        locked_bid, EDITABLE_BID_STATUSES, _("The checklist is frozen once the bid is submitted.")
    )
    current = lock_for_update(BidChecklistItem.objects.filter(bid=locked_bid), pk=item.pk)
    values = _clean_text({k: v for k, v in data.items() if k in ITEM_FIELDS})
    if "owner" in values:
        _check_user(values["owner"], "owner")
    if "status" in values:
        values["completed_at"] = timezone.now() if values["status"] == ItemStatus.DONE else None
    model_update(
        instance=current,
        fields=[*ITEM_FIELDS, "completed_at"],
        data=values,
        actor=actor,
        action="bids.item_updated",
    )
    return current


# --- clarifications -----------------------------------------------------------------------------


@transaction.atomic
def question_add(
    *, actor: Any, bid: Bid, question: str, asked_by: str, asked_at: datetime.datetime | None = None
) -> BidQuestion:
    locked = _lock_bid(actor, bid)
    _require_status(locked, OPEN_BID_STATUSES, _("Clarifications are recorded only while the bid is open."))
    entry = BidQuestion(
        bid=locked,
        question=(question or "").strip(),
        asked_by=(asked_by or "").strip(),
        asked_at=asked_at or timezone.now(),
        recorded_by=actor,
    )
    validate(entry)
    entry.save()
    record_event(
        actor=actor,
        action="bids.question_added",
        subject=locked,
        after=snapshot(entry, ["question", "asked_by"]),
    )
    return entry


@transaction.atomic
def question_answer(
    *, actor: Any, question: BidQuestion, answer: str, answered_at: datetime.datetime | None = None
) -> BidQuestion:
    locked_bid = _lock_bid(actor, question.bid)
    _require_status(
        locked_bid, OPEN_BID_STATUSES, _("Clarifications are recorded only while the bid is open.")
    )
    current = lock_for_update(BidQuestion.objects.filter(bid=locked_bid), pk=question.pk)
    answer = (answer or "").strip()
    if not answer:
        raise _invalid("answer", _("Write the answer."))
    model_update(
        instance=current,
        fields=["answer", "answered_at"],
        data={"answer": answer, "answered_at": answered_at or timezone.now()},
        actor=actor,
        action="bids.question_answered",
    )
    return current


# --- opening result, recovery, post-bid review --------------------------------------------------


@transaction.atomic
def competitor_price_add(*, actor: Any, bid: Bid, data: dict[str, Any]) -> CompetitorPrice:
    locked = _lock_bid(actor, bid)
    _require_status(
        locked, (BidStatus.OPENED, *RESULT_STATUSES), _("Competitor prices are recorded after the opening.")
    )
    values = _clean_text({k: data.get(k) for k in ("competitor", "price", "currency", "rank", "is_winner")})
    values["currency"] = values.get("currency") or locked.currency
    values["is_winner"] = bool(values.get("is_winner"))
    entry = CompetitorPrice(bid=locked, **values)
    validate(entry)
    entry.save()
    record_event(
        actor=actor,
        action="bids.competitor_price_added",
        subject=locked,
        after=snapshot(entry, ["competitor", "price", "currency", "rank", "is_winner"]),
    )
    return entry


def _require_lost(bid: Bid) -> None:
    if bid.result not in (BidResult.LOST, BidResult.DISQUALIFIED) or bid.status == BidStatus.CANCELLED:
        raise Conflict(_("Recovery actions are for a lost or disqualified bid."))


@transaction.atomic
def recovery_action_add(
    *, actor: Any, bid: Bid, action: str, owner: Any, due_date: datetime.date | None = None
) -> RecoveryAction:
    locked = _lock_bid(actor, bid)
    _require_lost(locked)
    if owner is None:
        raise _invalid("owner", _("Name the owner."))
    _check_user(owner, "owner")
    entry = RecoveryAction(bid=locked, action=(action or "").strip(), owner=owner, due_date=due_date)
    validate(entry)
    entry.save()
    record_event(
        actor=actor,
        action="bids.recovery_added",
        subject=locked,
        after=snapshot(entry, ["action", "owner", "due_date"]),
    )
    return entry


@transaction.atomic
def recovery_action_update(
    *, actor: Any, action: RecoveryAction, status: str, outcome: str = ""
) -> RecoveryAction:
    locked_bid = _lock_bid(actor, action.bid)
    _require_lost(locked_bid)
    current = lock_for_update(RecoveryAction.objects.filter(bid=locked_bid), pk=action.pk)
    if status not in ActionStatus.values:
        raise _invalid("status", _("Choose a valid status."))
    model_update(
        instance=current,
        fields=["status", "outcome"],
        data={"status": status, "outcome": (outcome or "").strip()},
        actor=actor,
        action="bids.recovery_updated",
    )
    return current


@transaction.atomic
def post_bid_review_record(*, actor: Any, bid: Bid, reasons: str, lessons: str) -> PostBidReview:
    """Records (or rewrites) the post-bid review; possible once the result is known."""
    locked = _lock_bid(actor, bid)
    _require_status(
        locked, RESULT_STATUSES, _("The post-bid review is written after the result and before closing.")
    )
    review = PostBidReview.objects.filter(bid=locked).first() or PostBidReview(bid=locked, recorded_by=actor)
    review.reasons = (reasons or "").strip()
    review.lessons = (lessons or "").strip()
    review.recorded_by = actor
    validate(review, exclude=["bid"])
    review.save()
    record_event(
        actor=actor,
        action="bids.review_recorded",
        subject=locked,
        after=snapshot(review, ["reasons", "lessons"]),
    )
    return review


# --- negotiation --------------------------------------------------------------------------------


def _lock_negotiation(actor: Any, opportunity: Any) -> Negotiation:
    from openltc.opportunities.models import Opportunity

    opp = lock_for_update(Opportunity.objects.all(), pk=getattr(opportunity, "pk", None))
    _check_change(actor, opp, _("opportunity"))
    negotiation, _created = Negotiation.objects.get_or_create(opportunity=opp)
    locked = lock_for_update(Negotiation.objects.select_related("opportunity"), pk=negotiation.pk)
    return locked


@transaction.atomic
def negotiation_member_add(*, actor: Any, opportunity: Any, user: Any, role: str) -> NegotiationMember:
    negotiation = _lock_negotiation(actor, opportunity)
    if user is None:
        raise _invalid("user", _("Choose a person."))
    _check_user(user, "user")
    member = NegotiationMember(negotiation=negotiation, user=user, role=role)
    validate(member)
    member.save()
    record_event(
        actor=actor,
        action="bids.negotiator_added",
        subject=negotiation,
        after=snapshot(member, ["user", "role"]),
    )
    return member


@transaction.atomic
def negotiation_member_remove(*, actor: Any, opportunity: Any, member_id: Any) -> None:
    negotiation = _lock_negotiation(actor, opportunity)
    member = lock_for_update(NegotiationMember.objects.filter(negotiation=negotiation), pk=member_id)
    before = snapshot(member, ["user", "role"])
    member.delete()
    record_event(actor=actor, action="bids.negotiator_removed", subject=negotiation, before=before)


@transaction.atomic
def concession_add(
    *,
    actor: Any,
    opportunity: Any,
    given: str,
    received: str,
    value: Decimal | None = None,
    currency: str = "",
) -> Concession:
    negotiation = _lock_negotiation(actor, opportunity)
    if not (received or "").strip():
        raise _invalid("received", _("Never concede without getting something: say what we got."))
    entry = Concession(
        negotiation=negotiation,
        given=(given or "").strip(),
        received=received.strip(),
        value=value,
        currency=(currency or negotiation.opportunity.currency).strip().upper(),
        recorded_by=actor,
    )
    validate(entry)
    entry.save()
    record_event(
        actor=actor,
        action="bids.concession_added",
        subject=negotiation,
        after=snapshot(entry, ["given", "received", "value", "currency"]),
    )
    return entry


@dataclasses.dataclass(frozen=True)
class RoutingCheck:
    """How the opportunity's current terms route, against the level that approved its last gate."""

    gate: str | None
    approved_level: int | None
    routed_level: int | None
    needs_new_decision: bool
    note: str


def routing_check(opportunity: Any, negotiation: Negotiation | None) -> RoutingCheck:
    """Routes the opportunity's latest approved gate (ATC, else ATB) again with today's amount,
    payment-term risk and margin; a higher level than the approver's needs a new decision."""
    from openltc.decisions.routing import route
    from openltc.decisions.selectors import approved_decision
    from openltc.decisions.subjects import attributes_of

    for gate in ("ATC", "ATB"):
        decision = approved_decision(opportunity, gate)
        if decision is not None:
            break
    else:
        return RoutingCheck(None, None, None, False, _("No ATB or ATC decision yet; nothing to compare."))
    attrs = attributes_of(opportunity)
    if negotiation is not None:
        attrs = dataclasses.replace(
            attrs,
            payment_risk=negotiation.payment_risk or attrs.payment_risk,
            margin_pct=negotiation.margin_pct if negotiation.margin_pct is not None else attrs.margin_pct,
        )
    try:
        routing = route(gate, attrs)
    except DomainError as exc:
        return RoutingCheck(gate, decision.decider_level, None, True, exc.message)
    from openltc.org.roles import DecisionLevel

    needs = routing.level > decision.decider_level
    values = {
        "gate": gate,
        "level": DecisionLevel(routing.level).label,
        "approved": DecisionLevel(decision.decider_level).label,
    }
    if needs:
        note = (
            _(
                "The new terms route %(gate)s to %(level)s, above %(approved)s that approved it: a new decision is needed."
            )
            % values
        )
    else:
        note = (
            _("The terms still route %(gate)s to %(level)s; the approval by %(approved)s covers them.")
            % values
        )
    return RoutingCheck(gate, decision.decider_level, routing.level, needs, note)


@transaction.atomic
def terms_change(
    *,
    actor: Any,
    opportunity: Any,
    reason: str,
    new_amount: Decimal | None = None,
    payment_terms: str | None = None,
    payment_risk: str | None = None,
    margin_pct: Decimal | None = None,
    expected_version: int | None = None,
) -> TermChange:
    """Records a price or payment-term change: the amount goes to the opportunity through its
    service; the new attributes are routed again and a new decision is flagged when needed."""
    from openltc.opportunities.services import opportunity_update

    negotiation = _lock_negotiation(actor, opportunity)
    opp = negotiation.opportunity
    if not (reason or "").strip():
        raise _invalid("reason", _("Give the reason for the change."))
    old_amount, old_terms, old_risk = opp.amount, negotiation.payment_terms, negotiation.payment_risk
    if new_amount is not None and Decimal(new_amount) != opp.amount:
        opp = opportunity_update(
            actor=actor,
            opportunity=opp,
            data={"amount": Decimal(new_amount)},
            expected_version=expected_version,
        )
    elif expected_version is not None:
        check_version(opp, expected_version)
    if payment_terms is not None:
        negotiation.payment_terms = payment_terms.strip()
    if payment_risk is not None:
        negotiation.payment_risk = payment_risk
    if margin_pct is not None:
        negotiation.margin_pct = margin_pct
    validate(negotiation)
    check = routing_check(opp, negotiation)
    negotiation.needs_new_decision = check.needs_new_decision
    negotiation.decision_note = check.note[:500]
    negotiation.lock_version += 1
    negotiation.save()
    change = TermChange(
        negotiation=negotiation,
        old_amount=old_amount,
        new_amount=opp.amount,
        currency=opp.currency,
        old_payment_terms=old_terms,
        new_payment_terms=negotiation.payment_terms,
        old_payment_risk=old_risk,
        new_payment_risk=negotiation.payment_risk,
        reason=reason.strip(),
        gate=check.gate or "",
        approved_level=check.approved_level,
        routed_level=check.routed_level,
        needs_new_decision=check.needs_new_decision,
        recorded_by=actor,
    )
    validate(change)
    change.save()
    record_event(
        actor=actor,
        action="bids.terms_changed",
        subject=negotiation,
        before={"amount": old_amount, "payment_terms": old_terms, "payment_risk": old_risk},
        after={
            "amount": opp.amount,
            "payment_terms": negotiation.payment_terms,
            "payment_risk": negotiation.payment_risk,
            "needs_new_decision": check.needs_new_decision,
        },
        message=check.note,
    )
    return change


@transaction.atomic
def negotiation_record_agreement(
    *, actor: Any, opportunity: Any, agreed_on: datetime.date, note: str = ""
) -> Negotiation:
    """Records the customer's agreement (date and what was agreed); the agreed amount is the
    opportunity's amount and the terms are the negotiation's payment terms. Winning the
    opportunity stays with its own workflow (ATC approved)."""
    negotiation = _lock_negotiation(actor, opportunity)
    if agreed_on is None:
        raise _invalid("agreed_on", _("Give the date of the agreement."))
    if agreed_on > timezone.localdate():
        raise _invalid("agreed_on", _("The agreement date cannot be in the future."))
    before = snapshot(negotiation, ["agreed_on", "agreement_note"])
    negotiation.agreed_on = agreed_on
    negotiation.agreement_note = (note or "").strip()
    validate(negotiation)
    negotiation.lock_version += 1
    negotiation.save()
    record_event(
        actor=actor,
        action="bids.agreement_recorded",
        subject=negotiation,
        before=before,
        after={
            **snapshot(negotiation, ["agreed_on", "agreement_note"]),
            "amount": negotiation.opportunity.amount,
        },
    )
    return negotiation
