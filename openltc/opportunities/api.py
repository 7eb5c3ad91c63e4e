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
    grade_computed: str
    grade_score: Decimal | None
    grade_override_reason: str
    margin_pct: Decimal | None
    payment_risk: str
    competition: str
    complexity: str
    solution_preference: str
    price_position: str
    competitor_status: str
    project_type: str
    lead_department_id: int | None
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
    margin_pct: Decimal | None = Field(None, ge=-100, le=100, max_digits=6, decimal_places=2)
    payment_risk: str | None = Field(None, description="low, medium, high or empty")
    competition: str | None = Field(None, description="low, medium, high or empty")
    complexity: str | None = Field(None, description="low, medium, high or empty")
    solution_preference: str | None = Field(None, description="ours, neutral, competitor or empty")
    price_position: str | None = Field(None, description="lower, similar, higher or empty")
    competitor_status: str | None = Field(None, description="none, weak, strong, incumbent or empty")


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


class BoardStageOut(Schema):
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


def _choice_inputs() -> dict[str, list[str]]:
    from openltc.opportunities.choices import CompetitorStatus, Level, PricePosition, SolutionPreference
    from openltc.opportunities.models import PAYMENT_RISK_CHOICES

    return {
        "payment_risk": [v for v, _label in PAYMENT_RISK_CHOICES],
        "competition": list(Level.values),
        "complexity": list(Level.values),
        "solution_preference": list(SolutionPreference.values),
        "price_position": list(PricePosition.values),
        "competitor_status": list(CompetitorStatus.values),
    }


CHOICE_INPUTS = _choice_inputs()


def _choice(key: str, value: str | None) -> str:
    value = (value or "").strip()
    if value and value not in CHOICE_INPUTS[key]:
        raise _invalid(key, _("Choose one of: %(choices)s.") % {"choices": ", ".join(CHOICE_INPUTS[key])})
    return value


def _reload(user: Any, opportunity: Opportunity) -> Opportunity:
    return selectors.opportunity_get(user=user, pk=opportunity.pk)


@router.get(
    "/pipeline",
    response={200: list[BoardStageOut], **ERROR_RESPONSES},
    summary="Pipeline summary: count and amount per stage",
)
def pipeline_summary(request: HttpRequest, filters: Query[OpportunityFilters]) -> Any:
    return selectors.pipeline_summary(user=request.user, filters=filters.dict(exclude_none=True))


class PortfolioPointOut(Schema):
    id: UUID
    number: str
    title: str
    grade: str | None
    stage: str
    attractiveness: Decimal | None
    criteria_scored: int
    success_probability: Decimal | None


@router.get(
    "/portfolio",
    response={200: list[PortfolioPointOut], **ERROR_RESPONSES},
    summary="Portfolio: attractiveness and estimated success probability of the open opportunities",
)
def portfolio(request: HttpRequest, filters: Query[OpportunityFilters]) -> Any:
    points = selectors.portfolio(user=request.user, filters=filters.dict(exclude_none=True))
    return [
        {
            "id": p["opportunity"].pk,
            "number": p["opportunity"].number,
            "title": p["opportunity"].title,
            "grade": p["opportunity"].grade,
            "stage": p["opportunity"].stage,
            "attractiveness": p["attractiveness"],
            "criteria_scored": p["scored"],
            "success_probability": p["success"],
        }
        for p in points
    ]


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
        elif key in CHOICE_INPUTS:
            data[key] = _choice(key, value)
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


# --- grading, evaluation, initiation ------------------------------------------------------------


class GradeOverrideIn(Schema):
    grade: str = Field("", description="A, B or C; empty clears the override")
    reason: str = Field("", max_length=500)
    lock_version: int | None = None


class FactorOut(Schema):
    code: str
    label: str
    input: str
    known: bool
    points: int | None
    weight: str
    contribution: str | None
    min_grade: str


class ScoreOut(Schema):
    score: Decimal | None
    factors: list[FactorOut]


class ExitCriterionOut(Schema):
    code: str
    name: str
    group: str
    weight: Decimal
    score: int | None
    note: str


class AttractivenessOut(Schema):
    score: Decimal | None
    criteria: list[ExitCriterionOut]


class GradingOut(Schema):
    grade: str | None
    computed_grade: str
    score: Decimal | None
    overridden: bool
    override_reason: str
    explanation: list[str]
    factors: list[FactorOut]
    required_roles: list[str]
    review_depth: str


class AssessmentOut(Schema):
    grading: GradingOut
    attractiveness: AttractivenessOut
    success_probability: ScoreOut
    payment_ability: ScoreOut


class ScoreIn(Schema):
    criterion: str
    score: int | None = Field(None, description="1–5; null clears the score")
    note: str = Field("", max_length=500)


class EvaluationIn(Schema):
    scores: list[ScoreIn]


class CharterIn(Schema):
    project_type: str | None = None
    lead_department_id: int | None = None
    background: str | None = None
    goals: str | None = None
    scope: str | None = None
    milestones: str | None = None
    resources: str | None = None
    risks: str | None = None
    lock_version: int | None = None


class CharterOut(Schema):
    project_type: str
    lead_department_id: int | None
    background: str
    goals: str
    scope: str
    milestones: str
    resources: str
    risks: str
    lock_version: int


class AppointIn(Schema):
    note: str = ""


class AppointmentOut(Schema):
    id: UUID
    number: str
    grade: str
    appointed_by_id: int
    appointed_at: datetime.datetime
    members: list[dict[str, Any]]
    note: str


