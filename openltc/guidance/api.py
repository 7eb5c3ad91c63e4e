"""Guidance endpoints: the same selectors and services as the pages, the same rules and errors."""

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
from openltc.core.errors import DomainError, NotFound
from openltc.guidance import selectors, services, workflow
from openltc.guidance.models import (
    ActionItem,
    Activity,
    AppealsAnalysis,
    DocumentTemplate,
    Playbook,
    ValueMessage,
)
from openltc.opportunities.models import Opportunity

PREFIX = "/guidance"
router = Router(tags=["Customer guidance"])


# --- schemas ------------------------------------------------------------------------------------


class GuidanceTaskOut(Schema):
    id: UUID
    code: str
    position: int
    title: str
    title_zh: str
    description: str
    description_zh: str


class GuidanceTemplateOut(Schema):
    id: UUID
    name: str
    name_zh: str
    description: str
    has_file: bool
    original_name: str
    size: int
    text: str
    download_url: str

    @staticmethod
    def resolve_download_url(obj: DocumentTemplate) -> str:
        from django.urls import reverse

        return reverse("guidance:template_download", args=[obj.pk])


class GuidancePlaybookOut(Schema):
    id: UUID
    stage: str
    title: str
    title_zh: str
    guidance: str
    guidance_zh: str
    tasks: list[GuidanceTaskOut]
    templates: list[GuidanceTemplateOut]

    @staticmethod
    def resolve_tasks(obj: Playbook) -> list[Any]:
        return list(obj.tasks.all())

    @staticmethod
    def resolve_templates(obj: Playbook) -> list[Any]:
        return list(obj.templates.all())


class GuidanceChecklistRowOut(Schema):
    task_id: UUID
    code: str
    title: str
    stage: str
    is_done: bool
    done_by_id: int | None
    done_at: datetime.datetime | None
    note: str


class GuidanceChecklistOut(Schema):
    stage: str
    done: int
    total: int
    rows: list[GuidanceChecklistRowOut]


class GuidanceTickIn(Schema):
    done: bool
    note: str | None = Field(None, max_length=4000)


class GuidanceRatingIn(Schema):
    dimension: str
    customer_weight: Decimal = Field(..., ge=0, le=100, max_digits=5, decimal_places=1)
    our_score: int | None = Field(None, ge=0, le=10)
    competitor_scores: dict[str, int] = {}
    is_key_need: bool = False
    need: str = Field("", max_length=500)


class GuidanceAppealsIn(Schema):
    competitors: list[str] = Field([], max_length=10)
    summary: str = Field("", max_length=4000)
    ratings: list[GuidanceRatingIn]


class GuidanceRatingOut(Schema):
    dimension: str
    label: str
    customer_weight: Decimal
    our_score: int | None
    competitor_scores: dict[str, int]
    is_key_need: bool
    need: str

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(obj.get_dimension_display())


class GuidanceAppealsOut(Schema):
    id: UUID
    number: int
    is_current: bool
    competitors: list[str]
    summary: str
    created_by_id: int
    created_at: datetime.datetime
    weighted_scores: dict[str, Decimal]
    ratings: list[GuidanceRatingOut]

    @staticmethod
    def resolve_ratings(obj: AppealsAnalysis) -> list[Any]:
        return list(obj.ratings.all())

    @staticmethod
    def resolve_weighted_scores(obj: AppealsAnalysis) -> dict[str, Decimal]:
        scores = {"us": obj.weighted_score()}
        scores.update({c: obj.weighted_score(c) for c in obj.competitors})
        return scores


class GuidanceValueMessageIn(Schema):
    dimension: str = Field("", max_length=20)
    need: str = Field("", max_length=500)
    feature: str = Field(..., max_length=2000)
    function: str = Field("", max_length=2000)
    advantage: str = Field("", max_length=2000)
    benefit: str = Field(..., max_length=2000)
    evidence: str = Field("", max_length=2000)


class GuidanceValueMessageUpdateIn(Schema):
    lock_version: int | None = None
    dimension: str | None = Field(None, max_length=20)
    need: str | None = Field(None, max_length=500)
    feature: str | None = Field(None, max_length=2000)
    function: str | None = Field(None, max_length=2000)
    advantage: str | None = Field(None, max_length=2000)
    benefit: str | None = Field(None, max_length=2000)
    evidence: str | None = Field(None, max_length=2000)


