"""Writing the audit trail. Services call ``record_event`` inside their transaction, so a change
and its event commit together or not at all."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db import models, transaction

from openltc.core.models import AuditEvent
from openltc.core.request_context import current_request_id


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, File):  # an upload (admin forms with a file field): its name only
        return value.name
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``instance`` as JSON-safe values (foreign keys by id)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        data[name] = _jsonable(getattr(instance, attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as a (before, after) pair."""
    keys = [k for k in set(before) | set(after) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record_event(
    *,
    actor: Any,
    action: str,
    subject: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
) -> AuditEvent:
    """Write one audit event; must run inside the service's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must be called inside the service's atomic block")
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor_obj,
        actor_name=(actor_obj.get_username() if actor_obj else "system")[:150],
        action=action,
        subject_type=ContentType.objects.get_for_model(type(subject), for_concrete_model=False),
        subject_id=str(subject.pk),
        subject_repr=str(subject)[:200],
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        message=message[:500],
        request_id=current_request_id(),
    )


def events_for(subject: models.Model) -> models.QuerySet[AuditEvent]:
    """The audit events of one record, newest first."""
    return AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(type(subject), for_concrete_model=False),
        subject_id=str(subject.pk),
    ).select_related("actor")
