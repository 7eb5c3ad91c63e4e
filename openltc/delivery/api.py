"""Delivery endpoints: the same selectors and services as the pages, the same rules and errors."""

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
from openltc.core.errors import DomainError
from openltc.delivery import selectors, services, workflow
from openltc.delivery.models import (
    ActionItem,
    DeliveryProject,
    DelphiSession,
    PlanItem,
    ProjectMember,
    QualityReview,
    ReviewFinding,
    Risk,
)

PREFIX = "/delivery"
router = Router(tags=["Delivery"])


# --- schemas ------------------------------------------------------------------------------------


class DeliveryMemberOut(Schema):
    id: UUID
    user_id: int
    user_name: str
    role: str

    @staticmethod
    def resolve_user_name(obj: ProjectMember) -> str:
        return str(obj.user)


class ProjectOut(Schema):
    id: UUID
    number: str
    name: str
    contract_id: UUID
    contract_number: str
    customer_name: str
    org_unit_id: int
    fr_id: int
    status: str
    status_label: str
    planned_start: datetime.date | None
    planned_finish: datetime.date | None
    currency: str
    summary: str
    lessons_learned: str
    customer_satisfaction: int | None
    closed_at: datetime.datetime | None
    lock_version: int
    created_at: datetime.datetime

    @staticmethod
    def resolve_contract_number(obj: DeliveryProject) -> str:
        return obj.contract.number

    @staticmethod
    def resolve_customer_name(obj: DeliveryProject) -> str:
        return obj.contract.customer.name

    @staticmethod
    def resolve_status_label(obj: DeliveryProject) -> str:
        return str(obj.get_status_display())


class ProjectDetailOut(ProjectOut):
    team: list[DeliveryMemberOut]
    unmet_for_closure: list[str]

    @staticmethod
    def resolve_team(obj: DeliveryProject) -> list[Any]:
        return list(obj.team.select_related("user"))

    @staticmethod
    def resolve_unmet_for_closure(obj: DeliveryProject) -> list[str]:
        return workflow.closure_reasons(obj, selectors.facts_for(obj))


class ProjectFilters(Schema):
    q: str | None = Field(None, description="Number, name, contract number or customer contains")
    status: str | None = None
    fr: str | None = Field(None, description="'me' or a user id")
    mine: str | None = Field(None, description="'1': projects I am in charge of or on the team of")


class ProjectCreateIn(Schema):
    contract_id: UUID
    fr_id: int
    name: str = Field("", max_length=200)
    planned_start: datetime.date | None = None
    planned_finish: datetime.date | None = None


class ProjectUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    fr_id: int | None = None
    planned_start: datetime.date | None = None
    planned_finish: datetime.date | None = None
    lock_version: int | None = None


class DeliveryMemberIn(Schema):
    user_id: int
    role: str


class DeliveryVersionIn(Schema):
    lock_version: int | None = None


class CloseIn(DeliveryVersionIn):
    summary: str = Field(..., max_length=10000)
    lessons_learned: str = Field("", max_length=10000)
    customer_satisfaction: int | None = Field(None, ge=1, le=5)


class PlanItemOut(Schema):
    id: UUID
    project_id: UUID
    stream: str
    kind: str
    name: str
    owner_id: int
    planned_start: datetime.date
    planned_finish: datetime.date
    actual_finish: datetime.date | None
    status: str
    progress: int
    plan_line_id: UUID | None
    planned_value: Decimal
    optimistic: Decimal | None
    most_likely: Decimal | None
    pessimistic: Decimal | None
    depends_on: list[UUID]
    accepted_on: datetime.date | None
    lock_version: int

    @staticmethod
    def resolve_depends_on(obj: PlanItem) -> list[UUID]:
        return [d.pk for d in obj.depends_on.all()]

    @staticmethod
    def resolve_accepted_on(obj: PlanItem) -> datetime.date | None:
        acceptance = getattr(obj, "acceptance", None)
        return acceptance.accepted_on if acceptance else None


