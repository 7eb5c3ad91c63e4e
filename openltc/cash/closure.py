"""The cash conditions of contract closure (ATCC, registered in ``contracts.closure``): every
plan line invoiced, and every receivable collected or formally in dispute or written off."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from openltc.cash.choices import DisputeStatus, InvoiceKind, InvoiceStatus
from openltc.cash.models import Dispute, Invoice
from openltc.cash.services import billed_amounts


def all_invoiced_unmet(contract: Any) -> list[str]:
    """Billed = contract total, per plan line; names each milestone still to invoice."""
    from openltc.contracts.models import ReceivablePlanLine

    lines = list(ReceivablePlanLine.objects.filter(contract=contract).select_related("milestone"))
    billed = billed_amounts(line.pk for line in lines)
    reasons = []
    for line in lines:
        left = line.planned_amount - billed.get(line.pk, 0)
        if left > 0:
            reasons.append(
                _("%(milestone)s: %(left)s %(currency)s not invoiced yet.")
                % {"milestone": line.milestone, "left": left, "currency": line.currency}
            )
    return reasons


def receivables_unmet(contract: Any) -> list[str]:
    """Each open invoice is either collected or covered by an open dispute."""
    disputed = Dispute.objects.filter(invoice=OuterRef("pk"), status=DisputeStatus.OPEN)
    open_invoices = (
        Invoice.objects.filter(contract=contract, kind=InvoiceKind.INVOICE, status=InvoiceStatus.OPEN)
        .annotate(disputed=Exists(disputed))
        .filter(disputed=False)
        .order_by("number")
    )
    return [
        _("%(invoice)s: %(open)s %(currency)s still to collect (neither in dispute nor written off).")
        % {"invoice": inv.number, "open": inv.open_amount, "currency": inv.currency}
        for inv in open_invoices
    ]
