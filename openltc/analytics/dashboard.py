"""The executive and personal dashboards: the headline figures of every report at once, in a
fixed number of queries, and the chart data the page draws."""

from __future__ import annotations

from typing import Any

from openltc.analytics import forecasting, kpis, selectors
from openltc.analytics.selectors import ReportFilters


def cash_figures(*, user: Any, filters: ReportFilters) -> dict[str, Any] | None:
    """Receivables from the cash app's selectors (aging by its configured buckets, overdue per
    owner, DSO, unbilled) and the collection rate of the invoices issued in the period
    (received ÷ invoiced net of credit notes). None when the cash app is not installed."""
    try:
        from openltc.cash import selectors as cash
    except ImportError:  # pragma: no cover - the cash app is part of the project
        return None
    cash_filters: dict[str, Any] = {}
    if filters.office or filters.region:
        cash_filters["org_unit"] = filters.office or filters.region
    if filters.owner:
        cash_filters["owner"] = filters.owner
    buckets = cash.aging_buckets()
    overdue_index = [i for i, b in enumerate(buckets) if (b.min_days or 0) > 0]
    aging = cash.aging(user=user, filters=cash_filters)
    by_owner = cash.aging(user=user, filters=cash_filters, group_by="owner")
    dso_rows = cash.dso(user=user, filters=cash_filters)
    unbilled = cash.unbilled(user=user, filters=cash_filters)
    period = selectors.trailing_period(filters, selectors.load_settings())
    issued = cash.invoiced_and_collected(
        user=user, contracts=selectors.contracts_for(user, filters), start=period.start, end=period.end
    )[0]
    return {
        "aging": [
            {"label": label, "amount": amount, "overdue": i in overdue_index}
            for i, (label, amount) in enumerate(zip(aging.labels, aging.totals, strict=False))
        ],
        "receivable": aging.total,
        "overdue_amount": sum(
            (aging.totals[i] for i in overdue_index if i < len(aging.totals)), selectors.ZERO
        ),
        "overdue_by_owner": [
            {
                "owner": row.label,
                "amount": sum(
                    (row.buckets[i] for i in overdue_index if i < len(row.buckets)), selectors.ZERO
                ),
            }
            for row in by_owner.rows
        ],
        "dso": dso_rows[0].dso if dso_rows else None,
        "unbilled": selectors.q2(unbilled["total"]),
        "invoiced": issued["invoiced"],
        "collected": issued["collected"],
        "collection_rate": selectors.ratio(issued["collected"], issued["invoiced"]),
    }


def dashboard(*, user: Any, filters: ReportFilters) -> dict[str, Any]:
    funnel = selectors.funnel(user=user, filters=filters)
    pipe = selectors.pipeline(user=user, filters=filters)
    wl = selectors.win_loss(user=user, filters=filters)
    trend = forecasting.snapshot_trend(user=user, filters=filters)
    process = selectors.process_view(user=user, filters=filters)
    teams = kpis.team_kpis(user=user, filters=filters, by=kpis.BY_TEAM)
    open_amount = sum((s["amount"] for s in pipe["stages"]), selectors.ZERO)
    open_weighted = sum((s["weighted"] for s in pipe["stages"]), selectors.ZERO)
    open_count = sum(s["count"] for s in pipe["stages"])
    return {
        "currency": selectors.reporting_currency(),
        "kpis": {
            "open_count": open_count,
            "open_amount": open_amount,
            "open_weighted": open_weighted,
            "won": wl["won"],
            "won_amount": wl["won_amount"],
            "win_rate": wl["win_rate"],
            "win_rate_amount": wl["win_rate_amount"],
            "coverage": pipe["coverage"]["coverage"],
            "weighted_coverage": pipe["coverage"]["weighted_coverage"],
            "quota": pipe["coverage"]["quota"],
            "stuck": pipe["aging"]["stuck_total"],
            "waiting_decisions": process["waiting_decisions"],
        },
        "funnel": funnel,
        "pipeline": pipe,
        "win_loss": wl,
        "trend": trend,
        "cash": cash_figures(user=user, filters=filters),
        "teams": teams,
        "scatter": selectors.deal_scatter(user=user, filters=filters),
    }


def dashboard_charts(data: dict[str, Any]) -> dict[str, Any]:
    """What the dashboard's charts draw: funnel, stacked bars (stage × close month), the
    weekly forecast line, the heat map of deal counts (stage × close month), the radar of the
    team KPIs and the scatter of the open deals (days in stage × amount)."""
    pipe = data["pipeline"]
    heat = []
    for y, stage in enumerate(pipe["stages"]):
        for x, cell in enumerate(stage["cells"]):
            heat.append([x, y, cell["count"]])
    return {
        "funnel": [
            {
                "name": s["label"],
                "value": s["count"],
                "amount": s["amount"],
                "kind": s["kind"],
                "segment": s["segment"],
            }
            for s in data["funnel"]["steps"]
        ],
        "columns": pipe["columns"],
        "stages": [{"name": s["label"], "stage": s["stage"]} for s in pipe["stages"]],
        "bars": [[c["amount"] for c in s["cells"]] for s in pipe["stages"]],
        "heat": heat,
        "trend": data["trend"]["weeks"],
        "radar": data["teams"]["radar"],
        "scatter": data["scatter"],
    }
