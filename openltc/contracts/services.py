"""Writes about contracts. Every write locks the contract row, checks the caller's rights and the
workflow, validates, saves and records one audit event in the same transaction.

The status changes only here, and only through ``workflow.check_transition``. Content (header,
lines, milestones) changes only while the current version is a draft.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openltc.contracts import billing, plan, selectors, workflow
from openltc.contracts.choices import (
    ChangeStatus,
    CheckResult,
    ContractKind,
    ContractStatus,
    CountersignStatus,
    SealKind,
    SealStatus,
    VersionStatus,
)
from openltc.contracts.models import (
    Contract,
    ContractArchive,
    ContractChange,
    ContractLine,
    ContractReceiptCheck,
    ContractReviewOpinion,
    ContractVersion,
    CountersignDepartment,
    CountersignStep,
    PaymentMilestone,
    ReceivablePlanLine,
    SealRecord,
)
from openltc.contracts.terms import ZERO, line_amounts, money, split_milestones, to_decimal, totals
from openltc.contracts.versions import version_content
from openltc.core.audit import diff, record_event, snapshot
from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound
from openltc.core.notifications import notify
from openltc.core.selectors import lock_for_update
from openltc.core.sequences import next_value
from openltc.core.services import check_version, validate
from openltc.core.uploads import check_upload
from openltc.core.visibility import CHANGE, VIEW, can_access, user_scope

S = ContractStatus
HEADER_FIELDS = [
    "title",
    "signing_entity",
    "currency",
    "contract_manager",
    "delivery_obligations",
    "warranty_months",
    "warranty_terms",
    "governing_terms",
    "margin_percent",
]
SNAPSHOT_FIELDS = [
    "number",
    "kind",
    "parent",
    "opportunity",
    "customer",
    "org_unit",
    "owner",
    "status",
    "total_gross",
    *HEADER_FIELDS,
]
DEFAULT_PREFIXES = {
    ContractKind.STANDARD: "CT",
    ContractKind.FRAME: "FC",
    ContractKind.PURCHASE_ORDER: "PO",
}
LINE_INPUT = ("kind", "description", "product_line", "quantity", "unit", "unit_price", "tax_rate")
MILESTONE_INPUT = ("kind", "name", "percentage", "fixed_amount", "trigger_event", "due_days")


# --- helpers ------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


# The scan of a signed original: a PDF or an image (the archive keeps it for audit).
SCAN_EXTENSIONS: tuple[str, ...] = ("pdf", "png", "jpg", "jpeg", "tif", "tiff")


def check_scan(scan: Any) -> str:
    """The scan's bare file name, or a field error: an accepted type, not empty, not over the
    upload limit."""
    if not scan:
        return ""  # the workflow's guard names the missing scan
    return check_upload(scan, field="scan", extensions=SCAN_EXTENSIONS)


def number_prefix(kind: str) -> str:
    configured: dict[str, str] = getattr(settings, "OPENLTC_CONTRACT_NUMBER_PREFIXES", None) or {}
    defaults: dict[str, str] = {str(k): v for k, v in DEFAULT_PREFIXES.items()}
    return str(configured.get(kind) or defaults.get(kind, "CT"))


def _issue_number(kind: str, today: datetime.date) -> str:
    """The next number for the kind's prefix in the year. The counter row stays locked until the
    caller commits, so a rolled-back create gives its number back: numbers are gap-free."""
    prefix = number_prefix(kind)
    return f"{prefix}-{today.year}-{next_value(f'{prefix}-{today.year}'):05d}"


def _lock(
    actor: Any, contract: Contract, *, action: str = CHANGE, expected_version: int | None = None
) -> Contract:
    locked = lock_for_update(Contract.objects.all(), pk=contract.pk)
    if not can_access(actor, locked, VIEW):
        raise NotFound(_("Not found."))
    if action == CHANGE and not can_access(actor, locked, CHANGE):
        raise Forbidden(_("You may not change this contract."))
    check_version(locked, expected_version)
    return locked


def _save(contract: Contract, fields: Iterable[str]) -> None:
    contract.lock_version += 1
    contract.save(update_fields=[*fields, "lock_version", "updated_at"])


def require_editable_version(version: ContractVersion) -> None:
    """Refuses any content change to a version that is not a draft."""
    if version.status == VersionStatus.DRAFT:
        return
    messages: dict[str, str] = {
        VersionStatus.ARCHIVED: _("Version %(number)s is archived; archived content cannot be changed."),
        VersionStatus.SUPERSEDED: _(
            "Version %(number)s was superseded by a newer version and cannot be changed."
        ),
        VersionStatus.SIGNED: _(
            "Version %(number)s is signed; changes to a signed contract need a change request and an ATAC decision."
        ),
        VersionStatus.LOCKED: _(
            "Version %(number)s is locked for review and signing; return the contract for rework to change it."
        ),
        VersionStatus.DISCARDED: _(
            "Version %(number)s belongs to a withdrawn change request and cannot be changed."
        ),
    }
    raise Conflict(messages[version.status] % {"number": version.number})


def _current_version(contract: Contract) -> ContractVersion:
    version = contract.current_version
    assert version is not None  # every contract gets version 1 on creation
    return ContractVersion.objects.select_for_update().get(pk=version.pk)


def _transition(
    contract: Contract, target: str, facts: workflow.Facts, *, extra_fields: Iterable[str] = ()
) -> dict[str, Any]:
    """Checks the edge, sets the status and saves; returns the audit ``before``."""
    workflow.check_transition(contract, target, facts)
    fields = ["status", "status_changed_at", *extra_fields]
    before = snapshot(contract, ["status"])
    contract.status = target
    contract.status_changed_at = timezone.now()
    validate(contract)
    _save(contract, fields)
    return before


def _check_parties(actor: Any, contract: Contract) -> None:
    if not can_access(actor, contract.customer, VIEW):
        raise _invalid("customer", _("Choose a customer you can see."))
    if getattr(contract.customer, "merged_into_id", None):
        raise _invalid("customer", _("This customer was merged into another; choose the surviving customer."))
    opportunity = contract.opportunity
    if opportunity is not None:
        if not can_access(actor, opportunity, CHANGE):
            raise _invalid("opportunity", _("Choose an opportunity you work on."))
        if opportunity.customer_id != contract.customer_id:
            raise _invalid("opportunity", _("The opportunity must be with the contract's customer."))
        if opportunity.stage in ("lost", "abandoned"):
            raise _invalid(
                "opportunity", _("A contract cannot be drafted from a lost or abandoned opportunity.")
            )
    if contract.kind == ContractKind.PURCHASE_ORDER:
        frame = contract.parent
        if frame is None:
            raise _invalid("parent", _("Choose the frame contract this PO is placed under."))
        if frame.kind != ContractKind.FRAME or not can_access(actor, frame, VIEW):
            raise _invalid("parent", _("Choose a frame contract you can see."))
        if frame.customer_id != contract.customer_id:
            raise _invalid("parent", _("The frame contract must be with the same customer."))
        if frame.status not in (S.SIGNED, S.ARCHIVED, S.EXECUTING):
            raise _invalid("parent", _("POs can be placed only under a signed frame contract."))
        if frame.currency != contract.currency:
            raise _invalid("currency", _("A PO uses the currency of its frame contract."))
    elif contract.parent_id:
        raise _invalid("parent", _("Only a purchase order has a frame contract."))


# --- create and edit ----------------------------------------------------------------------------


@transaction.atomic
def contract_create(
    *,
    actor: Any,
    data: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]] | None = None,
    milestones: Sequence[Mapping[str, Any]] | None = None,
) -> Contract:
    """A new draft contract with version 1. From an opportunity, the customer, currency, title
    and org unit default to the opportunity's; the lineage is kept."""
    opportunity = data.get("opportunity")
    customer = data.get("customer") or getattr(opportunity, "customer", None)
    if customer is None:
        raise _invalid("customer", _("Choose a customer you can see."))
    owner = data.get("owner") or actor
    org_unit = (
        data.get("org_unit") or getattr(opportunity, "org_unit", None) or getattr(actor, "home_unit", None)
    )
    if org_unit is None:
        raise _invalid("org_unit", _("Choose the org unit."))
    if owner is None or not getattr(owner, "is_active", False):
        raise _invalid("owner", _("Choose an active owner."))
    if owner.pk != getattr(actor, "pk", None) and not user_scope(actor).covers(org_unit.path, CHANGE):
        raise Forbidden(
            _("You may give a contract to someone else only in an org unit you manage."),
            field_errors={
                "owner": [_("You may give a contract to someone else only in an org unit you manage.")]
            },
        )
    kind = data.get("kind") or ContractKind.STANDARD
    parent = data.get("parent")
    currency = (
        data.get("currency")
        or getattr(parent, "currency", None)
        or getattr(opportunity, "currency", None)
        or "CNY"
    )
    contract = Contract(
        number="",
        title=(data.get("title") or getattr(opportunity, "title", "") or "").strip(),
        kind=kind,
        parent=parent,
        opportunity=opportunity,
        customer=customer,
        signing_entity=(data.get("signing_entity") or "").strip(),
        currency=str(currency).strip().upper(),
        org_unit=org_unit,
        owner=owner,
        contract_manager=data.get("contract_manager"),
        delivery_obligations=data.get("delivery_obligations") or "",
        warranty_months=data.get("warranty_months"),
        warranty_terms=data.get("warranty_terms") or "",
        governing_terms=data.get("governing_terms") or "",
        margin_percent=data.get("margin_percent"),
    )
    validate(contract, exclude=["number"])
    _check_parties(actor, contract)
    contract.number = _issue_number(kind, timezone.localdate())
    contract.save()
    version = ContractVersion.objects.create(
        contract=contract,
        number=1,
        status=VersionStatus.DRAFT,
        reason=_("First draft"),
        created_by=_user(actor),
    )
    contract.current_version = version
    contract.save(update_fields=["current_version"])
    if not can_access(actor, contract, CHANGE):
        raise Forbidden(
            _("You would not be able to work on this contract; choose an org unit you belong to.")
        )
    if lines:
        _write_lines(contract, version, lines)
        contract.save(update_fields=["total_net", "total_tax", "total_gross"])
    if milestones:
        _write_milestones(contract, version, milestones, strict=True)
    record_event(
        actor=actor, action="contract.created", subject=contract, after=snapshot(contract, SNAPSHOT_FIELDS)
    )
    return contract


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def contract_update(
    *, actor: Any, contract: Contract, data: Mapping[str, Any], expected_version: int | None
) -> Contract:
    """Edits the header of a draft contract (customer, kind and lineage are fixed at creation)."""
    locked = _lock(actor, contract, expected_version=expected_version)
    require_editable_version(_current_version(locked))
    allowed = [f for f in HEADER_FIELDS if f in data]
    before = snapshot(locked, allowed)
    for name in allowed:
        value = data[name]
        if name == "currency":
            value = (value or "").strip().upper()
        elif name in ("title", "signing_entity"):
            value = (value or "").strip()
        elif name in ("delivery_obligations", "warranty_terms", "governing_terms"):
            value = value or ""
        setattr(locked, name, value)
    changed_before, changed_after = diff(before, snapshot(locked, allowed))
    if not changed_after:
        return locked
    validate(locked)
    _check_parties(actor, locked)
    _save(locked, changed_after.keys())
    if "currency" in changed_after:
        ReceivablePlanLine.objects.filter(contract=locked).update(currency=locked.currency)
    record_event(
        actor=actor, action="contract.updated", subject=locked, before=changed_before, after=changed_after
    )
    return locked


