"""Forecast: weighted and by category per month, per person and rolled up the org tree, with
the managers' adjustments; the weekly snapshots and the accuracy measured against them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openltc.analytics.models import AnalyticsSettings, ForecastAdjustment, ForecastSnapshot, JobProgress
from openltc.analytics.selectors import (
    MONEY,
    ZERO,
    Period,
    ReportFilters,
    StageInfo,
    add_months,
    current_month_period,
    load_settings,
    money,
    month_period,
    month_start,
    msum,
    opportunities_for,
    q2,
    ratio,
    reporting_currency,
    resolve_unit,
    weighted,
)
from openltc.core.visibility import VIEW, user_scope
from openltc.opportunities.choices import OPEN_STAGES, ForecastCategory, Stage
from openltc.opportunities.models import Opportunity, OpportunityStageChange
from openltc.org.models import OrgUnit

CATEGORIES: tuple[str, ...] = (
    ForecastCategory.CLOSED,
    ForecastCategory.COMMIT,
    ForecastCategory.BEST_CASE,
    ForecastCategory.PIPELINE,
)
ADJUSTABLE: tuple[str, ...] = (ForecastCategory.COMMIT, ForecastCategory.BEST_CASE)


def _in_period(period: Period) -> tuple[Q, Q]:
    open_q = Q(
        stage__in=OPEN_STAGES, expected_close_date__gte=period.start, expected_close_date__lte=period.end
    )
    won_q = Q(stage=Stage.WON, closed_at__gte=period.start_dt, closed_at__lt=period.end_dt)
    return open_q, won_q


def _category_sums(open_q: Q, won_q: Q) -> dict[str, Any]:
    sums: dict[str, Any] = {"closed": msum("m", filter=won_q), "weighted": msum("w", filter=open_q)}
    for c in (str(ForecastCategory.COMMIT), str(ForecastCategory.BEST_CASE), str(ForecastCategory.PIPELINE)):
        sums[c] = msum("m", filter=open_q & Q(forecast_category=c))
    return sums


def _totals(row: dict[str, Any]) -> dict[str, Any]:
    closed = q2(row["closed"])
    commit = q2(row[ForecastCategory.COMMIT])
    best = q2(row[ForecastCategory.BEST_CASE])
    pipe = q2(row[ForecastCategory.PIPELINE])
    w = q2(row["weighted"])
    return {
        "closed": closed,
        "commit": commit,
        "best_case": best,
        "pipeline": pipe,
        "weighted": w + closed,
        "commit_total": closed + commit,
        "best_case_total": closed + commit + best,
    }


def forecast(*, user: Any, filters: ReportFilters) -> dict[str, Any]:
    """The month's forecast (``month`` filter, default the current month): per person and per
    org unit of the viewer's scope (each unit summing its whole subtree), weighted amount
    (open amount × probability plus closed) and per category, with the latest manager
    adjustment of each unit. Four queries after the filters (the units' figures come from one
    query grouped by org unit, summed over each unit's subtree here)."""
    period = current_month_period(filters)
    open_q, won_q = _in_period(period)
    base = opportunities_for(user, filters).filter(open_q | won_q).annotate(m=money(), w=weighted())
    people = list(
        base.values("owner_id", "owner__username", "owner__display_name")
        .annotate(deals=Count("pk"), **_category_sums(open_q, won_q))
        .order_by("owner__username")
    )
    total = base.aggregate(deals=Count("pk"), **_category_sums(open_q, won_q))

    units: list[dict[str, Any]] = []
    scope = user_scope(user)
    unit_qs = OrgUnit.objects.filter(is_active=True)
    if filters.unit_path:
        unit_qs = unit_qs.filter(path__startswith=filters.unit_path)
    if not scope.everything:
        allowed = Q(pk__in=[])
        for path in scope.view_paths:
            allowed |= Q(path__startswith=path)
        unit_qs = unit_qs.filter(allowed)
    if scope.everything or scope.view_paths:
        # One query grouped by org unit path; each unit then sums the groups of its subtree here
        # (a few dozen units), instead of one correlated subquery per unit and category.
        by_path = list(base.values("org_unit__path").annotate(**_category_sums(open_q, won_q)).order_by())
        sums = ("closed", "weighted", *(str(c) for c in CATEGORIES[1:]))
        annotations: dict[str, Any] = {}
        for c in ADJUSTABLE:
            latest = ForecastAdjustment.objects.filter(
                org_unit=OuterRef("pk"), period=period.start, category=c
            ).order_by("-created_at")
            annotations[f"adj_{c}"] = Subquery(latest.values("amount")[:1], output_field=MONEY)
            annotations[f"adj_{c}_reason"] = Subquery(latest.values("reason")[:1], output_field=CharField())
            annotations[f"adj_{c}_by"] = Subquery(
                latest.values("adjusted_by__username")[:1], output_field=CharField()
            )
        for row in unit_qs.annotate(**annotations).values("pk", "name", "path", "kind", *annotations):
            for key in sums:
                row[key] = sum(
                    (g[key] or ZERO for g in by_path if (g["org_unit__path"] or "").startswith(row["path"])),
                    ZERO,
                )
            figures = _totals(row)
            for c in ADJUSTABLE:
                adj = row[f"adj_{c}"]
                figures[f"{c}_adjusted"] = q2(adj) if adj is not None else None
                figures[f"{c}_reason"] = row[f"adj_{c}_reason"] or ""
                figures[f"{c}_by"] = row[f"adj_{c}_by"] or ""
            units.append(
                {
                    "id": row["pk"],
                    "name": row["name"],
                    "kind": row["kind"],
                    "depth": max(row["path"].count("/") - 2, 0),
                    **figures,
                }
            )
    return {
        "period": period.as_dict(),
        "month": period.start.strftime("%Y-%m"),
        "currency": reporting_currency(),
        "total": {"deals": total["deals"], **_totals(total)},
        "people": [
            {
                "owner_id": p["owner_id"],
                "owner": p["owner__display_name"] or p["owner__username"],
                "deals": p["deals"],
                **_totals(p),
            }
            for p in people
        ],
        "units": units,
    }


def unit_rollup(*, user: Any, unit: OrgUnit, period: Period, category: str) -> Decimal:
    """The rolled-up (unadjusted) figure of one unit, month and category (commit or best case
    totals, closed included): what a manager's adjustment replaces."""
    filters = ReportFilters()
    open_q, won_q = _in_period(period)
    qs = (
        opportunities_for(user, filters)
        .filter(org_unit__path__startswith=unit.path)
        .filter(open_q | won_q)
        .annotate(m=money(), w=weighted())
        .aggregate(**_category_sums(open_q, won_q))
    )
    totals = _totals(qs)
    return totals["commit_total"] if category == ForecastCategory.COMMIT else totals["best_case_total"]


# --- weekly snapshots ---------------------------------------------------------------------------

SNAPSHOT_JOB = "forecast_snapshot"


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _live_rows(week: datetime.date, months: list[datetime.date]) -> list[ForecastSnapshot]:
    """The live forecast (each opportunity's current category) of the given months; for the
    current week."""
    first, end = months[0], add_months(months[-1], 1)
    period = Period(first, end - datetime.timedelta(days=1))
    open_q, won_q = _in_period(period)
    qs = (
        Opportunity.objects.order_by()
        .filter(open_q | won_q)
        .annotate(
            m=money(),
            w=weighted(),
            cat=Case(
                When(stage=Stage.WON, then=Value(ForecastCategory.CLOSED)), default=F("forecast_category")
            ),
            month=Case(
                When(stage=Stage.WON, then=Trunc("closed_at", "month", output_field=DateField())),
                default=Trunc("expected_close_date", "month", output_field=DateField()),
                output_field=DateField(),
            ),
        )
    )
    rows = qs.values("owner_id", "org_unit_id", "cat", "month").annotate(
        deals=Count("pk"), amount=msum("m"), wsum=msum("w"), closed=msum("m", filter=Q(stage=Stage.WON))
    )
    return [
        ForecastSnapshot(
            week=week,
            period=r["month"],
            owner_id=r["owner_id"],
            org_unit_id=r["org_unit_id"],
            category=r["cat"],
            deals=r["deals"],
            amount=q2(r["amount"]),
            weighted=q2(r["wsum"]) + q2(r["closed"]),
        )
        for r in rows
        if r["month"] is not None
    ]


def _history_rows(
    week: datetime.date, months: list[datetime.date], stages: dict[str, StageInfo]
) -> list[ForecastSnapshot]:
    """The forecast as it stood at the start of ``week``, rebuilt from the stage history: each
    opportunity's latest move before then gives its stage, amount and probability; its category
    is that stage's default. The close month is today's expected close date (not historised)."""
    as_of = timezone.make_aware(datetime.datetime.combine(week, datetime.time.min))
    first, end = months[0], add_months(months[-1], 1)
    end_dt = timezone.make_aware(datetime.datetime.combine(end, datetime.time.min))
    first_dt = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    latest = (
        OpportunityStageChange.objects.filter(opportunity=OuterRef("opportunity"), changed_at__lt=as_of)
        .order_by("-changed_at", "-pk")
        .values("pk")[:1]
    )
    category = Case(
        *[When(to_stage=s, then=Value(stages[s].category)) for s in OPEN_STAGES],
        When(to_stage=Stage.WON, then=Value(ForecastCategory.CLOSED)),
        default=Value(ForecastCategory.OMITTED),
        output_field=CharField(),
    )
    open_q = Q(
        to_stage__in=OPEN_STAGES,
        opportunity__expected_close_date__gte=first,
        opportunity__expected_close_date__lt=end,
    )
    won_q = Q(to_stage=Stage.WON, changed_at__gte=first_dt, changed_at__lt=end_dt)
    qs = (
        OpportunityStageChange.objects.order_by()
        .filter(changed_at__lt=as_of, pk=Subquery(latest))
        .filter(open_q | won_q)
        .annotate(
            m=money("amount", "currency"),
            w=weighted("amount", "currency", "probability"),
            cat=category,
            month=Case(
                When(to_stage=Stage.WON, then=Trunc("changed_at", "month", output_field=DateField())),
                default=Trunc("opportunity__expected_close_date", "month", output_field=DateField()),
                output_field=DateField(),
            ),
        )
    )
    rows = qs.values("opportunity__owner_id", "opportunity__org_unit_id", "cat", "month").annotate(
        deals=Count("pk"),
        amount=msum("m"),
        wsum=msum("w", filter=~Q(to_stage=Stage.WON)),
        closed=msum("m", filter=Q(to_stage=Stage.WON)),
    )
    return [
        ForecastSnapshot(
            week=week,
            period=r["month"],
            owner_id=r["opportunity__owner_id"],
            org_unit_id=r["opportunity__org_unit_id"],
            category=r["cat"],
            deals=r["deals"],
            amount=q2(r["amount"]),
            weighted=q2(r["wsum"]) + q2(r["closed"]),
            from_history=True,
        )
        for r in rows
        if r["month"] is not None and r["cat"] != ForecastCategory.OMITTED
    ]


def snapshot_weeks(
    progress: JobProgress, current: datetime.date, cfg: AnalyticsSettings
) -> list[datetime.date]:
    """The weeks the next run fills: after the last filled week (or the backfill window on the
    first run) up to the current week, which is always taken again."""
    if progress.filled_until:
        start = min(progress.filled_until + datetime.timedelta(days=7), current)
    else:
        start = current - datetime.timedelta(days=7 * cfg.snapshot_backfill_weeks)
    weeks = []
    day = week_start(start)
    while day <= current:
        weeks.append(day)
        day += datetime.timedelta(days=7)
    return weeks


def snapshot_months(week: datetime.date, cfg: AnalyticsSettings) -> list[datetime.date]:
    first = month_start(week)
    return [add_months(first, i) for i in range(cfg.forecast_months)]


# --- accuracy -----------------------------------------------------------------------------------


def accuracy(*, user: Any, filters: ReportFilters) -> dict[str, Any]:
    """Forecast accuracy and bias over the past months (``accuracy_periods``), per person and
    per org unit: the forecast is the last snapshot taken ``accuracy_offset_days`` or more
    before the month began (commit = closed + commit; best case adds best case), the actual is
    what was won in the month. Accuracy = 1 − |actual − forecast| ÷ actual; bias = (forecast −
    actual) ÷ actual (positive: over-forecast). Two queries."""
    cfg = load_settings()
    resolve_unit(filters)
    current = month_start(filters.month or timezone.localdate())
    months = [add_months(current, -i) for i in range(cfg.accuracy_periods, 0, -1)]
    snaps = ForecastSnapshot.objects.restrict(user, VIEW).order_by()
    if filters.unit_path:
        snaps = snaps.filter(org_unit__path__startswith=filters.unit_path)
    if filters.owner:
        snaps = snaps.filter(owner_id=filters.owner)
    chosen = Q(pk__in=[])
    for m in months:
        cutoff = m - datetime.timedelta(days=cfg.accuracy_offset_days)
        last_week = ForecastSnapshot.objects.filter(week__lte=cutoff).order_by("-week").values("week")[:1]
        chosen |= Q(period=m, week=Subquery(last_week))
    forecast_rows = (
        snaps.filter(chosen)
        .values("owner_id", "owner__username", "org_unit_id", "org_unit__name", "period")
        .annotate(
            commit=msum("amount", filter=Q(category__in=(ForecastCategory.CLOSED, ForecastCategory.COMMIT))),
            best=msum(
                "amount",
                filter=Q(
                    category__in=(
                        ForecastCategory.CLOSED,
                        ForecastCategory.COMMIT,
                        ForecastCategory.BEST_CASE,
                    )
                ),
            ),
        )
    )
    first_dt = month_period(months[0]).start_dt
    end_dt = month_period(months[-1]).end_dt
    actual_rows = (
        opportunities_for(user, filters)
        .filter(stage=Stage.WON, closed_at__gte=first_dt, closed_at__lt=end_dt)
        .annotate(m=money(), period=Trunc("closed_at", "month", output_field=DateField()))
        .values("owner_id", "owner__username", "org_unit_id", "org_unit__name", "period")
        .annotate(actual=msum("m"))
    )
    people: dict[Any, dict[str, Any]] = {}
    teams: dict[Any, dict[str, Any]] = {}

    def slot(table: dict[Any, dict[str, Any]], key: Any, name: str, period: datetime.date) -> dict[str, Any]:
        entry = table.setdefault(key, {"id": key, "name": name, "periods": {}})
        return entry["periods"].setdefault(period, {"commit": ZERO, "best_case": ZERO, "actual": ZERO})

    for r in forecast_rows:
        for table, key, name in (
            (people, r["owner_id"], r["owner__username"]),
            (teams, r["org_unit_id"], r["org_unit__name"]),
        ):
            cell = slot(table, key, name, r["period"])
            cell["commit"] += q2(r["commit"])
            cell["best_case"] += q2(r["best"])
    for r in actual_rows:
        for table, key, name in (
            (people, r["owner_id"], r["owner__username"]),
            (teams, r["org_unit_id"], r["org_unit__name"]),
        ):
            slot(table, key, name, r["period"])["actual"] += q2(r["actual"])
    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "currency": reporting_currency(),
        "people": [_measure(e) for e in sorted(people.values(), key=lambda e: str(e["name"]))],
        "teams": [_measure(e) for e in sorted(teams.values(), key=lambda e: str(e["name"]))],
    }


