"""Reads about contracts, always narrowed to what the user may see."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from openltc.contracts import workflow
from openltc.contracts.choices import OPEN_CHANGE_STATUSES, ContractKind, ContractStatus, CountersignStatus
from openltc.contracts.models import (
    Contract,
    ContractChange,
    ContractQuerySet,
    ContractReceiptCheck,
    ContractVersion,
    CountersignDepartment,
)
from openltc.contracts.terms import split_milestones
from openltc.core.selectors import get_for_user
from openltc.core.visibility import CHANGE, VIEW, can_access


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def contract_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Contract]:
    """Filters: q (number, title, customer), status ("active" or a status), owner ("me" or a user
    id), org_unit (id; its subtree), kind, customer (id)."""
    filters = filters or {}
    qs: ContractQuerySet = Contract.objects.restrict(user, VIEW)  # type: ignore[assignment]
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(customer__name__icontains=q))
    status = filters.get("status")
    if status == "active":
        qs = qs.active()
    elif status in ContractStatus.values:
        qs = qs.filter(status=status)
    owner = filters.get("owner")
    if owner == "me":
        qs = qs.filter(Q(owner=user) | Q(contract_manager=user))
    elif owner:
        owner_id = _int_or_none(owner)
        qs = qs.filter(owner_id=owner_id) if owner_id else qs.none()
    org_unit = filters.get("org_unit")
    if org_unit:
        from openltc.org.models import OrgUnit

        unit_id = _int_or_none(org_unit)
        path = OrgUnit.objects.filter(pk=unit_id).values_list("path", flat=True).first() if unit_id else None
        qs = qs.filter(org_unit__path__startswith=path) if path else qs.none()
    kind = filters.get("kind")
    if kind in ContractKind.values:
        qs = qs.filter(kind=kind)
    customer = filters.get("customer")
    if customer:
        qs = qs.filter(customer_id=customer)
    return qs.select_related("customer", "owner", "contract_manager", "org_unit", "parent").order_by(
        "-created_at", "-number"
    )


def contract_get(*, user: Any, pk: Any, action: str = VIEW) -> Contract:
    qs = Contract.objects.select_related(
        "customer",
        "owner",
        "contract_manager",
        "org_unit",
        "parent",
        "opportunity",
        "current_version",
    )
    return get_for_user(qs, user=user, pk=pk, action=action)


def can_change(user: Any, contract: Contract) -> bool:
    return can_access(user, contract, CHANGE)


def version_list(*, contract: Contract) -> QuerySet[ContractVersion]:
    return contract.versions.select_related("created_by").order_by("-number")


def version_get(*, contract: Contract, number: Any) -> ContractVersion:
    from openltc.core.errors import NotFound

    found = contract.versions.filter(number=_int_or_none(number) or 0).first()
    if found is None:
        from django.utils.translation import gettext as _

        raise NotFound(_("Not found."))
    return found


def user_roles_at(user: Any, contract: Contract) -> frozenset[str]:
    """The roles the user holds at the contract's org unit or above it."""
    from openltc.org.models import RoleAssignment

    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        RoleAssignment.objects.current()
        .filter(user=user, org_unit__path__in=contract.org_unit.ancestors_paths())
        .values_list("role", flat=True)
    )


def gate_approved(contract: Contract, gate: str) -> bool | None:
    """Whether the decisions app reports an approved decision; None when it cannot answer."""
    try:
        from openltc.decisions.selectors import approved_decision  # type: ignore[import-not-found,unused-ignore]
    except (ImportError, RuntimeError, LookupError):
        return None
    return approved_decision(contract, gate) is not None