def _clean_rows(rows: Sequence[Mapping[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{k: row.get(k) for k in keys if k in row} for row in rows]


def _write_lines(contract: Contract, version: ContractVersion, rows: Sequence[Mapping[str, Any]]) -> None:
    """Replaces the version's lines, computes amounts and totals, re-splits the milestones."""
    require_editable_version(version)
    built: list[ContractLine] = []
    for index, row in enumerate(_clean_rows(rows, LINE_INPUT), start=1):
        try:
            amounts = line_amounts(row.get("quantity"), row.get("unit_price"), row.get("tax_rate", "13"))
        except ValueError:
            message = _("Line %(number)s: give the quantity, unit price and tax rate as numbers.") % {
                "number": index
            }
            raise DomainError(message, field_errors={"lines": [message]}) from None
        line = ContractLine(
            version=version,
            position=index,
            kind=row.get("kind") or "product",
            description=(row.get("description") or "").strip(),
            product_line=row.get("product_line"),
            quantity=to_decimal(row.get("quantity")),
            unit=(row.get("unit") or "").strip(),
            unit_price=money(row.get("unit_price")),
            tax_rate=to_decimal(row.get("tax_rate", "13")),
            net_amount=amounts.net,
            tax_amount=amounts.tax,
            gross_amount=amounts.gross,
        )
        try:
            validate(line, exclude=["version"])
        except DomainError as exc:
            message = _("Line %(number)s: %(message)s") % {"number": index, "message": exc.message}
            raise DomainError(message, field_errors={"lines": [message]}) from None
        built.append(line)
    version.lines.all().delete()
    ContractLine.objects.bulk_create(built)
    total = totals(built)
    version.total_net, version.total_tax, version.total_gross = total.net, total.tax, total.gross
    version.save(update_fields=["total_net", "total_tax", "total_gross", "updated_at"])
    if _is_current(contract, version):
        contract.total_net, contract.total_tax, contract.total_gross = total.net, total.tax, total.gross
    _resplit(contract, version)


def _is_current(contract: Contract, version: ContractVersion) -> bool:
    return contract.current_version_id == version.pk


def _resplit(contract: Contract, version: ContractVersion) -> None:
    """Percentages follow the total: recompute the milestone amounts and the plan."""
    milestones = list(version.milestones.order_by("position"))
    if not milestones:
        return
    split = split_milestones([(m.percentage, m.fixed_amount) for m in milestones], version.total_gross)
    for milestone, amount in zip(milestones, split.amounts, strict=True):
        milestone.amount = amount
    PaymentMilestone.objects.bulk_update(milestones, ["amount"])
    _sync_plan(contract, version)


def _milestone_sum_error(
    contract: Contract, version: ContractVersion, amounts: list[Decimal], difference: Decimal
) -> DomainError:
    message = _(
        "The payment milestones add up to %(sum)s %(currency)s but the contract total is %(total)s %(currency)s (difference %(difference)s)."
    ) % {
        "sum": money(sum(amounts, ZERO)),
        "total": version.total_gross,
        "currency": contract.currency,
        "difference": difference,
    }
    return DomainError(message, field_errors={"milestones": [message]}, extra={"difference": str(difference)})


def _write_milestones(
    contract: Contract, version: ContractVersion, rows: Sequence[Mapping[str, Any]], *, strict: bool
) -> None:
    require_editable_version(version)
    cleaned = _clean_rows(rows, MILESTONE_INPUT)
    pairs: list[tuple[Decimal | None, Decimal | None]] = []
    for index, row in enumerate(cleaned, start=1):
        percentage, fixed = row.get("percentage"), row.get("fixed_amount")
        has_pct = percentage not in (None, "")
        has_fixed = fixed not in (None, "")
        if has_pct == has_fixed:
            message = _("Milestone %(number)s: give either a percentage or an amount, not both.") % {
                "number": index
            }
            raise DomainError(message, field_errors={"milestones": [message]})
        try:
            pairs.append((to_decimal(percentage) if has_pct else None, money(fixed) if has_fixed else None))
        except ValueError:
            message = _("Milestone %(number)s: the percentage or amount must be a number.") % {
                "number": index
            }
            raise DomainError(message, field_errors={"milestones": [message]}) from None
    split = split_milestones(pairs, version.total_gross)
    if strict and cleaned and not split.adds_up:
        raise _milestone_sum_error(contract, version, split.amounts, split.difference)
    built: list[PaymentMilestone] = []
    for index, (row, (percentage, fixed), amount) in enumerate(
        zip(cleaned, pairs, split.amounts, strict=True), start=1
    ):
        milestone = PaymentMilestone(
            version=version,
            position=index,
            kind=row.get("kind") or "",
            name=(row.get("name") or "").strip(),
            percentage=percentage,
            fixed_amount=fixed,
            amount=amount,
            trigger_event=row.get("trigger_event") or "",
            due_days=int(row["due_days"]) if row.get("due_days") not in (None, "") else 30,
        )
        try:
            validate(milestone, exclude=["version"])
        except DomainError as exc:
            message = _("Milestone %(number)s: %(message)s") % {"number": index, "message": exc.message}
            raise DomainError(message, field_errors={"milestones": [message]}) from None
        built.append(milestone)
    _store_milestones(contract, version, built)
    _sync_plan(contract, version)


MILESTONE_FIELDS = ["kind", "name", "percentage", "fixed_amount", "amount", "trigger_event", "due_days"]


def _store_milestones(contract: Contract, version: ContractVersion, built: list[PaymentMilestone]) -> None:
    """Writes the milestones in place by position, so the plan lines on them (the billing anchors)
    stay; a milestone dropped from the end is deleted, unless its plan line is billed."""
    existing = {m.position: m for m in version.milestones.all()}
    updated, created = [], []
    for milestone in built:
        current = existing.pop(milestone.position, None)
        if current is None:
            created.append(milestone)
            continue
        for name in MILESTONE_FIELDS:
            setattr(current, name, getattr(milestone, name))
        updated.append(current)
    surplus = list(existing.values())
    if surplus:
        lines = list(ReceivablePlanLine.objects.filter(milestone__in=surplus).select_related("milestone"))
        billed = billing.billed_amounts([line.pk for line in lines])
        for line in lines:
            amount = billed.get(line.pk) or ZERO
            if amount > 0:
                message = _(
                    "Milestone “%(milestone)s” has %(billed)s %(currency)s billed; it cannot be removed."
                ) % {"milestone": str(line.milestone), "billed": amount, "currency": line.currency}
                raise DomainError(message, field_errors={"milestones": [message]})
        plan.delete_lines(PaymentMilestone.objects.filter(pk__in=[m.pk for m in surplus]))
    if updated:
        PaymentMilestone.objects.bulk_update(updated, MILESTONE_FIELDS)
    PaymentMilestone.objects.bulk_create(created)


def _sync_plan(contract: Contract, version: ContractVersion) -> None:
    """The receivable plan follows the current version's milestones, updated in place (see
    ``plan.py``); a signature-triggered milestone gets its due date once the contract is signed.
    A version that is not current (an amendment in preparation) leaves the plan alone."""
    if not _is_current(contract, version):
        return
    plan.sync(contract, version, signature_date=contract.signed_on)


def _resolve_version(contract: Contract, version: ContractVersion | None) -> ContractVersion:
    if version is None:
        return _current_version(contract)
    if version.contract_id != contract.pk:
        raise NotFound(_("Not found."))
    return ContractVersion.objects.select_for_update().get(pk=version.pk)


@transaction.atomic
def contract_lines_replace(
    *,
    actor: Any,
    contract: Contract,
    lines: Sequence[Mapping[str, Any]],
    expected_version: int | None = None,
    version: ContractVersion | None = None,
) -> Contract:
    """Replaces the lines of the draft version; totals and milestone amounts follow."""
    locked = _lock(actor, contract, expected_version=expected_version)
    target = _resolve_version(locked, version)
    before = {"total_gross": str(locked.total_gross), "lines": target.lines.count()}
    _write_lines(locked, target, lines)
    _save(locked, ["total_net", "total_tax", "total_gross"])
    record_event(
        actor=actor,
        action="contract.lines_replaced",
        subject=locked,
        before=before,
        after={"total_gross": str(locked.total_gross), "lines": len(lines), "version": target.number},
    )
    return locked


@transaction.atomic
def contract_milestones_replace(
    *,
    actor: Any,
    contract: Contract,
    milestones: Sequence[Mapping[str, Any]],
    expected_version: int | None = None,
    version: ContractVersion | None = None,
) -> Contract:
    """Replaces the payment milestones of the draft version. They must add up to the total
    exactly; the refusal names the difference. The receivable plan is regenerated."""
    locked = _lock(actor, contract, expected_version=expected_version)
    target = _resolve_version(locked, version)
    before = {"milestones": target.milestones.count()}
    _write_milestones(locked, target, milestones, strict=True)
    _save(locked, [])
    record_event(
        actor=actor,
        action="contract.milestones_replaced",
        subject=locked,
        before=before,
        after={"milestones": len(milestones), "version": target.number},
    )
    return locked


# --- lifecycle ----------------------------------------------------------------------------------


@transaction.atomic
def contract_submit(*, actor: Any, contract: Contract, expected_version: int | None = None) -> Contract:
    """Sends the draft to contract review (合同评审); the version's content is frozen."""
    locked = _lock(actor, contract, expected_version=expected_version)
    version = _current_version(locked)
    before = _transition(locked, S.UNDER_REVIEW, selectors.facts_for(locked))
    version.snapshot = version_content(version, locked)
    version.status = VersionStatus.LOCKED
    version.frozen_at = timezone.now()
    version.save(update_fields=["snapshot", "status", "frozen_at", "updated_at"])
    record_event(
        actor=actor,
        action="contract.submitted",
        subject=locked,
        before=before,
        after={"status": locked.status, "version": version.number},
    )
    if locked.contract_manager and locked.contract_manager != actor:
        notify(
            recipients=[locked.contract_manager],
            subject=_("Contract submitted for review"),
            template="contracts/email/status.txt",
            context={"contract": locked, "actor": str(actor)},
        )
    return locked


def _new_version(contract: Contract, old: ContractVersion, actor: Any, reason: str) -> ContractVersion:
    """Copies the old version's lines and milestones into a new draft; the old one is superseded."""
    old.status = VersionStatus.SUPERSEDED
    if not old.snapshot:
        old.snapshot = version_content(old, contract)
    old.save(update_fields=["status", "snapshot", "updated_at"])
    new = _copy_version(contract, old, actor, reason)
    contract.current_version = new
    _sync_plan(contract, new)
    return new


def _copy_version(contract: Contract, old: ContractVersion, actor: Any, reason: str) -> ContractVersion:
    """A new draft version with the next number, holding a copy of ``old``'s lines and milestones."""
    latest = contract.versions.order_by("-number").values_list("number", flat=True).first() or 0
    new = ContractVersion.objects.create(
        contract=contract,
        number=latest + 1,
        status=VersionStatus.DRAFT,
        reason=reason[:500],
        created_by=_user(actor),
        total_net=old.total_net,
        total_tax=old.total_tax,
        total_gross=old.total_gross,
    )
    ContractLine.objects.bulk_create(
        [
            ContractLine(
                version=new,
                **{
                    f: getattr(line, f)
                    for f in (
                        "position",
                        "kind",
                        "description",
                        "product_line_id",
                        "quantity",
                        "unit",
                        "unit_price",
                        "tax_rate",
                        "net_amount",
                        "tax_amount",
                        "gross_amount",
                    )
                },
            )
            for line in old.lines.all()
        ]
    )
    PaymentMilestone.objects.bulk_create(
        [
            PaymentMilestone(
                version=new,
                **{
                    f: getattr(m, f)
                    for f in (
                        "position",
                        "kind",
                        "name",
                        "percentage",
                        "fixed_amount",
                        "amount",
                        "trigger_event",
                        "due_days",
                    )
                },
            )
            for m in old.milestones.all()
        ]
    )
    return new


@transaction.atomic
def contract_return_for_rework(
    *, actor: Any, contract: Contract, reason: str, expected_version: int | None = None
) -> Contract:
    """Back to draft after the review or the ATC decision: a new version is drafted from the
    reviewed one, which stays unchanged (superseded)."""
    locked = _lock(actor, contract, expected_version=expected_version)
    reason = (reason or "").strip()
    old = _current_version(locked)
    before = _transition(locked, S.DRAFT, selectors.facts_for(locked, reason=reason))
    new = _new_version(locked, old, actor, reason)
    locked.save(update_fields=["current_version"])
    record_event(
        actor=actor,
        action="contract.returned_for_rework",
        subject=locked,
        before=before,
        after={"status": locked.status, "version": new.number},
        message=reason,
    )
    return locked


@transaction.atomic
def contract_withdraw(
    *, actor: Any, contract: Contract, reason: str, expected_version: int | None = None
) -> Contract:
    """Withdraws the contract before signature, with the reason."""
    locked = _lock(actor, contract, expected_version=expected_version)
    reason = (reason or "").strip()
    locked.withdrawal_reason = reason
    before = _transition(
        locked, S.WITHDRAWN, selectors.facts_for(locked, reason=reason), extra_fields=["withdrawal_reason"]
    )
    ReceivablePlanLine.objects.filter(contract=locked).delete()
    record_event(
        actor=actor,
        action="contract.withdrawn",
        subject=locked,
        before=before,
        after={"status": locked.status},
        message=reason,
    )
    return locked


@transaction.atomic
def review_opinion_give(
    *,
    actor: Any,
    contract: Contract,
    function: str,
    verdict: str,
    reasons: str = "",
    conditions: str = "",
) -> ContractReviewOpinion:
    """A reviewer's opinion on the version under review (recommendation only). Giving it again
    for the same function replaces the reviewer's earlier opinion on that version."""
    locked = _lock(actor, contract, action=VIEW)
    if locked.status != S.UNDER_REVIEW:
        raise Conflict(_("Opinions are given while the contract is under review."))
    facts = selectors.facts_for(locked, actor)
    if not workflow.can_review(function, facts):
        raise Forbidden(
            _("You do not hold a role that reviews for this function."),
            field_errors={"function": [_("You do not hold a role that reviews for this function.")]},
        )
    version = _current_version(locked)
    opinion = ContractReviewOpinion.objects.filter(version=version, function=function, reviewer=actor).first()
    before = snapshot(opinion, ["verdict", "reasons", "conditions"]) if opinion else {}
    opinion = opinion or ContractReviewOpinion(
        contract=locked, version=version, function=function, reviewer=actor
    )
    opinion.verdict = verdict
    opinion.reasons = (reasons or "").strip()
    opinion.conditions = (conditions or "").strip()
    opinion.given_at = timezone.now()
    validate(opinion)
    opinion.save()
    record_event(
        actor=actor,
        action="contract.review_opinion_given",
        subject=locked,
        before=before,
        after={"function": function, **snapshot(opinion, ["verdict", "reasons", "conditions"])},
    )
    return opinion


@transaction.atomic
def contract_complete_review(
    *, actor: Any, contract: Contract, expected_version: int | None = None
) -> Contract:
    """Every required function has given an opinion: the case goes to the ATC decision."""
    locked = _lock(actor, contract, expected_version=expected_version)
    before = _transition(locked, S.AWAITING_ATC, selectors.facts_for(locked))
    record_event(
        actor=actor,
        action="contract.review_completed",
        subject=locked,
        before=before,
        after={"status": locked.status},
    )
    return locked


@transaction.atomic
def contract_start_countersign(
    *, actor: Any, contract: Contract, expected_version: int | None = None
) -> Contract:
    """ATC approved: the configured departments' countersign steps are created (会签)."""
    locked = _lock(actor, contract, expected_version=expected_version)
    version = _current_version(locked)
    before = _transition(locked, S.COUNTERSIGN, selectors.facts_for(locked))
    CountersignStep.objects.bulk_create(
        [
            CountersignStep(
                contract=locked, version=version, department_name=d.name, role=d.role, sequence=d.sequence
            )
            for d in CountersignDepartment.objects.filter(is_active=True)
        ]
    )
    record_event(
        actor=actor,
        action="contract.countersign_started",
        subject=locked,
        before=before,
        after={"status": locked.status},
    )
    return locked


@transaction.atomic
def countersign_sign_off(
    *, actor: Any, contract: Contract, step_id: Any, comment: str = ""
) -> CountersignStep:
    """One department signs off. Steps with a lower sequence number must all be signed first;
    steps with the same number sign in parallel."""
    locked = _lock(actor, contract, action=VIEW)
    if locked.status != S.COUNTERSIGN:
        raise Conflict(_("The contract is not in countersign."))
    version = _current_version(locked)
    step = lock_for_update(CountersignStep.objects.filter(version=version), pk=step_id)
    if step.status == CountersignStatus.SIGNED:
        raise Conflict(_("This department has already signed off."))
    if not workflow.can_countersign(step.role, selectors.facts_for(locked, actor)):
        raise Forbidden(_("Only a holder of the department's signing role may sign off for it."))
    if version.countersign_steps.filter(
        sequence__lt=step.sequence, status=CountersignStatus.PENDING
    ).exists():
        raise Conflict(_("Earlier departments in the sequence have not signed off yet."))
    step.status = CountersignStatus.SIGNED
    step.signed_by = actor
    step.signed_at = timezone.now()
    step.comment = (comment or "").strip()
    validate(step)
    step.save()
    record_event(
        actor=actor,
        action="contract.countersigned",
        subject=locked,
        after={"department": step.department_name, "comment": step.comment},
    )
    return step


@transaction.atomic
def contract_request_seal(
    *,
    actor: Any,
    contract: Contract,
    signatory: Any,
    seal_kind: str = SealKind.CONTRACT_SEAL,
    copies: int = 2,
    expected_version: int | None = None,
) -> Contract:
    """All departments countersigned: the seal is requested for the authorised signatory (盖章)."""
    locked = _lock(actor, contract, expected_version=expected_version)
    version = _current_version(locked)
    signatory_ok = (
        signatory is not None
        and getattr(signatory, "is_active", False)
        and (
            signatory.is_superuser
            or bool(set(workflow.SIGNATORY_ROLES) & selectors.user_roles_at(signatory, locked))
        )
    )
    before = _transition(locked, S.SEAL, selectors.facts_for(locked, signatory_ok=signatory_ok))
    record = SealRecord(
        contract=locked,
        version=version,
        seal_kind=seal_kind,
        signatory=signatory,
        copies=copies,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    validate(record)
    record.save()
    record_event(
        actor=actor,
        action="contract.seal_requested",
        subject=locked,
        before=before,
        after={"status": locked.status, "signatory": str(signatory), "seal_kind": seal_kind},
    )
    return locked


@transaction.atomic
def contract_record_seal(
    *,
    actor: Any,
    contract: Contract,
    signed_on: datetime.date | None,
    seal_reference: str = "",
    expected_version: int | None = None,
) -> Contract:
    """The signatory signed and the seal was applied: the contract is signed; signature-triggered
    milestones get their due dates."""
    locked = _lock(actor, contract, expected_version=expected_version)
    version = _current_version(locked)
    record = SealRecord.objects.select_for_update().filter(version=version).first()
    facts = selectors.facts_for(locked, signed_on=signed_on)
    if signed_on and signed_on > timezone.localdate():
        raise _invalid("signed_on", _("The date of signature cannot be in the future."))
    locked.signed_on = signed_on
    before = _transition(locked, S.SIGNED, facts, extra_fields=["signed_on"])
    assert record is not None  # the seal_requested guard saw it
    record.status = SealStatus.SEALED
    record.sealed_by = actor
    record.sealed_at = timezone.now()
    record.seal_reference = (seal_reference or "").strip()
    validate(record)
    record.save()
    version.status = VersionStatus.SIGNED
    version.save(update_fields=["status", "updated_at"])
    plan.sync(locked, version, signature_date=signed_on)
    record_event(
        actor=actor,
        action="contract.signed",
        subject=locked,
        before=before,
        after={"status": locked.status, "signed_on": signed_on, "seal_reference": record.seal_reference},
    )
    return locked


@transaction.atomic
def contract_archive(
    *,
    actor: Any,
    contract: Contract,
    scan: Any,
    archive_number: str,
    original_location: str,
    page_count: int | None = None,
    notes: str = "",
    expected_version: int | None = None,
) -> Contract:
    """Files the signed original (归档): scan and metadata; the version becomes immutable."""
    locked = _lock(actor, contract, expected_version=expected_version)
    version = _current_version(locked)
    scan_name = check_scan(scan)
    facts = selectors.facts_for(locked, has_scan=bool(scan), archive_number=archive_number or "")
    before = _transition(locked, S.ARCHIVED, facts)
    record = ContractArchive(
        contract=locked,
        version=version,
        archive_number=(archive_number or "").strip(),
        original_location=(original_location or "").strip(),
        scan=scan,
        scan_name=scan_name,
        page_count=page_count,
        notes=(notes or "").strip(),
        archived_by=actor,
    )
    validate(record)
    record.save()
    version.status = VersionStatus.ARCHIVED
    version.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        action="contract.archived",
        subject=locked,
        before=before,
        after={"status": locked.status, "archive_number": record.archive_number, "scan": record.scan_name},
    )
    return locked


@transaction.atomic
def contract_confirm_receipt(
    *,
    actor: Any,
    contract: Contract,
    received_amount: Decimal | str,
    received_currency: str,
    milestones_match: bool,
    obligations_match: bool,
    notes: str = "",
) -> ContractReceiptCheck:
    """The receive-and-confirm check (接收和确认合同/PO): the checker's reading of the received
    contract is compared with the approved version. A mismatch blocks execution."""
    locked = _lock(actor, contract)
    if locked.status not in (S.ARCHIVED, S.EXECUTING):
        raise Conflict(_("The receipt check is recorded once the signed contract is archived."))
    version = _current_version(locked)
    approved = version.snapshot or version_content(version, locked)
    approved_currency = approved.get("header", {}).get("currency") or locked.currency
    try:
        amount = money(received_amount)
    except ValueError:
        raise _invalid("received_amount", _("Give the amount as a number.")) from None
    currency = (received_currency or "").strip().upper()
    mismatches: list[str] = []
    if amount != version.total_gross:
        mismatches.append(
            _("Amount: received %(received)s, approved %(approved)s.")
            % {"received": amount, "approved": version.total_gross}
        )
    if currency != approved_currency:
        mismatches.append(
            _("Currency: received %(received)s, approved %(approved)s.")
            % {"received": currency, "approved": approved_currency}
        )
    if not milestones_match:
        mismatches.append(_("The payment milestones differ from the approved version."))
    if not obligations_match:
        mismatches.append(_("The delivery obligations differ from the approved version."))
    check = ContractReceiptCheck(
        contract=locked,
        version=version,
        checker=actor,
        received_amount=amount,
        received_currency=currency,
        milestones_match=bool(milestones_match),
        obligations_match=bool(obligations_match),
        result=CheckResult.MISMATCH if mismatches else CheckResult.PASSED,
        mismatches=mismatches,
        notes=(notes or "").strip(),
    )
    validate(check)
    check.save()
    record_event(
        actor=actor,
        action="contract.receipt_checked",
        subject=locked,
        after={"result": check.result, "mismatches": mismatches},
    )
    return check


@transaction.atomic
def contract_start_execution(
    *, actor: Any, contract: Contract, expected_version: int | None = None
) -> Contract:
    """The received contract matched the approved version: delivery and billing may start."""
    locked = _lock(actor, contract, expected_version=expected_version)
    before = _transition(locked, S.EXECUTING, selectors.facts_for(locked))
    record_event(
        actor=actor,
        action="contract.execution_started",
        subject=locked,
        before=before,
        after={"status": locked.status},
    )
    return locked


@transaction.atomic
def contract_close(*, actor: Any, contract: Contract, expected_version: int | None = None) -> Contract:
    """Closes an executing contract; needs an approved ATCC decision."""
    locked = _lock(actor, contract, expected_version=expected_version)
    before = _transition(locked, S.CLOSED, selectors.facts_for(locked))
    record_event(
        actor=actor, action="contract.closed", subject=locked, before=before, after={"status": locked.status}
    )
    return locked


@transaction.atomic
def receivable_trigger_record(
    *, actor: Any, contract: Contract, plan_line_id: Any, trigger_date: datetime.date
) -> ReceivablePlanLine:
    """The milestone's trigger event happened on ``trigger_date``: the due date follows."""
    return _record_trigger(_lock(actor, contract), actor, plan_line_id, trigger_date, via="contract")


@transaction.atomic
def receivable_trigger_on_acceptance(
    *, actor: Any, contract: Contract, plan_line_id: Any, trigger_date: datetime.date, acceptance: str
) -> ReceivablePlanLine:
    """The customer accepted the delivery milestone linked to this plan line.

    Called by the delivery service, which has already checked that ``actor`` may record the
    acceptance on the delivery project (the FR in charge or a team member, who need not hold change
    rights on the contract itself); the contract is locked but not checked for the actor."""
    locked = lock_for_update(Contract.objects.all(), pk=contract.pk)
    return _record_trigger(locked, actor, plan_line_id, trigger_date, via=f"acceptance {acceptance}")


def _record_trigger(
    locked: Contract, actor: Any, plan_line_id: Any, trigger_date: datetime.date, *, via: str
) -> ReceivablePlanLine:
    if locked.status not in (S.SIGNED, S.ARCHIVED, S.EXECUTING):
        raise Conflict(_("Trigger dates are recorded once the contract is signed."))
    line = lock_for_update(
        ReceivablePlanLine.objects.filter(contract=locked).select_related("milestone"), pk=plan_line_id
    )
    before = snapshot(line, ["trigger_date", "planned_due_date"])
    line.trigger_date = trigger_date
    line.planned_due_date = trigger_date + datetime.timedelta(days=line.milestone.due_days)
    validate(line)
    line.save(update_fields=["trigger_date", "planned_due_date", "updated_at"])
    record_event(
        actor=actor,
        action="contract.receivable_trigger_recorded",
        subject=locked,
        before=before,
        after={
            **snapshot(line, ["trigger_date", "planned_due_date"]),
            "milestone": str(line.milestone),
            "via": via,
        },
    )
    return line


@transaction.atomic
def contract_content_save(
    *,
    actor: Any,
    contract: Contract,
    data: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    milestones: Sequence[Mapping[str, Any]],
    expected_version: int | None,
) -> Contract:
    """The editor's save: header, lines and milestones together, all or nothing."""
    contract = contract_update(actor=actor, contract=contract, data=data, expected_version=expected_version)
    contract = contract_lines_replace(actor=actor, contract=contract, lines=lines)
    return contract_milestones_replace(actor=actor, contract=contract, milestones=milestones)


@transaction.atomic
def contract_open_atc_case(*, actor: Any, contract: Contract) -> Any:
    """Opens the ATC decision case (签约决策) in the decision engine for a reviewed contract. The
    review opinions go into the case summary, so the decider sees every "disagree"."""
    locked = _lock(actor, contract)
    if locked.status != S.AWAITING_ATC:
        raise Conflict(_("The ATC case is opened once the contract review is complete."))
    try:
        from openltc.decisions import services as decisions
    except (ImportError, RuntimeError, LookupError):
        raise Conflict(_("The decision engine is not available yet.")) from None
    version = _current_version(locked)
    opinions = version.review_opinions.select_related("reviewer").order_by("function", "given_at")
    summary = "\n".join(
        f"- {o.get_function_display()}: {o.get_verdict_display()} ({o.reviewer})"
        + (f" — {o.reasons}" if o.reasons else "")
        + (f" [{o.conditions}]" if o.conditions else "")
        for o in opinions
    )
    case = decisions.case_open(
        actor=actor,
        subject=locked,
        gate="ATC",
        title=f"ATC · {locked.number} {locked.title}",
        summary=summary,
    )
    record_event(
        actor=actor,
        action="contract.atc_case_opened",
        subject=locked,
        after={"case": str(case.pk), "version": version.number},
    )
    return case


# --- change requests (合同/PO变更 → change review → ATAC → change agreement) ---------------------

CHANGE_FIELDS = ["reason", "scope_impact", "schedule_impact", "cash_impact", "margin_percent"]


def _lock_change(
    actor: Any, change: ContractChange, *, expected_version: int | None = None
) -> ContractChange:
    """Locks the contract, then the change request (always in this order)."""
    contract = _lock(actor, change.contract)
    locked = lock_for_update(ContractChange.objects.filter(contract=contract), pk=change.pk)
    locked.contract = contract
    check_version(locked, expected_version)
    return locked


def _save_change(change: ContractChange, fields: Iterable[str]) -> None:
    change.lock_version += 1
    change.save(update_fields=[*fields, "lock_version", "updated_at"])


def _change_transition(
    change: ContractChange, target: str, facts: workflow.ChangeFacts, *, extra_fields: Iterable[str] = ()
) -> dict[str, Any]:
    workflow.check_change_transition(change, target, facts)
    before = snapshot(change, ["status"])
    change.status = target
    validate(change)
    _save_change(change, ["status", *extra_fields])
    return before


def _notify_change(change: ContractChange, actor: Any) -> None:
    contract = change.contract
    people = {p.pk: p for p in contract.decision_participants() if p is not None and p != actor}
    notify(
        recipients=people.values(),
        subject=_("Contract change request updated"),
        template="contracts/email/change.txt",
        context={"change": change, "contract": contract, "actor": str(actor)},
    )


def _clean_change_data(data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name in CHANGE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        cleaned[name] = value if name == "margin_percent" else (value or "").strip()
    return cleaned


@transaction.atomic
def change_request(
    *,
    actor: Any,
    contract: Contract,
    data: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]] | None = None,
    milestones: Sequence[Mapping[str, Any]] | None = None,
) -> ContractChange:
    """Raises a change request on a signed, archived or executing contract: the reason and the
    impacts, and the amendment — a new draft version copied from the current one (then edited
    with ``lines`` and ``milestones`` if given). One open change request at a time."""
    locked = _lock(actor, contract)
    reason = workflow.request_change_reason(locked, selectors.facts_for(locked))
    if reason:
        raise Conflict(reason)
    values = _clean_change_data(data)
    if not values.get("reason"):
        raise _invalid("reason", _("Give the reason for the change."))
    if ContractVersion.objects.filter(contract=locked, status=VersionStatus.DRAFT).exists():
        # A signed contract whose text was never frozen (data entered around the lifecycle): an
        # amendment would be a second draft of the same contract.
        raise Conflict(_("The contract still has a draft version; a change amends a signed version."))
    base = _current_version(locked)
    sequence = (locked.changes.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 1
    amendment = _copy_version(locked, base, actor, _("Amendment %(number)s") % {"number": sequence})
    change = ContractChange(
        contract=locked,
        sequence=sequence,
        base_version=base,
        amendment=amendment,
        requested_by=actor,
        **values,
    )
    validate(change, exclude=["amendment"])
    change.save()
    if lines is not None:
        _write_lines(locked, amendment, lines)
    if milestones is not None:
        _write_milestones(locked, amendment, milestones, strict=True)
    change.price_impact = amendment.total_gross - base.total_gross
    change.save(update_fields=["price_impact"])
    record_event(
        actor=actor,
        action="contract.change_requested",
        subject=locked,
        after={"change": change.number, "version": amendment.number, **snapshot(change, CHANGE_FIELDS)},
        message=change.reason,
    )
    return change


@transaction.atomic
def change_update(
    *,
    actor: Any,
    change: ContractChange,
    data: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]] | None = None,
    milestones: Sequence[Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
) -> ContractChange:
    """Edits a draft change request: its reason and impacts, and (when given) the lines and
    milestones of the amendment. All or nothing."""
    locked = _lock_change(actor, change, expected_version=expected_version)
    if locked.status != ChangeStatus.DRAFT:
        raise Conflict(_("Only a change request being drafted can be edited."))
    amendment = ContractVersion.objects.select_for_update().get(pk=locked.amendment_id)
    values = _clean_change_data(data)
    if "reason" in values and not values["reason"]:
        raise _invalid("reason", _("Give the reason for the change."))
    before = snapshot(locked, [*CHANGE_FIELDS, "price_impact"])
    for name, value in values.items():
        setattr(locked, name, value)
    if lines is not None:
        _write_lines(locked.contract, amendment, lines)
    if milestones is not None:
        _write_milestones(locked.contract, amendment, milestones, strict=True)
    locked.price_impact = amendment.total_gross - locked.base_version.total_gross
    validate(locked)
    changed_before, changed_after = diff(before, snapshot(locked, [*CHANGE_FIELDS, "price_impact"]))
    _save_change(locked, [*CHANGE_FIELDS, "price_impact"])
    record_event(
        actor=actor,
        action="contract.change_updated",
        subject=locked.contract,
        before=changed_before,
        after={
            "change": locked.number,
            **changed_after,
            "lines": lines is not None,
            "milestones": milestones is not None,
        },
    )
    return locked


def _atac_summary(change: ContractChange) -> str:
    contract = change.contract
    rows = [
        (_("Reason"), change.reason),
        (
            _("Price"),
            _("%(before)s → %(after)s %(currency)s (%(delta)s)")
            % {
                "before": change.base_version.total_gross,
                "after": change.amendment.total_gross,
                "currency": contract.currency,
                "delta": change.price_impact,
            },
        ),
        (_("Scope"), change.scope_impact or "—"),
        (_("Schedule"), change.schedule_impact or "—"),
        (_("Cash"), change.cash_impact or "—"),
    ]
    return "\n".join(f"- {label}: {text}" for label, text in rows)


@transaction.atomic
def change_submit(*, actor: Any, change: ContractChange, expected_version: int | None = None) -> Any:
    """Freezes the amendment and opens its ATAC case in the decision engine (the change review is
    the case's review round; the reviewers recommend, the SDT routed by the delegation matrix on
    the size of the change decides). Returns the case."""
    locked = _lock_change(actor, change, expected_version=expected_version)
    try:
        from openltc.decisions import services as decisions
    except (ImportError, RuntimeError, LookupError):
        raise Conflict(_("The decision engine is not available yet.")) from None
    locked.submitted_at = timezone.now()
    before = _change_transition(
        locked, ChangeStatus.IN_DECISION, selectors.change_facts_for(locked), extra_fields=["submitted_at"]
    )
    amendment = ContractVersion.objects.select_for_update().get(pk=locked.amendment_id)
    amendment.snapshot = version_content(amendment, locked.contract)
    amendment.status = VersionStatus.LOCKED
    amendment.frozen_at = timezone.now()
    amendment.save(update_fields=["snapshot", "status", "frozen_at", "updated_at"])
    case = decisions.case_open(
        actor=actor,
        subject=locked,
        gate="ATAC",
        title=f"ATAC · {locked.number} {locked.contract.title}",
        summary=_atac_summary(locked),
    )
    record_event(
        actor=actor,
        action="contract.change_submitted",
        subject=locked.contract,
        before=before,
        after={"change": locked.number, "status": locked.status, "case": str(case.pk)},
    )
    _notify_change(locked, actor)
    return case


@transaction.atomic
def change_sign(
    *,
    actor: Any,
    change: ContractChange,
    signed_on: datetime.date | None,
    agreement_reference: str = "",
    expected_version: int | None = None,
) -> ContractChange:
    """The change agreement (变更协议) is signed after an approved ATAC decision: the amendment
    becomes the current version, the previous one is superseded (immutable), the totals follow
    and the receivable plan is moved to the amendment in place (refused if it would touch billed
    amounts)."""
    locked = _lock_change(actor, change, expected_version=expected_version)
    contract = locked.contract
    if signed_on and signed_on > timezone.localdate():
        raise _invalid("signed_on", _("The date of signature cannot be in the future."))
    locked.signed_on = signed_on
    locked.agreement_reference = (agreement_reference or "").strip()
    before = _change_transition(
        locked,
        ChangeStatus.SIGNED,
        selectors.change_facts_for(locked, signed_on=signed_on),
        extra_fields=["signed_on", "agreement_reference"],
    )
    old = _current_version(contract)
    amendment = ContractVersion.objects.select_for_update().get(pk=locked.amendment_id)
    fields = ["status", "updated_at"]
    if not old.snapshot:
        old.snapshot = version_content(old, contract)
        fields.append("snapshot")
    old.status = VersionStatus.SUPERSEDED
    old.save(update_fields=fields)
    amendment.status = VersionStatus.SIGNED
    amendment.save(update_fields=["status", "updated_at"])
    contract_before = snapshot(contract, ["total_gross", "current_version"])
    contract.current_version = amendment
    contract.total_net, contract.total_tax = amendment.total_net, amendment.total_tax
    contract.total_gross = amendment.total_gross
    if locked.margin_percent is not None:
        contract.margin_percent = locked.margin_percent
    _save(contract, ["current_version", "total_net", "total_tax", "total_gross", "margin_percent"])
    plan.sync(contract, amendment, signature_date=signed_on)
    record_event(
        actor=actor,
        action="contract.change_signed",
        subject=contract,
        before={**before, **contract_before},
        after={
            "change": locked.number,
            "status": locked.status,
            "current_version": amendment.number,
            "total_gross": str(contract.total_gross),
            "signed_on": signed_on,
            "agreement_reference": locked.agreement_reference,
        },
    )
    _notify_change(locked, actor)
    return locked


@transaction.atomic
def change_archive(
    *,
    actor: Any,
    change: ContractChange,
    scan: Any,
    archive_number: str,
    original_location: str,
    page_count: int | None = None,
    notes: str = "",
    expected_version: int | None = None,
) -> ContractChange:
    """Files the signed change agreement (归档): the amendment version becomes archived."""
    locked = _lock_change(actor, change, expected_version=expected_version)
    scan_name = check_scan(scan)
    facts = selectors.change_facts_for(locked, has_scan=bool(scan), archive_number=archive_number or "")
    before = _change_transition(locked, ChangeStatus.ARCHIVED, facts)
    amendment = ContractVersion.objects.select_for_update().get(pk=locked.amendment_id)
    record = ContractArchive(
        contract=locked.contract,
        version=amendment,
        archive_number=(archive_number or "").strip(),
        original_location=(original_location or "").strip(),
        scan=scan,
        scan_name=scan_name,
        page_count=page_count,
        notes=(notes or "").strip(),
        archived_by=actor,
    )
    validate(record)
    record.save()
    if amendment.status == VersionStatus.SIGNED:
        amendment.status = VersionStatus.ARCHIVED
        amendment.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        action="contract.change_archived",
        subject=locked.contract,
        before=before,
        after={"change": locked.number, "status": locked.status, "archive_number": record.archive_number},
    )
    return locked


