"""The contract lifecycle (ltc-domain §10.2): the one place that says which status may follow
which, which decision gate an edge needs, and what blocks it.

    draft → under_review (合同评审) → awaiting_atc → countersign (会签) → seal (盖章) → signed
          → archived (归档) → executing → closed
    under_review / awaiting_atc → draft (returned for rework: a new version)
    any status before signature → withdrawn (with a reason)

The awaiting_atc → countersign edge needs an approved ATC decision from the decisions app, and
executing → closed an approved ATCC decision; when the decision engine cannot answer, the edge
is refused, never skipped. Guards are pure functions ``(contract, facts) -> reason | None``;
the facts (loaded by ``selectors.facts_for``) carry everything that needs the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openltc.contracts.choices import (
    CHANGEABLE_CONTRACT_STATUSES,
    PRE_SIGNATURE_STATUSES,
    REQUIRED_REVIEW_FUNCTIONS,
    ChangeStatus,
    CheckResult,
    ContractKind,
    ContractStatus,
    ReviewFunction,
    SealStatus,
)
from openltc.core.errors import TransitionRefused
from openltc.org.roles import Role

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from openltc.contracts.models import Contract, ContractChange

S = ContractStatus

# Which organisation roles may give an opinion for which review function.
REVIEW_ROLES: dict[str, tuple[str, ...]] = {
    ReviewFunction.LEGAL: (Role.LEGAL, Role.CONTRACT_MANAGER),
    ReviewFunction.FINANCE: (Role.FINANCE,),
    ReviewFunction.CREDIT: (Role.FINANCE,),
    ReviewFunction.DELIVERY: (Role.DELIVERY_MANAGER, Role.FULFILMENT),
}
# Who may sign as the authorised signatory at the seal step.
SIGNATORY_ROLES: tuple[str, ...] = (Role.EXECUTIVE, Role.SDT_MEMBER)


@dataclass(frozen=True)
class Facts:
    """What guards may look at besides the contract: loaded rows and the inputs of the move."""

    line_count: int = 0
    milestone_count: int = 0
    milestone_difference: Decimal = Decimal("0.00")
    review_functions_done: frozenset[str] = frozenset()
    atc_approved: bool | None = None  # None: the decision engine is not available
    atcc_approved: bool | None = None
    countersign_departments: int = 0
    countersign_pending: int = 0
    seal_status: str | None = None
    latest_check: str | None = None
    user_roles: frozenset[str] = frozenset()
    is_superuser: bool = False
    closure_unmet: tuple[str, ...] = ()  # reasons of the unmet ATCC closure conditions
    open_change: str | None = None  # the number of the open change request, if any
    # inputs of the move
    reason: str = ""
    signatory_ok: bool = False
    has_scan: bool = False
    archive_number: str = ""
    signed_on: Any = None


Guard = Callable[["Contract", Facts], "str | None"]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    code: str
    label: str | Promise
    gate: str | None = None
    guards: tuple[Guard, ...] = field(default_factory=tuple)


# --- guards -------------------------------------------------------------------------------------


def lines_unmet(contract: Contract, facts: Facts) -> str | None:
    if contract.kind != ContractKind.FRAME and facts.line_count == 0:
        return _("Add at least one contract line.")
    return None


def total_unmet(contract: Contract, facts: Facts) -> str | None:
    if contract.kind != ContractKind.FRAME and contract.total_gross <= 0:
        return _("The contract total must be greater than zero.")
    return None


def milestones_unmet(contract: Contract, facts: Facts) -> str | None:
    if contract.kind != ContractKind.FRAME and facts.milestone_count == 0:
        return _("Add the payment milestones.")
    if facts.milestone_count and facts.milestone_difference:
        return _(
            "The payment milestones do not add up to the contract total (difference %(diff)s %(currency)s)."
        ) % {"diff": facts.milestone_difference, "currency": contract.currency}
    return None


def contract_manager_unmet(contract: Contract, facts: Facts) -> str | None:
    if not contract.contract_manager_id:
        return _("Name the contract manager.")
    return None


def reason_unmet(contract: Contract, facts: Facts) -> str | None:
    if not facts.reason.strip():
        return _("Give the reason.")
    return None


def review_complete_unmet(contract: Contract, facts: Facts) -> str | None:
    missing = [
        ReviewFunction(f).label for f in REQUIRED_REVIEW_FUNCTIONS if f not in facts.review_functions_done
    ]
    if missing:
        return _("The contract review still needs opinions from: %(functions)s.") % {
            "functions": ", ".join(str(m) for m in missing)
        }
    return None


def gate_unmet(gate: str, attribute: str) -> Guard:
    """The gate guard: refuses unless the decisions app reports an approved decision."""

    def guard(contract: Contract, facts: Facts) -> str | None:
        approved = getattr(facts, attribute)
        if approved is None:
            return _("Needs an approved %(gate)s decision; the decision engine is not available yet.") % {
                "gate": gate
            }
        if not approved:
            return _("Needs an approved %(gate)s decision.") % {"gate": gate}
        return None

    guard.__name__ = f"gate_{gate.lower()}_unmet"
    return guard


def closure_conditions_unmet(contract: Contract, facts: Facts) -> str | None:
    if facts.closure_unmet:
        return _("Closure conditions are not met: %(reasons)s") % {"reasons": " ".join(facts.closure_unmet)}
    return None


def countersign_departments_unmet(contract: Contract, facts: Facts) -> str | None:
    if facts.countersign_departments == 0:
        return _("No countersign departments are configured; ask an administrator.")
    return None


def countersign_complete_unmet(contract: Contract, facts: Facts) -> str | None:
    if facts.countersign_pending:
        return _("%(count)s countersign step(s) are still pending.") % {"count": facts.countersign_pending}
    return None


def signatory_unmet(contract: Contract, facts: Facts) -> str | None:
    if not facts.signatory_ok:
        return _("Choose an authorised signatory (an executive or SDT member).")
    return None


def seal_requested_unmet(contract: Contract, facts: Facts) -> str | None:
    if facts.seal_status != SealStatus.REQUESTED:
        return _("The seal has not been requested.")
    return None


def signed_on_unmet(contract: Contract, facts: Facts) -> str | None:
    if not facts.signed_on:
        return _("Give the date of signature.")
    return None


def archive_unmet(contract: Contract, facts: Facts) -> str | None:
    if not facts.has_scan:
        return _("Upload the scan of the signed original.")
    if not facts.archive_number.strip():
        return _("Give the archive number.")
    return None


def receipt_check_unmet(contract: Contract, facts: Facts) -> str | None:
    if facts.latest_check is None:
        return _("The receipt check (接收和确认) has not been recorded.")
    if facts.latest_check == CheckResult.MISMATCH:
        return _("The last receipt check found a mismatch with the approved version; record a new check.")
    return None


# --- the transition table -----------------------------------------------------------------------


def _withdraw(source: str) -> Edge:
    return Edge(source, S.WITHDRAWN, "withdraw", gettext_lazy("Withdraw"), guards=(reason_unmet,))


TRANSITIONS: dict[str, tuple[Edge, ...]] = {
    S.DRAFT: (
        Edge(
            S.DRAFT,
            S.UNDER_REVIEW,
            "submit",
            gettext_lazy("Submit for contract review"),
            guards=(lines_unmet, total_unmet, milestones_unmet, contract_manager_unmet),
        ),
        _withdraw(S.DRAFT),
    ),
    S.UNDER_REVIEW: (
        Edge(
            S.UNDER_REVIEW,
            S.AWAITING_ATC,
            "complete_review",
            gettext_lazy("Complete the review and request the ATC decision"),
            guards=(review_complete_unmet,),
        ),
        Edge(S.UNDER_REVIEW, S.DRAFT, "rework", gettext_lazy("Return for rework"), guards=(reason_unmet,)),
        _withdraw(S.UNDER_REVIEW),
    ),
    S.AWAITING_ATC: (
        Edge(
            S.AWAITING_ATC,
            S.COUNTERSIGN,
            "start_countersign",
            gettext_lazy("Start the countersign"),
            gate="ATC",
            guards=(gate_unmet("ATC", "atc_approved"), countersign_departments_unmet),
        ),
        Edge(S.AWAITING_ATC, S.DRAFT, "rework", gettext_lazy("Return for rework"), guards=(reason_unmet,)),
        _withdraw(S.AWAITING_ATC),
    ),
    S.COUNTERSIGN: (
        Edge(
            S.COUNTERSIGN,
            S.SEAL,
            "request_seal",
            gettext_lazy("Request the seal"),
            guards=(countersign_complete_unmet, signatory_unmet),
        ),
        _withdraw(S.COUNTERSIGN),
    ),
    S.SEAL: (
        Edge(
            S.SEAL,
            S.SIGNED,
            "record_seal",
            gettext_lazy("Record signature and seal"),
            guards=(seal_requested_unmet, signed_on_unmet),
        ),
        _withdraw(S.SEAL),
    ),
    S.SIGNED: (Edge(S.SIGNED, S.ARCHIVED, "archive", gettext_lazy("Archive"), guards=(archive_unmet,)),),
    S.ARCHIVED: (
        Edge(
            S.ARCHIVED, S.EXECUTING, "execute", gettext_lazy("Start execution"), guards=(receipt_check_unmet,)
        ),
    ),
    S.EXECUTING: (
        Edge(
            S.EXECUTING,
            S.CLOSED,
            "close",
            gettext_lazy("Close"),
            gate="ATCC",
            guards=(closure_conditions_unmet, gate_unmet("ATCC", "atcc_approved")),
        ),
    ),
    S.CLOSED: (),
    S.WITHDRAWN: (),
}

# The inputs an edge needs from the caller; without them the guard reasons are not shown as
# blocking on the page (the form asks for them).
INPUT_GUARDS: frozenset[Guard] = frozenset({reason_unmet, signatory_unmet, signed_on_unmet, archive_unmet})


def edge_for(source: str, target: str) -> Edge | None:
    return next((e for e in TRANSITIONS.get(source, ()) if e.target == target), None)


def blocking_reasons(
    contract: Contract, target: str, facts: Facts | None = None, *, skip_inputs: bool = False
) -> list[str]:
    """Every reason the move to ``target`` is refused now; empty when it is allowed."""
    facts = facts or Facts()
    edge = edge_for(contract.status, target)
    if edge is None:
        return [
            _("A contract cannot move from “%(source)s” to “%(target)s”.")
            % {"source": S(contract.status).label, "target": S(target).label}
        ]
    reasons = []
    for guard in edge.guards:
        if skip_inputs and guard in INPUT_GUARDS:
            continue
        reason = guard(contract, facts)
        if reason:
            reasons.append(reason)
    return reasons


def check_transition(contract: Contract, target: str, facts: Facts | None = None) -> Edge:
    """The edge when the move is allowed; otherwise TransitionRefused with every reason."""
    reasons = blocking_reasons(contract, target, facts)
    if reasons:
        raise TransitionRefused(reasons[0], extra={"reasons": reasons, "to_status": str(target)})
    edge = edge_for(contract.status, target)
    assert edge is not None  # blocking_reasons reports a missing edge
    return edge


# --- what the UI shows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    code: str
    label: str | Promise
    allowed: bool
    reason: str = ""
    target: str | None = None


def can_review(function: str, facts: Facts) -> bool:
    return facts.is_superuser or bool(set(REVIEW_ROLES.get(function, ())) & facts.user_roles)


def review_functions_for(facts: Facts) -> list[str]:
    return [f for f in REQUIRED_REVIEW_FUNCTIONS if can_review(f, facts)]


def can_countersign(role: str, facts: Facts) -> bool:
    return facts.is_superuser or role in facts.user_roles


def available_actions(contract: Contract, user: Any, *, facts: Facts, can_change: bool) -> list[Action]:
    """What ``user`` can do with the contract now, each refused action with its reason.

    ``can_change`` is the caller's object-permission answer; ``facts`` carries the user's roles,
    so this function runs no query.
    """
    no_right = _("You may not change this contract.")
    actions: list[Action] = []
    if contract.status == S.DRAFT:
        actions.append(Action("edit", gettext_lazy("Edit"), can_change, "" if can_change else no_right))
    if contract.status == S.UNDER_REVIEW:
        allowed = bool(review_functions_for(facts))
        actions.append(
            Action(
                "opinion",
                gettext_lazy("Give a review opinion"),
                allowed,
                "" if allowed else _("Only legal, finance, delivery or credit reviewers give opinions."),
            )
        )
    if contract.status == S.AWAITING_ATC:
        allowed = can_change and facts.atc_approved is not True
        reason = no_right if not can_change else (_("The ATC decision is approved.") if not allowed else "")
        actions.append(Action("open_atc_case", gettext_lazy("Open the ATC decision case"), allowed, reason))
    if contract.status == S.COUNTERSIGN:
        actions.append(Action("countersign", gettext_lazy("Countersign"), True))
    if contract.status in (S.ARCHIVED, S.EXECUTING):
        actions.append(
            Action(
                "receipt_check",
                gettext_lazy("Record the receipt check"),
                can_change,
                "" if can_change else no_right,
            )
        )
    if contract.status in CHANGEABLE_CONTRACT_STATUSES or facts.open_change:
        reason = request_change_reason(contract, facts) or ("" if can_change else no_right)
        actions.append(Action("request_change", gettext_lazy("Request a change (ATAC)"), not reason, reason))
    if contract.status == S.EXECUTING:
        reason = atcc_request_reason(contract, facts) or ("" if can_change else no_right)
        actions.append(
            Action("open_atcc_case", gettext_lazy("Request the ATCC closure decision"), not reason, reason)
        )
    for edge in TRANSITIONS.get(contract.status, ()):
        reasons = blocking_reasons(contract, edge.target, facts, skip_inputs=True)
        if not reasons and not can_change:
            reasons = [no_right]
        actions.append(Action(edge.code, edge.label, not reasons, reasons[0] if reasons else "", edge.target))
    return actions


def allowed_codes(actions: Sequence[Action]) -> set[str]:
    return {a.code for a in actions if a.allowed}


@dataclass(frozen=True)
class StatusStep:
    status: str
    label: str | Promise
    gate: str | None
    state: str  # "done" | "current" | "todo"


MAIN_PATH: tuple[str, ...] = (
    S.DRAFT,
    S.UNDER_REVIEW,
    S.AWAITING_ATC,
    S.COUNTERSIGN,
    S.SEAL,
    S.SIGNED,
    S.ARCHIVED,
    S.EXECUTING,
    S.CLOSED,
)
GATE_BEFORE: dict[str, str] = {S.COUNTERSIGN: "ATC", S.CLOSED: "ATCC"}


def status_path(contract: Contract) -> list[StatusStep]:
    """The lifecycle in order, with the gate each step's entry crosses and where we stand."""
    current = MAIN_PATH.index(contract.status) if contract.status in MAIN_PATH else -1
    steps = []
    for index, status in enumerate(MAIN_PATH):
        state = "current" if index == current else ("done" if index < current else "todo")
        steps.append(StatusStep(status, S(status).label, GATE_BEFORE.get(status), state))
    return steps


