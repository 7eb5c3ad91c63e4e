"""Cash invariants for ``openltc check-integrity`` (set-based, read-only): billed ≤ billable per
plan line, invoice settlements ≤ invoice totals and matching their allocations, receipt
allocations ≤ receipts, gap-free invoice numbers."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from openltc.cash.choices import InvoiceKind, ReceiptStatus
from openltc.cash.models import Allocation, Invoice, InvoiceLine, Receipt
from openltc.core.integrity import register

MONEY: Any = DecimalField(max_digits=18, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)


def check_billed_within_billable() -> Iterator[str]:
    from openltc.contracts.models import ReceivablePlanLine

    billed = (
        InvoiceLine.objects.filter(plan_line=OuterRef("pk"))
        .values("plan_line")
        .annotate(
            t=Sum(
                Case(
                    When(invoice__kind=InvoiceKind.CREDIT_NOTE, then=-F("gross_amount")),
                    default=F("gross_amount"),
                    output_field=MONEY,
                )
            )
        )
        .values("t")[:1]
    )
    rows = (
        ReceivablePlanLine.objects.annotate(billed=Coalesce(Subquery(billed, output_field=MONEY), ZERO))
        .filter(
            Q(billed__lt=0) | Q(billed__gt=0, trigger_date__isnull=True) | Q(billed__gt=F("planned_amount"))
        )
        .values_list("pk", "billed", "planned_amount")
    )
    for pk, value, planned in rows:
        yield f"receivable plan line {pk}: billed {value} is not within billable {planned}"


def check_invoice_settlements() -> Iterator[str]:
    allocated = (
        Allocation.objects.filter(invoice=OuterRef("pk"), reversed_at__isnull=True)
        .values("invoice")
        .annotate(t=Sum("amount"))
        .values("t")[:1]
    )
    credited = (
        Invoice.objects.filter(corrects=OuterRef("pk"))
        .values("corrects")
        .annotate(t=Sum("gross_amount"))
        .values("t")[:1]
    )
    rows = (
        Invoice.objects.filter(kind=InvoiceKind.INVOICE)
        .annotate(
            alloc=Coalesce(Subquery(allocated, output_field=MONEY), ZERO),
            cred=Coalesce(Subquery(credited, output_field=MONEY), ZERO),
        )
        .filter(
            ~Q(alloc=F("allocated_amount"))
            | ~Q(cred=F("credited_amount"))
            | Q(gross_amount__lt=F("allocated_amount") + F("credited_amount") + F("written_off_amount"))
        )
        .values_list("number", "allocated_amount", "alloc", "credited_amount", "cred")
    )
    for number, stored, actual, stored_credit, actual_credit in rows:
        yield (
            f"invoice {number}: allocated {stored} (allocations {actual}), credited {stored_credit} "
            f"(credit notes {actual_credit}) inconsistent or beyond its total"
        )


def check_receipt_allocations() -> Iterator[str]:
    allocated = (
        Allocation.objects.filter(receipt=OuterRef("pk"), reversed_at__isnull=True)
        .values("receipt")
        .annotate(t=Sum("amount"))
        .values("t")[:1]
    )
    rows = (
        Receipt.objects.annotate(alloc=Coalesce(Subquery(allocated, output_field=MONEY), ZERO))
        .filter(
            ~Q(alloc=F("allocated_amount"))
            | Q(allocated_amount__gt=F("amount"))
            | Q(status=ReceiptStatus.REVERSED, allocated_amount__gt=0)
        )
        .values_list("number", "allocated_amount", "alloc", "amount")
    )
    for number, stored, actual, amount in rows:
        yield f"receipt {number}: allocated {stored} (allocations {actual}) inconsistent or beyond {amount}"


register("cash.billed_within_billable", check_billed_within_billable)
register("cash.invoice_settlements", check_invoice_settlements)
register("cash.receipt_allocations", check_receipt_allocations)
