"""Contract endpoints: the same selectors and services as the pages, the same rules and errors."""

import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from openltc.api.errors import ERROR_RESPONSES
from openltc.api.pagination import PageNumber
from openltc.contracts import selectors, services
from openltc.contracts.choices import SealKind
from openltc.contracts.models import (
    Contract,
    ContractChange,
    ContractReceiptCheck,
    ContractReviewOpinion,
    ContractVersion,
    CountersignStep,
    ReceivablePlanLine,
)
from openltc.contracts.versions import version_content, versions_diff
from openltc.core.errors import DomainError

PREFIX = "/contracts"
router = Router(tags=["Contracts"])


# --- schemas ------------------------------------------------------------------------------------


class LineOut(Schema):
    position: int
    kind: str
    description: str
    product_line_id: int | None
    quantity: Decimal
    unit: str
    unit_price: Decimal
    tax_rate: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal


class MilestoneOut(Schema):
    position: int
    kind: str
    name: str
    percentage: Decimal | None
    fixed_amount: Decimal | None
    amount: Decimal
    trigger_event: str
    due_days: int
    trigger_date: datetime.date | None
    planned_due_date: datetime.date | None

    @staticmethod
    def resolve_trigger_date(obj: Any) -> datetime.date | None:
        plan = getattr(obj, "plan_line", None)
        return plan.trigger_date if plan else None

    @staticmethod
    def resolve_planned_due_date(obj: Any) -> datetime.date | None:
        plan = getattr(obj, "plan_line", None)
        return plan.planned_due_date if plan else None


class ContractOut(Schema):
    id: UUID
    number: str
    title: str
    kind: str
    parent_id: UUID | None
    opportunity_id: UUID | None
    customer_id: UUID
    customer_name: str
    signing_entity: str
    currency: str
    org_unit_id: int
    owner_id: int
    contract_manager_id: int | None
    delivery_obligations: str
    warranty_months: int | None
    warranty_terms: str
    governing_terms: str
    margin_percent: Decimal | None
    status: str
    status_label: str
    current_version: int | None
    total_net: Decimal
    total_tax: Decimal
    total_gross: Decimal
    signed_on: datetime.date | None
    withdrawal_reason: str
    lock_version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_customer_name(obj: Contract) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_status_label(obj: Contract) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_current_version(obj: Contract) -> int | None:
        return obj.current_version.number if obj.current_version else None


class ContractDetailOut(ContractOut):
    lines: list[LineOut]
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_lines(obj: Contract) -> list[Any]:
        return list(obj.current_version.lines.all()) if obj.current_version else []

    @staticmethod
    def resolve_milestones(obj: Contract) -> list[Any]:
        return list(obj.current_version.milestones.select_related("plan_line")) if obj.current_version else []


class ContractFilters(Schema):
    q: str | None = Field(None, description="Number, title or customer name contains")
    status: str | None = Field(None, description="A status code, or 'active'")
    owner: str | None = Field(None, description="'me' or a user id")
    org_unit: int | None = Field(None, description="Org unit id; its subtree is included")
    kind: str | None = None
    customer: UUID | None = None


class LineIn(Schema):
    kind: str = "product"
    description: str = Field(..., min_length=1, max_length=300)
    product_line_id: int | None = None
    quantity: Decimal = Field(..., gt=0, max_digits=18, decimal_places=4)
    unit: str = Field("", max_length=20)
    unit_price: Decimal = Field(..., ge=0, max_digits=18, decimal_places=2)
    tax_rate: Decimal = Field(Decimal("13"), ge=0, le=100, max_digits=5, decimal_places=2)


class MilestoneIn(Schema):
    kind: str
    name: str = Field("", max_length=200)
    percentage: Decimal | None = Field(None, ge=0, le=100, max_digits=7, decimal_places=4)
    fixed_amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    trigger_event: str
    due_days: int = Field(30, ge=0, le=3650)