def _assessment(opportunity: Opportunity) -> dict[str, Any]:
    from dataclasses import asdict

    data = selectors.assessment_for(opportunity)
    grading = data["grading"] or {}
    setting = data["grade_setting"]
    return {
        "grading": {
            "grade": opportunity.grade,
            "computed_grade": opportunity.grade_computed,
            "score": opportunity.grade_score,
            "overridden": opportunity.grade_is_overridden,
            "override_reason": opportunity.grade_override_reason,
            "explanation": grading.get("lines", []),
            "factors": grading.get("factors", []),
            "required_roles": list(setting.required_roles) if setting else [],
            "review_depth": setting.review_depth if setting else "",
        },
        "attractiveness": {
            "score": data["attractiveness"].score,
            "criteria": [
                {
                    "code": r.code,
                    "name": r.name,
                    "group": r.group,
                    "weight": r.weight,
                    "score": r.score,
                    "note": r.note,
                }
                for r in data["attractiveness"].rows
            ],
        },
        "success_probability": {
            "score": data["success"].score,
            "factors": [asdict(f) for f in data["success"].factors],
        },
        "payment_ability": {
            "score": data["payment"].score,
            "factors": [asdict(f) for f in data["payment"].factors],
        },
    }


@router.post(
    "/{opportunity_id}/grade",
    response={200: OpportunityOut, **ERROR_RESPONSES},
    summary="Compute the grade from the configured factors and thresholds",
)
def opportunity_grade(request: HttpRequest, opportunity_id: UUID) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    services.opportunity_grade(actor=request.user, opportunity=opportunity)
    return _reload(request.user, opportunity)


@router.post(
    "/{opportunity_id}/grade/override",
    response={200: OpportunityOut, **ERROR_RESPONSES},
    summary="Override the grade with a reason (managers; an empty grade clears the override)",
)
def opportunity_grade_override(request: HttpRequest, opportunity_id: UUID, payload: GradeOverrideIn) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    services.opportunity_grade_override(
        actor=request.user,
        opportunity=opportunity,
        grade=payload.grade,
        reason=payload.reason,
        expected_version=payload.lock_version,
    )
    return _reload(request.user, opportunity)


@router.get(
    "/{opportunity_id}/assessment",
    response={200: AssessmentOut, **ERROR_RESPONSES},
    summary="Grade with its explanation, attractiveness, success probability and payment ability",
)
def opportunity_assessment(request: HttpRequest, opportunity_id: UUID) -> Any:
    return _assessment(selectors.opportunity_get(user=request.user, pk=opportunity_id))


@router.put(
    "/{opportunity_id}/evaluation",
    response={200: AssessmentOut, **ERROR_RESPONSES},
    summary="Score the evaluation criteria (1–5 with a note; null clears)",
)
def opportunity_evaluation(request: HttpRequest, opportunity_id: UUID, payload: EvaluationIn) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    services.evaluation_save(
        actor=request.user,
        opportunity=opportunity,
        scores={s.criterion: (s.score, s.note) for s in payload.scores},
    )
    return _assessment(_reload(request.user, opportunity))


def _charter_out(opportunity: Opportunity) -> dict[str, Any]:
    charter = selectors.charter_for(opportunity)
    texts = {name: getattr(charter, name) if charter else "" for name in services.CHARTER_FIELDS}
    return {
        "project_type": opportunity.project_type,
        "lead_department_id": opportunity.lead_department_id,
        **texts,
        "lock_version": charter.lock_version if charter else 0,
    }


@router.get(
    "/{opportunity_id}/charter",
    response={200: CharterOut, **ERROR_RESPONSES},
    summary="The initiation application and project charter",
)
def charter_get(request: HttpRequest, opportunity_id: UUID) -> Any:
    return _charter_out(selectors.opportunity_get(user=request.user, pk=opportunity_id))


@router.put(
    "/{opportunity_id}/charter",
    response={200: CharterOut, **ERROR_RESPONSES},
    summary="Save the initiation application (project type, lead department) and the charter",
)
def charter_put(request: HttpRequest, opportunity_id: UUID, payload: CharterIn) -> Any:
    from openltc.org.models import OrgUnit

    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    raw = payload.dict(exclude_unset=True)
    version = raw.pop("lock_version", None)
    data: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "lead_department_id":
            in_range = value is not None and 0 < value < 2**31
            department = OrgUnit.objects.filter(pk=value).first() if in_range else None
            if value is not None and department is None:
                raise _invalid("lead_department_id", _("Choose an active department."))
            data["lead_department"] = department
        else:
            data[key] = value or ""
    services.charter_save(actor=request.user, opportunity=opportunity, data=data, expected_version=version)
    return _charter_out(_reload(request.user, opportunity))


@router.get(
    "/{opportunity_id}/appointments",
    response={200: list[AppointmentOut], **ERROR_RESPONSES},
    summary="Team appointments (项目组任命), newest first",
)
def appointment_list(request: HttpRequest, opportunity_id: UUID) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    return list(selectors.appointments_for(opportunity))


@router.post(
    "/{opportunity_id}/appointments",
    response={201: AppointmentOut, **ERROR_RESPONSES},
    summary="Appoint the team as it stands (needs the iron triangle and the grade's roles)",
)
def appointment_create(request: HttpRequest, opportunity_id: UUID, payload: AppointIn) -> Any:
    opportunity = selectors.opportunity_get(user=request.user, pk=opportunity_id)
    return Status(201, services.team_appoint(actor=request.user, opportunity=opportunity, note=payload.note))
