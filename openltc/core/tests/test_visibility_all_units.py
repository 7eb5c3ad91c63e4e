"""The company-wide short cut of ``restrict``: when every org unit lies in the user's subtrees
(``Scope.view_all_units`` / ``manage_all_units``, read in the scope's own query), ``restrict``
returns the queryset unfiltered for models whose rows always have a unit, and ``q_for`` says
"has a unit" instead of the path conditions. These tests compare it with the full condition
(the same scope with the flags cleared) row for row."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_unit, make_user
from openltc.analytics.models import Quota
from openltc.core.visibility import CHANGE, VIEW, Visibility, forget_scope, unit_always_set, user_scope
from openltc.leads.models import Lead
from openltc.opportunities.models import Opportunity, OpportunityTeamMember
from openltc.opportunities.tests.factories import make_opportunity
from openltc.org.models import OrgUnit, RoleAssignment
from openltc.org.roles import ROLE_REACH, Role

pytestmark = pytest.mark.django_db

MODELS: tuple[Any, ...] = (Opportunity, OpportunityTeamMember, Lead, Quota)


def _full(user: Any) -> Any:
    """The user's scope with the short cut switched off."""
    return dataclasses.replace(user_scope(user), view_all_units=False, manage_all_units=False)


def _rows(model: Any, user: Any, action: str) -> set[Any]:
    return set(model.objects.restrict(user, action).values_list("pk", flat=True))


def _rows_full(model: Any, user: Any, action: str) -> set[Any]:
    scope = user_scope(user)
    user._openltc_scope = _full(user)
    try:
        return _rows(model, user, action)
    finally:
        user._openltc_scope = scope


def _expected_flag(user: Any, action: str) -> bool:
    """Every unit under one of the paths, computed in Python."""
    paths = user_scope(user).paths_for(action)
    return all(any(u.startswith(p) for p in paths) for u in OrgUnit.objects.values_list("path", flat=True))


def _data(org: Any, rep: Any, other_rep: Any, teammate: Any) -> None:
    mine = make_opportunity(rep, title="Shanghai deal")
    theirs = make_opportunity(other_rep, title="Guangzhou deal")
    OpportunityTeamMember.objects.create(opportunity=theirs, user=teammate, role="sr")
    del mine
    for unit, owner in ((org.sh_team, rep), (org.gz_team, other_rep), (org.hq, None), (org.east, None)):
        Lead.objects.create(title=f"lead {unit.code}", company_name="Acme", org_unit=unit, owner=owner)
        Quota.objects.create(
            org_unit=unit,
            user=owner,
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 12, 31),
            amount=Decimal("10"),
        )


def test_every_model_declares_a_unit_chain_that_is_always_set() -> None:
    # Not required for correctness (a nullable chain keeps the owner/team conditions), but the
    # short cut only pays where it holds.
    assert unit_always_set(Opportunity, "org_unit")
    assert unit_always_set(OpportunityTeamMember, "opportunity__org_unit")
    assert not unit_always_set(OrgUnit, "parent")
    assert not unit_always_set(Opportunity, "team_members__user")


def test_flags_and_rows_for_every_persona(
    org: Any,
    rep: Any,
    teammate: Any,
    other_rep: Any,
    manager: Any,
    region_vp: Any,
    finance: Any,
    executive: Any,
) -> None:
    _data(org, rep, other_rep, teammate)
    people = (rep, teammate, other_rep, manager, region_vp, finance, executive)
    for user in people:
        forget_scope(user)
        with CaptureQueriesContext(connection) as queries:
            scope = user_scope(user)
        assert len(queries.captured_queries) == 1  # the flags come with the paths
        for action in (VIEW, CHANGE):
            assert scope.all_units(action) is _expected_flag(user, action), (user.username, action)
            for model in MODELS:
                assert _rows(model, user, action) == _rows_full(model, user, action), (
                    user.username,
                    action,
                    model.__name__,
                )
    assert user_scope(executive).view_all_units
    assert user_scope(finance).view_all_units
    assert not user_scope(executive).manage_all_units
    assert not user_scope(region_vp).view_all_units
    assert not user_scope(rep).view_all_units
    # The executive's opportunities are not filtered at all; the full condition sees the same.
    assert "WHERE" not in str(Opportunity.objects.restrict(executive, VIEW).query)
    assert _rows(Opportunity, executive, VIEW) == set(Opportunity.objects.values_list("pk", flat=True))