def is_pre_signature(status: str) -> bool:
    return status in PRE_SIGNATURE_STATUSES


# --- closure (ATCC) -----------------------------------------------------------------------------


def atcc_request_reason(contract: Contract, facts: Facts) -> str | None:
    """Why the ATCC decision may not be requested now; None when it may."""
    if contract.status != S.EXECUTING:
        return _("The ATCC closure decision is requested for an executing contract.")
    unmet = closure_conditions_unmet(contract, facts)
    if unmet:
        return unmet
    if facts.atcc_approved:
        return _("The ATCC decision is approved; the contract can be closed.")
    return None


# --- change requests (合同/PO变更 → ATAC → 变更协议) -----------------------------------------------
#
#     draft → in_decision (change review + ATAC) → signed (change agreement) → archived
#     draft / in_decision → withdrawn (with the reason; e.g. after an ATAC rejection)

CS = ChangeStatus


def request_change_reason(contract: Contract, facts: Facts) -> str | None:
    """Why a change request may not be raised on the contract now; None when it may."""
    if contract.status not in CHANGEABLE_CONTRACT_STATUSES:
        return _("Changes are requested on a signed, archived or executing contract.")
    if facts.open_change:
        return _("Change request %(number)s is still open; finish or withdraw it first.") % {
            "number": facts.open_change
        }
    return None


