"""Reads about the organisation."""

from __future__ import annotations

from django.db.models import QuerySet

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
    for role, path in (
        RoleAssignment.objects.current().filter(user=user).values_list("role", "org_unit__path")
    ):
        units.add(path)
        reach = ROLE_REACH.get(role, Reach.OWN)
        if reach in (Reach.SUBTREE_VIEW, Reach.SUBTREE_MANAGE):
            view.add(path)
        if reach is Reach.SUBTREE_MANAGE:
            manage.add(path)
    return Scope(
        view_paths=_outermost(view), manage_paths=_outermost(manage), unit_paths=tuple(sorted(units))
    )


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