class ContractCreateIn(Schema):
    kind: str = "standard"
    opportunity_id: UUID | None = Field(None, description="Draft from this opportunity (lineage kept)")
    parent_id: UUID | None = Field(None, description="The frame contract of a purchase order")
    customer_id: UUID | None = Field(None, description="Defaults to the opportunity's or frame's customer")
    title: str = Field("", max_length=200)
    signing_entity: str = Field(..., min_length=1, max_length=200)
    currency: str | None = Field(None, min_length=3, max_length=3)
    org_unit_id: int | None = Field(
        None, description="Defaults to the opportunity's unit or the caller's home unit"
    )
    owner_id: int | None = Field(None, description="Defaults to the caller")
    contract_manager_id: int | None = None
    delivery_obligations: str = ""
    warranty_months: int | None = Field(None, ge=0, le=240)
    warranty_terms: str = ""
    governing_terms: str = ""
    margin_percent: Decimal | None = Field(None, ge=-100, le=100, max_digits=5, decimal_places=2)
    lines: list[LineIn] = []
    milestones: list[MilestoneIn] = []


class ContractUpdateIn(Schema):
    lock_version: int = Field(..., description="The version you read; a stale version gives 409")
    title: str | None = Field(None, min_length=1, max_length=200)
    signing_entity: str | None = Field(None, min_length=1, max_length=200)
    currency: str | None = Field(None, min_length=3, max_length=3)
    contract_manager_id: int | None = None
    delivery_obligations: str | None = None
    warranty_months: int | None = Field(None, ge=0, le=240)
    warranty_terms: str | None = None
    governing_terms: str | None = None
    margin_percent: Decimal | None = Field(None, ge=-100, le=100, max_digits=5, decimal_places=2)


class LinesIn(Schema):
    lock_version: int | None = None
    lines: list[LineIn]


class MilestonesIn(Schema):
    lock_version: int | None = None
    milestones: list[MilestoneIn]


class ContractVersionIn(Schema):
    lock_version: int | None = None


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)
    lock_version: int | None = None


class ContractOpinionIn(Schema):
    function: str
    verdict: str
    reasons: str = ""
    conditions: str = ""


class ContractOpinionOut(Schema):
    id: UUID
    version: int
    function: str
    verdict: str
    reviewer_id: int
    reasons: str
    conditions: str
    given_at: datetime.datetime

    @staticmethod
    def resolve_version(obj: ContractReviewOpinion) -> int:
        return obj.version.number


class CountersignIn(Schema):
    comment: str = Field("", max_length=2000)


class CountersignStepOut(Schema):
    id: UUID
    department_name: str
    role: str
    sequence: int
    status: str
    signed_by_id: int | None
    signed_at: datetime.datetime | None
    comment: str


class SealRequestIn(Schema):
    signatory_id: int
    seal_kind: str = SealKind.CONTRACT_SEAL
    copies: int = Field(2, ge=1, le=20)
    lock_version: int | None = None


class SealRecordIn(Schema):
    signed_on: datetime.date
    seal_reference: str = Field("", max_length=100)
    lock_version: int | None = None


class ReceiptCheckIn(Schema):
    received_amount: Decimal = Field(..., max_digits=18, decimal_places=2)
    received_currency: str = Field(..., min_length=3, max_length=3)
    milestones_match: bool
    obligations_match: bool
    notes: str = ""


class ReceiptCheckOut(Schema):
    id: UUID
    version: int
    checker_id: int
    checked_at: datetime.datetime
    received_amount: Decimal
    received_currency: str
    milestones_match: bool
    obligations_match: bool
    result: str
    mismatches: list[str]
    notes: str

    @staticmethod
    def resolve_version(obj: ContractReceiptCheck) -> int:
        return obj.version.number


class VersionOut(Schema):
    number: int
    status: str
    reason: str
    total_net: Decimal
    total_tax: Decimal
    total_gross: Decimal
    frozen_at: datetime.datetime | None
    created_at: datetime.datetime


class FieldChangeOut(Schema):
    field: str
    label: str
    before: Any = None
    after: Any = None


class RowChangeOut(Schema):
    change: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: list[FieldChangeOut]


class DiffOut(Schema):
    a: int
    b: int
    has_changes: bool
    header: list[FieldChangeOut]
    lines: list[RowChangeOut]
    milestones: list[RowChangeOut]
    totals: list[FieldChangeOut]