def test_a_second_company_is_not_covered_until_assigned(org: Any, executive: Any, rep: Any) -> None:
    other = make_unit("OTHERCO", OrgUnit.Kind.COMPANY)
    make_opportunity(rep, title="ours")
    elsewhere = make_user("elsewhere", (Role.SALES_REP, other, None), home=other)
    theirs = make_opportunity(elsewhere, title="theirs")
    forget_scope(executive)
    assert user_scope(executive).view_all_units is False
    assert theirs.pk not in _rows(Opportunity, executive, VIEW)
    assert _rows(Opportunity, executive, VIEW) == _rows_full(Opportunity, executive, VIEW)
    RoleAssignment.objects.create(user=executive, role=Role.EXECUTIVE, org_unit=other)
    forget_scope(executive)
    assert user_scope(executive).view_all_units is True
    assert theirs.pk in _rows(Opportunity, executive, VIEW)
    assert _rows(Opportunity, executive, VIEW) == _rows_full(Opportunity, executive, VIEW)


def test_expired_company_role_does_not_count(org: Any) -> None:
    user = make_user(
        "past_ceo",
        home=org.hq,
    )
    RoleAssignment.objects.create(
        user=user,
        role=Role.EXECUTIVE,
        org_unit=org.hq,
        valid_from=datetime.date(2020, 1, 1),
        valid_until=datetime.date(2020, 12, 31),
    )
    RoleAssignment.objects.create(user=user, role=Role.SALES_REP, org_unit=org.sh_team)
    assert user_scope(user).view_all_units is False


def test_nullable_unit_chain_keeps_the_other_conditions(org: Any, manager: Any, executive: Any) -> None:
    """A rule through a nullable foreign key (a unit's parent: roots have none): "has a unit"
    replaces the paths, and rows without one still need the owner condition."""
    org.gz.manager = executive
    org.gz.save()
    org.hq.manager = executive
    org.hq.save()
    rule = Visibility(org_unit="parent", owners=("manager",))
    for user in (manager, executive):
        for action in (VIEW, CHANGE):
            short = set(OrgUnit.objects.filter(rule.q_for(user, user_scope(user), action)))
            full = set(OrgUnit.objects.filter(rule.q_for(user, _full(user), action)))
            assert short == full, (user.username, action)
    # The root (no parent) is the executive's only through being its manager.
    assert org.hq in set(OrgUnit.objects.filter(rule.q_for(executive, user_scope(executive), VIEW)))


ALL_ROLES = sorted(ROLE_REACH)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    roles=st.lists(
        st.tuples(st.sampled_from(ALL_ROLES), st.integers(min_value=0, max_value=7), st.booleans()),
        max_size=4,
    ),
    extra_root=st.booleans(),
)
def test_random_assignments_agree_with_the_full_condition(
    org: Any, rep: Any, other_rep: Any, teammate: Any, roles: list[tuple[str, int, bool]], extra_root: bool
) -> None:
    if not Opportunity.objects.exists():
        _data(org, rep, other_rep, teammate)
    created: list[Any] = []
    if extra_root and not OrgUnit.objects.filter(code="ROOT2").exists():
        created.append(make_unit("ROOT2", OrgUnit.Kind.COMPANY))
    units = list(OrgUnit.objects.order_by("path"))
    user = make_user(f"u{OrgUnit.objects.count()}x{RoleAssignment.objects.count()}", home=org.hq)
    held: set[tuple[str, int]] = set()
    for role, index, expired in roles:
        unit = units[index % len(units)]
        if (role, unit.pk) in held:  # one assignment per role and unit
            continue
        held.add((role, unit.pk))
        RoleAssignment.objects.create(
            user=user, role=role, org_unit=unit, valid_until=datetime.date(2020, 1, 1) if expired else None
        )
    try:
        for action in (VIEW, CHANGE):
            assert user_scope(user).all_units(action) is _expected_flag(user, action)
            for model in MODELS:
                assert _rows(model, user, action) == _rows_full(model, user, action)
    finally:
        RoleAssignment.objects.filter(user=user).delete()
        user.delete()
        for unit in created:
            unit.delete()
