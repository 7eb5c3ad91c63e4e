"""Opportunity endpoints: the same selectors and services as the pages, the same rules and errors."""

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
from openltc.core.errors import DomainError
from openltc.opportunities import selectors, services
from openltc.opportunities.models import Opportunity, OpportunityTeamMember

PREFIX = "/opportunities"
router = Router(tags=["Opportunities"])


class OpportunityOut(Schema):
    id: UUID
    number: str
    title: str
    customer_id: UUID
    customer_name: str
    contact_id: UUID | None
    origin_lead_id: UUID | None
    product_line_ids: list[int]
    amount: Decimal
    currency: str
    expected_close_date: datetime.date | None
    stage: str
    stage_label: str
    stage_entered_at: datetime.datetime
    probability: int
    probability_reason: str
    forecast_category: str
    competitors: list[str]
    owner_id: int
    owner_name: str
    org_unit_id: int
    grade: str | None
    close_reason: str
    close_competitor: str
    close_note: str
    closed_at: datetime.datetime | None
    lock_version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_customer_name(obj: Opportunity) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_owner_name(obj: Opportunity) -> str:
        return str(obj.owner)

    @staticmethod
    def resolve_stage_label(obj: Opportunity) -> str:
        return str(obj.get_stage_display())

    @staticmethod
    def resolve_product_line_ids(obj: Opportunity) -> list[int]:
        return [p.pk for p in obj.product_lines.all()]


class OpportunityFilters(Schema):
    q: str | None = Field(None, description="Number, title or customer name contains")
    stage: str | None = Field(None, description="A stage code, or 'open'")
    owner: str | None = Field(None, description="'me' or a user id")
    org_unit: int | None = Field(None, description="Org unit id; its subtree is included")
    forecast_category: str | None = None
    close_month: str | None = Field(None, description="Expected close month, YYYY-MM")
    overdue: bool | None = Field(None, description="Open and past the expected close date")
    stuck: bool | None = Field(None, description="Longer in the stage than its norm")


class OpportunityCreateIn(Schema):
    customer_id: UUID
    title: str = Field(..., min_length=1, max_length=200)
    amount: Decimal = Field(..., ge=0, max_digits=18, decimal_places=2)
    currency: str = Field("CNY", min_length=3, max_length=3)
    org_unit_id: int | None = Field(None, description="Defaults to the caller's home unit")
    owner_id: int | None = Field(None, description="Defaults to the caller")
    expected_close_date: datetime.date | None = None
    product_line_ids: list[int] = []
    contact_id: UUID | None = None
    competitors: list[str] = []


class OpportunityUpdateIn(Schema):
    lock_version: int = Field(..., description="The version you read; a stale version gives 409")
    title: str | None = Field(None, min_length=1, max_length=200)
    contact_id: UUID | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3)
    expected_close_date: datetime.date | None = None
    product_line_ids: list[int] | None = None
    competitors: list[str] | None = None


class ProbabilityIn(Schema):
    probability: int = Field(..., ge=0, le=100)
    reason: str = Field(..., max_length=500)
    lock_version: int | None = None


class ForecastCategoryIn(Schema):
    category: str
    lock_version: int | None = None


class CloseLostIn(Schema):
    reason_code: str
    competitor: str = Field("", max_length=200)
    note: str = ""
    lock_version: int | None = None


class AbandonIn(Schema):
    reason_code: str
    note: str = ""
    lock_version: int | None = None


class AdvanceIn(Schema):
    to_stage: str
    lock_version: int | None = None


class TeamMemberIn(Schema):
    user_id: int
    role: str


class TeamMemberOut(Schema):
    id: UUID
    user_id: int
    user_name: str
    role: str
    role_label: str
    joined_at: datetime.datetime

    @staticmethod
    def resolve_user_name(obj: OpportunityTeamMember) -> str:
        return str(obj.user)

    @staticmethod
    def resolve_role_label(obj: OpportunityTeamMember) -> str:
        return str(obj.get_role_display())


