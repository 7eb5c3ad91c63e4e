"""Thin views of the Decisions area."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from openltc.core.errors import NotFound
from openltc.decisions import selectors


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/inbox.html", {})


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/inbox.html", {})


@login_required
def case_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    try:
        case = selectors.case_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("Not found.")) from None
    return render(request, "decisions/case.html", {"case": case})