class PlanItemIn(Schema):
    stream: str
    kind: str = "task"
    name: str = Field(..., min_length=1, max_length=200)
    owner_id: int
    planned_start: datetime.date
    planned_finish: datetime.date
    status: str = "not_started"
    progress: int = Field(0, ge=0, le=100)
    plan_line_id: UUID | None = None
    planned_value: Decimal = Field(Decimal("0"), ge=0, max_digits=18, decimal_places=2)
    depends_on: list[UUID] = []


class PlanItemUpdateIn(Schema):
    stream: str | None = None
    kind: str | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    owner_id: int | None = None
    planned_start: datetime.date | None = None
    planned_finish: datetime.date | None = None
    status: str | None = None
    progress: int | None = Field(None, ge=0, le=100)
    plan_line_id: UUID | None = None
    planned_value: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    depends_on: list[UUID] | None = None
    lock_version: int | None = None


class EstimateIn(Schema):
    optimistic: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    most_likely: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    pessimistic: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)


class PertTaskOut(Schema):
    item_id: UUID
    name: str
    expected: Decimal
    sigma: Decimal


class PertOut(Schema):
    tasks: list[PertTaskOut]
    total_expected: Decimal
    total_sigma: Decimal
    critical_chain: list[str]
    critical_expected: Decimal
    critical_sigma: Decimal
    by_date: datetime.date | None
    days: Decimal | None
    probability_pct: Decimal | None


class AcceptanceOut(Schema):
    id: UUID
    item_id: UUID
    accepted_on: datetime.date
    certificate_reference: str
    evidence_name: str
    notes: str


class RiskOut(Schema):
    id: UUID
    project_id: UUID
    title: str
    category: str
    description: str
    probability: int
    impact: int
    exposure: int
    owner_id: int
    response: str
    response_plan: str
    trigger: str
    status: str
    closed_at: datetime.datetime | None
    lock_version: int


class RiskIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    category: str
    description: str = Field("", max_length=5000)
    probability: int = Field(..., ge=1, le=5)
    impact: int = Field(..., ge=1, le=5)
    owner_id: int
    response: str
    response_plan: str = Field("", max_length=5000)
    trigger: str = Field("", max_length=300)
    status: str = "open"


class RiskUpdateIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    category: str | None = None
    description: str | None = Field(None, max_length=5000)
    probability: int | None = Field(None, ge=1, le=5)
    impact: int | None = Field(None, ge=1, le=5)
    owner_id: int | None = None
    response: str | None = None
    response_plan: str | None = Field(None, max_length=5000)
    trigger: str | None = Field(None, max_length=300)
    status: str | None = None
    lock_version: int | None = None


class DelphiIn(Schema):
    topic: str = Field(..., min_length=1, max_length=200)
    unit: str = Field("person-days", min_length=1, max_length=30)
    estimator_ids: list[int]
    plan_item_id: UUID | None = None


class RoundOut(Schema):
    round: int
    count: int
    low: Decimal
    high: Decimal
    mean: Decimal
    median: Decimal
    spread_pct: Decimal


class DelphiOut(Schema):
    id: UUID
    project_id: UUID
    topic: str
    unit: str
    moderator_id: int
    current_round: int
    status: str
    final_estimate: Decimal | None
    final_note: str
    rounds: list[RoundOut] = []
    converged: bool = False


class DelphiEstimateIn(Schema):
    value: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    assumptions: str = Field("", max_length=5000)


class DelphiFinishIn(Schema):
    final_estimate: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    note: str = Field("", max_length=5000)


class AnalogyIn(Schema):
    reference_id: UUID
    factor: Decimal = Field(..., ge=Decimal("0.01"), le=100, max_digits=6, decimal_places=3)
    rationale: str = Field("", max_length=5000)


