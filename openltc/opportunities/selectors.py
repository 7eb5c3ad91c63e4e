"""Reads about opportunities, always narrowed to what the user may see."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from openltc.core.request_context import forgotten_on_change, request_memo
from openltc.core.selectors import get_for_user
from openltc.core.visibility import CHANGE, VIEW, can_access
from openltc.opportunities import workflow
from openltc.opportunities.choices import OPEN_STAGES, Stage, TeamRole
from openltc.opportunities.models import (
    STAGE_DEFAULTS,
    Opportunity,
    OpportunityQuerySet,
    OpportunityTeamMember,
    StageSetting,
)

BOARD_COLUMN_LIMIT = 50
CENT = Decimal("0.01")


def stage_rows() -> list[StageSetting]:
    """The admin-tuned stage settings rows, read once per request (the board, the pipeline and the
    dashboards' panels all ask)."""
    return list(request_memo("opportunities.stage_rows", lambda: list(StageSetting.objects.all())))


forgotten_on_change(StageSetting)


def stage_settings() -> dict[str, StageSetting]:
    """Every stage's settings in one query; stages without a row get the built-in defaults."""
    rows = {s.stage: s for s in stage_rows()}
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
    from openltc.opportunities.assessment import required_roles

    return workflow.Facts(
        team_roles=frozenset(m.role for m in opportunity.team_members.all()),
        required_roles=required_roles(opportunity.grade),
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
                "next_stage": workflow.FORWARD.get(stage),
                "next_label": Stage(workflow.FORWARD[stage]).label if stage in workflow.FORWARD else "",
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


# --- assessments, portfolio, initiation -----------------------------------------------------------


def assessment_for(opportunity: Opportunity) -> dict[str, Any]:
    """What the opportunity page and the evaluation page show: the grade with its explanation,
    the attractiveness of the ten criteria, the success estimate and the payment ability."""
    from openltc.opportunities import assessment
    from openltc.opportunities.models import GradeSetting

    contacts = list(opportunity.customer.contacts.filter(merged_into__isnull=True))
    success, coverage = assessment.compute_success(opportunity, contacts)
    grade_setting = (
        GradeSetting.objects.filter(grade=opportunity.grade).first() if opportunity.grade else None
    )
    return {
        "grading": opportunity.grade_explanation or {},
        "grade_setting": grade_setting,
        "grade_roles": [
            str(TeamRole(r).label) if r in TeamRole.values else str(r)
            for r in (grade_setting.required_roles if grade_setting is not None else [])
        ],
        "attractiveness": assessment.compute_attractiveness(opportunity),
        "success": success,
        "coverage": coverage,
        "payment": assessment.compute_payment_ability(opportunity),
    }


PORTFOLIO_LIMIT = 300


def portfolio(*, user: Any, filters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Open opportunities the user sees, each with its attractiveness (ten criteria) and its
    estimated success probability: the points of the portfolio chart. Constant query count."""
    from openltc.customers.models import Contact
    from openltc.opportunities import assessment
    from openltc.opportunities.choices import FactorKind
    from openltc.opportunities.models import EvaluationScore

    qs = opportunity_list(user=user, filters={**(filters or {}), "stage": "open"}).select_related("customer")[
        :PORTFOLIO_LIMIT
    ]
    rows = list(qs)
    criteria = assessment.active_criteria()
    factors = assessment.factors_of(FactorKind.SUCCESS)
    scores: dict[Any, dict[Any, tuple[int, str]]] = {}
    for s in EvaluationScore.objects.filter(opportunity__in=[o.pk for o in rows]).values(
        "opportunity_id", "criterion_id", "score", "note"
    ):
        scores.setdefault(s["opportunity_id"], {})[s["criterion_id"]] = (s["score"], s["note"])
    contacts: dict[Any, list[Any]] = {}
    for c in Contact.objects.filter(customer__in={o.customer_id for o in rows}, merged_into__isnull=True):
        contacts.setdefault(c.customer_id, []).append(c)
    points = []
    for o in rows:
        attractive = assessment.attractiveness(criteria, scores.get(o.pk, {}))
        inputs, _coverage = assessment.success_inputs(o, contacts.get(o.customer_id, []))
        success = assessment.score(factors, inputs)
        points.append(
            {
                "opportunity": o,
                "attractiveness": attractive.score,
                "scored": attractive.scored,
                "success": success.score,
            }
        )
    return points


def charter_for(opportunity: Opportunity) -> Any:
    from openltc.opportunities.models import ProjectCharter

    return ProjectCharter.objects.filter(opportunity=opportunity).first()


def appointments_for(opportunity: Opportunity) -> QuerySet[Any]:
    from openltc.opportunities.models import TeamAppointment

    return TeamAppointment.objects.filter(opportunity=opportunity).select_related("appointed_by")


def appointment_get(*, user: Any, pk: Any) -> Any:
    from openltc.opportunities.models import TeamAppointment

    qs = TeamAppointment.objects.select_related(
        "opportunity",
        "opportunity__customer",
        "opportunity__org_unit",
        "opportunity__lead_department",
        "appointed_by",
    )
    return get_for_user(qs, user=user, pk=pk, action=VIEW)


def can_override_grade(user: Any, opportunity: Opportunity) -> bool:
    from openltc.core.visibility import user_scope

    return opportunity.is_open and user_scope(user).covers(opportunity.org_unit.path, CHANGE)
