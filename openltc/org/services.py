"""Writes about the organisation. Every write records an audit event in its transaction."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openltc.core.audit import record_event, snapshot
from openltc.core.errors import DomainError, NotFound
from openltc.core.notifications import notify
from openltc.core.services import model_update, validate
from openltc.core.visibility import forget_scope
from openltc.org.models import ApiToken, OrgUnit, RoleAssignment, User

TOKEN_PREFIX = "oltc_"
USER_FIELDS = [
    "username",
    "email",
    "display_name",
    "first_name",
    "last_name",
    "preferred_language",
    "time_zone",
    "home_unit",
    "phone",
    "is_active",
]


@transaction.atomic
def user_create(
    *, actor: Any, username: str, email: str = "", password: str | None = None, **fields: Any
) -> User:
    user = User(username=username.strip(), email=(email or "").strip().lower(), **fields)
    if password:
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field_errors={"password": list(exc.messages)}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    validate(user, exclude=["password"])
    user.save()
    record_event(
        actor=actor,
        action="user.created",
        subject=user,
        after=snapshot(user, ["username", "email", "display_name", "home_unit"]),
    )
    return user


@transaction.atomic
def user_update(*, actor: Any, user: User, data: dict[str, Any]) -> User:
    locked = User.objects.select_for_update().get(pk=user.pk)
    updated, _changed = model_update(
        instance=locked, fields=USER_FIELDS, data=data, actor=actor, action="user.updated"
    )
    return updated


@transaction.atomic
def user_preferences_update(
    *, user: User, preferred_language: str, time_zone: str, display_name: str | None = None
) -> User:
    data: dict[str, Any] = {"preferred_language": preferred_language, "time_zone": time_zone}
    if display_name is not None:
        data["display_name"] = display_name
    locked = User.objects.select_for_update().get(pk=user.pk)
    updated, _changed = model_update(
        instance=locked, fields=list(data), data=data, actor=user, action="user.preferences_updated"
    )
    return updated


@transaction.atomic
def org_unit_create(
    *, actor: Any, code: str, name: str, kind: str, parent: OrgUnit | None = None, manager: User | None = None
) -> OrgUnit:
    unit = OrgUnit(code=code.strip(), name=name.strip(), kind=kind, parent=parent, manager=manager)
    unit.path = unit.compute_path()
    validate(unit)
    unit.save()
    record_event(
        actor=actor,
        action="org_unit.created",
        subject=unit,
        after=snapshot(unit, ["code", "name", "kind", "parent", "path"]),
    )
    return unit


@transaction.atomic
def org_unit_update(*, actor: Any, unit: OrgUnit, data: dict[str, Any]) -> OrgUnit:
    """Renames or moves a unit; when its code or parent changes, the whole subtree's paths follow."""
    locked = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    old_path = locked.path
    new_parent = data.get("parent", locked.parent)
    if new_parent is not None and (new_parent.pk == locked.pk or new_parent.path.startswith(old_path)):
        raise DomainError(
            _("A unit cannot be moved under itself or one of its own sub-units."),
            field_errors={"parent": [_("A unit cannot be moved under itself or one of its own sub-units.")]},
        )
    updated, changed = model_update(
        instance=locked,
        fields=["code", "name", "kind", "parent", "manager", "is_active"],
        data=data,
        actor=actor,
        action="org_unit.updated",
    )
    new_path = updated.compute_path()
    if new_path != old_path:
        _repath_subtree(old_path, new_path)
        updated.refresh_from_db()
    return updated


def _repath_subtree(old_prefix: str, new_prefix: str) -> None:
    units = list(OrgUnit.objects.select_for_update().filter(path__startswith=old_prefix))
    for u in units:
        u.path = new_prefix + u.path[len(old_prefix) :]
    OrgUnit.objects.bulk_update(units, ["path"])


@transaction.atomic
def role_assign(
    *,
    actor: Any,
    user: User,
    role: str,
    org_unit: OrgUnit,
    decision_level: int | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> RoleAssignment:
    if RoleAssignment.objects.filter(user=user, role=role, org_unit=org_unit).exists():
        raise DomainError(_("This user already holds this role in this unit."))
    assignment = RoleAssignment(
        user=user,
        role=role,
        org_unit=org_unit,
        decision_level=decision_level,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    validate(assignment)
    assignment.save()
    record_event(
        actor=actor,
        action="role.assigned",
        subject=assignment,
        after=snapshot(
            assignment, ["user", "role", "org_unit", "decision_level", "valid_from", "valid_until"]
        ),
    )
    forget_scope(user)
    notify(
        recipients=[user],
        subject="You have a new role in OpenLTC",
        template="org/email/role_assigned.txt",
        context={"assignment": assignment},
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment) -> None:
    before = snapshot(assignment, ["user", "role", "org_unit", "decision_level"])
    record_event(actor=actor, action="role.revoked", subject=assignment, before=before)
    forget_scope(assignment.user)
    assignment.delete()


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Creates a token and returns it with its secret, which is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise DomainError(
            _("Give the token a name, so you can recognise it later."),
            field_errors={"name": [_("This field is required.")]},
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(
            _("The expiry must be in the future."),
            field_errors={"expires_at": [_("The expiry must be in the future.")]},
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        key_hash=_hash_token(secret),
        expires_at=expires_at,
    )
    validate(token)
    token.save()
    record_event(
        actor=user, action="api_token.created", subject=token, after={"name": name, "prefix": token.prefix}
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: Any) -> ApiToken:
    try:
        token = ApiToken.objects.select_for_update().get(pk=token_id, user=actor)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Not found.")) from None
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(
            actor=actor, action="api_token.revoked", subject=token, after={"revoked_at": token.revoked_at}
        )
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The active user behind a usable token, or None. Updates last-used at most once a minute."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    try:
        # The home unit comes along: creating a record defaults its unit to it.
        token = ApiToken.objects.select_related("user__home_unit").get(key_hash=_hash_token(secret))
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
