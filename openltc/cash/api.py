"""Cash endpoints: the same selectors and services as the pages, the same rules and errors."""

import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from openltc.api.errors import ERROR_RESPONSES
from openltc.api.pagination import PageNumber
from openltc.cash import selectors, services
from openltc.cash.models import IssuingEntity
from openltc.core.errors import DomainError, NotFound

PREFIX = "/cash"
router = Router(tags=["Cash"])

AMOUNT = Field(..., ge=0, le=Decimal("9999999999999999.99"), max_digits=18, decimal_places=2)


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


# --- schemas ------------------------------------------------------------------------------------


class CashInvoiceLineOut(Schema):
    plan_line_id: UUID
    description: str
    tax_rate: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal


class CashInvoiceOut(Schema):
    id: UUID
    number: str
    kind: str
    status: str
    issuing_entity: str
    contract_id: UUID
    contract_number: str
    customer_id: UUID
    corrects_id: UUID | None
    issue_date: datetime.date
    due_date: datetime.date
    currency: str
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal
    allocated_amount: Decimal
    credited_amount: Decimal
    written_off_amount: Decimal
    open_amount: Decimal
    reason: str
    lock_version: int

    @staticmethod
    def resolve_issuing_entity(obj: Any) -> str:
        return str(obj.issuing_entity.code)

    @staticmethod
    def resolve_contract_number(obj: Any) -> str:
        return str(obj.contract.number)


class CashInvoiceDetailOut(CashInvoiceOut):
    lines: list[CashInvoiceLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


class CashInvoiceFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Number, contract or customer contains")
    kind: str | None = Field(None, description="invoice or credit_note")
    status: str | None = Field(None, description="open, settled or overdue")
    contract: UUID | None = None
    customer: UUID | None = None
    entity: str | None = Field(None, max_length=12, description="Issuing entity code")


class CashInvoiceLineIn(Schema):
    plan_line_id: UUID
    amount: Decimal | None = Field(
        None, ge=0, max_digits=18, decimal_places=2, description="Empty: all that is left"
    )
    tax_rate: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)


class CashInvoiceIn(Schema):
    contract_id: UUID
    lines: list[CashInvoiceLineIn] = Field(..., max_length=100)
    issuing_entity: str | None = Field(
        None, max_length=12, description="Code; empty: the first active entity"
    )
    issue_date: datetime.date | None = None
    due_date: datetime.date | None = None
    notes: str = Field("", max_length=2000)


class CashCreditNoteIn(Schema):
    amount: Decimal = AMOUNT
    reason: str = Field(..., max_length=500)
    issue_date: datetime.date | None = None


class CashBillableLineOut(Schema):
    id: UUID
    contract_id: UUID
    contract_number: str
    milestone: str
    planned_amount: Decimal
    billed: Decimal
    unbilled: Decimal
    currency: str
    trigger_date: datetime.date | None
    planned_due_date: datetime.date | None

    @staticmethod
    def resolve_contract_number(obj: Any) -> str:
        return str(obj.contract.number)

    @staticmethod
    def resolve_milestone(obj: Any) -> str:
        return str(obj.milestone)


class CashReceiptOut(Schema):
    id: UUID
    number: str
    status: str
    customer_id: UUID
    contract_id: UUID | None
    received_on: datetime.date
    amount: Decimal
    currency: str
    payer: str
    bank_reference: str
    allocated_amount: Decimal
    unapplied_amount: Decimal
    reversal_reason: str
    lock_version: int


class CashReceiptFilters(Schema):
    q: str | None = Field(None, max_length=100)
    status: str | None = Field(None, description="received, reversed or unapplied")
    customer: UUID | None = None


class CashReceiptIn(Schema):
    customer_id: UUID
    contract_id: UUID | None = None
    received_on: datetime.date
    amount: Decimal = AMOUNT
    currency: str = Field(..., min_length=3, max_length=3)
    payer: str = Field(..., max_length=200)
    bank_reference: str = Field("", max_length=100)


class CashAllocationIn(Schema):
    invoice_id: UUID
    amount: Decimal = AMOUNT


class CashAllocateIn(Schema):
    allocations: list[CashAllocationIn] = Field(..., max_length=100)
    lock_version: int | None = None
    allocated_on: datetime.date | None = None


class CashAllocationOut(Schema):
    id: UUID
    receipt_id: UUID
    invoice_id: UUID
    amount: Decimal
    allocated_on: datetime.date
    reversed_at: datetime.datetime | None


class CashReasonIn(Schema):
    reason: str = Field(..., max_length=500)
    lock_version: int | None = None


