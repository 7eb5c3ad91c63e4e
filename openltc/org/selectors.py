"""Reads about the organisation."""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from openltc.core.visibility import Scope
from openltc.org.models import ApiToken, OrgUnit, RoleAssignment, User
from openltc.org.roles import ROLE_REACH, Reach, Role


def scope_for_user(user: User) -> Scope:
    """Turns the user's current role assignments into the org-unit subtrees they see and manage."""
    if user.is_superuser:
        return Scope(everything=True)
    view: set[str] = set()
    manage: set[str] = set()
    units: set[str] = set()
    view_all = manage_all = False
    rows = (
        RoleAssignment.objects.current()
        .filter(user=user)
        .annotate(
            view_gap=_unit_outside(user, (Reach.SUBTREE_VIEW, Reach.SUBTREE_MANAGE)),
            manage_gap=_unit_outside(user, (Reach.SUBTREE_MANAGE,)),
        )
        .values_list("role", "org_unit__path", "view_gap", "manage_gap")
    )
    for role, path, view_gap, manage_gap in rows:
        view_all, manage_all = not view_gap, not manage_gap
        units.add(path)
        reach = ROLE_REACH.get(role, Reach.OWN)
        if reach in (Reach.SUBTREE_VIEW, Reach.SUBTREE_MANAGE):
            view.add(path)
        if reach is Reach.SUBTREE_MANAGE:
            manage.add(path)
    return Scope(
        view_paths=_outermost(view),
        manage_paths=_outermost(manage),
        unit_paths=tuple(sorted(units)),
        view_all_units=view_all,
        manage_all_units=manage_all,
    )


def _unit_outside(user: User, reaches: tuple[Reach, ...]) -> RawSQL:
    """EXISTS an org unit under none of the units where the user holds a current role of one
    of these reaches (the same prefix match as ``Visibility.q_for``). It does not depend on the
    outer row: the database evaluates it once per query.

    Written as SQL because it runs on every request: the same condition built with nested
    ``Exists`` querysets cost about 7 ms of Python per request to build and compile, the
    database under 0.2 ms. ``substr``/``length`` is the prefix match on both databases without
    LIKE's wildcards."""
    roles = [role for role, reach in ROLE_REACH.items() if reach in reaches]
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    unit = OrgUnit._meta.db_table
    held = RoleAssignment._meta.db_table
    sql = (
        f"EXISTS (SELECT 1 FROM {unit} v WHERE NOT EXISTS (SELECT 1 FROM {held} r "
        f"INNER JOIN {unit} h ON h.id = r.org_unit_id WHERE r.user_id = %s "
        f"AND r.role IN ({', '.join(['%s'] * len(roles))}) "
        "AND (r.valid_from IS NULL OR r.valid_from <= %s) "
        "AND (r.valid_until IS NULL OR r.valid_until >= %s) "
        "AND substr(v.path, 1, length(h.path)) = h.path))"
    )
    return RawSQL(sql, (user.pk, *roles, today, today), output_field=BooleanField())


def _outermost(paths: set[str]) -> tuple[str, ...]:
    # A subtree inside another adds nothing to a prefix match; keep the query short.
    ordered = sorted(paths, key=len)
    kept: list[str] = []
    for p in ordered:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return tuple(sorted(kept))


def roles_of(user: User) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.current().filter(user=user).select_related("org_unit")


def has_role(user: User, role: Role | str, *, within: OrgUnit | None = None) -> bool:
    """Whether the user holds ``role`` at ``within`` or at one of its ancestors."""
    qs = RoleAssignment.objects.current().filter(user=user, role=role)
    if within is not None:
        qs = qs.filter(org_unit__path__in=within.ancestors_paths())
    return qs.exists()


def units_visible_to(user: User) -> QuerySet[OrgUnit]:
    from openltc.core.visibility import user_scope

    scope = user_scope(user)
    qs = OrgUnit.objects.filter(is_active=True)
    if scope.everything:
        return qs
    from django.db.models import Q

    condition = Q(pk__in=[])
    for path in scope.view_paths:
        condition |= Q(path__startswith=path)
    if user.home_unit_id:
        condition |= Q(pk=user.home_unit_id)
    return qs.filter(condition)


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