# --- helpers ------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _user(user_id: int | None, field: str) -> Any:
    from openltc.org.models import User

    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise _invalid(field, _("Choose an active person."))
    return found


def _lines(rows: list[LineIn]) -> list[dict[str, Any]]:
    from openltc.org.models import ProductLine

    out = []
    for row in rows:
        data = row.dict()
        product_line_id = data.pop("product_line_id")
        data["product_line"] = None
        if product_line_id is not None:
            data["product_line"] = ProductLine.objects.filter(pk=product_line_id, is_active=True).first()
            if data["product_line"] is None:
                raise _invalid("lines", _("Choose active product lines."))
        out.append(data)
    return out


def _milestones(rows: list[MilestoneIn]) -> list[dict[str, Any]]:
    return [row.dict() for row in rows]


def _get(request: HttpRequest, contract_id: UUID, action: str = "view") -> Contract:
    return selectors.contract_get(user=request.user, pk=contract_id, action=action)


def _act(request: HttpRequest, contract_id: UUID, service: Any, **inputs: Any) -> Contract:
    """The shape of every lifecycle endpoint: look the contract up (404 when invisible), call the
    one service with the caller and the inputs, answer with the contract as it is now."""
    service(actor=request.user, contract=_get(request, contract_id), **inputs)
    return _get(request, contract_id)


# --- endpoints ----------------------------------------------------------------------------------


@router.get("", response={200: list[ContractOut], **ERROR_RESPONSES}, summary="List contracts")
@paginate(PageNumber)
def contract_list(request: HttpRequest, filters: Query[ContractFilters]) -> Any:
    raw = filters.dict(exclude_none=True)
    return selectors.contract_list(user=request.user, filters=raw).select_related("current_version")


@router.get("/{contract_id}", response={200: ContractDetailOut, **ERROR_RESPONSES}, summary="One contract")
def contract_get(request: HttpRequest, contract_id: UUID) -> Any:
    return _get(request, contract_id)


@router.post("", response={201: ContractDetailOut, **ERROR_RESPONSES}, summary="Create a draft contract")
def contract_create(request: HttpRequest, payload: ContractCreateIn) -> Any:
    from openltc.customers.models import Customer
    from openltc.opportunities.models import Opportunity
    from openltc.org.models import OrgUnit

    user: Any = request.user
    raw = payload.dict()
    data: dict[str, Any] = {
        k: raw[k]
        for k in (
            "kind",
            "title",
            "signing_entity",
            "currency",
            "delivery_obligations",
            "warranty_months",
            "warranty_terms",
            "governing_terms",
            "margin_percent",
        )
    }
    if payload.opportunity_id:
        data["opportunity"] = Opportunity.objects.restrict(user).filter(pk=payload.opportunity_id).first()
        if data["opportunity"] is None:
            raise _invalid("opportunity_id", _("Choose an opportunity you work on."))
    if payload.parent_id:
        data["parent"] = Contract.objects.restrict(user).filter(pk=payload.parent_id).first()
        if data["parent"] is None:
            raise _invalid("parent_id", _("Choose a frame contract you can see."))
    customer_id = payload.customer_id or getattr(data.get("parent"), "customer_id", None)
    if customer_id:
        data["customer"] = Customer.objects.filter(pk=customer_id).first()
    if payload.org_unit_id:
        data["org_unit"] = OrgUnit.objects.filter(pk=payload.org_unit_id, is_active=True).first()
        if data["org_unit"] is None:
            raise _invalid("org_unit_id", _("Choose an active org unit."))
    data["owner"] = _user(payload.owner_id, "owner_id")
    data["contract_manager"] = _user(payload.contract_manager_id, "contract_manager_id")
    contract = services.contract_create(
        actor=user, data=data, lines=_lines(payload.lines), milestones=_milestones(payload.milestones)
    )
    return Status(201, _get(request, contract.pk))


