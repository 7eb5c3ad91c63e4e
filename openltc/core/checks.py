"""Check constraints evaluated in Python, with the database's answer.

Every service validates a record before it writes it, and Django evaluates each ``CheckConstraint``
with a query in its own savepoint: three round trips for a check the new values decide alone. Most
of the project's constraints are comparisons of a field with a constant or with another field
(``status = 'converted' → converted_at IS NOT NULL``, ``amount >= 0``, ``end >= start``), which
Python can evaluate exactly as SQL does, NULLs included. :func:`evaluate` does that and answers
``None`` for anything it cannot evaluate the way the database would (expressions, relations,
ordering of strings, whose order is the database's collation); the caller then asks the database.
``openltc/core/tests/test_checks.py`` compares both answers over every constraint of every model.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

from django.db import models
from django.db.models import F, Q

#: Values Python orders as SQL does (numbers, dates, times; never strings, never booleans vs numbers).
_ORDERED = (int, float, Decimal, datetime.date, datetime.datetime, datetime.time, datetime.timedelta)


class _Unsupported(Exception):
    """The condition uses something Python cannot evaluate as the database would."""


def evaluate(condition: Any, instance: models.Model) -> bool | None:
    """``True`` if ``instance`` passes ``condition`` (a CHECK passes when its condition is true or
    unknown, as in SQL), ``False`` if it fails, ``None`` if only the database can say."""
    if not isinstance(condition, Q):
        return None
    fields = {f.name: f for f in instance._meta.concrete_fields}
    fields.update({f.attname: f for f in instance._meta.concrete_fields})
    try:
        result = _q(condition, instance, fields)
    except (_Unsupported, TypeError, ValueError, ArithmeticError):
        return None
    return result is not False


def _q(q: Q, instance: models.Model, fields: dict[str, models.Field[Any, Any]]) -> bool | None:
    """Three-valued (True, False, None for SQL's unknown) value of ``q``."""
    values: list[bool | None] = []
    for child in q.children:
        if isinstance(child, Q):
            values.append(_q(child, instance, fields))
        else:
            key, expected = cast(tuple[str, Any], child)
            values.append(_lookup(key, expected, instance, fields))
    if q.connector == Q.AND:
        result: bool | None = False if False in values else (None if None in values else True)
    elif q.connector == Q.OR:
        result = True if True in values else (None if None in values else False)
    else:
        raise _Unsupported(q.connector)
    if q.negated:
        return None if result is None else not result
    return result


def _value(name: str, instance: models.Model, fields: dict[str, models.Field[Any, Any]]) -> Any:
    field = fields.get(name)
    if field is None or field.is_relation:
        raise _Unsupported(name)
    return getattr(instance, field.attname)


def _lookup(
    key: str, expected: Any, instance: models.Model, fields: dict[str, models.Field[Any, Any]]
) -> bool | None:
    name, _, lookup = key.partition("__")
    lookup = lookup or "exact"
    if "__" in lookup:  # a transform or a relation (``customer__tier``)
        raise _Unsupported(key)
    field = fields.get(name)
    if field is None:
        raise _Unsupported(name)
    if lookup == "isnull":
        if not isinstance(expected, bool):
            raise _Unsupported(key)
        return (getattr(instance, field.attname) is None) == expected
    if field.is_relation:
        raise _Unsupported(key)
    value = getattr(instance, field.attname)
    if isinstance(expected, F):
        expected = _value(expected.name, instance, fields)
    elif hasattr(expected, "resolve_expression"):
        raise _Unsupported(key)
    if lookup == "exact" and expected is None:  # Django turns ``field=None`` into IS NULL
        return value is None
    if value is None:
        return None
    if lookup == "in":
        if not isinstance(expected, (list, tuple, set, frozenset)) or any(v is None for v in expected):
            raise _Unsupported(key)
        return any(_equal(value, v) for v in expected)
    if lookup == "range":
        low, high = expected
        if low is None or high is None:
            return None
        return _compare(value, low) >= 0 and _compare(value, high) <= 0
    if expected is None:
        return None
    if lookup == "exact":
        return _equal(value, expected)
    order = _compare(value, expected)
    if lookup == "gt":
        return order > 0
    if lookup == "gte":
        return order >= 0
    if lookup == "lt":
        return order < 0
    if lookup == "lte":
        return order <= 0
    raise _Unsupported(key)


def _equal(value: Any, expected: Any) -> bool:
    if isinstance(value, str) and isinstance(expected, str):
        return str(value) == str(expected)
    if isinstance(value, bool) or isinstance(expected, bool):
        if isinstance(value, bool) and isinstance(expected, bool):
            return value == expected
        raise _Unsupported("boolean against another type")
    return _compare(value, expected) == 0


def _compare(value: Any, expected: Any) -> int:
    if isinstance(value, bool) or isinstance(expected, bool):
        raise _Unsupported("ordering of booleans")
    if not isinstance(value, _ORDERED) or not isinstance(expected, _ORDERED):
        raise _Unsupported("ordering outside numbers and dates")
    if isinstance(value, datetime.datetime) != isinstance(expected, datetime.datetime):
        raise _Unsupported("date against datetime")
    if isinstance(value, float) or isinstance(expected, float):
        raise _Unsupported("binary floating point")
    left: Any = value  # narrowed above to comparable kinds; a mismatch raises TypeError
    right: Any = expected
    return int(left > right) - int(left < right)
