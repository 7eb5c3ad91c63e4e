"""The opportunity stage machine: the one place that says which stage may follow which, which
decision gate (ATI/ATB/ATC) each move needs, and what blocks it.

Rule of issue 4: an opportunity never passes a gate without a recorded, approved decision by an
authorised decider at the level the delegation matrix requires (the ``decisions`` app). Every
forward edge carries a gate guard that reads the approved gates from the facts; a move into
"initiated" also needs the iron triangle (AR, SR, FR) on the team; and conditions still open from
an earlier gate's approval block the next gate (ATI conditions block ATB, ATI/ATB conditions block
ATC).

Guards are pure functions ``(opportunity, facts) -> reason | None``: they read the opportunity's
fields and the facts the service loaded for them, and never touch the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openltc.core.errors import TransitionRefused
from openltc.opportunities.choices import (
    CLOSED_STAGES,
    IRON_TRIANGLE,
    OPEN_STAGES,
    Gate,
    LossReason,
    Stage,
    TeamRole,
)

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from openltc.opportunities.models import Opportunity


@dataclass(frozen=True)
class Facts:
    """What a guard may look at besides the opportunity: loaded team roles and the inputs of the move."""

    team_roles: frozenset[str] = frozenset()
    required_roles: frozenset[str] = frozenset()  # what the grade requires besides the iron triangle
    has_product_lines: bool = False
    approved_gates: frozenset[str] = frozenset()
    open_conditions: tuple[tuple[str, str], ...] = ()  # (gate whose approval set it, text)
    reason_code: str = ""
    competitor: str = ""
    note: str = ""


Guard = Callable[["Opportunity", Facts], "str | None"]


@dataclass(frozen=True)
class Edge:
    """One allowed move. ``gate`` is the decision that must be approved for it (None: no gate)."""

    source: str
    target: str
    gate: str | None = None
    guards: tuple[Guard, ...] = field(default_factory=tuple)

    @property
    def is_forward(self) -> bool:
        return self.target not in (Stage.LOST, Stage.ABANDONED)


# --- guards -------------------------------------------------------------------------------------


GATE_SEQUENCE: tuple[str, ...] = (Gate.ATI, Gate.ATB, Gate.ATC)


def gate_decision_reason(gate: str) -> Guard:
    """The gate guard of a forward edge: the gate must have an approved decision on record."""

    def guard(opportunity: Opportunity, facts: Facts) -> str | None:
        if gate not in facts.approved_gates:
            return _("This step needs an approved %(gate)s decision.") % {"gate": gate}
        return None

    guard.__name__ = f"gate_{gate.lower()}_decision_reason"
    return guard


def earlier_conditions_reason(gate: str) -> Guard:
    """Conditions of an earlier gate's approval must be closed before the next gate is crossed."""
    earlier = GATE_SEQUENCE[: GATE_SEQUENCE.index(gate)] if gate in GATE_SEQUENCE else ()

    def guard(opportunity: Opportunity, facts: Facts) -> str | None:
        texts = [text for source, text in facts.open_conditions if source in earlier]
        if texts:
            return _("Close the open conditions of the earlier decision first: %(items)s.") % {
                "items": "; ".join(texts)
            }
        return None

    guard.__name__ = f"gate_{gate.lower()}_earlier_conditions_reason"
    return guard


def iron_triangle_unmet(opportunity: Opportunity, facts: Facts) -> str | None:
    missing = [role for role in IRON_TRIANGLE if role not in facts.team_roles]
    if missing:
        return _("The iron triangle must be on the team first; missing: %(roles)s.") % {
            "roles": ", ".join(str(TeamRole(r).label) for r in missing)
        }
    return None


def grade_unmet(opportunity: Opportunity, facts: Facts) -> str | None:
    if not opportunity.grade:
        return _("Grade the opportunity (A/B/C) before ATI.")
    return None


def grade_roles_unmet(opportunity: Opportunity, facts: Facts) -> str | None:
    """The extended team the grade requires (configured per grade) must be on the team."""
    missing = sorted(role for role in facts.required_roles if role not in facts.team_roles)
    if missing:
        return _("Grade %(grade)s needs these roles on the team first: %(roles)s.") % {
            "grade": opportunity.grade,
            "roles": ", ".join(str(TeamRole(r).label) if r in TeamRole.values else r for r in missing),
        }
    return None


def still_open_reason(opportunity: Opportunity, facts: Facts) -> str | None:
    if opportunity.stage in CLOSED_STAGES:
        return _("This opportunity is already closed.")
    return None