@router.patch(
    "/{contract_id}",
    response={200: ContractDetailOut, **ERROR_RESPONSES},
    summary="Update the header of a draft contract (optimistic lock: send lock_version)",
)
def contract_update(request: HttpRequest, contract_id: UUID, payload: ContractUpdateIn) -> Any:
    contract = _get(request, contract_id)
    raw = payload.dict(exclude_unset=True)
    version = raw.pop("lock_version")
    data: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "contract_manager_id":
            data["contract_manager"] = _user(value, key)
        elif value is None and key in ("title", "signing_entity", "currency"):
            raise _invalid(key, _("This field cannot be empty."))
        else:
            data[key] = value
    services.contract_update(actor=request.user, contract=contract, data=data, expected_version=version)
    return _get(request, contract_id)


@router.put(
    "/{contract_id}/lines",
    response={200: ContractDetailOut, **ERROR_RESPONSES},
    summary="Replace the lines of the draft version (totals and milestone amounts follow)",
)
def contract_lines_replace(request: HttpRequest, contract_id: UUID, payload: LinesIn) -> Any:
    contract = _get(request, contract_id)
    services.contract_lines_replace(
        actor=request.user,
        contract=contract,
        lines=_lines(payload.lines),
        expected_version=payload.lock_version,
    )
    return _get(request, contract_id)


@router.put(
    "/{contract_id}/milestones",
    response={200: ContractDetailOut, **ERROR_RESPONSES},
    summary="Replace the payment milestones (must add up to the total exactly)",
)
def contract_milestones_replace(request: HttpRequest, contract_id: UUID, payload: MilestonesIn) -> Any:
    contract = _get(request, contract_id)
    services.contract_milestones_replace(
        actor=request.user,
        contract=contract,
        milestones=_milestones(payload.milestones),
        expected_version=payload.lock_version,
    )
    return _get(request, contract_id)


@router.post(
    "/{contract_id}/submit",
    response={200: ContractOut, **ERROR_RESPONSES},
    summary="Submit for contract review",
)
def contract_submit(request: HttpRequest, contract_id: UUID, payload: ContractVersionIn) -> Any:
    return _act(request, contract_id, services.contract_submit, expected_version=payload.lock_version)


@router.post(
    "/{contract_id}/rework",
    response={200: ContractOut, **ERROR_RESPONSES},
    summary="Return for rework (a new draft version is made)",
)
def contract_rework(request: HttpRequest, contract_id: UUID, payload: ReasonIn) -> Any:
    return _act(
        request,
        contract_id,
        services.contract_return_for_rework,
        reason=payload.reason,
        expected_version=payload.lock_version,
    )


@router.post(
    "/{contract_id}/opinions",
    response={201: ContractOpinionOut, **ERROR_RESPONSES},
    summary="Give a contract review opinion (legal, finance, delivery or credit)",
)
def contract_opinion(request: HttpRequest, contract_id: UUID, payload: ContractOpinionIn) -> Any:
    opinion = services.review_opinion_give(
        actor=request.user, contract=_get(request, contract_id), **payload.dict()
    )
    return Status(201, opinion)


@router.post(
    "/{contract_id}/complete-review",
    response={200: ContractOut, **ERROR_RESPONSES},
    summary="Complete the review; the contract awaits the ATC decision",
)
def contract_complete_review(request: HttpRequest, contract_id: UUID, payload: ContractVersionIn) -> Any:
    return _act(
        request, contract_id, services.contract_complete_review, expected_version=payload.lock_version
    )


@router.post(
    "/{contract_id}/countersign",
    response={200: ContractOut, **ERROR_RESPONSES},
    summary="Start the countersign (needs an approved ATC decision)",
)
def contract_start_countersign(request: HttpRequest, contract_id: UUID, payload: ContractVersionIn) -> Any:
    return _act(
        request, contract_id, services.contract_start_countersign, expected_version=payload.lock_version
    )


@router.get(
    "/{contract_id}/countersign/steps",
    response={200: list[CountersignStepOut], **ERROR_RESPONSES},
    summary="Countersign steps of the current version",
)
def countersign_steps(request: HttpRequest, contract_id: UUID) -> Any:
    contract = _get(request, contract_id)
    return list(CountersignStep.objects.filter(version_id=contract.current_version_id))


