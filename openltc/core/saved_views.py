"""Saved views: a user's named filter sets on a list page.

A list page registers which query keys are filters (in its AppConfig.ready)::

    saved_views.register_list("leads", url_name="leads:list", keys=("q", "status", "owner"))

and includes the partial ``{% include "core/_saved_views.html" with list_key="leads" %}`` with
the context from :func:`saved_views_context`. Only registered keys are ever stored, never ``page``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from openltc.core.audit import record_event, snapshot
from openltc.core.errors import DomainError, NotFound
from openltc.core.models import SavedView
from openltc.core.services import validate

NEVER_KEPT = frozenset({"page", "export", "csrfmiddlewaretoken"})
_FIELDS = ("list_key", "name", "query_string", "is_default")


@dataclass(frozen=True)
class SavedList:
    """A list page that offers saved views: its key, its URL name and its filter keys."""

    key: str
    url_name: str
    keys: frozenset[str]


_registry: dict[str, SavedList] = {}


def register_list(list_key: str, *, url_name: str, keys: Iterable[str]) -> None:
    """Declares a list page and the query keys that are filters on it."""
    _registry[list_key] = SavedList(key=list_key, url_name=url_name, keys=frozenset(keys))


def registered_list(list_key: str) -> SavedList:
    try:
        return _registry[list_key]
    except KeyError:
        raise NotFound(_("Not found.")) from None


def clean_query_string(query_string: str, *, allowed_keys: Iterable[str]) -> str:
    """Keeps only the allowed filter keys (and never the page), with their values, in order."""
    allowed = set(allowed_keys) - NEVER_KEPT
    pairs = [
        (key, value[:200])
        for key, value in parse_qsl(query_string.lstrip("?"), keep_blank_values=False)
        if key in allowed and value.strip()
    ]
    return urlencode(pairs)[:2000]


@transaction.atomic
def saved_view_save(
    *,
    user: Any,
    list_key: str,
    name: str,
    query_string: str,
    allowed_keys: Iterable[str],
    is_default: bool = False,
) -> SavedView:
    """Creates the named view, or replaces the filters of the user's view with that name."""
    name = " ".join(name.split())[:100]
    if not name:
        raise DomainError(_("Give the view a name."), field_errors={"name": [_("Give the view a name.")]})
    query = clean_query_string(query_string, allowed_keys=allowed_keys)
    view = SavedView.objects.select_for_update().filter(user=user, list_key=list_key, name=name).first()
    before = snapshot(view, _FIELDS) if view else {}
    if is_default:
        SavedView.objects.filter(user=user, list_key=list_key, is_default=True).exclude(
            pk=getattr(view, "pk", None)
        ).update(is_default=False)
    if view is None:
        view = SavedView(user=user, list_key=list_key, name=name)
    view.query_string = query
    view.is_default = is_default
    validate(view, exclude=["user"])
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        raise DomainError(_("A view with this name already exists.")) from None
    record_event(
        actor=user,
        action="saved_view.saved",
        subject=view,
        before=before,
        after=snapshot(view, _FIELDS),
    )
    return view


@transaction.atomic
def saved_view_delete(*, user: Any, pk: Any) -> None:
    """Deletes one of the user's own saved views; other people's views are not found."""
    try:
        view = SavedView.objects.select_for_update().get(pk=pk, user=user)
    except (SavedView.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound(_("Not found.")) from None
    record_event(actor=user, action="saved_view.deleted", subject=view, before=snapshot(view, _FIELDS))
    view.delete()


def saved_views_for(user: Any, list_key: str) -> models.QuerySet[SavedView]:
    """The user's views of one list, by name."""
    if not getattr(user, "is_authenticated", False):
        return SavedView.objects.none()
    return SavedView.objects.filter(user=user, list_key=list_key).order_by("name")


def default_view_for(user: Any, list_key: str) -> SavedView | None:
    return saved_views_for(user, list_key).filter(is_default=True).first()


def saved_views_context(request: HttpRequest, list_key: str) -> dict[str, Any]:
    """What ``core/_saved_views.html`` needs: the views, and the current filters to save."""
    saved = registered_list(list_key) if list_key in _registry else None
    current = request.GET.urlencode()
    if saved is not None:
        current = clean_query_string(current, allowed_keys=saved.keys)
    views = list(saved_views_for(request.user, list_key))
    list_url = request.path
    if saved is not None:
        list_url = reverse(saved.url_name)
    return {
        "saved_views_list_url": list_url,
        "saved_views": views,
        "saved_views_list_key": list_key,
        "saved_views_current_query": current,
        "saved_views_active": next((v for v in views if v.query_string and v.query_string == current), None),
    }


def saved_view_default_redirect(request: HttpRequest, list_key: str) -> HttpResponseRedirect | None:
    """A redirect to the user's default view when the list is opened without any query string;
    list views call it first: ``if (r := saved_view_default_redirect(request, "leads")): return r``."""
    if request.GET or request.method != "GET":
        return None
    view = default_view_for(request.user, list_key)
    if view is None or not view.query_string:
        return None
    return HttpResponseRedirect(f"{request.path}?{view.query_string}")