@dataclass(frozen=True)
class ChangeFacts:
    """What the change guards look at besides the change request itself."""

    contract_status: str = ""
    line_count: int = 0
    milestone_count: int = 0
    milestone_difference: Decimal = Decimal("0.00")
    has_changes: bool = False
    plan_conflicts: tuple[str, ...] = ()
    atac_approved: bool | None = None
    # inputs of the move
    reason: str = ""
    signed_on: Any = None
    has_scan: bool = False
    archive_number: str = ""


ChangeGuard = Callable[["ContractChange", ChangeFacts], "str | None"]


@dataclass(frozen=True)
class ChangeEdge:
    source: str
    target: str
    code: str
    label: str | Promise
    gate: str | None = None
    guards: tuple[ChangeGuard, ...] = field(default_factory=tuple)


def change_contract_unmet(change: ContractChange, facts: ChangeFacts) -> str | None:
    if facts.contract_status not in CHANGEABLE_CONTRACT_STATUSES:
        return _("The contract is no longer signed, archived or executing.")
    return None


def change_content_unmet(change: ContractChange, facts: ChangeFacts) -> str | None:
    if facts.line_count == 0 and facts.milestone_count == 0:
        return None  # a frame contract without lines
    if facts.line_count == 0:
        return _("The amendment needs at least one contract line.")
    if facts.milestone_count == 0:
        return _("The amendment needs its payment milestones.")
    if facts.milestone_difference:
        return _(
            "The payment milestones of the amendment do not add up to its total (difference %(diff)s)."
        ) % {"diff": facts.milestone_difference}
    return None


