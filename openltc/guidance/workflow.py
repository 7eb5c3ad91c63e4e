"""The lifecycle of an action item, in one place: which status may follow which, and the
actions the UI offers. Guards return a human reason, or None when the move is allowed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openltc.guidance.choices import ActionStatus

# status → statuses it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ActionStatus.OPEN: (ActionStatus.DONE, ActionStatus.CANCELLED),
    ActionStatus.DONE: (ActionStatus.OPEN,),
    ActionStatus.CANCELLED: (ActionStatus.OPEN,),
}

# the action code the UI and the API use for each target status
ACTION_FOR: dict[str, str] = {
    ActionStatus.DONE: "complete",
    ActionStatus.CANCELLED: "cancel",
    ActionStatus.OPEN: "reopen",
}
TARGET_FOR: dict[str, str] = {code: status for status, code in ACTION_FOR.items()}
ACTION_LABELS = {
    "complete": gettext_lazy("Mark done"),
    "cancel": gettext_lazy("Cancel"),
    "reopen": gettext_lazy("Reopen"),
}


def cancel_needs_outcome_reason(item: Any, target: str, outcome: str) -> str | None:
    if target == ActionStatus.CANCELLED and not (outcome or "").strip():
        return _("Say why the action is cancelled.")
    return None


GUARDS: list[Callable[[Any, str, str], str | None]] = [cancel_needs_outcome_reason]


def transition_reason(item: Any, target: str, outcome: str = "") -> str | None:
    """Why ``item`` may not move to ``target`` now, or None."""
    if target not in TRANSITIONS.get(item.status, ()):
        return _("An action that is %(status)s cannot be moved to %(target)s.") % {
            "status": ActionStatus(item.status).label,
            "target": ActionStatus(target).label,
        }
    for guard in GUARDS:
        reason = guard(item, target, outcome)
        if reason:
            return reason
    return None


@dataclass(frozen=True)
class AvailableAction:
    code: str
    label: str
    target: str


def available_actions(item: Any) -> list[AvailableAction]:
    """The moves the UI offers for an action item (the outcome is asked for when needed)."""
    return [
        AvailableAction(code=ACTION_FOR[t], label=str(ACTION_LABELS[ACTION_FOR[t]]), target=t)
        for t in TRANSITIONS.get(item.status, ())
    ]
