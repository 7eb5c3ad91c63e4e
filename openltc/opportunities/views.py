"""Thin views: fetch through a selector, bind a form, call one service, show refusals as form errors."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openltc.core.errors import DomainError, NotFound
from openltc.core.exports import Column, export_format, export_response
from openltc.core.htmx import htmx_partial
from openltc.core.pagination import paginate
from openltc.core.visibility import CHANGE
from openltc.opportunities import selectors, services, workflow
from openltc.opportunities.forms import (
    AbandonForm,
    CloseLostForm,
    FilterForm,
    ForecastForm,
    OpportunityForm,
    ProbabilityForm,
    TeamMemberForm,
)
from openltc.opportunities.models import Opportunity

FILTER_KEYS = ("q", "stage", "owner", "org_unit", "forecast_category", "close_month", "overdue", "stuck")


def _get(request: HttpRequest, pk: Any, action: str = "view") -> Opportunity:
    try:
        return selectors.opportunity_get(user=request.user, pk=pk, action=action)
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


def _filters(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET[k] for k in FILTER_KEYS if request.GET.get(k)}


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


EXPORT_COLUMNS = [
    Column(gettext_lazy("Number"), "number"),
    Column(gettext_lazy("Title"), "title"),
    Column(gettext_lazy("Customer"), "customer__name"),
    Column(gettext_lazy("Stage"), "get_stage_display"),
    Column(gettext_lazy("Amount"), "amount"),
    Column(gettext_lazy("Currency"), "currency"),
    Column(gettext_lazy("Probability (%)"), "probability"),
    Column(gettext_lazy("Forecast category"), "get_forecast_category_display"),
    Column(gettext_lazy("Expected close date"), "expected_close_date"),
    Column(gettext_lazy("Owner"), lambda o: str(o.owner)),
    Column(gettext_lazy("Org unit"), "org_unit__name"),
    Column(gettext_lazy("Created at"), "created_at"),
]


@login_required
@require_GET
def opportunity_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filters = _filters(request)
    queryset = selectors.opportunity_list(user=request.user, filters=filters)
    fmt = export_format(request)
    if fmt:
        return export_response(
            queryset=queryset, columns=EXPORT_COLUMNS, filename=_("opportunities"), fmt=fmt
        )
    page = paginate(
        queryset,
        page=request.GET.get("page", 1),
        page_size=request.GET.get("page_size"),
    )
    context = {"page": page, "query": _query_without_page(request), "filters": filters}
    if htmx_partial(request):
        return render(request, "opportunities/_table.html", context)
    context["form"] = FilterForm(request.GET or None, user=request.user)
    return render(request, "opportunities/list.html", context)


@login_required
@require_GET
def opportunity_board(request: HttpRequest) -> HttpResponse:
    filters = {k: v for k, v in _filters(request).items() if k != "stage"}
    columns = selectors.board_columns(user=request.user, filters=filters)
    closed = selectors.closed_totals(user=request.user, filters=filters)
    form = FilterForm(request.GET or None, user=request.user)
    del form.fields["stage"]
    return render(
        request,
        "opportunities/board.html",
        {"columns": columns, "closed": closed, "form": form, "query": _query_without_page(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_create(request: HttpRequest) -> HttpResponse:
    form = OpportunityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            opportunity = services.opportunity_create(
                actor=request.user,
                customer=data["customer"],
                title=data["title"],
                amount=data["amount"],
                currency=data["currency"],
                owner=request.user,
                org_unit=data["org_unit"],
                expected_close_date=data["expected_close_date"],
                product_lines=data["product_lines"],
                contact=data["contact"],
                competitors=data["competitors"],
            )
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Opportunity %(number)s created.") % {"number": opportunity.number})
            return redirect("opportunities:detail", pk=opportunity.pk)
    contacts = form.fields["contact"].queryset.values_list("pk", "customer_id")  # type: ignore[attr-defined]
    return render(
        request,
        "opportunities/form.html",
        {
            "form": form,
            "opportunity": None,
            "contact_customers": {str(pk): str(customer) for pk, customer in contacts},
        },
    )


@login_required
@require_GET
def opportunity_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    opportunity = _get(request, pk)
    gates = services.gate_facts(opportunity)
    facts = dataclasses.replace(
        selectors.facts_for(opportunity), approved_gates=gates.approved, open_conditions=gates.open_conditions
    )
    can_change = selectors.can_change(request.user, opportunity)
    actions = workflow.available_actions(opportunity, request.user, can_change=can_change, facts=facts)
    settings_by_stage = selectors.stage_settings()
    return render(
        request,
        "opportunities/detail.html",
        {
            "opportunity": opportunity,
            "path": workflow.stage_path(opportunity),
            "criteria": workflow.exit_criteria(opportunity, facts),
            "actions": actions,
            "allowed": workflow.allowed_codes(actions),
            "setting": settings_by_stage[opportunity.stage],
            "team": list(opportunity.team_members.all()),
            "team_form": TeamMemberForm(user=request.user) if can_change and opportunity.is_open else None,
            "lead_url": _lead_url(opportunity),
            "gates": _gate_rows(opportunity, gates, can_change),
        },
    )


def _gate_rows(opportunity: Opportunity, gates: Any, can_change: bool) -> list[dict[str, Any]]:
    """Per gate: its latest decision case and whether a decision can be requested now (the gate
    the next forward move needs, not yet approved, no case in progress)."""
    target = workflow.FORWARD.get(opportunity.stage)
    needed = workflow.GATE_FOR_STAGE.get(target) if target else None
    rows = []
    for gate in workflow.GATE_SEQUENCE:
        case = gates.latest.get(gate)
        in_progress = case is not None and case.status not in ("decided",)
        rows.append(
            {
                "gate": gate,
                "case": case,
                "approved": gate in gates.approved,
                "can_request": can_change
                and opportunity.is_open
                and gate == needed
                and gate not in gates.approved
                and not in_progress,
            }
        )
    return rows


@login_required
@require_POST
def opportunity_advance(request: HttpRequest, pk: Any) -> HttpResponse:
    """Moves to the next stage; the workflow refuses without the approved gate decision."""
    opportunity = _get(request, pk)
    try:
        services.opportunity_advance(
            actor=request.user,
            opportunity=opportunity,
            to_stage=request.POST.get("to_stage", ""),
            expected_version=_int_or_none(request.POST.get("lock_version")),
        )
    except NotFound:
        raise Http404(_("Not found.")) from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("opportunities:detail", pk=opportunity.pk)
    messages.success(request, _("The opportunity moved to the next stage."))
    return redirect("opportunities:detail", pk=opportunity.pk)


def _int_or_none(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _lead_url(opportunity: Opportunity) -> str | None:
    if not opportunity.origin_lead_id:
        return None
    try:
        return reverse("leads:detail", args=[opportunity.origin_lead_id])
    except NoReverseMatch:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    opportunity = _get(request, pk, CHANGE)
    form = OpportunityForm(request.POST or None, user=request.user, instance=opportunity)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("lock_version", None)
        try:
            services.opportunity_update(
                actor=request.user, opportunity=opportunity, data=data, expected_version=version
            )
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The opportunity was saved."))
            return redirect("opportunities:detail", pk=opportunity.pk)
    return render(request, "opportunities/form.html", {"form": form, "opportunity": opportunity})


def _action_view(
    request: HttpRequest,
    pk: Any,
    *,
    form_class: type[django_forms.Form],
    title: str,
    call: Any,
    done: str,
    initial: Any = None,
    danger: bool = False,
) -> HttpResponse:
    opportunity = _get(request, pk, CHANGE)
    extra = initial(opportunity) if initial else {}
    form = form_class(request.POST or None, initial={"lock_version": opportunity.lock_version, **extra})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("lock_version", None)
        try:
            call(opportunity, data, version)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("opportunities:detail", pk=opportunity.pk)
    template = "opportunities/_action_form.html" if htmx_partial(request) else "opportunities/action.html"
    return render(
        request,
        template,
        {"opportunity": opportunity, "form": form, "title": title, "danger": danger, "url": request.path},
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_probability(request: HttpRequest, pk: Any) -> HttpResponse:
    def call(o: Opportunity, data: dict[str, Any], version: int | None) -> None:
        services.opportunity_adjust_probability(
            actor=request.user, opportunity=o, expected_version=version, **data
        )

    return _action_view(
        request,
        pk,
        form_class=ProbabilityForm,
        title=_("Adjust probability"),
        call=call,
        initial=lambda o: {"probability": o.probability, "reason": o.probability_reason},
        done=_("The probability was adjusted."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_forecast(request: HttpRequest, pk: Any) -> HttpResponse:
    def call(o: Opportunity, data: dict[str, Any], version: int | None) -> None:
        services.opportunity_set_forecast_category(
            actor=request.user, opportunity=o, expected_version=version, **data
        )

    return _action_view(
        request,
        pk,
        form_class=ForecastForm,
        title=_("Set forecast category"),
        call=call,
        initial=lambda o: {"category": o.forecast_category},
        done=_("The forecast category was set."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_close_lost(request: HttpRequest, pk: Any) -> HttpResponse:
    def call(o: Opportunity, data: dict[str, Any], version: int | None) -> None:
        services.opportunity_close_lost(actor=request.user, opportunity=o, expected_version=version, **data)

    return _action_view(
        request,
        pk,
        form_class=CloseLostForm,
        title=_("Close as lost"),
        call=call,
        done=_("The opportunity was closed as lost."),
        danger=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_abandon(request: HttpRequest, pk: Any) -> HttpResponse:
    def call(o: Opportunity, data: dict[str, Any], version: int | None) -> None:
        services.opportunity_abandon(actor=request.user, opportunity=o, expected_version=version, **data)

    return _action_view(
        request,
        pk,
        form_class=AbandonForm,
        title=_("Abandon the opportunity"),
        call=call,
        done=_("The opportunity was abandoned."),
        danger=True,
    )


@login_required
@require_POST
def team_add(request: HttpRequest, pk: Any) -> HttpResponse:
    opportunity = _get(request, pk, CHANGE)
    form = TeamMemberForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.team_member_add(
                actor=request.user,
                opportunity=opportunity,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The team member was added."))
    else:
        messages.error(request, _("Choose a person and a role."))
    return redirect("opportunities:detail", pk=opportunity.pk)


@login_required
@require_POST
def team_remove(request: HttpRequest, pk: Any, member_id: Any) -> HttpResponse:
    opportunity = _get(request, pk, CHANGE)
    try:
        services.team_member_remove(actor=request.user, opportunity=opportunity, member_id=member_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The team member was removed."))
    return redirect("opportunities:detail", pk=opportunity.pk)
