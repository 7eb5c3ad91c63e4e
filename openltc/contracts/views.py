"""Thin views: fetch through a selector, bind a form, call one service, show refusals as form errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openltc.contracts import closure, selectors, services, workflow
from openltc.contracts.choices import ChangeStatus, ContractStatus, VersionStatus
from openltc.contracts.forms import (
    ArchiveForm,
    ChangeForm,
    ChangeSignForm,
    CompareForm,
    ContractForm,
    CountersignForm,
    FilterForm,
    LineFormSet,
    MilestoneFormSet,
    OpinionForm,
    ReasonForm,
    ReceiptCheckForm,
    SealRecordForm,
    SealRequestForm,
    TriggerForm,
    VersionedActionForm,
    rows_of,
)
from openltc.contracts.models import Contract, ContractChange, ContractVersion
from openltc.contracts.terms import ZERO, line_amounts, money, split_milestones
from openltc.contracts.versions import LINE_FIELDS, MILESTONE_FIELDS, display, version_content, versions_diff
from openltc.core.errors import DomainError, NotFound
from openltc.core.exports import Column, export_format, export_response
from openltc.core.htmx import htmx_partial
from openltc.core.pagination import paginate
from openltc.core.visibility import CHANGE

FILTER_KEYS = ("q", "status", "owner", "org_unit", "kind")
EXPORT_COLUMNS = [
    Column(gettext_lazy("Number"), "number"),
    Column(gettext_lazy("Title"), "title"),
    Column(gettext_lazy("Kind"), "get_kind_display"),
    Column(gettext_lazy("Customer"), "customer__name"),
    Column(gettext_lazy("Status"), "get_status_display"),
    Column(gettext_lazy("Total net"), "total_net"),
    Column(gettext_lazy("Total tax"), "total_tax"),
    Column(gettext_lazy("Total"), "total_gross"),
    Column(gettext_lazy("Currency"), "currency"),
    Column(gettext_lazy("Owner (AR)"), "owner"),
    Column(gettext_lazy("Contract manager"), "contract_manager"),
    Column(gettext_lazy("Org unit"), "org_unit__name"),
    Column(gettext_lazy("Signed on"), "signed_on"),
    Column(gettext_lazy("Created at"), "created_at"),
]


CLOSURE_SHOWN = (ContractStatus.ARCHIVED, ContractStatus.EXECUTING, ContractStatus.CLOSED)


def _get(request: HttpRequest, pk: Any, action: str = "view") -> Contract:
    try:
        return selectors.contract_get(user=request.user, pk=pk, action=action)
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
    params.pop("export", None)
    return params.urlencode()


@login_required
@require_GET
def contract_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filters = _filters(request)
    qs = selectors.contract_list(user=request.user, filters=filters)
    fmt = export_format(request)
    if fmt:
        return export_response(queryset=qs, columns=EXPORT_COLUMNS, filename=_("contracts"), fmt=fmt)
    page = paginate(qs, page=request.GET.get("page", 1), page_size=request.GET.get("page_size"))
    context = {"page": page, "query": _query_without_page(request), "filters": filters}
    if htmx_partial(request):
        return render(request, "contracts/_table.html", context)
    context["form"] = FilterForm(request.GET or None, user=request.user)
    return render(request, "contracts/list.html", context)


# --- editor (header + lines + milestones) -------------------------------------------------------


def _formsets(request: HttpRequest, contract: Contract | None) -> tuple[Any, Any]:
    if request.method == "POST":
        return LineFormSet(request.POST, prefix="lines"), MilestoneFormSet(request.POST, prefix="milestones")
    lines: list[dict[str, Any]] = []
    milestones: list[dict[str, Any]] = []
    if contract is not None and contract.current_version is not None:
        version = contract.current_version
        lines = [
            dict(row)
            for row in version.lines.values(
                "kind", "description", "product_line", "quantity", "unit", "unit_price", "tax_rate"
            )
        ]
        milestones = [
            dict(row)
            for row in version.milestones.values(
                "kind", "name", "percentage", "fixed_amount", "trigger_event", "due_days"
            )
        ]
    if not lines:
        lines = [{"kind": "product", "quantity": 1, "tax_rate": 13}]
    return LineFormSet(initial=lines, prefix="lines"), MilestoneFormSet(
        initial=milestones, prefix="milestones"
    )


def _all_valid(*forms: Any) -> bool:
    return all([f.is_valid() for f in forms])  # every form validated, so every error shows


@dataclass
class Preview:
    lines: list[dict[str, Any]]
    net: Any
    tax: Any
    gross: Any
    milestone_sum: Any
    difference: Any
    milestone_amounts: list[Any]


def _preview(line_formset: Any, milestone_formset: Any) -> Preview:
    """Totals from whatever rows are valid so far, computed like the services do."""
    rows = []
    for form in line_formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("DELETE") or data.get("quantity") is None or data.get("unit_price") is None:
            continue
        amounts = line_amounts(data["quantity"], data["unit_price"], data.get("tax_rate") or 0)
        rows.append(
            {
                "description": data.get("description", ""),
                "net": amounts.net,
                "tax": amounts.tax,
                "gross": amounts.gross,
            }
        )
    net = sum((r["net"] for r in rows), ZERO)
    tax = sum((r["tax"] for r in rows), ZERO)
    pairs = []
    for form in milestone_formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("DELETE") or (data.get("percentage") is None and data.get("fixed_amount") is None):
            continue
        pairs.append((data.get("percentage"), data.get("fixed_amount")))
    split = split_milestones(pairs, net + tax)
    return Preview(
        rows,
        net,
        tax,
        net + tax,
        money(sum(split.amounts, ZERO)),
        split.difference if pairs else None,
        split.amounts,
    )


LINE_DEFAULTS = {"kind": "product", "quantity": 1, "tax_rate": 13}
MILESTONE_DEFAULTS = {"kind": "custom", "trigger_event": "custom", "due_days": 30}


def _reopened(formset_class: Any, prefix: str, bound: Any, extra_row: dict[str, Any] | None) -> Any:
    """An unbound formset showing the posted rows (deleted ones dropped) and perhaps a new row."""
    rows = [
        {name: form[name].value() for name in form.fields if name != "DELETE"}
        for form in bound.forms
        if not form["DELETE"].value()
    ]
    if extra_row is not None:
        rows.append(dict(extra_row))
    return formset_class(initial=rows, prefix=prefix)


def _editor(
    request: HttpRequest,
    contract: Contract | None,
    form: ContractForm,
    line_formset: Any,
    milestone_formset: Any,
) -> HttpResponse:
    line_formset.is_valid()
    milestone_formset.is_valid()
    preview = _preview(line_formset, milestone_formset)
    op = request.POST.get("op", "")
    if op.startswith("add_") or op == "recalc":
        # Adding a row or recalculating is not a save: show the rows as typed, without errors.
        form = ContractForm(initial=request.POST.dict(), user=request.user, instance=contract)
        line_formset = _reopened(
            LineFormSet, "lines", line_formset, LINE_DEFAULTS if op == "add_line" else None
        )
        milestone_formset = _reopened(
            MilestoneFormSet,
            "milestones",
            milestone_formset,
            MILESTONE_DEFAULTS if op == "add_milestone" else None,
        )
    context = {
        "contract": contract,
        "form": form,
        "lines": line_formset,
        "milestones": milestone_formset,
        "preview": preview,
        "currency": (contract.currency if contract else None) or request.POST.get("currency") or "CNY",
    }
    if htmx_partial(request):
        template = (
            "contracts/_totals.html" if request.POST.get("op") == "preview" else "contracts/_editor.html"
        )
        return render(request, template, context)
    return render(request, "contracts/form.html", context)


def _saved(request: HttpRequest, contract: Contract, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("contracts:detail", args=[contract.pk])
    if htmx_partial(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def contract_create(request: HttpRequest) -> HttpResponse:
    form = ContractForm(request.POST or None, user=request.user)
    line_formset, milestone_formset = _formsets(request, None)
    if (
        request.method == "POST"
        and request.POST.get("op", "save") == "save"
        and _all_valid(form, line_formset, milestone_formset)
    ):
        data = {k: v for k, v in form.cleaned_data.items() if k != "lock_version"}
        try:
            contract = services.contract_create(
                actor=request.user,
                data=data,
                lines=rows_of(line_formset),
                milestones=rows_of(milestone_formset),
            )
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            return _saved(request, contract, _("Contract %(number)s created.") % {"number": contract.number})
    return _editor(request, None, form, line_formset, milestone_formset)


@login_required
@require_http_methods(["GET", "POST"])
def contract_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    contract = _get(request, pk, CHANGE)
    form = ContractForm(request.POST or None, user=request.user, instance=contract)
    line_formset, milestone_formset = _formsets(request, contract)
    if (
        request.method == "POST"
        and request.POST.get("op", "save") == "save"
        and _all_valid(form, line_formset, milestone_formset)
    ):
        data = dict(form.cleaned_data)
        version = data.pop("lock_version", None)
        try:
            services.contract_content_save(
                actor=request.user,
                contract=contract,
                data=data,
                lines=rows_of(line_formset),
                milestones=rows_of(milestone_formset),
                expected_version=version,
            )
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            return _saved(request, contract, _("The contract was saved."))
    return _editor(request, contract, form, line_formset, milestone_formset)


# --- the contract page --------------------------------------------------------------------------


@login_required
@require_GET
def contract_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    contract = _get(request, pk)
    facts = selectors.facts_for(contract, request.user)
    can_change = selectors.can_change(request.user, contract)
    actions = workflow.available_actions(contract, request.user, facts=facts, can_change=can_change)
    version = contract.current_version
    assert version is not None
    return render(
        request,
        "contracts/detail.html",
        {
            "contract": contract,
            "version": version,
            "path": workflow.status_path(contract),
            "actions": actions,
            "allowed": workflow.allowed_codes(actions),
            "lines": list(version.lines.select_related("product_line")),
            "milestones": list(version.milestones.select_related("plan_line")),
            "opinions": list(
                contract.review_opinions.select_related("reviewer", "version").order_by("-given_at")
            ),
            "steps": list(version.countersign_steps.select_related("signed_by")),
            "seal": getattr(version, "seal_record", None) if hasattr(version, "seal_record") else None,
            "archive": getattr(version, "archive", None) if hasattr(version, "archive") else None,
            "checks": list(contract.receipt_checks.select_related("checker", "version")[:5]),
            "versions": list(selectors.version_list(contract=contract)),
            "purchase_orders": list(contract.purchase_orders.all()[:50]),
            "can_sign": {
                s.pk for s in version.countersign_steps.all() if workflow.can_countersign(s.role, facts)
            },
            "can_change": can_change,
            "changes": list(selectors.change_list(contract=contract)),
            "closure": closure.evaluate(contract) if contract.status in CLOSURE_SHOWN else None,
            "trigger_form": TriggerForm(),
            "countersign_form": CountersignForm(),
        },
    )


@dataclass(frozen=True)
class ActionSpec:
    title: Promise
    form: type[django_forms.Form]
    call: Callable[[Any, Contract, dict[str, Any], int | None], Any]
    done: Promise
    action: str = CHANGE
    danger: bool = False


ACTIONS: dict[str, ActionSpec] = {
    "submit": ActionSpec(
        gettext_lazy("Submit for contract review"),
        VersionedActionForm,
        lambda u, c, d, v: services.contract_submit(actor=u, contract=c, expected_version=v),
        gettext_lazy("The contract was submitted for review."),
    ),
    "rework": ActionSpec(
        gettext_lazy("Return for rework"),
        ReasonForm,
        lambda u, c, d, v: services.contract_return_for_rework(actor=u, contract=c, expected_version=v, **d),
        gettext_lazy("The contract was returned for rework; a new version was drafted."),
    ),
    "withdraw": ActionSpec(
        gettext_lazy("Withdraw the contract"),
        ReasonForm,
        lambda u, c, d, v: services.contract_withdraw(actor=u, contract=c, expected_version=v, **d),
        gettext_lazy("The contract was withdrawn."),
        danger=True,
    ),
    "opinion": ActionSpec(
        gettext_lazy("Give a review opinion"),
        OpinionForm,
        lambda u, c, d, v: services.review_opinion_give(actor=u, contract=c, **d),
        gettext_lazy("Your opinion was recorded."),
        action="view",
    ),
    "complete_review": ActionSpec(
        gettext_lazy("Complete the review"),
        VersionedActionForm,
        lambda u, c, d, v: services.contract_complete_review(actor=u, contract=c, expected_version=v),
        gettext_lazy("The review is complete; the contract awaits the ATC decision."),
    ),
    "start_countersign": ActionSpec(
        gettext_lazy("Start the countersign"),
        VersionedActionForm,
        lambda u, c, d, v: services.contract_start_countersign(actor=u, contract=c, expected_version=v),
        gettext_lazy("The countersign has started."),
    ),
    "request_seal": ActionSpec(
        gettext_lazy("Request the seal"),
        SealRequestForm,
        lambda u, c, d, v: services.contract_request_seal(actor=u, contract=c, expected_version=v, **d),
        gettext_lazy("The seal was requested."),
    ),
    "record_seal": ActionSpec(
        gettext_lazy("Record signature and seal"),
        SealRecordForm,
        lambda u, c, d, v: services.contract_record_seal(actor=u, contract=c, expected_version=v, **d),
        gettext_lazy("The contract is signed."),
    ),
    "archive": ActionSpec(
        gettext_lazy("Archive the signed original"),
        ArchiveForm,
        lambda u, c, d, v: services.contract_archive(actor=u, contract=c, expected_version=v, **d),
        gettext_lazy("The contract was archived."),
    ),
    "receipt_check": ActionSpec(
        gettext_lazy("Record the receipt check (接收和确认)"),
        ReceiptCheckForm,
        lambda u, c, d, v: services.contract_confirm_receipt(actor=u, contract=c, **d),
        gettext_lazy("The receipt check was recorded."),
    ),
    "execute": ActionSpec(
        gettext_lazy("Start execution"),
        VersionedActionForm,
        lambda u, c, d, v: services.contract_start_execution(actor=u, contract=c, expected_version=v),
        gettext_lazy("The contract is now executing."),
    ),
    "close": ActionSpec(
        gettext_lazy("Close the contract"),
        VersionedActionForm,
        lambda u, c, d, v: services.contract_close(actor=u, contract=c, expected_version=v),
        gettext_lazy("The contract was closed."),
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def contract_action(request: HttpRequest, pk: Any, code: str) -> HttpResponse:
    spec = ACTIONS.get(code)
    if spec is None:
        raise Http404(_("Not found."))
    contract = _get(request, pk, spec.action)
    kwargs: dict[str, Any] = {}
    if spec.form is OpinionForm:
        kwargs["functions"] = workflow.review_functions_for(selectors.facts_for(contract, request.user))
    initial: dict[str, Any] = {"lock_version": contract.lock_version}
    if spec.form is ReceiptCheckForm:
        initial.update({"received_currency": contract.currency})
    posted = request.method == "POST"
    form = spec.form(
        request.POST if posted else None, request.FILES if posted else None, initial=initial, **kwargs
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("lock_version", None)
        try:
            spec.call(request.user, contract, data, version)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, str(spec.done))
            return redirect("contracts:detail", pk=contract.pk)
    template = "contracts/_action_form.html" if htmx_partial(request) else "contracts/action.html"
    return render(
        request,
        template,
        {"contract": contract, "form": form, "title": spec.title, "danger": spec.danger, "url": request.path},
    )


@login_required
@require_POST
def open_atc_case(request: HttpRequest, pk: Any) -> HttpResponse:
    contract = _get(request, pk, CHANGE)
    try:
        case = services.contract_open_atc_case(actor=request.user, contract=contract)
    except DomainError as exc:
        messages.error(request, exc.message)
        case_id = exc.extra.get("case_id")
        if case_id:
            return redirect("decisions:case", pk=case_id)
        return redirect("contracts:detail", pk=contract.pk)
    messages.success(request, _("The ATC case is open: complete the material and submit it."))
    return redirect("decisions:case", pk=case.pk)


@login_required
@require_POST
def countersign(request: HttpRequest, pk: Any, step_id: Any) -> HttpResponse:
    contract = _get(request, pk)
    form = CountersignForm(request.POST)
    if form.is_valid():
        try:
            services.countersign_sign_off(
                actor=request.user, contract=contract, step_id=step_id, comment=form.cleaned_data["comment"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your department's sign-off was recorded."))
    return redirect("contracts:detail", pk=contract.pk)


@login_required
@require_POST
def plan_trigger(request: HttpRequest, pk: Any, line_id: Any) -> HttpResponse:
    contract = _get(request, pk, CHANGE)
    form = TriggerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid trigger date."))
    else:
        try:
            services.receivable_trigger_record(
                actor=request.user,
                contract=contract,
                plan_line_id=line_id,
                trigger_date=form.cleaned_data["trigger_date"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The trigger date was recorded; the due date follows."))
    return redirect("contracts:detail", pk=contract.pk)


@login_required
@require_GET
def version_compare(request: HttpRequest, pk: Any) -> HttpResponse:
    contract = _get(request, pk)
    versions = list(selectors.version_list(contract=contract))
    latest = versions[0].number if versions else 1
    form = CompareForm(request.GET or None, initial={"a": max(1, latest - 1), "b": latest})
    a_number = form.cleaned_data["a"] if form.is_valid() else max(1, latest - 1)
    b_number = form.cleaned_data["b"] if form.is_valid() else latest
    by_number = {v.number: v for v in versions}
    if a_number not in by_number or b_number not in by_number:
        raise Http404(_("Not found."))
    a, b = by_number[a_number], by_number[b_number]
    result = versions_diff(version_content(a, contract), version_content(b, contract))
    return render(
        request,
        "contracts/compare.html",
        {
            "contract": contract,
            "versions": versions,
            "a": a,
            "b": b,
            "diff": result,
            "form": form,
            "line_fields": LINE_FIELDS,
            "milestone_fields": MILESTONE_FIELDS,
            "line_rows": _rows_for_display("lines", result.lines),
            "milestone_rows": _rows_for_display("milestones", result.milestones),
            "frozen": VersionStatus.DRAFT,
        },
    )


def _rows_for_display(section: str, rows: list[Any]) -> list[dict[str, Any]]:
    labels = LINE_FIELDS if section == "lines" else MILESTONE_FIELDS
    out = []
    for row in rows:
        changed = {f.field for f in row.fields}
        cells = []
        for name in labels:
            before = display(section, name, (row.before or {}).get(name))
            after = display(section, name, (row.after or {}).get(name))
            cells.append({"before": before, "after": after, "changed": name in changed})
        out.append(
            {
                "change": row.change,
                "position": (row.after or row.before or {}).get("position"),
                "cells": cells,
            }
        )
    return out


# --- change requests (合同/PO变更 → ATAC → 变更协议) ----------------------------------------------


def _get_change(request: HttpRequest, contract: Contract, change_id: Any) -> ContractChange:
    try:
        return selectors.change_get(contract=contract, pk=change_id)
    except NotFound:
        raise Http404(_("Not found.")) from None


def _version_rows(version: ContractVersion) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lines = [
        dict(row)
        for row in version.lines.values(
            "kind", "description", "product_line", "quantity", "unit", "unit_price", "tax_rate"
        )
    ]
    milestones = [
        dict(row)
        for row in version.milestones.values(
            "kind", "name", "percentage", "fixed_amount", "trigger_event", "due_days"
        )
    ]
    return lines, milestones


def _change_editor(
    request: HttpRequest,
    contract: Contract,
    change: ContractChange | None,
    form: ChangeForm,
    line_formset: Any,
    milestone_formset: Any,
) -> HttpResponse:
    line_formset.is_valid()
    milestone_formset.is_valid()
    preview = _preview(line_formset, milestone_formset)
    op = request.POST.get("op", "")
    if op.startswith("add_") or op == "recalc":
        form = ChangeForm(initial=request.POST.dict())
        line_formset = _reopened(
            LineFormSet, "lines", line_formset, LINE_DEFAULTS if op == "add_line" else None
        )
        milestone_formset = _reopened(
            MilestoneFormSet,
            "milestones",
            milestone_formset,
            MILESTONE_DEFAULTS if op == "add_milestone" else None,
        )
    context = {
        "contract": contract,
        "change": change,
        "form": form,
        "lines": line_formset,
        "milestones": milestone_formset,
        "preview": preview,
        "currency": contract.currency,
    }
    if htmx_partial(request):
        template = (
            "contracts/_totals.html" if request.POST.get("op") == "preview" else "contracts/_editor.html"
        )
        return render(request, template, context)
    return render(request, "contracts/change_form.html", context)


def _change_formsets(request: HttpRequest, version: ContractVersion) -> tuple[Any, Any]:
    if request.method == "POST":
        return LineFormSet(request.POST, prefix="lines"), MilestoneFormSet(request.POST, prefix="milestones")
    lines, milestones = _version_rows(version)
    return LineFormSet(initial=lines, prefix="lines"), MilestoneFormSet(
        initial=milestones, prefix="milestones"
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_create(request: HttpRequest, pk: Any) -> HttpResponse:
    contract = _get(request, pk, CHANGE)
    refusal = workflow.request_change_reason(contract, selectors.facts_for(contract))
    if refusal:
        messages.error(request, refusal)
        return redirect("contracts:detail", pk=contract.pk)
    assert contract.current_version is not None
    form = ChangeForm(request.POST or None, initial={"margin_percent": contract.margin_percent})
    line_formset, milestone_formset = _change_formsets(request, contract.current_version)
    if (
        request.method == "POST"
        and request.POST.get("op", "save") == "save"
        and _all_valid(form, line_formset, milestone_formset)
    ):
        data = {k: v for k, v in form.cleaned_data.items() if k != "lock_version"}
        try:
            change = services.change_request(
                actor=request.user,
                contract=contract,
                data=data,
                lines=rows_of(line_formset),
                milestones=rows_of(milestone_formset),
            )
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Change request %(number)s drafted.") % {"number": change.number})
            return _redirect(request, reverse("contracts:change", args=[contract.pk, change.pk]))
    return _change_editor(request, contract, None, form, line_formset, milestone_formset)


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if htmx_partial(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def change_edit(request: HttpRequest, pk: Any, change_id: Any) -> HttpResponse:
    contract = _get(request, pk, CHANGE)
    change = _get_change(request, contract, change_id)
    if change.status != ChangeStatus.DRAFT:
        messages.error(request, _("Only a change request being drafted can be edited."))
        return redirect("contracts:change", pk=contract.pk, change_id=change.pk)
    initial = {name: getattr(change, name) for name in services.CHANGE_FIELDS}
    initial["lock_version"] = change.lock_version
    form = ChangeForm(request.POST or None, initial=initial)
    line_formset, milestone_formset = _change_formsets(request, change.amendment)
    if (
        request.method == "POST"
        and request.POST.get("op", "save") == "save"
        and _all_valid(form, line_formset, milestone_formset)
    ):
        data = dict(form.cleaned_data)
        version = data.pop("lock_version", None)
        try:
            services.change_update(
                actor=request.user,
                change=change,
                data=data,
                lines=rows_of(line_formset),
                milestones=rows_of(milestone_formset),
                expected_version=version,
            )
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The change request was saved."))
            return _redirect(request, reverse("contracts:change", args=[contract.pk, change.pk]))
    return _change_editor(request, contract, change, form, line_formset, milestone_formset)


def _atac_case(change: ContractChange) -> Any:
    try:
        from openltc.decisions.selectors import latest_case
    except (ImportError, RuntimeError, LookupError):
        return None
    return latest_case(change, "ATAC")


@login_required
@require_GET
def change_detail(request: HttpRequest, pk: Any, change_id: Any) -> HttpResponse:
    contract = _get(request, pk)
    change = _get_change(request, contract, change_id)
    facts = selectors.change_facts_for(change)
    can_change = selectors.can_change(request.user, contract)
    base, amendment = change.base_version, change.amendment
    result = versions_diff(version_content(base, contract), version_content(amendment, contract))
    return render(
        request,
        "contracts/change.html",
        {
            "contract": contract,
            "change": change,
            "actions": workflow.change_actions(change, facts=facts, can_change=can_change),
            "facts": facts,
            "case": _atac_case(change),
            "diff": result,
            "line_fields": LINE_FIELDS,
            "milestone_fields": MILESTONE_FIELDS,
            "line_rows": _rows_for_display("lines", result.lines),
            "milestone_rows": _rows_for_display("milestones", result.milestones),
            "lines": list(amendment.lines.select_related("product_line")),
            "milestones": list(amendment.milestones.all()),
        },
    )


@dataclass(frozen=True)
class ChangeActionSpec:
    title: Promise
    form: type[django_forms.Form]
    call: Callable[[Any, ContractChange, dict[str, Any], int | None], Any]
    done: Promise
    danger: bool = False


CHANGE_ACTIONS: dict[str, ChangeActionSpec] = {
    "submit_change": ChangeActionSpec(
        gettext_lazy("Submit for change review and the ATAC decision"),
        VersionedActionForm,
        lambda u, c, d, v: services.change_submit(actor=u, change=c, expected_version=v),
        gettext_lazy("The change was submitted; complete the ATAC case material and submit the case."),
    ),
    "sign_change": ChangeActionSpec(
        gettext_lazy("Record the signed change agreement"),
        ChangeSignForm,
        lambda u, c, d, v: services.change_sign(actor=u, change=c, expected_version=v, **d),
        gettext_lazy("The change agreement is signed; the amendment is now the current version."),
    ),
    "archive_change": ChangeActionSpec(
        gettext_lazy("Archive the signed change agreement"),
        ArchiveForm,
        lambda u, c, d, v: services.change_archive(actor=u, change=c, expected_version=v, **d),
        gettext_lazy("The change agreement was archived."),
    ),
    "withdraw_change": ChangeActionSpec(
        gettext_lazy("Withdraw the change"),
        ReasonForm,
        lambda u, c, d, v: services.change_withdraw(actor=u, change=c, expected_version=v, **d),
        gettext_lazy("The change request was withdrawn."),
        danger=True,
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def change_action(request: HttpRequest, pk: Any, change_id: Any, code: str) -> HttpResponse:
    spec = CHANGE_ACTIONS.get(code)
    if spec is None:
        raise Http404(_("Not found."))
    contract = _get(request, pk, CHANGE)
    change = _get_change(request, contract, change_id)
    posted = request.method == "POST"
    form = spec.form(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial={"lock_version": change.lock_version},
    )
    if posted and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("lock_version", None)
        try:
            result = spec.call(request.user, change, data, version)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, str(spec.done))
            if code == "submit_change":
                return redirect("decisions:case", pk=result.pk)
            return redirect("contracts:change", pk=contract.pk, change_id=change.pk)
    template = "contracts/_action_form.html" if htmx_partial(request) else "contracts/action.html"
    return render(
        request,
        template,
        {"contract": contract, "form": form, "title": spec.title, "danger": spec.danger, "url": request.path},
    )


@login_required
@require_POST
def open_atcc_case(request: HttpRequest, pk: Any) -> HttpResponse:
    contract = _get(request, pk, CHANGE)
    try:
        case = services.contract_open_atcc_case(actor=request.user, contract=contract)
    except DomainError as exc:
        for reason in exc.extra.get("reasons") or [exc.message]:
            messages.error(request, reason)
        case_id = exc.extra.get("case_id")
        if case_id:
            return redirect("decisions:case", pk=case_id)
        return redirect("contracts:detail", pk=contract.pk)
    messages.success(request, _("The ATCC case is open: complete the material and submit it."))
    return redirect("decisions:case", pk=case.pk)
