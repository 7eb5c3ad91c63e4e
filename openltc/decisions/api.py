"""Decision endpoints: the same selectors and services as the pages, the same rules and errors."""

import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from openltc.api.errors import ERROR_RESPONSES
from openltc.api.pagination import PageNumber
from openltc.core.errors import DomainError, NotFound
from openltc.decisions import minutes, selectors, services
from openltc.decisions.models import CaseChecklistItem, DecisionCase, DecisionCondition
from openltc.decisions.subjects import SUBJECT_MODELS
from openltc.org.models import User

PREFIX = "/decisions"
router = Router(tags=["Decisions"])


# --- schemas -----------------------------------------------------------------------------------------


class CaseOut(Schema):
    id: UUID
    gate: str
    title: str
    subject_type: str
    subject_id: str
    subject_repr: str
    status: str
    status_label: str
    outcome: str
    round: int
    routed_level: int | None
    decision_body: str | None
    routing_note: str
    amount: Decimal | None
    currency: str
    amount_reporting: Decimal | None
    grade: str
    required_reviews: list[str]
    submitted_by: str | None
    submitted_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    revisit_on: datetime.date | None
    escalated_at: datetime.datetime | None
    lock_version: int

    @staticmethod
    def resolve_subject_type(obj: DecisionCase) -> str:
        return f"{obj.subject_type.app_label}.{obj.subject_type.model}"

    @staticmethod
    def resolve_status_label(obj: DecisionCase) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_decision_body(obj: DecisionCase) -> str | None:
        return str(obj.decision_body) if obj.decision_body_id else None

    @staticmethod
    def resolve_submitted_by(obj: DecisionCase) -> str | None:
        return str(obj.submitted_by) if obj.submitted_by_id else None


class ChecklistItemOut(Schema):
    id: UUID
    label: str
    is_required: bool
    needs_attachment: bool
    answer: str


class OpinionOut(Schema):
    id: UUID
    round: int
    reviewer: str
    function: str
    verdict: str
    reasons: str
    conditions: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_reviewer(obj: Any) -> str:
        return str(obj.reviewer)


class DecisionOut(Schema):
    id: UUID
    round: int
    decided_by: str
    on_behalf_of: str | None
    outcome: str
    rationale: str
    decided_at: datetime.datetime
    revisit_on: datetime.date | None
    routed_level: int
    decider_level: int
    opinions_seen: list[dict[str, Any]]
    votes: list[dict[str, Any]]

    @staticmethod
    def resolve_decided_by(obj: Any) -> str:
        return str(obj.decided_by)

    @staticmethod
    def resolve_on_behalf_of(obj: Any) -> str | None:
        return str(obj.on_behalf_of) if obj.on_behalf_of_id else None


class ConditionOut(Schema):
    id: UUID
    text: str
    owner_id: int
    owner: str
    due_date: datetime.date
    status: str
    closed_at: datetime.datetime | None
    closing_note: str

    @staticmethod
    def resolve_owner(obj: Any) -> str:
        return str(obj.owner)


class CaseDetailOut(CaseOut):
    summary: str
    checklist: list[ChecklistItemOut]
    opinions: list[OpinionOut]
    decisions: list[DecisionOut]
    conditions: list[ConditionOut]

    @staticmethod
    def resolve_checklist(obj: DecisionCase) -> list[Any]:
        return list(obj.checklist.all())

    @staticmethod
    def resolve_opinions(obj: DecisionCase) -> list[Any]:
        return list(obj.opinions.select_related("reviewer"))

    @staticmethod
    def resolve_decisions(obj: DecisionCase) -> list[Any]:
        return list(obj.decisions.select_related("decided_by", "on_behalf_of").order_by("round"))

    @staticmethod
    def resolve_conditions(obj: DecisionCase) -> list[Any]:
        return list(obj.conditions.select_related("owner"))


class CaseFilters(Schema):
    gate: str | None = None
    status: str | None = None
    waiting_for_me: bool | None = None


