"""Bid pages: list (search, filters, pagination, export), bid page, create/edit, one action page
per workflow move or record (each calls one service), and the negotiation page of an opportunity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from openltc.bids import forms, selectors, services, workflow
from openltc.bids.models import Bid
from openltc.core.errors import DomainError, NotFound
from openltc.core.exports import Column, export_format, export_response
from openltc.core.htmx import htmx_partial
from openltc.core.pagination import paginate
from openltc.core.selectors import get_for_user
from openltc.core.visibility import CHANGE, VIEW

EXPORT_COLUMNS = [
    Column(gettext_lazy("Number"), "number"),
    Column(gettext_lazy("Title"), "title"),
    Column(gettext_lazy("Opportunity"), "opportunity__number"),
    Column(gettext_lazy("Customer"), "opportunity__customer__name"),
    Column(gettext_lazy("Tender number"), "tender_number"),
    Column(gettext_lazy("Issuer"), "issuer"),
    Column(gettext_lazy("Submission deadline"), "submission_deadline"),
    Column(gettext_lazy("Evaluation method"), "get_evaluation_method_display"),
    Column(gettext_lazy("Our bid price"), "bid_price"),
    Column(gettext_lazy("Currency"), "currency"),
    Column(gettext_lazy("Status"), "get_status_display"),
    Column(gettext_lazy("Result"), "get_result_display"),
    Column(gettext_lazy("Our rank"), "our_rank"),
    Column(gettext_lazy("Bid manager"), "owner"),
]


def _get(request: HttpRequest, pk: Any, action: str = VIEW) -> Bid:
    try:
        return selectors.bid_get(user=request.user, pk=pk, action=action)
    except NotFound:
        raise Http404(_("Not found.")) from None


def _opportunity(request: HttpRequest, pk: Any, action: str = VIEW) -> Any:
    from openltc.opportunities.models import Opportunity

    try:
        return get_for_user(Opportunity.objects.all(), user=request.user, pk=pk, action=action)
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


def _version(data: dict[str, Any]) -> int | None:
    value = data.pop("lock_version", None)
    return int(value) if value is not None else None


# --- list ---------------------------------------------------------------------------------------


@login_required
@require_GET
def bid_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filters = {k: request.GET[k] for k in selectors.FILTER_KEYS if request.GET.get(k)}
    qs = selectors.bid_list(user=request.user, filters=filters)
    fmt = export_format(request)
    if fmt:
        return export_response(queryset=qs, columns=EXPORT_COLUMNS, filename=_("bids"), fmt=fmt)
    page = paginate(qs, page=request.GET.get("page", 1), page_size=request.GET.get("page_size"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    context = {"page": page, "query": query.urlencode(), "filters": filters}
    if htmx_partial(request):
        return render(request, "bids/_table.html", context)
    context["form"] = forms.FilterForm(request.GET or None)
    return render(request, "bids/list.html", context)


# --- create, edit, detail -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def bid_create(request: HttpRequest, opportunity_pk: Any) -> HttpResponse:
    opportunity = _opportunity(request, opportunity_pk, CHANGE)
    form = forms.BidForm(
        request.POST or None,
        initial={
            "title": opportunity.title,
            "currency": opportunity.currency,
            "bond_currency": opportunity.currency,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("lock_version", None)
        try:
            bid = services.bid_create(actor=request.user, opportunity=opportunity, data=data)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The bid was created."))
            return redirect("bids:detail", pk=bid.pk)
    return render(request, "bids/form.html", {"form": form, "opportunity": opportunity, "bid": None})


@login_required
@require_http_methods(["GET", "POST"])
def bid_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    bid = _get(request, pk, CHANGE)
    initial = {f: getattr(bid, f) for f in services.BID_FIELDS} | {"lock_version": bid.lock_version}
    form = forms.BidForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = _version(data)
        try:
            services.bid_update(actor=request.user, bid=bid, data=data, expected_version=version)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The bid was saved."))
            return redirect("bids:detail", pk=bid.pk)
    return render(request, "bids/form.html", {"form": form, "opportunity": bid.opportunity, "bid": bid})


@login_required
@require_GET
def bid_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    bid = _get(request, pk)
    facts = selectors.bid_facts(bid, request.user)
    return render(
        request,
        "bids/detail.html",
        {
            "bid": bid,
            "facts": facts,
            "path": workflow.status_path(bid),
            "actions": workflow.available_actions(bid, facts),
            "records": [s for s in RECORD_ACTIONS if facts.can_change and s in _record_codes(bid)],
            "record_labels": {code: ACTIONS[code].title for code in RECORD_ACTIONS},
            "items": list(bid.items.select_related("owner")),
            "questions": list(bid.questions.all()),
            "competitors": list(bid.competitor_prices.all()),
            "recovery": list(bid.recovery_actions.select_related("owner")),
            "review": bid.review if selectors._has_review(bid) else None,
            "atb_case_url": selectors.atb_case_url(bid.opportunity),
        },
    )


def _record_codes(bid: Bid) -> set[str]:
    """Which record forms make sense in the bid's status (the services check again)."""
    status = bid.status
    codes: set[str] = set()
    if status in ("preparing", "under_review"):
        codes |= {"item_add", "item_status"}
    if status in ("preparing", "under_review", "submitted", "opened"):
        codes |= {"question", "answer"}
    if status in ("opened", "awarded", "lost", "disqualified"):
        codes.add("competitor")
    if bid.result in ("lost", "disqualified") and status != "cancelled":
        codes |= {"recovery", "recovery_status"}
    if status in ("awarded", "lost", "disqualified"):
        codes.add("review")
    return codes


