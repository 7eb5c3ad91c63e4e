"""The lifecycle of a decision case and the separation-of-duties rules, in one place.

Transitions (action → allowed source statuses → target):

    submit   draft | returned                      → submitted (or awaiting_decision if no review is required)
    review   submitted | in_review | awaiting_decision → in_review, awaiting_decision once all required
                                                     functions have given their opinion
    decide   awaiting_decision                     → decided (approved / with conditions / rejected / deferred)
    return   submitted | in_review | awaiting_decision → returned (not a decision)
    reopen   decided with outcome "deferred"       → awaiting_decision (a new round)

Rights (建议权和决策权分离): reviewers recommend, only members of a decision body at the routed level
or above decide. The submitter cannot decide; whoever gave an opinion cannot decide; nobody records
a decision for someone else, except a deputy acting within the dates of the appointment.

Guards are pure functions returning a reason or None; the service loads the ``Facts`` they need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from openltc.core.errors import TransitionRefused
from openltc.decisions.choices import CaseStatus, Outcome
from openltc.org.roles import DecisionLevel

if TYPE_CHECKING:
    from openltc.decisions.models import DecisionCase


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition("submit", (CaseStatus.DRAFT, CaseStatus.RETURNED), CaseStatus.SUBMITTED),
    "review": Transition(
        "review",
        (CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW, CaseStatus.AWAITING_DECISION),
        CaseStatus.IN_REVIEW,
    ),
    "decide": Transition("decide", (CaseStatus.AWAITING_DECISION,), CaseStatus.DECIDED),
    "return": Transition(
        "return",
        (CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW, CaseStatus.AWAITING_DECISION),
        CaseStatus.RETURNED,
    ),
    "reopen": Transition("reopen", (CaseStatus.DECIDED,), CaseStatus.AWAITING_DECISION),
}


@dataclass(frozen=True)
class Facts:
    """What the guards look at besides the case, loaded by the service.

    ``actor_id`` records; ``principal_id`` is whose decision it is (the actor, or the person a
    deputy acts for). ``principal_level`` is the principal's highest SDT level over the case's unit
    (None when not an SDT member there).
    """

    actor_id: int | None = None
    principal_id: int | None = None
    acting_for_other: bool = False
    deputy_valid: bool = False
    principal_level: int | None = None
    reviewer_ids: frozenset[int] = frozenset()
    voter_ids: frozenset[int] = frozenset()
    missing_reviews: tuple[str, ...] = ()
    missing_items: tuple[str, ...] = ()
    blocking_conditions: tuple[str, ...] = ()
    can_prepare: bool = False
    extra: dict[str, str] = field(default_factory=dict)


Guard = Callable[["DecisionCase", Facts], "str | None"]


# --- guards ---------------------------------------------------------------------------------------


def status_reason(action: str) -> Guard:
    transition = TRANSITIONS[action]

    def guard(case: DecisionCase, facts: Facts) -> str | None:
        if case.status not in transition.sources:
            return _("This case is “%(status)s”; it cannot be %(action)s now.") % {
                "status": CaseStatus(case.status).label,
                "action": ACTION_VERBS[action](),
            }
        return None

    guard.__name__ = f"status_{action}_reason"
    return guard


def preparer_reason(case: DecisionCase, facts: Facts) -> str | None:
    if not facts.can_prepare:
        return _("Only the team of the record may submit its decision case.")
    return None


def checklist_unmet(case: DecisionCase, facts: Facts) -> str | None:
    if facts.missing_items:
        return _("Complete the required material first: %(items)s.") % {
            "items": "; ".join(facts.missing_items)
        }
    return None


def earlier_conditions_unmet(case: DecisionCase, facts: Facts) -> str | None:
    if facts.blocking_conditions:
        return _("Close the open conditions of the earlier decision first: %(items)s.") % {
            "items": "; ".join(facts.blocking_conditions)
        }
    return None


def acting_for_other_reason(case: DecisionCase, facts: Facts) -> str | None:
    if facts.acting_for_other and not facts.deputy_valid:
        return _(
            "You may record a decision only for yourself, or for someone who appointed you as deputy for today."
        )
    return None


def submitter_decides_reason(case: DecisionCase, facts: Facts) -> str | None:
    if case.submitted_by_id is not None and case.submitted_by_id in (facts.actor_id, facts.principal_id):
        return _("The submitter of a case cannot decide it.")
    return None


def reviewer_decides_reason(case: DecisionCase, facts: Facts) -> str | None:
    if {facts.actor_id, facts.principal_id} & facts.reviewer_ids:
        return _("You gave a review opinion on this case, so you cannot decide it.")
    return None


def authority_reason(case: DecisionCase, facts: Facts) -> str | None:
    routed = case.routed_level or DecisionLevel.COMPANY
    if facts.principal_level is None or facts.principal_level < routed:
        return _("Only members of a decision body at the %(level)s level or higher may decide this case.") % {
            "level": DecisionLevel(routed).label
        }
    return None


def already_voted_reason(case: DecisionCase, facts: Facts) -> str | None:
    if facts.principal_id in facts.voter_ids:
        return _("This member has already voted on this case.")
    return None


def reviews_unmet(case: DecisionCase, facts: Facts) -> str | None:
    if facts.missing_reviews:
        return _("The required review opinions are missing: %(functions)s.") % {
            "functions": ", ".join(facts.missing_reviews)
        }
    return None


def submitter_reviews_reason(case: DecisionCase, facts: Facts) -> str | None:
    if case.submitted_by_id is not None and case.submitted_by_id == facts.actor_id:
        return _("The submitter cannot review their own case.")
    return None


def voter_reviews_reason(case: DecisionCase, facts: Facts) -> str | None:
    if facts.actor_id in facts.voter_ids:
        return _("You voted on this case, so you cannot also review it.")
    return None


def deferred_reason(case: DecisionCase, facts: Facts) -> str | None:
    if case.outcome != Outcome.DEFERRED:
        return _("Only a deferred case can be reopened.")
    return None


ACTION_VERBS: dict[str, Callable[[], str]] = {
    "submit": lambda: _("submitted"),
    "review": lambda: _("reviewed"),
    "decide": lambda: _("decided"),
    "return": lambda: _("returned for rework"),
    "reopen": lambda: _("reopened"),
}

DECIDER_GUARDS: tuple[Guard, ...] = (
    acting_for_other_reason,
    submitter_decides_reason,
    reviewer_decides_reason,
    authority_reason,
)

GUARDS: dict[str, tuple[Guard, ...]] = {
    "submit": (status_reason("submit"), preparer_reason, earlier_conditions_unmet, checklist_unmet),
    "review": (status_reason("review"), submitter_reviews_reason, voter_reviews_reason),
    "decide": (status_reason("decide"), *DECIDER_GUARDS, already_voted_reason, reviews_unmet),
    "return": (status_reason("return"), *DECIDER_GUARDS),
    "reopen": (status_reason("reopen"), deferred_reason),
}


def blocking_reasons(case: DecisionCase, action: str, facts: Facts) -> list[str]:
    reasons = []
    for guard in GUARDS[action]:
        reason = guard(case, facts)
        if reason:
            reasons.append(reason)
    return reasons


def check(case: DecisionCase, action: str, facts: Facts) -> Transition:
    """Returns the transition when allowed; raises TransitionRefused with the first reason."""
    reasons = blocking_reasons(case, action, facts)
    if reasons:
        raise TransitionRefused(reasons[0], extra={"reasons": reasons, "action": action})
    return TRANSITIONS[action]


@dataclass(frozen=True)
class Action:
    code: str
    allowed: bool
    reason: str = ""


def available_actions(case: DecisionCase, facts_by_action: dict[str, Facts]) -> list[Action]:
    """What the viewer can do with the case now (for buttons), each with its refusal reason."""
    actions = []
    for code, facts in facts_by_action.items():
        reasons = blocking_reasons(case, code, facts)
        actions.append(Action(code, not reasons, reasons[0] if reasons else ""))
    return actions
