"""Leads API: CRUD plus the lifecycle actions, calling the same services as the pages."""

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
from openltc.core.errors import DomainError, NotFound
from openltc.core.services import as_stored
from openltc.leads import selectors, services, workflow
from openltc.leads.models import Lead, NurturingCriterion
from openltc.leads.scoring import explain

PREFIX = "/leads"
router = Router(tags=["Leads"])


# --- schemas ------------------------------------------------------------------------------------


class ElementFields(Schema):
    pain_text: str = ""
    pain_status: str = "unconfirmed"
    pain_evidence: str = ""
    solution_text: str = ""
    solution_status: str = "unconfirmed"
    solution_evidence: str = ""
    relationship_text: str = ""
    relationship_status: str = "unconfirmed"
    relationship_evidence: str = ""
    budget_text: str = ""
    budget_status: str = "unconfirmed"
    budget_evidence: str = ""


class LeadSummaryOut(Schema):
    id: UUID
    title: str
    status: str
    source: str
    company: str
    customer_id: UUID | None
    contact_name: str
    contact_phone: str
    contact_email: str
    product_line_id: int | None
    country_id: int | None
    org_unit_id: int
    owner_id: int | None
    estimated_value: Decimal | None
    currency: str
    expected_date: datetime.date | None
    maturity: str
    score: int
    last_activity_at: datetime.datetime | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_company(obj: Any) -> str:
        return obj["company"] if isinstance(obj, dict) else obj.display_company


class ExplanationOut(Schema):
    factor: str
    value: str
    points: int
    text: str


class ActionOut(Schema):
    code: str
    label: str
    allowed: bool
    reasons: list[str]


class LeadOut(LeadSummaryOut, ElementFields):
    company_name: str
    contact_id: UUID | None
    source_detail: str
    strategic_fit: str
    validation_note: str
    duplicates_checked_at: datetime.datetime | None
    duplicate_hits: list[dict[str, Any]]
    disqualify_reason: str
    disqualify_note: str
    pool_reason: str
    score_explanation: list[ExplanationOut]
    assigned_at: datetime.datetime | None
    first_contact_due_at: datetime.datetime | None
    first_contacted_at: datetime.datetime | None
    overdue: bool
    converted_at: datetime.datetime | None
    converted_by_id: int | None
    lock_version: int
    updated_at: datetime.datetime
    available_actions: list[ActionOut]


class LeadCreateIn(ElementFields):
    title: str = Field(..., min_length=1, max_length=200)
    source: str
    source_detail: str = ""
    customer_id: UUID | None = None
    company_name: str = ""
    contact_id: UUID | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    product_line_id: int | None = None
    country_id: int | None = None
    org_unit_id: int | None = None
    owner_id: int | None = None
    estimated_value: Decimal | None = None
    currency: str = "CNY"
    expected_date: datetime.date | None = None
    maturity: str = ""


class LeadUpdateIn(Schema):
    lock_version: int | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    source: str | None = None
    source_detail: str | None = None
    customer_id: UUID | None = None
    company_name: str | None = None
    contact_id: UUID | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    product_line_id: int | None = None
    country_id: int | None = None
    estimated_value: Decimal | None = None
    currency: str | None = None
    expected_date: datetime.date | None = None
    maturity: str | None = None
    pain_text: str | None = None
    pain_status: str | None = None
    pain_evidence: str | None = None
    solution_text: str | None = None
    solution_status: str | None = None
    solution_evidence: str | None = None
    relationship_text: str | None = None
    relationship_status: str | None = None
    relationship_evidence: str | None = None
    budget_text: str | None = None
    budget_status: str | None = None
    budget_evidence: str | None = None


class LeadListFilters(Schema):
    q: str = ""
    status: str = ""
    maturity: str = ""
    source: str = ""
    owner: str = Field("", description='A user id, "me" or "none" (the pool).')
    product_line: str = ""
    org_unit: str = ""
    stale: bool = False
    overdue: bool = False
    sort: str = "-created"


class ValidateIn(Schema):
    strategic_fit: str
    maturity: str
    note: str = ""


class AssignIn(Schema):
    owner_id: int
    reason: str = ""


class DisqualifyIn(Schema):
    reason: str = ""
    note: str = ""