def facts_for(contract: Contract, user: Any = None, **inputs: Any) -> workflow.Facts:
    """Everything the workflow guards may look at, loaded in a handful of queries."""
    version = contract.current_version
    line_count = milestone_count = 0
    difference = split_milestones([], contract.total_gross).difference
    functions: frozenset[str] = frozenset()
    pending = 0
    seal_status = None
    latest = None
    if version is not None:
        line_count = version.lines.count()
        pairs = list(version.milestones.values_list("percentage", "fixed_amount"))
        milestone_count = len(pairs)
        if pairs:
            difference = split_milestones(pairs, version.total_gross).difference
        functions = frozenset(version.review_opinions.values_list("function", flat=True))
        pending = version.countersign_steps.filter(status=CountersignStatus.PENDING).count()
        seal_status = version.seal_record.status if hasattr(version, "seal_record") else None
        latest = (
            ContractReceiptCheck.objects.filter(version=version)
            .order_by("-checked_at")
            .values_list("result", flat=True)
            .first()
        )
    status = contract.status
    open_change = (
        ContractChange.objects.filter(contract=contract, status__in=OPEN_CHANGE_STATUSES)
        .values_list("sequence", flat=True)
        .first()
    )
    closure_unmet: tuple[str, ...] = ()
    if status == ContractStatus.EXECUTING:
        from openltc.contracts import closure

        closure_unmet = tuple(r for state in closure.unmet_conditions(contract) for r in state.reasons)
    return workflow.Facts(
        line_count=line_count,
        milestone_count=milestone_count,
        milestone_difference=difference,
        review_functions_done=functions,
        atc_approved=gate_approved(contract, "ATC") if status == ContractStatus.AWAITING_ATC else None,
        atcc_approved=gate_approved(contract, "ATCC") if status == ContractStatus.EXECUTING else None,
        countersign_departments=CountersignDepartment.objects.filter(is_active=True).count(),
        countersign_pending=pending,
        seal_status=seal_status,
        latest_check=latest,
        user_roles=user_roles_at(user, contract) if user is not None else frozenset(),
        is_superuser=bool(getattr(user, "is_superuser", False)),
        closure_unmet=closure_unmet,
        open_change=f"{contract.number}-A{open_change}" if open_change else None,
        **inputs,
    )


# --- change requests ----------------------------------------------------------------------------


def change_list(*, contract: Contract) -> QuerySet[ContractChange]:
    return contract.changes.select_related("amendment", "base_version", "requested_by").order_by("-sequence")


def change_get(*, contract: Contract, pk: Any) -> ContractChange:
    """One change request of a contract the caller already may see; 404 otherwise."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from openltc.core.errors import NotFound

    try:
        found = change_list(contract=contract).filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        found = None
    if found is None:
        raise NotFound(_("Not found."))
    found.contract = contract
    return found


def atac_approved(change: ContractChange) -> bool | None:
    """Whether the change request has an approved ATAC decision; None when the engine cannot say."""
    return gate_approved(change, "ATAC")  # type: ignore[arg-type]


def change_facts_for(change: ContractChange, **inputs: Any) -> workflow.ChangeFacts:
    """Everything the change guards look at, loaded in a handful of queries."""
    from openltc.contracts import plan
    from openltc.contracts.versions import version_content, versions_diff

    contract = change.contract
    amendment = change.amendment
    pairs = list(amendment.milestones.values_list("percentage", "fixed_amount"))
    difference = split_milestones(pairs, amendment.total_gross).difference if pairs else Decimal("0.00")
    base = change.base_version
    has_changes = versions_diff(
        version_content(base, contract), version_content(amendment, contract)
    ).has_changes
    return workflow.ChangeFacts(
        contract_status=contract.status,
        line_count=amendment.lines.count(),
        milestone_count=len(pairs),
        milestone_difference=difference,
        has_changes=has_changes,
        plan_conflicts=tuple(plan.conflicts(contract, amendment)),
        atac_approved=atac_approved(change) if change.status == "in_decision" else None,
        **inputs,
    )


def opportunity_choices(*, user: Any) -> QuerySet[Any]:
    """Opportunities a contract may be drafted from. Until the ATC gate wiring exists, any
    opportunity the user may change (open or won) is offered; lost and abandoned ones are not."""
    from openltc.opportunities.models import Opportunity

    return (
        Opportunity.objects.restrict(user, CHANGE)
        .exclude(stage__in=["lost", "abandoned"])
        .select_related("customer")
        .order_by("-created_at")
    )


def frame_choices(*, user: Any) -> QuerySet[Contract]:
    """Frame contracts a PO may be placed under: signed or later, not closed."""
    return (
        Contract.objects.restrict(user, VIEW)
        .filter(
            kind=ContractKind.FRAME,
            status__in=[ContractStatus.SIGNED, ContractStatus.ARCHIVED, ContractStatus.EXECUTING],
        )
        .select_related("customer")
        .order_by("number")
    )