@router.post(
    "/{contract_id}/countersign/{step_id}/sign-off",
    response={200: CountersignStepOut, **ERROR_RESPONSES},
    summary="Sign off one department's countersign step",
)
def countersign_sign_off(
    request: HttpRequest, contract_id: UUID, step_id: UUID, payload: CountersignIn
) -> Any:
    return services.countersign_sign_off(
        actor=request.user, contract=_get(request, contract_id), step_id=step_id, comment=payload.comment
    )


@router.post(
    "/{contract_id}/seal-request",
    response={200: ContractOut, **ERROR_RESPONSES},
    summary="Request the seal with the authorised signatory",
)
def contract_request_seal(request: HttpRequest, contract_id: UUID, payload: SealRequestIn) -> Any:
    contract = _get(request, contract_id)  # an invisible contract is 404 whatever the body
    return _act(
        request,
        contract.pk,
        services.contract_request_seal,
        signatory=_user(payload.signatory_id, "signatory_id"),
        seal_kind=payload.seal_kind,
        copies=payload.copies,
        expected_version=payload.lock_version,
    )


@router.post(
    "/{contract_id}/seal", response={200: ContractOut, **ERROR_RESPONSES}, summary="Record signature and seal"
)
def contract_record_seal(request: HttpRequest, contract_id: UUID, payload: SealRecordIn) -> Any:
    return _act(
        request,
        contract_id,
        services.contract_record_seal,
        signed_on=payload.signed_on,
        seal_reference=payload.seal_reference,
        expected_version=payload.lock_version,
    )


@router.post(
    "/{contract_id}/archive",
    response={200: ContractOut, **ERROR_RESPONSES},
    summary="Archive the signed original (multipart: scan file and metadata)",
)
def contract_archive(
    request: HttpRequest,
    contract_id: UUID,
    scan: File[UploadedFile],
    archive_number: Form[str],
    original_location: Form[str],
    page_count: Form[int | None] = None,
    notes: Form[str] = "",
) -> Any:
    return _act(
        request,
        contract_id,
        services.contract_archive,
        scan=scan,
        archive_number=archive_number,
        original_location=original_location,
        page_count=page_count,
        notes=notes,
    )


@router.post(
    "/{contract_id}/receipt-checks",
    response={201: ReceiptCheckOut, **ERROR_RESPONSES},
    summary="Record the receive-and-confirm check (接收和确认合同/PO)",
)
def contract_confirm_receipt(request: HttpRequest, contract_id: UUID, payload: ReceiptCheckIn) -> Any:
    check = services.contract_confirm_receipt(
        actor=request.user, contract=_get(request, contract_id), **payload.dict()
    )
    return Status(201, check)


@router.post(
    "/{contract_id}/execute",
    response={200: ContractOut, **ERROR_RESPONSES},
    summary="Start execution (needs a passed receipt check)",
)
def contract_execute(request: HttpRequest, contract_id: UUID, payload: ContractVersionIn) -> Any:
    return _act(
        request, contract_id, services.contract_start_execution, expected_version=payload.lock_version
    )


@router.post(
    "/{contract_id}/withdraw",
    response={200: ContractOut, **ERROR_RESPONSES},
    summary="Withdraw before signature, with the reason",
)
def contract_withdraw(request: HttpRequest, contract_id: UUID, payload: ReasonIn) -> Any:
    return _act(
        request,
        contract_id,
        services.contract_withdraw,
        reason=payload.reason,
        expected_version=payload.lock_version,
    )


@router.get(
    "/{contract_id}/versions",
    response={200: list[VersionOut], **ERROR_RESPONSES},
    summary="The contract's versions",
)
def version_list(request: HttpRequest, contract_id: UUID) -> Any:
    return list(selectors.version_list(contract=_get(request, contract_id)))


