"""The lead lifecycle in one place: which action moves a lead from which status to which, the
guards that must pass, and who may act. ``services.lead_transition`` is the only code that assigns
``Lead.status``; the UI and the API ask ``available_actions`` what to offer.

    new ──validate──▶ validating ──accept──▶ nurturing ──qualify──▶ qualified ──convert──▶ converted
     ▲                    │                      │                      │
     └──return_to_pool────┴──────────────────────┘                      │
    (any open status) ──disqualify──▶ disqualified ◀────────────────────┘
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openltc.core.visibility import CHANGE, can_access, user_scope
from openltc.leads.choices import OPEN_STATUSES, DisqualifyReason, ElementStatus, LeadStatus, StrategicFit

if TYPE_CHECKING:
    from openltc.leads.models import Lead

S = LeadStatus
Guard = Callable[["Lead"], "str | None"]


class Action(enum.StrEnum):
    VALIDATE = "validate"
    ACCEPT = "accept"
    QUALIFY = "qualify"
    CONVERT = "convert"
    DISQUALIFY = "disqualify"
    RETURN_TO_POOL = "return_to_pool"
    # Actions that do not change the status.
    ASSIGN = "assign"
    DISTRIBUTE = "distribute"
    CLAIM = "claim"
    LOG_ACTIVITY = "log_activity"
    EDIT = "edit"


ACTION_LABELS: dict[Action, Any] = {
    Action.VALIDATE: gettext_lazy("Start validation"),
    Action.ACCEPT: gettext_lazy("Accept for nurturing"),
    Action.QUALIFY: gettext_lazy("Qualify"),
    Action.CONVERT: gettext_lazy("Convert to opportunity"),
    Action.DISQUALIFY: gettext_lazy("Disqualify"),
    Action.RETURN_TO_POOL: gettext_lazy("Return to pool"),
    Action.ASSIGN: gettext_lazy("Assign"),
    Action.DISTRIBUTE: gettext_lazy("Distribute by rules"),
    Action.CLAIM: gettext_lazy("Claim"),
    Action.LOG_ACTIVITY: gettext_lazy("Log activity"),
    Action.EDIT: gettext_lazy("Edit"),
}


# --- guards: pure functions of the lead, returning why the action is blocked -------------------


def owner_unmet(lead: Lead) -> str | None:
    if lead.owner_id is None:
        return _("Assign an owner first.")
    return None


def strategic_fit_unmet(lead: Lead) -> str | None:
    if lead.strategic_fit != StrategicFit.FIT:
        return _("The strategic fit must be assessed as fitting.")
    return None


def maturity_unmet(lead: Lead) -> str | None:
    if not lead.maturity:
        return _("Classify the maturity (cold, warm or hot).")
    return None


def duplicate_check_unmet(lead: Lead) -> str | None:
    if lead.duplicates_checked_at is None:
        return _("Run the duplicate check first.")
    return None


def elements_unmet(lead: Lead) -> str | None:
    from openltc.leads.models import ELEMENTS

    missing = [
        str(label) for key, label in ELEMENTS if getattr(lead, f"{key}_status") != ElementStatus.CONFIRMED
    ]
    if missing:
        return _("These elements are not confirmed yet: %(elements)s.") % {"elements": ", ".join(missing)}
    return None


def checklist_unmet(lead: Lead) -> str | None:
    from openltc.leads.models import NurturingCriterion

    checked = {c.criterion_id for c in lead.checks.all() if c.checked}
    open_items = [c for c in NurturingCriterion.objects.filter(is_active=True) if c.pk not in checked]
    if open_items:
        return _("%(count)d of the nurturing checklist criteria are not met yet.") % {
            "count": len(open_items)
        }
    return None


def disqualify_reason_unmet(lead: Lead) -> str | None:
    if not lead.disqualify_reason:
        return _("Choose a reason for disqualifying the lead.")
    if lead.disqualify_reason == DisqualifyReason.OTHER and not lead.disqualify_note.strip():
        return _("Explain the reason in the note when you choose “Other”.")
    return None


def pool_reason_unmet(lead: Lead) -> str | None:
    if not lead.pool_reason.strip():
        return _("Give a reason for returning the lead to the pool.")
    return None


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    guards: tuple[Guard, ...] = field(default_factory=tuple)
    # Guards that check an input given with the action (a reason); the UI asks for it in a form.
    input_guards: tuple[Guard, ...] = field(default_factory=tuple)


TRANSITIONS: dict[Action, Transition] = {
    Action.VALIDATE: Transition(sources=(S.NEW,), target=S.VALIDATING),
    Action.ACCEPT: Transition(
        sources=(S.VALIDATING,),
        target=S.NURTURING,
        guards=(owner_unmet, strategic_fit_unmet, maturity_unmet, duplicate_check_unmet),
    ),
    Action.QUALIFY: Transition(
        sources=(S.NURTURING,), target=S.QUALIFIED, guards=(owner_unmet, checklist_unmet, elements_unmet)
    ),
    Action.CONVERT: Transition(sources=(S.QUALIFIED,), target=S.CONVERTED, guards=(owner_unmet,)),
    Action.DISQUALIFY: Transition(
        sources=(S.NEW, S.VALIDATING, S.NURTURING, S.QUALIFIED),
        target=S.DISQUALIFIED,
        input_guards=(disqualify_reason_unmet,),
    ),
    Action.RETURN_TO_POOL: Transition(
        sources=(S.NEW, S.VALIDATING, S.NURTURING),
        target=S.NEW,
        guards=(owner_unmet,),
        input_guards=(pool_reason_unmet,),
    ),
}


def state_refusal(lead: Lead, action: Action) -> str | None:
    transition = TRANSITIONS.get(action)
    if transition is not None and lead.status not in transition.sources:
        return _("“%(action)s” is not possible while the lead is %(status)s.") % {
            "action": ACTION_LABELS[action],
            "status": LeadStatus(lead.status).label.lower(),
        }
    if transition is None and lead.status not in OPEN_STATUSES:
        return _("The lead is %(status)s; it can no longer be changed.") % {
            "status": LeadStatus(lead.status).label.lower()
        }
    return None


def blocking_reasons(lead: Lead, action: Action, *, with_inputs: bool = True) -> list[str]:
    """Every reason the action is refused right now (state first, then guards in order)."""
    refusal = state_refusal(lead, action)
    if refusal:
        return [refusal]
    transition = TRANSITIONS.get(action)
    if transition is None:
        return []
    guards = transition.guards + (transition.input_guards if with_inputs else ())
    return [reason for guard in guards if (reason := guard(lead))]


# --- who may act ---------------------------------------------------------------------------------


def is_lead_manager_for(user: Any, lead: Lead) -> bool:
    """Managers and lead managers manage the leads of their org-unit subtree."""
    return user_scope(user).covers(lead.org_unit.path, CHANGE)


def permission_refusal(lead: Lead, user: Any, action: Action) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return _("You may not do this.")
    manager = is_lead_manager_for(user, lead)
    if action in (Action.ASSIGN, Action.DISTRIBUTE):
        return None if manager else _("Only a lead manager or sales manager of this unit may assign leads.")
    if action == Action.CLAIM:
        if lead.owner_id is not None:
            return _("Only pool leads can be claimed.")
        return None
    if manager or (lead.owner_id is not None and lead.owner_id == user.pk):
        return None
    if can_access(user, lead, CHANGE):
        return None
    return _("Only the lead's owner or a manager of its unit may do this.")


@dataclass
class AvailableAction:
    code: str
    label: str
    allowed: bool
    reasons: list[str]
    needs_input: bool = False


_OFFERED = (
    Action.VALIDATE,
    Action.ACCEPT,
    Action.QUALIFY,
    Action.CONVERT,
    Action.RETURN_TO_POOL,
    Action.DISQUALIFY,
    Action.CLAIM,
    Action.DISTRIBUTE,
    Action.ASSIGN,
    Action.LOG_ACTIVITY,
    Action.EDIT,
)


def available_actions(lead: Lead, user: Any) -> list[AvailableAction]:
    """What ``user`` may do with ``lead`` now. Actions impossible in this status or not permitted for
    the user are left out; the rest come with ``allowed`` and, if blocked, the guards' reasons."""
    offered: list[AvailableAction] = []
    for action in _OFFERED:
        if state_refusal(lead, action) or permission_refusal(lead, user, action):
            continue
        if action == Action.DISTRIBUTE and lead.owner_id is not None:
            continue
        transition = TRANSITIONS.get(action)
        reasons = blocking_reasons(lead, action, with_inputs=False)
        offered.append(
            AvailableAction(
                code=str(action),
                label=str(ACTION_LABELS[action]),
                allowed=not reasons,
                reasons=reasons,
                needs_input=bool(transition and transition.input_guards)
                or action in (Action.ASSIGN, Action.CONVERT),
            )
        )
    return offered
