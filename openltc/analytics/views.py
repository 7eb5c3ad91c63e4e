"""Report pages: each reads one selector, renders its tables and charts (ECharts, data through
``json_script``), links every figure to the records behind it and exports its table."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from openltc.analytics import dashboard as dashboard_module
from openltc.analytics import forecasting, forms, kpis, selectors, services
from openltc.analytics.selectors import ReportFilters
from openltc.core.errors import DomainError
from openltc.core.exports import Column, export_format, export_response
from openltc.core.pagination import paginate
from openltc.core.visibility import user_scope


def _filters(request: HttpRequest, *, mine: bool = False) -> ReportFilters:
    filters = ReportFilters.from_mapping(request.GET)
    if mine:
        filters.owner = request.user.pk
    return filters


def _context(request: HttpRequest, filters: ReportFilters, **extra: Any) -> dict[str, Any]:
    query = filters.query()
    return {
        "filter_form": forms.ReportFilterForm(request.GET or None, user=request.user),
        "filters": filters,
        "filter_query": urlencode(query),
        "records_url": reverse("analytics:records"),
        **extra,
    }


def _json(data: Any) -> Any:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _export(
    request: HttpRequest, rows: list[dict[str, Any]], columns: list[tuple[str, str]], name: str
) -> HttpResponseBase | None:
    fmt = export_format(request)
    if not fmt:
        return None
    cols = [Column(label, _getter(key)) for label, key in columns]
    return export_response(queryset=rows, columns=cols, filename=name, fmt=fmt)


def _getter(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row.get(key)


def _pct(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value * 100).quantize(Decimal("0.1"))


# --- dashboards ---------------------------------------------------------------------------------


def _dashboard(request: HttpRequest, *, mine: bool) -> HttpResponse:
    filters = _filters(request, mine=mine)
    data = dashboard_module.dashboard(user=request.user, filters=filters)
    context = _context(
        request,
        filters,
        data=data,
        mine=mine,
        chart=_json(dashboard_module.dashboard_charts(data)),
    )
    return render(request, "analytics/dashboard.html", context)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, mine=False)


@login_required
@require_GET
def my_dashboard(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, mine=True)


# --- reports ------------------------------------------------------------------------------------

FUNNEL_COLUMNS = [
    (gettext_lazy("Step"), "label"),
    (gettext_lazy("Count"), "count"),
    (gettext_lazy("Amount"), "amount"),
    (gettext_lazy("Conversion"), "conversion"),
    (gettext_lazy("Amount conversion"), "amount_conversion"),
    (gettext_lazy("Leakage (count)"), "leak_count"),
    (gettext_lazy("Leakage (amount)"), "leak_amount"),
    (gettext_lazy("Still open here"), "open_count"),
    (gettext_lazy("Lost or abandoned here"), "lost_count"),
]


def _translated(columns: list[tuple[Any, str]]) -> list[tuple[str, str]]:
    return [(str(label), key) for label, key in columns]


@login_required
@require_GET
def funnel(request: HttpRequest) -> HttpResponseBase:
    filters = _filters(request)
    data = selectors.funnel(user=request.user, filters=filters)
    exported = _export(request, data["steps"], _translated(FUNNEL_COLUMNS), _("funnel"))
    if exported:
        return exported
    chart = {
        "steps": [
            {
                "name": s["label"],
                "value": s["count"],
                "amount": s["amount"],
                "kind": s["kind"],
                "segment": s["segment"],
            }
            for s in data["steps"]
        ]
    }
    return render(request, "analytics/funnel.html", _context(request, filters, data=data, chart=_json(chart)))


STUCK_COLUMNS = [
    (gettext_lazy("Number"), "number"),
    (gettext_lazy("Title"), "title"),
    (gettext_lazy("Customer"), "customer"),
    (gettext_lazy("Owner"), "owner"),
    (gettext_lazy("Stage"), "stage_label"),
    (gettext_lazy("Days in stage"), "days_in_stage"),
    (gettext_lazy("Norm days"), "norm_days"),
    (gettext_lazy("Amount"), "amount"),
    (gettext_lazy("Currency"), "currency"),
]


@login_required
@require_GET
def pipeline(request: HttpRequest) -> HttpResponseBase:
    filters = _filters(request)
    data = selectors.pipeline(user=request.user, filters=filters)
    exported = _export(request, data["aging"]["stuck_deals"], _translated(STUCK_COLUMNS), _("stuck deals"))
    if exported:
        return exported
    chart = {
        "columns": data["columns"],
        "series": [
            {
                "name": s["label"],
                "stage": s["stage"],
                "data": [c["amount"] for c in s["cells"]],
                "counts": [c["count"] for c in s["cells"]],
            }
            for s in data["stages"]
        ],
    }
    return render(
        request, "analytics/pipeline.html", _context(request, filters, data=data, chart=_json(chart))
    )


FORECAST_COLUMNS = [
    (gettext_lazy("Owner"), "owner"),
    (gettext_lazy("Deals"), "deals"),
    (gettext_lazy("Closed (won)"), "closed"),
    (gettext_lazy("Commit"), "commit"),
    (gettext_lazy("Best case"), "best_case"),
    (gettext_lazy("Pipeline"), "pipeline"),
    (gettext_lazy("Weighted"), "weighted"),
    (gettext_lazy("Commit forecast"), "commit_total"),
    (gettext_lazy("Best-case forecast"), "best_case_total"),
]


@login_required
@require_GET
def forecast(request: HttpRequest) -> HttpResponseBase:
    filters = _filters(request)
    data = forecasting.forecast(user=request.user, filters=filters)
    exported = _export(request, data["people"], _translated(FORECAST_COLUMNS), _("forecast"))
    if exported:
        return exported
    scope = user_scope(request.user)
    trend = forecasting.snapshot_trend(user=request.user, filters=filters)
    acc = forecasting.accuracy(user=request.user, filters=filters)
    manageable = {u["id"] for u in data["units"]} if scope.everything else None
    return render(
        request,
        "analytics/forecast.html",
        _context(
            request,
            filters,
            data=data,
            accuracy=acc,
            chart=_json(trend),
            can_adjust=bool(scope.everything or scope.manage_paths),
            manageable=manageable,
            adjust_form=forms.AdjustmentForm(),
        ),
    )


@login_required
@require_POST
def forecast_adjust(request: HttpRequest) -> HttpResponse:
    form = forms.AdjustmentForm(request.POST)
    back = reverse("analytics:forecast") + "?" + urlencode({"month": request.POST.get("month", "")})
    if not form.is_valid():
        messages.error(
            request,
            _("The adjustment was not saved: %(errors)s")
            % {"errors": "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())},
        )
        return redirect(back)
    try:
        services.forecast_adjust(
            actor=request.user,
            org_unit_id=form.cleaned_data["org_unit"],
            month=selectors._month(form.cleaned_data["month"]),
            category=form.cleaned_data["category"],
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, _("The adjustment was not saved: %(errors)s") % {"errors": exc.message})
        return redirect(back)
    messages.success(request, _("Forecast adjusted."))
    return redirect(back)


REASON_COLUMNS = [
    (gettext_lazy("Outcome"), "stage"),
    (gettext_lazy("Reason"), "label"),
    (gettext_lazy("Count"), "count"),
    (gettext_lazy("Amount"), "amount"),
]


@login_required
@require_GET
def win_loss(request: HttpRequest) -> HttpResponseBase:
    filters = _filters(request)
    data = selectors.win_loss(user=request.user, filters=filters)
    exported = _export(request, data["reasons"], _translated(REASON_COLUMNS), _("loss reasons"))
    if exported:
        return exported
    chart = {
        "reasons": [
            {"name": r["label"], "value": r["count"], "segment": f"{r['stage']}:{r['reason']}"}
            for r in data["reasons"]
        ],
        "competitors": [{"name": c["competitor"], "value": c["count"]} for c in data["competitors"]],
    }
    return render(
        request, "analytics/win_loss.html", _context(request, filters, data=data, chart=_json(chart))
    )


CYCLE_COLUMNS = [
    (gettext_lazy("Measure"), "label"),
    (gettext_lazy("Count"), "count"),
    (gettext_lazy("Median (days)"), "p50"),
    (gettext_lazy("High percentile (days)"), "high"),
]


@login_required
@require_GET
def cycle_times(request: HttpRequest) -> HttpResponseBase:
    filters = _filters(request)
    data = selectors.cycle_times(user=request.user, filters=filters)
    high = f"p{data['points'][1]}"
    rows = [{**r, "high": r.get(high)} for r in data["cycles"]] + [
        {"label": g["gate"], "gate": True, "count": g["count"], "p50": g["p50"], "high": g.get(high)}
        for g in data["gates"]
    ]
    exported = _export(request, rows, _translated(CYCLE_COLUMNS), _("cycle times"))
    if exported:
        return exported
    chart = {
        "names": [r["label"] for r in rows],
        "p50": [r["p50"] for r in rows],
        "high": [r["high"] for r in rows],
    }
    return render(
        request,
        "analytics/cycle_times.html",
        _context(request, filters, data=data, rows=rows, high=data["points"][1], chart=_json(chart)),
    )


KPI_COLUMNS = [
    (gettext_lazy("Person or team"), "label"),
    (gettext_lazy("Role"), "role_label"),
    (gettext_lazy("Open deals"), "open_count"),
    (gettext_lazy("Open pipeline"), "open_amount"),
    (gettext_lazy("Weighted pipeline"), "open_weighted"),
    (gettext_lazy("Won"), "won"),
    (gettext_lazy("Lost"), "lost"),
    (gettext_lazy("Win rate by count"), "win_rate"),
    (gettext_lazy("Win rate by amount"), "win_rate_amount"),
    (gettext_lazy("Contracts signed"), "signed_count"),
    (gettext_lazy("Signed value"), "signed_amount"),
    (gettext_lazy("Contracts with final accounts"), "margin_contracts"),
    (gettext_lazy("Margin estimate"), "margin_estimate"),
    (gettext_lazy("Final margin"), "margin_final"),
    (gettext_lazy("Milestones due"), "milestones_due"),
    (gettext_lazy("Milestones on time"), "milestones_on_time"),
    (gettext_lazy("On-time milestones"), "on_time_rate"),
    (gettext_lazy("Billing milestones due"), "billing_due"),
    (gettext_lazy("Invoiced on time"), "billing_on_time"),
    (gettext_lazy("Invoice timeliness"), "invoice_timeliness"),
    (gettext_lazy("Invoiced"), "invoiced"),
    (gettext_lazy("Collected"), "collected"),
    (gettext_lazy("Collection rate"), "collection_rate"),
    (gettext_lazy("Receivable"), "receivable"),
    (gettext_lazy("DSO (days)"), "dso"),
    (gettext_lazy("Customer satisfaction (1–10)"), "satisfaction"),
    (gettext_lazy("Customers surveyed"), "satisfaction_customers"),
]


@login_required
@require_GET
def team_kpis(request: HttpRequest) -> HttpResponseBase:
    """Iron-triangle KPIs per person and role (``by=person``) or per team (``by=team``)."""
    filters = _filters(request)
    by = request.GET.get("by", kpis.BY_PERSON)
    by = by if by in kpis.GROUPINGS else kpis.BY_PERSON
    data = kpis.team_kpis(user=request.user, filters=filters, by=by)
    name = _("iron-triangle KPIs") if by == kpis.BY_PERSON else _("team KPIs")
    exported = _export(request, data["rows"], _translated(KPI_COLUMNS), name)
    if exported:
        return exported
    return render(
        request,
        "analytics/team_kpis.html",
        _context(request, filters, data=data, by=by, chart=_json({"radar": data["radar"]})),
    )


@login_required
@require_GET
def process(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    data = selectors.process_view(user=request.user, filters=filters)
    return render(request, "analytics/process.html", _context(request, filters, data=data, chart=_json(data)))


# --- drill-down ---------------------------------------------------------------------------------


def _record_columns(kind: str) -> list[Column]:
    if kind == "lead":
        return [
            Column(_("Title"), "title"),
            Column(_("Status"), "get_status_display"),
            Column(_("Owner"), "owner"),
            Column(_("Org unit"), "org_unit__name"),
            Column(_("Estimated value"), "estimated_value"),
            Column(_("Currency"), "currency"),
            Column(_("Created at"), "created_at"),
        ]
    if kind == "contract":
        return [
            Column(_("Number"), "number"),
            Column(_("Title"), "title"),
            Column(_("Customer"), "customer__name"),
            Column(_("Status"), "get_status_display"),
            Column(_("Owner"), "owner"),
            Column(_("Total"), "total_gross"),
            Column(_("Currency"), "currency"),
            Column(_("Signed on"), "signed_on"),
        ]
    if kind == "case":
        return [
            Column(_("Gate"), "gate"),
            Column(_("Subject"), "subject_repr"),
            Column(_("Status"), "get_status_display"),
            Column(_("Org unit"), "org_unit__name"),
            Column(_("Submitted at"), "submitted_at"),
        ]
    return [
        Column(_("Number"), "number"),
        Column(_("Title"), "title"),
        Column(_("Customer"), "customer__name"),
        Column(_("Stage"), "get_stage_display"),
        Column(_("Owner"), "owner"),
        Column(_("Org unit"), "org_unit__name"),
        Column(_("Amount"), "amount"),
        Column(_("Currency"), "currency"),
        Column(_("Probability (%)"), "probability"),
        Column(_("Expected close date"), "expected_close_date"),
        Column(_("In stage since"), "stage_entered_at"),
    ]


def _record_url(kind: str, obj: Any) -> str:
    names = {
        "lead": "leads:detail",
        "contract": "contracts:detail",
        "case": "decisions:case",
        "opportunity": "opportunities:detail",
    }
    return reverse(names[kind], args=[obj.pk])


@login_required
@require_GET
def records(request: HttpRequest) -> HttpResponseBase:
    """The records behind any figure: ``kind`` (opportunity, lead, contract, case) and
    ``segment`` as the reports link them, with the report's filters."""
    filters = _filters(request)
    kind = request.GET.get("kind", "opportunity")
    kind = kind if kind in selectors.RECORD_KINDS else "opportunity"
    segment = request.GET.get("segment", "")[:100]
    qs = selectors.records(user=request.user, filters=filters, kind=kind, segment=segment)
    columns = _record_columns(kind)
    fmt = export_format(request)
    if fmt:
        return export_response(queryset=qs, columns=columns, filename=_("records"), fmt=fmt)
    page = paginate(qs, page=request.GET.get("page", 1), page_size=request.GET.get("page_size"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [{"url": _record_url(kind, obj), "cells": [c.get(obj) for c in columns]} for obj in page.items]
    return render(
        request,
        "analytics/records.html",
        _context(
            request,
            filters,
            page=page,
            rows=rows,
            headers=[c.label for c in columns],
            kind=kind,
            segment=segment,
            query=query.urlencode(),
        ),
    )