class ReturnToPoolIn(Schema):
    reason: str = ""


class ActivityIn(Schema):
    kind: str
    summary: str = Field(..., min_length=1, max_length=300)
    occurred_at: datetime.datetime | None = None
    outcome: str = "neutral"
    next_step: str = ""
    next_step_date: datetime.date | None = None


class ActivityOut(Schema):
    id: UUID
    kind: str
    summary: str
    occurred_at: datetime.datetime
    outcome: str
    next_step: str
    next_step_date: datetime.date | None
    created_by_id: int | None


class CriterionIn(Schema):
    checked: bool
    note: str = ""


class CriterionOut(Schema):
    criterion_id: int
    code: str
    text: str
    checked: bool
    note: str
    checked_by_id: int | None
    checked_at: datetime.datetime | None


class MergeIn(Schema):
    merge_id: UUID


class ConvertIn(Schema):
    title: str = ""
    amount: Decimal | None = None
    currency: str = ""
    expected_close_date: datetime.date | None = None


class ConvertOut(Schema):
    lead: LeadOut
    opportunity_id: UUID


# --- helpers ------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _resolve(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    """Turns ``*_id`` keys into records the user may use; unknown ids are field errors."""
    from openltc.customers.models import Contact, Customer
    from openltc.org.models import Country, OrgUnit, ProductLine, User

    lookups: dict[str, Any] = {
        "customer": lambda pk: Customer.objects.restrict(user).get(pk=pk),
        "contact": lambda pk: Contact.objects.restrict(user).get(pk=pk),
        "product_line": lambda pk: ProductLine.objects.get(pk=pk),
        "country": lambda pk: Country.objects.get(pk=pk),
        "org_unit": lambda pk: OrgUnit.objects.get(pk=pk),
        "owner": lambda pk: User.objects.get(pk=pk, is_active=True),
    }
    data: dict[str, Any] = {}
    for key, value in raw.items():
        name = key[:-3] if key.endswith("_id") else key
        if name in lookups and key.endswith("_id"):
            if value is None:
                data[name] = None
                continue
            try:
                data[name] = lookups[name](value)
            except Exception:  # noqa: BLE001 - any lookup failure is the same "unknown" to the caller
                raise _invalid(key, _("Unknown or not visible to you.")) from None
        else:
            data[name] = value
    return data


def _out(user: Any, lead: Lead, *, reread: bool = True) -> dict[str, Any]:
    """The lead as the API shows it. ``reread=False`` answers from the instance the service has just
    saved (a capture): every field the response shows is on it, so reading it back through the
    visibility filter would only cost the request's largest query."""
    if reread:
        try:
            fresh = selectors.lead_get_for_user(user=user, pk=lead.pk)
        except NotFound:  # the action moved the lead out of the caller's sight; answer with what it did
            fresh = lead
    else:
        fresh = as_stored(lead)
    data = {field: getattr(fresh, field) for field in LeadOut.model_fields if hasattr(fresh, field)}
    data.update(
        company=fresh.display_company,
        score_explanation=explain(fresh),
        overdue=fresh.is_overdue(),
        available_actions=[
            {"code": a.code, "label": a.label, "allowed": a.allowed, "reasons": a.reasons}
            for a in workflow.available_actions(fresh, user)
        ],
    )
    return data


def _get(request: HttpRequest, lead_id: UUID) -> Lead:
    return selectors.lead_get_for_user(user=request.user, pk=lead_id)


# --- CRUD ---------------------------------------------------------------------------------------


@router.get("", response={200: list[LeadSummaryOut], **ERROR_RESPONSES}, summary="List leads")
@paginate(PageNumber)
def lead_list(request: HttpRequest, filters: Query[LeadListFilters]) -> Any:
    return selectors.lead_list(user=request.user, filters=selectors.LeadFilters.from_mapping(filters.dict()))


class InboundMailOut(Schema):
    status: str = Field(..., description="captured, or duplicate when this Message-ID made a lead before.")
    message_id: str
    lead_id: UUID | None


