"""Reads of the cash app, always narrowed to what the user may see (``restrict``).

Receivables analytics (plan vs actual, unbilled, aging, DSO) are aggregated in the database
(GROUP BY with CASE), never row by row in Python; amounts are converted to the reporting
currency with ``decisions.ExchangeRate`` inside the query. Rows in a currency without a rate are
left out of converted totals (and reported as ``unconverted``). See docs/cash.md for the names
and formulas the analytics app relies on.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from openltc.cash.choices import DisputeStatus, InvoiceKind, InvoiceStatus, ReceiptStatus, WriteOffStatus
from openltc.cash.models import (
    ZERO,
    AgingBucket,
    Allocation,
    CollectionAction,
    Dispute,
    Invoice,
    InvoiceLine,
    Receipt,
    WriteOff,
)
from openltc.core.request_context import forgotten_on_change, request_memo
from openltc.core.selectors import get_for_user
from openltc.core.visibility import VIEW

MONEY: Any = DecimalField(max_digits=18, decimal_places=2)
RATE: Any = DecimalField(max_digits=18, decimal_places=6)


def reporting_currency() -> str:
    from openltc.decisions.routing import reporting_currency as configured

    return configured()


def _rate(currency_field: str = "currency") -> Any:
    """The rate to the reporting currency for the row's currency: 1 for the reporting currency
    itself, the ExchangeRate row otherwise (NULL when none is configured)."""
    from openltc.decisions.models import ExchangeRate

    return Case(
        When(**{currency_field: reporting_currency()}, then=Value(Decimal(1), output_field=RATE)),
        default=Subquery(ExchangeRate.objects.filter(currency=OuterRef(currency_field)).values("rate")[:1]),
        output_field=RATE,
    )


# --- lists and records ---------------------------------------------------------------------------


def invoice_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Invoice]:
    """Filters: q (number, contract number or title, customer), kind, status ("open", "settled",
    "overdue"), contract (id), customer (id), entity (issuing entity code)."""
    filters = filters or {}
    qs = Invoice.objects.restrict(user, VIEW).select_related("contract", "customer", "issuing_entity")
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(contract__number__icontains=q)
            | Q(contract__title__icontains=q)
            | Q(customer__name__icontains=q)
        )
    if filters.get("kind") in InvoiceKind.values:
        qs = qs.filter(kind=filters["kind"])
    status = filters.get("status")
    if status == "overdue":
        qs = qs.filter(kind=InvoiceKind.INVOICE, status=InvoiceStatus.OPEN, due_date__lt=timezone.localdate())
    elif status in InvoiceStatus.values:
        qs = qs.filter(status=status)
    for key, lookup in (("contract", "contract_id"), ("customer", "customer_id")):
        if filters.get(key):
            try:
                qs = qs.filter(**{lookup: filters[key]})
            except (ValueError, TypeError, ValidationError):  # a malformed id matches nothing
                qs = qs.none()
    if filters.get("entity"):
        qs = qs.filter(issuing_entity__code=str(filters["entity"]))
    return qs


def invoice_get(*, user: Any, pk: Any) -> Invoice:
    qs = Invoice.objects.select_related(
        "contract__org_unit", "contract__owner", "customer", "issuing_entity", "corrects", "collection_owner"
    )
    return get_for_user(qs, user=user, pk=pk)


def receipt_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Receipt]:
    """Filters: q (number, payer, bank reference, customer), status ("received", "reversed",
    "unapplied": money not yet allocated), customer (id)."""
    filters = filters or {}
    qs = Receipt.objects.restrict(user, VIEW).select_related("customer", "contract")
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(payer__icontains=q)
            | Q(bank_reference__icontains=q)
            | Q(customer__name__icontains=q)
        )
    status = filters.get("status")
    if status == "unapplied":
        qs = qs.filter(status=ReceiptStatus.RECEIVED, allocated_amount__lt=F("amount"))
    elif status in ReceiptStatus.values:
        qs = qs.filter(status=status)
    if filters.get("customer"):
        try:
            qs = qs.filter(customer_id=filters["customer"])
        except (ValueError, TypeError, ValidationError):
            qs = qs.none()
    return qs


def receipt_get(*, user: Any, pk: Any) -> Receipt:
    return get_for_user(Receipt.objects.select_related("customer", "contract", "org_unit"), user=user, pk=pk)


def allocations_of_receipt(receipt: Receipt) -> QuerySet[Allocation]:
    return receipt.allocations.select_related("invoice").order_by("-allocated_on", "-created_at")


def allocations_of_invoice(invoice: Invoice) -> QuerySet[Allocation]:
    return invoice.allocations.select_related("receipt").order_by("-allocated_on", "-created_at")


def open_invoices_for_receipt(*, user: Any, receipt: Receipt) -> QuerySet[Invoice]:
    """The customer's open invoices in the receipt's currency, oldest due first."""
    return (
        Invoice.objects.restrict(user, VIEW)
        .filter(
            customer_id=receipt.customer_id,
            currency=receipt.currency,
            kind=InvoiceKind.INVOICE,
            status=InvoiceStatus.OPEN,
        )
        .select_related("contract")
        .order_by("due_date", "number")
    )


def dispute_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Dispute]:
    filters = filters or {}
    qs = Dispute.objects.restrict(user, VIEW).select_related("contract", "invoice", "owner")
    if filters.get("status") in DisputeStatus.values:
        qs = qs.filter(status=filters["status"])
    if filters.get("contract"):
        qs = qs.filter(contract_id=filters["contract"])
    return qs


def dispute_get(*, user: Any, pk: Any) -> Dispute:
    return get_for_user(Dispute.objects.select_related("contract", "invoice", "owner"), user=user, pk=pk)


def write_off_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[WriteOff]:
    filters = filters or {}
    qs = WriteOff.objects.restrict(user, VIEW).select_related("invoice", "contract", "requested_by")
    if filters.get("status") in WriteOffStatus.values:
        qs = qs.filter(status=filters["status"])
    return qs


def write_off_get(*, user: Any, pk: Any) -> WriteOff:
    return get_for_user(
        WriteOff.objects.select_related("invoice", "contract__org_unit", "requested_by"), user=user, pk=pk
    )


def collection_actions(*, user: Any, contract: Any = None, invoice: Any = None) -> QuerySet[CollectionAction]:
    qs = CollectionAction.objects.restrict(user, VIEW).select_related("actor", "invoice")
    if contract is not None:
        qs = qs.filter(contract=contract)
    if invoice is not None:
        qs = qs.filter(invoice=invoice)
    return qs


# --- billing -------------------------------------------------------------------------------------


def _billed_subquery() -> Any:
    lines = (
        InvoiceLine.objects.filter(plan_line=OuterRef("pk"))
        .values("plan_line")
        .annotate(
            total=Sum(
                Case(
                    When(invoice__kind=InvoiceKind.CREDIT_NOTE, then=-F("gross_amount")),
                    default=F("gross_amount"),
                    output_field=MONEY,
                )
            )
        )
        .values("total")
    )
    return Coalesce(Subquery(lines, output_field=MONEY), Value(ZERO), output_field=MONEY)


def billable_lines(
    *, user: Any, contract: Any = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[Any]:
    """Receivable plan lines whose trigger happened and that are not fully billed, with
    ``billed`` and ``unbilled`` annotated: the milestones waiting for an invoice."""
    from openltc.contracts.models import ReceivablePlanLine

    qs = (
        ReceivablePlanLine.objects.restrict(user, VIEW)
        .filter(trigger_date__isnull=False, contract__status__in=("signed", "archived", "executing"))
        .annotate(billed=_billed_subquery())
        .annotate(unbilled=ExpressionWrapper(F("planned_amount") - F("billed"), output_field=MONEY))
        .filter(unbilled__gt=0)
        .select_related("contract__customer", "milestone")
        .order_by("planned_due_date", "contract__number")
    )
    if contract is not None:
        qs = qs.filter(contract=contract)
    q = str((filters or {}).get("q") or "").strip()
    if q:
        qs = qs.filter(Q(contract__number__icontains=q) | Q(contract__customer__name__icontains=q))
    return qs


@dataclass(frozen=True)
class CashSummary:
    """One contract at a glance, in its currency."""

    currency: str
    total: Decimal
    billable: Decimal
    billed: Decimal
    collected: Decimal
    credited: Decimal
    written_off: Decimal
    receivable: Decimal  # billed and still open
    overdue: Decimal
    unbilled: Decimal  # billable but not yet billed
    open_disputes: int
    invoices: int = 0


def contract_summary(contract: Any, *, as_of: datetime.date | None = None) -> CashSummary:
    """Billed, collected and receivable of one contract (a few aggregate queries)."""
    from openltc.contracts.models import ReceivablePlanLine

    today = as_of or timezone.localdate()
    plan = ReceivablePlanLine.objects.filter(contract=contract).aggregate(
        total=Coalesce(Sum("planned_amount"), Value(ZERO), output_field=MONEY),
        billable=Coalesce(
            Sum("planned_amount", filter=Q(trigger_date__isnull=False)), Value(ZERO), output_field=MONEY
        ),
    )
    inv = Invoice.objects.filter(contract=contract, kind=InvoiceKind.INVOICE).aggregate(
        gross=Coalesce(Sum("gross_amount"), Value(ZERO), output_field=MONEY),
        collected=Coalesce(Sum("allocated_amount"), Value(ZERO), output_field=MONEY),
        credited=Coalesce(Sum("credited_amount"), Value(ZERO), output_field=MONEY),
        written_off=Coalesce(Sum("written_off_amount"), Value(ZERO), output_field=MONEY),
        overdue=Coalesce(
            Sum(
                F("gross_amount") - F("allocated_amount") - F("credited_amount") - F("written_off_amount"),
                filter=Q(status=InvoiceStatus.OPEN, due_date__lt=today),
            ),
            Value(ZERO),
            output_field=MONEY,
        ),
        count=Count("pk"),
    )
    cent = Decimal("0.01")
    plan = {k: Decimal(v).quantize(cent) for k, v in plan.items()}
    inv = {k: (Decimal(v).quantize(cent) if k != "count" else v) for k, v in inv.items()}
    billed = inv["gross"] - inv["credited"]
    receivable = billed - inv["collected"] - inv["written_off"]
    return CashSummary(
        currency=contract.currency,
        total=plan["total"],
        billable=plan["billable"],
        billed=billed,
        collected=inv["collected"],
        credited=inv["credited"],
        written_off=inv["written_off"],
        receivable=receivable,
        overdue=inv["overdue"],
        unbilled=plan["billable"] - billed,
        open_disputes=Dispute.objects.filter(contract=contract, status=DisputeStatus.OPEN).count(),
        invoices=inv["count"],
    )


# --- receivables analytics ----------------------------------------------------------------------

GROUPS: dict[str, tuple[str, str]] = {
    # group_by: (key lookup on Invoice, label lookup on Invoice)
    "customer": ("customer_id", "customer__name"),
    "contract": ("contract_id", "contract__number"),
    "team": ("contract__org_unit_id", "contract__org_unit__name"),
    "owner": ("contract__owner_id", "contract__owner__username"),
}


def _invoice_scope(user: Any, filters: Mapping[str, Any] | None) -> QuerySet[Invoice]:
    """Invoices (not credit notes) the user sees, narrowed by analytics filters: customer,
    contract, org_unit (id; its subtree), owner (user id), currency."""
    filters = filters or {}
    qs = Invoice.objects.restrict(user, VIEW).filter(kind=InvoiceKind.INVOICE)
    if filters.get("customer"):
        qs = qs.filter(customer_id=filters["customer"])
    if filters.get("contract"):
        qs = qs.filter(contract_id=filters["contract"])
    if filters.get("owner"):
        qs = qs.filter(contract__owner_id=filters["owner"])
    if filters.get("currency"):
        qs = qs.filter(currency=str(filters["currency"]).upper())
    if filters.get("org_unit"):
        from openltc.org.models import OrgUnit

        unit = OrgUnit.objects.filter(pk=filters["org_unit"]).first()
        qs = qs.filter(contract__org_unit__path__startswith=unit.path) if unit else qs.none()
    return qs


def _settlements_at(as_of: datetime.date) -> list[QuerySet[Any]]:
    """What reduces an invoice by ``as_of``, each summed once per invoice (``iid``, ``t``): the
    credit notes issued, the receipts allocated and not reversed, the write-offs approved, each
    by that date."""
    end = datetime.datetime.combine(as_of, datetime.time.max, tzinfo=timezone.get_current_timezone())
    credited = Invoice.objects.filter(
        corrects__isnull=False, kind=InvoiceKind.CREDIT_NOTE, issue_date__lte=as_of
    ).annotate(iid=F("corrects"))
    allocated = (
        Allocation.objects.filter(allocated_on__lte=as_of)
        .filter(Q(reversed_at__isnull=True) | Q(reversed_at__gt=end))
        .annotate(iid=F("invoice"))
    )
    written = WriteOff.objects.filter(status=WriteOffStatus.APPROVED, decided_at__lte=end).annotate(
        iid=F("invoice")
    )
    return [
        qs.order_by().values("iid").annotate(t=Sum("gross_amount" if qs.model is Invoice else "amount"))
        for qs in (credited, allocated, written)
    ]


def _decimal(value: Any) -> Decimal:
    """A summed amount as Django's backends return it for a non-column decimal expression (on
    SQLite a float, read to 15 significant digits; on PostgreSQL already a Decimal)."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        return decimal.Context(prec=15).create_decimal_from_float(value)
    return Decimal(value)