@router.get(
    "/{contract_id}/diff",
    response={200: DiffOut, **ERROR_RESPONSES},
    summary="Compare two versions field by field and line by line",
)
def version_diff(request: HttpRequest, contract_id: UUID, a: int, b: int) -> Any:
    contract = _get(request, contract_id)
    first: ContractVersion = selectors.version_get(contract=contract, number=a)
    second: ContractVersion = selectors.version_get(contract=contract, number=b)
    result = versions_diff(version_content(first, contract), version_content(second, contract))

    def fields(changes: list[Any]) -> list[dict[str, Any]]:
        return [
            {"field": c.field, "label": str(c.label), "before": _plain(c.before), "after": _plain(c.after)}
            for c in changes
        ]

    def rows(items: list[Any]) -> list[dict[str, Any]]:
        return [
            {"change": r.change, "before": r.before, "after": r.after, "fields": fields(r.fields)}
            for r in items
        ]

    return {
        "a": a,
        "b": b,
        "has_changes": result.has_changes,
        "header": fields(result.header),
        "lines": rows(result.lines),
        "milestones": rows(result.milestones),
        "totals": fields(result.totals),
    }


def _plain(value: Any) -> Any:
    return str(value) if value is not None and not isinstance(value, str | int | float | bool) else value


# --- change requests (合同/PO变更 → ATAC → 变更协议) and closure (ATCC) ---------------------------


class ChangeIn(Schema):
    reason: str = Field(..., min_length=1, max_length=5000)
    scope_impact: str = Field("", max_length=5000)
    schedule_impact: str = Field("", max_length=5000)
    cash_impact: str = Field("", max_length=5000)
    margin_percent: Decimal | None = Field(None, ge=-100, le=100, max_digits=5, decimal_places=2)
    lines: list[LineIn] | None = Field(None, description="The amended lines; default: unchanged")
    milestones: list[MilestoneIn] | None = Field(
        None, description="The amended milestones; default: unchanged"
    )


class ChangeUpdateIn(Schema):
    lock_version: int | None = None
    reason: str | None = Field(None, min_length=1, max_length=5000)
    scope_impact: str | None = Field(None, max_length=5000)
    schedule_impact: str | None = Field(None, max_length=5000)
    cash_impact: str | None = Field(None, max_length=5000)
    margin_percent: Decimal | None = Field(None, ge=-100, le=100, max_digits=5, decimal_places=2)
    lines: list[LineIn] | None = None
    milestones: list[MilestoneIn] | None = None


class ChangeSignIn(Schema):
    signed_on: datetime.date
    agreement_reference: str = Field("", max_length=100)
    lock_version: int | None = None


class ChangeOut(Schema):
    id: UUID
    number: str
    sequence: int
    status: str
    status_label: str
    reason: str
    scope_impact: str
    schedule_impact: str
    cash_impact: str
    margin_percent: Decimal | None
    price_impact: Decimal
    base_version: int
    amendment_version: int
    amendment_total: Decimal
    requested_by_id: int
    submitted_at: datetime.datetime | None
    signed_on: datetime.date | None
    agreement_reference: str
    withdrawal_reason: str
    atac_case_id: UUID | None
    lock_version: int
    created_at: datetime.datetime

    @staticmethod
    def resolve_status_label(obj: ContractChange) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_base_version(obj: ContractChange) -> int:
        return obj.base_version.number

    @staticmethod
    def resolve_amendment_version(obj: ContractChange) -> int:
        return obj.amendment.number

    @staticmethod
    def resolve_amendment_total(obj: ContractChange) -> Decimal:
        return obj.amendment.total_gross

    @staticmethod
    def resolve_atac_case_id(obj: ContractChange) -> UUID | None:
        from openltc.decisions.selectors import latest_case

        case = latest_case(obj, "ATAC")
        return case.pk if case is not None else None


class ChangeSubmittedOut(Schema):
    change: ChangeOut
    case_id: UUID


class ClosureConditionOut(Schema):
    code: str
    label: str
    met: bool
    reasons: list[str]


class CaseOpenedOut(Schema):
    case_id: UUID


def _change(request: HttpRequest, contract_id: UUID, change_id: UUID) -> ContractChange:
    return selectors.change_get(contract=_get(request, contract_id), pk=change_id)


def _change_data(payload: Schema) -> dict[str, Any]:
    keys = ("reason", "scope_impact", "schedule_impact", "cash_impact", "margin_percent")
    return {k: v for k, v in payload.dict(exclude_unset=True).items() if k in keys}


