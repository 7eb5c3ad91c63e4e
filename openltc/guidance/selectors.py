"""Reads about customer guidance, always narrowed to what the user may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from openltc.core.errors import NotFound
from openltc.core.selectors import get_for_user
from openltc.core.visibility import CHANGE, VIEW, can_access
from openltc.guidance.choices import DIMENSIONS, ActionStatus, AppealsDimension
from openltc.guidance.models import (
    ActionItem,
    ActionItemQuerySet,
    Activity,
    AppealsAnalysis,
    AppealsRating,
    ChecklistItem,
    DocumentTemplate,
    Playbook,
    PlaybookTask,
    ValueMessage,
)
from openltc.opportunities.models import Opportunity


def opportunity_get(*, user: Any, pk: Any, action: str = VIEW) -> Opportunity:
    return get_for_user(
        Opportunity.objects.select_related("customer", "owner", "org_unit"), user=user, pk=pk, action=action
    )


def can_change(user: Any, opportunity: Opportunity) -> bool:
    return can_access(user, opportunity, CHANGE) and opportunity.is_open


# --- playbooks and the checklist ----------------------------------------------------------------


def playbook_for_stage(stage: str) -> Playbook | None:
    return (
        Playbook.objects.filter(stage=stage, is_active=True)
        .prefetch_related(
            Prefetch("tasks", queryset=PlaybookTask.objects.filter(is_active=True)),
            Prefetch("templates", queryset=DocumentTemplate.objects.filter(is_active=True)),
        )
        .first()
    )


def playbook_list() -> QuerySet[Playbook]:
    return Playbook.objects.filter(is_active=True).prefetch_related(
        Prefetch("tasks", queryset=PlaybookTask.objects.filter(is_active=True)),
        Prefetch("templates", queryset=DocumentTemplate.objects.filter(is_active=True)),
    )


def template_get(*, pk: Any) -> DocumentTemplate:
    found = (
        DocumentTemplate.objects.filter(pk=pk, is_active=True, playbook__is_active=True).first()
        if _uuid(pk)
        else None
    )
    if found is None:
        raise NotFound("Not found.")
    return found


def task_get(*, pk: Any) -> PlaybookTask:
    found = PlaybookTask.objects.filter(pk=pk).select_related("playbook").first() if _uuid(pk) else None
    if found is None:
        raise NotFound("Not found.")
    return found


def _uuid(value: Any) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except (TypeError, ValueError):
        return False
    return True


@dataclass
class ChecklistRow:
    task: PlaybookTask
    item: ChecklistItem | None

    @property
    def is_done(self) -> bool:
        return bool(self.item and self.item.is_done)


@dataclass
class Checklist:
    stage: str
    rows: list[ChecklistRow]

    @property
    def done(self) -> int:
        return sum(1 for r in self.rows if r.is_done)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def checklist(opportunity: Opportunity, playbook: Playbook | None = None) -> Checklist:
    """The key tasks of the opportunity's current stage with their items (open when missing).
    Items of earlier stages stay on the opportunity and are listed by ``earlier_items``."""
    playbook = playbook if playbook is not None else playbook_for_stage(opportunity.stage)
    tasks = list(playbook.tasks.all()) if playbook is not None else []
    items = {
        i.task_id: i
        for i in ChecklistItem.objects.filter(opportunity=opportunity, task__in=tasks).select_related(
            "done_by"
        )
    }
    return Checklist(stage=opportunity.stage, rows=[ChecklistRow(t, items.get(t.pk)) for t in tasks])


def earlier_items(opportunity: Opportunity) -> QuerySet[ChecklistItem]:
    return (
        ChecklistItem.objects.filter(opportunity=opportunity)
        .exclude(stage=opportunity.stage)
        .select_related("task", "done_by")
    )


def checklist_items(*, user: Any, opportunity: Opportunity) -> QuerySet[ChecklistItem]:
    return (
        ChecklistItem.objects.restrict(user, VIEW)
        .filter(opportunity=opportunity)
        .select_related("task", "done_by")
    )


# --- $APPEALS -------------------------------------------------------------------------------------


def current_appeals(opportunity: Opportunity) -> AppealsAnalysis | None:
    return (
        AppealsAnalysis.objects.filter(opportunity=opportunity, is_current=True)
        .select_related("created_by")
        .prefetch_related("ratings")
        .first()
    )


def appeals_history(opportunity: Opportunity) -> QuerySet[AppealsAnalysis]:
    return (
        AppealsAnalysis.objects.filter(opportunity=opportunity)
        .select_related("created_by")
        .prefetch_related("ratings")
        .order_by("-number")
    )


def appeals_get(*, opportunity: Opportunity, number: int) -> AppealsAnalysis:
    found = appeals_history(opportunity).filter(number=number).first()
    if found is None:
        raise NotFound("Not found.")
    return found


def radar_data(analysis: AppealsAnalysis | None, *, us_label: str, weight_label: str) -> dict[str, Any]:
    """The ECharts radar series: the customer's weight (scaled to 0–10 against the largest
    weight), our scores and each competitor's scores, per dimension in $APPEALS order."""
    indicators = [{"name": str(AppealsDimension(d).label), "max": 10} for d in DIMENSIONS]
    if analysis is None:
        return {"indicators": indicators, "series": []}
    ratings = {r.dimension: r for r in analysis.ratings.all()}
    top = max((r.customer_weight for r in ratings.values()), default=0) or 1
    series = [
        {
            "name": weight_label,
            "value": [
                round(float(ratings[d].customer_weight / top * 10), 2) if d in ratings else 0
                for d in DIMENSIONS
            ],
        },
        {"name": us_label, "value": [_val(ratings.get(d), None) for d in DIMENSIONS]},
    ]
    for name in analysis.competitors:
        series.append({"name": name, "value": [_val(ratings.get(d), name) for d in DIMENSIONS]})
    return {
        "indicators": indicators,
        "series": series,
        "key": [
            str(AppealsDimension(d).label) for d in DIMENSIONS if d in ratings and ratings[d].is_key_need
        ],
    }