RAW_MAIL_BODY = {
    "requestBody": {
        "required": True,
        "description": "The raw message as received (RFC 822 / MIME), headers and body; any content type.",
        "content": {
            "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "/inbound-mail",
    response={201: InboundMailOut, 200: InboundMailOut, **ERROR_RESPONSES},
    summary="Capture a lead from a raw e-mail (for mail gateways)",
    openapi_extra=RAW_MAIL_BODY,
)
def lead_inbound_mail(request: HttpRequest) -> Any:
    from openltc.leads.inbound import DUPLICATE, FAILED, lead_capture_from_mail

    outcome = lead_capture_from_mail(actor=request.user, raw=request.body, channel="api")
    if outcome.status == FAILED:
        raise DomainError(outcome.error, extra={"message_id": outcome.message_id})
    lead_id = outcome.lead.pk if outcome.lead is not None else None
    visible = lead_id is not None and selectors.leads_visible(request.user).filter(pk=lead_id).exists()
    body = {
        "status": outcome.status,
        "message_id": outcome.message_id,
        "lead_id": lead_id if visible else None,
    }
    return Status(200 if outcome.status == DUPLICATE else 201, body)


@router.get("/{lead_id}", response={200: LeadOut, **ERROR_RESPONSES}, summary="One lead")
def lead_get(request: HttpRequest, lead_id: UUID) -> Any:
    return _out(request.user, _get(request, lead_id))


@router.post("", response={201: LeadOut, **ERROR_RESPONSES}, summary="Capture a lead")
def lead_create(request: HttpRequest, payload: LeadCreateIn) -> Any:
    lead = services.lead_create(actor=request.user, data=_resolve(request.user, payload.dict()))
    return Status(201, _out(request.user, lead, reread=False))


@router.patch("/{lead_id}", response={200: LeadOut, **ERROR_RESPONSES}, summary="Edit a lead")
def lead_update(request: HttpRequest, lead_id: UUID, payload: LeadUpdateIn) -> Any:
    lead = _get(request, lead_id)
    raw = payload.dict(exclude_unset=True)
    version = raw.pop("lock_version", None)
    lead = services.lead_update(
        actor=request.user, lead=lead, data=_resolve(request.user, raw), expected_version=version
    )
    return _out(request.user, lead)


@router.delete(
    "/{lead_id}", response={204: None, **ERROR_RESPONSES}, summary="Delete a lead captured by mistake"
)
def lead_delete(request: HttpRequest, lead_id: UUID) -> Any:
    services.lead_delete(actor=request.user, lead=_get(request, lead_id))
    return Status(204, None)


# --- actions ------------------------------------------------------------------------------------


@router.post(
    "/{lead_id}/validate", response={200: LeadOut, **ERROR_RESPONSES}, summary="Record the validation"
)
def lead_validate(request: HttpRequest, lead_id: UUID, payload: ValidateIn) -> Any:
    lead = services.lead_validate(actor=request.user, lead=_get(request, lead_id), **payload.dict())
    return _out(request.user, lead)


@router.post("/{lead_id}/accept", response={200: LeadOut, **ERROR_RESPONSES}, summary="Accept for nurturing")
def lead_accept(request: HttpRequest, lead_id: UUID) -> Any:
    return _out(request.user, services.lead_accept(actor=request.user, lead=_get(request, lead_id)))


@router.post("/{lead_id}/assign", response={200: LeadOut, **ERROR_RESPONSES}, summary="Assign or reassign")
def lead_assign(request: HttpRequest, lead_id: UUID, payload: AssignIn) -> Any:
    lead = _get(request, lead_id)  # first: an invisible lead is 404 whatever the body says
    owner = _resolve(request.user, {"owner_id": payload.owner_id})["owner"]
    lead = services.lead_assign(actor=request.user, lead=lead, owner=owner, reason=payload.reason)
    return _out(request.user, lead)


@router.post("/{lead_id}/claim", response={200: LeadOut, **ERROR_RESPONSES}, summary="Claim a pool lead")
def lead_claim(request: HttpRequest, lead_id: UUID) -> Any:
    return _out(request.user, services.lead_claim(actor=request.user, lead=_get(request, lead_id)))


@router.post(
    "/{lead_id}/distribute", response={200: LeadOut, **ERROR_RESPONSES}, summary="Assign by the rules"
)
def lead_distribute(request: HttpRequest, lead_id: UUID) -> Any:
    return _out(request.user, services.lead_distribute(actor=request.user, lead=_get(request, lead_id)))


@router.get(
    "/{lead_id}/activities",
    response={200: list[ActivityOut], **ERROR_RESPONSES},
    summary="Follow-up activities",
)
def lead_activity_list(request: HttpRequest, lead_id: UUID) -> Any:
    return list(selectors.lead_activities(_get(request, lead_id)))


@router.post(
    "/{lead_id}/activities",
    response={201: ActivityOut, **ERROR_RESPONSES},
    summary="Log a follow-up (nurture)",
)
def lead_activity_add(request: HttpRequest, lead_id: UUID, payload: ActivityIn) -> Any:
    activity = services.lead_activity_add(
        actor=request.user, lead=_get(request, lead_id), data=payload.dict()
    )
    return Status(201, activity)


def _checklist(lead: Lead) -> list[dict[str, Any]]:
    return [
        {
            "criterion_id": row.criterion.pk,
            "code": row.criterion.code,
            "text": row.criterion.text,
            "checked": row.checked,
            "note": row.check.note if row.check else "",
            "checked_by_id": row.check.checked_by_id if row.check else None,
            "checked_at": row.check.checked_at if row.check else None,
        }
        for row in selectors.lead_checklist(lead)
    ]


@router.get(
    "/{lead_id}/criteria",
    response={200: list[CriterionOut], **ERROR_RESPONSES},
    summary="Nurturing checklist",
)
def lead_criteria(request: HttpRequest, lead_id: UUID) -> Any:
    return _checklist(_get(request, lead_id))


@router.post(
    "/{lead_id}/criteria/{criterion_id}",
    response={200: list[CriterionOut], **ERROR_RESPONSES},
    summary="Tick or untick a nurturing criterion",
)
def lead_criterion_set(request: HttpRequest, lead_id: UUID, criterion_id: int, payload: CriterionIn) -> Any:
    lead = _get(request, lead_id)
    criterion = NurturingCriterion.objects.filter(pk=criterion_id).first()
    if criterion is None:
        raise _invalid("criterion_id", _("Unknown criterion."))
    services.lead_criterion_set(
        actor=request.user, lead=lead, criterion=criterion, checked=payload.checked, note=payload.note
    )
    return _checklist(lead)


@router.post("/{lead_id}/qualify", response={200: LeadOut, **ERROR_RESPONSES}, summary="Qualify")
def lead_qualify(request: HttpRequest, lead_id: UUID) -> Any:
    return _out(request.user, services.lead_qualify(actor=request.user, lead=_get(request, lead_id)))


@router.post("/{lead_id}/disqualify", response={200: LeadOut, **ERROR_RESPONSES}, summary="Disqualify")
def lead_disqualify(request: HttpRequest, lead_id: UUID, payload: DisqualifyIn) -> Any:
    lead = services.lead_disqualify(actor=request.user, lead=_get(request, lead_id), **payload.dict())
    return _out(request.user, lead)


@router.post(
    "/{lead_id}/return-to-pool", response={200: LeadOut, **ERROR_RESPONSES}, summary="Return to the pool"
)
def lead_return_to_pool(request: HttpRequest, lead_id: UUID, payload: ReturnToPoolIn) -> Any:
    lead = services.lead_return_to_pool(
        actor=request.user, lead=_get(request, lead_id), reason=payload.reason
    )
    return _out(request.user, lead)


@router.post(
    "/{lead_id}/merge",
    response={200: LeadOut, **ERROR_RESPONSES},
    summary="Merge a duplicate lead into this one",
)
def lead_merge(request: HttpRequest, lead_id: UUID, payload: MergeIn) -> Any:
    keep = _get(request, lead_id)
    duplicate = _get(request, payload.merge_id)
    return _out(request.user, services.lead_merge(actor=request.user, keep=keep, merge=duplicate))


@router.post(
    "/{lead_id}/convert", response={200: ConvertOut, **ERROR_RESPONSES}, summary="Convert into an opportunity"
)
def lead_convert(request: HttpRequest, lead_id: UUID, payload: ConvertIn) -> Any:
    data = {k: v for k, v in payload.dict().items() if v not in (None, "")}
    lead, opportunity = services.lead_convert(actor=request.user, lead=_get(request, lead_id), **data)
    return {"lead": _out(request.user, lead), "opportunity_id": opportunity.pk}