def _open_receivables(
    scope: QuerySet[Invoice],
    as_of: datetime.date,
    fields: list[str],
    *,
    bucket: Any = None,
    positive: bool = False,
) -> list[dict[str, Any]]:
    """Open receivables on ``as_of`` (the invoice's total minus ``_settlements_at``) summed in the
    reporting currency per group (``fields``: a key and a label lookup, or none) and per
    ``bucket`` (a CASE over the invoice's columns, or none): ``amount`` (None when every invoice
    of the group lacks a rate) and ``unconverted`` (invoices without a rate). ``positive``: only
    invoices with something open.

    One query: the settlements are aggregated once per invoice and LEFT JOINed to the invoices
    the user sees (correlated subqueries instead ran three lookups per invoice, repeated in the
    WHERE, the product and the SUM). The parts are compiled from querysets (the visibility rules
    included); the joins and sums are plain SQL, portable between SQLite and PostgreSQL."""
    names = ["k", "l"][: len(fields)]
    extra: dict[str, Any] = {name: F(f) for name, f in zip(names, fields, strict=True)}
    if bucket is not None:
        extra["bucket"] = bucket
        names.append("bucket")

    def rows_of(qs: QuerySet[Invoice]) -> QuerySet[Any]:
        return (
            qs.annotate(iid=F("pk"), gross=F("gross_amount"), rate=_rate(), **extra)
            .order_by()
            .values("iid", "gross", "rate", *names)
        )

    invoices = rows_of(scope.filter(issue_date__lte=as_of))
    try:
        invoice_part = invoices.query.sql_with_params()
    except EmptyResultSet:
        # a filter that can match nothing (an org unit that does not exist) compiles to no SQL
        # at all; the same select over an always-empty condition keeps the result's shape
        invoice_part = rows_of(Invoice.objects.filter(pk__isnull=True)).query.sql_with_params()
    parts = [invoice_part] + [qs.query.sql_with_params() for qs in _settlements_at(as_of)]
    qn = connection.ops.quote_name
    iid, t = qn("iid"), qn("t")
    columns = ", ".join(f"i.{qn(n)} AS {qn(n)}" for n in names)
    open_amount = (
        f"CAST(i.{qn('gross')} - COALESCE(c.{t}, 0) - COALESCE(a.{t}, 0) - COALESCE(w.{t}, 0) AS NUMERIC)"
    )
    group = ", ".join(qn(n) for n in names)
    sql = (
        f"SELECT {group + ', ' if group else ''}"
        f"SUM(CASE WHEN {qn('rate')} IS NULL THEN NULL ELSE CAST({qn('open')} * {qn('rate')} AS NUMERIC) END), "
        f"SUM(CASE WHEN {qn('rate')} IS NULL THEN 1 ELSE 0 END) FROM ("
        f"SELECT {columns + ', ' if columns else ''}i.{qn('rate')} AS {qn('rate')}, {open_amount} AS {qn('open')} "
        f"FROM ({parts[0][0]}) i "
        f"LEFT JOIN ({parts[1][0]}) c ON c.{iid} = i.{iid} "
        f"LEFT JOIN ({parts[2][0]}) a ON a.{iid} = i.{iid} "
        f"LEFT JOIN ({parts[3][0]}) w ON w.{iid} = i.{iid}) x "
        f"{'WHERE ' + qn('open') + ' > 0' if positive else ''} {'GROUP BY ' + group if group else ''}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [p for _sql, params in parts for p in params])
        raw = cursor.fetchall()
    key = invoices.query.annotations["k"].output_field if fields else None
    rows = []
    for values in raw:
        row = dict(zip(names, values[: len(names)], strict=True))
        if key is not None and row["k"] is not None:
            row["k"] = key.to_python(row["k"])
        amount = values[len(names)]
        row["amount"] = _decimal(amount) if amount is not None else None
        row["unconverted"] = int(values[len(names) + 1] or 0)
        rows.append(row)
    return rows


@dataclass
class AgingRow:
    key: Any
    label: str
    buckets: list[Decimal] = field(default_factory=list)
    total: Decimal = ZERO


@dataclass
class Aging:
    """The aging table: bucket labels, one row per group (one "company" row when ungrouped),
    the totals per bucket, all in ``currency`` (the reporting currency)."""

    as_of: datetime.date
    currency: str
    labels: list[str]
    rows: list[AgingRow]
    totals: list[Decimal]
    total: Decimal
    unconverted: int  # invoices left out because their currency has no exchange rate


def aging_buckets() -> list[AgingBucket]:
    """The admin-maintained aging buckets in order; read once per request."""
    return list(request_memo("cash.aging_buckets", lambda: list(AgingBucket.objects.order_by("position"))))


forgotten_on_change(AgingBucket)


def _bucket_case(as_of: datetime.date, buckets: list[AgingBucket]) -> Any:
    """The bucket position of an invoice by days past due, as due-date ranges (portable SQL)."""
    whens = []
    for b in buckets:
        cond = Q()
        if b.min_days is not None:  # days past due >= min  ⇔  due_date <= as_of - min
            cond &= Q(due_date__lte=as_of - datetime.timedelta(days=b.min_days))
        if b.max_days is not None:  # days past due <= max  ⇔  due_date >= as_of - max
            cond &= Q(due_date__gte=as_of - datetime.timedelta(days=b.max_days))
        whens.append(When(cond, then=Value(b.position)))
    return Case(*whens, default=Value(-1))


def aging(
    *,
    user: Any,
    as_of: datetime.date | None = None,
    filters: Mapping[str, Any] | None = None,
    group_by: str | None = None,
) -> Aging:
    """Open receivables on ``as_of`` by aging bucket (configurable ``AgingBucket`` rows), in the
    reporting currency; ``group_by`` one of customer, contract, team, owner (or None)."""
    as_of = as_of or timezone.localdate()
    buckets = aging_buckets()
    key_field, label_field = GROUPS.get(group_by or "", (None, None))
    fields = [key_field, label_field] if key_field and label_field else []
    rows = _open_receivables(
        _invoice_scope(user, filters), as_of, fields, bucket=_bucket_case(as_of, buckets), positive=True
    )
    unconverted = sum(row["unconverted"] for row in rows)
    positions = [b.position for b in buckets]
    table: dict[Any, AgingRow] = {}
    totals = [ZERO for _ in buckets]
    for row in rows:
        if row["amount"] is None:  # only invoices without a rate in this group and bucket
            continue
        key = row["k"] if fields else "company"
        entry = table.setdefault(
            key,
            AgingRow(key=key, label=str(row["l"]) if fields else "", buckets=[ZERO for _ in buckets]),
        )
        if row["bucket"] in positions:
            index = positions.index(row["bucket"])
            amount = Decimal(row["amount"] or 0).quantize(Decimal("0.01"))
            entry.buckets[index] += amount
            entry.total += amount
            totals[index] += amount
    from django.utils.translation import gettext as _

    return Aging(
        as_of=as_of,
        currency=reporting_currency(),
        labels=[_(b.label) for b in buckets],
        rows=sorted(table.values(), key=lambda r: (-r.total, r.label)),
        totals=totals,
        total=sum(totals, ZERO),
        unconverted=unconverted,
    )


@dataclass
class DsoRow:
    key: Any
    label: str
    receivable: Decimal
    sales: Decimal
    dso: Decimal | None  # None when there were no sales in the period


def dso(
    *,
    user: Any,
    as_of: datetime.date | None = None,
    filters: Mapping[str, Any] | None = None,
    group_by: str | None = None,
    period_days: int | None = None,
) -> list[DsoRow]:
    """Days sales outstanding per group (customer, contract, team, owner; None = company):

        DSO = receivable open on as_of ÷ invoiced in the period × days in the period

    where "invoiced" is the invoices issued in the ``period_days`` up to ``as_of`` (default the
    cash policy's DSO period, 90 days) minus the credit notes issued in it, all in the reporting
    currency. Two GROUP BY queries, merged by group key.
    """
    from openltc.cash.services import policy

    as_of = as_of or timezone.localdate()
    days = int(period_days or policy().dso_period_days)
    start = as_of - datetime.timedelta(days=days - 1)
    key_field, label_field = GROUPS.get(group_by or "", (None, None))
    fields = [key_field, label_field] if key_field and label_field else []
    scope: Any = _invoice_scope(user, filters)
    open_rows = [
        {key_field: r["k"], label_field: r["l"], "amount": r["amount"]} if fields else r
        for r in _open_receivables(scope, as_of, fields)
        if r["amount"] is not None or not fields
    ]
    # The invoices in scope and the credit notes correcting them, issued in the period. Correlated
    # EXISTS on the key, not ``pk IN (scope) OR corrects IN (scope)``: PostgreSQL hashes an IN
    # subquery only while it fits in work_mem, and at 10^6 invoices it re-ran the whole scope
    # for every row (minutes; docs/performance.md).
    sales_scope = Invoice.objects.filter(issue_date__gte=start, issue_date__lte=as_of).filter(
        Exists(scope.filter(pk=OuterRef("pk")))
        | Q(Exists(scope.filter(pk=OuterRef("corrects_id"))), kind=InvoiceKind.CREDIT_NOTE)
    )
    signed = Case(
        When(kind=InvoiceKind.CREDIT_NOTE, then=-F("gross_amount")),
        default=F("gross_amount"),
        output_field=MONEY,
    )
    sales_qs: Any = sales_scope.annotate(rate=_rate()).filter(rate__isnull=False)
    sales_rows = (
        sales_qs.order_by().values(*fields).annotate(amount=Sum(signed * F("rate"), output_field=MONEY))
        if fields
        else [sales_qs.aggregate(amount=Sum(signed * F("rate"), output_field=MONEY))]
    )
    merged: dict[Any, dict[str, Any]] = {}
    for row in open_rows:
        key = row[key_field] if key_field else "company"
        merged.setdefault(
            key, {"label": str(row[label_field]) if label_field else "", "open": ZERO, "sales": ZERO}
        )
        merged[key]["open"] += Decimal(row["amount"] or 0)
    for row in sales_rows:
        key = row[key_field] if key_field else "company"
        merged.setdefault(
            key, {"label": str(row[label_field]) if label_field else "", "open": ZERO, "sales": ZERO}
        )
        merged[key]["sales"] += Decimal(row["amount"] or 0)
    result = []
    q = Decimal("0.01")
    for key, values in merged.items():
        receivable = values["open"].quantize(q)
        sales = values["sales"].quantize(q)
        value = (receivable / sales * days).quantize(Decimal("0.1")) if sales > 0 else None
        result.append(DsoRow(key=key, label=values["label"], receivable=receivable, sales=sales, dso=value))
    return sorted(result, key=lambda r: (-(r.dso or Decimal(0)), r.label))


@dataclass
class PlanActualRow:
    contract_id: Any
    number: str
    customer: str
    currency: str
    planned: Decimal
    billable: Decimal
    billed: Decimal
    collected: Decimal
    receivable: Decimal
    unbilled: Decimal


def plan_vs_actual(*, user: Any, filters: Mapping[str, Any] | None = None) -> list[PlanActualRow]:
    """Per contract, in its currency: planned (the receivable plan), billable (triggered),
    billed (invoices − credit notes), collected (allocated receipts), receivable (billed and
    still open) and unbilled (billable − billed). Three GROUP BY queries."""
    from openltc.contracts.models import Contract, ReceivablePlanLine

    contracts = Contract.objects.restrict(user, VIEW).filter(
        status__in=("signed", "archived", "executing", "closed")
    )
    filters = filters or {}
    if filters.get("customer"):
        contracts = contracts.filter(customer_id=filters["customer"])
    if filters.get("contract"):
        contracts = contracts.filter(pk=filters["contract"])
    plan = {
        r["contract_id"]: r
        for r in ReceivablePlanLine.objects.filter(contract__in=contracts.values("pk"))
        .order_by()
        .values("contract_id")
        .annotate(
            planned=Sum("planned_amount"),
            billable=Coalesce(
                Sum("planned_amount", filter=Q(trigger_date__isnull=False)), Value(ZERO), output_field=MONEY
            ),
        )
    }
    inv = {
        r["contract_id"]: r
        for r in Invoice.objects.filter(contract__in=contracts.values("pk"), kind=InvoiceKind.INVOICE)
        .order_by()
        .values("contract_id")
        .annotate(
            gross=Sum("gross_amount"),
            collected=Sum("allocated_amount"),
            credited=Sum("credited_amount"),
            written=Sum("written_off_amount"),
        )
    }
    rows = []
    for c in contracts.select_related("customer").order_by("number"):
        p = plan.get(c.pk, {})
        i = inv.get(c.pk, {})
        billed = (i.get("gross") or ZERO) - (i.get("credited") or ZERO)
        collected = i.get("collected") or ZERO
        billable = p.get("billable") or ZERO
        rows.append(
            PlanActualRow(
                contract_id=c.pk,
                number=c.number,
                customer=c.customer.name,
                currency=c.currency,
                planned=p.get("planned") or ZERO,
                billable=billable,
                billed=billed,
                collected=collected,
                receivable=billed - collected - (i.get("written") or ZERO),
                unbilled=billable - billed,
            )
        )
    return rows


def unbilled(
    *, user: Any, as_of: datetime.date | None = None, filters: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Unbilled receivables: billable (trigger happened by ``as_of``) but not invoiced, per
    currency and converted to the reporting currency. One GROUP BY query."""
    as_of = as_of or timezone.localdate()
    lines = billable_lines(user=user, filters=filters).filter(trigger_date__lte=as_of)
    if (filters or {}).get("customer"):
        lines = lines.filter(contract__customer_id=filters["customer"])  # type: ignore[index]
    rows = list(
        lines.order_by()
        .values("currency")
        .annotate(amount=Sum("unbilled"), count=Count("pk"))
        .order_by("currency")
    )
    total = ZERO
    from openltc.core.errors import DomainError
    from openltc.decisions.routing import to_reporting

    unconverted = 0
    for row in rows:
        try:
            total += to_reporting(row["amount"], row["currency"]) or ZERO
        except DomainError:
            unconverted += row["count"]
    return {
        "as_of": as_of,
        "currency": reporting_currency(),
        "by_currency": rows,
        "total": total,
        "unconverted": unconverted,
    }


def finance_reach(user: Any) -> bool:
    """Whether the user holds the Finance role anywhere (or is a superuser): the workspace shows
    finance actions then."""
    from openltc.cash.services import is_finance

    return is_finance(user)


# --- per contract set (the analytics app's reports) -----------------------------------------------


def grouped_rows(qs: QuerySet[Any], aggregates: Mapping[str, Any], via: Mapping[str, str] | None) -> Any:
    """Aggregates ``qs`` in one query: one row (a dict) per group of ``via`` (output name →
    lookup from the row), or a single row when ``via`` is empty."""
    if not via:
        return [qs.order_by().aggregate(**aggregates)]
    return list(
        qs.order_by().values(**{name: F(lookup) for name, lookup in via.items()}).annotate(**aggregates)
    )


def _via(prefix: str, via: Mapping[str, str] | None) -> dict[str, str]:
    return {name: prefix + lookup for name, lookup in (via or {}).items()}


def _q2(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def invoiced_and_collected(
    *,
    user: Any,
    contracts: QuerySet[Any],
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    dso_days: int | None = None,
    via: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Billing and cash of the invoices (not credit notes) the user sees on ``contracts``, in the
    reporting currency (an invoice in a currency without a rate is left out of the sums), in
    one GROUP BY query. ``via`` groups the rows (output name → lookup from the contract, e.g.
    ``{"unit": "opportunity__org_unit"}``); without it one row comes back. Per row:

    * ``invoiced`` — gross − credited of the invoices issued in [start, end] (every invoice
      when no period is given); ``collected`` — the receipts allocated to them;
      ``invoiced_opportunities`` / ``collected_opportunities`` — distinct opportunities with
      such an invoice (with money allocated to it); ``invoices`` — their number;
    * ``receivable`` — open today: gross − received − credited − written off of every invoice
      issued by today; ``dso_sales`` — gross − credited of the invoices issued in the DSO
      window (``dso_days``, default the cash policy's period, up to today);
      ``dso`` = receivable ÷ dso_sales × dso_days (None without sales).
    """
    from openltc.cash.services import policy

    today = timezone.localdate()
    days = int(dso_days or policy().dso_period_days)
    window = today - datetime.timedelta(days=days - 1)
    qs = (
        Invoice.objects.restrict(user, VIEW)
        .filter(kind=InvoiceKind.INVOICE, contract__in=contracts.values("pk"))
        .annotate(rate=_rate())
    )
    period: Q | None = None
    if start is not None or end is not None:
        period = Q()
        if start is not None:
            period &= Q(issue_date__gte=start)
        if end is not None:
            period &= Q(issue_date__lte=end)

    def money(expression: Any, condition: Q | None) -> Any:
        return Sum(
            ExpressionWrapper(expression * F("rate"), output_field=MONEY),
            filter=condition,
            output_field=MONEY,
        )

    net = F("gross_amount") - F("credited_amount")
    open_amount = F("gross_amount") - F("allocated_amount") - F("credited_amount") - F("written_off_amount")
    paid = Q(allocated_amount__gt=0) if period is None else period & Q(allocated_amount__gt=0)
    aggregates = {
        "invoices": Count("pk", filter=period),
        "invoiced": money(net, period),
        "collected": money(F("allocated_amount"), period),
        "invoiced_opportunities": Count("contract__opportunity", distinct=True, filter=period),
        "collected_opportunities": Count("contract__opportunity", distinct=True, filter=paid),
        "receivable": money(open_amount, Q(issue_date__lte=today)),
        "dso_sales": money(net, Q(issue_date__gte=window, issue_date__lte=today)),
    }
    rows = grouped_rows(qs, aggregates, _via("contract__", via))
    for row in rows:
        for key in ("invoiced", "collected", "receivable", "dso_sales"):
            row[key] = _q2(row[key])
        row["dso_days"] = days
        row["dso"] = (
            (row["receivable"] / row["dso_sales"] * days).quantize(Decimal("0.1"))
            if row["dso_sales"] > 0
            else None
        )
    return rows


def invoiced_contracts(*, user: Any, contracts: QuerySet[Any], collected: bool = False) -> QuerySet[Any]:
    """The ids of ``contracts`` with an invoice the user sees (with money allocated to it)."""
    qs = Invoice.objects.restrict(user, VIEW).filter(
        kind=InvoiceKind.INVOICE, contract__in=contracts.values("pk")
    )
    if collected:
        qs = qs.filter(allocated_amount__gt=0)
    return qs.order_by().values("contract_id")


def billing_timeliness(
    *,
    user: Any,
    contracts: QuerySet[Any],
    start: datetime.date,
    end: datetime.date,
    via: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Invoice timeliness of the billing milestones (receivable plan lines) of ``contracts`` the
    user sees whose planned due date falls in [start, min(end, today)]: ``due`` — their number;
    ``on_time`` — those billed by an invoice issued on or before that due date. One query;
    ``via`` as in :func:`invoiced_and_collected`."""
    from openltc.contracts.models import ReceivablePlanLine

    end = min(end, timezone.localdate())
    billed_in_time = Exists(
        InvoiceLine.objects.filter(
            plan_line=OuterRef("pk"),
            invoice__kind=InvoiceKind.INVOICE,
            invoice__issue_date__lte=OuterRef("planned_due_date"),
        )
    )
    qs = (
        ReceivablePlanLine.objects.restrict(user, VIEW)
        .filter(contract__in=contracts.values("pk"), planned_due_date__gte=start, planned_due_date__lte=end)
        .annotate(in_time=billed_in_time)
    )
    aggregates = {"due": Count("pk"), "on_time": Count("pk", filter=Q(in_time=True))}
    return grouped_rows(qs, aggregates, _via("contract__", via))  # type: ignore[no-any-return]


def first_invoice_date(*, user: Any, opportunity: str = "pk") -> Subquery:
    """The issue date of the first invoice (the user sees) of the opportunity ``OuterRef``."""
    qs = (
        Invoice.objects.restrict(user, VIEW)
        .filter(kind=InvoiceKind.INVOICE, contract__opportunity=OuterRef(opportunity))
        .order_by()
        .values("contract__opportunity")
        .annotate(first=Min("issue_date"))
        .values("first")
    )
    return Subquery(qs, output_field=DateField())


def first_collection_date(*, user: Any, opportunity: str = "pk") -> Subquery:
    """The date the first receipt was allocated (not reversed) to an invoice of the opportunity."""
    qs = (
        Allocation.objects.restrict(user, VIEW)
        .filter(reversed_at__isnull=True, invoice__contract__opportunity=OuterRef(opportunity))
        .order_by()
        .values("invoice__contract__opportunity")
        .annotate(first=Min("allocated_on"))
        .values("first")
    )
    return Subquery(qs, output_field=DateField())
