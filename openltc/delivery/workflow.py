"""The delivery project lifecycle in one place: the transition table, the guards (each returns a
human reason or None) and the one function the UI asks for the available actions.

Planning → executing needs a delivery milestone in the plan; executing → closed needs every
delivery milestone accepted, every risk closed, final accounts (决算) recorded and the project
summary written. The same closure guards feed the contract's ATCC closure condition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from openltc.core.errors import TransitionRefused
from openltc.delivery.choices import ProjectStatus
from openltc.delivery.models import DeliveryProject

S = ProjectStatus


@dataclass(frozen=True)
class Facts:
    """What the guards need, gathered by ``selectors.facts_for`` (no query here)."""

    milestones: int = 0
    unaccepted_milestones: tuple[str, ...] = ()
    open_risks: int = 0
    has_final_accounts: bool = False
    summary: str = ""


Guard = Callable[[DeliveryProject, Facts], "str | None"]


def plan_unmet(project: DeliveryProject, facts: Facts) -> str | None:
    if facts.milestones == 0:
        return _("Plan at least one delivery milestone before execution starts.")
    return None


def acceptance_unmet(project: DeliveryProject, facts: Facts) -> str | None:
    if facts.milestones == 0:
        return _("The plan has no delivery milestone.")
    if facts.unaccepted_milestones:
        return _("Delivery milestones not accepted by the customer yet: %(names)s.") % {
            "names": ", ".join(facts.unaccepted_milestones)
        }
    return None


def risks_unmet(project: DeliveryProject, facts: Facts) -> str | None:
    if facts.open_risks:
        return ngettext(
            "%(count)d risk is still open.", "%(count)d risks are still open.", facts.open_risks
        ) % {"count": facts.open_risks}
    return None


def final_accounts_unmet(project: DeliveryProject, facts: Facts) -> str | None:
    if not facts.has_final_accounts:
        return _("The final accounts (决算) are not recorded.")
    return None


def summary_unmet(project: DeliveryProject, facts: Facts) -> str | None:
    if not facts.summary.strip():
        return _("Write the project summary (项目总结) to close the project.")
    return None


CLOSURE_GUARDS: tuple[Guard, ...] = (acceptance_unmet, risks_unmet, final_accounts_unmet)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    code: str
    label: str | Promise
    guards: tuple[Guard, ...] = ()


TRANSITIONS: dict[str, tuple[Edge, ...]] = {
    S.PLANNING: (
        Edge(S.PLANNING, S.EXECUTING, "start", gettext_lazy("Start execution"), guards=(plan_unmet,)),
    ),
    S.EXECUTING: (
        Edge(
            S.EXECUTING,
            S.CLOSED,
            "close",
            gettext_lazy("Close the project"),
            guards=(*CLOSURE_GUARDS, summary_unmet),
        ),
    ),
    S.CLOSED: (),
}


def edge_for(source: str, target: str) -> Edge | None:
    return next((e for e in TRANSITIONS.get(source, ()) if e.target == target), None)


def blocking_reasons(project: DeliveryProject, target: str, facts: Facts) -> list[str]:
    edge = edge_for(project.status, target)
    if edge is None:
        return [
            _("A project cannot move from %(source)s to %(target)s.")
            % {"source": S(project.status).label, "target": S(target).label}
        ]
    return [reason for guard in edge.guards if (reason := guard(project, facts))]


def check_transition(project: DeliveryProject, target: str, facts: Facts) -> Edge:
    reasons = blocking_reasons(project, target, facts)
    if reasons:
        raise TransitionRefused(reasons[0], extra={"reasons": reasons})
    edge = edge_for(project.status, target)
    assert edge is not None
    return edge


@dataclass(frozen=True)
class Action:
    code: str
    label: str | Promise
    allowed: bool
    reason: str = ""
    target: str = ""


def available_actions(project: DeliveryProject, *, facts: Facts, can_change: bool) -> list[Action]:
    """What the viewer can do with the project's lifecycle now, refused ones with the reason.
    The close edge's summary is an input of the form, so its absence does not block the button."""
    no_right = _("You may not change this delivery project.")
    actions = []
    for edge in TRANSITIONS.get(project.status, ()):
        reasons = [r for g in edge.guards if g is not summary_unmet and (r := g(project, facts))]
        if not reasons and not can_change:
            reasons = [no_right]
        actions.append(Action(edge.code, edge.label, not reasons, reasons[0] if reasons else "", edge.target))
    return actions


def closure_reasons(project: DeliveryProject | None, facts: Facts | None) -> list[str]:
    """The unmet ATCC conditions owned by delivery for one contract's project."""
    if project is None or facts is None:
        return [_("No delivery project was set up for this contract.")]
    reasons = [r for g in CLOSURE_GUARDS if (r := g(project, facts))]
    if project.status != S.CLOSED:
        reasons.append(
            _("The delivery project %(number)s is not closed with its summary.") % {"number": project.number}
        )
    return reasons


def is_open(project: Any) -> bool:
    return bool(project.status != S.CLOSED)
