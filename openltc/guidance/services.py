"""Writes about customer guidance. Every write locks the opportunity (or the record), checks the
caller may work on it, validates, saves and records one audit event in the same transaction.

Records belong to an opportunity: whoever may change the opportunity (owner, team, managers of
its unit) may write them; whoever may only see it gets 403, anyone else 404.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from openltc.core.audit import record_event
from openltc.core.errors import Conflict, DomainError, Forbidden, NotFound, TransitionRefused
from openltc.core.selectors import lock_for_update
from openltc.core.services import check_version, validate
from openltc.core.uploads import check_upload
from openltc.core.visibility import CHANGE, VIEW, can_access
from openltc.guidance import workflow
from openltc.guidance.choices import (
    DIMENSIONS,
    TEMPLATE_EXTENSIONS,
    ActionStatus,
    ActivityKind,
    AppealsDimension,
)
from openltc.guidance.models import (
    ActionItem,
    Activity,
    AppealsAnalysis,
    AppealsRating,
    ChecklistItem,
    DocumentTemplate,
    Playbook,
    PlaybookTask,
    ValueMessage,
)
from openltc.opportunities.choices import OPEN_STAGES
from openltc.opportunities.models import Opportunity

MAX_COMPETITORS = 10
SCORE_MAX = 10


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _lock_opportunity(actor: Any, opportunity: Opportunity, *, require_open: bool = True) -> Opportunity:
    locked = lock_for_update(Opportunity.objects.all(), pk=opportunity.pk)
    if not can_access(actor, locked, VIEW):
        raise NotFound(_("Not found."))
    if not can_access(actor, locked, CHANGE):
        raise Forbidden(_("You may not work on this opportunity."))
    if require_open and locked.stage not in OPEN_STAGES:
        raise Conflict(_("This opportunity is already closed."))
    return locked


def _clean_text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit] if value is not None else ""


# --- playbooks and templates ---------------------------------------------------------------------


def check_template_upload(upload: UploadedFile) -> str:
    """The cleaned name of an acceptable template file; refuses bad names, types and sizes."""
    return check_upload(upload, field="file", extensions=TEMPLATE_EXTENSIONS)


def _require_admin(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and getattr(actor, "is_staff", False)):
        raise Forbidden(_("Only administrators maintain the playbooks."))


@transaction.atomic
def template_create(
    *,
    actor: Any,
    playbook: Playbook,
    name: str,
    name_zh: str = "",
    description: str = "",
    upload: UploadedFile | None = None,
    text: str = "",
) -> DocumentTemplate:
    """A document template on a playbook: an uploaded file or a text template (one of them)."""
    _require_admin(actor)
    if upload is None and not (text or "").strip():
        raise _invalid("file", _("Upload a file or write a text template."))
    if upload is not None and (text or "").strip():
        raise _invalid("text", _("Give either a file or a text template, not both."))
    position = (playbook.templates.aggregate(m=Max("position"))["m"] or 0) + 10
    template = DocumentTemplate(
        playbook=playbook,
        position=position,
        name=_clean_text(name, 200),
        name_zh=_clean_text(name_zh, 200),
        description=(description or "").strip(),
        text=(text or "").strip(),
    )
    if upload is not None:
        cleaned = check_template_upload(upload)
        upload.name = cleaned
        template.file = upload  # type: ignore[assignment]
        template.original_name = cleaned
        template.size = int(upload.size or 0)
    validate(template, exclude=["file"])
    template.save()
    record_event(
        actor=actor,
        action="guidance.template_created",
        subject=template,
        after={"playbook": playbook.stage, "name": template.name, "file": template.original_name},
    )
    return template


# --- the checklist -------------------------------------------------------------------------------


def checklist_sync(opportunity: Opportunity, stage: str | None = None) -> list[ChecklistItem]:
    """Adds the key tasks of the opportunity's current stage as checklist items (idempotent).

    Runs when an opportunity enters a stage (``signals.py``) and before a tick; creates only
    derived rows, so it needs no actor and writes no audit event of its own."""
    stage = stage or opportunity.stage
    tasks = PlaybookTask.objects.filter(
        playbook__stage=stage, playbook__is_active=True, is_active=True
    ).exclude(items__opportunity=opportunity)
    created = [ChecklistItem(opportunity=opportunity, task=task, stage=stage) for task in tasks]
    if created:
        ChecklistItem.objects.bulk_create(created, ignore_conflicts=True)
    return created


@transaction.atomic
def checklist_item_set(
    *, actor: Any, opportunity: Opportunity, task: PlaybookTask, done: bool, note: str | None = None
) -> ChecklistItem:
    """Ticks (or unticks) a key task on the opportunity, recording who and when; updates the note."""
    locked = _lock_opportunity(actor, opportunity)
    checklist_sync(locked)
    item = ChecklistItem.objects.select_for_update().filter(opportunity=locked, task=task).first()
    if item is None:
        raise _invalid("task", _("This task is not on the opportunity's checklist."))
    before = {"is_done": item.is_done, "note": item.note}
    if done and not item.is_done:
        item.is_done, item.done_by, item.done_at = True, actor, timezone.now()
    elif not done and item.is_done:
        item.is_done, item.done_by, item.done_at = False, None, None
    if note is not None:
        item.note = note.strip()
    validate(item)
    item.save()
    after = {"is_done": item.is_done, "note": item.note}
    if before != after:
        record_event(
            actor=actor,
            action="guidance.checklist_ticked" if item.is_done else "guidance.checklist_unticked",
            subject=locked,
            before={"task": task.code, **before},
            after={"task": task.code, **after},
        )
    return item


# --- $APPEALS -------------------------------------------------------------------------------------


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise _invalid(field, _("Enter a number.")) from None
    if not number.is_finite():
        raise _invalid(field, _("Enter a number."))
    return number


def _score(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _invalid(field, _("Scores run from 0 to 10."))
    if isinstance(value, int):
        score = value
    elif isinstance(value, str) and value.strip().isdigit():
        score = int(value.strip())
    else:
        raise _invalid(field, _("Scores run from 0 to 10."))
    if not 0 <= score <= SCORE_MAX:
        raise _invalid(field, _("Scores run from 0 to 10."))
    return score


def _competitor_names(value: Iterable[Any]) -> list[str]:
    names: list[str] = []
    for raw in value:
        name = str(raw or "").strip()[:200]
        if "\x00" in name:
            raise _invalid("competitors", _("Null characters are not allowed."))
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_COMPETITORS:
        raise _invalid(
            "competitors", _("At most %(n)s competitors can be compared.") % {"n": MAX_COMPETITORS}
        )
    return names


@transaction.atomic
def appeals_save(
    *,
    actor: Any,
    opportunity: Opportunity,
    ratings: Iterable[Mapping[str, Any]],
    competitors: Iterable[str] = (),
    summary: str = "",
) -> AppealsAnalysis:
    """Saves a new $APPEALS analysis of the opportunity; the previous one stays as history.

    ``ratings``: one mapping per dimension with ``dimension``, ``customer_weight`` (percent; the
    weights must add up to 100), ``our_score`` and ``competitor_scores`` ({name: score}, 0–10),
    ``is_key_need`` and ``need`` (required for a key need)."""
    locked = _lock_opportunity(actor, opportunity)
    names = _competitor_names(competitors)
    rows: dict[str, AppealsRating] = {}
    for raw in ratings:
        dimension = str(raw.get("dimension") or "")
        if dimension not in DIMENSIONS:
            raise _invalid("ratings", _("Unknown $APPEALS dimension “%(d)s”.") % {"d": dimension[:40]})
        if dimension in rows:
            raise _invalid("ratings", _("Each dimension may be rated only once."))
        label = str(AppealsDimension(dimension).label)
        weight = _decimal(raw.get("customer_weight", 0) or 0, f"{dimension}-customer_weight")
        if not Decimal(0) <= weight <= Decimal(100):
            raise _invalid(f"{dimension}-customer_weight", _("The weight must be between 0 and 100."))
        scores: dict[str, int] = {}
        for name, value in dict(raw.get("competitor_scores") or {}).items():
            clean = str(name).strip()[:200]
            if "\x00" in clean:
                raise _invalid("competitor_scores", _("Null characters are not allowed."))
            if clean not in names:
                raise _invalid(
                    "competitor_scores",
                    _("“%(name)s” is not among the competitors of this analysis.") % {"name": clean[:60]},
                )
            score = _score(value, f"{dimension}-competitor_scores")
            if score is not None:
                scores[clean] = score
        need = _clean_text(raw.get("need"), 500)
        key = bool(raw.get("is_key_need"))
        if key and not need:
            raise _invalid(
                f"{dimension}-need", _("Say what the customer needs for the key need “%(d)s”.") % {"d": label}
            )
        rows[dimension] = AppealsRating(
            dimension=dimension,
            position=DIMENSIONS.index(dimension),
            customer_weight=weight.quantize(Decimal("0.1")),
            our_score=_score(raw.get("our_score"), f"{dimension}-our_score"),
            competitor_scores=scores,
            is_key_need=key,
            need=need,
        )
    missing = [d for d in DIMENSIONS if d not in rows]
    if missing:
        raise _invalid("ratings", _("Rate all eight $APPEALS dimensions."))
    total = sum((r.customer_weight for r in rows.values()), Decimal(0))
    if total != Decimal(100):
        raise _invalid(
            "ratings", _("The customer weights must add up to 100 (now %(total)s).") % {"total": total}
        )
    previous = AppealsAnalysis.objects.select_for_update().filter(opportunity=locked, is_current=True).first()
    number = (AppealsAnalysis.objects.filter(opportunity=locked).aggregate(m=Max("number"))["m"] or 0) + 1
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current", "updated_at"])
    analysis = AppealsAnalysis(
        opportunity=locked,
        number=number,
        is_current=True,
        competitors=names,
        summary=(summary or "").strip(),
        created_by=actor,
    )
    validate(analysis)
    analysis.save()
    for rating in rows.values():
        rating.analysis = analysis
        validate(rating)
    AppealsRating.objects.bulk_create(rows.values())
    record_event(
        actor=actor,
        action="guidance.appeals_saved",
        subject=locked,
        before={"appeals_version": previous.number if previous else None},
        after={
            "appeals_version": number,
            "weights": {d: str(r.customer_weight) for d, r in rows.items()},
            "key_needs": [d for d, r in rows.items() if r.is_key_need],
        },
    )
    return analysis


# --- FABE / FFAB value messages -----------------------------------------------------------------

VALUE_MESSAGE_FIELDS = ("dimension", "need", "feature", "function", "advantage", "benefit", "evidence")


def _message_data(data: Mapping[str, Any]) -> dict[str, str]:
    cleaned = {k: str(data[k] or "").strip() for k in VALUE_MESSAGE_FIELDS if k in data}
    if cleaned.get("dimension") and cleaned["dimension"] not in DIMENSIONS:
        raise _invalid("dimension", _("Choose a $APPEALS dimension or none."))
    return cleaned


@transaction.atomic
def value_message_create(*, actor: Any, opportunity: Opportunity, data: Mapping[str, Any]) -> ValueMessage:
    """A worksheet row. Given only a dimension, the need is taken from the current $APPEALS
    analysis (its key need of that dimension)."""
    locked = _lock_opportunity(actor, opportunity)
    cleaned = _message_data(data)
    if not cleaned.get("need") and cleaned.get("dimension"):
        rating = AppealsRating.objects.filter(
            analysis__opportunity=locked, analysis__is_current=True, dimension=cleaned["dimension"]
        ).first()
        cleaned["need"] = rating.need if rating is not None else ""
    position = (locked.value_messages.aggregate(m=Max("position"))["m"] or 0) + 10
    message = ValueMessage(opportunity=locked, position=position, created_by=actor, **cleaned)
    validate(message)
    message.save()
    record_event(
        actor=actor,
        action="guidance.value_message_created",
        subject=locked,
        after={k: getattr(message, k) for k in VALUE_MESSAGE_FIELDS},
    )
    return message


def _lock_message(actor: Any, message: ValueMessage, expected_version: int | None) -> ValueMessage:
    _lock_opportunity(actor, message.opportunity)
    locked = lock_for_update(ValueMessage.objects.all(), pk=message.pk)
    check_version(locked, expected_version)
    return locked


@transaction.atomic
def value_message_update(
    *, actor: Any, message: ValueMessage, data: Mapping[str, Any], expected_version: int | None = None
) -> ValueMessage:
    locked = _lock_message(actor, message, expected_version)
    cleaned = _message_data(data)
    before = {k: getattr(locked, k) for k in cleaned}
    for key, value in cleaned.items():
        setattr(locked, key, value)
    changed = {k: v for k, v in cleaned.items() if before[k] != v}
    if not changed:
        return locked
    validate(locked)
    locked.lock_version += 1
    locked.save()
    record_event(
        actor=actor,
        action="guidance.value_message_updated",
        subject=locked.opportunity,
        before={k: before[k] for k in changed},
        after=changed,
    )
    return locked


@transaction.atomic
def value_message_delete(*, actor: Any, message: ValueMessage, expected_version: int | None = None) -> None:
    locked = _lock_message(actor, message, expected_version)
    record_event(
        actor=actor,
        action="guidance.value_message_deleted",
        subject=locked.opportunity,
        before={k: getattr(locked, k) for k in VALUE_MESSAGE_FIELDS},
    )
    locked.delete()


# --- activities, minutes and action items ---------------------------------------------------------


def _check_owner(owner: Any, opportunity: Opportunity, field: str = "owner") -> None:
    if owner is None or not getattr(owner, "is_active", False):
        raise _invalid(field, _("Choose an active person."))
    if not can_access(owner, opportunity, VIEW):
        raise _invalid(field, _("The owner must be able to see the opportunity (add them to the team)."))


def _action(
    opportunity: Opportunity, activity: Activity | None, raw: Mapping[str, Any], index: int
) -> ActionItem:
    field = "actions" if index < 0 else f"actions-{index}"
    title = _clean_text(raw.get("title"), 300)
    owner = raw.get("owner")
    due = raw.get("due_date")
    if not title:
        raise _invalid(field, _("Describe the action."))
    if not isinstance(due, datetime.date):
        raise _invalid(field, _("Give the action a due date."))
    _check_owner(owner, opportunity, field)
    item = ActionItem(opportunity=opportunity, activity=activity, title=title, owner=owner, due_date=due)
    validate(item, exclude=["activity"])  # the activity may not be saved yet; it is this opportunity's
    return item


@transaction.atomic
def activity_create(
    *,
    actor: Any,
    opportunity: Opportunity,
    kind: str,
    subject: str,
    held_at: datetime.datetime | None = None,
    participants: str = "",
    minutes: str = "",
    actions: Iterable[Mapping[str, Any]] = (),
) -> Activity:
    """Records an activity or project meeting with its minutes and the actions agreed."""
    locked = _lock_opportunity(actor, opportunity, require_open=False)
    if kind not in ActivityKind.values:
        raise _invalid("kind", _("Choose a kind of activity."))
    activity = Activity(
        opportunity=locked,
        kind=kind,
        subject=_clean_text(subject, 200),
        held_at=held_at or timezone.now(),
        participants=(participants or "").strip(),
        minutes=(minutes or "").strip(),
        created_by=actor,
    )
    validate(activity)
    items = [_action(locked, activity, raw, i) for i, raw in enumerate(actions)]
    activity.save()
    for item in items:
        item.activity = activity
        item.save()
    record_event(
        actor=actor,
        action="guidance.activity_recorded",
        subject=locked,
        after={
            "kind": kind,
            "subject": activity.subject,
            "held_at": activity.held_at,
            "actions": [{"title": i.title, "owner": i.owner_id, "due": i.due_date} for i in items],
        },
    )
    return activity


@transaction.atomic
def activity_update(
    *, actor: Any, activity: Activity, data: Mapping[str, Any], expected_version: int | None = None
) -> Activity:
    """Corrects an activity's subject, time, participants or minutes."""
    _lock_opportunity(actor, activity.opportunity, require_open=False)
    locked = lock_for_update(Activity.objects.all(), pk=activity.pk)
    check_version(locked, expected_version)
    fields = [f for f in ("kind", "subject", "held_at", "participants", "minutes") if f in data]
    before = {f: getattr(locked, f) for f in fields}
    for name in fields:
        value = data[name]
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    changed = [f for f in fields if before[f] != getattr(locked, f)]
    if not changed:
        return locked
    if locked.kind not in ActivityKind.values:
        raise _invalid("kind", _("Choose a kind of activity."))
    validate(locked)
    locked.lock_version += 1
    locked.save()
    record_event(
        actor=actor,
        action="guidance.activity_updated",
        subject=locked.opportunity,
        before={f: before[f] for f in changed},
        after={f: getattr(locked, f) for f in changed},
    )
    return locked