# --- actions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    title: str | Promise
    form: type[django_forms.Form]
    call: Callable[[Any, Bid, dict[str, Any]], Any]
    done: str | Promise
    danger: bool = False
    needs_bid: bool = False  # the form's choices come from the bid


def _move(code: str) -> Callable[[Any, Bid, dict[str, Any]], Any]:
    def call(user: Any, bid: Bid, data: dict[str, Any]) -> Any:
        version = _version(data)
        return services.bid_transition(actor=user, bid=bid, code=code, expected_version=version, **data)

    return call


ACTIONS: dict[str, ActionSpec] = {
    "submit_for_review": ActionSpec(
        workflow.EDGE_BY_CODE["submit_for_review"].label,
        forms.TransitionForm,
        _move("submit_for_review"),
        gettext_lazy("The bid is under bid review."),
    ),
    "return": ActionSpec(
        workflow.EDGE_BY_CODE["return"].label,
        forms.TransitionForm,
        _move("return"),
        gettext_lazy("The bid was returned for rework."),
    ),
    "submit": ActionSpec(
        workflow.EDGE_BY_CODE["submit"].label,
        forms.TransitionForm,
        _move("submit"),
        gettext_lazy("The bid was submitted."),
    ),
    "open": ActionSpec(
        workflow.EDGE_BY_CODE["open"].label,
        forms.TransitionForm,
        _move("open"),
        gettext_lazy("The opening was recorded."),
    ),
    "award": ActionSpec(
        workflow.EDGE_BY_CODE["award"].label,
        forms.ResultForm,
        _move("award"),
        gettext_lazy("The result was recorded."),
    ),
    "lose": ActionSpec(
        workflow.EDGE_BY_CODE["lose"].label,
        forms.ResultForm,
        _move("lose"),
        gettext_lazy("The result was recorded."),
    ),
    "disqualify": ActionSpec(
        workflow.EDGE_BY_CODE["disqualify"].label,
        forms.ReasonForm,
        _move("disqualify"),
        gettext_lazy("The result was recorded."),
        danger=True,
    ),
    "close": ActionSpec(
        workflow.EDGE_BY_CODE["close"].label,
        forms.TransitionForm,
        _move("close"),
        gettext_lazy("The bid was closed."),
    ),
    "cancel": ActionSpec(
        workflow.EDGE_BY_CODE["cancel"].label,
        forms.ReasonForm,
        _move("cancel"),
        gettext_lazy("The bid was cancelled."),
        danger=True,
    ),
    "item_add": ActionSpec(
        gettext_lazy("Add a checklist item"),
        forms.ItemForm,
        lambda u, b, d: services.checklist_item_add(actor=u, bid=b, data=d),
        gettext_lazy("The checklist item was added."),
    ),
    "item_status": ActionSpec(
        gettext_lazy("Update a checklist item"),
        forms.ItemStatusForm,
        lambda u, b, d: services.checklist_item_update(actor=u, item=d.pop("item"), data=d),
        gettext_lazy("The checklist item was updated."),
        needs_bid=True,
    ),
    "question": ActionSpec(
        gettext_lazy("Log a clarification question"),
        forms.QuestionForm,
        lambda u, b, d: services.question_add(actor=u, bid=b, **d),
        gettext_lazy("The question was logged."),
    ),
    "answer": ActionSpec(
        gettext_lazy("Record an answer"),
        forms.AnswerForm,
        lambda u, b, d: services.question_answer(actor=u, question=d.pop("question"), **d),
        gettext_lazy("The answer was recorded."),
        needs_bid=True,
    ),
    "competitor": ActionSpec(
        gettext_lazy("Add a competitor's price"),
        forms.CompetitorForm,
        lambda u, b, d: services.competitor_price_add(actor=u, bid=b, data=d),
        gettext_lazy("The competitor's price was added."),
    ),
    "recovery": ActionSpec(
        gettext_lazy("Add a recovery action"),
        forms.RecoveryForm,
        lambda u, b, d: services.recovery_action_add(actor=u, bid=b, **d),
        gettext_lazy("The recovery action was added."),
    ),
    "recovery_status": ActionSpec(
        gettext_lazy("Update a recovery action"),
        forms.RecoveryStatusForm,
        lambda u, b, d: services.recovery_action_update(actor=u, action=d.pop("recovery"), **d),
        gettext_lazy("The recovery action was updated."),
        needs_bid=True,
    ),
    "review": ActionSpec(
        gettext_lazy("Write the post-bid review"),
        forms.ReviewForm,
        lambda u, b, d: services.post_bid_review_record(actor=u, bid=b, **d),
        gettext_lazy("The post-bid review was recorded."),
    ),
}
RECORD_ACTIONS = (
    "item_add",
    "item_status",
    "question",
    "answer",
    "competitor",
    "recovery",
    "recovery_status",
    "review",
)