class GuidanceValueMessageOut(Schema):
    id: UUID
    opportunity_id: UUID
    position: int
    dimension: str
    need: str
    feature: str
    function: str
    advantage: str
    benefit: str
    evidence: str
    lock_version: int
    created_by_id: int


class GuidanceActionIn(Schema):
    title: str = Field(..., max_length=300)
    owner_id: int
    due_date: datetime.date


class GuidanceActionOut(Schema):
    id: UUID
    opportunity_id: UUID
    activity_id: UUID | None
    title: str
    owner_id: int
    due_date: datetime.date
    status: str
    is_overdue: bool
    completed_at: datetime.datetime | None
    outcome: str
    lock_version: int
    available_actions: list[str]

    @staticmethod
    def resolve_available_actions(obj: ActionItem) -> list[str]:
        return [a.code for a in workflow.available_actions(obj)]


class GuidanceActivityIn(Schema):
    kind: str
    subject: str = Field(..., max_length=200)
    held_at: datetime.datetime | None = None
    participants: str = Field("", max_length=2000)
    minutes: str = Field("", max_length=20000)
    actions: list[GuidanceActionIn] = []


class GuidanceActivityUpdateIn(Schema):
    lock_version: int | None = None
    kind: str | None = None
    subject: str | None = Field(None, max_length=200)
    held_at: datetime.datetime | None = None
    participants: str | None = Field(None, max_length=2000)
    minutes: str | None = Field(None, max_length=20000)


class GuidanceActivityOut(Schema):
    id: UUID
    opportunity_id: UUID
    kind: str
    subject: str
    held_at: datetime.datetime
    participants: str
    minutes: str
    created_by_id: int
    lock_version: int
    actions: list[GuidanceActionOut]

    @staticmethod
    def resolve_actions(obj: Activity) -> list[Any]:
        return list(obj.actions.all())


class GuidanceTransitionIn(Schema):
    outcome: str = Field("", max_length=4000)
    lock_version: int | None = None


class GuidanceActionFilters(Schema):
    q: str | None = Field(None, description="Action title or opportunity number/title contains")
    status: str | None = Field(None, description="open, done or cancelled")
    owner: str | None = Field(None, description="'me' or a user id")
    overdue: bool | None = None
    opportunity: UUID | None = None


# --- helpers ------------------------------------------------------------------------------------


def _opportunity(request: HttpRequest, opportunity_id: UUID) -> Opportunity:
    return selectors.opportunity_get(user=request.user, pk=opportunity_id)


def _person(user_id: int, field: str) -> Any:
    from openltc.org.models import User

    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise DomainError(
            _("Choose an active person."), field_errors={field: [_("Choose an active person.")]}
        )
    return found


def _checklist_out(opportunity: Opportunity) -> dict[str, Any]:
    checklist = selectors.checklist(opportunity)
    return {
        "stage": checklist.stage,
        "done": checklist.done,
        "total": checklist.total,
        "rows": [
            {
                "task_id": r.task.pk,
                "code": r.task.code,
                "title": r.task.display_title,
                "stage": checklist.stage,
                "is_done": r.is_done,
                "done_by_id": r.item.done_by_id if r.item else None,
                "done_at": r.item.done_at if r.item else None,
                "note": r.item.note if r.item else "",
            }
            for r in checklist.rows
        ],
    }


def _transition(
    request: HttpRequest, action_id: UUID, code: str, payload: GuidanceTransitionIn
) -> ActionItem:
    item = selectors.action_get(user=request.user, pk=action_id)
    return services.action_item_transition(
        actor=request.user,
        item=item,
        target=workflow.TARGET_FOR[code],
        outcome=payload.outcome,
        expected_version=payload.lock_version,
    )


# --- playbooks ----------------------------------------------------------------------------------


@router.get(
    "/playbooks", response={200: list[GuidancePlaybookOut], **ERROR_RESPONSES}, summary="Stage playbooks"
)
def playbook_list(request: HttpRequest) -> Any:
    return list(selectors.playbook_list())


