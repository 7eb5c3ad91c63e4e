"""The bid lifecycle (ltc-domain §9): the one place that says which status may follow which and
what blocks a move.

    preparing → under_review (投标评审) → submitted → opened → awarded | lost | disqualified → closed
    under_review → preparing (returned for rework)
    preparing / under_review / submitted / opened → cancelled (with a reason)

Submission needs the approved ATB decision of the opportunity (the bid review is the ATB case of
the decisions engine) and no open checklist item that prevents disqualification (废标项).
Closing needs the post-bid review (标后总结). Guards are pure functions ``(bid, facts) ->
reason | None``; ``Facts`` carries what needs the database (``selectors.bid_facts``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openltc.bids.choices import BidResult, BidStatus
from openltc.core.errors import TransitionRefused

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from openltc.bids.models import Bid

S = BidStatus


@dataclass(frozen=True)
class Facts:
    """What guards may look at besides the bid."""

    item_count: int = 0
    blocking_items: tuple[str, ...] = ()  # open items that prevent disqualification
    atb_approved: bool = False
    has_review: bool = False
    can_change: bool = True
    # inputs of the move
    reason: str = ""
    our_rank: int | None = None


Guard = Callable[["Bid", Facts], "str | None"]


@dataclass(frozen=True)
class Edge:
    code: str
    sources: tuple[str, ...]
    target: str
    label: str | Promise
    guards: tuple[Guard, ...] = field(default_factory=tuple)


# --- guards -------------------------------------------------------------------------------------


def tender_unmet(bid: Bid, facts: Facts) -> str | None:
    if not bid.tender_number or bid.submission_deadline is None:
        return _("Enter the tender number and the submission deadline.")
    return None


def checklist_unmet(bid: Bid, facts: Facts) -> str | None:
    if facts.item_count == 0:
        return _("Add the bid-document checklist first.")
    return None


def price_unmet(bid: Bid, facts: Facts) -> str | None:
    if bid.bid_price is None:
        return _("Enter our bid price.")
    return None


def completeness_unmet(bid: Bid, facts: Facts) -> str | None:
    if facts.blocking_items:
        return _("Items that prevent disqualification are still open: %(items)s.") % {
            "items": ", ".join(facts.blocking_items)
        }
    return None


def atb_unmet(bid: Bid, facts: Facts) -> str | None:
    if not facts.atb_approved:
        return _("The opportunity has no approved ATB decision (bid review); the bid cannot be submitted.")
    return None


def bond_unmet(bid: Bid, facts: Facts) -> str | None:
    if bid.bond_status == "to_pay":
        return _("The bid bond is not paid yet.")
    return None


def reason_unmet(bid: Bid, facts: Facts) -> str | None:
    if not facts.reason.strip():
        return _("Give the reason.")
    return None


def rank_unmet(bid: Bid, facts: Facts) -> str | None:
    if facts.our_rank is not None and facts.our_rank < 1:
        return _("Our rank starts at 1.")
    return None


def review_unmet(bid: Bid, facts: Facts) -> str | None:
    if not facts.has_review:
        return _("Record the post-bid review (标后总结) with its lessons before closing the bid.")
    return None


EDGES: tuple[Edge, ...] = (
    Edge(
        "submit_for_review",
        (S.PREPARING,),
        S.UNDER_REVIEW,
        gettext_lazy("Send to bid review"),
        (tender_unmet, checklist_unmet),
    ),
    Edge("return", (S.UNDER_REVIEW,), S.PREPARING, gettext_lazy("Return for rework")),
    Edge(
        "submit",
        (S.UNDER_REVIEW,),
        S.SUBMITTED,
        gettext_lazy("Submit the bid"),
        (tender_unmet, price_unmet, bond_unmet, completeness_unmet, atb_unmet),
    ),
    Edge("open", (S.SUBMITTED,), S.OPENED, gettext_lazy("Record the bid opening")),
    Edge("award", (S.OPENED,), S.AWARDED, gettext_lazy("Record: awarded"), (rank_unmet,)),
    Edge("lose", (S.OPENED,), S.LOST, gettext_lazy("Record: lost"), (rank_unmet,)),
    Edge("disqualify", (S.OPENED,), S.DISQUALIFIED, gettext_lazy("Record: disqualified"), (reason_unmet,)),
    Edge(
        "close",
        (S.AWARDED, S.LOST, S.DISQUALIFIED),
        S.CLOSED,
        gettext_lazy("Close the bid"),
        (review_unmet,),
    ),
    Edge(
        "cancel",
        (S.PREPARING, S.UNDER_REVIEW, S.SUBMITTED, S.OPENED),
        S.CANCELLED,
        gettext_lazy("Cancel the bid"),
        (reason_unmet,),
    ),
)
EDGE_BY_CODE: dict[str, Edge] = {e.code: e for e in EDGES}
RESULT_OF: dict[str, str] = {
    "award": BidResult.AWARDED,
    "lose": BidResult.LOST,
    "disqualify": BidResult.DISQUALIFIED,
}
# Edges whose inputs are asked on the action (reason, rank); their guards on inputs are checked
# only when the move is made, not when the buttons are drawn.
INPUT_GUARDS: tuple[Guard, ...] = (reason_unmet, rank_unmet)


def edge_for(code: str) -> Edge:
    edge = EDGE_BY_CODE.get(code)
    if edge is None:
        raise TransitionRefused(_("Unknown bid action."))
    return edge


def blocking_reasons(bid: Bid, edge: Edge, facts: Facts, *, with_inputs: bool = True) -> list[str]:
    if bid.status not in edge.sources:
        return [_("A bid in status “%(status)s” cannot do this.") % {"status": BidStatus(bid.status).label}]
    reasons = []
    for guard in edge.guards:
        if not with_inputs and guard in INPUT_GUARDS:
            continue
        reason = guard(bid, facts)
        if reason:
            reasons.append(reason)
    return reasons


def check_transition(bid: Bid, code: str, facts: Facts) -> Edge:
    """The edge for ``code`` when it is allowed now; otherwise TransitionRefused with the reasons."""
    edge = edge_for(code)
    reasons = blocking_reasons(bid, edge, facts)
    if reasons:
        raise TransitionRefused(" ".join(reasons), extra={"reasons": reasons})
    return edge


@dataclass(frozen=True)
class Action:
    code: str
    label: str | Promise
    allowed: bool
    reasons: tuple[str, ...]


def available_actions(bid: Bid, facts: Facts) -> list[Action]:
    """The moves from the bid's status, each with whether it is allowed now and why not; the
    page draws the buttons from this."""
    if not facts.can_change:
        return []
    actions = []
    for edge in EDGES:
        if bid.status not in edge.sources:
            continue
        reasons = blocking_reasons(bid, edge, facts, with_inputs=False)
        actions.append(Action(edge.code, edge.label, not reasons, tuple(reasons)))
    return actions


PATH: tuple[str, ...] = (S.PREPARING, S.UNDER_REVIEW, S.SUBMITTED, S.OPENED)


def status_path(bid: Bid) -> list[dict[str, object]]:
    """The stations of the lifecycle for the page's path bar."""
    stations = [*PATH, bid.result or "result", S.CLOSED]
    order = {s: i for i, s in enumerate(stations)}
    current = bid.status
    position = order.get(current, order.get(bid.result or "result", 4))
    if current == S.CANCELLED:
        position = -1
    labels = {**{s.value: s.label for s in BidStatus}, "result": gettext_lazy("Result")}
    return [
        {"code": s, "label": labels.get(s, s), "done": i < position, "current": i == position}
        for i, s in enumerate(stations)
    ]
