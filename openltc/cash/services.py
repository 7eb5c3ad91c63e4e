"""Writes of the cash app. Every write checks the caller's rights, locks the rows whose amounts
it changes (always in the same order: contract, plan lines by pk, receipt, invoices by pk),
checks the rules in ``workflow.py``, validates, saves and records one audit event in the same
transaction.

Who may do what: finance (the Finance role over the contract's org unit, or a superuser) issues
invoices and credit notes, records, allocates and reverses receipts and approves write-offs; the
contract's AR (anyone who may change the contract) and finance log collection actions, open and
close disputes and request write-offs. Everyone else who sees the contract only reads.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from openltc.cash import workflow
from openltc.cash.choices import (
    DisputeStatus,
    InvoiceKind,
    InvoiceStatus,
    ReceiptStatus,
    WriteOffStatus,
)
from openltc.cash.models import (
    ZERO,
    Allocation,
    CashPolicy,
    CollectionAction,
    Dispute,
    Invoice,
    InvoiceLine,
    IssuingEntity,
    Receipt,
    WriteOff,
)
from openltc.core.audit import record_event, snapshot
from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound, TransitionRefused
from openltc.core.notifications import notify
from openltc.core.request_context import forgotten_on_change, request_memo
from openltc.core.sequences import next_value
from openltc.core.services import check_version, validate
from openltc.core.visibility import CHANGE, VIEW, can_access

CENT = Decimal("0.01")


# --- helpers ------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def money(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (ArithmeticError, ValueError, TypeError):
        raise _invalid("amount", _("Enter a valid amount.")) from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e16"):
        raise _invalid("amount", _("Enter a valid amount."))
    return amount


def policy() -> CashPolicy:
    """The cash policy row (created with the defaults when an admin removed it); read once per request."""
    return request_memo("cash.policy", _policy_row)


def _policy_row() -> CashPolicy:
    row = CashPolicy.objects.order_by("pk").first()
    return row if row is not None else CashPolicy.objects.create()


forgotten_on_change(CashPolicy)


def is_finance(user: Any, org_unit: Any = None) -> bool:
    """Finance over ``org_unit`` (the role held there or above), or a superuser."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    from openltc.org.roles import Role
    from openltc.org.selectors import has_role

    return has_role(user, Role.FINANCE, within=org_unit)


def is_executive(user: Any, org_unit: Any = None) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    from openltc.org.roles import Role
    from openltc.org.selectors import has_role

    return has_role(user, Role.EXECUTIVE, within=org_unit)


def can_collect(user: Any, contract: Any) -> bool:
    """The AR side (may change the contract) or finance may chase, dispute and ask to write off."""
    return can_access(user, contract, CHANGE) or is_finance(user, contract.org_unit)


def _require_finance(actor: Any, record: Any, org_unit: Any, message: str) -> None:
    if not can_access(actor, record, VIEW):
        raise NotFound(_("Not found."))
    if not is_finance(actor, org_unit):
        raise Forbidden(message)


def _lock_contract(actor: Any, contract: Any) -> Any:
    from openltc.contracts.models import Contract

    try:
        locked = Contract.objects.select_for_update().select_related("org_unit").get(pk=contract.pk)
    except Contract.DoesNotExist:
        raise NotFound(_("Not found.")) from None
    if not can_access(actor, locked, VIEW):
        raise NotFound(_("Not found."))
    return locked


def _lock_invoices(pks: Iterable[Any]) -> dict[Any, Invoice]:
    """Row-locks the invoices in pk order (one order everywhere, so two clerks never deadlock)."""
    ordered = sorted(set(pks), key=str)
    rows = {inv.pk: inv for inv in Invoice.objects.select_for_update().filter(pk__in=ordered).order_by("pk")}
    return rows


def _settle_status(invoice: Invoice) -> None:
    invoice.status = InvoiceStatus.SETTLED if invoice.open_amount <= ZERO else InvoiceStatus.OPEN


def _save_invoice(invoice: Invoice, fields: Iterable[str]) -> None:
    _settle_status(invoice)
    invoice.lock_version += 1
    invoice.save(update_fields=[*fields, "status", "lock_version", "updated_at"])