@router.post(
    "/playbooks/{playbook_id}/templates",
    response={201: GuidanceTemplateOut, **ERROR_RESPONSES},
    summary="Add a document template (administrators; multipart: a file or a text template)",
)
def template_create(
    request: HttpRequest,
    playbook_id: UUID,
    name: Form[str],
    name_zh: Form[str] = "",
    description: Form[str] = "",
    text: Form[str] = "",
    file: File[UploadedFile] | None = None,
) -> Any:
    services._require_admin(request.user)
    playbook = Playbook.objects.filter(pk=playbook_id).first()
    if playbook is None:
        raise NotFound(_("Not found."))
    template = services.template_create(
        actor=request.user,
        playbook=playbook,
        name=name,
        name_zh=name_zh,
        description=description,
        upload=file,
        text=text,
    )
    return Status(201, template)


# --- checklist ----------------------------------------------------------------------------------


@router.get(
    "/opportunities/{opportunity_id}/checklist",
    response={200: GuidanceChecklistOut, **ERROR_RESPONSES},
    summary="The key tasks of the opportunity's current stage and their state",
)
def checklist_get(request: HttpRequest, opportunity_id: UUID) -> Any:
    return _checklist_out(_opportunity(request, opportunity_id))


@router.post(
    "/opportunities/{opportunity_id}/checklist/{task_id}",
    response={200: GuidanceChecklistOut, **ERROR_RESPONSES},
    summary="Tick or untick a key task (who and when are recorded); set its note",
)
def checklist_tick(request: HttpRequest, opportunity_id: UUID, task_id: UUID, payload: GuidanceTickIn) -> Any:
    opportunity = _opportunity(request, opportunity_id)
    task = selectors.task_get(pk=task_id)
    services.checklist_item_set(
        actor=request.user, opportunity=opportunity, task=task, done=payload.done, note=payload.note
    )
    return _checklist_out(_opportunity(request, opportunity_id))


# --- $APPEALS -------------------------------------------------------------------------------------


@router.get(
    "/opportunities/{opportunity_id}/appeals",
    response={200: list[GuidanceAppealsOut], **ERROR_RESPONSES},
    summary="The opportunity's $APPEALS analyses, newest (current) first",
)
def appeals_list(request: HttpRequest, opportunity_id: UUID) -> Any:
    return list(selectors.appeals_history(_opportunity(request, opportunity_id)))


@router.post(
    "/opportunities/{opportunity_id}/appeals",
    response={201: GuidanceAppealsOut, **ERROR_RESPONSES},
    summary="Save a new $APPEALS analysis (all eight dimensions; weights add up to 100)",
)
def appeals_save(request: HttpRequest, opportunity_id: UUID, payload: GuidanceAppealsIn) -> Any:
    opportunity = _opportunity(request, opportunity_id)
    analysis = services.appeals_save(
        actor=request.user,
        opportunity=opportunity,
        ratings=[r.dict() for r in payload.ratings],
        competitors=payload.competitors,
        summary=payload.summary,
    )
    return Status(201, selectors.appeals_get(opportunity=opportunity, number=analysis.number))


# --- FABE -----------------------------------------------------------------------------------------


@router.get(
    "/opportunities/{opportunity_id}/value-messages",
    response={200: list[GuidanceValueMessageOut], **ERROR_RESPONSES},
    summary="The FABE / FFAB worksheet",
)
def value_message_list(request: HttpRequest, opportunity_id: UUID) -> Any:
    return list(selectors.value_messages(_opportunity(request, opportunity_id)))


@router.post(
    "/opportunities/{opportunity_id}/value-messages",
    response={201: GuidanceValueMessageOut, **ERROR_RESPONSES},
    summary="Add a worksheet row (an empty need takes the $APPEALS key need of the dimension)",
)
def value_message_create(request: HttpRequest, opportunity_id: UUID, payload: GuidanceValueMessageIn) -> Any:
    message = services.value_message_create(
        actor=request.user, opportunity=_opportunity(request, opportunity_id), data=payload.dict()
    )
    return Status(201, message)


@router.patch(
    "/value-messages/{message_id}",
    response={200: GuidanceValueMessageOut, **ERROR_RESPONSES},
    summary="Change a worksheet row (optimistic lock: send lock_version)",
)
def value_message_update(
    request: HttpRequest, message_id: UUID, payload: GuidanceValueMessageUpdateIn
) -> Any:
    message = selectors.value_message_get(user=request.user, pk=message_id)
    raw = payload.dict(exclude_unset=True)
    version = raw.pop("lock_version", None)
    data = {k: v for k, v in raw.items() if v is not None}
    return services.value_message_update(
        actor=request.user, message=message, data=data, expected_version=version
    )