class CashCollectionIn(Schema):
    level: int = Field(..., ge=1, le=4)
    channel: str = Field(..., max_length=12)
    note: str = Field(..., max_length=4000)
    occurred_on: datetime.date | None = None
    promised_amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    next_step_on: datetime.date | None = None


class CashCollectionOut(Schema):
    id: UUID
    contract_id: UUID
    invoice_id: UUID | None
    level: int
    channel: str
    occurred_on: datetime.date
    note: str
    next_step_on: datetime.date | None


class CashDisputeIn(Schema):
    reason: str = Field(..., max_length=20)
    amount: Decimal = AMOUNT
    description: str = Field(..., max_length=4000)
    owner_id: int | None = None


class CashDisputeOut(Schema):
    id: UUID
    contract_id: UUID
    invoice_id: UUID | None
    reason: str
    amount: Decimal
    description: str
    owner_id: int
    status: str
    resolution: str
    lock_version: int


class CashDisputeCloseIn(Schema):
    resolution: str = Field(..., max_length=4000)
    withdrawn: bool = False
    lock_version: int | None = None


class CashWriteOffIn(Schema):
    amount: Decimal = AMOUNT
    reason: str = Field(..., max_length=4000)


class CashWriteOffOut(Schema):
    id: UUID
    invoice_id: UUID
    amount: Decimal
    currency: str
    reason: str
    status: str
    requested_by_id: int
    decided_by_id: int | None
    decision_note: str


class CashWriteOffDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=2000)


class CashAgingRowOut(Schema):
    key: str
    label: str
    buckets: list[Decimal]
    total: Decimal


class CashAgingOut(Schema):
    as_of: datetime.date
    currency: str
    labels: list[str]
    rows: list[CashAgingRowOut]
    totals: list[Decimal]
    total: Decimal
    unconverted: int


class CashDsoOut(Schema):
    key: str
    label: str
    receivable: Decimal
    sales: Decimal
    dso: Decimal | None


class CashAnalyticsQuery(Schema):
    as_of: datetime.date | None = None
    group_by: str | None = Field(None, description="customer, contract, team or owner; empty: company")
    customer: UUID | None = None
    contract: UUID | None = None
    org_unit: int | None = None


class CashSummaryOut(Schema):
    currency: str
    total: Decimal
    billable: Decimal
    billed: Decimal
    collected: Decimal
    credited: Decimal
    written_off: Decimal
    receivable: Decimal
    overdue: Decimal
    unbilled: Decimal
    open_disputes: int


# --- helpers ------------------------------------------------------------------------------------


def _invoice(request: HttpRequest, invoice_id: UUID) -> Any:
    return selectors.invoice_get(user=request.user, pk=invoice_id)


def _receipt(request: HttpRequest, receipt_id: UUID) -> Any:
    return selectors.receipt_get(user=request.user, pk=receipt_id)


def _contract(request: HttpRequest, contract_id: UUID) -> Any:
    from openltc.contracts.selectors import contract_get

    return contract_get(user=request.user, pk=contract_id)


def _analytics_filters(query: CashAnalyticsQuery) -> dict[str, Any]:
    if query.group_by and query.group_by not in selectors.GROUPS:
        raise _invalid("group_by", _("Group by customer, contract, team or owner."))
    return {k: v for k, v in query.dict().items() if k not in ("as_of", "group_by") and v is not None}


# --- invoices -----------------------------------------------------------------------------------


@router.get("/invoices", response={200: list[CashInvoiceOut], **ERROR_RESPONSES}, summary="List invoices")
@paginate(PageNumber)
def invoice_list(request: HttpRequest, filters: Query[CashInvoiceFilters]) -> Any:
    return selectors.invoice_list(user=request.user, filters=filters.dict(exclude_none=True))


@router.get(
    "/invoices/{invoice_id}", response={200: CashInvoiceDetailOut, **ERROR_RESPONSES}, summary="One invoice"
)
def invoice_get(request: HttpRequest, invoice_id: UUID) -> Any:
    return _invoice(request, invoice_id)


@router.post("/invoices", response={201: CashInvoiceDetailOut, **ERROR_RESPONSES}, summary="Issue an invoice")
def invoice_issue(request: HttpRequest, payload: CashInvoiceIn) -> Any:
    contract = _contract(request, payload.contract_id)
    entity = None
    if payload.issuing_entity:
        entity = IssuingEntity.objects.filter(code=payload.issuing_entity, is_active=True).first()
        if entity is None:
            raise _invalid("issuing_entity", _("Choose an active issuing entity."))
    invoice = services.invoice_issue(
        actor=request.user,
        contract=contract,
        lines=[
            {"plan_line": ln.plan_line_id, "amount": ln.amount, "tax_rate": ln.tax_rate}
            for ln in payload.lines
        ],
        issuing_entity=entity,
        issue_date=payload.issue_date,
        due_date=payload.due_date,
        notes=payload.notes,
    )
    return Status(201, _invoice(request, invoice.pk))


