"""Saving and deleting saved views. Mounted by config/urls.py at ``views/``."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openltc.core.errors import DomainError, NotFound
from openltc.core.saved_views import registered_list, saved_view_delete, saved_view_save

app_name = "saved_views"


def _back(request: HttpRequest, url_name: str, query: str = "") -> HttpResponseRedirect:
    target = reverse(url_name)
    nxt = request.POST.get("next", "")
    if not query and nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        return HttpResponseRedirect(nxt)
    return HttpResponseRedirect(f"{target}?{query}" if query else target)


@login_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    try:
        saved = registered_list(request.POST.get("list_key", ""))
    except NotFound:
        raise Http404(_("Not found.")) from None
    try:
        view = saved_view_save(
            user=request.user,
            list_key=saved.key,
            name=request.POST.get("name", ""),
            query_string=request.POST.get("query_string", ""),
            allowed_keys=saved.keys,
            is_default=request.POST.get("is_default") in ("1", "on", "true"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request, saved.url_name)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return _back(request, saved.url_name, view.query_string)


@login_required
@require_POST
def delete_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    try:
        saved = registered_list(request.POST.get("list_key", ""))
        saved_view_delete(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("Not found.")) from None
    messages.success(request, _("View deleted."))
    return _back(request, saved.url_name)


urlpatterns = [
    path("save/", save_view, name="save"),
    path("<uuid:pk>/delete/", delete_view, name="delete"),
]