@router.delete(
    "/value-messages/{message_id}", response={204: None, **ERROR_RESPONSES}, summary="Delete a worksheet row"
)
def value_message_delete(request: HttpRequest, message_id: UUID) -> Any:
    message: ValueMessage = selectors.value_message_get(user=request.user, pk=message_id)
    services.value_message_delete(actor=request.user, message=message)
    return Status(204, None)


# --- activities and actions -----------------------------------------------------------------------


@router.get(
    "/opportunities/{opportunity_id}/activities",
    response={200: list[GuidanceActivityOut], **ERROR_RESPONSES},
    summary="Activities and project meetings with their actions",
)
def activity_list(request: HttpRequest, opportunity_id: UUID) -> Any:
    return list(selectors.activities(_opportunity(request, opportunity_id)))


@router.post(
    "/opportunities/{opportunity_id}/activities",
    response={201: GuidanceActivityOut, **ERROR_RESPONSES},
    summary="Record an activity or meeting with minutes and the actions agreed",
)
def activity_create(request: HttpRequest, opportunity_id: UUID, payload: GuidanceActivityIn) -> Any:
    opportunity = _opportunity(request, opportunity_id)
    actions = [
        {"title": a.title, "owner": _person(a.owner_id, "actions"), "due_date": a.due_date}
        for a in payload.actions
    ]
    activity = services.activity_create(
        actor=request.user,
        opportunity=opportunity,
        kind=payload.kind,
        subject=payload.subject,
        held_at=payload.held_at,
        participants=payload.participants,
        minutes=payload.minutes,
        actions=actions,
    )
    return Status(201, selectors.activities(opportunity).get(pk=activity.pk))


@router.patch(
    "/activities/{activity_id}",
    response={200: GuidanceActivityOut, **ERROR_RESPONSES},
    summary="Correct an activity (optimistic lock: send lock_version)",
)
def activity_update(request: HttpRequest, activity_id: UUID, payload: GuidanceActivityUpdateIn) -> Any:
    activity = selectors.activity_get(user=request.user, pk=activity_id)
    raw = payload.dict(exclude_unset=True)
    version = raw.pop("lock_version", None)
    data = {k: v for k, v in raw.items() if v is not None}
    services.activity_update(actor=request.user, activity=activity, data=data, expected_version=version)
    return selectors.activities(activity.opportunity).get(pk=activity.pk)


@router.get(
    "/actions", response={200: list[GuidanceActionOut], **ERROR_RESPONSES}, summary="Action items I can see"
)
@paginate(PageNumber)
def action_list(request: HttpRequest, filters: Query[GuidanceActionFilters]) -> Any:
    raw = filters.dict(exclude_none=True)
    if raw.get("overdue") is not None:
        raw["overdue"] = "1" if raw["overdue"] else ""
    return selectors.action_list(user=request.user, filters=raw)


@router.post(
    "/opportunities/{opportunity_id}/actions",
    response={201: GuidanceActionOut, **ERROR_RESPONSES},
    summary="Add an action item to the opportunity",
)
def action_create(request: HttpRequest, opportunity_id: UUID, payload: GuidanceActionIn) -> Any:
    item = services.action_item_create(
        actor=request.user,
        opportunity=_opportunity(request, opportunity_id),
        title=payload.title,
        owner=_person(payload.owner_id, "owner_id"),
        due_date=payload.due_date,
    )
    return Status(201, item)


@router.post(
    "/actions/{action_id}/complete",
    response={200: GuidanceActionOut, **ERROR_RESPONSES},
    summary="Mark an action done",
)
def action_complete(request: HttpRequest, action_id: UUID, payload: GuidanceTransitionIn) -> Any:
    return _transition(request, action_id, "complete", payload)


@router.post(
    "/actions/{action_id}/cancel",
    response={200: GuidanceActionOut, **ERROR_RESPONSES},
    summary="Cancel an action (the outcome says why)",
)
def action_cancel(request: HttpRequest, action_id: UUID, payload: GuidanceTransitionIn) -> Any:
    return _transition(request, action_id, "cancel", payload)


@router.post(
    "/actions/{action_id}/reopen",
    response={200: GuidanceActionOut, **ERROR_RESPONSES},
    summary="Reopen an action",
)
def action_reopen(request: HttpRequest, action_id: UUID, payload: GuidanceTransitionIn) -> Any:
    return _transition(request, action_id, "reopen", payload)