@login_required
@require_http_methods(["GET", "POST"])
def bid_action(request: HttpRequest, pk: Any, code: str) -> HttpResponse:
    spec = ACTIONS.get(code)
    if spec is None:
        raise Http404(_("Not found."))
    bid = _get(request, pk, CHANGE)
    kwargs: dict[str, Any] = {"bid": bid} if spec.needs_bid else {}
    initial: dict[str, Any] = {"lock_version": bid.lock_version, "currency": bid.currency}
    if code == "review" and selectors._has_review(bid):
        initial.update({"reasons": bid.review.reasons, "lessons": bid.review.lessons})
    form = spec.form(request.POST if request.method == "POST" else None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if "lock_version" not in form.fields:
            data.pop("lock_version", None)
        try:
            spec.call(request.user, bid, data)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, str(spec.done))
            return redirect("bids:detail", pk=bid.pk)
    template = "bids/_action_form.html" if htmx_partial(request) else "bids/action.html"
    return render(
        request,
        template,
        {"bid": bid, "form": form, "title": spec.title, "danger": spec.danger, "url": request.path},
    )


# --- negotiation --------------------------------------------------------------------------------


@login_required
@require_GET
def negotiation_detail(request: HttpRequest, opportunity_pk: Any) -> HttpResponse:
    opportunity = _opportunity(request, opportunity_pk)
    negotiation = selectors.negotiation_for(opportunity)
    from openltc.core.visibility import can_access

    return render(
        request,
        "bids/negotiation.html",
        {
            "opportunity": opportunity,
            "negotiation": negotiation,
            "members": list(negotiation.members.select_related("user")) if negotiation else [],
            "concessions": list(negotiation.concessions.select_related("recorded_by")) if negotiation else [],
            "changes": list(negotiation.term_changes.select_related("recorded_by")) if negotiation else [],
            "routing": services.routing_check(opportunity, negotiation),
            "can_change": opportunity.is_open and can_access(request.user, opportunity, CHANGE),
            "actions": NEGOTIATION_ACTIONS,
        },
    )


@dataclass(frozen=True)
class NegotiationSpec:
    title: str | Promise
    form: type[django_forms.Form]
    call: Callable[[Any, Any, dict[str, Any]], Any]
    done: str | Promise


def _terms(user: Any, opportunity: Any, data: dict[str, Any]) -> Any:
    version = _version(data)
    data["payment_risk"] = data.get("payment_risk") or None
    data["payment_terms"] = data.get("payment_terms") or None
    change = services.terms_change(actor=user, opportunity=opportunity, expected_version=version, **data)
    if change.needs_new_decision:
        return _(
            "A new decision is needed: the new terms route to a higher level than the one that approved."
        )
    return None


NEGOTIATION_ACTIONS: dict[str, NegotiationSpec] = {
    "member": NegotiationSpec(
        gettext_lazy("Add a negotiator"),
        forms.NegotiatorForm,
        lambda u, o, d: services.negotiation_member_add(actor=u, opportunity=o, **d),
        gettext_lazy("The negotiator was added."),
    ),
    "concession": NegotiationSpec(
        gettext_lazy("Log a concession"),
        forms.ConcessionForm,
        lambda u, o, d: services.concession_add(actor=u, opportunity=o, **d),
        gettext_lazy("The concession was logged."),
    ),
    "agreement": NegotiationSpec(
        gettext_lazy("Record the customer's agreement"),
        forms.AgreementForm,
        lambda u, o, d: services.negotiation_record_agreement(actor=u, opportunity=o, **d),
        gettext_lazy("The agreement was recorded."),
    ),
    "terms": NegotiationSpec(
        gettext_lazy("Change price or payment terms"),
        forms.TermsForm,
        _terms,
        gettext_lazy("The change was recorded."),
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def negotiation_action(request: HttpRequest, opportunity_pk: Any, code: str) -> HttpResponse:
    spec = NEGOTIATION_ACTIONS.get(code)
    if spec is None:
        raise Http404(_("Not found."))
    opportunity = _opportunity(request, opportunity_pk, CHANGE)
    initial = {"lock_version": opportunity.lock_version, "currency": opportunity.currency}
    if code == "terms":
        negotiation = selectors.negotiation_for(opportunity)
        initial |= {"new_amount": opportunity.amount}
        if negotiation:
            initial |= {
                "payment_terms": negotiation.payment_terms,
                "payment_risk": negotiation.payment_risk,
                "margin_pct": negotiation.margin_pct,
            }
    form = spec.form(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            warning = spec.call(request.user, opportunity, data)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, str(spec.done))
            if isinstance(warning, str):
                messages.warning(request, warning)
            return redirect("bids:negotiation", opportunity_pk=opportunity.pk)
    return render(
        request,
        "bids/negotiation_action.html",
        {"opportunity": opportunity, "form": form, "title": spec.title, "url": request.path},
    )