def change_substance_unmet(change: ContractChange, facts: ChangeFacts) -> str | None:
    if facts.has_changes or change.scope_impact.strip() or change.schedule_impact.strip():
        return None
    return _(
        "Nothing changes: edit the lines or payment milestones of the amendment, or describe the scope or schedule impact."
    )


def change_billed_unmet(change: ContractChange, facts: ChangeFacts) -> str | None:
    return facts.plan_conflicts[0] if facts.plan_conflicts else None


def change_atac_unmet(change: ContractChange, facts: ChangeFacts) -> str | None:
    if facts.atac_approved is None:
        return _("Needs an approved ATAC decision; the decision engine is not available yet.")
    if not facts.atac_approved:
        return _("Needs an approved ATAC decision.")
    return None


def change_signed_on_unmet(change: ContractChange, facts: ChangeFacts) -> str | None:
    if not facts.signed_on:
        return _("Give the date the change agreement was signed.")
    return None


def change_archive_unmet(change: ContractChange, facts: ChangeFacts) -> str | None:
    if not facts.has_scan:
        return _("Upload the scan of the signed change agreement.")
    if not facts.archive_number.strip():
        return _("Give the archive number.")
    return None


def change_reason_unmet(change: ContractChange, facts: ChangeFacts) -> str | None:
    if not facts.reason.strip():
        return _("Give the reason.")
    return None


