"""Customer pages: list, detail with contacts and the buying-organisation map, forms, duplicate
check and merge. Views read through selectors and write through one service call each."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openltc.core.errors import DomainError, NotFound
from openltc.core.htmx import htmx_partial
from openltc.core.pagination import paginate
from openltc.core.saved_views import saved_views_context
from openltc.core.typing import AuthedHttpRequest
from openltc.core.visibility import CHANGE, VIEW, can_access
from openltc.customers import selectors, services
from openltc.customers.charts import org_map_data
from openltc.customers.choices import PlanStatus
from openltc.customers.exports import CUSTOMER_COLUMNS
from openltc.customers.forms import (
    ActionForm,
    ContactForm,
    ContactMergeForm,
    ContactStanceForm,
    CustomerFilterForm,
    CustomerForm,
    DuplicateSearchForm,
    PlanForm,
    RelationshipForm,
    SurveyForm,
)
from openltc.customers.models import Contact, Customer


def add_errors(form: forms.BaseForm, exc: DomainError) -> None:
    """Puts a service refusal on the form: field errors on their fields, the rest on top."""
    placed = False
    for field, errors in exc.field_errors.items():
        for error in errors:
            if field in form.fields:
                form.add_error(field, error)
                placed = True
    if not placed:
        form.add_error(None, exc.message)


def _customer(request: AuthedHttpRequest, pk: Any, action: str = VIEW) -> Customer:
    try:
        return selectors.customer_get(user=request.user, pk=pk, action=action)
    except NotFound:
        raise Http404 from None


def _contact(request: AuthedHttpRequest, pk: Any, action: str = VIEW) -> Contact:
    try:
        return selectors.contact_get(user=request.user, pk=pk, action=action)
    except NotFound:
        raise Http404 from None


# ---------------------------------------------------------------- list and export


@login_required
def customer_list(request: AuthedHttpRequest) -> HttpResponseBase:
    form = CustomerFilterForm(request.GET or None, user=request.user)
    qs = selectors.customer_list(user=request.user, filters=form.filters() if request.GET else {})
    from openltc.core.exports import export_format, export_response

    fmt = export_format(request)
    if fmt:
        return export_response(queryset=qs, columns=CUSTOMER_COLUMNS, filename=_("customers"), fmt=fmt)
    page = paginate(qs, page=request.GET.get("page"), page_size=request.GET.get("page_size"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        **saved_views_context(request, "customers"),
    }
    template = "customers/_list_results.html" if htmx_partial(request) else "customers/list.html"
    return render(request, template, context)


# ---------------------------------------------------------------- create / edit / detail


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request: AuthedHttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, data=form.cleaned_data)
        except DomainError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Customer “%(name)s” was created.") % {"name": customer})
            return redirect("customers:detail", pk=customer.pk)
    duplicates = _possible_duplicates(request, form) if request.method == "POST" else []
    return render(request, "customers/form.html", {"form": form, "duplicates": duplicates})


def _possible_duplicates(
    request: AuthedHttpRequest, form: CustomerForm, exclude: Any = None
) -> list[Customer]:
    data = form.data
    qs = selectors.customer_find_duplicates(
        name=data.get("name"),
        tax_id=data.get("tax_id"),
        email=data.get("email"),
        phone=data.get("phone"),
        exclude_pk=exclude,
    )
    return list(qs.restrict(request.user, VIEW)[:10])  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    customer = _customer(request, pk, CHANGE)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                actor=request.user,
                customer=customer,
                data=form.cleaned_data,
                expected_version=_int(request.POST.get("lock_version")),
            )
        except DomainError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Customer “%(name)s” was saved.") % {"name": customer})
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _detail_context(request: AuthedHttpRequest, customer: Customer) -> dict[str, Any]:
    contacts = list(selectors.contact_list(customer=customer))
    edges = list(selectors.relationship_list(customer=customer))
    can_change = can_access(request.user, customer, CHANGE)
    return {
        "customer": customer,
        "contacts": contacts,
        "edges": edges,
        "map_data": org_map_data(contacts, edges),
        "plans": list(selectors.plan_list(customer=customer)),
        "surveys": list(selectors.survey_list(customer=customer)[:20]),
        "subsidiaries": list(customer.subsidiaries.filter(merged_into__isnull=True).only("id", "name")),
        "can_change": can_change,
        "plan_statuses": PlanStatus.choices,
        "relationship_form": RelationshipForm(customer=customer) if can_change else None,
        "plan_form": PlanForm(customer=customer) if can_change else None,
        "survey_form": SurveyForm() if can_change else None,
        "merge_form": ContactMergeForm(customer=customer) if can_change and len(contacts) > 1 else None,
    }


@login_required
def customer_detail(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    customer = _customer(request, pk)
    if customer.merged_into_id and can_access(request.user, customer.merged_into, VIEW):
        messages.info(request, _("“%(name)s” was merged into this customer.") % {"name": customer})
        return redirect("customers:detail", pk=customer.merged_into_id)
    return render(request, "customers/detail.html", _detail_context(request, customer))


def _map_response(request: AuthedHttpRequest, customer: Customer, **extra: Any) -> HttpResponse:
    context = {**_detail_context(request, customer), **extra}
    response = render(request, "customers/_org_section.html", context)
    # Forms in the contact panel target the panel; a success replaces the whole section.
    response["HX-Retarget"] = "#org-section"
    response["HX-Reswap"] = "outerHTML"
    return response


# ---------------------------------------------------------------- contacts


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    customer = _customer(request, pk, CHANGE)
    form = ContactForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_create(actor=request.user, customer=customer, data=form.cleaned_data)
        except DomainError as exc:
            add_errors(form, exc)
        else:
            if htmx_partial(request):
                return _map_response(request, customer)
            return redirect("customers:detail", pk=customer.pk)
    context = {"form": form, "customer": customer, "action": reverse("customers:contact_create", args=[pk])}
    template = "customers/_contact_form.html" if htmx_partial(request) else "customers/contact_form.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    contact = _contact(request, pk, CHANGE)
    customer = contact.customer
    form = ContactForm(request.POST or None, instance=contact, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                actor=request.user,
                contact=contact,
                data=form.cleaned_data,
                expected_version=_int(request.POST.get("lock_version")),
            )
        except DomainError as exc:
            add_errors(form, exc)
        else:
            if htmx_partial(request):
                return _map_response(request, customer)
            return redirect("customers:detail", pk=customer.pk)
    context = {
        "form": form,
        "customer": customer,
        "contact": contact,
        "action": reverse("customers:contact_edit", args=[pk]),
    }
    template = "customers/_contact_form.html" if htmx_partial(request) else "customers/contact_form.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_stance(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    """The quick stance/influence editor opened from the organisation map."""
    contact = _contact(request, pk, CHANGE)
    form = ContactStanceForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(actor=request.user, contact=contact, data=form.cleaned_data)
        except DomainError as exc:
            add_errors(form, exc)
        else:
            return _map_response(request, contact.customer)
    return render(request, "customers/_stance_form.html", {"form": form, "contact": contact})


@login_required
@require_POST
def contact_merge(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    customer = _customer(request, pk, CHANGE)
    form = ContactMergeForm(request.POST, customer=customer)
    if form.is_valid():
        try:
            kept = services.contact_merge(
                actor=request.user, keep=form.cleaned_data["keep"], merge=form.cleaned_data["merge"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The contacts were merged into “%(name)s”.") % {"name": kept})
    else:
        messages.error(request, _("Choose two contacts to merge."))
    return redirect("customers:detail", pk=customer.pk)


# ---------------------------------------------------------------- organisation map


@login_required
@require_POST
def relationship_create(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    customer = _customer(request, pk, CHANGE)
    form = RelationshipForm(request.POST, customer=customer)
    if form.is_valid():
        try:
            services.contact_relationship_create(actor=request.user, customer=customer, **form.cleaned_data)
        except DomainError as exc:
            add_errors(form, exc)
        else:
            form = RelationshipForm(customer=customer)
    if htmx_partial(request):
        return _map_response(request, customer, relationship_form=form)
    if form.errors:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#org-map")


@login_required
@require_POST
def relationship_delete(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    try:
        edge = selectors.relationship_get(user=request.user, pk=pk, action=CHANGE)
    except NotFound:
        raise Http404 from None
    customer = edge.customer
    try:
        services.contact_relationship_delete(actor=request.user, relationship=edge)
    except DomainError as exc:
        messages.error(request, exc.message)
    if htmx_partial(request):
        return _map_response(request, customer)
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#org-map")


# ---------------------------------------------------------------- plans and surveys


@login_required
@require_POST
def plan_create(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    customer = _customer(request, pk, CHANGE)
    form = PlanForm(request.POST, customer=customer)
    if form.is_valid():
        data = dict(form.cleaned_data)
        contact = data.pop("contact")
        if data.get("owner") is None:
            data.pop("owner", None)
        try:
            services.relationship_plan_create(actor=request.user, contact=contact, data=data)
        except DomainError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The relationship plan was added."))
            return redirect(reverse("customers:detail", args=[customer.pk]) + "#plans")
    context = {**_detail_context(request, customer), "plan_form": form}
    return render(request, "customers/detail.html", context, status=422)


@login_required
@require_POST
def action_create(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    try:
        plan = selectors.plan_get(user=request.user, pk=pk, action=CHANGE)
    except NotFound:
        raise Http404 from None
    form = ActionForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        try:
            services.relationship_action_create(actor=request.user, plan=plan, data=data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The action was added."))
    else:
        messages.error(request, _("The action needs a title."))
    return redirect(reverse("customers:detail", args=[plan.contact.customer_id]) + "#plans")


@login_required
@require_POST
def plan_status(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    try:
        plan = selectors.plan_get(user=request.user, pk=pk, action=CHANGE)
    except NotFound:
        raise Http404 from None
    status = request.POST.get("status", "")
    if status not in PlanStatus.values:
        messages.error(request, _("Choose a valid status."))
    else:
        try:
            services.relationship_plan_update(actor=request.user, plan=plan, data={"status": status})
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect(reverse("customers:detail", args=[plan.contact.customer_id]) + "#plans")


@login_required
@require_POST
def action_complete(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    try:
        action = selectors.action_get(user=request.user, pk=pk, action=CHANGE)
    except NotFound:
        raise Http404 from None
    try:
        services.relationship_action_complete(
            actor=request.user, action=action, outcome=request.POST.get("outcome", "")[:2000]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("customers:detail", args=[action.plan.contact.customer_id]) + "#plans")


@login_required
@require_POST
def survey_create(request: AuthedHttpRequest, pk: Any) -> HttpResponse:
    customer = _customer(request, pk, CHANGE)
    form = SurveyForm(request.POST)
    if form.is_valid():
        try:
            services.satisfaction_survey_create(actor=request.user, customer=customer, **form.cleaned_data)
        except DomainError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The satisfaction survey was recorded."))
            return redirect(reverse("customers:detail", args=[customer.pk]) + "#satisfaction")
    context = {**_detail_context(request, customer), "survey_form": form}
    return render(request, "customers/detail.html", context, status=422)


# ---------------------------------------------------------------- duplicates and merge


@login_required
def customer_duplicates(request: AuthedHttpRequest) -> HttpResponse:
    form = DuplicateSearchForm(request.GET or None)
    matches: list[Customer] = []
    hidden = 0
    if form.has_criteria():
        found = selectors.customer_find_duplicates(**form.cleaned_data)
        matches = list(found.restrict(request.user, VIEW)[:50])  # type: ignore[attr-defined]
        hidden = found.count() - len(matches) if len(matches) < 50 else 0
    context = {
        "form": form,
        "matches": matches,
        "hidden": hidden,
        "searched": form.has_criteria(),
        "groups": selectors.customer_duplicate_groups(user=request.user),
    }
    return render(request, "customers/duplicates.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def customer_merge(request: AuthedHttpRequest, pk: Any, other: Any) -> HttpResponse:
    """Confirms and performs merging ``other`` into ``pk``. Both must be changeable by the user."""
    keep = _customer(request, pk, CHANGE)
    merge = _customer(request, other, CHANGE)
    if request.method == "POST":
        try:
            kept = services.customer_merge(actor=request.user, keep=keep, merge=merge)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("“%(merged)s” was merged into “%(kept)s”.") % {"merged": merge, "kept": kept}
            )
            return redirect("customers:detail", pk=kept.pk)
    counts = {
        "contacts": merge.contacts.filter(merged_into__isnull=True).count(),
        "surveys": merge.satisfaction_surveys.count(),
    }
    return render(request, "customers/merge.html", {"keep": keep, "merge": merge, "counts": counts})


@login_required
def my_actions(request: AuthedHttpRequest) -> HttpResponse:
    actions = list(selectors.actions_due_for(request.user))
    return render(request, "customers/actions.html", {"actions": actions, "today": timezone.localdate()})