def split_tax(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(net, tax) of a tax-inclusive amount; the tax is what is left so net + tax = gross."""
    net = (gross / (Decimal(1) + rate / Decimal(100))).quantize(CENT, rounding=ROUND_HALF_UP)
    return net, gross - net


def billed_amounts(plan_line_ids: Iterable[Any]) -> dict[Any, Decimal]:
    """Net billed per plan line (invoices minus credit notes), in one GROUP BY query; the
    provider registered with ``contracts.billing``."""
    ids = list(plan_line_ids)
    if not ids:
        return {}
    rows = (
        InvoiceLine.objects.filter(plan_line_id__in=ids)
        .values("plan_line_id")
        .annotate(
            billed=Sum(
                Case(
                    When(invoice__kind=InvoiceKind.CREDIT_NOTE, then=-F("gross_amount")),
                    default=F("gross_amount"),
                )
            )
        )
    )
    return {row["plan_line_id"]: Decimal(row["billed"] or 0).quantize(CENT) for row in rows}


def _entity(entity: IssuingEntity | None) -> IssuingEntity:
    if entity is None:
        entity = IssuingEntity.objects.filter(is_active=True).order_by("code").first()
    if entity is None or not entity.is_active:
        raise _invalid("issuing_entity", _("Choose an active issuing entity."))
    return entity


def _number(entity: IssuingEntity, kind: str, on: datetime.date) -> str:
    """Gap-free per issuing entity, kind and year: INV-HQ-2026-00001, CN-HQ-2026-00001."""
    prefix = entity.number_prefix if kind == InvoiceKind.INVOICE else "CN"
    key = f"{prefix}-{entity.code}-{on.year}"
    return f"{key}-{next_value(key):05d}"


def _uuid_text(value: Any, field: str, message: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise _invalid(field, message) from None


def _check_date(field: str, value: Any) -> datetime.date:
    if not isinstance(value, datetime.date):
        raise _invalid(field, _("Enter a valid date."))
    if abs((value - timezone.localdate()).days) > 3660:
        raise _invalid(field, _("Enter a date within ten years of today."))
    return value


# --- invoices -----------------------------------------------------------------------------------


@transaction.atomic
def invoice_issue(
    *,
    actor: Any,
    contract: Any,
    lines: Sequence[Mapping[str, Any]],
    issuing_entity: IssuingEntity | None = None,
    issue_date: datetime.date | None = None,
    due_date: datetime.date | None = None,
    notes: str = "",
    collection_owner: Any = None,
) -> Invoice:
    """Issues one invoice covering one or several billable plan lines of the contract.

    ``lines``: ``{"plan_line": id, "amount": gross, "tax_rate": optional}``. The contract and the
    plan lines are row-locked, so two clerks cannot bill the same amount twice.
    """
    from openltc.contracts.models import ReceivablePlanLine

    locked = _lock_contract(actor, contract)
    _require_finance(actor, locked, locked.org_unit, _("Only finance may issue invoices."))
    reason = workflow.contract_billing_unmet(locked)
    if reason:
        raise TransitionRefused(reason)
    entity = _entity(issuing_entity)
    issued = _check_date("issue_date", issue_date or timezone.localdate())
    if not lines:
        raise _invalid("lines", _("Choose at least one billable milestone."))
    wanted: dict[str, Mapping[str, Any]] = {}
    for row in lines:
        key = _uuid_text(row.get("plan_line"), "lines", _("Choose billable milestones of this contract."))
        if key in wanted:
            raise _invalid("lines", _("Each milestone may appear only once on an invoice."))
        wanted[key] = row
    plan_lines = list(
        ReceivablePlanLine.objects.select_for_update()
        .filter(contract=locked, pk__in=list(wanted))
        .select_related("milestone")
        .order_by("pk")
    )
    if len(plan_lines) != len(wanted):
        raise _invalid("lines", _("Choose billable milestones of this contract."))
    billed = billed_amounts(p.pk for p in plan_lines)
    built: list[InvoiceLine] = []
    for plan_line in plan_lines:
        row = wanted[str(plan_line.pk)]
        amount = money(
            row.get("amount")
            if row.get("amount") not in (None, "")
            else plan_line.planned_amount - billed.get(plan_line.pk, ZERO)
        )
        reason = workflow.plan_line_billable_unmet(
            plan_line, billed=billed.get(plan_line.pk, ZERO), amount=amount
        )
        if reason:
            raise _invalid("lines", reason)
        rate = row.get("tax_rate")
        rate = entity.default_tax_rate if rate in (None, "") else Decimal(str(rate))
        if not (Decimal(0) <= rate <= Decimal(100)):
            raise _invalid("lines", _("The tax rate must be between 0 and 100%."))
        net, tax = split_tax(amount, rate)
        built.append(
            InvoiceLine(
                plan_line=plan_line,
                description=str(plan_line.milestone)[:300],
                tax_rate=rate,
                net_amount=net,
                tax_amount=tax,
                gross_amount=amount,
            )
        )
    latest_due = max((p.planned_due_date for p in plan_lines if p.planned_due_date), default=issued)
    due = _check_date("due_date", due_date) if due_date else max(latest_due, issued)
    if due < issued:
        raise _invalid("due_date", _("The due date cannot be before the issue date."))
    owner = collection_owner or locked.owner
    invoice = Invoice(
        number="",
        kind=InvoiceKind.INVOICE,
        issuing_entity=entity,
        contract=locked,
        customer_id=locked.customer_id,
        issue_date=issued,
        due_date=due,
        currency=locked.currency,
        net_amount=sum((b.net_amount for b in built), ZERO),
        tax_amount=sum((b.tax_amount for b in built), ZERO),
        gross_amount=sum((b.gross_amount for b in built), ZERO),
        notes=notes or "",
        collection_owner=owner,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    validate(invoice, exclude=["number"])
    invoice.number = _number(entity, InvoiceKind.INVOICE, issued)
    invoice.save()
    for line in built:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(built)
    record_event(
        actor=actor,
        action="cash.invoice_issued",
        subject=invoice,
        after={
            **snapshot(invoice, ["number", "contract", "issue_date", "due_date", "currency", "gross_amount"]),
            "lines": {str(b.plan_line_id): str(b.gross_amount) for b in built},
        },
    )
    return invoice


@transaction.atomic
def credit_note_issue(
    *,
    actor: Any,
    invoice: Invoice,
    amount: Any,
    reason: str,
    issue_date: datetime.date | None = None,
) -> Invoice:
    """Corrects an invoice: a credit note for ``amount`` (spread over the invoice's lines, last
    line first) takes it back from what is billed and from what is open on the invoice."""
    locked_contract = _lock_contract(actor, invoice.contract)
    _require_finance(
        actor, locked_contract, locked_contract.org_unit, _("Only finance may issue credit notes.")
    )
    original = _lock_invoices([invoice.pk]).get(invoice.pk)
    if original is None:
        raise NotFound(_("Not found."))
    amount = money(amount)
    if not (reason or "").strip():
        raise _invalid("reason", _("Give the reason for the credit note."))
    refusal = workflow.credit_unmet(original, amount)
    if refusal:
        raise _invalid("amount", refusal)
    issued = _check_date("issue_date", issue_date or timezone.localdate())
    # What each line of the original still carries after earlier credit notes.
    credited = {
        row["plan_line_id"]: row["total"]
        for row in InvoiceLine.objects.filter(invoice__corrects=original)
        .values("plan_line_id")
        .annotate(total=Sum("gross_amount"))
    }
    remaining = amount
    built: list[InvoiceLine] = []
    for line in original.lines.select_related("plan_line").order_by("-created_at", "-pk"):
        room = line.gross_amount - (credited.get(line.plan_line_id) or ZERO)
        part = min(room, remaining)
        if part <= ZERO:
            continue
        net, tax = split_tax(part, line.tax_rate)
        built.append(
            InvoiceLine(
                plan_line=line.plan_line,
                description=line.description,
                tax_rate=line.tax_rate,
                net_amount=net,
                tax_amount=tax,
                gross_amount=part,
            )
        )
        remaining -= part
        if remaining <= ZERO:
            break
    if remaining > ZERO:
        raise _invalid("amount", _("The credit exceeds what the invoice's lines still carry."))
    note = Invoice(
        number="",
        kind=InvoiceKind.CREDIT_NOTE,
        issuing_entity=original.issuing_entity,
        contract=locked_contract,
        customer_id=original.customer_id,
        corrects=original,
        status=InvoiceStatus.SETTLED,
        issue_date=issued,
        due_date=max(issued, original.due_date),
        currency=original.currency,
        net_amount=sum((b.net_amount for b in built), ZERO),
        tax_amount=sum((b.tax_amount for b in built), ZERO),
        gross_amount=amount,
        reason=reason.strip(),
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    validate(note, exclude=["number"])
    note.number = _number(original.issuing_entity, InvoiceKind.CREDIT_NOTE, issued)
    note.save()
    for line in built:
        line.invoice = note
    InvoiceLine.objects.bulk_create(built)
    before = snapshot(original, ["credited_amount", "status"])
    original.credited_amount += amount
    _save_invoice(original, ["credited_amount"])
    record_event(
        actor=actor,
        action="cash.credit_note_issued",
        subject=note,
        after={"number": note.number, "corrects": original.number, "amount": amount, "reason": note.reason},
    )
    record_event(
        actor=actor,
        action="cash.invoice_credited",
        subject=original,
        before=before,
        after=snapshot(original, ["credited_amount", "status"]),
    )
    return note


# --- receipts and allocation --------------------------------------------------------------------


@transaction.atomic
def receipt_record(
    *,
    actor: Any,
    customer: Any,
    amount: Any,
    currency: str,
    received_on: datetime.date,
    payer: str,
    bank_reference: str = "",
    contract: Any = None,
) -> Receipt:
    """Books money received from a customer; allocation to invoices is a separate step."""
    if customer is None or not can_access(actor, customer, VIEW):
        raise _invalid("customer", _("Choose a customer you can see."))
    if contract is not None and (
        not can_access(actor, contract, VIEW) or contract.customer_id != customer.pk
    ):
        raise _invalid("contract", _("Choose a contract of this customer."))
    org_unit = contract.org_unit if contract is not None else customer.org_unit
    if not is_finance(actor, org_unit):
        raise Forbidden(_("Only finance may record receipts."))
    receipt = Receipt(
        number="",
        customer=customer,
        contract=contract,
        org_unit=org_unit,
        received_on=_check_date("received_on", received_on),
        amount=money(amount),
        currency=(currency or "").strip().upper(),
        payer=(payer or "").strip(),
        bank_reference=(bank_reference or "").strip(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if receipt.amount <= ZERO:
        raise _invalid("amount", _("Give an amount greater than zero."))
    validate(receipt, exclude=["number"])
    receipt.number = f"RC-{receipt.received_on.year}-{next_value(f'RC-{receipt.received_on.year}'):05d}"
    receipt.save()
    record_event(
        actor=actor,
        action="cash.receipt_recorded",
        subject=receipt,
        after=snapshot(
            receipt, ["number", "customer", "received_on", "amount", "currency", "payer", "bank_reference"]
        ),
    )
    return receipt


def _lock_receipt(actor: Any, receipt: Receipt) -> Receipt:
    try:
        locked = Receipt.objects.select_for_update().select_related("org_unit").get(pk=receipt.pk)
    except Receipt.DoesNotExist:
        raise NotFound(_("Not found.")) from None
    if not can_access(actor, locked, VIEW):
        raise NotFound(_("Not found."))
    return locked


@transaction.atomic
def receipt_allocate(
    *,
    actor: Any,
    receipt: Receipt,
    allocations: Sequence[Mapping[str, Any]],
    allocated_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> list[Allocation]:
    """Applies the receipt to one or several invoices (``{"invoice": id, "amount": ...}``).

    The receipt is locked first, then the invoices in pk order; the amounts are checked against
    the locked rows, so two clerks allocating at once can never over-allocate either side.
    """
    locked = _lock_receipt(actor, receipt)
    if not is_finance(actor, locked.org_unit):
        raise Forbidden(_("Only finance may allocate receipts."))
    check_version(locked, expected_version)
    if locked.status != ReceiptStatus.RECEIVED:
        raise TransitionRefused(_("A reversed receipt cannot be allocated."))
    if not allocations:
        raise _invalid("allocations", _("Choose at least one invoice."))
    amounts: dict[str, Decimal] = {}
    for row in allocations:
        key = _uuid_text(row.get("invoice"), "allocations", _("Choose open invoices of this customer."))
        amounts[key] = amounts.get(key, ZERO) + money(row.get("amount"))
    invoices = _lock_invoices(amounts)
    by_key = {str(pk): inv for pk, inv in invoices.items()}
    if set(by_key) != set(amounts):
        raise _invalid("allocations", _("Choose open invoices of this customer."))
    total = sum(amounts.values(), ZERO)
    if total > locked.unapplied_amount:
        raise _invalid(
            "allocations",
            _("The allocations (%(total)s) exceed what is unapplied on the receipt (%(left)s).")
            % {"total": total, "left": locked.unapplied_amount},
        )
    on = _check_date("allocated_on", allocated_on or timezone.localdate())
    made: list[Allocation] = []
    for key, amount in amounts.items():
        invoice = by_key[key]
        if not can_access(actor, invoice, VIEW):
            raise _invalid("allocations", _("Choose open invoices of this customer."))
        refusal = workflow.allocation_unmet(locked, invoice, amount)
        if refusal:
            raise _invalid("allocations", refusal)
        invoice.allocated_amount += amount
        _save_invoice(invoice, ["allocated_amount"])
        made.append(
            Allocation.objects.create(
                receipt=locked,
                invoice=invoice,
                amount=amount,
                allocated_on=on,
                allocated_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
    before = snapshot(locked, ["allocated_amount"])
    locked.allocated_amount += total
    locked.lock_version += 1
    validate(locked)
    locked.save(update_fields=["allocated_amount", "lock_version", "updated_at"])
    record_event(
        actor=actor,
        action="cash.receipt_allocated",
        subject=locked,
        before=before,
        after={
            "allocated_amount": locked.allocated_amount,
            "invoices": {by_key[k].number: str(v) for k, v in amounts.items()},
        },
    )
    return made


@transaction.atomic
def receipt_reverse(
    *, actor: Any, receipt: Receipt, reason: str, expected_version: int | None = None
) -> Receipt:
    """Reverses a receipt booked in error or returned by the bank; its allocations are undone."""
    locked = _lock_receipt(actor, receipt)
    if not is_finance(actor, locked.org_unit):
        raise Forbidden(_("Only finance may reverse receipts."))
    check_version(locked, expected_version)
    refusal = workflow.receipt_reversal_unmet(locked, reason or "")
    if refusal:
        raise TransitionRefused(
            refusal, field_errors={"reason": [refusal]} if not (reason or "").strip() else None
        )
    active = list(locked.allocations.filter(reversed_at__isnull=True))
    invoices = _lock_invoices(a.invoice_id for a in active)
    now = timezone.now()
    for allocation in active:
        invoice = invoices[allocation.invoice_id]
        invoice.allocated_amount -= allocation.amount
        _save_invoice(invoice, ["allocated_amount"])
    Allocation.objects.filter(pk__in=[a.pk for a in active]).update(reversed_at=now, updated_at=now)
    before = snapshot(locked, ["status", "allocated_amount"])
    locked.status = ReceiptStatus.REVERSED
    locked.reversal_reason = reason.strip()
    locked.reversed_at = now
    locked.allocated_amount = ZERO
    locked.lock_version += 1
    validate(locked)
    locked.save(
        update_fields=[
            "status",
            "reversal_reason",
            "reversed_at",
            "allocated_amount",
            "lock_version",
            "updated_at",
        ]
    )
    record_event(
        actor=actor,
        action="cash.receipt_reversed",
        subject=locked,
        before=before,
        after={"status": locked.status, "allocated_amount": ZERO, "reason": locked.reversal_reason},
    )
    return locked


# --- collections ---------------------------------------------------------------------------------


def _contract_for_collection(actor: Any, contract: Any, invoice: Invoice | None) -> Any:
    if contract is None and invoice is not None:
        contract = invoice.contract
    if contract is None or not can_access(actor, contract, VIEW):
        raise NotFound(_("Not found."))
    if invoice is not None and invoice.contract_id != contract.pk:
        raise _invalid("invoice", _("Choose an invoice of this contract."))
    if not can_collect(actor, contract):
        raise Forbidden(_("Only the contract's AR or finance may do this."))
    return contract


@transaction.atomic
def collection_action_log(
    *,
    actor: Any,
    contract: Any = None,
    invoice: Invoice | None = None,
    level: int,
    channel: str,
    note: str,
    occurred_on: datetime.date | None = None,
    promised_amount: Any = None,
    next_step_on: datetime.date | None = None,
) -> CollectionAction:
    contract = _contract_for_collection(actor, contract, invoice)
    action = CollectionAction(
        contract=contract,
        invoice=invoice,
        level=level,
        channel=channel,
        note=(note or "").strip(),
        occurred_on=_check_date("occurred_on", occurred_on or timezone.localdate()),
        promised_amount=money(promised_amount) if promised_amount not in (None, "") else None,
        next_step_on=_check_date("next_step_on", next_step_on) if next_step_on else None,
        actor=actor,
    )
    validate(action)
    action.save()
    record_event(
        actor=actor,
        action="cash.collection_logged",
        subject=action,
        after=snapshot(
            action, ["contract", "invoice", "level", "channel", "occurred_on", "note", "next_step_on"]
        ),
    )
    return action


@transaction.atomic
def dispute_open(
    *,
    actor: Any,
    contract: Any = None,
    invoice: Invoice | None = None,
    reason: str,
    amount: Any,
    description: str,
    owner: Any = None,
) -> Dispute:
    """Raises a dispute (by default owned by the contract's AR; §12 names the office's sales VP
    as dispute owner, so the owner can be anyone who sees the contract)."""
    contract = _contract_for_collection(actor, contract, invoice)
    owner = owner or contract.owner
    if owner is None or not getattr(owner, "is_active", False) or not can_access(owner, contract, VIEW):
        raise _invalid("owner", _("Choose an owner who can see the contract."))
    dispute = Dispute(
        contract=contract,
        invoice=invoice,
        reason=reason,
        amount=money(amount),
        description=(description or "").strip(),
        owner=owner,
        raised_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if dispute.amount <= ZERO:
        raise _invalid("amount", _("Give an amount greater than zero."))
    validate(dispute)
    dispute.save()
    record_event(
        actor=actor,
        action="cash.dispute_opened",
        subject=dispute,
        after=snapshot(dispute, ["contract", "invoice", "reason", "amount", "owner", "description"]),
    )
    notify(
        recipients=[owner] if owner != actor else [],
        subject=_("A payment dispute was assigned to you"),
        template="cash/email/dispute_assigned.txt",
        context={"dispute": dispute},
    )
    return dispute


@transaction.atomic
def dispute_close(
    *,
    actor: Any,
    dispute: Dispute,
    resolution: str,
    withdrawn: bool = False,
    expected_version: int | None = None,
) -> Dispute:
    try:
        locked = Dispute.objects.select_for_update().select_related("contract").get(pk=dispute.pk)
    except Dispute.DoesNotExist:
        raise NotFound(_("Not found.")) from None
    if not can_access(actor, locked, VIEW):
        raise NotFound(_("Not found."))
    if locked.owner_id != getattr(actor, "pk", None) and not can_collect(actor, locked.contract):
        raise Forbidden(_("Only the dispute's owner, the contract's AR or finance may close it."))
    check_version(locked, expected_version)
    refusal = workflow.dispute_close_unmet(locked, resolution or "")
    if refusal:
        raise TransitionRefused(refusal)
    before = snapshot(locked, ["status"])
    locked.status = DisputeStatus.WITHDRAWN if withdrawn else DisputeStatus.RESOLVED
    locked.resolution = resolution.strip()
    locked.closed_at = timezone.now()
    locked.lock_version += 1
    validate(locked)
    locked.save(update_fields=["status", "resolution", "closed_at", "lock_version", "updated_at"])
    record_event(
        actor=actor,
        action="cash.dispute_closed",
        subject=locked,
        before=before,
        after={"status": locked.status, "resolution": locked.resolution},
    )
    return locked


@transaction.atomic
def write_off_request(*, actor: Any, invoice: Invoice, amount: Any, reason: str) -> WriteOff:
    contract = _contract_for_collection(actor, None, invoice)
    locked = _lock_invoices([invoice.pk])[invoice.pk]
    amount = money(amount)
    pending = (
        WriteOff.objects.filter(invoice=locked, status=WriteOffStatus.REQUESTED).aggregate(s=Sum("amount"))[
            "s"
        ]
        or ZERO
    )
    if locked.kind != InvoiceKind.INVOICE:
        raise _invalid("amount", _("Only an invoice can be written off."))
    if amount <= ZERO or amount > locked.open_amount - pending:
        raise _invalid(
            "amount",
            _(
                "Give an amount greater than zero and at most what is open and not already requested (%(left)s)."
            )
            % {"left": locked.open_amount - pending},
        )
    if not (reason or "").strip():
        raise _invalid("reason", _("Give the reason for the write-off."))
    write_off = WriteOff(
        invoice=locked,
        contract=contract,
        amount=amount,
        currency=locked.currency,
        reason=reason.strip(),
        requested_by=actor,
    )
    validate(write_off)
    write_off.save()
    record_event(
        actor=actor,
        action="cash.write_off_requested",
        subject=write_off,
        after=snapshot(write_off, ["invoice", "amount", "currency", "reason"]),
    )
    return write_off


@transaction.atomic
def write_off_decide(*, actor: Any, write_off: WriteOff, approve: bool, note: str = "") -> WriteOff:
    """A finance approver other than the requester approves or rejects; above the policy's
    limit (in the reporting currency) only an executive may approve."""
    try:
        locked = (
            WriteOff.objects.select_for_update().select_related("contract__org_unit").get(pk=write_off.pk)
        )
    except WriteOff.DoesNotExist:
        raise NotFound(_("Not found.")) from None
    _require_finance(
        actor, locked, locked.contract.org_unit, _("Only a finance approver may decide write-offs.")
    )
    refusal = workflow.write_off_decide_unmet(locked, actor)
    if refusal:
        raise TransitionRefused(refusal)
    if not approve and not (note or "").strip():
        raise _invalid("note", _("Give the reason for the rejection."))
    invoice = _lock_invoices([locked.invoice_id])[locked.invoice_id]
    if approve:
        from openltc.decisions.routing import to_reporting

        in_reporting = to_reporting(locked.amount, locked.currency) or ZERO
        limit = policy().write_off_limit
        if in_reporting > limit and not is_executive(actor, locked.contract.org_unit):
            raise Forbidden(
                _(
                    "This write-off (%(amount)s in the reporting currency) is above the limit of %(limit)s; an executive must approve it."
                )
                % {"amount": in_reporting, "limit": limit}
            )
        if locked.amount > invoice.open_amount:
            raise Conflict(_("The invoice no longer has that much open; reject this request and ask again."))
        invoice.written_off_amount += locked.amount
        _save_invoice(invoice, ["written_off_amount"])
    before = snapshot(locked, ["status"])
    locked.status = WriteOffStatus.APPROVED if approve else WriteOffStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = (note or "").strip()
    validate(locked)
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    record_event(
        actor=actor,
        action="cash.write_off_approved" if approve else "cash.write_off_rejected",
        subject=locked,
        before=before,
        after={"status": locked.status, "note": locked.decision_note, "invoice": invoice.number},
    )
    return locked


# --- overdue alerts ------------------------------------------------------------------------------


@transaction.atomic
def overdue_alerts_send(*, today: datetime.date | None = None) -> int:
    """Alerts the AR and the collection owner of each overdue open invoice, at most once every
    ``alert_every_days``; returns how many invoices were alerted."""
    today = today or timezone.localdate()
    every = policy().alert_every_days
    from django.db.models import Q

    due = list(
        Invoice.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(kind=InvoiceKind.INVOICE, status=InvoiceStatus.OPEN, due_date__lt=today)
        .filter(
            Q(last_alerted_on__isnull=True) | Q(last_alerted_on__lte=today - datetime.timedelta(days=every))
        )
        .select_related("contract__owner", "collection_owner")
        .order_by("pk")
    )
    for invoice in due:
        people = {p.pk: p for p in (invoice.contract.owner, invoice.collection_owner) if p is not None}
        notify(
            recipients=people.values(),
            subject=_("An invoice is overdue"),
            template="cash/email/overdue.txt",
            context={
                "invoice": invoice,
                "days": (today - invoice.due_date).days,
                "open": invoice.open_amount,
            },
        )
    Invoice.objects.filter(pk__in=[i.pk for i in due]).update(last_alerted_on=today)
    return len(due)
