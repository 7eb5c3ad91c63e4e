"""Generic read helpers: fetch a record the way the caller is allowed to see it."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from openltc.core.errors import NotFound
from openltc.core.visibility import VIEW

M = TypeVar("M", bound=models.Model)


def get_for_user(queryset: models.QuerySet[M], *, user: Any, pk: Any, action: str = VIEW) -> M:
    """The record if the user may see it for ``action``; otherwise the same NotFound as for a
    record that does not exist, so callers cannot probe for other people's records."""
    try:
        return queryset.restrict(user, action).get(pk=pk)  # type: ignore[attr-defined,no-any-return]
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound(_("Not found.")) from None


def lock_for_update(queryset: models.QuerySet[M], *, pk: Any) -> M:
    """Fetches and row-locks one record inside a transaction (a no-op lock on SQLite, whose
    IMMEDIATE transactions already serialise writers)."""
    try:
        return queryset.select_for_update().get(pk=pk)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound(_("Not found.")) from None