class AmountOut(Schema):
    currency: str
    total: Decimal


class PipelineStageOut(Schema):
    stage: str
    label: str
    count: int
    amounts: list[AmountOut]


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _product_lines(ids: list[int]) -> list[Any]:
    from openltc.org.models import ProductLine

    lines = list(ProductLine.objects.filter(pk__in=set(ids), is_active=True))
    if len(lines) != len(set(ids)):
        raise _invalid("product_line_ids", _("Choose active product lines."))
    return lines


def _contact(contact_id: UUID | None) -> Any:
    from openltc.customers.models import Contact

    if contact_id is None:
        return None
    contact = Contact.objects.filter(pk=contact_id, merged_into__isnull=True).first()
    if contact is None:
        raise _invalid("contact_id", _("Choose a contact of the customer."))
    return contact


def _reload(user: Any, opportunity: Opportunity) -> Opportunity:
    return selectors.opportunity_get(user=user, pk=opportunity.pk)


@router.get(
    "/pipeline",
    response={200: list[PipelineStageOut], **ERROR_RESPONSES},
    summary="Pipeline summary: count and amount per stage",
)
def pipeline_summary(request: HttpRequest, filters: Query[OpportunityFilters]) -> Any:
    return selectors.pipeline_summary(user=request.user, filters=filters.dict(exclude_none=True))


@router.get("", response={200: list[OpportunityOut], **ERROR_RESPONSES}, summary="List opportunities")
@paginate(PageNumber)
def opportunity_list(request: HttpRequest, filters: Query[OpportunityFilters]) -> Any:
    return selectors.opportunity_list(
        user=request.user, filters=filters.dict(exclude_none=True)
    ).prefetch_related("product_lines")


@router.get("/{opportunity_id}", response={200: OpportunityOut, **ERROR_RESPONSES}, summary="One opportunity")
def opportunity_get(request: HttpRequest, opportunity_id: UUID) -> Any:
    return selectors.opportunity_get(user=request.user, pk=opportunity_id)


@router.post("", response={201: OpportunityOut, **ERROR_RESPONSES}, summary="Create an opportunity")
def opportunity_create(request: HttpRequest, payload: OpportunityCreateIn) -> Any:
    from openltc.customers.models import Customer
    from openltc.org.models import OrgUnit, User

    user: Any = request.user
    customer = Customer.objects.filter(pk=payload.customer_id).first()
    owner = user if payload.owner_id is None else User.objects.filter(pk=payload.owner_id).first()
    unit_id = payload.org_unit_id or user.home_unit_id
    org_unit = OrgUnit.objects.filter(pk=unit_id, is_active=True).first() if unit_id else None
    if org_unit is None:
        raise _invalid("org_unit_id", _("Choose an active org unit."))
    opportunity = services.opportunity_create(
        actor=user,
        customer=customer,
        title=payload.title,
        amount=payload.amount,
        currency=payload.currency,
        owner=owner,
        org_unit=org_unit,
        expected_close_date=payload.expected_close_date,
        product_lines=_product_lines(payload.product_line_ids),
        contact=_contact(payload.contact_id),
        competitors=payload.competitors,
    )
    return Status(201, _reload(user, opportunity))


@router.patch(
    "/{opportunity_id}",
    response={200: OpportunityOut, **ERROR_RESPONSES},
    summary="Update an opportunity (optimistic lock: send lock_version)",
)
def opportunity_update(request: HttpRequest, opportunity_id: UUID, payload: OpportunityUpdateIn) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    raw = payload.dict(exclude_unset=True)
    version = raw.pop("lock_version")
    data: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "contact_id":
            data["contact"] = _contact(value)
        elif key == "product_line_ids":
            data["product_lines"] = _product_lines(value or [])
        elif value is None and key in ("title", "amount", "currency"):
            raise _invalid(key, _("This field cannot be empty."))
        else:
            data[key] = value
    services.opportunity_update(
        actor=request.user, opportunity=opportunity, data=data, expected_version=version
    )
    return _reload(request.user, opportunity)