@router.get(
    "/{contract_id}/changes",
    response={200: list[ChangeOut], **ERROR_RESPONSES},
    summary="The contract's change requests",
)
def change_list(request: HttpRequest, contract_id: UUID) -> Any:
    return list(selectors.change_list(contract=_get(request, contract_id)))


@router.get(
    "/{contract_id}/changes/{change_id}",
    response={200: ChangeOut, **ERROR_RESPONSES},
    summary="One change request",
)
def change_get(request: HttpRequest, contract_id: UUID, change_id: UUID) -> Any:
    return _change(request, contract_id, change_id)


@router.post(
    "/{contract_id}/changes",
    response={201: ChangeOut, **ERROR_RESPONSES},
    summary="Request a change (合同变更): reason, impacts and the amended lines and milestones",
)
def change_request(request: HttpRequest, contract_id: UUID, payload: ChangeIn) -> Any:
    change = services.change_request(
        actor=request.user,
        contract=_get(request, contract_id),
        data=_change_data(payload),
        lines=_lines(payload.lines) if payload.lines is not None else None,
        milestones=_milestones(payload.milestones) if payload.milestones is not None else None,
    )
    return Status(201, _change(request, contract_id, change.pk))


@router.patch(
    "/{contract_id}/changes/{change_id}",
    response={200: ChangeOut, **ERROR_RESPONSES},
    summary="Edit a draft change request (and its amendment's lines and milestones)",
)
def change_update(request: HttpRequest, contract_id: UUID, change_id: UUID, payload: ChangeUpdateIn) -> Any:
    services.change_update(
        actor=request.user,
        change=_change(request, contract_id, change_id),
        data=_change_data(payload),
        lines=_lines(payload.lines) if payload.lines is not None else None,
        milestones=_milestones(payload.milestones) if payload.milestones is not None else None,
        expected_version=payload.lock_version,
    )
    return _change(request, contract_id, change_id)


@router.post(
    "/{contract_id}/changes/{change_id}/submit",
    response={200: ChangeSubmittedOut, **ERROR_RESPONSES},
    summary="Submit the change for change review and the ATAC decision (opens the ATAC case)",
)
def change_submit(
    request: HttpRequest, contract_id: UUID, change_id: UUID, payload: ContractVersionIn
) -> Any:
    case = services.change_submit(
        actor=request.user,
        change=_change(request, contract_id, change_id),
        expected_version=payload.lock_version,
    )
    return {"change": _change(request, contract_id, change_id), "case_id": case.pk}


@router.post(
    "/{contract_id}/changes/{change_id}/sign",
    response={200: ChangeOut, **ERROR_RESPONSES},
    summary="Record the signed change agreement (needs an approved ATAC decision)",
)
def change_sign(request: HttpRequest, contract_id: UUID, change_id: UUID, payload: ChangeSignIn) -> Any:
    services.change_sign(
        actor=request.user,
        change=_change(request, contract_id, change_id),
        signed_on=payload.signed_on,
        agreement_reference=payload.agreement_reference,
        expected_version=payload.lock_version,
    )
    return _change(request, contract_id, change_id)


@router.post(
    "/{contract_id}/changes/{change_id}/archive",
    response={200: ChangeOut, **ERROR_RESPONSES},
    summary="Archive the signed change agreement (multipart: scan file and metadata)",
)
def change_archive(
    request: HttpRequest,
    contract_id: UUID,
    change_id: UUID,
    scan: File[UploadedFile],
    archive_number: Form[str],
    original_location: Form[str],
    page_count: Form[int | None] = None,
    notes: Form[str] = "",
) -> Any:
    services.change_archive(
        actor=request.user,
        change=_change(request, contract_id, change_id),
        scan=scan,
        archive_number=archive_number,
        original_location=original_location,
        page_count=page_count,
        notes=notes,
    )
    return _change(request, contract_id, change_id)