def _val(rating: AppealsRating | None, competitor: str | None) -> int | None:
    if rating is None:
        return None
    return rating.our_score if competitor is None else rating.competitor_scores.get(competitor)


def key_needs(opportunity: Opportunity) -> list[AppealsRating]:
    analysis = current_appeals(opportunity)
    return [r for r in analysis.ratings.all() if r.is_key_need] if analysis else []


# --- FABE -----------------------------------------------------------------------------------------


def value_messages(opportunity: Opportunity) -> QuerySet[ValueMessage]:
    return ValueMessage.objects.filter(opportunity=opportunity).select_related("created_by")


def value_message_get(*, user: Any, pk: Any, action: str = VIEW) -> ValueMessage:
    return get_for_user(ValueMessage.objects.select_related("opportunity"), user=user, pk=pk, action=action)


def uncovered_key_needs(opportunity: Opportunity) -> list[AppealsRating]:
    """Key needs of the current $APPEALS analysis that no worksheet row answers yet."""
    covered = set(value_messages(opportunity).exclude(dimension="").values_list("dimension", flat=True))
    return [r for r in key_needs(opportunity) if r.dimension not in covered]


# --- activities and actions ----------------------------------------------------------------------


def activities(opportunity: Opportunity) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(opportunity=opportunity)
        .select_related("created_by")
        .prefetch_related(Prefetch("actions", queryset=ActionItem.objects.select_related("owner")))
    )


def activity_get(*, user: Any, pk: Any, action: str = VIEW) -> Activity:
    return get_for_user(Activity.objects.select_related("opportunity"), user=user, pk=pk, action=action)


def action_get(*, user: Any, pk: Any) -> ActionItem:
    return get_for_user(ActionItem.objects.select_related("opportunity", "owner"), user=user, pk=pk)


def opportunity_actions(opportunity: Opportunity) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(opportunity=opportunity).select_related("owner", "activity")


ACTION_FILTER_KEYS = ("q", "status", "owner", "overdue", "opportunity")


def action_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> ActionItemQuerySet:
    """Filters: q (title, opportunity number/title), status, owner ("me" or a user id),
    overdue ("1"), opportunity (id)."""
    filters = filters or {}
    qs: ActionItemQuerySet = ActionItem.objects.restrict(user, VIEW).select_related(  # type: ignore[attr-defined]
        "opportunity", "owner", "activity"
    )
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(title__icontains=q) | Q(opportunity__number__icontains=q) | Q(opportunity__title__icontains=q)
        )
    status = filters.get("status")
    if status in ActionStatus.values:
        qs = qs.filter(status=status)
    owner = filters.get("owner")
    if owner == "me":
        qs = qs.filter(owner=user)
    elif owner:
        try:
            qs = qs.filter(owner_id=int(owner))
        except (TypeError, ValueError):
            qs = qs.none()
    if str(filters.get("overdue") or "") in ("1", "true", "True"):
        qs = qs.overdue()
    opportunity = filters.get("opportunity")
    if opportunity:
        qs = qs.filter(opportunity_id=opportunity) if _uuid(opportunity) else qs.none()
    return qs.order_by("due_date", "created_at")


def my_open_actions(user: Any) -> ActionItemQuerySet:
    return ActionItem.objects.restrict(user, VIEW).filter(owner=user).open()  # type: ignore[attr-defined,no-any-return]


def my_overdue_actions(user: Any) -> ActionItemQuerySet:
    return my_open_actions(user).overdue(timezone.localdate())