def _withdraw_change(source: str) -> ChangeEdge:
    return ChangeEdge(
        source,
        CS.WITHDRAWN,
        "withdraw_change",
        gettext_lazy("Withdraw the change"),
        guards=(change_reason_unmet,),
    )


CHANGE_TRANSITIONS: dict[str, tuple[ChangeEdge, ...]] = {
    CS.DRAFT: (
        ChangeEdge(
            CS.DRAFT,
            CS.IN_DECISION,
            "submit_change",
            gettext_lazy("Submit for change review and the ATAC decision"),
            guards=(change_contract_unmet, change_content_unmet, change_substance_unmet, change_billed_unmet),
        ),
        _withdraw_change(CS.DRAFT),
    ),
    CS.IN_DECISION: (
        ChangeEdge(
            CS.IN_DECISION,
            CS.SIGNED,
            "sign_change",
            gettext_lazy("Record the signed change agreement"),
            gate="ATAC",
            guards=(change_contract_unmet, change_atac_unmet, change_billed_unmet, change_signed_on_unmet),
        ),
        _withdraw_change(CS.IN_DECISION),
    ),
    CS.SIGNED: (
        ChangeEdge(
            CS.SIGNED,
            CS.ARCHIVED,
            "archive_change",
            gettext_lazy("Archive the signed change agreement"),
            guards=(change_archive_unmet,),
        ),
    ),
    CS.ARCHIVED: (),
    CS.WITHDRAWN: (),
}
CHANGE_INPUT_GUARDS: frozenset[ChangeGuard] = frozenset(
    {change_reason_unmet, change_signed_on_unmet, change_archive_unmet}
)


