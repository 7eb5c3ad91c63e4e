"""Thin views: fetch through a selector, bind a form, call one service, show refusals as form errors."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
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
    AppointForm,
    CharterForm,
    CloseLostForm,
    EvaluationForm,
    FilterForm,
    ForecastForm,
    GradeOverrideForm,
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
    from openltc.customers import selectors as customer_selectors
    from openltc.customers.charts import org_map_data

    # The customer's buying organisation, as the team that works on the opportunity needs it.
    contacts = list(customer_selectors.contact_list(customer=opportunity.customer))
    edges = list(customer_selectors.relationship_list(customer=opportunity.customer))
    return render(
        request,
        "opportunities/detail.html",
        {
            "assessment": selectors.assessment_for(opportunity),
            "map_data": org_map_data(contacts, edges) if contacts else None,
            "charter": selectors.charter_for(opportunity),
            "appointments": list(selectors.appointments_for(opportunity)[:5]),
            "appoint_form": AppointForm(),
            "can_change": can_change,
            "can_override": can_change and selectors.can_override_grade(request.user, opportunity),
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
    wants_json = "application/json" in request.headers.get("Accept", "")
    back_to_board = request.POST.get("next") == "board"
    try:
        moved = services.opportunity_advance(
            actor=request.user,
            opportunity=opportunity,
            to_stage=request.POST.get("to_stage", ""),
            expected_version=_int_or_none(request.POST.get("lock_version")),
        )
    except NotFound:
        raise Http404(_("Not found.")) from None
    except DomainError as exc:
        if wants_json:
            return JsonResponse(
                {"ok": False, "message": exc.message, "code": str(exc.code), "extra": exc.extra},
                status=exc.code.http_status,
            )
        if back_to_board:
            messages.error(request, f"{opportunity.number}: {exc.message}")
            return redirect("opportunities:board")
        messages.error(request, exc.message)
        return redirect("opportunities:detail", pk=opportunity.pk)
    message = _("The opportunity moved to the next stage.")
    if wants_json:
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "stage": moved.stage,
                "probability": moved.probability,
                "lock_version": moved.lock_version,
            }
        )
    messages.success(request, message)
    if back_to_board:
        return redirect("opportunities:board")
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


# --- grading, evaluation, portfolio --------------------------------------------------------------


@login_required
@require_POST
def opportunity_grade(request: HttpRequest, pk: Any) -> HttpResponse:
    """Computes the grade from the configured factors and thresholds."""
    opportunity = _get(request, pk, CHANGE)
    try:
        graded = services.opportunity_grade(actor=request.user, opportunity=opportunity)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Graded: %(grade)s.") % {"grade": graded.get_grade_display() or _("no grade yet")}
        )
    return redirect(reverse("opportunities:detail", args=[opportunity.pk]) + "#grading-h")


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_grade_override(request: HttpRequest, pk: Any) -> HttpResponse:
    def call(o: Opportunity, data: dict[str, Any], version: int | None) -> None:
        services.opportunity_grade_override(
            actor=request.user, opportunity=o, expected_version=version, **data
        )

    return _action_view(
        request,
        pk,
        form_class=GradeOverrideForm,
        title=_("Override the grade"),
        call=call,
        initial=lambda o: {
            "grade": o.grade if o.grade_is_overridden else "",
            "reason": o.grade_override_reason,
        },
        done=_("The grade was set."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_evaluation(request: HttpRequest, pk: Any) -> HttpResponse:
    """The ten criteria (scores and notes), the success estimate and the payment ability."""
    from openltc.opportunities.assessment import active_criteria

    opportunity = _get(request, pk)
    can_change = selectors.can_change(request.user, opportunity) and opportunity.is_open
    criteria = active_criteria()
    current = {
        s.criterion.code: (s.score, s.note) for s in opportunity.evaluation_scores.select_related("criterion")
    }
    form = EvaluationForm(
        request.POST if request.method == "POST" else None, criteria=criteria, initial_scores=current
    )
    if request.method == "POST":
        if not can_change:
            raise Http404(_("Not found."))
        if form.is_valid():
            try:
                services.evaluation_save(actor=request.user, opportunity=opportunity, scores=form.scores())
            except DomainError as exc:
                for code, errors in exc.field_errors.items():
                    for error in errors:
                        form.add_error(f"score_{code}" if f"score_{code}" in form.fields else None, error)
                if not exc.field_errors:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("The evaluation was saved."))
                return redirect("opportunities:evaluation", pk=opportunity.pk)
    return render(
        request,
        "opportunities/evaluation.html",
        {
            "opportunity": opportunity,
            "form": form,
            "can_change": can_change,
            "assessment": selectors.assessment_for(opportunity),
        },
    )


@login_required
@require_GET
def opportunity_portfolio(request: HttpRequest) -> HttpResponse:
    """Attractiveness against success probability for the open opportunities (portfolio chart)."""
    filters = {k: v for k, v in _filters(request).items() if k != "stage"}
    points = selectors.portfolio(user=request.user, filters=filters)
    chart = {
        "points": [
            {
                "name": f"{p['opportunity'].number} {p['opportunity'].title}",
                "value": [float(p["success"]), float(p["attractiveness"])],
                "url": reverse("opportunities:detail", args=[p["opportunity"].pk]),
                "grade": p["opportunity"].grade or "",
            }
            for p in points
            if p["success"] is not None and p["attractiveness"] is not None
        ],
        "labels": {
            "x": _("Estimated success probability (%)"),
            "y": _("Attractiveness (0–100)"),
            "grade": _("Grade"),
        },
    }
    form = FilterForm(request.GET or None, user=request.user)
    del form.fields["stage"]
    return render(
        request,
        "opportunities/portfolio.html",
        {"points": points, "chart": chart, "form": form, "limit": selectors.PORTFOLIO_LIMIT},
    )


# --- initiation (立项) ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_charter(request: HttpRequest, pk: Any) -> HttpResponse:
    opportunity = _get(request, pk, CHANGE)
    charter = selectors.charter_for(opportunity)
    initial: dict[str, Any] = {
        "project_type": opportunity.project_type,
        "lead_department": opportunity.lead_department_id,
    }
    if charter is not None:
        initial.update({name: getattr(charter, name) for name in services.CHARTER_FIELDS})
        initial["lock_version"] = charter.lock_version
    form = CharterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("lock_version", None)
        try:
            services.charter_save(
                actor=request.user, opportunity=opportunity, data=data, expected_version=version
            )
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The initiation application and charter were saved."))
            return redirect(reverse("opportunities:detail", args=[opportunity.pk]) + "#initiation-h")
    return render(
        request,
        "opportunities/action.html",
        {
            "opportunity": opportunity,
            "form": form,
            "title": _("Initiation application and project charter"),
            "danger": False,
            "url": request.path,
        },
    )


@login_required
@require_POST
def team_appoint(request: HttpRequest, pk: Any) -> HttpResponse:
    opportunity = _get(request, pk, CHANGE)
    form = AppointForm(request.POST)
    if not form.is_valid():  # a note that cannot be kept refuses the appointment, never drops the note
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(reverse("opportunities:detail", args=[opportunity.pk]) + "#initiation-h")
    try:
        appointment = services.team_appoint(
            actor=request.user, opportunity=opportunity, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("opportunities:detail", args=[opportunity.pk]) + "#initiation-h")
    messages.success(request, _("Team appointment %(number)s issued.") % {"number": appointment.number})
    return redirect("opportunities:appointment", pk=appointment.pk)


def _appointment(request: HttpRequest, pk: Any) -> Any:
    try:
        return selectors.appointment_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("Not found.")) from None


@login_required
@require_GET
def appointment_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """The printable appointment letter (print CSS hides the page chrome)."""
    return render(request, "opportunities/appointment.html", {"appointment": _appointment(request, pk)})


@login_required
@require_GET
def appointment_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    from openltc.opportunities.letters import appointment_pdf as render_pdf

    appointment = _appointment(request, pk)
    response = HttpResponse(render_pdf(appointment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{appointment.number}.pdf"'
    return response