class CaseOpenIn(Schema):
    subject_type: str = Field(..., description="app_label.model, e.g. opportunities.opportunity")
    subject_id: str = Field(..., max_length=64)
    gate: str = Field(..., max_length=4)
    title: str = Field("", max_length=200)
    summary: str = Field("", max_length=10000)


class VersionIn(Schema):
    lock_version: int | None = None


class AnswerIn(Schema):
    answer: str = Field(..., max_length=10000)


class AttachmentOut(Schema):
    id: UUID
    original_name: str
    size: int
    item_id: UUID | None


class OpinionIn(Schema):
    function: str = Field(..., max_length=16)
    verdict: str = Field(..., max_length=24)
    reasons: str = Field(..., max_length=10000)
    conditions: str = Field("", max_length=10000)


class ConditionIn(Schema):
    text: str = Field(..., max_length=500)
    owner_id: int
    due_date: datetime.date


class DecideIn(Schema):
    outcome: str = Field(..., max_length=32)
    rationale: str = Field(..., max_length=10000)
    on_behalf_of_id: int | None = None
    conditions: list[ConditionIn] = []
    revisit_on: datetime.date | None = None
    lock_version: int | None = None


class ReturnIn(Schema):
    reason: str = Field(..., max_length=10000)
    on_behalf_of_id: int | None = None


class CloseConditionIn(Schema):
    note: str = Field(..., max_length=5000)


class MinutesOut(Schema):
    case: CaseDetailOut
    subject_url: str
    routing_rule: str | None
    generated_at: datetime.datetime


# --- helpers ---------------------------------------------------------------------------------------------


def _user(user_id: int | None, field: str) -> Any:
    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise DomainError(_("Unknown user."), field_errors={field: [_("Unknown user.")]})
    return found


def _case(request: HttpRequest, case_id: UUID) -> DecisionCase:
    return selectors.case_get(user=request.user, pk=case_id)


def _detail(request: HttpRequest, case_id: UUID) -> DecisionCase:
    return selectors.case_get(user=request.user, pk=case_id)


# --- endpoints -----------------------------------------------------------------------------------------


@router.get("/cases", response={200: list[CaseOut], **ERROR_RESPONSES}, summary="List decision cases")
@paginate(PageNumber)
def case_list(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    return selectors.case_list(user=request.user, filters=filters.dict(exclude_none=True))


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **ERROR_RESPONSES}, summary="One decision case")
def case_get(request: HttpRequest, case_id: UUID) -> Any:
    return _detail(request, case_id)


@router.post("/cases", response={201: CaseDetailOut, **ERROR_RESPONSES}, summary="Open a case for a gate")
def case_open(request: HttpRequest, payload: CaseOpenIn) -> Any:
    label = payload.subject_type.lower()
    if label not in SUBJECT_MODELS:
        raise DomainError(
            _("Unknown subject type."), field_errors={"subject_type": [_("Unknown subject type.")]}
        )
    app_label, model = label.split(".", 1)
    model_class = ContentType.objects.get_by_natural_key(app_label, model).model_class()
    if model_class is None:
        raise NotFound(_("Not found."))
    try:
        subject = model_class._default_manager.filter(pk=payload.subject_id).first()
    except (ValueError, TypeError, DjangoValidationError):  # a malformed id is the same as a missing one
        subject = None
    if subject is None:
        raise NotFound(_("Not found."))
    case = services.case_open(
        actor=request.user, subject=subject, gate=payload.gate, title=payload.title, summary=payload.summary
    )
    return Status(201, case)


@router.post(
    "/cases/{case_id}/checklist/{item_id}",
    response={200: ChecklistItemOut, **ERROR_RESPONSES},
    summary="Answer a material checklist item",
)
def checklist_answer(request: HttpRequest, case_id: UUID, item_id: UUID, payload: AnswerIn) -> Any:
    case = _case(request, case_id)
    item = CaseChecklistItem.objects.filter(case=case, pk=item_id).first()
    if item is None:
        raise NotFound(_("Not found."))
    return services.checklist_answer(actor=request.user, item=item, answer=payload.answer)


