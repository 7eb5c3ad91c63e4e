"""Who may see and change which business records: the one mechanism every queryset, view, API
endpoint, admin page and service goes through.

A user's *scope* comes from their role assignments (see ``openltc.org.roles``): each role grants
sight, and perhaps management, of an org-unit subtree, or only of the user's own records. A model
opts in by declaring a :class:`Visibility` that names its org-unit, owner and team fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from openltc.org.models import User


VIEW = "view"
CHANGE = "change"


@dataclass(frozen=True)
class Scope:
    """What one user may reach: everything, or these org-unit subtrees (by materialised path)."""

    everything: bool = False
    view_paths: tuple[str, ...] = ()
    manage_paths: tuple[str, ...] = ()
    # The units the user holds a current role in, whatever its reach (None: not read).
    unit_paths: tuple[str, ...] | None = None

    def paths_for(self, action: str) -> tuple[str, ...]:
        return self.view_paths if action == VIEW else self.manage_paths

    def covers(self, path: str | None, action: str) -> bool:
        if self.everything:
            return True
        if not path:
            return False
        return any(path.startswith(p) for p in self.paths_for(action))


@dataclass(frozen=True)
class Visibility:
    """How a model's rows relate to the organisation and to people.

    ``org_unit``: the lookup to the owning OrgUnit (``"org_unit"`` or ``"opportunity__org_unit"``).
    ``owners``: lookups to users who own the row (owner, AR, creator, ...).
    ``members``: lookups through a team table to users who work on the row.
    """

    org_unit: str | None = "org_unit"
    owners: tuple[str, ...] = ("owner",)
    members: tuple[str, ...] = field(default_factory=tuple)

    def q_for(self, user: User, scope: Scope, action: str) -> Q:
        condition = Q(pk__in=[])
        if self.org_unit:
            for path in scope.paths_for(action):
                condition |= Q(**{f"{self.org_unit}__path__startswith": path})
        for owner in self.owners:
            condition |= Q(**{owner: user})
        for member in self.members:
            condition |= Q(**{member: user})
        return condition


def user_scope(user: User | AnonymousUser) -> Scope:
    """The user's scope, computed once per user object (one query) and cached on it."""
    if not user.is_authenticated:
        return Scope()
    cached: Scope | None = getattr(user, "_openltc_scope", None)
    if cached is not None:
        return cached
    from openltc.org.selectors import scope_for_user

    scope = scope_for_user(user)  # type: ignore[arg-type]
    user._openltc_scope = scope  # type: ignore[union-attr,attr-defined]
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope after the user's role assignments change."""
    if hasattr(user, "_openltc_scope"):
        del user._openltc_scope


def _resolve(obj: Any, lookup: str) -> Any:
    value = obj
    for part in lookup.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def can_access(user: User | AnonymousUser, obj: Any, action: str = VIEW) -> bool:
    """Object-level check in Python, consistent with ``RestrictedQuerySet.restrict``.

    Team membership needs the database, so it is checked with one EXISTS query only when the
    cheaper checks have not already answered.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    scope = user_scope(user)
    if scope.everything:
        return True
    rule: Visibility | None = getattr(type(obj), "visibility", None)
    if rule is None:
        return False
    if rule.org_unit:
        unit = _resolve(obj, rule.org_unit)
        if unit is not None and scope.covers(unit.path, action):
            return True
    for owner in rule.owners:
        owner_id = (
            _resolve(obj, owner + "_id") if "__" not in owner else getattr(_resolve(obj, owner), "pk", None)
        )
        if owner_id is not None and owner_id == user.pk:
            return True
    if rule.members and obj.pk is not None:
        return (
            type(obj)
            ._default_manager.filter(pk=obj.pk)
            .filter(
                rule.q_for(user, Scope(), action)  # type: ignore[arg-type]
            )
            .exists()
        )
    return False
