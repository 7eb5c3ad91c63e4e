"""What waits for the user in cash: overdue invoices they chase, disputes they own, write-offs
to approve, milestones to invoice and receipts to allocate (finance)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openltc.cash.choices import DisputeStatus, InvoiceKind, InvoiceStatus, ReceiptStatus, WriteOffStatus
from openltc.cash.models import Dispute, Invoice, Receipt, WriteOff
from openltc.core.mywork import WorkItem


def cash_work(user: Any) -> list[WorkItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    from openltc.cash import selectors
    from openltc.cash.services import is_finance

    items: list[WorkItem] = []
    overdue = (
        Invoice.objects.filter(
            kind=InvoiceKind.INVOICE, status=InvoiceStatus.OPEN, due_date__lt=timezone.localdate()
        )
        .filter(Q(contract__owner=user) | Q(collection_owner=user))
        .count()
    )
    if overdue:
        items.append(
            WorkItem(
                _("Overdue invoices to collect"),
                overdue,
                reverse("cash:invoices") + "?status=overdue",
                urgent=True,
            )
        )
    disputes = Dispute.objects.filter(owner=user, status=DisputeStatus.OPEN).count()
    if disputes:
        items.append(
            WorkItem(_("Payment disputes you own"), disputes, reverse("cash:workspace") + "#disputes")
        )
    if is_finance(user):
        pending = (
            WriteOff.objects.restrict(user)
            .filter(status=WriteOffStatus.REQUESTED)
            .exclude(requested_by=user)
            .count()
        )
        if pending:
            items.append(
                WorkItem(_("Write-offs to decide"), pending, reverse("cash:workspace") + "#write-offs")
            )
        billable = selectors.billable_lines(user=user).count()
        if billable:
            items.append(
                WorkItem(_("Milestones waiting for an invoice"), billable, reverse("cash:workspace"))
            )
        unapplied = (
            Receipt.objects.restrict(user)
            .filter(status=ReceiptStatus.RECEIVED, allocated_amount__lt=F("amount"))
            .count()
        )
        if unapplied:
            items.append(
                WorkItem(_("Receipts to allocate"), unapplied, reverse("cash:receipts") + "?status=unapplied")
            )
    return items
