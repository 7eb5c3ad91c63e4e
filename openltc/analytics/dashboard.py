"""The executive and personal dashboards: the headline figures of every report at once, in a
fixed number of queries, and the chart data the page draws."""

from __future__ import annotations

from typing import Any

from openltc.analytics import forecasting, selectors
from openltc.analytics.selectors import ReportFilters


def cash_figures(*, user: Any, filters: ReportFilters) -> dict[str, Any] | None:
    """Aging, DSO and collection rate from the cash app's selectors, when it provides them."""
    try:
        from openltc.cash import selectors as cash_selectors
    except ImportError:  # pragma: no cover
        return None
    provider = getattr(cash_selectors, "dashboard_cash_figures", None)
    if provider is None:
        return None
    try:
        result = provider(user=user, contracts=selectors.contracts_for(user, filters))
    except TypeError:
        return None
    return dict(result) if result else None


def dashboard(*, user: Any, filters: ReportFilters) -> dict[str, Any]:
    funnel = selectors.funnel(user=user, filters=filters)
    pipe = selectors.pipeline(user=user, filters=filters)
    wl = selectors.win_loss(user=user, filters=filters)
    trend = forecasting.snapshot_trend(user=user, filters=filters)
    process = selectors.process_view(user=user, filters=filters)
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
    }


def dashboard_charts(data: dict[str, Any]) -> dict[str, Any]:
    """What the dashboard's charts draw: funnel, stacked bars (stage × close month), the
    weekly forecast line and the heat map of deal counts (stage × close month)."""
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
    }