@router.post(
    "/cases/{case_id}/attachments",
    response={201: AttachmentOut, **ERROR_RESPONSES},
    summary="Attach a file of decision material",
)
def attachment_add(
    request: HttpRequest, case_id: UUID, file: File[UploadedFile], item_id: UUID | None = None
) -> Any:
    case = _case(request, case_id)
    item = None
    if item_id is not None:
        item = CaseChecklistItem.objects.filter(case=case, pk=item_id).first()
        if item is None:
            raise NotFound(_("Not found."))
    return Status(201, services.attachment_add(actor=request.user, case=case, upload=file, item=item))


@router.post(
    "/cases/{case_id}/submit", response={200: CaseOut, **ERROR_RESPONSES}, summary="Submit and route the case"
)
def case_submit(request: HttpRequest, case_id: UUID, payload: VersionIn) -> Any:
    return services.case_submit(
        actor=request.user, case=_case(request, case_id), expected_version=payload.lock_version
    )


@router.post(
    "/cases/{case_id}/route", response={200: CaseOut, **ERROR_RESPONSES}, summary="Route an open case again"
)
def case_route(request: HttpRequest, case_id: UUID) -> Any:
    return services.case_route(actor=request.user, case=_case(request, case_id))


@router.post(
    "/cases/{case_id}/opinions",
    response={201: OpinionOut, **ERROR_RESPONSES},
    summary="Record a review opinion (recommendation only)",
)
def opinion_record(request: HttpRequest, case_id: UUID, payload: OpinionIn) -> Any:
    opinion = services.opinion_record(
        actor=request.user,
        case=_case(request, case_id),
        function=payload.function,
        verdict=payload.verdict,
        reasons=payload.reasons,
        conditions=payload.conditions,
    )
    return Status(201, opinion)


@router.post(
    "/cases/{case_id}/decide",
    response={200: CaseDetailOut, **ERROR_RESPONSES},
    summary="Record a decision (or a vote in a voting body)",
)
def decision_record(request: HttpRequest, case_id: UUID, payload: DecideIn) -> Any:
    conditions = [
        services.ConditionInput(text=c.text, owner=_user(c.owner_id, "conditions"), due_date=c.due_date)
        for c in payload.conditions
    ]
    case = services.decision_record(
        actor=request.user,
        case=_case(request, case_id),
        outcome=payload.outcome,
        rationale=payload.rationale,
        on_behalf_of=_user(payload.on_behalf_of_id, "on_behalf_of_id"),
        conditions=conditions,
        revisit_on=payload.revisit_on,
        expected_version=payload.lock_version,
    )
    return _detail(request, case.pk)


@router.post(
    "/cases/{case_id}/return",
    response={200: CaseOut, **ERROR_RESPONSES},
    summary="Return the case to the preparer for rework",
)
def case_return(request: HttpRequest, case_id: UUID, payload: ReturnIn) -> Any:
    return services.case_return_for_rework(
        actor=request.user,
        case=_case(request, case_id),
        reason=payload.reason,
        on_behalf_of=_user(payload.on_behalf_of_id, "on_behalf_of_id"),
    )


@router.post(
    "/cases/{case_id}/reopen", response={200: CaseOut, **ERROR_RESPONSES}, summary="Reopen a deferred case"
)
def case_reopen(request: HttpRequest, case_id: UUID) -> Any:
    return services.case_reopen(actor=request.user, case=_case(request, case_id))


@router.post(
    "/conditions/{condition_id}/close",
    response={200: ConditionOut, **ERROR_RESPONSES},
    summary="Close a met condition",
)
def condition_close(request: HttpRequest, condition_id: UUID, payload: CloseConditionIn) -> Any:
    condition = DecisionCondition.objects.select_related("case").filter(pk=condition_id).first()
    if condition is None:
        raise NotFound(_("Not found."))
    selectors.case_get(user=request.user, pk=condition.case_id)
    return services.condition_close(actor=request.user, condition=condition, note=payload.note)


@router.get(
    "/cases/{case_id}/minutes", response={200: MinutesOut, **ERROR_RESPONSES}, summary="Decision minutes"
)
def case_minutes(request: HttpRequest, case_id: UUID) -> Any:
    return minutes.minutes_for(_detail(request, case_id))
