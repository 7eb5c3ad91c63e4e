"""Thin views: fetch through a selector, bind a form, call one service, show refusals as form
errors (the page is shown again with the bound form; nothing was changed)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openltc.cash import selectors, services, workflow
from openltc.cash.forms import (
    AnalyticsForm,
    CollectionForm,
    CreditNoteForm,
    DisputeCloseForm,
    DisputeForm,
    InvoiceFilterForm,
    InvoiceForm,
    ReasonForm,
    ReceiptFilterForm,
    ReceiptForm,
    WriteOffDecisionForm,
    WriteOffForm,
)
from openltc.cash.models import Invoice, Receipt
from openltc.core.errors import DomainError, NotFound
from openltc.core.exports import Column, export_format, export_response
from openltc.core.htmx import htmx_partial
from openltc.core.pagination import paginate

INVOICE_FILTERS = ("q", "kind", "status", "contract", "customer", "entity")
RECEIPT_FILTERS = ("q", "status", "customer")
INVOICE_COLUMNS = [
    Column(gettext_lazy("Number"), "number"),
    Column(gettext_lazy("Kind"), "get_kind_display"),
    Column(gettext_lazy("Contract"), "contract__number"),
    Column(gettext_lazy("Customer"), "customer__name"),
    Column(gettext_lazy("Issue date"), "issue_date"),
    Column(gettext_lazy("Due date"), "due_date"),
    Column(gettext_lazy("Net"), "net_amount"),
    Column(gettext_lazy("Tax"), "tax_amount"),
    Column(gettext_lazy("Total"), "gross_amount"),
    Column(gettext_lazy("Received"), "allocated_amount"),
    Column(gettext_lazy("Credited"), "credited_amount"),
    Column(gettext_lazy("Written off"), "written_off_amount"),
    Column(gettext_lazy("Open"), "open_amount"),
    Column(gettext_lazy("Currency"), "currency"),
    Column(gettext_lazy("Status"), "get_status_display"),
]
RECEIPT_COLUMNS = [
    Column(gettext_lazy("Number"), "number"),
    Column(gettext_lazy("Received on"), "received_on"),
    Column(gettext_lazy("Customer"), "customer__name"),
    Column(gettext_lazy("Payer"), "payer"),
    Column(gettext_lazy("Bank reference"), "bank_reference"),
    Column(gettext_lazy("Amount"), "amount"),
    Column(gettext_lazy("Allocated"), "allocated_amount"),
    Column(gettext_lazy("Unapplied"), "unapplied_amount"),
    Column(gettext_lazy("Currency"), "currency"),
    Column(gettext_lazy("Status"), "get_status_display"),
]


def _404(fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
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


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return params.urlencode()


def _as_of(request: HttpRequest) -> tuple[AnalyticsForm, datetime.date, str | None]:
    form = AnalyticsForm(request.GET or None)
    as_of, group_by = timezone.localdate(), None
    if form.is_bound and form.is_valid():
        as_of = form.cleaned_data["as_of"] or as_of
        group_by = form.cleaned_data["group_by"] or None
    return form, as_of, group_by


# --- workspace and receivables -------------------------------------------------------------------


@login_required
@require_GET
def workspace(request: HttpRequest) -> HttpResponse:
    """The finance workspace: what to invoice, invoices, receipts to allocate, aging, disputes."""
    user = request.user
    today = timezone.localdate()
    context = {
        "billable": selectors.billable_lines(user=user)[:20],
        "invoices": selectors.invoice_list(user=user, filters={"status": "open"}).order_by("due_date")[:15],
        "receipts": selectors.receipt_list(user=user, filters={"status": "unapplied"})[:15],
        "aging": selectors.aging(user=user, as_of=today),
        "disputes": selectors.dispute_list(user=user, filters={"status": "open"})[:15],
        "write_offs": selectors.write_off_list(user=user, filters={"status": "requested"})[:15],
        "unbilled": selectors.unbilled(user=user, as_of=today),
        "finance": services.is_finance(user),
        "today": today,
    }
    return render(request, "cash/workspace.html", context)


@login_required
@require_GET
def receivables(request: HttpRequest) -> HttpResponse:
    """Aging and DSO grouped as asked, and plan vs actual per contract."""
    form, as_of, group_by = _as_of(request)
    user = request.user
    context = {
        "form": form,
        "aging": selectors.aging(user=user, as_of=as_of, group_by=group_by),
        "dso": selectors.dso(user=user, as_of=as_of, group_by=group_by),
        "plan": selectors.plan_vs_actual(user=user)[:200],
        "as_of": as_of,
        "group_by": group_by,
    }
    return render(request, "cash/receivables.html", context)


# --- invoices --------------------------------------------------------------------------------------


@login_required
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filters = {k: request.GET[k] for k in INVOICE_FILTERS if request.GET.get(k)}
    qs = selectors.invoice_list(user=request.user, filters=filters)
    fmt = export_format(request)
    if fmt:
        return export_response(queryset=qs, columns=INVOICE_COLUMNS, filename=_("invoices"), fmt=fmt)
    page = paginate(qs, page=request.GET.get("page", 1), page_size=request.GET.get("page_size"))
    context: dict[str, Any] = {"page": page, "query": _query_without_page(request), "filters": filters}
    if htmx_partial(request):
        return render(request, "cash/_invoice_table.html", context)
    context["form"] = InvoiceFilterForm(request.GET or None)
    return render(request, "cash/invoice_list.html", context)


def _invoice_context(request: HttpRequest, invoice: Invoice, **forms: Any) -> dict[str, Any]:
    user = request.user
    finance = services.is_finance(user, invoice.contract.org_unit)
    collect = services.can_collect(user, invoice.contract)
    today = timezone.localdate()
    return {
        "invoice": invoice,
        "lines": invoice.lines.select_related("plan_line__milestone"),
        "allocations": selectors.allocations_of_invoice(invoice),
        "credit_notes": invoice.credit_notes.order_by("number"),
        "actions_log": selectors.collection_actions(user=user, invoice=invoice)[:50],
        "disputes": invoice.disputes.select_related("owner").order_by("-created_at"),
        "write_offs": invoice.write_offs.select_related("requested_by", "decided_by").order_by("-created_at"),
        "actions": workflow.actions_for_invoice(invoice, finance=finance, can_collect=collect),
        "finance": finance,
        "overdue_days": (today - invoice.due_date).days
        if invoice.open_amount and invoice.due_date < today
        else 0,
        "credit_form": forms.get("credit_form") or CreditNoteForm(),
        "collection_form": forms.get("collection_form") or CollectionForm(initial={"occurred_on": today}),
        "dispute_form": forms.get("dispute_form") or DisputeForm(initial={"amount": invoice.open_amount}),
        "write_off_form": forms.get("write_off_form") or WriteOffForm(),
        "decision_form": WriteOffDecisionForm(),
        "close_form": DisputeCloseForm(),
    }


@login_required
@require_GET
def invoice_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    invoice = _404(selectors.invoice_get, user=request.user, pk=pk)
    return render(request, "cash/invoice_detail.html", _invoice_context(request, invoice))


@login_required
@require_GET
def invoice_print(request: HttpRequest, pk: Any) -> HttpResponse:
    invoice = _404(selectors.invoice_get, user=request.user, pk=pk)
    lines = invoice.lines.select_related("plan_line__milestone")
    return render(request, "cash/invoice_print.html", {"invoice": invoice, "lines": lines})


@login_required
@require_GET
def invoice_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    from openltc.cash.pdf import invoice_pdf as render_pdf

    invoice = _404(selectors.invoice_get, user=request.user, pk=pk)
    response = HttpResponse(render_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def invoice_create(request: HttpRequest, contract_pk: Any) -> HttpResponse:
    """Raise an invoice from the contract's billable milestones (one or several)."""
    from openltc.contracts.selectors import contract_get

    contract = _404(contract_get, user=request.user, pk=contract_pk)
    if not services.is_finance(request.user, contract.org_unit):
        raise Http404(_("Not found."))
    billable = list(selectors.billable_lines(user=request.user, contract=contract))
    form = InvoiceForm(request.POST or None, initial={"issue_date": timezone.localdate()})
    chosen: dict[str, str] = {}
    if request.method == "POST":
        chosen = {
            str(line.pk): request.POST.get(f"amount-{line.pk}", "")
            for line in billable
            if request.POST.get(f"line-{line.pk}")
        }
        if form.is_valid():
            try:
                invoice = services.invoice_issue(
                    actor=request.user,
                    contract=contract,
                    lines=[{"plan_line": k, "amount": v or None} for k, v in chosen.items()],
                    issuing_entity=form.cleaned_data["issuing_entity"],
                    issue_date=form.cleaned_data["issue_date"],
                    due_date=form.cleaned_data["due_date"],
                    notes=form.cleaned_data["notes"],
                )
            except DomainError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
                return redirect("cash:invoice_detail", invoice.pk)
    rows = [
        {"line": line, "checked": str(line.pk) in chosen, "amount": chosen.get(str(line.pk)) or line.unbilled}
        for line in billable
    ]
    status = 422 if request.method == "POST" else 200
    return render(
        request, "cash/invoice_form.html", {"contract": contract, "form": form, "rows": rows}, status=status
    )


