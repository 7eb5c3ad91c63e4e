"""Lead pages: list (search, filters, saved views, export, bulk actions), kanban board, capture and
edit forms, and the detail page whose actions post inline with HTMX. Each view calls one service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openltc.core.errors import DomainError, NotFound, from_validation_error
from openltc.core.exports import Column, export_format, export_response
from openltc.core.htmx import htmx_partial
from openltc.core.pagination import paginate
from openltc.core.saved_views import saved_views_context
from openltc.core.visibility import CHANGE, VIEW
from openltc.leads import forms, selectors, services, workflow
from openltc.leads.choices import OPEN_STATUSES, LeadStatus
from openltc.leads.models import Lead, NurturingCriterion
from openltc.leads.scoring import explain

EXPORT_COLUMNS = [
    Column(_("Title"), "title"),
    Column(_("Status"), "get_status_display"),
    Column(_("Company"), "display_company"),
    Column(_("Contact"), "contact_name"),
    Column(_("Phone"), "contact_phone"),
    Column(_("E-mail"), "contact_email"),
    Column(_("Source"), "get_source_display"),
    Column(_("Maturity"), "get_maturity_display"),
    Column(_("Product line"), "product_line__name"),
    Column(_("Country or region"), "country__name"),
    Column(_("Org unit"), "org_unit__name"),
    Column(_("Owner"), "owner"),
    Column(_("Estimated value"), "estimated_value"),
    Column(_("Currency"), "currency"),
    Column(_("Expected timing"), "expected_date"),
    Column(_("Score"), "score"),
    Column(_("Created at"), "created_at"),
    Column(_("Last activity"), "last_activity_at"),
]


def _get(request: HttpRequest, pk: Any, action: str = VIEW) -> Lead:
    try:
        return selectors.lead_get_for_user(user=request.user, pk=pk, action=action)
    except NotFound:
        raise Http404(_("Not found.")) from None


def _apply_errors(form: Any, exc: DomainError) -> None:
    placed = False
    for field, errors in exc.field_errors.items():
        for error in errors:
            if field in form.fields:
                form.add_error(field, error)
                placed = True
    if not placed:
        form.add_error(None, exc.message)


# --- list, board, export, bulk -------------------------------------------------------------------


@login_required
@require_GET
def lead_list(request: HttpRequest) -> HttpResponseBase:
    filters = selectors.LeadFilters.from_mapping(request.GET)
    qs = selectors.lead_list(user=request.user, filters=filters)
    fmt = export_format(request)
    if fmt:
        return export_response(queryset=qs, columns=EXPORT_COLUMNS, filename=_("leads"), fmt=fmt)
    page = paginate(qs, page=request.GET.get("page", 1), page_size=request.GET.get("page_size"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filter_form": forms.LeadFilterForm(request.GET or None, user=request.user),
        "query": query.urlencode(),
        "bulk_form": forms.LeadBulkForm(user=request.user),
        "can_bulk": services.manages_any(request.user),
        "import_url": _import_url(),
        "now_overdue": {lead.pk for lead in page.items if lead.is_overdue()},
        **saved_views_context(request, "leads"),
    }
    if htmx_partial(request):
        return render(request, "leads/_table.html", context)
    return render(request, "leads/list.html", context)


def _import_url() -> str | None:
    try:
        return reverse("leads:leads_import_upload")
    except NoReverseMatch:
        return None


@login_required
@require_GET
def lead_board(request: HttpRequest) -> HttpResponse:
    """Kanban by status: the open statuses, 50 cards each (one query per column)."""
    filters = selectors.LeadFilters.from_mapping(request.GET)
    filters.status = ""
    qs = selectors.lead_list(user=request.user, filters=filters)
    totals = dict(qs.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    columns = [
        {
            "status": status,
            "label": LeadStatus(status).label,
            "leads": list(qs.filter(status=status)[:50]),
            "total": totals.get(status, 0),
        }
        for status in OPEN_STATUSES
    ]
    return render(request, "leads/board.html", {"columns": columns, "query": request.GET.urlencode()})


@login_required
@require_POST
def lead_bulk(request: HttpRequest) -> HttpResponse:
    form = forms.LeadBulkForm(request.POST, user=request.user)
    back = reverse("leads:list") + ("?" + request.POST.get("back", "") if request.POST.get("back") else "")
    if not form.is_valid():
        messages.error(request, _("Choose the leads and the action."))
        return redirect(back)
    leads = list(selectors.leads_visible(request.user).filter(pk__in=form.cleaned_data["ids"]))
    if len(leads) != len(set(form.cleaned_data["ids"])):
        messages.error(request, _("Some of the chosen leads were not found."))
        return redirect(back)
    try:
        if form.cleaned_data["action"] == "assign":
            done = services.lead_bulk_assign(
                actor=request.user,
                leads=leads,
                owner=form.cleaned_data["owner"],
                reason=form.cleaned_data["reason"],
            )
        else:
            done = services.lead_bulk_disqualify(
                actor=request.user,
                leads=leads,
                reason=form.cleaned_data["disqualify_reason"],
                note=form.cleaned_data["note"],
            )
    except DomainError as exc:
        messages.error(request, exc.message)
        for error in exc.extra.get("errors", []):
            messages.error(request, f"{error['title']}: {error['message']}")
        return redirect(back)
    messages.success(request, _("%(count)d leads were updated.") % {"count": len(done)})
    return redirect(back)


# --- capture and edit ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lead_create(request: HttpRequest) -> HttpResponse:
    form = forms.LeadForm(
        request.POST or None, user=request.user, creating=True, initial={"owner": request.user.pk}
    )
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(actor=request.user, data=form.cleaned_data)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The lead was captured."))
            return redirect("leads:detail", pk=lead.pk)
    return render(request, "leads/form.html", {"form": form, "lead": None})


@login_required
@require_http_methods(["GET", "POST"])
def lead_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    lead = _get(request, pk, CHANGE)
    form = forms.LeadForm(request.POST or None, instance=lead, user=request.user, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_update(
                actor=request.user,
                lead=lead,
                data={k: form.cleaned_data[k] for k in services.LEAD_FIELDS},
                expected_version=_int(request.POST.get("lock_version")),
            )
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The lead was saved."))
            return redirect("leads:detail", pk=pk)
    return render(request, "leads/form.html", {"form": form, "lead": Lead.objects.get(pk=pk)})


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- detail and inline actions -------------------------------------------------------------------


def _detail_context(request: HttpRequest, lead: Lead, **extra: Any) -> dict[str, Any]:
    actions = workflow.available_actions(lead, request.user)
    codes = {a.code for a in actions}
    context: dict[str, Any] = {
        "lead": lead,
        "actions": actions,
        "action_codes": codes,
        "elements": lead.elements(),
        "explanation": explain(lead),
        "checklist": selectors.lead_checklist(lead),
        "timeline": selectors.lead_timeline(lead),
        "overdue": lead.is_overdue(),
        "validate_form": forms.LeadValidateForm(
            initial={
                "strategic_fit": lead.strategic_fit,
                "maturity": lead.maturity,
                "note": lead.validation_note,
            }
        ),
        "disqualify_form": forms.LeadDisqualifyForm(),
        "pool_form": forms.LeadPoolForm(),
        "activity_form": forms.LeadActivityForm(),
        "convert_form": forms.LeadConvertForm(
            initial={"title": lead.title, "amount": lead.estimated_value, "currency": lead.currency}
        ),
        "errors": [],
    }
    if "assign" in codes:
        context["assign_form"] = forms.LeadAssignForm(user=request.user)
    context.update(extra)
    return context


def _invalid(form: Any) -> DomainError:
    """An inline action's form that does not validate (a NUL byte, a note too long) refuses the
    action with the form's first error, instead of acting without the bad value."""
    return from_validation_error(ValidationError(form.errors.as_data()))


