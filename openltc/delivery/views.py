"""Thin views: fetch through a selector, bind a form, call one service, show refusals as form
errors. Every record form of the workspace goes through one table (``FORMS``) of form + service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openltc.core.errors import DomainError, NotFound
from openltc.core.exports import Column, export_format, export_response
from openltc.core.htmx import htmx_partial
from openltc.core.pagination import paginate
from openltc.core.visibility import CHANGE, VIEW
from openltc.delivery import forms, selectors, services, workflow
from openltc.delivery.choices import CostStage
from openltc.delivery.models import (
    Acceptance,
    ActionItem,
    DeliveryProject,
    DelphiSession,
    PlanItem,
    ProjectMember,
    QualityReview,
    ReviewFinding,
    Risk,
)

FILTER_KEYS = ("q", "status", "fr", "mine")
EXPORT_COLUMNS = [
    Column(gettext_lazy("Number"), "number"),
    Column(gettext_lazy("Name"), "name"),
    Column(gettext_lazy("Contract"), "contract__number"),
    Column(gettext_lazy("Customer"), "contract__customer__name"),
    Column(gettext_lazy("Status"), "get_status_display"),
    Column(gettext_lazy("FR in charge"), "fr"),
    Column(gettext_lazy("Org unit"), "org_unit__name"),
    Column(gettext_lazy("Planned start"), "planned_start"),
    Column(gettext_lazy("Planned finish"), "planned_finish"),
    Column(gettext_lazy("Created at"), "created_at"),
]


def _get(request: HttpRequest, pk: Any, action: str = VIEW) -> DeliveryProject:
    try:
        return selectors.project_get(user=request.user, pk=pk, action=action)
    except NotFound:
        raise Http404(_("Not found.")) from None


def _child(model: Any, project: DeliveryProject, pk: Any, lookup: str = "project") -> Any:
    try:
        found = model._default_manager.filter(**{lookup: project}).filter(pk=pk).first()
    except (ValueError, DomainError):
        found = None
    if found is None:
        raise Http404(_("Not found."))
    return found


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


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filters = {k: request.GET[k] for k in FILTER_KEYS if request.GET.get(k)}
    qs = selectors.project_list(user=request.user, filters=filters)
    fmt = export_format(request)
    if fmt:
        return export_response(queryset=qs, columns=EXPORT_COLUMNS, filename=_("delivery-projects"), fmt=fmt)
    page = paginate(qs, page=request.GET.get("page", 1), page_size=request.GET.get("page_size"))
    context: dict[str, Any] = {"page": page, "query": _query_without_page(request), "filters": filters}
    if htmx_partial(request):
        return render(request, "delivery/_table.html", context)
    context["form"] = forms.FilterForm(request.GET or None)
    return render(request, "delivery/list.html", context)


@login_required
@require_POST
def project_create(request: HttpRequest) -> HttpResponse:
    """Posted from the delivery panel on the contract page."""
    from openltc.contracts.selectors import contract_get

    form = forms.ProjectCreateForm(request.POST)
    if not form.is_valid():
        contract_id = request.POST.get("contract")
        messages.error(request, _("Choose the FR in charge and valid dates."))
        return (
            redirect("contracts:detail", contract_id)
            if form.cleaned_data.get("contract")
            else redirect("delivery:list")
        )
    try:
        contract = contract_get(user=request.user, pk=form.cleaned_data["contract"])
    except NotFound:
        raise Http404(_("Not found.")) from None
    data = {k: v for k, v in form.cleaned_data.items() if k != "contract"}
    try:
        project = services.project_create(actor=request.user, contract=contract, **data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("contracts:detail", contract.pk)
    messages.success(request, _("Delivery project %(number)s set up.") % {"number": project.number})
    return redirect("delivery:detail", project.pk)


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    project = _get(request, pk)
    can_change = selectors.can_change(request.user, project)
    facts = selectors.facts_for(project)
    by_form = forms.PertDateForm(request.GET or None)
    by_date = by_form.cleaned_data.get("by") if by_form.is_valid() else None
    if by_date is None:
        by_date = project.planned_finish
    meetings = project.meetings.select_related("recorded_by").prefetch_related("actions__owner")
    reviews = project.reviews.select_related("moderator", "item").prefetch_related("findings__owner")
    threshold = selectors.setting("delphi_convergence_pct")
    context = {
        "project": project,
        "can_change": can_change,
        "facts": facts,
        "actions": workflow.available_actions(project, facts=facts, can_change=can_change),
        "team": project.team.select_related("user").order_by("role"),
        "items": selectors.items(project),
        "gantt": selectors.gantt_data(project),
        "risks": selectors.risks(project),
        "heatmap": selectors.risk_heatmap(project),
        "pert": selectors.pert_summary(project, by_date),
        "pert_form": by_form if request.GET else forms.PertDateForm(initial={"by": by_date}),
        "delphi": [
            selectors.delphi_view(s, request.user, threshold) for s in selectors.delphi_sessions(project)
        ],
        "analogies": project.analogies.select_related("reference"),
        "costs": selectors.cost_table(project),
        "stages": [s.label for s in CostStage],
        "ev": selectors.earned_value(project),
        "reviews": reviews,
        "meetings": meetings,
        "work_log": project.work_log.select_related("author", "item")[:50],
    }
    return render(request, "delivery/detail.html", context)


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: Any, acceptance_id: Any) -> FileResponse:
    project = _get(request, pk)
    acceptance: Acceptance = _child(Acceptance, project, acceptance_id, "item__project")
    return FileResponse(acceptance.evidence.open("rb"), as_attachment=True, filename=acceptance.evidence_name)


# --- the record forms of the workspace -----------------------------------------------------------


@dataclass(frozen=True)
class FormSpec:
    title: str | Promise
    build: Callable[[HttpRequest, DeliveryProject, Any, Any], django_forms.Form]
    run: Callable[[HttpRequest, DeliveryProject, Any, dict[str, Any]], Any]
    target: str = ""  # the model of the record the form acts on (None: the project)
    files: bool = False


def _initial_item(item: PlanItem) -> dict[str, Any]:
    return {
        **{
            f: getattr(item, f)
            for f in (
                "stream",
                "kind",
                "name",
                "owner",
                "planned_start",
                "planned_finish",
                "status",
                "progress",
                "plan_line",
                "planned_value",
            )
        },
        "depends_on": list(item.depends_on.all()),
        "lock_version": item.lock_version,
    }


def _item_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("depends_on", "lock_version")}


def _meeting_actions(data: dict[str, Any]) -> list[dict[str, Any]]:
    if not data.get("action"):
        return []
    return [{"description": data["action"], "owner": data["action_owner"], "due": data["action_due"]}]


FORMS: dict[str, FormSpec] = {
    "edit": FormSpec(
        gettext_lazy("Edit the project"),
        lambda r, p, o, d: forms.ProjectEditForm(
            d,
            initial={
                "name": p.name,
                "fr": p.fr,
                "planned_start": p.planned_start,
                "planned_finish": p.planned_finish,
                "lock_version": p.lock_version,
            },
        ),
        lambda r, p, o, c: services.project_update(
            actor=r.user,
            project=p,
            data={k: v for k, v in c.items() if k != "lock_version"},
            expected_version=c.get("lock_version"),
        ),
    ),
    "member": FormSpec(
        gettext_lazy("Add a team member"),
        lambda r, p, o, d: forms.MemberForm(d),
        lambda r, p, o, c: services.member_add(actor=r.user, project=p, **c),
    ),
    "start": FormSpec(
        gettext_lazy("Start execution"),
        lambda r, p, o, d: forms.VersionedActionForm(d, initial={"lock_version": p.lock_version}),
        lambda r, p, o, c: services.project_start(
            actor=r.user, project=p, expected_version=c.get("lock_version")
        ),
    ),
    "close": FormSpec(
        gettext_lazy("Close the project"),
        lambda r, p, o, d: forms.CloseForm(d, initial={"lock_version": p.lock_version, "summary": p.summary}),
        lambda r, p, o, c: services.project_close(
            actor=r.user,
            project=p,
            summary=c["summary"],
            lessons_learned=c.get("lessons_learned", ""),
            customer_satisfaction=c.get("customer_satisfaction"),
            expected_version=c.get("lock_version"),
        ),
    ),
    "item": FormSpec(
        gettext_lazy("Add a task or delivery milestone"),
        lambda r, p, o, d: forms.ItemForm(d, project=p),
        lambda r, p, o, c: services.item_create(
            actor=r.user, project=p, data=_item_data(c), depends_on=list(c.get("depends_on") or [])
        ),
    ),
    "item_edit": FormSpec(
        gettext_lazy("Edit the plan item"),
        lambda r, p, o, d: forms.ItemForm(d, project=p, item=o, initial=_initial_item(o)),
        lambda r, p, o, c: services.item_update(
            actor=r.user,
            item=o,
            data=_item_data(c),
            depends_on=list(c.get("depends_on") or []),
            expected_version=c.get("lock_version"),
        ),
        target="item",
    ),
    "estimate": FormSpec(
        gettext_lazy("Three-point estimate"),
        lambda r, p, o, d: forms.EstimateForm(
            d,
            initial={"optimistic": o.optimistic, "most_likely": o.most_likely, "pessimistic": o.pessimistic},
        ),
        lambda r, p, o, c: services.item_estimate(actor=r.user, item=o, **c),
        target="item",
    ),
    "accept": FormSpec(
        gettext_lazy("Record the customer's acceptance"),
        lambda r, p, o, d: forms.AcceptanceForm(d, r.FILES if d is not None else None),
        lambda r, p, o, c: services.acceptance_record(actor=r.user, item=o, **c),
        target="item",
        files=True,
    ),
    "risk": FormSpec(
        gettext_lazy("Register a risk"),
        lambda r, p, o, d: forms.RiskForm(d),
        lambda r, p, o, c: services.risk_create(actor=r.user, project=p, data=c),
    ),
    "risk_edit": FormSpec(
        gettext_lazy("Update the risk"),
        lambda r, p, o, d: forms.RiskForm(
            d, initial={**{f: getattr(o, f) for f in services.RISK_FIELDS}, "lock_version": o.lock_version}
        ),
        lambda r, p, o, c: services.risk_update(
            actor=r.user,
            risk=o,
            data={k: v for k, v in c.items() if k != "lock_version"},
            expected_version=c.get("lock_version"),
        ),
        target="risk",
    ),
    "cost": FormSpec(
        gettext_lazy("Record a cost"),
        lambda r, p, o, d: forms.CostForm(d),
        lambda r, p, o, c: services.cost_record(actor=r.user, project=p, data=c),
    ),
    "delphi": FormSpec(
        gettext_lazy("Start a Wideband Delphi estimation"),
        lambda r, p, o, d: forms.DelphiStartForm(d),
        lambda r, p, o, c: services.delphi_start(
            actor=r.user, project=p, topic=c["topic"], unit=c["unit"], estimators=list(c["estimators"])
        ),
    ),
    "delphi_estimate": FormSpec(
        gettext_lazy("Give your anonymous estimate"),
        lambda r, p, o, d: forms.DelphiEstimateForm(d),
        lambda r, p, o, c: services.delphi_estimate(actor=r.user, session=o, **c),
        target="session",
    ),
    "delphi_round": FormSpec(
        gettext_lazy("Share the summary and open the next round"),
        lambda r, p, o, d: forms.VersionedActionForm(d),
        lambda r, p, o, c: services.delphi_next_round(actor=r.user, session=o),
        target="session",
    ),
    "delphi_finish": FormSpec(
        gettext_lazy("Record the final estimate"),
        lambda r, p, o, d: forms.DelphiFinishForm(d),
        lambda r, p, o, c: services.delphi_finish(actor=r.user, session=o, **c),
        target="session",
    ),
    "analogy": FormSpec(
        gettext_lazy("Estimate by analogy"),
        lambda r, p, o, d: forms.AnalogyForm(d, user=r.user, project=p),
        lambda r, p, o, c: services.analogy_create(actor=r.user, project=p, **c),
    ),
    "review": FormSpec(
        gettext_lazy("Plan a review"),
        lambda r, p, o, d: forms.ReviewForm(d),
        lambda r, p, o, c: services.review_create(
            actor=r.user,
            project=p,
            kind=c["kind"],
            title=c["title"],
            review_date=c["review_date"],
            checklist=c.get("checklist", "").splitlines(),
        ),
    ),
    "conclude": FormSpec(
        gettext_lazy("Conclude the review"),
        lambda r, p, o, d: forms.ConcludeForm(d, checklist=o.checklist),
        lambda r, p, o, c: services.review_conclude(
            actor=r.user,
            review=o,
            conclusion=c["conclusion"],
            notes=c.get("conclusion_notes", ""),
            passed_items=c.get("passed") or [],
        ),
        target="review",
    ),
    "finding": FormSpec(
        gettext_lazy("Add a finding"),
        lambda r, p, o, d: forms.FindingForm(d),
        lambda r, p, o, c: services.finding_add(actor=r.user, review=o, **c),
        target="review",
    ),
    "meeting": FormSpec(
        gettext_lazy("Record a meeting"),
        lambda r, p, o, d: forms.MeetingForm(d),
        lambda r, p, o, c: services.meeting_record(
            actor=r.user,
            project=p,
            kind=c["kind"],
            title=c["title"],
            held_on=c["held_on"],
            minutes=c.get("minutes", ""),
            actions=_meeting_actions(c),
        ),
    ),
    "worklog": FormSpec(
        gettext_lazy("Log work"),
        lambda r, p, o, d: forms.WorkLogForm(d),
        lambda r, p, o, c: services.worklog_add(actor=r.user, project=p, **c),
    ),
}
TARGETS: dict[str, tuple[Any, str]] = {
    "item": (PlanItem, "project"),
    "risk": (Risk, "project"),
    "session": (DelphiSession, "project"),
    "review": (QualityReview, "project"),
}


def _form_page(request: HttpRequest, pk: Any, code: str, target_id: Any = None) -> HttpResponse:
    spec = FORMS.get(code)
    if spec is None or bool(spec.target) != (target_id is not None):
        raise Http404(_("Not found."))
    project = _get(request, pk, CHANGE)
    target = None
    if spec.target:
        model, lookup = TARGETS[spec.target]
        target = _child(model, project, target_id, lookup)
    form = spec.build(request, project, target, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            spec.run(request, project, target, dict(form.cleaned_data))
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("delivery:detail", project.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "delivery/form.html",
        {"project": project, "form": form, "title": spec.title, "target": target, "multipart": spec.files},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_form(request: HttpRequest, pk: Any, code: str) -> HttpResponse:
    return _form_page(request, pk, code)


@login_required
@require_http_methods(["GET", "POST"])
def record_form(request: HttpRequest, pk: Any, code: str, target_id: Any) -> HttpResponse:
    return _form_page(request, pk, code, target_id)


def _post_action(request: HttpRequest, pk: Any, run: Callable[[DeliveryProject], Any]) -> HttpResponse:
    project = _get(request, pk, CHANGE)
    try:
        run(project)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("delivery:detail", project.pk)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: Any, member_id: Any) -> HttpResponse:
    return _post_action(
        request,
        pk,
        lambda p: services.member_remove(
            actor=request.user, project=p, member_id=_child(ProjectMember, p, member_id).pk
        ),
    )


@login_required
@require_POST
def finding_close(request: HttpRequest, pk: Any, finding_id: Any) -> HttpResponse:
    return _post_action(
        request,
        pk,
        lambda p: services.finding_close(
            actor=request.user, finding=_child(ReviewFinding, p, finding_id, "review__project")
        ),
    )


@login_required
@require_POST
def action_done(request: HttpRequest, pk: Any, action_id: Any) -> HttpResponse:
    return _post_action(
        request,
        pk,
        lambda p: services.action_done(
            actor=request.user, action=_child(ActionItem, p, action_id, "meeting__project")
        ),
    )
