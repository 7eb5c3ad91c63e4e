"""Who may see and change which business records: the one mechanism every queryset, view, API
endpoint, admin page and service goes through.

A user's *scope* comes from their role assignments (see ``openltc.org.roles``): each role grants
sight, and perhaps management, of an org-unit subtree, or only of the user's own records. A model
opts in by declaring a :class:`Visibility` that names its org-unit, owner and team fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q

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
    # Every org unit that exists lies under one of view_paths (manage_paths): read by the
    # database in the same query as the paths, so a row that has an org unit is always within
    # reach and ``restrict`` can leave out the path, owner and team conditions.
    view_all_units: bool = False
    manage_all_units: bool = False

    def paths_for(self, action: str) -> tuple[str, ...]:
        return self.view_paths if action == VIEW else self.manage_paths

    def all_units(self, action: str) -> bool:
        """Whether every org unit is within the subtrees of ``action``."""
        return self.view_all_units if action == VIEW else self.manage_all_units

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
            if scope.all_units(action):
                # Every unit's path starts with one of the paths: "has a unit" says the same.
                condition |= Q(**{f"{self.org_unit}__isnull": False})
            else:
                for path in scope.paths_for(action):
                    condition |= Q(**{f"{self.org_unit}__path__startswith": path})
        for owner in self.owners:
            condition |= Q(**{owner: user})
        for member in self.members:
            condition |= Q(**{member: user})
        return condition


_UNIT_ALWAYS_SET: dict[tuple[type[Model], str], bool] = {}


def unit_always_set(model: type[Model], lookup: str) -> bool:
    """Whether every row of ``model`` has an org unit through ``lookup``: each step is a
    non-nullable forward foreign key (the database keeps the unit it points to)."""
    key = (model, lookup)
    if key not in _UNIT_ALWAYS_SET:
        current: Any = model
        always = True
        for part in lookup.split("__"):
            try:
                f = current._meta.get_field(part)
            except FieldDoesNotExist:
                always = False
                break
            if not (f.many_to_one or f.one_to_one) or not f.concrete or f.null:
                always = False
                break
            current = f.related_model
        _UNIT_ALWAYS_SET[key] = always
    return _UNIT_ALWAYS_SET[key]


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