@router.post(
    "/{opportunity_id}/probability",
    response={200: OpportunityOut, **ERROR_RESPONSES},
    summary="Adjust the probability within the stage band, with a reason",
)
def opportunity_probability(request: HttpRequest, opportunity_id: UUID, payload: ProbabilityIn) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    services.opportunity_adjust_probability(
        actor=request.user,
        opportunity=opportunity,
        probability=payload.probability,
        reason=payload.reason,
        expected_version=payload.lock_version,
    )
    return _reload(request.user, opportunity)


@router.post(
    "/{opportunity_id}/forecast-category",
    response={200: OpportunityOut, **ERROR_RESPONSES},
    summary="Set the forecast category",
)
def opportunity_forecast_category(
    request: HttpRequest, opportunity_id: UUID, payload: ForecastCategoryIn
) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    services.opportunity_set_forecast_category(
        actor=request.user,
        opportunity=opportunity,
        category=payload.category,
        expected_version=payload.lock_version,
    )
    return _reload(request.user, opportunity)


@router.post(
    "/{opportunity_id}/close-lost",
    response={200: OpportunityOut, **ERROR_RESPONSES},
    summary="Close as lost (reason code and winning competitor required)",
)
def opportunity_close_lost(request: HttpRequest, opportunity_id: UUID, payload: CloseLostIn) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    services.opportunity_close_lost(
        actor=request.user,
        opportunity=opportunity,
        reason_code=payload.reason_code,
        competitor=payload.competitor,
        note=payload.note,
        expected_version=payload.lock_version,
    )
    return _reload(request.user, opportunity)


@router.post(
    "/{opportunity_id}/abandon",
    response={200: OpportunityOut, **ERROR_RESPONSES},
    summary="Abandon (reason code required)",
)
def opportunity_abandon(request: HttpRequest, opportunity_id: UUID, payload: AbandonIn) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    services.opportunity_abandon(
        actor=request.user,
        opportunity=opportunity,
        reason_code=payload.reason_code,
        note=payload.note,
        expected_version=payload.lock_version,
    )
    return _reload(request.user, opportunity)


@router.post(
    "/{opportunity_id}/advance",
    response={200: OpportunityOut, **ERROR_RESPONSES},
    summary="Move to the next stage (needs the approved gate decision and the stage's guards)",
)
def opportunity_advance(request: HttpRequest, opportunity_id: UUID, payload: AdvanceIn) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    services.opportunity_advance(
        actor=request.user,
        opportunity=opportunity,
        to_stage=payload.to_stage,
        expected_version=payload.lock_version,
    )
    return _reload(request.user, opportunity)


@router.get(
    "/{opportunity_id}/team",
    response={200: list[TeamMemberOut], **ERROR_RESPONSES},
    summary="The opportunity's team",
)
def team_list(request: HttpRequest, opportunity_id: UUID) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    return list(opportunity.team_members.all())


@router.post(
    "/{opportunity_id}/team",
    response={201: TeamMemberOut, **ERROR_RESPONSES},
    summary="Add a team member",
)
def team_member_add(request: HttpRequest, opportunity_id: UUID, payload: TeamMemberIn) -> Any:
    from openltc.org.models import User

    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    member = services.team_member_add(
        actor=request.user,
        opportunity=opportunity,
        user=User.objects.filter(pk=payload.user_id).first(),
        role=payload.role,
    )
    return Status(201, member)


@router.delete(
    "/{opportunity_id}/team/{member_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Remove a team member (not the AR while they own the opportunity)",
)
def team_member_remove(request: HttpRequest, opportunity_id: UUID, member_id: UUID) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    services.team_member_remove(actor=request.user, opportunity=opportunity, member_id=member_id)
    return Status(204, None)