@transaction.atomic
def action_item_create(
    *,
    actor: Any,
    opportunity: Opportunity,
    title: str,
    owner: Any,
    due_date: datetime.date | None,
    activity: Activity | None = None,
) -> ActionItem:
    locked = _lock_opportunity(actor, opportunity, require_open=False)
    if activity is not None and activity.opportunity_id != locked.pk:
        raise _invalid("activity", _("The activity belongs to another opportunity."))
    item = _action(locked, activity, {"title": title, "owner": owner, "due_date": due_date}, -1)
    item.save()
    record_event(
        actor=actor,
        action="guidance.action_created",
        subject=item,
        after={"title": item.title, "owner": item.owner_id, "due_date": item.due_date},
    )
    return item


@transaction.atomic
def action_item_transition(
    *,
    actor: Any,
    item: ActionItem,
    target: str,
    outcome: str = "",
    expected_version: int | None = None,
) -> ActionItem:
    """Completes, cancels (with a reason) or reopens an action. The action's owner may do so
    even without change rights on the opportunity."""
    locked = lock_for_update(ActionItem.objects.select_related("opportunity"), pk=item.pk)
    if not can_access(actor, locked, VIEW):
        raise NotFound(_("Not found."))
    if locked.owner_id != getattr(actor, "pk", None) and not can_access(actor, locked.opportunity, CHANGE):
        raise Forbidden(_("You may not change this action."))
    check_version(locked, expected_version)
    if target not in ActionStatus.values:
        raise _invalid("status", _("Choose a valid status."))
    reason = workflow.transition_reason(locked, target, outcome)
    if reason:
        raise TransitionRefused(reason)
    before = {"status": locked.status, "outcome": locked.outcome}
    locked.status = target
    locked.completed_at = None if target == ActionStatus.OPEN else timezone.now()
    if (outcome or "").strip():
        locked.outcome = outcome.strip()
    validate(locked)
    locked.lock_version += 1
    locked.save()
    record_event(
        actor=actor,
        action=f"guidance.action_{workflow.ACTION_FOR[target]}",
        subject=locked,
        before=before,
        after={"status": locked.status, "outcome": locked.outcome},
    )
    return locked