@router.post(
    "/invoices/{invoice_id}/credit-notes",
    response={201: CashInvoiceDetailOut, **ERROR_RESPONSES},
    summary="Correct an invoice with a credit note",
)
def credit_note_issue(request: HttpRequest, invoice_id: UUID, payload: CashCreditNoteIn) -> Any:
    note = services.credit_note_issue(
        actor=request.user,
        invoice=_invoice(request, invoice_id),
        amount=payload.amount,
        reason=payload.reason,
        issue_date=payload.issue_date,
    )
    return Status(201, _invoice(request, note.pk))


@router.get(
    "/billable",
    response={200: list[CashBillableLineOut], **ERROR_RESPONSES},
    summary="Milestones waiting for an invoice",
)
@paginate(PageNumber)
def billable_list(request: HttpRequest, contract: UUID | None = None) -> Any:
    qs = selectors.billable_lines(user=request.user)
    return qs.filter(contract_id=contract) if contract else qs


@router.get(
    "/contracts/{contract_id}/summary",
    response={200: CashSummaryOut, **ERROR_RESPONSES},
    summary="Billed, collected and receivable of one contract",
)
def contract_summary(request: HttpRequest, contract_id: UUID) -> Any:
    return selectors.contract_summary(_contract(request, contract_id))


# --- receipts -----------------------------------------------------------------------------------


@router.get("/receipts", response={200: list[CashReceiptOut], **ERROR_RESPONSES}, summary="List receipts")
@paginate(PageNumber)
def receipt_list(request: HttpRequest, filters: Query[CashReceiptFilters]) -> Any:
    return selectors.receipt_list(user=request.user, filters=filters.dict(exclude_none=True))


@router.get(
    "/receipts/{receipt_id}", response={200: CashReceiptOut, **ERROR_RESPONSES}, summary="One receipt"
)
def receipt_get(request: HttpRequest, receipt_id: UUID) -> Any:
    return _receipt(request, receipt_id)


@router.post("/receipts", response={201: CashReceiptOut, **ERROR_RESPONSES}, summary="Record a receipt")
def receipt_record(request: HttpRequest, payload: CashReceiptIn) -> Any:
    from openltc.customers.models import Customer

    customer = Customer.objects.restrict(request.user).filter(pk=payload.customer_id).first()
    if customer is None:
        raise _invalid("customer_id", _("Choose a customer you can see."))
    contract = None
    if payload.contract_id:
        try:
            contract = _contract(request, payload.contract_id)
        except NotFound:
            raise _invalid("contract_id", _("Choose a contract of this customer.")) from None
    receipt = services.receipt_record(
        actor=request.user,
        customer=customer,
        contract=contract,
        received_on=payload.received_on,
        amount=payload.amount,
        currency=payload.currency,
        payer=payload.payer,
        bank_reference=payload.bank_reference,
    )
    return Status(201, _receipt(request, receipt.pk))


@router.get(
    "/receipts/{receipt_id}/allocations",
    response={200: list[CashAllocationOut], **ERROR_RESPONSES},
    summary="Allocations of a receipt",
)
def receipt_allocations(request: HttpRequest, receipt_id: UUID) -> Any:
    return list(selectors.allocations_of_receipt(_receipt(request, receipt_id)))


@router.post(
    "/receipts/{receipt_id}/allocate",
    response={200: CashReceiptOut, **ERROR_RESPONSES},
    summary="Allocate a receipt to one or several invoices",
)
def receipt_allocate(request: HttpRequest, receipt_id: UUID, payload: CashAllocateIn) -> Any:
    services.receipt_allocate(
        actor=request.user,
        receipt=_receipt(request, receipt_id),
        allocations=[{"invoice": a.invoice_id, "amount": a.amount} for a in payload.allocations],
        allocated_on=payload.allocated_on,
        expected_version=payload.lock_version,
    )
    return _receipt(request, receipt_id)


@router.post(
    "/receipts/{receipt_id}/reverse",
    response={200: CashReceiptOut, **ERROR_RESPONSES},
    summary="Reverse a receipt (its allocations are undone)",
)
def receipt_reverse(request: HttpRequest, receipt_id: UUID, payload: CashReasonIn) -> Any:
    services.receipt_reverse(
        actor=request.user,
        receipt=_receipt(request, receipt_id),
        reason=payload.reason,
        expected_version=payload.lock_version,
    )
    return _receipt(request, receipt_id)


# --- collections --------------------------------------------------------------------------------


