from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from openltc.core.audit import events_for
from openltc.core.errors import NotFound
from openltc.core.mywork import work_for
from openltc.core.pagination import paginate
from openltc.core.selectors import get_for_user
from openltc.core.typing import AuthedHttpRequest
from openltc.org.selectors import roles_of


@login_required
@require_GET
def home(request: AuthedHttpRequest) -> HttpResponse:
    return render(
        request, "core/home.html", {"work": work_for(request.user), "roles": roles_of(request.user)}
    )


@login_required
@require_GET
def record_history(request: AuthedHttpRequest, app_label: str, model_name: str, pk: str) -> HttpResponse:
    """The audit trail and field history of any record the user may see."""
    try:
        model = apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        raise Http404(_("Not found.")) from None
    if getattr(model, "visibility", None) is None:
        raise Http404(_("Not found."))
    # A model whose record page is wider than its visibility rule (the lead pool, say) names the
    # queryset its record page uses; the history follows the same rule as the record page.
    visible_to = getattr(model, "visible_to", None)
    try:
        if callable(visible_to):
            obj = visible_to(request.user).get(pk=pk)
        else:
            obj = get_for_user(model._default_manager.all(), user=request.user, pk=pk)
    except (NotFound, ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404(_("Not found.")) from None
    page = paginate(events_for(obj), page=request.GET.get("page", 1))
    return render(
        request, "core/history.html", {"object": obj, "page": page, "model_name": model._meta.verbose_name}
    )


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers; reveals nothing else."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
