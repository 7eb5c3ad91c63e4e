"""Reads about delivery projects, always narrowed to what the user may see."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from openltc.core.selectors import get_for_user
from openltc.core.visibility import CHANGE, VIEW, can_access
from openltc.delivery import estimation, workflow
from openltc.delivery.choices import (
    OPEN_ITEM_STATUSES,
    CostCategory,
    CostStage,
    ItemKind,
    ProjectStatus,
    QualityCost,
    RiskStatus,
)
from openltc.delivery.models import (
    DeliveryProject,
    DeliverySetting,
    DelphiSession,
    PlanItem,
    Risk,
)

DEFAULT_SETTINGS: dict[str, Decimal] = {"delphi_convergence_pct": Decimal("15")}


def setting(key: str) -> Decimal:
    found = DeliverySetting.objects.filter(key=key).values_list("value", flat=True).first()
    return found if found is not None else DEFAULT_SETTINGS[key]


def project_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[DeliveryProject]:
    """Filters: q (number, name, contract number, customer), status, fr ("me" or a user id),
    mine ("1": I am on the team or in charge)."""
    filters = filters or {}
    qs = DeliveryProject.objects.restrict(user, VIEW)
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(name__icontains=q)
            | Q(contract__number__icontains=q)
            | Q(contract__customer__name__icontains=q)
        )
    status = filters.get("status")
    if status in ProjectStatus.values:
        qs = qs.filter(status=status)
    fr = str(filters.get("fr") or "")
    if fr == "me":
        qs = qs.filter(fr=user)
    elif fr:
        qs = qs.filter(fr_id=int(fr)) if fr.isdigit() and len(fr) < 10 else qs.none()
    if str(filters.get("mine") or "") == "1":
        team = DeliveryProject.objects.filter(team__user=user).values("pk")
        qs = qs.filter(Q(fr=user) | Q(pk__in=team))
    return qs.select_related("contract", "contract__customer", "fr", "org_unit").order_by(
        "-created_at", "-number"
    )


def project_get(*, user: Any, pk: Any, action: str = VIEW) -> DeliveryProject:
    qs = DeliveryProject.objects.select_related("contract", "contract__customer", "fr", "org_unit")
    return get_for_user(qs, user=user, pk=pk, action=action)


def can_change(user: Any, project: DeliveryProject) -> bool:
    return can_access(user, project, CHANGE)


def project_for_contract(contract: Any) -> DeliveryProject | None:
    return DeliveryProject.objects.filter(contract=contract).first()


def facts_for(project: DeliveryProject) -> workflow.Facts:
    milestones = list(
        project.items.filter(kind=ItemKind.MILESTONE)
        .exclude(status="cancelled")
        .values_list("name", "acceptance__id")
    )
    return workflow.Facts(
        milestones=len(milestones),
        unaccepted_milestones=tuple(name for name, accepted in milestones if accepted is None),
        open_risks=project.risks.exclude(status=RiskStatus.CLOSED).count(),
        has_final_accounts=project.costs.filter(stage=CostStage.FINAL).exists(),
        summary=project.summary,
    )


def items(project: DeliveryProject) -> QuerySet[PlanItem]:
    return (
        project.items.select_related("owner", "plan_line", "plan_line__milestone", "acceptance")
        .prefetch_related("depends_on")
        .order_by("planned_start", "name")
    )


def gantt_data(project: DeliveryProject) -> dict[str, Any]:
    """The timeline as plain JSON for the ECharts Gantt (static/delivery/delivery.js)."""
    rows = []
    for item in items(project):
        rows.append(
            {
                "id": str(item.pk),
                "name": item.name,
                "stream": item.get_stream_display(),
                "kind": item.kind,
                "start": item.planned_start.isoformat(),
                "finish": item.planned_finish.isoformat(),
                "status": item.status,
                "progress": item.progress,
                "depends_on": [str(d.pk) for d in item.depends_on.all()],
            }
        )
    return {"items": rows, "today": timezone.localdate().isoformat()}


def risk_heatmap(project: DeliveryProject) -> dict[str, Any]:
    """Count of open risks per (probability, impact) cell."""
    cells: dict[tuple[int, int], int] = {}
    for p, i in project.risks.exclude(status=RiskStatus.CLOSED).values_list("probability", "impact"):
        cells[(p, i)] = cells.get((p, i), 0) + 1
    return {"cells": [[i - 1, p - 1, n] for (p, i), n in cells.items()]}


def risks(project: DeliveryProject) -> QuerySet[Risk]:
    return project.risks.select_related("owner").order_by("status", "-probability", "-impact", "title")


def pert_summary(project: DeliveryProject, by_date: datetime.date | None = None) -> dict[str, Any]:
    """Per task E and σ; totals over all tasks and over the critical (longest) dependency chain;
    the probability of finishing the critical chain by ``by_date`` (counted from the project's
    planned start, in calendar days)."""
    estimated = [
        i
        for i in items(project)
        if i.optimistic is not None and i.most_likely is not None and i.pessimistic is not None
    ]
    per_task = {i.pk: estimation.pert(i.optimistic, i.most_likely, i.pessimistic) for i in estimated}  # type: ignore[arg-type]
    chain = estimation.longest_path(
        {pk: e.expected for pk, e in per_task.items()},
        {i.pk: [d.pk for d in i.depends_on.all()] for i in estimated},
    )
    names = {i.pk: i.name for i in estimated}
    all_total = estimation.path_total(per_task.values())
    critical = estimation.path_total(per_task[pk] for pk in chain)
    probability = None
    days = None
    if by_date is not None and project.planned_start is not None:
        days = Decimal((by_date - project.planned_start).days)
        probability = estimation.probability_within(critical, days)
    return {
        "tasks": [(i, per_task[i.pk]) for i in estimated],
        "total": all_total,
        "critical": critical,
        "critical_names": [names[pk] for pk in chain],
        "by_date": by_date,
        "days": days,
        "probability": probability,
    }


def delphi_sessions(project: DeliveryProject) -> QuerySet[DelphiSession]:
    """The project's estimations with their estimators and estimates (two queries in all,
    however many sessions: ``delphi_view`` reads the prefetched rows)."""
    return project.delphi_sessions.select_related("moderator", "item").prefetch_related(
        "estimators", "estimates"
    )


def delphi_rounds(session: DelphiSession) -> list[estimation.RoundSummary]:
    values: dict[int, list[Decimal]] = {}
    for estimate in session.estimates.all():  # prefetched by delphi_sessions (ordered by round, value)
        values.setdefault(estimate.round, []).append(estimate.value)
    return [s for r in sorted(values) if (s := estimation.delphi_round(r, values[r])) is not None]


def delphi_view(session: DelphiSession, user: Any, threshold: Decimal | None = None) -> dict[str, Any]:
    """What a viewer sees: the moderator (and project managers) see each round's spread and the
    convergence; an estimator sees the summaries of closed rounds and their own estimates only.
    A page showing several sessions reads ``threshold`` once and passes it."""
    rounds = delphi_rounds(session)
    is_moderator = user.pk == session.moderator_id or getattr(user, "is_superuser", False)
    visible = rounds if is_moderator else [r for r in rounds if r.round < session.current_round]
    if threshold is None:
        threshold = setting("delphi_convergence_pct")
    current = next((r for r in rounds if r.round == session.current_round), None)
    previous = next((r for r in rounds if r.round == session.current_round - 1), None)
    estimates = session.estimates.all()
    mine = [
        {"round": e.round, "value": e.value}
        for e in sorted(estimates, key=lambda e: e.round)
        if e.estimator_id == user.pk
    ]
    estimator_ids = {u.pk for u in session.estimators.all()}
    return {
        "session": session,
        "rounds": visible,
        "is_moderator": is_moderator,
        "is_estimator": user.pk in estimator_ids,
        "given": sum(1 for e in estimates if e.round == session.current_round),
        "expected": len(estimator_ids),
        "converged": estimation.converged(previous, current, threshold),
        "threshold": threshold,
        "mine": mine,
    }


def cost_table(project: DeliveryProject) -> dict[str, Any]:
    """Totals by category × stage, with the variance of actuals and of final accounts to budget."""
    sums: dict[tuple[str, str], Decimal] = {
        (row["category"], row["stage"]): row["total"]
        for row in project.costs.values("category", "stage").annotate(total=Sum("amount"))
    }
    rows = []
    totals = dict.fromkeys(CostStage.values, Decimal("0"))
    for category in CostCategory:
        values = {stage: sums.get((category.value, stage), Decimal("0")) for stage in CostStage.values}
        for stage, value in values.items():
            totals[stage] += value
        rows.append(_cost_row(category.label, values))
    quality = {
        row["quality_cost"]: row["total"]
        for row in project.costs.exclude(quality_cost="")
        .filter(stage__in=[CostStage.ACTUAL, CostStage.FINAL])
        .values("quality_cost")
        .annotate(total=Sum("amount"))
    }
    coq = [(c.label, quality.get(c.value, Decimal("0"))) for c in QualityCost if c.value]
    conformance = quality.get(QualityCost.PREVENTION, Decimal("0")) + quality.get(
        QualityCost.APPRAISAL, Decimal("0")
    )
    failure = quality.get(QualityCost.INTERNAL_FAILURE, Decimal("0")) + quality.get(
        QualityCost.EXTERNAL_FAILURE, Decimal("0")
    )
    return {
        "rows": rows,
        "total": _cost_row("", totals),
        "coq": coq,
        "conformance": conformance,
        "failure": failure,
    }


def _cost_row(label: Any, values: dict[str, Decimal]) -> dict[str, Any]:
    budget = values[CostStage.BUDGET]
    return {
        "label": label,
        "values": [values[s] for s in CostStage.values],
        "actual_variance": values[CostStage.ACTUAL] - budget,
        "final_variance": values[CostStage.FINAL] - budget,
    }


def earned_value(project: DeliveryProject, today: datetime.date | None = None) -> estimation.EarnedValue:
    actual = project.costs.filter(stage=CostStage.ACTUAL).aggregate(total=Sum("amount"))["total"] or Decimal(
        "0"
    )
    tasks = project.items.exclude(status="cancelled")
    return estimation.earned_value(tasks, actual, today or timezone.localdate())


def recorded_cost(project: DeliveryProject) -> Decimal:
    """What a finished project cost: final accounts if recorded, else actuals (for analogies)."""
    for stage in (CostStage.FINAL, CostStage.ACTUAL):
        total = project.costs.filter(stage=stage).aggregate(total=Sum("amount"))["total"]
        if total:
            return Decimal(total)
    return Decimal("0")


def overdue_items(user: Any, today: datetime.date | None = None) -> QuerySet[PlanItem]:
    today = today or timezone.localdate()
    return PlanItem.objects.filter(
        owner=user, status__in=OPEN_ITEM_STATUSES, planned_finish__lt=today
    ).exclude(project__status=ProjectStatus.CLOSED)


def child_get(model: Any, *, user: Any, pk: Any) -> Any:
    """A record of a project (plan item, risk, ...) the user may see; NotFound otherwise."""
    return get_for_user(model.objects.all(), user=user, pk=pk, action=VIEW)


# --- per contract set (the analytics app's reports) -----------------------------------------------


def milestone_punctuality(
    *,
    user: Any,
    contracts: QuerySet[Any],
    start: datetime.date,
    end: datetime.date,
    via: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """On-time delivery milestones of the projects of ``contracts`` the user sees: the delivery
    milestones (not cancelled) planned to finish in [start, min(end, today)] — ``due`` — and
    those the customer accepted on or before the planned finish — ``on_time``; ``accepted`` —
    accepted at all. One query; ``via`` groups the rows (output name → lookup from the
    contract); without it one row comes back."""
    from django.db.models import Count, F

    from openltc.cash.selectors import grouped_rows
    from openltc.delivery.choices import ItemStatus

    end = min(end, timezone.localdate())
    qs = (
        PlanItem.objects.restrict(user, VIEW)
        .filter(
            kind=ItemKind.MILESTONE,
            project__contract__in=contracts.values("pk"),
            planned_finish__gte=start,
            planned_finish__lte=end,
        )
        .exclude(status=ItemStatus.CANCELLED)
    )
    aggregates = {
        "due": Count("pk"),
        "on_time": Count("pk", filter=Q(acceptance__accepted_on__lte=F("planned_finish"))),
        "accepted": Count("pk", filter=Q(acceptance__isnull=False)),
    }
    via_rows = {name: "project__contract__" + lookup for name, lookup in (via or {}).items()}
    return grouped_rows(qs, aggregates, via_rows)  # type: ignore[no-any-return]


def first_acceptance_date(*, user: Any, opportunity: str = "pk") -> Any:
    """Subquery: the date of the first customer acceptance (the user sees) in the delivery of the
    opportunity ``OuterRef`` (its contracts' projects)."""
    from django.db.models import DateField, Min, OuterRef, Subquery

    from openltc.delivery.models import Acceptance

    qs = (
        Acceptance.objects.restrict(user, VIEW)
        .filter(item__project__contract__opportunity=OuterRef(opportunity))
        .order_by()
        .values("item__project__contract__opportunity")
        .annotate(first=Min("accepted_on"))
        .values("first")
    )
    return Subquery(qs, output_field=DateField())


def final_accounts(*, user: Any, contract: str = "pk") -> tuple[Any, Any]:
    """Subqueries on the contract ``OuterRef``: the total of its delivery's final accounts (决算
    cost entries) the user sees, and the date of the latest such entry (None when none)."""
    from django.db.models import DateField, DecimalField, Max, OuterRef, Subquery

    from openltc.delivery.models import CostEntry

    entries = (
        CostEntry.objects.restrict(user, VIEW)
        .filter(stage=CostStage.FINAL, project__contract=OuterRef(contract))
        .order_by()
        .values("project__contract")
    )
    total = Subquery(
        entries.annotate(t=Sum("amount")).values("t"),
        output_field=DecimalField(max_digits=24, decimal_places=2),
    )
    latest = Subquery(entries.annotate(d=Max("entry_date")).values("d"), output_field=DateField())
    return total, latest