def accuracy_of(forecast: Decimal, actual: Decimal) -> tuple[Decimal | None, Decimal | None]:
    if actual == 0:
        return None, None
    acc = Decimal(1) - abs(actual - forecast) / actual
    return acc.quantize(Decimal("0.0001")), ((forecast - actual) / actual).quantize(Decimal("0.0001"))


def _measure(entry: dict[str, Any]) -> dict[str, Any]:
    periods = []
    totals = {"commit": ZERO, "best_case": ZERO, "actual": ZERO}
    for period in sorted(entry["periods"]):
        cell = entry["periods"][period]
        for k in totals:
            totals[k] += cell[k]
        commit_acc, commit_bias = accuracy_of(cell["commit"], cell["actual"])
        best_acc, best_bias = accuracy_of(cell["best_case"], cell["actual"])
        periods.append(
            {
                "month": period.strftime("%Y-%m"),
                **cell,
                "commit_accuracy": commit_acc,
                "commit_bias": commit_bias,
                "best_case_accuracy": best_acc,
                "best_case_bias": best_bias,
            }
        )
    commit_acc, commit_bias = accuracy_of(totals["commit"], totals["actual"])
    best_acc, best_bias = accuracy_of(totals["best_case"], totals["actual"])
    return {
        "id": entry["id"],
        "name": entry["name"],
        "periods": periods,
        **totals,
        "commit_accuracy": commit_acc,
        "commit_bias": commit_bias,
        "best_case_accuracy": best_acc,
        "best_case_bias": best_bias,
        "ratio": ratio(totals["actual"], totals["commit"]),
    }


