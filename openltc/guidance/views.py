"""Thin views: fetch through a selector, bind a form, call one service, show refusals as form errors."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openltc.core.errors import DomainError, NotFound
from openltc.core.exports import Column, export_format, export_response
from openltc.core.htmx import htmx_partial
from openltc.core.pagination import paginate
from openltc.core.visibility import CHANGE, can_access
from openltc.guidance import selectors, services, workflow
from openltc.guidance.forms import (
    ActionFilterForm,
    ActionItemForm,
    ActionTransitionForm,
    ActivityForm,
    AppealsForm,
    TickForm,
    ValueMessageForm,
)
from openltc.opportunities.models import Opportunity


def _opportunity(request: HttpRequest, pk: Any) -> Opportunity:
    try:
        return selectors.opportunity_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("Not found.")) from None


def _or_404(call: Any, **kwargs: Any) -> Any:
    try:
        return call(**kwargs)
    except NotFound:
        raise Http404(_("Not found.")) from None


def _apply_errors(form: django_forms.Form, exc: DomainError) -> None:
    placed = False
    for field, errors in exc.field_errors.items():
        for error in errors:
            if field in form.fields:
                form.add_error(field, error)
                placed = True
    if not placed:
        form.add_error(None, exc.message)


def _base_context(request: HttpRequest, opportunity: Opportunity, tab: str) -> dict[str, Any]:
    return {
        "opportunity": opportunity,
        "tab": tab,
        "can_change": selectors.can_change(request.user, opportunity),
        "can_record": can_access(request.user, opportunity, CHANGE),
    }


# --- playbook and checklist ---------------------------------------------------------------------


@login_required
@require_GET
def opportunity_guidance(request: HttpRequest, pk: Any) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    playbook = selectors.playbook_for_stage(opportunity.stage)
    context = _base_context(request, opportunity, "playbook")
    context.update(
        playbook=playbook,
        checklist=selectors.checklist(opportunity, playbook),
        earlier=selectors.earlier_items(opportunity),
    )
    return render(request, "guidance/opportunity.html", context)


@login_required
@require_POST
def checklist_tick(request: HttpRequest, pk: Any, task_id: Any) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    task = _or_404(selectors.task_get, pk=task_id)
    form = TickForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.checklist_item_set(
                actor=request.user,
                opportunity=opportunity,
                task=task,
                done=form.cleaned_data["done"],
                note=form.cleaned_data["note"],
            )
        except NotFound:
            raise Http404(_("Not found.")) from None
        except DomainError as exc:
            error = exc.message
    else:
        error = _("The note is too long.")
    if htmx_partial(request):
        opportunity.refresh_from_db()
        checklist = selectors.checklist(opportunity)
        row = next((r for r in checklist.rows if r.task.pk == task.pk), None)
        if row is None:
            row = selectors.ChecklistRow(task, opportunity.guidance_checklist.filter(task=task).first())
        context = _base_context(request, opportunity, "playbook")
        context.update(row=row, error=error, checklist=checklist)
        # 200 even for a refusal: htmx swaps only successful responses, and the row shows the reason.
        return render(request, "guidance/_tick_response.html", context)
    if error:
        messages.error(request, error)
    return redirect("guidance:opportunity", pk=opportunity.pk)


@login_required
@require_GET
def playbook_list(request: HttpRequest) -> HttpResponse:
    return render(request, "guidance/playbooks.html", {"playbooks": selectors.playbook_list()})


@login_required
@require_GET
def template_download(request: HttpRequest, pk: Any) -> HttpResponse | FileResponse:
    template = _or_404(selectors.template_get, pk=pk)
    if template.file:
        return FileResponse(template.file.open("rb"), as_attachment=True, filename=template.original_name)
    name = f"{template.name[:80] or 'template'}.txt"
    response = HttpResponse(template.text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


# --- $APPEALS ------------------------------------------------------------------------------------


def _radar(analysis: Any) -> dict[str, Any]:
    return selectors.radar_data(analysis, us_label=_("Us"), weight_label=_("Customer weight (scaled)"))


@login_required
@require_http_methods(["GET", "POST"])
def appeals(request: HttpRequest, pk: Any) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    current = selectors.current_appeals(opportunity)
    competitors = list(current.competitors) if current else list(opportunity.competitors or [])
    form = AppealsForm(
        request.POST if request.method == "POST" else None, competitors=competitors, analysis=current
    )
    if request.method == "POST" and "refresh" not in request.POST and form.is_valid():
        try:
            services.appeals_save(
                actor=request.user,
                opportunity=opportunity,
                ratings=form.ratings(),
                competitors=form.competitor_names,
                summary=form.cleaned_data["summary"],
            )
        except NotFound:
            raise Http404(_("Not found.")) from None
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The $APPEALS analysis was saved."))
            return redirect("guidance:appeals", pk=opportunity.pk)
    context = _base_context(request, opportunity, "appeals")
    context.update(
        analysis=current,
        form=form,
        history=selectors.appeals_history(opportunity),
        radar=_radar(current),
        weighted=_weighted(current),
    )
    return render(request, "guidance/appeals.html", context, status=422 if form.errors else 200)


def _weighted(analysis: Any) -> list[tuple[str, Any]]:
    if analysis is None:
        return []
    return [(_("Us"), analysis.weighted_score())] + [
        (c, analysis.weighted_score(c)) for c in analysis.competitors
    ]


@login_required
@require_GET
def appeals_version(request: HttpRequest, pk: Any, number: int) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    analysis = _or_404(selectors.appeals_get, opportunity=opportunity, number=number)
    context = _base_context(request, opportunity, "appeals")
    context.update(analysis=analysis, radar=_radar(analysis), weighted=_weighted(analysis))
    return render(request, "guidance/appeals_version.html", context)


# --- FABE ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def fabe(request: HttpRequest, pk: Any) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    form = ValueMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.value_message_create(actor=request.user, opportunity=opportunity, data=form.cleaned_data)
        except NotFound:
            raise Http404(_("Not found.")) from None
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The value message was added."))
            return redirect("guidance:fabe", pk=opportunity.pk)
    context = _base_context(request, opportunity, "fabe")
    context.update(
        form=form,
        rows=selectors.value_messages(opportunity),
        key_needs=selectors.key_needs(opportunity),
        uncovered=selectors.uncovered_key_needs(opportunity),
    )
    return render(request, "guidance/fabe.html", context, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def fabe_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    message = _or_404(selectors.value_message_get, user=request.user, pk=pk, action="change")
    initial = {k: getattr(message, k) for k in services.VALUE_MESSAGE_FIELDS}
    initial["lock_version"] = message.lock_version
    form = ValueMessageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("lock_version")
        try:
            services.value_message_update(
                actor=request.user, message=message, data=data, expected_version=version
            )
        except NotFound:
            raise Http404(_("Not found.")) from None
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("guidance:fabe", pk=message.opportunity_id)
    context = _base_context(request, message.opportunity, "fabe")
    context.update(form=form, message=message)
    return render(request, "guidance/fabe_edit.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def fabe_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    message = _or_404(selectors.value_message_get, user=request.user, pk=pk, action="change")
    try:
        services.value_message_delete(actor=request.user, message=message)
    except NotFound:
        raise Http404(_("Not found.")) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("guidance:fabe", pk=message.opportunity_id)


# --- activities and action items -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def activity_list(request: HttpRequest, pk: Any) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    form = ActivityForm(request.POST or None, opportunity=opportunity)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.activity_create(
                actor=request.user,
                opportunity=opportunity,
                kind=data["kind"],
                subject=data["subject"],
                held_at=data["held_at"],
                participants=data["participants"],
                minutes=data["minutes"],
                actions=form.actions(),
            )
        except NotFound:
            raise Http404(_("Not found.")) from None
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The activity was recorded."))
            return redirect("guidance:activities", pk=opportunity.pk)
    context = _base_context(request, opportunity, "activities")
    context.update(
        form=form,
        activities=selectors.activities(opportunity),
        loose_actions=selectors.opportunity_actions(opportunity).filter(activity__isnull=True),
        action_form=ActionItemForm(opportunity=opportunity),
    )
    return render(request, "guidance/activities.html", context, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    activity = _or_404(selectors.activity_get, user=request.user, pk=pk, action="change")
    initial = {f: getattr(activity, f) for f in ("kind", "subject", "held_at", "participants", "minutes")}
    initial["lock_version"] = activity.lock_version
    form = ActivityForm(
        request.POST or None, initial=initial, opportunity=activity.opportunity, with_actions=False
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("lock_version")
        try:
            services.activity_update(
                actor=request.user, activity=activity, data=data, expected_version=version
            )
        except NotFound:
            raise Http404(_("Not found.")) from None
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("guidance:activities", pk=activity.opportunity_id)
    context = _base_context(request, activity.opportunity, "activities")
    context.update(form=form, activity=activity)
    return render(request, "guidance/activity_edit.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def action_add(request: HttpRequest, pk: Any) -> HttpResponse:
    opportunity = _opportunity(request, pk)
    form = ActionItemForm(request.POST, opportunity=opportunity)
    if form.is_valid():
        try:
            services.action_item_create(actor=request.user, opportunity=opportunity, **form.cleaned_data)
        except NotFound:
            raise Http404(_("Not found.")) from None
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The action was added."))
    else:
        messages.error(request, _("The action was not added: give it a title, an owner and a due date."))
    return redirect(reverse("guidance:activities", kwargs={"pk": opportunity.pk}) + "#actions-h")


@login_required
@require_POST
def action_transition(request: HttpRequest, pk: Any, code: str) -> HttpResponse:
    item = _or_404(selectors.action_get, user=request.user, pk=pk)
    target = workflow.TARGET_FOR.get(code)
    if target is None:
        raise Http404(_("Not found."))
    form = ActionTransitionForm(request.POST)
    if form.is_valid():
        try:
            services.action_item_transition(
                actor=request.user,
                item=item,
                target=target,
                outcome=form.cleaned_data["outcome"],
                expected_version=form.cleaned_data["lock_version"],
            )
        except NotFound:
            raise Http404(_("Not found.")) from None
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("The outcome is too long."))
    back = request.POST.get("next", "")
    if back.startswith("/guidance/") and "//" not in back:
        return redirect(back)
    return redirect("guidance:activities", pk=item.opportunity_id)


ACTION_COLUMNS = [
    Column(gettext_lazy("Action"), "title"),
    Column(gettext_lazy("Opportunity"), lambda a: str(a.opportunity)),
    Column(gettext_lazy("Owner"), lambda a: str(a.owner)),
    Column(gettext_lazy("Due date"), "due_date"),
    Column(gettext_lazy("Status"), "get_status_display"),
    Column(gettext_lazy("Overdue"), lambda a: _("yes") if a.is_overdue else ""),
    Column(gettext_lazy("Outcome"), "outcome"),
]


@login_required
@require_GET
def action_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filters = {k: request.GET[k] for k in selectors.ACTION_FILTER_KEYS if request.GET.get(k)}
    if not request.GET:
        filters = {"owner": "me", "status": "open"}
    qs = selectors.action_list(user=request.user, filters=filters)
    fmt = export_format(request)
    if fmt:
        return export_response(queryset=qs, columns=ACTION_COLUMNS, filename=_("actions"), fmt=fmt)
    page = paginate(qs, page=request.GET.get("page", 1), page_size=request.GET.get("page_size"))
    params = request.GET.copy() if request.GET else None
    if params is None:
        from django.http import QueryDict

        params = QueryDict(mutable=True)
        params.update(filters)
    params.pop("page", None)
    context = {
        "page": page,
        "query": params.urlencode(),
        "form": ActionFilterForm(filters),
        "next": request.get_full_path(),
    }
    if htmx_partial(request):
        return render(request, "guidance/_action_table.html", context)
    return render(request, "guidance/actions.html", context)