def change_edge_for(source: str, target: str) -> ChangeEdge | None:
    return next((e for e in CHANGE_TRANSITIONS.get(source, ()) if e.target == target), None)


def change_blocking_reasons(
    change: ContractChange, target: str, facts: ChangeFacts, *, skip_inputs: bool = False
) -> list[str]:
    """Every reason the change request may not move to ``target`` now; empty when it may."""
    edge = change_edge_for(change.status, target)
    if edge is None:
        return [
            _("A change request cannot move from “%(source)s” to “%(target)s”.")
            % {"source": CS(change.status).label, "target": CS(target).label}
        ]
    reasons = []
    for guard in edge.guards:
        if skip_inputs and guard in CHANGE_INPUT_GUARDS:
            continue
        reason = guard(change, facts)
        if reason:
            reasons.append(reason)
    return reasons


def check_change_transition(change: ContractChange, target: str, facts: ChangeFacts) -> ChangeEdge:
    reasons = change_blocking_reasons(change, target, facts)
    if reasons:
        raise TransitionRefused(reasons[0], extra={"reasons": reasons, "to_status": str(target)})
    edge = change_edge_for(change.status, target)
    assert edge is not None
    return edge


def change_actions(change: ContractChange, *, facts: ChangeFacts, can_change: bool) -> list[Action]:
    """What may be done with the change request now, each refused action with its reason."""
    no_right = _("You may not change this contract.")
    actions: list[Action] = []
    if change.status == CS.DRAFT:
        actions.append(
            Action("edit_change", gettext_lazy("Edit the change"), can_change, "" if can_change else no_right)
        )
    for edge in CHANGE_TRANSITIONS.get(change.status, ()):
        reasons = change_blocking_reasons(change, edge.target, facts, skip_inputs=True)
        if not reasons and not can_change:
            reasons = [no_right]
        actions.append(Action(edge.code, edge.label, not reasons, reasons[0] if reasons else "", edge.target))
    return actions