def _respond(
    request: HttpRequest, lead: Lead, *, error: DomainError | None = None, **extra: Any
) -> HttpResponse:
    """After an inline action: the refreshed detail fragment for HTMX, else back to the page."""
    if htmx_partial(request):
        try:
            fresh = selectors.lead_get_for_user(user=request.user, pk=lead.pk)
        except NotFound:  # the action moved the lead out of the user's sight
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("leads:list")
            return response
        errors = [error.message] if error else []
        return render(request, "leads/_detail.html", _detail_context(request, fresh, errors=errors, **extra))
    if error is not None:
        messages.error(request, error.message)
    if not selectors.leads_visible(request.user).filter(pk=lead.pk).exists():
        return redirect("leads:list")
    return redirect("leads:detail", pk=lead.pk)


@login_required
@require_GET
def lead_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    lead = _get(request, pk)
    return render(request, "leads/detail.html", _detail_context(request, lead))


@login_required
@require_POST
def lead_validate(request: HttpRequest, pk: Any) -> HttpResponse:
    lead = _get(request, pk)
    form = forms.LeadValidateForm(request.POST)
    if not form.is_valid():
        return _respond(request, lead, error=DomainError(_("Choose the strategic fit and the maturity.")))
    try:
        services.lead_validate(actor=request.user, lead=lead, **form.cleaned_data)
    except DomainError as exc:
        return _respond(request, lead, error=exc)
    return _respond(request, lead)