class AnalogyOut(Schema):
    id: UUID
    reference_id: UUID
    reference_value: Decimal
    factor: Decimal
    estimate: Decimal
    rationale: str


class CostIn(Schema):
    stage: str
    category: str
    quality_cost: str = ""
    amount: Decimal = Field(..., ge=0, max_digits=18, decimal_places=2)
    entry_date: datetime.date
    description: str = Field("", max_length=300)


class CostOut(Schema):
    id: UUID
    stage: str
    category: str
    quality_cost: str
    amount: Decimal
    entry_date: datetime.date
    description: str


class CostRowOut(Schema):
    category: str
    estimate: Decimal
    budget: Decimal
    actual: Decimal
    final: Decimal
    actual_variance: Decimal
    final_variance: Decimal


class CostSummaryOut(Schema):
    currency: str
    rows: list[CostRowOut]
    cost_of_quality: dict[str, Decimal]
    bac: Decimal
    pv: Decimal
    ev: Decimal
    ac: Decimal
    spi: Decimal | None
    cpi: Decimal | None
    eac: Decimal | None


class QualityReviewIn(Schema):
    kind: str
    title: str = Field(..., min_length=1, max_length=200)
    review_date: datetime.date
    checklist: list[str] = []
    plan_item_id: UUID | None = None


class QualityReviewOut(Schema):
    id: UUID
    project_id: UUID
    kind: str
    title: str
    review_date: datetime.date
    checklist: list[dict[str, Any]]
    conclusion: str
    conclusion_notes: str


class ConcludeIn(Schema):
    conclusion: str
    notes: str = Field("", max_length=5000)
    passed_items: list[int] = []


class FindingIn(Schema):
    description: str = Field(..., min_length=1, max_length=300)
    severity: str
    owner_id: int
    due: datetime.date


class FindingOut(Schema):
    id: UUID
    review_id: UUID
    description: str
    severity: str
    owner_id: int
    due: datetime.date
    closed_at: datetime.datetime | None


class ActionIn(Schema):
    description: str = Field(..., min_length=1, max_length=300)
    owner_id: int
    due: datetime.date


class MeetingIn(Schema):
    kind: str
    title: str = Field(..., min_length=1, max_length=200)
    held_on: datetime.date
    minutes: str = Field("", max_length=20000)
    actions: list[ActionIn] = []


class DeliveryActionOut(Schema):
    id: UUID
    description: str
    owner_id: int
    due: datetime.date
    done_at: datetime.datetime | None


class MeetingOut(Schema):
    id: UUID
    project_id: UUID
    kind: str
    title: str
    held_on: datetime.date
    minutes: str
    actions: list[DeliveryActionOut]

    @staticmethod
    def resolve_actions(obj: Any) -> list[Any]:
        return list(obj.actions.all())


class WorkLogIn(Schema):
    day: datetime.date
    hours: Decimal = Field(..., ge=Decimal("0.25"), le=24, max_digits=5, decimal_places=2)
    note: str = Field(..., min_length=1, max_length=500)
    plan_item_id: UUID | None = None


class WorkLogOut(Schema):
    id: UUID
    day: datetime.date
    hours: Decimal
    note: str
    author_id: int
    item_id: UUID | None


class ClosureOut(Schema):
    contract_id: UUID
    unmet: list[str]


# --- helpers ------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _user(user_id: int | None, field: str) -> Any:
    from openltc.org.models import User

    if user_id is None:
        return None
    if not 0 < user_id < 2**31:  # larger numbers overflow the database integer
        raise _invalid(field, _("Choose an active person."))
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise _invalid(field, _("Choose an active person."))
    return found


def _project(request: HttpRequest, project_id: UUID) -> DeliveryProject:
    return selectors.project_get(user=request.user, pk=project_id)


def _child(request: HttpRequest, model: Any, pk: UUID) -> Any:
    return selectors.child_get(model, user=request.user, pk=pk)


