"""Thin views of the Decisions area: fetch through a selector, bind a form, call one service,
show refusals as form errors."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from openltc.core.errors import DomainError, NotFound
from openltc.core.htmx import htmx_partial
from openltc.core.pagination import paginate
from openltc.decisions import minutes, selectors, services, workflow
from openltc.decisions.choices import CaseStatus, ConditionStatus, Outcome
from openltc.decisions.forms import (
    AnswerForm,
    AttachmentForm,
    CaseForm,
    CaseOpenForm,
    ConditionCloseForm,
    ConditionFormSet,
    DecisionForm,
    DeputyForm,
    FilterForm,
    OpinionForm,
    ReturnForm,
)
from openltc.decisions.models import CaseAttachment, DecisionCase, DecisionCondition, Deputy
from openltc.decisions.subjects import SUBJECT_MODELS, url_of
from openltc.org.models import User


def _get(request: HttpRequest, pk: Any) -> DecisionCase:
    try:
        return selectors.case_get(user=request.user, pk=pk)
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


def _principal(request: HttpRequest, raw: Any) -> User | None:
    if not raw or str(raw) == str(request.user.pk):
        return None
    return User.objects.filter(pk=raw).first() if str(raw).isdigit() else None


# --- inbox and lists ------------------------------------------------------------------------------


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    context = {
        "to_decide": list(selectors.waiting_for_my_decision(user)[:50]),
        "to_review": selectors.waiting_for_my_opinion(user)[:50],
        "escalated": list(selectors.escalated_to_me(user)[:50]),
        "mine": list(selectors.my_submissions(user)[:50]),
        "conditions": list(
            DecisionCondition.objects.filter(owner=user, status=ConditionStatus.OPEN)
            .select_related("case")
            .order_by("due_date")[:50]
        ),
        "history": list(selectors.decision_history(user)[:20]),
    }
    return render(request, "decisions/inbox.html", context)


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.case_list(user=request.user, filters={k: v for k, v in filters.items() if v})
    page = paginate(qs, page=request.GET.get("page", 1), page_size=request.GET.get("page_size"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "cases": page.items, "query": params.urlencode()}
    if htmx_partial(request):
        return render(request, "decisions/_case_table.html", context)
    return render(request, "decisions/list.html", context)


# --- the case page ----------------------------------------------------------------------------------


def _case_context(request: HttpRequest, case: DecisionCase, **forms: Any) -> dict[str, Any]:
    user: Any = request.user
    principals = selectors.principals_for(user)
    can_prepare = selectors.can_prepare(user, case)
    review_functions = sorted(selectors.reviewer_functions(user, case.org_unit))
    actions: dict[str, workflow.Action] = {}
    for action in ("submit", "review", "decide", "return", "reopen"):
        facts = selectors.case_facts(case, actor=user, action=action)
        reasons = workflow.blocking_reasons(case, action, facts)
        if action == "submit" and not can_prepare:
            continue
        if action == "review" and not review_functions:
            continue
        if action in ("decide", "return"):
            deciders = [p for p in principals if selectors.decider_level(p, case.org_unit) is not None]
            if not deciders:
                continue
            if reasons and len(principals) > 1:
                for p in principals[1:]:
                    alt = selectors.case_facts(case, actor=user, action=action, on_behalf_of=p)
                    if not workflow.blocking_reasons(case, action, alt):
                        reasons = []
                        break
        if action == "reopen" and not (can_prepare or selectors.decider_level(user, case.org_unit)):
            continue
        actions[action] = workflow.Action(action, not reasons, reasons[0] if reasons else "")
    owners = User.objects.filter(
        pk__in=[*case.participants.values_list("pk", flat=True), case.submitted_by_id or 0]
    )
    page_data = minutes.minutes_for(case)
    return {
        **page_data,
        "attachments": list(case.attachments.select_related("uploaded_by")),
        "actions": actions,
        "can_prepare": can_prepare and case.status in (CaseStatus.DRAFT, CaseStatus.RETURNED),
        "missing_reviews": selectors.missing_reviews(case) if case.status != CaseStatus.DRAFT else (),
        "case_form": forms.get("case_form")
        or CaseForm(initial={"title": case.title, "summary": case.summary}),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(items=page_data["checklist"]),
        "opinion_form": forms.get("opinion_form") or OpinionForm(functions=review_functions),
        "decision_form": forms.get("decision_form")
        or DecisionForm(principals=principals, initial={"lock_version": case.lock_version}),
        "condition_formset": forms.get("condition_formset")
        or ConditionFormSet(prefix="cond", form_kwargs={"owners": owners}),
        "return_form": forms.get("return_form") or ReturnForm(principals=principals),
        "close_form": ConditionCloseForm(),
        "events_url_args": ("decisions", "decisioncase", case.pk),
    }


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    case = _get(request, pk)
    return render(request, "decisions/case.html", _case_context(request, case))


@login_required
@require_GET
def case_minutes(request: HttpRequest, pk: Any) -> HttpResponse:
    case = _get(request, pk)
    return render(request, "decisions/minutes.html", minutes.minutes_for(case))


@login_required
@require_POST
def case_open(request: HttpRequest) -> HttpResponse:
    form = CaseOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a gate."))
        return redirect(request.POST.get("next") or "decisions:inbox")
    label = form.cleaned_data["subject_type"].lower()
    if label not in SUBJECT_MODELS:
        raise Http404(_("Not found."))
    app_label, model = label.split(".", 1)
    model_class = ContentType.objects.get_by_natural_key(app_label, model).model_class()
    try:
        subject = (
            model_class._default_manager.filter(pk=form.cleaned_data["subject_id"]).first()
            if model_class
            else None
        )
    except (ValueError, TypeError, DjangoValidationError):
        subject = None
    if subject is None:
        raise Http404(_("Not found."))
    try:
        case = services.case_open(actor=request.user, subject=subject, gate=form.cleaned_data["gate"])
    except NotFound:
        raise Http404(_("Not found.")) from None
    except DomainError as exc:
        existing = exc.extra.get("case_id")
        messages.error(request, exc.message)
        if existing:
            return redirect("decisions:case", pk=existing)
        return redirect(url_of(subject) or "decisions:inbox")
    messages.success(request, _("The case is open: complete the material and submit it."))
    return redirect("decisions:case", pk=case.pk)


def _after(request: HttpRequest, case: DecisionCase, message: str | None = None) -> HttpResponse:
    if message:
        messages.success(request, message)
    return redirect("decisions:case", pk=case.pk)


def _rerender(request: HttpRequest, case: DecisionCase, status: int = 422, **forms: Any) -> HttpResponse:
    return render(request, "decisions/case.html", _case_context(request, case, **forms), status=status)


@login_required
@require_POST
def case_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    case = _get(request, pk)
    form = CaseForm(request.POST)
    if form.is_valid():
        try:
            services.case_update(actor=request.user, case=case, **form.cleaned_data)
            return _after(request, case, _("Saved."))
        except DomainError as exc:
            _apply_errors(form, exc)
    return _rerender(request, case, case_form=form)


@login_required
@require_POST
def checklist_answer(request: HttpRequest, pk: Any, item_id: Any) -> HttpResponse:
    case = _get(request, pk)
    item = case.checklist.filter(pk=item_id).first()
    if item is None:
        raise Http404(_("Not found."))
    form = AnswerForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            item = services.checklist_answer(
                actor=request.user, item=item, answer=form.cleaned_data["answer"]
            )
        except DomainError as exc:
            error = exc.message
    if htmx_partial(request):
        item_html = render_to_string(
            "decisions/_checklist_item.html",
            {"item": item, "case": case, "can_prepare": True, "error": error},
            request=request,
        )
        # The answer may complete the material: the actions card (submit enabled or not, and
        # why) is swapped out of band so the page never shows a stale refusal.
        context = _case_context(request, case)
        actions_html = render_to_string("decisions/_actions.html", {**context, "oob": True}, request=request)
        return HttpResponse(item_html + actions_html, status=422 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("decisions:case", pk=case.pk)


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: Any) -> HttpResponse:
    case = _get(request, pk)
    items = list(case.checklist.all())
    form = AttachmentForm(request.POST, request.FILES, items=items)
    if form.is_valid():
        item = next((i for i in items if str(i.pk) == form.cleaned_data["item"]), None)
        try:
            services.attachment_add(
                actor=request.user, case=case, upload=form.cleaned_data["file"], item=item
            )
            return _after(request, case, _("The file was attached."))
        except DomainError as exc:
            _apply_errors(form, exc)
    return _rerender(request, case, attachment_form=form)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: Any, attachment_id: Any) -> FileResponse:
    case = _get(request, pk)
    attachment = CaseAttachment.objects.filter(case=case, pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("Not found."))
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


def _simple(request: HttpRequest, pk: Any, call: Any, message: str) -> HttpResponse:
    case = _get(request, pk)
    try:
        call(case)
    except NotFound:
        raise Http404(_("Not found.")) from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("decisions:case", pk=case.pk)
    return _after(request, case, message)


@login_required
@require_POST
def case_submit(request: HttpRequest, pk: Any) -> HttpResponse:
    return _simple(
        request,
        pk,
        lambda case: services.case_submit(actor=request.user, case=case),
        _("Submitted; the case is routed to its decision level."),
    )


@login_required
@require_POST
def case_reopen(request: HttpRequest, pk: Any) -> HttpResponse:
    return _simple(
        request,
        pk,
        lambda case: services.case_reopen(actor=request.user, case=case),
        _("The case is reopened."),
    )


@login_required
@require_POST
def case_route(request: HttpRequest, pk: Any) -> HttpResponse:
    return _simple(
        request,
        pk,
        lambda case: services.case_route(actor=request.user, case=case),
        _("The case was routed again."),
    )


@login_required
@require_POST
def opinion_record(request: HttpRequest, pk: Any) -> HttpResponse:
    case = _get(request, pk)
    form = OpinionForm(request.POST)
    if form.is_valid():
        try:
            services.opinion_record(actor=request.user, case=case, **form.cleaned_data)
            return _after(request, case, _("Your opinion is recorded."))
        except DomainError as exc:
            _apply_errors(form, exc)
    return _rerender(request, case, opinion_form=form)


@login_required
@require_POST
def decision_record(request: HttpRequest, pk: Any) -> HttpResponse:
    case = _get(request, pk)
    principals = selectors.principals_for(request.user)
    form = DecisionForm(request.POST, principals=principals)
    owners = User.objects.filter(
        pk__in=[*case.participants.values_list("pk", flat=True), case.submitted_by_id or 0]
    )
    formset = ConditionFormSet(request.POST, prefix="cond", form_kwargs={"owners": owners})
    if form.is_valid() and formset.is_valid():
        conditions = [
            services.ConditionInput(text=row["text"], owner=row["owner"], due_date=row["due_date"])
            for row in formset.cleaned_data
            if row.get("text")
        ]
        outcome = form.cleaned_data["outcome"]
        try:
            services.decision_record(
                actor=request.user,
                case=case,
                outcome=outcome,
                rationale=form.cleaned_data["rationale"],
                on_behalf_of=_principal(request, form.cleaned_data.get("on_behalf_of")),
                conditions=conditions if outcome == Outcome.APPROVED_WITH_CONDITIONS else [],
                revisit_on=form.cleaned_data.get("revisit_on"),
                expected_version=form.cleaned_data.get("lock_version"),
            )
            return _after(request, case, _("The decision is recorded."))
        except NotFound:
            raise Http404(_("Not found.")) from None
        except DomainError as exc:
            _apply_errors(form, exc)
            status = exc.code.http_status
            return _rerender(request, case, status=status, decision_form=form, condition_formset=formset)
    return _rerender(request, case, decision_form=form, condition_formset=formset)


@login_required
@require_POST
def case_return(request: HttpRequest, pk: Any) -> HttpResponse:
    case = _get(request, pk)
    form = ReturnForm(request.POST, principals=selectors.principals_for(request.user))
    if form.is_valid():
        try:
            services.case_return_for_rework(
                actor=request.user,
                case=case,
                reason=form.cleaned_data["reason"],
                on_behalf_of=_principal(request, form.cleaned_data.get("on_behalf_of")),
            )
            return _after(request, case, _("The case was returned for rework."))
        except DomainError as exc:
            _apply_errors(form, exc)
    return _rerender(request, case, return_form=form)


@login_required
@require_POST
def condition_close(request: HttpRequest, pk: Any, condition_id: Any) -> HttpResponse:
    case = _get(request, pk)
    condition = case.conditions.filter(pk=condition_id).first()
    if condition is None:
        raise Http404(_("Not found."))
    form = ConditionCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say how the condition was met."))
        return redirect("decisions:case", pk=case.pk)
    try:
        services.condition_close(actor=request.user, condition=condition, note=form.cleaned_data["note"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("decisions:case", pk=case.pk)
    return _after(request, case, _("The condition is closed."))


# --- deputies ------------------------------------------------------------------------------------------


@login_required
def deputies(request: HttpRequest) -> HttpResponse:
    form = DeputyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deputy_appoint(actor=request.user, principal=request.user, **form.cleaned_data)
            messages.success(request, _("The deputy is appointed."))
            return redirect("decisions:deputies")
        except DomainError as exc:
            _apply_errors(form, exc)
    user: Any = request.user
    context = {
        "form": form,
        "appointed": Deputy.objects.filter(principal=user).select_related("deputy"),
        "acting_for": Deputy.objects.filter(deputy=user).select_related("principal"),
    }
    return render(request, "decisions/deputies.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def deputy_revoke(request: HttpRequest, deputy_id: Any) -> HttpResponse:
    user: Any = request.user
    appointment = Deputy.objects.filter(pk=deputy_id, principal=user).first()
    if appointment is None:
        raise Http404(_("Not found."))
    try:
        services.deputy_revoke(actor=request.user, appointment=appointment)
        messages.success(request, _("The deputyship is revoked."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("decisions:deputies")