def reason_code_unmet(opportunity: Opportunity, facts: Facts) -> str | None:
    if not facts.reason_code:
        return _("Choose the reason code.")
    if facts.reason_code not in LossReason.values:
        return _("Choose a valid reason code.")
    return None


def other_reason_note_unmet(opportunity: Opportunity, facts: Facts) -> str | None:
    if facts.reason_code == LossReason.OTHER and not facts.note.strip():
        return _("Explain the reason in the note when the reason is “Other”.")
    return None


def competitor_unmet(opportunity: Opportunity, facts: Facts) -> str | None:
    if not facts.competitor.strip():
        return _("Name the competitor who won.")
    return None


# --- the transition table -----------------------------------------------------------------------

# The gate whose approved decision a move into each stage needs. Moving into "initiated" crosses
# ATI; "guiding" and "bidding" are reachable only with ATI on record; "negotiating" crosses ATB;
# "won" crosses ATC.
GATE_FOR_STAGE: dict[str, str] = {
    Stage.INITIATED: Gate.ATI,
    Stage.GUIDING: Gate.ATI,
    Stage.BIDDING: Gate.ATI,
    Stage.NEGOTIATING: Gate.ATB,
    Stage.WON: Gate.ATC,
}
# The stages whose entry is the decision itself (shown on the stage path).
GATE_CROSSED_ENTERING: dict[str, str] = {
    Stage.INITIATED: Gate.ATI,
    Stage.NEGOTIATING: Gate.ATB,
    Stage.WON: Gate.ATC,
}

FORWARD: dict[str, str] = {
    Stage.VALIDATING: Stage.INITIATED,
    Stage.INITIATED: Stage.GUIDING,
    Stage.GUIDING: Stage.BIDDING,
    Stage.BIDDING: Stage.NEGOTIATING,
    Stage.NEGOTIATING: Stage.WON,
}


def _build_table() -> dict[str, tuple[Edge, ...]]:
    table: dict[str, tuple[Edge, ...]] = {}
    for source in OPEN_STAGES:
        target = FORWARD[source]
        gate = GATE_FOR_STAGE[target]
        forward_guards: tuple[Guard, ...] = (
            still_open_reason,
            gate_decision_reason(gate),
            earlier_conditions_reason(gate),
        )
        if target == Stage.INITIATED:
            forward_guards = (*forward_guards, iron_triangle_unmet, grade_unmet, grade_roles_unmet)
        table[source] = (
            Edge(source, target, gate=gate, guards=forward_guards),
            Edge(
                source,
                Stage.LOST,
                guards=(still_open_reason, reason_code_unmet, other_reason_note_unmet, competitor_unmet),
            ),
            Edge(
                source,
                Stage.ABANDONED,
                guards=(still_open_reason, reason_code_unmet, other_reason_note_unmet),
            ),
        )
    for closed in CLOSED_STAGES:
        table[closed] = ()
    return table


TRANSITIONS: dict[str, tuple[Edge, ...]] = _build_table()


def edge_for(source: str, target: str) -> Edge | None:
    return next((e for e in TRANSITIONS.get(source, ()) if e.target == target), None)


def blocking_reasons(opportunity: Opportunity, target: str, facts: Facts | None = None) -> list[str]:
    """Every reason the move to ``target`` is refused now; empty when it is allowed."""
    facts = facts or Facts()
    edge = edge_for(opportunity.stage, target)
    if edge is None:
        return [
            _("An opportunity cannot move from “%(source)s” to “%(target)s”.")
            % {"source": Stage(opportunity.stage).label, "target": Stage(target).label}
        ]
    reasons = []
    for guard in edge.guards:
        reason = guard(opportunity, facts)
        if reason:
            reasons.append(reason)
    return reasons


def check_transition(opportunity: Opportunity, target: str, facts: Facts | None = None) -> Edge:
    """Returns the edge when the move is allowed; raises TransitionRefused with the first reason."""
    reasons = blocking_reasons(opportunity, target, facts)
    if reasons:
        raise TransitionRefused(reasons[0], extra={"reasons": reasons, "to_stage": str(target)})
    edge = edge_for(opportunity.stage, target)
    assert edge is not None  # blocking_reasons reports a missing edge
    return edge


# --- what the UI shows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    label: str | Promise
    met: bool