@login_required
@require_POST
def lead_action(request: HttpRequest, pk: Any, action: str) -> HttpResponse:
    """The status actions without their own form: accept, qualify, disqualify, return to pool,
    claim, distribute."""
    lead = _get(request, pk)
    try:
        if action == workflow.Action.VALIDATE:
            services.lead_validate(
                actor=request.user, lead=lead, strategic_fit=lead.strategic_fit, maturity=lead.maturity
            )
        elif action == workflow.Action.ACCEPT:
            services.lead_accept(actor=request.user, lead=lead)
        elif action == workflow.Action.QUALIFY:
            services.lead_qualify(actor=request.user, lead=lead)
        elif action == workflow.Action.DISQUALIFY:
            form = forms.LeadDisqualifyForm(request.POST)
            if not form.is_valid():
                raise _invalid(form)
            services.lead_disqualify(
                actor=request.user,
                lead=lead,
                reason=form.cleaned_data.get("reason", ""),
                note=form.cleaned_data.get("note", ""),
            )
        elif action == workflow.Action.RETURN_TO_POOL:
            pool_form = forms.LeadPoolForm(request.POST)
            if not pool_form.is_valid():
                raise _invalid(pool_form)
            services.lead_return_to_pool(
                actor=request.user, lead=lead, reason=pool_form.cleaned_data.get("reason", "")
            )
        elif action == workflow.Action.CLAIM:
            services.lead_claim(actor=request.user, lead=lead)
        elif action == workflow.Action.DISTRIBUTE:
            services.lead_distribute(actor=request.user, lead=lead)
        else:
            raise Http404(_("Not found."))
    except DomainError as exc:
        return _respond(request, lead, error=exc)
    if action == workflow.Action.RETURN_TO_POOL and not htmx_partial(request):
        messages.success(request, _("The lead is back in the pool."))
    return _respond(request, lead)


@login_required
@require_POST
def lead_assign(request: HttpRequest, pk: Any) -> HttpResponse:
    lead = _get(request, pk)
    form = forms.LeadAssignForm(request.POST, user=request.user)
    if not form.is_valid():
        return _respond(request, lead, error=DomainError(_("Choose the new owner.")))
    try:
        services.lead_assign(actor=request.user, lead=lead, **form.cleaned_data)
    except DomainError as exc:
        return _respond(request, lead, error=exc)
    return _respond(request, lead)


@login_required
@require_POST
def lead_activity(request: HttpRequest, pk: Any) -> HttpResponse:
    lead = _get(request, pk)
    form = forms.LeadActivityForm(request.POST)
    if not form.is_valid():
        error = DomainError(
            " ".join(
                f"{form.fields[f].label}: {e[0]}" if f in form.fields else str(e[0])
                for f, e in form.errors.items()
            )
        )
        return _respond(request, lead, error=error, activity_form=form)
    try:
        services.lead_activity_add(actor=request.user, lead=lead, data=form.cleaned_data)
    except DomainError as exc:
        return _respond(request, lead, error=exc)
    return _respond(request, lead)


@login_required
@require_POST
def lead_criterion(request: HttpRequest, pk: Any, criterion_id: int) -> HttpResponse:
    lead = _get(request, pk)
    criterion = NurturingCriterion.objects.filter(pk=criterion_id).first()
    if criterion is None:
        raise Http404(_("Not found."))
    form = forms.LeadCriterionForm(request.POST)
    if not form.is_valid():
        return _respond(request, lead, error=_invalid(form))
    try:
        services.lead_criterion_set(
            actor=request.user,
            lead=lead,
            criterion=criterion,
            checked=form.cleaned_data.get("checked", False),
            note=form.cleaned_data.get("note", ""),
        )
    except DomainError as exc:
        return _respond(request, lead, error=exc)
    return _respond(request, lead)


@login_required
@require_POST
def lead_merge(request: HttpRequest, pk: Any) -> HttpResponse:
    """Merges the duplicate lead named in the form into this one."""
    lead = _get(request, pk)
    try:
        duplicate = selectors.lead_get_for_user(user=request.user, pk=request.POST.get("merge_id"))
        services.lead_merge(actor=request.user, keep=lead, merge=duplicate)
    except DomainError as exc:
        return _respond(request, lead, error=exc)
    return _respond(request, lead)


@login_required
@require_POST
def lead_convert(request: HttpRequest, pk: Any) -> HttpResponse:
    lead = _get(request, pk)
    form = forms.LeadConvertForm(request.POST)
    if not form.is_valid():
        return _respond(
            request, lead, error=DomainError(_("Check the opportunity details.")), convert_form=form
        )
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    try:
        _lead, opportunity = services.lead_convert(actor=request.user, lead=lead, **data)
    except DomainError as exc:
        return _respond(request, lead, error=exc)
    messages.success(request, _("The lead was converted into an opportunity."))
    try:
        target = reverse("opportunities:detail", kwargs={"pk": opportunity.pk})
    except NoReverseMatch:
        target = reverse("leads:detail", kwargs={"pk": lead.pk})
    if htmx_partial(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)
