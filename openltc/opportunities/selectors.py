"""Reads about opportunities, always narrowed to what the user may see."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from openltc.core.selectors import get_for_user
from openltc.core.visibility import CHANGE, VIEW, can_access
from openltc.opportunities import workflow
from openltc.opportunities.choices import OPEN_STAGES, Stage
from openltc.opportunities.models import (
    STAGE_DEFAULTS,
    Opportunity,
    OpportunityQuerySet,
    OpportunityTeamMember,
    StageSetting,
)

BOARD_COLUMN_LIMIT = 50
CENT = Decimal("0.01")


def stage_settings() -> dict[str, StageSetting]:
    """Every stage's settings in one query; stages without a row get the built-in defaults."""
    rows = {s.stage: s for s in StageSetting.objects.all()}
    for stage, d in STAGE_DEFAULTS.items():
        if stage not in rows:
            rows[stage] = StageSetting(
                stage=stage,
                order=d.order,
                default_probability=d.probability,
                default_forecast_category=d.forecast_category,
                probability_band=d.band,
                norm_days=d.norm_days,
                is_open=d.is_open,
            )
    return rows


def stage_norms() -> dict[str, int]:
    return {stage: s.norm_days for stage, s in stage_settings().items() if s.norm_days and s.is_open}


def _base(user: Any) -> OpportunityQuerySet:
    return Opportunity.objects.restrict(user, VIEW)  # type: ignore[no-any-return]


def opportunity_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Opportunity]:
    """Filters: q (number, title, customer), stage, owner ("me" or a user id), org_unit (id; its
    subtree), forecast_category, close_month ("YYYY-MM"), overdue, stuck, open."""
    filters = filters or {}
    qs = _base(user)
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(customer__name__icontains=q))
    stage = filters.get("stage")
    if stage == "open":
        qs = qs.open()
    elif stage in Stage.values:
        qs = qs.filter(stage=stage)
    owner = filters.get("owner")
    if owner == "me":
        qs = qs.filter(owner=user)
    elif owner:
        try:
            qs = qs.filter(owner_id=int(owner))
        except (TypeError, ValueError):
            qs = qs.none()
    org_unit = filters.get("org_unit")
    if org_unit:
        from openltc.org.models import OrgUnit

        unit_id = _int_or_none(org_unit)
        path = OrgUnit.objects.filter(pk=unit_id).values_list("path", flat=True).first() if unit_id else None
        qs = qs.filter(org_unit__path__startswith=path) if path else qs.none()
    category = filters.get("forecast_category")
    if category:
        qs = qs.filter(forecast_category=category)
    month = _parse_month(filters.get("close_month"))
    if month is not None:
        qs = qs.filter(expected_close_date__year=month.year, expected_close_date__month=month.month)
    if _truthy(filters.get("overdue")):
        qs = qs.overdue()
    if _truthy(filters.get("stuck")):
        qs = qs.stuck(stage_norms())
    return qs.select_related("customer", "owner", "org_unit").order_by("-created_at", "-pk")


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _truthy(value: Any) -> bool:
    return str(value or "").lower() in ("1", "true", "yes", "on")


def _parse_month(value: Any) -> datetime.date | None:
    try:
        year, month = (int(part) for part in str(value or "").split("-"))
        return datetime.date(year, month, 1)
    except ValueError:
        return None


def opportunity_get(*, user: Any, pk: Any, action: str = VIEW) -> Opportunity:
    """One opportunity with what its page shows; NotFound when absent or not visible."""
    qs = Opportunity.objects.select_related(
        "customer", "contact", "owner", "org_unit", "origin_lead"
    ).prefetch_related(
        "product_lines",
        Prefetch(
            "team_members",
            queryset=OpportunityTeamMember.objects.select_related("user").order_by("joined_at"),
        ),
    )
    return get_for_user(qs, user=user, pk=pk, action=action)


def facts_for(opportunity: Opportunity) -> workflow.Facts:
    """Workflow facts from the prefetched team and product lines (no extra queries when prefetched)."""
    return workflow.Facts(
        team_roles=frozenset(m.role for m in opportunity.team_members.all()),
        has_product_lines=bool(opportunity.product_lines.all()),
    )


def can_change(user: Any, opportunity: Opportunity) -> bool:
    return can_access(user, opportunity, CHANGE)


def pipeline_summary(*, user: Any, filters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Per stage: count and amount totals per currency (amounts in different currencies are
    never added together). One query."""
    qs = opportunity_list(user=user, filters=filters).order_by()
    rows = qs.values("stage", "currency").annotate(count=Count("pk"), total=Sum("amount"))
    by_stage: dict[str, dict[str, Any]] = {
        s: {"stage": s, "label": str(Stage(s).label), "count": 0, "amounts": []} for s in Stage.values
    }
    for row in rows:
        entry = by_stage[row["stage"]]
        entry["count"] += row["count"]
        entry["amounts"].append(
            {"currency": row["currency"], "total": Decimal(row["total"] or 0).quantize(CENT)}
        )
    for entry in by_stage.values():
        entry["amounts"].sort(key=lambda a: a["currency"])
    return list(by_stage.values())


def board_columns(*, user: Any, filters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The pipeline board: one column per open stage with its newest cards and totals.

    A constant number of queries: one aggregate, one per open stage (at most BOARD_COLUMN_LIMIT cards).
    """
    summary = {row["stage"]: row for row in pipeline_summary(user=user, filters=filters)}
    qs = opportunity_list(user=user, filters=filters)
    columns = []
    for stage in OPEN_STAGES:
        cards = list(qs.filter(stage=stage)[:BOARD_COLUMN_LIMIT])
        columns.append(
            {
                **summary[stage],
                "gate": workflow.GATE_CROSSED_ENTERING.get(stage),
                "cards": cards,
                "truncated": summary[stage]["count"] > len(cards),
            }
        )
    return columns


def closed_totals(*, user: Any, filters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    summary = pipeline_summary(user=user, filters=filters)
    return [row for row in summary if row["stage"] not in OPEN_STAGES]


def my_overdue(user: Any) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(owner=user).overdue(timezone.localdate())


def my_stuck(user: Any) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(owner=user).stuck(stage_norms())


def customers_for(user: Any) -> QuerySet[Any]:
    """Customers the user may open an opportunity for: those they can see, not merged away."""
    from openltc.customers.models import Customer

    return Customer.objects.restrict(user, VIEW).filter(merged_into__isnull=True).order_by("name")


def team_candidates(user: Any) -> QuerySet[Any]:
    from openltc.org.models import User

    return User.objects.filter(is_active=True).order_by("username")