def _item_of(project: DeliveryProject, item_id: UUID | None, field: str) -> PlanItem | None:
    if item_id is None:
        return None
    found = PlanItem.objects.filter(project=project, pk=item_id).first()
    if found is None:
        raise _invalid(field, _("Choose items of the same project."))
    return found


def _plan_line(project: DeliveryProject, plan_line_id: UUID | None) -> Any:
    from openltc.contracts.models import ReceivablePlanLine

    if plan_line_id is None:
        return None
    found = ReceivablePlanLine.objects.filter(contract_id=project.contract_id, pk=plan_line_id).first()
    if found is None:
        raise _invalid("plan_line", _("Choose a payment milestone of this project's contract."))
    return found


def _item_data(project: DeliveryProject, raw: dict[str, Any]) -> dict[str, Any]:
    data = dict(raw)
    if "owner_id" in data:
        data["owner"] = _user(data.pop("owner_id"), "owner")
        if data["owner"] is None:
            raise _invalid("owner", _("Choose an active person."))
    if "plan_line_id" in data:
        data["plan_line"] = _plan_line(project, data.pop("plan_line_id"))
    return data


def _dependencies(project: DeliveryProject, ids: list[UUID]) -> list[Any]:
    found = list(PlanItem.objects.filter(project=project, pk__in=ids))
    if len(found) != len(set(ids)):
        raise _invalid("depends_on", _("Choose items of the same project."))
    return found


def _delphi_out(session: DelphiSession, request: HttpRequest) -> dict[str, Any]:
    view = selectors.delphi_view(session, request.user)
    return {
        **{
            f: getattr(session, f)
            for f in (
                "id",
                "project_id",
                "topic",
                "unit",
                "moderator_id",
                "current_round",
                "status",
                "final_estimate",
                "final_note",
            )
        },
        "rounds": [r.__dict__ for r in view["rounds"]],
        "converged": view["converged"] if view["is_moderator"] else False,
    }


# --- projects -------------------------------------------------------------------------------------


@router.get("", response={200: list[ProjectOut], **ERROR_RESPONSES}, summary="List delivery projects")
@paginate(PageNumber)
def project_list(request: HttpRequest, filters: Query[ProjectFilters]) -> Any:
    return selectors.project_list(user=request.user, filters=filters.dict(exclude_none=True))


@router.post(
    "",
    response={201: ProjectDetailOut, **ERROR_RESPONSES},
    summary="Set up the delivery project of a signed contract (or of a PO under a frame contract)",
)
def project_create(request: HttpRequest, payload: ProjectCreateIn) -> Any:
    from openltc.contracts.selectors import contract_get

    contract = contract_get(user=request.user, pk=payload.contract_id)
    fr = _user(payload.fr_id, "fr")
    project = services.project_create(
        actor=request.user,
        contract=contract,
        fr=fr,
        name=payload.name,
        planned_start=payload.planned_start,
        planned_finish=payload.planned_finish,
    )
    return Status(201, _project(request, project.pk))


@router.get(
    "/{project_id}", response={200: ProjectDetailOut, **ERROR_RESPONSES}, summary="One delivery project"
)
def project_get(request: HttpRequest, project_id: UUID) -> Any:
    return _project(request, project_id)