def _invoice_action(
    request: HttpRequest, pk: Any, form_class: Any, key: str, call: Any, done: str
) -> HttpResponse:
    invoice = _404(selectors.invoice_get, user=request.user, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(invoice, form.cleaned_data)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("cash:invoice_detail", invoice.pk)
    return render(
        request, "cash/invoice_detail.html", _invoice_context(request, invoice, **{key: form}), status=422
    )


@login_required
@require_POST
def invoice_credit(request: HttpRequest, pk: Any) -> HttpResponse:
    return _invoice_action(
        request,
        pk,
        CreditNoteForm,
        "credit_form",
        lambda inv, d: services.credit_note_issue(
            actor=request.user, invoice=inv, amount=d["amount"], reason=d["reason"]
        ),
        _("Credit note issued."),
    )


@login_required
@require_POST
def collection_log(request: HttpRequest, pk: Any) -> HttpResponse:
    return _invoice_action(
        request,
        pk,
        CollectionForm,
        "collection_form",
        lambda inv, d: services.collection_action_log(actor=request.user, invoice=inv, **d),
        _("Collection action logged."),
    )


@login_required
@require_POST
def dispute_open(request: HttpRequest, pk: Any) -> HttpResponse:
    return _invoice_action(
        request,
        pk,
        DisputeForm,
        "dispute_form",
        lambda inv, d: services.dispute_open(actor=request.user, invoice=inv, **d),
        _("Dispute opened."),
    )


@login_required
@require_POST
def write_off_request(request: HttpRequest, pk: Any) -> HttpResponse:
    return _invoice_action(
        request,
        pk,
        WriteOffForm,
        "write_off_form",
        lambda inv, d: services.write_off_request(actor=request.user, invoice=inv, **d),
        _("Write-off requested; another finance approver decides it."),
    )


@login_required
@require_POST
def write_off_decide(request: HttpRequest, pk: Any) -> HttpResponse:
    write_off = _404(selectors.write_off_get, user=request.user, pk=pk)
    form = WriteOffDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.write_off_decide(
                actor=request.user,
                write_off=write_off,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Write-off decided."))
    else:
        messages.error(request, _("Choose approve or reject."))
    return redirect("cash:invoice_detail", write_off.invoice_id)


@login_required
@require_POST
def dispute_close(request: HttpRequest, pk: Any) -> HttpResponse:
    dispute = _404(selectors.dispute_get, user=request.user, pk=pk)
    form = DisputeCloseForm(request.POST)
    if form.is_valid():
        try:
            services.dispute_close(actor=request.user, dispute=dispute, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Dispute closed."))
    else:
        messages.error(request, _("Say how the dispute was closed."))
    if dispute.invoice_id:
        return redirect("cash:invoice_detail", dispute.invoice_id)
    return redirect("cash:workspace")


# --- receipts --------------------------------------------------------------------------------------


@login_required
@require_GET
def receipt_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filters = {k: request.GET[k] for k in RECEIPT_FILTERS if request.GET.get(k)}
    qs = selectors.receipt_list(user=request.user, filters=filters)
    fmt = export_format(request)
    if fmt:
        return export_response(queryset=qs, columns=RECEIPT_COLUMNS, filename=_("receipts"), fmt=fmt)
    page = paginate(qs, page=request.GET.get("page", 1), page_size=request.GET.get("page_size"))
    context: dict[str, Any] = {"page": page, "query": _query_without_page(request), "filters": filters}
    if htmx_partial(request):
        return render(request, "cash/_receipt_table.html", context)
    context["form"] = ReceiptFilterForm(request.GET or None)
    context["finance"] = services.is_finance(request.user)
    return render(request, "cash/receipt_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def receipt_create(request: HttpRequest) -> HttpResponse:
    form = ReceiptForm(request.POST or None, user=request.user, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            receipt = services.receipt_record(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Receipt %(number)s recorded.") % {"number": receipt.number})
            return redirect("cash:receipt_detail", receipt.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "cash/receipt_form.html", {"form": form}, status=status)


def _receipt_context(
    request: HttpRequest, receipt: Receipt, error: str = "", reverse_form: Any = None
) -> dict[str, Any]:
    finance = services.is_finance(request.user, receipt.org_unit)
    return {
        "receipt": receipt,
        "allocations": selectors.allocations_of_receipt(receipt),
        "open_invoices": selectors.open_invoices_for_receipt(user=request.user, receipt=receipt)[:50]
        if finance
        else [],
        "actions": workflow.actions_for_receipt(receipt, finance=finance),
        "allocation_error": error,
        "reverse_form": reverse_form or ReasonForm(),
    }


@login_required
@require_GET
def receipt_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    receipt = _404(selectors.receipt_get, user=request.user, pk=pk)
    return render(request, "cash/receipt_detail.html", _receipt_context(request, receipt))


@login_required
@require_POST
def receipt_allocate(request: HttpRequest, pk: Any) -> HttpResponse:
    receipt = _404(selectors.receipt_get, user=request.user, pk=pk)
    rows = []
    error = ""
    for key in request.POST:
        value = str(request.POST.get(key) or "")
        if key.startswith("alloc-") and value.strip():
            try:
                amount = Decimal(value.strip())
            except InvalidOperation:
                error = _("Enter a valid amount.")
                break
            rows.append({"invoice": key.removeprefix("alloc-"), "amount": amount})
    if not error:
        try:
            services.receipt_allocate(
                actor=request.user,
                receipt=receipt,
                allocations=rows,
                expected_version=int(request.POST.get("lock_version") or receipt.lock_version),
            )
        except (DomainError, ValueError) as exc:
            error = exc.message if isinstance(exc, DomainError) else _("Enter a valid amount.")
        else:
            messages.success(request, _("Receipt allocated."))
            return redirect("cash:receipt_detail", receipt.pk)
    return render(
        request, "cash/receipt_detail.html", _receipt_context(request, receipt, error=error), status=422
    )


@login_required
@require_POST
def receipt_reverse(request: HttpRequest, pk: Any) -> HttpResponse:
    receipt = _404(selectors.receipt_get, user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.receipt_reverse(actor=request.user, receipt=receipt, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Receipt reversed."))
            return redirect("cash:receipt_detail", receipt.pk)
    return render(
        request, "cash/receipt_detail.html", _receipt_context(request, receipt, reverse_form=form), status=422
    )
