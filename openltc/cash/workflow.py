"""The rules of the cash lifecycles in one place: when a plan line may be invoiced, when an
invoice may be credited, a receipt allocated or reversed, a dispute closed and a write-off
decided. Guards are pure functions returning a human reason (or None); ``actions_for_*`` says
what the UI offers.

    plan line:  not billable → billable (trigger date set) → partly billed → fully billed
    invoice:    open → settled (received + credited + written off = total)
    receipt:    received → reversed (with a reason; its allocations are undone)
    dispute:    open → resolved | withdrawn
    write-off:  requested → approved | rejected (by a finance approver other than the requester)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from openltc.cash.choices import DisputeStatus, InvoiceKind, ReceiptStatus, WriteOffStatus

ZERO = Decimal("0.00")
# Contract statuses in which billing may happen (the contract is signed).
BILLING_STATUSES = ("signed", "archived", "executing")


def contract_billing_unmet(contract: Any) -> str | None:
    if contract.status not in BILLING_STATUSES:
        return _("Invoices are raised once the contract is signed.")
    return None


def plan_line_billable_unmet(plan_line: Any, *, billed: Decimal, amount: Decimal) -> str | None:
    """Billed ≤ billable: the line's trigger happened and the amount fits what is left."""
    if plan_line.trigger_date is None:
        return _("%(line)s is not billable yet: its trigger event has not happened.") % {"line": plan_line}
    if amount <= ZERO:
        return _("Give an amount greater than zero for %(line)s.") % {"line": plan_line}
    left = plan_line.planned_amount - billed
    if amount > left:
        return _("%(line)s: %(amount)s exceeds what is left to bill (%(left)s).") % {
            "line": plan_line,
            "amount": amount,
            "left": left,
        }
    return None


def credit_unmet(invoice: Any, amount: Decimal) -> str | None:
    if invoice.kind != InvoiceKind.INVOICE:
        return _("Only an invoice can be credited, not a credit note.")
    if amount <= ZERO:
        return _("Give a credit amount greater than zero.")
    if amount > invoice.open_amount:
        return _("The credit (%(amount)s) exceeds what is still open on %(invoice)s (%(open)s).") % {
            "amount": amount,
            "invoice": invoice.number,
            "open": invoice.open_amount,
        }
    return None


def allocation_unmet(receipt: Any, invoice: Any, amount: Decimal) -> str | None:
    if receipt.status != ReceiptStatus.RECEIVED:
        return _("A reversed receipt cannot be allocated.")
    if invoice.kind != InvoiceKind.INVOICE:
        return _("Receipts are allocated to invoices, not to credit notes.")
    if invoice.customer_id != receipt.customer_id:
        return _("%(invoice)s is for another customer.") % {"invoice": invoice.number}
    if invoice.currency != receipt.currency:
        return _("%(invoice)s is in %(currency)s; the receipt is in another currency.") % {
            "invoice": invoice.number,
            "currency": invoice.currency,
        }
    if amount <= ZERO:
        return _("Give an amount greater than zero for %(invoice)s.") % {"invoice": invoice.number}
    if amount > invoice.open_amount:
        return _("%(amount)s exceeds what is open on %(invoice)s (%(open)s).") % {
            "amount": amount,
            "invoice": invoice.number,
            "open": invoice.open_amount,
        }
    return None


def receipt_reversal_unmet(receipt: Any, reason: str) -> str | None:
    if receipt.status != ReceiptStatus.RECEIVED:
        return _("This receipt is already reversed.")
    if not reason.strip():
        return _("Give the reason for the reversal.")
    return None


def dispute_close_unmet(dispute: Any, resolution: str) -> str | None:
    if dispute.status != DisputeStatus.OPEN:
        return _("This dispute is already closed.")
    if not resolution.strip():
        return _("Say how the dispute was closed.")
    return None


def write_off_decide_unmet(write_off: Any, approver: Any) -> str | None:
    if write_off.status != WriteOffStatus.REQUESTED:
        return _("This write-off was already decided.")
    if write_off.requested_by_id == getattr(approver, "pk", None):
        return _("You requested this write-off; another finance approver must decide it.")
    return None


def actions_for_invoice(invoice: Any, *, finance: bool, can_collect: bool) -> list[str]:
    actions: list[str] = []
    if invoice.kind == InvoiceKind.INVOICE and invoice.open_amount > ZERO:
        if finance:
            actions.append("credit")
        if can_collect:
            actions += ["collect", "dispute", "write_off"]
    return actions


def actions_for_receipt(receipt: Any, *, finance: bool) -> list[str]:
    if not finance or receipt.status != ReceiptStatus.RECEIVED:
        return []
    actions = ["reverse"]
    if receipt.unapplied_amount > ZERO:
        actions.insert(0, "allocate")
    return actions