@transaction.atomic
def change_withdraw(
    *, actor: Any, change: ContractChange, reason: str, expected_version: int | None = None
) -> ContractChange:
    """Withdraws a change request before its agreement is signed (also the way out after an ATAC
    rejection): the amendment is kept, discarded and immutable."""
    locked = _lock_change(actor, change, expected_version=expected_version)
    reason = (reason or "").strip()
    locked.withdrawal_reason = reason
    before = _change_transition(
        locked,
        ChangeStatus.WITHDRAWN,
        selectors.change_facts_for(locked, reason=reason),
        extra_fields=["withdrawal_reason"],
    )
    amendment = ContractVersion.objects.select_for_update().get(pk=locked.amendment_id)
    if not amendment.snapshot:
        amendment.snapshot = version_content(amendment, locked.contract)
    amendment.status = VersionStatus.DISCARDED
    amendment.frozen_at = amendment.frozen_at or timezone.now()
    amendment.save(update_fields=["status", "snapshot", "frozen_at", "updated_at"])
    record_event(
        actor=actor,
        action="contract.change_withdrawn",
        subject=locked.contract,
        before=before,
        after={"change": locked.number, "status": locked.status},
        message=reason,
    )
    return locked


# --- closure (ATCC) -----------------------------------------------------------------------------


@transaction.atomic
def contract_open_atcc_case(*, actor: Any, contract: Contract) -> Any:
    """Opens the ATCC closure decision case; refused, with every reason, while a closure
    condition (ours, delivery's, cash's) is unmet. The case summary lists the conditions."""
    from openltc.contracts import closure

    locked = _lock(actor, contract)
    facts = selectors.facts_for(locked)
    reason = workflow.atcc_request_reason(locked, facts)
    if reason:
        raise Conflict(reason, extra={"reasons": list(facts.closure_unmet) or [reason]})
    try:
        from openltc.decisions import services as decisions
    except (ImportError, RuntimeError, LookupError):
        raise Conflict(_("The decision engine is not available yet.")) from None
    summary = "\n".join(f"- {state.label}: " + _("met") for state in closure.evaluate(locked))
    case = decisions.case_open(
        actor=actor,
        subject=locked,
        gate="ATCC",
        title=f"ATCC · {locked.number} {locked.title}",
        summary=summary,
    )
    record_event(
        actor=actor, action="contract.atcc_case_opened", subject=locked, after={"case": str(case.pk)}
    )
    return case
