"""Generic write helpers that entity services build on."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.core.exceptions import NON_FIELD_ERRORS, FieldError, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models import BooleanField, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE
from django.utils.translation import gettext_lazy as _

from openltc.core.audit import diff, record_event, snapshot
from openltc.core.checks import evaluate
from openltc.core.errors import Conflict, from_validation_error

M = TypeVar("M", bound=models.Model)
logger = logging.getLogger(__name__)


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
        _full_clean(instance, skipped)
    except ValidationError as exc:
        raise from_validation_error(exc) from None


def _full_clean(instance: models.Model, exclude: set[str]) -> None:
    """``Model.full_clean`` with the same checks in fewer queries (the lead API ran 12 for them):

    - a foreign key whose related row is already loaded on the instance is not looked up again
      (unless ``limit_choices_to`` or validators restrict it); the database constraint still holds;
    - the primary key is not checked for uniqueness when it cannot collide: an existing row
      (the check excludes the row itself) or a new one whose key is a generated, non-editable
      default (a fresh UUID);
    - all check constraints are evaluated in one query instead of one query (and savepoint) each.
    """
    errors: dict[str, Any] = {}
    try:
        instance.clean_fields(exclude=exclude | _loaded_foreign_keys(instance))
    except ValidationError as e:
        errors = e.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as e:
        errors = e.update_error_dict(errors)
    # Unique and constraint checks only for the fields that passed validation, as full_clean does.
    exclude = exclude | {name for name in errors if name != NON_FIELD_ERRORS}
    pk = instance._meta.pk
    fresh_key = not instance._state.adding or (pk is not None and pk.has_default() and not pk.editable)
    try:
        instance.validate_unique(exclude=exclude | ({pk.name} if fresh_key and pk is not None else set()))
    except ValidationError as e:
        errors = e.update_error_dict(errors)
    exclude = exclude | {name for name in errors if name != NON_FIELD_ERRORS}
    try:
        _validate_constraints(instance, exclude)
    except ValidationError as e:
        errors = e.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _loaded_foreign_keys(instance: models.Model) -> set[str]:
    """Foreign keys whose related row was read from the database into this instance's cache."""
    names = set()
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey):  # a OneToOneField is one too
            continue
        if field.validators or field.get_limit_choices_to() or not field.is_cached(instance):
            continue
        value = getattr(instance, field.attname)
        related = field.get_cached_value(instance)
        if (
            value is not None
            and related is not None
            and not related._state.adding
            and related._state.db is not None
            and getattr(related, field.target_field.attname) == value
        ):
            names.add(field.name)
    return names


def _validate_constraints(instance: models.Model, exclude: set[str]) -> None:
    """``Model.validate_constraints`` with every ``CheckConstraint`` of a model evaluated in one
    ``SELECT`` (Django runs one query per constraint, each in its own savepoint)."""
    using = router.db_for_write(type(instance), instance=instance)
    errors: dict[str, Any] = {}
    for model_class, constraints in instance.get_constraints():
        checks = [c for c in constraints if isinstance(c, models.CheckConstraint)]
        failed = _failed_checks(model_class, instance, checks, exclude, using)
        for constraint in constraints:
            try:
                if constraint in failed:
                    raise ValidationError(
                        constraint.get_violation_error_message(), code=constraint.violation_error_code
                    )
                if not isinstance(constraint, models.CheckConstraint):
                    cast(Any, constraint).validate(model_class, instance, exclude=exclude, using=using)
            except ValidationError as e:
                fields: tuple[str, ...] = tuple(getattr(constraint, "fields", ()))
                if getattr(e, "code", None) == "unique" and len(fields) == 1:
                    errors.setdefault(fields[0], []).append(e)
                else:
                    errors = e.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _failed_checks(
    model_class: type[models.Model],
    instance: models.Model,
    checks: list[models.CheckConstraint],
    exclude: set[str],
    using: str,
) -> list[models.CheckConstraint]:
    """The check constraints the instance's values violate, like ``CheckConstraint.validate``: a
    condition on an excluded field is skipped, NULL passes, and a database error counts as a pass."""
    if not checks:
        return []
    # Most conditions compare fields with constants: Python gives the database's answer without
    # a savepoint and a query (openltc.core.checks); the rest go to the database below.
    excluded = exclude | {f.attname for f in model_class._meta.concrete_fields if f.name in exclude}
    failed_here: list[models.CheckConstraint] = []
    for_database: list[models.CheckConstraint] = []
    for constraint in checks:
        if Q(constraint.condition).referenced_base_fields & excluded:
            continue  # as Django: a condition on an excluded field is not checked
        passed = evaluate(constraint.condition, instance)
        if passed is None:
            for_database.append(constraint)
        elif not passed:
            failed_here.append(constraint)
    return failed_here + _failed_checks_in_database(model_class, instance, for_database, exclude, using)


def _failed_checks_in_database(
    model_class: type[models.Model],
    instance: models.Model,
    checks: list[models.CheckConstraint],
    exclude: set[str],
    using: str,
) -> list[models.CheckConstraint]:
    """The check constraints the instance's values violate, asked of the database in one query."""
    if not checks:
        return []
    connection = connections[using]
    if not connection.features.supports_comparing_boolean_expr:
        failed = []
        for constraint in checks:
            try:
                cast(Any, constraint).validate(model_class, instance, exclude=exclude, using=using)
            except ValidationError:
                failed.append(constraint)
        return failed
    against = cast(Any, instance)._get_field_expression_map(meta=model_class._meta, exclude=exclude)
    query = Query(None)

    def provide(names: Iterable[str]) -> None:
        for name in names:
            if name in against and name not in query.annotations:
                value = against[name]
                value = value if hasattr(value, "resolve_expression") else Value(value)
                query.add_annotation(value, name, select=False)

    # Only the fields the conditions name (all of them, as Django does, if that is not enough).
    provide({"pk", *(name for c in checks for name in Q(c.condition).referenced_base_fields)})
    evaluated = []
    for i, constraint in enumerate(checks):
        condition = Coalesce(Q(constraint.condition), Value(True), output_field=BooleanField())
        try:
            query.add_annotation(condition, f"_check_{i}")
        except FieldError:
            provide(against)
            try:
                query.add_annotation(condition, f"_check_{i}")
            except FieldError:  # refers to an excluded field
                continue
        evaluated.append(constraint)
    if not evaluated:
        return []
    atomic = transaction.atomic(using=using) if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with atomic:
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError as e:
        logger.warning("Got a database error checking the constraints of %r: %s", instance, e)
        return []
    return [constraint for constraint, passed in zip(evaluated, row or (), strict=False) if not passed]


def as_stored(instance: M) -> M:
    """The just-saved ``instance`` with its values as the database gives them back, so that a
    response built from it reads the same as one built from a fresh read: decimals carry their
    field's decimal places (``Decimal("1E+5")`` is stored, and read back, as ``100000.00``)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.DecimalField):
            value = getattr(instance, field.attname)
            if value is not None:
                setattr(
                    instance,
                    field.attname,
                    field.to_python(value).quantize(Decimal(1).scaleb(-field.decimal_places)),
                )
    return instance


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