@router.post(
    "/invoices/{invoice_id}/collection-actions",
    response={201: CashCollectionOut, **ERROR_RESPONSES},
    summary="Log a collection action (dunning)",
)
def collection_log(request: HttpRequest, invoice_id: UUID, payload: CashCollectionIn) -> Any:
    action = services.collection_action_log(
        actor=request.user, invoice=_invoice(request, invoice_id), **payload.dict()
    )
    return Status(201, action)


@router.get(
    "/invoices/{invoice_id}/collection-actions",
    response={200: list[CashCollectionOut], **ERROR_RESPONSES},
    summary="Collection actions on an invoice",
)
def collection_list(request: HttpRequest, invoice_id: UUID) -> Any:
    return list(selectors.collection_actions(user=request.user, invoice=_invoice(request, invoice_id))[:200])


@router.post(
    "/invoices/{invoice_id}/disputes",
    response={201: CashDisputeOut, **ERROR_RESPONSES},
    summary="Open a dispute",
)
def dispute_open(request: HttpRequest, invoice_id: UUID, payload: CashDisputeIn) -> Any:
    owner = None
    if payload.owner_id is not None:
        from openltc.org.models import User

        owner = User.objects.filter(pk=payload.owner_id, is_active=True).first()
        if owner is None:
            raise _invalid("owner_id", _("Choose an owner who can see the contract."))
    dispute = services.dispute_open(
        actor=request.user,
        invoice=_invoice(request, invoice_id),
        reason=payload.reason,
        amount=payload.amount,
        description=payload.description,
        owner=owner,
    )
    return Status(201, dispute)


@router.get("/disputes", response={200: list[CashDisputeOut], **ERROR_RESPONSES}, summary="List disputes")
@paginate(PageNumber)
def dispute_list(request: HttpRequest, status: str | None = None) -> Any:
    return selectors.dispute_list(user=request.user, filters={"status": status})


@router.post(
    "/disputes/{dispute_id}/close",
    response={200: CashDisputeOut, **ERROR_RESPONSES},
    summary="Resolve or withdraw",
)
def dispute_close(request: HttpRequest, dispute_id: UUID, payload: CashDisputeCloseIn) -> Any:
    return services.dispute_close(
        actor=request.user,
        dispute=selectors.dispute_get(user=request.user, pk=dispute_id),
        resolution=payload.resolution,
        withdrawn=payload.withdrawn,
        expected_version=payload.lock_version,
    )


@router.post(
    "/invoices/{invoice_id}/write-offs",
    response={201: CashWriteOffOut, **ERROR_RESPONSES},
    summary="Request a bad-debt write-off",
)
def write_off_request(request: HttpRequest, invoice_id: UUID, payload: CashWriteOffIn) -> Any:
    write_off = services.write_off_request(
        actor=request.user,
        invoice=_invoice(request, invoice_id),
        amount=payload.amount,
        reason=payload.reason,
    )
    return Status(201, write_off)


@router.get(
    "/write-offs", response={200: list[CashWriteOffOut], **ERROR_RESPONSES}, summary="List write-offs"
)
@paginate(PageNumber)
def write_off_list(request: HttpRequest, status: str | None = None) -> Any:
    return selectors.write_off_list(user=request.user, filters={"status": status})


@router.post(
    "/write-offs/{write_off_id}/decide",
    response={200: CashWriteOffOut, **ERROR_RESPONSES},
    summary="Approve or reject a write-off (another finance approver)",
)
def write_off_decide(request: HttpRequest, write_off_id: UUID, payload: CashWriteOffDecisionIn) -> Any:
    return services.write_off_decide(
        actor=request.user,
        write_off=selectors.write_off_get(user=request.user, pk=write_off_id),
        approve=payload.approve,
        note=payload.note,
    )


# --- receivables --------------------------------------------------------------------------------


@router.get(
    "/receivables/aging", response={200: CashAgingOut, **ERROR_RESPONSES}, summary="Receivables aging"
)
def aging(request: HttpRequest, query: Query[CashAnalyticsQuery]) -> Any:
    result = selectors.aging(
        user=request.user, as_of=query.as_of, filters=_analytics_filters(query), group_by=query.group_by
    )
    for row in result.rows:
        row.key = str(row.key)
    return result


@router.get(
    "/receivables/dso", response={200: list[CashDsoOut], **ERROR_RESPONSES}, summary="Days sales outstanding"
)
def dso(request: HttpRequest, query: Query[CashAnalyticsQuery]) -> Any:
    rows = selectors.dso(
        user=request.user, as_of=query.as_of, filters=_analytics_filters(query), group_by=query.group_by
    )
    for row in rows:
        row.key = str(row.key)
    return rows