def snapshot_trend(*, user: Any, filters: ReportFilters) -> dict[str, Any]:
    """The weekly snapshots of one month (default the current one): per week and category, for
    the forecast line chart. One query."""
    resolve_unit(filters)
    period = current_month_period(filters)
    snaps = ForecastSnapshot.objects.restrict(user, VIEW).filter(period=month_start(period.start)).order_by()
    if filters.unit_path:
        snaps = snaps.filter(org_unit__path__startswith=filters.unit_path)
    if filters.owner:
        snaps = snaps.filter(owner_id=filters.owner)
    rows = (
        snaps.values("week", "category")
        .annotate(amount=msum("amount"), weighted=msum("weighted"))
        .order_by("week")
    )
    weeks: dict[str, dict[str, Any]] = {}
    for r in rows:
        w = weeks.setdefault(
            r["week"].isoformat(),
            {"week": r["week"].isoformat(), **{c: ZERO for c in CATEGORIES}, "weighted": ZERO},
        )
        if r["category"] in CATEGORIES:
            w[r["category"]] += q2(r["amount"])
        w["weighted"] += q2(r["weighted"])
    return {"month": period.start.strftime("%Y-%m"), "weeks": list(weeks.values())}


LABELS = {
    "closed": _("Closed (won)"),
    "commit": _("Commit"),
    "best_case": _("Best case"),
    "pipeline": _("Pipeline"),
    "weighted": _("Weighted"),
}
