"""Generic write helpers that entity services build on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from openltc.core.audit import diff, record_event, snapshot
from openltc.core.errors import Conflict, from_validation_error

M = TypeVar("M", bound=models.Model)


def validate(instance: models.Model, *, exclude: Iterable[str] | None = None) -> None:
    """Runs ``full_clean`` and turns its ValidationError into a DomainError with field errors."""
    skipped = set(exclude or ())
    errors: dict[str, list[str]] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        # Model fields (unlike form fields) let NUL through; PostgreSQL cannot store it in text.
        if field.name not in skipped and isinstance(value, str) and "\x00" in value:
            errors[field.name] = [str(_("Null characters are not allowed."))]
    if errors:
        raise from_validation_error(ValidationError(errors))
    try:
        instance.full_clean(exclude=list(exclude) if exclude else None)
    except ValidationError as exc:
        raise from_validation_error(exc) from None


def check_version(instance: models.Model, expected: int | None) -> None:
    """Refuses a write based on a stale read (optimistic locking)."""
    from django.utils.translation import gettext as _

    current = getattr(instance, "lock_version", None)
    if expected is not None and current is not None and int(expected) != current:
        raise Conflict(
            _(
                "This record was changed by someone else (now version %(current)s, you edited version %(expected)s). Reload it and apply your change again."
            )
            % {"current": current, "expected": expected},
            extra={"current_version": current},
        )


def model_update(
    *,
    instance: M,
    fields: Iterable[str],
    data: dict[str, Any],
    actor: Any,
    action: str,
    message: str = "",
) -> tuple[M, bool]:
    """Applies the whitelisted fields that changed, validates, saves, audits.

    Returns the instance and whether anything changed. Must run inside the caller's atomic block.
    """
    allowed = [f for f in fields if f in data]
    before = snapshot(instance, allowed)
    for name in allowed:
        setattr(instance, name, data[name])
    after = snapshot(instance, allowed)
    changed_before, changed_after = diff(before, after)
    if not changed_after:
        return instance, False
    validate(instance)
    update_fields = [*changed_after.keys()]
    if hasattr(instance, "lock_version"):
        instance.lock_version += 1  # type: ignore[attr-defined]
        update_fields.append("lock_version")
    if any(f.name == "updated_at" for f in instance._meta.get_fields()):
        update_fields.append("updated_at")
    instance.save(update_fields=update_fields)
    record_event(
        actor=actor,
        action=action,
        subject=instance,
        before=changed_before,
        after=changed_after,
        message=message,
    )
    return instance, True