@router.post(
    "/{contract_id}/changes/{change_id}/withdraw",
    response={200: ChangeOut, **ERROR_RESPONSES},
    summary="Withdraw a change request before its agreement is signed, with the reason",
)
def change_withdraw(request: HttpRequest, contract_id: UUID, change_id: UUID, payload: ReasonIn) -> Any:
    services.change_withdraw(
        actor=request.user,
        change=_change(request, contract_id, change_id),
        reason=payload.reason,
        expected_version=payload.lock_version,
    )
    return _change(request, contract_id, change_id)


@router.get(
    "/{contract_id}/closure-conditions",
    response={200: list[ClosureConditionOut], **ERROR_RESPONSES},
    summary="The ATCC closure conditions, each met or unmet with its reasons",
)
def closure_conditions(request: HttpRequest, contract_id: UUID) -> Any:
    from openltc.contracts import closure

    return [
        {"code": s.code, "label": str(s.label), "met": s.met, "reasons": list(s.reasons)}
        for s in closure.evaluate(_get(request, contract_id))
    ]


@router.post(
    "/{contract_id}/atc-case",
    response={201: CaseOpenedOut, **ERROR_RESPONSES},
    summary="Open the ATC decision case of a reviewed contract",
)
def contract_open_atc_case(request: HttpRequest, contract_id: UUID) -> Any:
    case = services.contract_open_atc_case(actor=request.user, contract=_get(request, contract_id))
    return Status(201, {"case_id": case.pk})


@router.post(
    "/{contract_id}/atcc-case",
    response={201: CaseOpenedOut, **ERROR_RESPONSES},
    summary="Open the ATCC closure decision case (refused while a closure condition is unmet)",
)
def contract_open_atcc_case(request: HttpRequest, contract_id: UUID) -> Any:
    case = services.contract_open_atcc_case(actor=request.user, contract=_get(request, contract_id))
    return Status(201, {"case_id": case.pk})


@router.post(
    "/{contract_id}/close",
    response={200: ContractOut, **ERROR_RESPONSES},
    summary="Close an executing contract (needs the closure conditions met and an approved ATCC decision)",
)
def contract_close(request: HttpRequest, contract_id: UUID, payload: ContractVersionIn) -> Any:
    return _act(request, contract_id, services.contract_close, expected_version=payload.lock_version)


class PlanLineOut(Schema):
    id: UUID
    milestone_position: int
    milestone_kind: str
    milestone_name: str
    version: int
    planned_amount: Decimal
    currency: str
    trigger_date: datetime.date | None
    planned_due_date: datetime.date | None
    billable: bool

    @staticmethod
    def resolve_milestone_position(obj: ReceivablePlanLine) -> int:
        return obj.milestone.position

    @staticmethod
    def resolve_milestone_kind(obj: ReceivablePlanLine) -> str:
        return obj.milestone.kind

    @staticmethod
    def resolve_milestone_name(obj: ReceivablePlanLine) -> str:
        return str(obj.milestone)

    @staticmethod
    def resolve_version(obj: ReceivablePlanLine) -> int:
        return obj.milestone.version.number

    @staticmethod
    def resolve_billable(obj: ReceivablePlanLine) -> bool:
        return obj.trigger_date is not None


class TriggerIn(Schema):
    trigger_date: datetime.date


@router.get(
    "/{contract_id}/plan",
    response={200: list[PlanLineOut], **ERROR_RESPONSES},
    summary="The receivable plan (the billing anchors) of the current version",
)
def plan_list(request: HttpRequest, contract_id: UUID) -> Any:
    contract = _get(request, contract_id)
    return list(contract.receivable_plan.select_related("milestone__version").order_by("milestone__position"))


@router.post(
    "/{contract_id}/plan/{line_id}/trigger",
    response={200: PlanLineOut, **ERROR_RESPONSES},
    summary="Record the date a plan line's trigger event happened (the due date follows)",
)
def plan_trigger(request: HttpRequest, contract_id: UUID, line_id: UUID, payload: TriggerIn) -> Any:
    line = services.receivable_trigger_record(
        actor=request.user,
        contract=_get(request, contract_id),
        plan_line_id=line_id,
        trigger_date=payload.trigger_date,
    )
    return ReceivablePlanLine.objects.select_related("milestone__version").get(pk=line.pk)