@router.patch(
    "/{project_id}", response={200: ProjectDetailOut, **ERROR_RESPONSES}, summary="Edit the project"
)
def project_update(request: HttpRequest, project_id: UUID, payload: ProjectUpdateIn) -> Any:
    project = _project(request, project_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("lock_version", None)
    if "fr_id" in data:
        data["fr"] = _user(data.pop("fr_id"), "fr")
    services.project_update(actor=request.user, project=project, data=data, expected_version=version)
    return _project(request, project_id)


@router.post(
    "/{project_id}/team", response={201: DeliveryMemberOut, **ERROR_RESPONSES}, summary="Add a team member"
)
def member_add(request: HttpRequest, project_id: UUID, payload: DeliveryMemberIn) -> Any:
    project = _project(request, project_id)
    member = services.member_add(
        actor=request.user, project=project, user=_user(payload.user_id, "user"), role=payload.role
    )
    return Status(201, member)


@router.delete(
    "/team/{team_member_id}", response={204: None, **ERROR_RESPONSES}, summary="Remove a team member"
)
def member_remove(request: HttpRequest, team_member_id: UUID) -> Any:
    member = _child(request, ProjectMember, team_member_id)
    services.member_remove(actor=request.user, project=member.project, member_id=member.pk)
    return Status(204, None)


@router.post(
    "/{project_id}/start", response={200: ProjectDetailOut, **ERROR_RESPONSES}, summary="Start execution"
)
def project_start(request: HttpRequest, project_id: UUID, payload: DeliveryVersionIn) -> Any:
    services.project_start(
        actor=request.user, project=_project(request, project_id), expected_version=payload.lock_version
    )
    return _project(request, project_id)


@router.post(
    "/{project_id}/close",
    response={200: ProjectDetailOut, **ERROR_RESPONSES},
    summary="Close the project with its summary and lessons learned",
)
def project_close(request: HttpRequest, project_id: UUID, payload: CloseIn) -> Any:
    services.project_close(
        actor=request.user,
        project=_project(request, project_id),
        summary=payload.summary,
        lessons_learned=payload.lessons_learned,
        customer_satisfaction=payload.customer_satisfaction,
        expected_version=payload.lock_version,
    )
    return _project(request, project_id)


@router.get(
    "/contracts/{contract_id}/closure",
    response={200: ClosureOut, **ERROR_RESPONSES},
    summary="What delivery still lacks for the contract's ATCC closure",
)
def contract_closure(request: HttpRequest, contract_id: UUID) -> Any:
    from openltc.contracts.selectors import contract_get
    from openltc.delivery.closure import delivery_closure_check

    contract = contract_get(user=request.user, pk=contract_id)
    return {"contract_id": contract.pk, "unmet": delivery_closure_check(contract)}


# --- the integrated plan ------------------------------------------------------------------------


@router.get(
    "/{project_id}/items", response={200: list[PlanItemOut], **ERROR_RESPONSES}, summary="The plan items"
)
def item_list(request: HttpRequest, project_id: UUID) -> Any:
    return list(selectors.items(_project(request, project_id)))


@router.post(
    "/{project_id}/items",
    response={201: PlanItemOut, **ERROR_RESPONSES},
    summary="Add a task or delivery milestone (dependencies must not form a cycle)",
)
def item_create(request: HttpRequest, project_id: UUID, payload: PlanItemIn) -> Any:
    project = _project(request, project_id)
    data = payload.dict()
    depends_on = _dependencies(project, data.pop("depends_on"))
    item = services.item_create(
        actor=request.user, project=project, data=_item_data(project, data), depends_on=depends_on
    )
    return Status(201, selectors.items(project).get(pk=item.pk))


@router.patch(
    "/items/{plan_item_id}", response={200: PlanItemOut, **ERROR_RESPONSES}, summary="Edit a plan item"
)
def item_update(request: HttpRequest, plan_item_id: UUID, payload: PlanItemUpdateIn) -> Any:
    item = _child(request, PlanItem, plan_item_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("lock_version", None)
    depends = data.pop("depends_on", None)
    depends_on = _dependencies(item.project, depends) if depends is not None else None
    services.item_update(
        actor=request.user,
        item=item,
        data=_item_data(item.project, data),
        depends_on=depends_on,
        expected_version=version,
    )
    return selectors.items(item.project).get(pk=item.pk)


@router.post(
    "/items/{plan_item_id}/estimate",
    response={200: PlanItemOut, **ERROR_RESPONSES},
    summary="Record the three-point estimate (days)",
)
def item_estimate(request: HttpRequest, plan_item_id: UUID, payload: EstimateIn) -> Any:
    item = _child(request, PlanItem, plan_item_id)
    services.item_estimate(actor=request.user, item=item, **payload.dict())
    return selectors.items(item.project).get(pk=item.pk)


@router.get(
    "/{project_id}/pert",
    response={200: PertOut, **ERROR_RESPONSES},
    summary="PERT totals and the probability of finishing the critical chain by a date",
)
def pert(request: HttpRequest, project_id: UUID, by: datetime.date | None = None) -> Any:
    project = _project(request, project_id)
    result = selectors.pert_summary(project, by or project.planned_finish)
    return {
        "tasks": [
            {"item_id": i.pk, "name": i.name, "expected": e.expected, "sigma": e.sigma}
            for i, e in result["tasks"]
        ],
        "total_expected": result["total"].expected,
        "total_sigma": result["total"].sigma,
        "critical_chain": result["critical_names"],
        "critical_expected": result["critical"].expected,
        "critical_sigma": result["critical"].sigma,
        "by_date": result["by_date"],
        "days": result["days"],
        "probability_pct": result["probability"],
    }


@router.post(
    "/items/{plan_item_id}/acceptance",
    response={201: AcceptanceOut, **ERROR_RESPONSES},
    summary="Record the customer's acceptance of a delivery milestone (multipart: evidence file); "
    "the linked payment milestone becomes billable",
)
def acceptance_record(
    request: HttpRequest,
    plan_item_id: UUID,
    evidence: File[UploadedFile],
    accepted_on: Form[datetime.date],
    certificate_reference: Form[str],
    notes: Form[str] = "",
) -> Any:
    item = _child(request, PlanItem, plan_item_id)
    acceptance = services.acceptance_record(
        actor=request.user,
        item=item,
        accepted_on=accepted_on,
        certificate_reference=certificate_reference,
        evidence=evidence,
        notes=notes,
    )
    return Status(201, acceptance)


# --- risks ----------------------------------------------------------------------------------------


@router.get(
    "/{project_id}/risks", response={200: list[RiskOut], **ERROR_RESPONSES}, summary="The risk register"
)
def risk_list(request: HttpRequest, project_id: UUID) -> Any:
    return list(selectors.risks(_project(request, project_id)))


@router.post("/{project_id}/risks", response={201: RiskOut, **ERROR_RESPONSES}, summary="Register a risk")
def risk_create(request: HttpRequest, project_id: UUID, payload: RiskIn) -> Any:
    project = _project(request, project_id)
    data = payload.dict()
    data["owner"] = _user(data.pop("owner_id"), "owner")
    return Status(201, services.risk_create(actor=request.user, project=project, data=data))


@router.patch("/risks/{risk_id}", response={200: RiskOut, **ERROR_RESPONSES}, summary="Update a risk")
def risk_update(request: HttpRequest, risk_id: UUID, payload: RiskUpdateIn) -> Any:
    risk = _child(request, Risk, risk_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("lock_version", None)
    if "owner_id" in data:
        data["owner"] = _user(data.pop("owner_id"), "owner")
    return services.risk_update(actor=request.user, risk=risk, data=data, expected_version=version)


# --- estimation -------------------------------------------------------------------------------------


@router.post(
    "/{project_id}/delphi", response={201: DelphiOut, **ERROR_RESPONSES}, summary="Start a Wideband Delphi"
)
def delphi_start(request: HttpRequest, project_id: UUID, payload: DelphiIn) -> Any:
    from openltc.org.models import User

    project = _project(request, project_id)
    ids = [i for i in payload.estimator_ids if 0 < i < 2**31]
    people = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(people) != len(set(payload.estimator_ids)) or len(people) != len(payload.estimator_ids):
        raise _invalid("estimators", _("Choose 3 to 7 different active estimators."))
    session = services.delphi_start(
        actor=request.user,
        project=project,
        topic=payload.topic,
        unit=payload.unit,
        estimators=people,
        item=_item_of(project, payload.plan_item_id, "item"),
    )
    return Status(201, _delphi_out(session, request))


@router.get(
    "/delphi/{delphi_id}",
    response={200: DelphiOut, **ERROR_RESPONSES},
    summary="A Delphi estimation: the moderator sees every round's spread, estimators the closed rounds",
)
def delphi_get(request: HttpRequest, delphi_id: UUID) -> Any:
    return _delphi_out(_child(request, DelphiSession, delphi_id), request)


@router.post(
    "/delphi/{delphi_id}/estimates",
    response={201: DelphiOut, **ERROR_RESPONSES},
    summary="Give your anonymous estimate for the current round",
)
def delphi_estimate(request: HttpRequest, delphi_id: UUID, payload: DelphiEstimateIn) -> Any:
    session = _child(request, DelphiSession, delphi_id)
    services.delphi_estimate(
        actor=request.user, session=session, value=payload.value, assumptions=payload.assumptions
    )
    return Status(201, _delphi_out(_child(request, DelphiSession, delphi_id), request))


@router.post(
    "/delphi/{delphi_id}/next-round",
    response={200: DelphiOut, **ERROR_RESPONSES},
    summary="Moderator: share the summary and open the next round",
)
def delphi_next_round(request: HttpRequest, delphi_id: UUID) -> Any:
    session = services.delphi_next_round(
        actor=request.user, session=_child(request, DelphiSession, delphi_id)
    )
    return _delphi_out(session, request)


@router.post(
    "/delphi/{delphi_id}/finish",
    response={200: DelphiOut, **ERROR_RESPONSES},
    summary="Moderator: record the final estimate",
)
def delphi_finish(request: HttpRequest, delphi_id: UUID, payload: DelphiFinishIn) -> Any:
    session = services.delphi_finish(
        actor=request.user,
        session=_child(request, DelphiSession, delphi_id),
        final_estimate=payload.final_estimate,
        note=payload.note,
    )
    return _delphi_out(session, request)


@router.post(
    "/{project_id}/analogies",
    response={201: AnalogyOut, **ERROR_RESPONSES},
    summary="Estimate by analogy: a past project's recorded cost × an adjustment factor",
)
def analogy_create(request: HttpRequest, project_id: UUID, payload: AnalogyIn) -> Any:
    project = _project(request, project_id)
    reference = DeliveryProject.objects.restrict(request.user).filter(pk=payload.reference_id).first()
    if reference is None:
        raise _invalid("reference", _("Choose another project you can see."))
    return Status(
        201,
        services.analogy_create(
            actor=request.user,
            project=project,
            reference=reference,
            factor=payload.factor,
            rationale=payload.rationale,
        ),
    )


# --- cost ------------------------------------------------------------------------------------------


@router.post("/{project_id}/costs", response={201: CostOut, **ERROR_RESPONSES}, summary="Record a cost")
def cost_record(request: HttpRequest, project_id: UUID, payload: CostIn) -> Any:
    return Status(
        201,
        services.cost_record(actor=request.user, project=_project(request, project_id), data=payload.dict()),
    )


@router.get(
    "/{project_id}/costs",
    response={200: CostSummaryOut, **ERROR_RESPONSES},
    summary="Cost by category and stage (概算/预算/核算/决算) with variance, cost of quality, earned value",
)
def cost_summary(request: HttpRequest, project_id: UUID) -> Any:
    from openltc.delivery.choices import CostCategory

    project = _project(request, project_id)
    table = selectors.cost_table(project)
    ev = selectors.earned_value(project)
    rows = []
    for category, row in zip(CostCategory.values, table["rows"], strict=True):
        estimate, budget, actual, final = row["values"]
        rows.append(
            {
                "category": category,
                "estimate": estimate,
                "budget": budget,
                "actual": actual,
                "final": final,
                "actual_variance": row["actual_variance"],
                "final_variance": row["final_variance"],
            }
        )
    from openltc.delivery.choices import QualityCost

    coq = {
        c.value: v for c, (_label, v) in zip([q for q in QualityCost if q.value], table["coq"], strict=True)
    }
    return {
        "currency": project.currency,
        "rows": rows,
        "cost_of_quality": coq,
        **{k: getattr(ev, k) for k in ("bac", "pv", "ev", "ac", "spi", "cpi", "eac")},
    }


# --- quality reviews, meetings, work log -------------------------------------------------------------


@router.post(
    "/{project_id}/reviews", response={201: QualityReviewOut, **ERROR_RESPONSES}, summary="Plan a review"
)
def review_create(request: HttpRequest, project_id: UUID, payload: QualityReviewIn) -> Any:
    project = _project(request, project_id)
    return Status(
        201,
        services.review_create(
            actor=request.user,
            project=project,
            kind=payload.kind,
            title=payload.title,
            review_date=payload.review_date,
            checklist=payload.checklist,
            item=_item_of(project, payload.plan_item_id, "item"),
        ),
    )


@router.post(
    "/reviews/{review_id}/conclude",
    response={200: QualityReviewOut, **ERROR_RESPONSES},
    summary="Conclude a review",
)
def review_conclude(request: HttpRequest, review_id: UUID, payload: ConcludeIn) -> Any:
    return services.review_conclude(
        actor=request.user,
        review=_child(request, QualityReview, review_id),
        conclusion=payload.conclusion,
        notes=payload.notes,
        passed_items=payload.passed_items,
    )


@router.post(
    "/reviews/{review_id}/findings",
    response={201: FindingOut, **ERROR_RESPONSES},
    summary="Add a review finding",
)
def finding_add(request: HttpRequest, review_id: UUID, payload: FindingIn) -> Any:
    return Status(
        201,
        services.finding_add(
            actor=request.user,
            review=_child(request, QualityReview, review_id),
            description=payload.description,
            severity=payload.severity,
            owner=_user(payload.owner_id, "owner"),
            due=payload.due,
        ),
    )


@router.post(
    "/findings/{finding_id}/close", response={200: FindingOut, **ERROR_RESPONSES}, summary="Close a finding"
)
def finding_close(request: HttpRequest, finding_id: UUID) -> Any:
    return services.finding_close(actor=request.user, finding=_child(request, ReviewFinding, finding_id))


@router.post(
    "/{project_id}/meetings",
    response={201: MeetingOut, **ERROR_RESPONSES},
    summary="Record a meeting with minutes and action items",
)
def meeting_record(request: HttpRequest, project_id: UUID, payload: MeetingIn) -> Any:
    actions = [
        {"description": a.description, "owner": _user(a.owner_id, "actions"), "due": a.due}
        for a in payload.actions
    ]
    return Status(
        201,
        services.meeting_record(
            actor=request.user,
            project=_project(request, project_id),
            kind=payload.kind,
            title=payload.title,
            held_on=payload.held_on,
            minutes=payload.minutes,
            actions=actions,
        ),
    )


@router.post(
    "/actions/{action_item_id}/done",
    response={200: DeliveryActionOut, **ERROR_RESPONSES},
    summary="Mark an action done",
)
def action_done(request: HttpRequest, action_item_id: UUID) -> Any:
    return services.action_done(actor=request.user, action=_child(request, ActionItem, action_item_id))


@router.post("/{project_id}/work-log", response={201: WorkLogOut, **ERROR_RESPONSES}, summary="Log work")
def worklog_add(request: HttpRequest, project_id: UUID, payload: WorkLogIn) -> Any:
    project = _project(request, project_id)
    return Status(
        201,
        services.worklog_add(
            actor=request.user,
            project=project,
            day=payload.day,
            hours=payload.hours,
            note=payload.note,
            item=_item_of(project, payload.plan_item_id, "item"),
        ),
    )
