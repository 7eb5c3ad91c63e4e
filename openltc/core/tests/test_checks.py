"""Check constraints evaluated in Python (``openltc.core.checks``) give the database's answer.

Every ``CheckConstraint`` of every model is evaluated both ways on the same unsaved instance, with
its fields set to values drawn around the constraint's own constants (NULL, zero, negatives,
10^15, the choice values, empty strings, dates): where Python answers, it must answer as the
database does."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openltc.core.checks import evaluate
from openltc.core.services import _failed_checks_in_database

pytestmark = pytest.mark.django_db

CONSTRAINTS: list[tuple[type[models.Model], models.CheckConstraint]] = sorted(
    (
        (model, constraint)
        for model in apps.get_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint) and not model._meta.proxy
    ),
    key=lambda pair: (pair[0]._meta.label, pair[1].name),
)


def _constants(q: Any) -> list[Any]:
    found: list[Any] = []
    for child in q.children:
        if isinstance(child, Q):
            found += _constants(child)
        else:
            value = child[1]
            found += list(value) if isinstance(value, (list, tuple)) else [value]
    return [v for v in found if not hasattr(v, "resolve_expression")]


def _values(field: models.Field[Any, Any], constants: list[Any]) -> st.SearchStrategy[Any]:
    none = st.just(None)
    if isinstance(field, models.BooleanField):
        return st.sampled_from([None, True, False])
    if isinstance(field, models.DecimalField):
        places = field.decimal_places
        numbers = [Decimal(n) for n in (0, 1, -1, 10**12)] + [
            Decimal(str(c)) + d
            for c in constants
            if isinstance(c, (int, Decimal)) and not isinstance(c, bool)
            for d in (Decimal(0), Decimal(1).scaleb(-places), -Decimal(1).scaleb(-places))
        ]
        return (
            none
            | st.sampled_from(numbers)
            | st.decimals(
                min_value=-(10**9), max_value=10**9, places=places, allow_nan=False, allow_infinity=False
            )
        )
    if isinstance(field, (models.IntegerField, models.BigIntegerField)):
        numbers = [0, 1, -1, 10**9] + [
            c + d for c in constants if isinstance(c, int) and not isinstance(c, bool) for d in (-1, 0, 1)
        ]
        return none | st.sampled_from(numbers) | st.integers(-(10**9), 10**9)
    if isinstance(field, models.DateTimeField):
        return none | st.datetimes(
            min_value=datetime.datetime(2020, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
            max_value=datetime.datetime(2030, 1, 1),  # noqa: DTZ001
            timezones=st.just(datetime.UTC),
        ).map(lambda d: d.replace(microsecond=0))
    if isinstance(field, models.DateField):
        return none | st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 1, 1))
    if isinstance(field, (models.CharField, models.TextField)):
        words = ["", "x", " "] + [str(c) for c in constants if isinstance(c, str)]
        words += [str(value) for value, _ in (field.choices or [])]
        return none | st.sampled_from(sorted(set(words)))
    return none


@st.composite
def cases(draw: Any) -> tuple[type[models.Model], models.CheckConstraint, models.Model]:
    model, constraint = draw(st.sampled_from(CONSTRAINTS))
    instance = model()
    condition = Q(constraint.condition)
    constants = _constants(condition)
    fields = {f.name: f for f in model._meta.concrete_fields}
    fields.update({f.attname: f for f in model._meta.concrete_fields})
    for name in sorted(condition.referenced_base_fields):
        field = fields.get(name)
        if field is None or field.is_relation:
            continue
        setattr(instance, field.attname, draw(_values(field, constants)))
    return model, constraint, instance


def _database_passes(model: type[models.Model], constraint: models.CheckConstraint, instance: Any) -> bool:
    return not _failed_checks_in_database(model, instance, [constraint], set(), "default")


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_python_answers_as_the_database(case: tuple[Any, Any, Any]) -> None:
    model, constraint, instance = case
    answer = evaluate(constraint.condition, instance)
    if answer is not None:
        assert answer == _database_passes(model, constraint, instance), (
            model,
            constraint.name,
            vars(instance),
        )


def test_most_constraints_are_answered_in_python() -> None:
    # The point of the Python path is fewer round trips: the project's constraints are nearly all
    # comparisons with constants or other fields. A change that sends them back to the database
    # (or a new constraint shape) shows here.
    answered = [c.name for m, c in CONSTRAINTS if evaluate(c.condition, m()) is not None]
    assert len(CONSTRAINTS) >= 90
    assert len(answered) >= 0.85 * len(CONSTRAINTS), sorted(
        c.name for m, c in CONSTRAINTS if c.name not in answered
    )


@pytest.mark.parametrize(
    ("values", "passes"),
    [
        ({"estimated_value": None}, True),
        ({"estimated_value": Decimal("0.00")}, True),
        ({"estimated_value": Decimal("-0.01")}, False),
        ({"status": "converted", "converted_at": None}, False),
        ({"status": "disqualified", "disqualify_reason": ""}, False),
        ({"status": "disqualified", "disqualify_reason": "no_budget"}, True),
    ],
)
def test_lead_rules(values: dict[str, Any], passes: bool) -> None:
    from openltc.leads.models import Lead

    lead = Lead(**values)
    results = [
        evaluate(c.condition, lead) for c in Lead._meta.constraints if isinstance(c, models.CheckConstraint)
    ]
    assert None not in results
    assert all(results) is passes