def exit_criteria(opportunity: Opportunity, facts: Facts) -> list[Criterion]:
    """The checklist of what the next forward stage needs (ltc-domain §3.2 exit criteria)."""
    target = FORWARD.get(opportunity.stage)
    if target is None:
        return []
    items: list[Criterion] = []
    if opportunity.stage == Stage.VALIDATING:
        items += [
            Criterion(gettext_lazy("Estimated amount recorded"), bool(opportunity.amount)),
            Criterion(gettext_lazy("Expected close date set"), opportunity.expected_close_date is not None),
            Criterion(gettext_lazy("Product lines chosen"), facts.has_product_lines),
            Criterion(
                gettext_lazy("Iron triangle on the team (AR, SR, FR)"),
                all(role in facts.team_roles for role in IRON_TRIANGLE),
            ),
            Criterion(gettext_lazy("Project grade assigned (A/B/C)"), bool(opportunity.grade)),
        ]
        if facts.required_roles:
            items.append(
                Criterion(
                    gettext_lazy("Team roles the grade requires on the team"),
                    grade_roles_unmet(opportunity, facts) is None,
                )
            )
    gate = GATE_FOR_STAGE[target]
    items.append(
        Criterion(
            gettext_lazy("Approved %(gate)s decision recorded") % {"gate": gate},
            gate in facts.approved_gates,
        )
    )
    if earlier_conditions_reason(gate)(opportunity, facts) is not None:
        items.append(Criterion(gettext_lazy("Conditions of the earlier decision closed"), False))
    return items


@dataclass(frozen=True)
class StageStep:
    stage: str
    label: str | Promise
    gate: str | None
    state: str  # "done" | "current" | "todo" | "closed"


def stage_path(opportunity: Opportunity) -> list[StageStep]:
    """The pipeline stages in order, each with the gate its entry crosses and where we stand."""
    steps: list[StageStep] = []
    sequence = [*OPEN_STAGES, Stage.WON]
    current_index = sequence.index(opportunity.stage) if opportunity.stage in sequence else -1
    for index, stage in enumerate(sequence):
        if stage == opportunity.stage:
            state = "current"
        elif current_index >= 0 and index < current_index:
            state = "done"
        else:
            state = "todo"
        steps.append(StageStep(stage, Stage(stage).label, GATE_CROSSED_ENTERING.get(stage), state))
    if opportunity.stage in (Stage.LOST, Stage.ABANDONED):
        steps.append(StageStep(opportunity.stage, Stage(opportunity.stage).label, None, "closed"))
    return steps


@dataclass(frozen=True)
class Action:
    code: str
    label: str | Promise
    allowed: bool
    reason: str = ""
    target: str | None = None


def available_actions(
    opportunity: Opportunity, user: Any, *, can_change: bool, facts: Facts | None = None
) -> list[Action]:
    """What ``user`` can do with the opportunity now, each with the reason when it is refused.

    ``can_change`` is the caller's object-permission answer (visibility "change") and ``facts``
    the loaded workflow facts (team, approved gates, open conditions), so this stays free of
    database queries.
    """
    no_right = _("You may not change this opportunity.")
    closed = _("This opportunity is already closed.")
    actions: list[Action] = []
    is_open = opportunity.stage in OPEN_STAGES

    def plain(code: str, label: Promise | str) -> Action:
        if not can_change:
            return Action(code, label, False, no_right)
        if not is_open:
            return Action(code, label, False, closed)
        return Action(code, label, True)

    actions.append(plain("edit", gettext_lazy("Edit")))
    actions.append(plain("probability", gettext_lazy("Adjust probability")))
    actions.append(plain("forecast", gettext_lazy("Set forecast category")))
    actions.append(plain("team", gettext_lazy("Manage team")))
    for edge in TRANSITIONS.get(opportunity.stage, ()):
        if edge.is_forward:
            reasons = blocking_reasons(opportunity, edge.target, facts)
            label: str | Promise = _("Advance to “%(stage)s”") % {"stage": Stage(edge.target).label}
            if not reasons and not can_change:
                reasons = [no_right]
            actions.append(Action("advance", label, not reasons, reasons[0] if reasons else "", edge.target))
        else:
            code = "close_lost" if edge.target == Stage.LOST else "abandon"
            label = gettext_lazy("Close as lost") if code == "close_lost" else gettext_lazy("Abandon")
            actions.append(Action(code, label, can_change, "" if can_change else no_right, edge.target))
    return actions


def allowed_codes(actions: Sequence[Action]) -> set[str]:
    return {a.code for a in actions if a.allowed}
