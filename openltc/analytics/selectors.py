"""The reports: every figure is aggregated in the database (GROUP BY, CASE, correlated
subqueries, window functions) over what the viewer may see (``restrict(user, "view")``), and
each report runs a fixed number of queries whatever the data size.

Amounts are summed in the reporting currency (``OPENLTC_REPORTING_CURRENCY``) with the
``decisions.ExchangeRate`` table; a currency without a configured rate counts one to one.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, Now, RowNumber, Trunc, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openltc.analytics.models import AnalyticsSettings, Quota
from openltc.contracts.choices import PRE_SIGNATURE_STATUSES, ContractStatus
from openltc.contracts.models import Contract
from openltc.core.request_context import forgotten_on_change, request_memo
from openltc.core.visibility import VIEW, user_scope
from openltc.decisions.choices import GATE_ORDER, OPEN_CASE_STATUSES, CaseStatus
from openltc.decisions.models import DecisionCase, ExchangeRate
from openltc.leads.choices import OPEN_STATUSES as LEAD_OPEN_STATUSES
from openltc.leads.choices import LeadSource, LeadStatus
from openltc.leads.models import Lead
from openltc.opportunities.choices import (
    IRON_TRIANGLE,
    OPEN_STAGES,
    ForecastCategory,
    Grade,
    LossReason,
    Stage,
)
from openltc.opportunities.models import (
    STAGE_DEFAULTS,
    Opportunity,
    OpportunityStageChange,
    OpportunityTeamMember,
)
from openltc.opportunities.selectors import stage_rows
from openltc.org.models import OrgUnit

MONEY: DecimalField[Any, Any] = DecimalField(max_digits=24, decimal_places=2)
RATE: DecimalField[Any, Any] = DecimalField(max_digits=30, decimal_places=8)
ZERO = Decimal("0.00")
FUNNEL_STAGES: tuple[str, ...] = (*OPEN_STAGES, Stage.WON)


# --- settings, stages, filters -----------------------------------------------------------------


def load_settings() -> AnalyticsSettings:
    """The admin-edited report settings (one query per request); field defaults when the row is missing."""
    return request_memo(
        "analytics.settings", lambda: AnalyticsSettings.objects.order_by("pk").first() or AnalyticsSettings()
    )


forgotten_on_change(AnalyticsSettings)


@dataclass(frozen=True)
class StageInfo:
    stage: str
    label: str
    position: int
    probability: int
    category: str
    norm_days: int | None


def stage_table() -> dict[str, StageInfo]:
    """The admin-tuned stage settings (one query per request) in pipeline order; defaults fill any gap."""
    rows = {s.stage: s for s in stage_rows()}
    infos: list[tuple[int, StageInfo]] = []
    for stage in Stage:
        default = STAGE_DEFAULTS[stage]
        row = rows.get(stage)
        infos.append(
            (
                row.order if row else default.order,
                StageInfo(
                    stage=stage,
                    label=str(stage.label),
                    position=0,
                    probability=row.default_probability if row else default.probability,
                    category=row.default_forecast_category if row else default.forecast_category,
                    norm_days=row.norm_days if row else default.norm_days,
                ),
            )
        )
    infos.sort(key=lambda pair: pair[0])
    return {
        info.stage: StageInfo(**{**info.__dict__, "position": i + 1}) for i, (_o, info) in enumerate(infos)
    }


def _int(raw: Any) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**31 else None


def _sane(day: datetime.date | None) -> datetime.date | None:
    """Dates far outside business use (which would overflow period arithmetic) are ignored."""
    return day if day is not None and 1900 <= day.year <= 2999 else None


def _date(raw: Any) -> datetime.date | None:
    if isinstance(raw, datetime.date):
        return _sane(raw)
    try:
        return _sane(datetime.date.fromisoformat(str(raw).strip()))
    except (TypeError, ValueError):
        return None


def _month(raw: Any) -> datetime.date | None:
    text = str(raw or "").strip()
    try:
        return _sane(datetime.date.fromisoformat(f"{text}-01")) if len(text) == 7 else None
    except ValueError:
        return None


FILTER_KEYS = (
    "date_from",
    "date_to",
    "region",
    "office",
    "product_line",
    "grade",
    "source",
    "owner",
    "month",
)


@dataclass
class ReportFilters:
    """The filters every report accepts; unknown or malformed values are ignored."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    region: int | None = None
    office: int | None = None
    product_line: int | None = None
    grade: str = ""
    source: str = ""
    owner: int | None = None
    month: datetime.date | None = None
    unit_path: str | None = field(default=None, repr=False)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ReportFilters:
        grade = str(data.get("grade") or "")
        source = str(data.get("source") or "")
        return cls(
            date_from=_date(data.get("date_from")),
            date_to=_date(data.get("date_to")),
            region=_int(data.get("region")),
            office=_int(data.get("office")),
            product_line=_int(data.get("product_line")),
            grade=grade if grade in Grade.values else "",
            source=source if source in LeadSource.values else "",
            owner=_int(data.get("owner")),
            month=_month(data.get("month")),
        )

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for drill-down links)."""
        out: dict[str, str] = {}
        for key in FILTER_KEYS:
            value = getattr(self, key)
            if value in (None, ""):
                continue
            out[key] = value.strftime("%Y-%m") if key == "month" and value else str(value)
        return out


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def start_dt(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_dt(self) -> datetime.datetime:
        """Exclusive upper bound: the start of the day after ``end``."""
        return timezone.make_aware(
            datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min)
        )

    def as_dict(self) -> dict[str, str]:
        return {"date_from": self.start.isoformat(), "date_to": self.end.isoformat()}


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_period(first: datetime.date) -> Period:
    return Period(first, add_months(first, 1) - datetime.timedelta(days=1))


def trailing_period(filters: ReportFilters, cfg: AnalyticsSettings) -> Period:
    end = filters.date_to or timezone.localdate()
    start = filters.date_from or end - datetime.timedelta(days=cfg.funnel_period_days - 1)
    return Period(min(start, end), max(start, end))


def current_month_period(filters: ReportFilters) -> Period:
    if filters.date_from or filters.date_to:
        end = filters.date_to or timezone.localdate()
        start = filters.date_from or month_start(end)
        return Period(min(start, end), max(start, end))
    return month_period(filters.month or month_start(timezone.localdate()))


def resolve_unit(filters: ReportFilters) -> None:
    """Looks up the region/office filter's path once (one query, only when filtered)."""
    unit_id = filters.office or filters.region
    if unit_id and filters.unit_path is None:
        filters.unit_path = (
            OrgUnit.objects.filter(pk=unit_id).values_list("path", flat=True).first() or "/-none-/"
        )


# --- money --------------------------------------------------------------------------------------


def reporting_currency() -> str:
    return str(getattr(settings, "OPENLTC_REPORTING_CURRENCY", "CNY"))


def money(amount: str = "amount", currency: str = "currency") -> ExpressionWrapper:
    """``amount`` in the reporting currency, computed by the database."""
    rate = Subquery(
        ExchangeRate.objects.filter(currency=OuterRef(currency)).values("rate")[:1], output_field=RATE
    )
    factor = Case(
        When(**{currency: reporting_currency()}, then=Value(Decimal(1), output_field=RATE)),
        default=Coalesce(rate, Value(Decimal(1), output_field=RATE)),
        output_field=RATE,
    )
    return ExpressionWrapper(Coalesce(F(amount), Value(ZERO)) * factor, output_field=RATE)


def weighted(
    amount: str = "amount", currency: str = "currency", probability: str = "probability"
) -> ExpressionWrapper:
    return ExpressionWrapper(money(amount, currency) * F(probability) / Value(100), output_field=RATE)


def msum(expression: Any, **extra: Any) -> Coalesce:
    return Coalesce(Sum(expression, output_field=MONEY, **extra), Value(ZERO), output_field=MONEY)


def q2(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def ratio(part: Any, whole: Any) -> Decimal | None:
    """part ÷ whole to four places (0.5000 = 50 %); None when the whole is zero."""
    try:
        whole_d = Decimal(whole or 0)
        if whole_d == 0:
            return None
        return (Decimal(part or 0) / whole_d).quantize(Decimal("0.0001"))
    except InvalidOperation:
        return None


# --- scoped querysets ---------------------------------------------------------------------------


def opportunities_for(user: Any, filters: ReportFilters) -> QuerySet[Opportunity]:
    """The opportunities the user may see, narrowed by the report filters."""
    resolve_unit(filters)
    qs = Opportunity.objects.restrict(user, VIEW)
    if filters.unit_path:
        qs = qs.filter(org_unit__path__startswith=filters.unit_path)
    if filters.product_line:
        qs = qs.filter(product_lines=filters.product_line)
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    if filters.source:
        qs = qs.filter(origin_lead__source=filters.source)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    return qs.order_by()


def leads_for(user: Any, filters: ReportFilters) -> QuerySet[Lead]:
    """Leads the user may see, narrowed by the filters (grade does not apply to leads)."""
    resolve_unit(filters)
    qs = Lead.objects.restrict(user, VIEW)
    if filters.unit_path:
        qs = qs.filter(org_unit__path__startswith=filters.unit_path)
    if filters.product_line:
        qs = qs.filter(product_line_id=filters.product_line)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    return qs.order_by()


def contracts_for(user: Any, filters: ReportFilters) -> QuerySet[Contract]:
    resolve_unit(filters)
    qs = Contract.objects.restrict(user, VIEW)
    if filters.unit_path:
        qs = qs.filter(org_unit__path__startswith=filters.unit_path)
    if filters.product_line or filters.grade or filters.source:
        qs = qs.filter(opportunity__in=opportunities_for(user, filters).values("pk"))
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    return qs.order_by()


def cases_for(user: Any, filters: ReportFilters) -> QuerySet[DecisionCase]:
    resolve_unit(filters)
    qs = DecisionCase.objects.restrict(user, VIEW)
    if filters.unit_path:
        qs = qs.filter(org_unit__path__startswith=filters.unit_path)
    return qs.order_by()


def reached_expression(stages: dict[str, StageInfo]) -> Greatest:
    """The furthest funnel position an opportunity reached: from its stage history (a lost or
    abandoned move counts the stage it left) and its current stage."""
    lost = (Stage.LOST, Stage.ABANDONED)
    history_case = Case(
        *[When(to_stage=s, then=Value(stages[s].position)) for s in FUNNEL_STAGES],
        *[When(to_stage__in=lost, from_stage=s, then=Value(stages[s].position)) for s in FUNNEL_STAGES],
        default=Value(0),
        output_field=IntegerField(),
    )
    history = (
        OpportunityStageChange.objects.filter(opportunity=OuterRef("pk"))
        .order_by()
        .values("opportunity")
        .annotate(m=Max(history_case))
        .values("m")
    )
    current = Case(
        *[When(stage=s, then=Value(stages[s].position)) for s in FUNNEL_STAGES],
        default=Value(0),
        output_field=IntegerField(),
    )
    return Greatest(Coalesce(Subquery(history, output_field=IntegerField()), Value(0)), current)


# --- funnel -------------------------------------------------------------------------------------


def cash_funnel(*, user: Any, cohort: QuerySet[Opportunity]) -> dict[str, Any] | None:
    """Invoiced and collected for the cohort's contracts, through the cash app's selector
    ``invoiced_and_collected`` (the invoices the user sees, credit notes deducted, receipts
    allocated; one aggregate query). None when the cash app is not installed."""
    try:
        from openltc.cash.selectors import invoiced_and_collected
    except ImportError:  # pragma: no cover - the cash app is part of the project
        return None
    contracts = Contract.objects.filter(opportunity__in=cohort.values("pk"))
    row = invoiced_and_collected(user=user, contracts=contracts)[0]
    return {
        "invoiced_count": row["invoiced_opportunities"],
        "invoiced_amount": row["invoiced"],
        "collected_count": row["collected_opportunities"],
        "collected_amount": row["collected"],
    }


def funnel(*, user: Any, filters: ReportFilters) -> dict[str, Any]:
    """Leads → opportunities by stage → won → contracted (→ invoiced → collected) for the
    opportunities created in the period: count and amount reaching each step, the conversion
    from the step before and the leakage (reached here, went no further)."""
    cfg = load_settings()
    stages = stage_table()
    period = trailing_period(filters, cfg)
    created = {"created_at__gte": period.start_dt, "created_at__lt": period.end_dt}

    leads = (
        leads_for(user, filters)
        .filter(**created)
        .aggregate(
            n=Count("pk"),
            amount=msum(money("estimated_value")),
            converted=Count("pk", filter=Q(status=LeadStatus.CONVERTED)),
            converted_amount=msum(money("estimated_value"), filter=Q(status=LeadStatus.CONVERTED)),
            disqualified=Count("pk", filter=Q(status=LeadStatus.DISQUALIFIED)),
        )
    )

    cohort = opportunities_for(user, filters).filter(**created)
    opp = _funnel_counts(cohort, stages)

    contracted = (
        Contract.objects.restrict(user, VIEW)
        .filter(opportunity__in=cohort.values("pk"), signed_on__isnull=False)
        .exclude(status=ContractStatus.WITHDRAWN)
        .order_by()
        .aggregate(n=Count("opportunity", distinct=True), amount=msum(money("total_gross")))
    )

    steps: list[dict[str, Any]] = [
        _step("leads", _("Leads"), leads["n"], leads["amount"], kind="lead", segment="created"),
        _step(
            "converted",
            _("Converted to opportunities"),
            leads["converted"],
            leads["converted_amount"],
            kind="lead",
            segment="converted",
        ),
    ]
    for s in FUNNEL_STAGES:
        steps.append(
            _step(
                s,
                stages[s].label,
                opp[f"n_{s}"],
                opp[f"a_{s}"],
                kind="opportunity",
                segment=f"reached:{s}",
                open_count=opp[f"open_{s}"] if s != Stage.WON else None,
                lost_count=opp[f"lost_{s}"] if s != Stage.WON else None,
            )
        )
    steps.append(
        _step(
            "contracted",
            _("Contracted"),
            contracted["n"],
            contracted["amount"],
            kind="contract",
            segment="signed",
        )
    )
    cash = cash_funnel(user=user, cohort=cohort)
    if cash is not None:
        steps.append(
            _step(
                "invoiced",
                _("Invoiced"),
                cash["invoiced_count"],
                cash["invoiced_amount"],
                kind="contract",
                segment="invoiced",
            )
        )
        steps.append(
            _step(
                "collected",
                _("Collected"),
                cash["collected_count"],
                cash["collected_amount"],
                kind="contract",
                segment="collected",
            )
        )
    _conversions(steps)
    return {
        "period": period.as_dict(),
        "currency": reporting_currency(),
        "steps": steps,
        "lead_disqualified": leads["disqualified"],
        "cash_included": cash is not None,
    }


def _funnel_counts(cohort: QuerySet[Opportunity], stages: dict[str, StageInfo]) -> dict[str, Any]:
    """Per funnel stage: the cohort's opportunities that reached it (count and amount), those
    open in it and those lost or abandoned from it. One query grouped by (furthest position
    reached, position left, current stage): the per-opportunity subqueries over the stage
    history run once per row, and the few dozen groups are summed here. (Conditional aggregates
    over the annotations instead repeated the history subqueries in every aggregate.)"""
    lost = (Stage.LOST, Stage.ABANDONED)
    groups = (
        cohort.annotate(
            reached=reached_expression(stages),
            left=Case(
                When(stage__in=lost, then=_left_position(stages)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values("reached", "left", "stage")
        .annotate(n=Count("pk"), a=msum(money()))
        .order_by()
    )
    opp: dict[str, Any] = {}
    for s in FUNNEL_STAGES:
        opp[f"n_{s}"], opp[f"a_{s}"], opp[f"open_{s}"], opp[f"lost_{s}"] = 0, ZERO, 0, 0
    for row in groups:
        for s in FUNNEL_STAGES:
            pos = stages[s].position
            if row["reached"] >= pos:
                opp[f"n_{s}"] += row["n"]
                opp[f"a_{s}"] += row["a"]
            if row["stage"] == s:
                opp[f"open_{s}"] += row["n"]
            if row["stage"] in lost and row["left"] == pos:
                opp[f"lost_{s}"] += row["n"]
    return opp


def _left_position(stages: dict[str, StageInfo]) -> Coalesce:
    """Funnel position of the stage a lost/abandoned opportunity left (from its closing move)."""
    left = Case(
        *[When(from_stage=s, then=Value(stages[s].position)) for s in FUNNEL_STAGES],
        default=Value(0),
        output_field=IntegerField(),
    )
    sub = (
        OpportunityStageChange.objects.filter(opportunity=OuterRef("pk"), to_stage=OuterRef("stage"))
        .order_by("-changed_at")
        .annotate(p=left)
        .values("p")[:1]
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def _step(
    key: str, label: Any, count: Any, amount: Any, *, kind: str, segment: str, **extra: Any
) -> dict[str, Any]:
    return {
        "key": key,
        "label": str(label),
        "count": int(count or 0),
        "amount": q2(amount),
        "kind": kind,
        "segment": segment,
        **extra,
    }


def _conversions(steps: list[dict[str, Any]]) -> None:
    previous: dict[str, Any] | None = None
    for step in steps:
        if previous is None:
            step.update(conversion=None, amount_conversion=None, leak_count=None, leak_amount=None)
        else:
            step["conversion"] = ratio(step["count"], previous["count"])
            step["amount_conversion"] = ratio(step["amount"], previous["amount"])
            previous["leak_count"] = max(previous["count"] - step["count"], 0)
            previous["leak_amount"] = max(previous["amount"] - step["amount"], ZERO)
        previous = step
    if previous is not None:
        previous.setdefault("leak_count", None)
        previous.setdefault("leak_amount", None)


# --- pipeline, coverage, stage aging -----------------------------------------------------------


def stuck_condition(stages: dict[str, StageInfo], cfg: AnalyticsSettings, now: datetime.datetime) -> Q:
    """Open opportunities longer in their stage than the stage norm × the configured factor."""
    condition = Q(pk__in=[])
    for s in OPEN_STAGES:
        norm = stages[s].norm_days
        if norm is None:
            continue
        limit = datetime.timedelta(days=norm) * cfg.stuck_factor_percent / 100
        condition |= Q(stage=s, stage_entered_at__lt=now - limit)
    return condition


def pipeline(*, user: Any, filters: ReportFilters, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Open opportunities by stage × expected close month, the coverage of the quota and the
    stage aging with the stuck deals. ``now`` (default: the current time) is the instant the
    stage ages and today's month are taken at, so that a caller comparing the report with
    another computation can pin it."""
    cfg = load_settings()
    stages = stage_table()
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = month_start(filters.month or today)
    months = [add_months(first, i) for i in range(cfg.pipeline_months)]
    horizon = add_months(first, cfg.pipeline_months)
    base = opportunities_for(user, filters)
    open_qs = base.filter(stage__in=OPEN_STAGES)

    month_bucket = Case(
        When(expected_close_date__isnull=True, then=Value("none")),
        When(expected_close_date__lt=first, then=Value("earlier")),
        When(expected_close_date__gte=horizon, then=Value("later")),
        default=Value("in"),
    )
    # One scan gives the matrix and the stage aging's figures: grouped by (stage, bucket,
    # month, stuck at ``now``). Sums keep 8 places so that the groups split by "stuck" add up
    # to what one sum per (stage, bucket, month) gave, rounded to the cent afterwards.
    stuck = stuck_condition(stages, cfg, now)
    rows = (
        open_qs.annotate(
            bucket=month_bucket,
            month=Trunc("expected_close_date", "month", output_field=DateFieldOut()),
            m=money(),
            w=weighted(),
            is_stuck=Case(When(stuck, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .values("stage", "bucket", "month", "is_stuck")
        .annotate(
            n=Count("pk"),
            amount=_exact_sum("m"),
            weighted=_exact_sum("w"),
            oldest=Min("stage_entered_at"),
        )
        .order_by()
    )
    columns = ["earlier", *[m.strftime("%Y-%m") for m in months], "later", "none"]
    matrix: dict[str, dict[str, dict[str, Any]]] = {
        s: {c: {"count": 0, "amount": ZERO, "weighted": ZERO} for c in columns} for s in OPEN_STAGES
    }
    groups: dict[tuple[str, str, Any], list[Any]] = {}
    figures: dict[str, Any] = {}
    for s in OPEN_STAGES:
        figures[f"n_{s}"], figures[f"stuck_{s}"], figures[f"amount_{s}"] = 0, 0, ZERO
        figures[f"oldest_{s}"] = None
    for row in rows:
        group = groups.setdefault((row["stage"], row["bucket"], row["month"]), [0, ZERO, ZERO])
        group[0] += row["n"]
        group[1] += row["amount"] or ZERO
        group[2] += row["weighted"] or ZERO
        s = row["stage"]
        figures[f"n_{s}"] += row["n"]
        if row["is_stuck"]:
            figures[f"stuck_{s}"] += row["n"]
            figures[f"amount_{s}"] += row["amount"] or ZERO
        if row["oldest"] is not None and (
            figures[f"oldest_{s}"] is None or row["oldest"] < figures[f"oldest_{s}"]
        ):
            figures[f"oldest_{s}"] = row["oldest"]
    for (stage, bucket, month), (n, amount, weighted_amount) in groups.items():
        col = month.strftime("%Y-%m") if bucket == "in" and month else bucket
        cell = matrix[stage][col]
        cell["count"] += n
        cell["amount"] += q2(amount)
        cell["weighted"] += q2(weighted_amount)

    coverage = quota_coverage(user=user, filters=filters, base=base)
    aging = stage_aging(
        user=user, filters=filters, base=base, stages=stages, cfg=cfg, now=now, figures=figures
    )
    return {
        "currency": reporting_currency(),
        "columns": columns,
        "stages": [
            {
                "stage": s,
                "label": stages[s].label,
                "cells": [{"column": c, **matrix[s][c]} for c in columns],
                "count": sum(matrix[s][c]["count"] for c in columns),
                "amount": sum((matrix[s][c]["amount"] for c in columns), ZERO),
                "weighted": sum((matrix[s][c]["weighted"] for c in columns), ZERO),
            }
            for s in OPEN_STAGES
        ],
        "coverage": coverage,
        "aging": aging,
    }


def _exact_sum(expression: Any) -> Coalesce:
    """A sum kept to the 8 places of the conversion (rounded to the cent by the caller)."""
    return Coalesce(Sum(expression, output_field=RATE), Value(Decimal(0)), output_field=RATE)


def DateFieldOut() -> Any:  # noqa: N802 - reads like the field class it returns
    from django.db.models import DateField

    return DateField()


def quota_coverage(
    *, user: Any, filters: ReportFilters, base: QuerySet[Opportunity] | None = None
) -> dict[str, Any]:
    """Coverage = open pipeline expected to close in the period ÷ the quota not yet won.

    Which quotas count: with an owner filter, that person's; with a region/office filter, that
    unit's own quota; otherwise the quotas of the units at the top of the viewer's scope (the
    company for everyone who sees everything), or the viewer's own personal quota.
    """
    period = current_month_period(filters)
    base = base if base is not None else opportunities_for(user, filters)
    quotas = Quota.objects.restrict(user, VIEW).filter(
        period_start__lte=period.end, period_end__gte=period.start
    )
    if filters.owner:
        quotas = quotas.filter(user_id=filters.owner)
    elif filters.office or filters.region:
        quotas = quotas.filter(user__isnull=True, org_unit_id=filters.office or filters.region)
    else:
        scope = user_scope(user)
        if scope.everything:
            quotas = quotas.filter(user__isnull=True, org_unit__parent__isnull=True)
        elif scope.view_paths:
            quotas = quotas.filter(user__isnull=True, org_unit__path__in=scope.view_paths)
        else:
            quotas = quotas.filter(user=user)
    quota = quotas.order_by().aggregate(total=msum(money()))["total"]
    # Only the rows some figure counts (won in the period, or open and expected in it): the
    # same sums, and the (stage, expected close) index can serve the open part.
    figures = base.filter(
        Q(stage=Stage.WON, closed_at__gte=period.start_dt, closed_at__lt=period.end_dt)
        | Q(
            stage__in=OPEN_STAGES,
            expected_close_date__gte=period.start,
            expected_close_date__lte=period.end,
        )
    ).aggregate(
        won=msum(
            money(), filter=Q(stage=Stage.WON, closed_at__gte=period.start_dt, closed_at__lt=period.end_dt)
        ),
        open=msum(
            money(),
            filter=Q(
                stage__in=OPEN_STAGES,
                expected_close_date__gte=period.start,
                expected_close_date__lte=period.end,
            ),
        ),
        open_weighted=msum(
            weighted(),
            filter=Q(
                stage__in=OPEN_STAGES,
                expected_close_date__gte=period.start,
                expected_close_date__lte=period.end,
            ),
        ),
    )
    remaining = max(q2(quota) - q2(figures["won"]), ZERO)
    return {
        "period": period.as_dict(),
        "quota": q2(quota),
        "won": q2(figures["won"]),
        "remaining": remaining,
        "open": q2(figures["open"]),
        "open_weighted": q2(figures["open_weighted"]),
        "coverage": ratio(figures["open"], remaining),
        "weighted_coverage": ratio(figures["open_weighted"], remaining),
        "attainment": ratio(figures["won"], quota),
    }


def stage_aging(
    *,
    user: Any,
    filters: ReportFilters,
    base: QuerySet[Opportunity] | None = None,
    stages: dict[str, StageInfo] | None = None,
    cfg: AnalyticsSettings | None = None,
    now: datetime.datetime | None = None,
    figures: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Per open stage: deals, the stuck ones (time in stage over the norm, at ``now``: the
    current time unless given), the oldest entry; and the stuck deals themselves, longest
    waiting first (two queries; one when the caller passes the per-stage ``figures``:
    ``n_<stage>``, ``stuck_<stage>``, ``amount_<stage>``, ``oldest_<stage>``)."""
    cfg = cfg or load_settings()
    stages = stages or stage_table()
    now = now or timezone.now()
    open_qs = (base if base is not None else opportunities_for(user, filters)).filter(stage__in=OPEN_STAGES)
    stuck = stuck_condition(stages, cfg, now)
    if figures is None:
        aggregates: dict[str, Any] = {}
        for s in OPEN_STAGES:
            aggregates[f"n_{s}"] = Count("pk", filter=Q(stage=s))
            aggregates[f"stuck_{s}"] = Count("pk", filter=Q(stage=s) & stuck)
            aggregates[f"amount_{s}"] = msum("m", filter=Q(stage=s) & stuck)
            aggregates[f"oldest_{s}"] = Min("stage_entered_at", filter=Q(stage=s))
        figures = open_qs.annotate(m=money()).aggregate(**aggregates)
    agg = figures
    listed = list(
        open_qs.filter(stuck)
        .select_related("owner", "customer", "org_unit")
        .order_by("stage_entered_at")[: cfg.stuck_list_limit]
    )
    return {
        "stages": [
            {
                "stage": s,
                "label": stages[s].label,
                "norm_days": stages[s].norm_days,
                "count": agg[f"n_{s}"],
                "stuck": agg[f"stuck_{s}"],
                "stuck_amount": q2(agg[f"amount_{s}"]),
                "oldest_days": (now - agg[f"oldest_{s}"]).days if agg[f"oldest_{s}"] else None,
            }
            for s in OPEN_STAGES
        ],
        "stuck_total": sum(agg[f"stuck_{s}"] for s in OPEN_STAGES),
        "stuck_deals": [
            {
                "id": str(o.pk),
                "number": o.number,
                "title": o.title,
                "customer": str(o.customer),
                "owner": str(o.owner),
                "stage": o.stage,
                "stage_label": stages[o.stage].label,
                "days_in_stage": (now - o.stage_entered_at).days,
                "norm_days": stages[o.stage].norm_days,
                "amount": o.amount,
                "currency": o.currency,
                "url": o.get_absolute_url(),
            }
            for o in listed
        ],
    }


def deal_scatter(
    *, user: Any, filters: ReportFilters, cfg: AnalyticsSettings | None = None
) -> dict[str, Any]:
    """The open deals as points: days in the current stage × amount (reporting currency), sized
    by probability, one series per stage; the ``scatter_limit`` largest deals (one query)."""
    cfg = cfg or load_settings()
    stages = stage_table()
    now = timezone.now()
    rows = list(
        opportunities_for(user, filters)
        .filter(stage__in=OPEN_STAGES)
        .annotate(m=money())
        .order_by("-m", "number")
        .values("number", "title", "stage", "m", "probability", "stage_entered_at")[: cfg.scatter_limit]
    )
    return {
        "stages": [{"stage": s, "name": stages[s].label} for s in OPEN_STAGES],
        "x_label": str(_("Days in stage")),
        "y_label": str(_("Amount")),
        "points": [
            {
                "number": r["number"],
                "title": r["title"],
                "stage": r["stage"],
                "value": [(now - r["stage_entered_at"]).days, q2(r["m"]), r["probability"]],
            }
            for r in rows
        ],
    }


# --- win/loss -----------------------------------------------------------------------------------


def win_loss(*, user: Any, filters: ReportFilters) -> dict[str, Any]:
    """Opportunities closed in the period: win rate by count and amount (won ÷ (won + lost)),
    the loss reasons and the competitors who won; bid win rate (中标率) and disqualification
    rate (废标率) from the bids app's ``bid_rates`` (the bids of these opportunities whose result
    was recorded in the period)."""
    from openltc.bids.selectors import bid_rates

    cfg = load_settings()
    period = trailing_period(filters, cfg)
    opportunities = opportunities_for(user, filters)
    closed = opportunities.filter(
        stage__in=(Stage.WON, Stage.LOST, Stage.ABANDONED),
        closed_at__gte=period.start_dt,
        closed_at__lt=period.end_dt,
    ).annotate(m=money())
    # One scan for the totals and the loss reasons: grouped by (stage, reason), ordered as the
    # reason list is (a few dozen groups); the totals add the groups up, amounts kept to 8
    # places and rounded to the cent at the end, as one sum per stage was.
    groups = list(
        closed.values("stage", "close_reason")
        .annotate(n=Count("pk"), amount=_exact_sum("m"))
        .order_by("-n", "stage", "close_reason")
    )
    agg: dict[str, Any] = {}
    for key in (Stage.WON, Stage.LOST, Stage.ABANDONED):
        agg[str(key)], agg[f"{key}_amount"] = 0, ZERO
    for g in groups:
        agg[g["stage"]] += g["n"]
        agg[f"{g['stage']}_amount"] += g["amount"] or ZERO
    bids = bid_rates(user=user, start=period.start, end=period.end, opportunities=opportunities)
    reasons = [g for g in groups if g["stage"] in (Stage.LOST, Stage.ABANDONED)][: cfg.top_list_limit]
    competitors = list(
        closed.filter(stage=Stage.LOST)
        .exclude(close_competitor="")
        .values("close_competitor")
        .annotate(n=Count("pk"), amount=msum("m"))
        .order_by("-n", "close_competitor")[: cfg.top_list_limit]
    )
    reason_labels = dict(LossReason.choices)
    decided = agg["won"] + agg["lost"]
    return {
        "period": period.as_dict(),
        "currency": reporting_currency(),
        "won": agg["won"],
        "won_amount": q2(agg["won_amount"]),
        "lost": agg["lost"],
        "lost_amount": q2(agg["lost_amount"]),
        "abandoned": agg["abandoned"],
        "abandoned_amount": q2(agg["abandoned_amount"]),
        "win_rate": ratio(agg["won"], decided),
        "win_rate_amount": ratio(agg["won_amount"], q2(agg["won_amount"]) + q2(agg["lost_amount"])),
        "bids_closed": bids.total,
        "bids_awarded": bids.awarded,
        "bids_lost": bids.lost,
        "bid_win_rate": ratio(bids.awarded, bids.total),
        "disqualified": bids.disqualified,
        "disqualification_rate": ratio(bids.disqualified, bids.total),
        "reasons": [
            {
                "stage": r["stage"],
                "reason": r["close_reason"],
                "label": str(reason_labels.get(r["close_reason"], r["close_reason"])),
                "count": r["n"],
                "amount": q2(r["amount"]),
            }
            for r in reasons
        ],
        "competitors": [
            {"competitor": c["close_competitor"], "count": c["n"], "amount": q2(c["amount"])}
            for c in competitors
        ],
    }


# --- cycle times --------------------------------------------------------------------------------


def percentiles(qs: QuerySet[Any], duration: Any, points: tuple[int, ...]) -> dict[str, Any]:
    """Nearest-rank percentiles of a duration, in the database on SQLite and PostgreSQL alike:
    ROW_NUMBER() and COUNT() windows over the durations in order, then the rows whose rank is
    ceil(p × n / 100), computed in integers as (n × p + 99) / 100. One query."""
    ranked = (
        qs.annotate(d=ExpressionWrapper(duration, output_field=DurationField()))
        .filter(d__isnull=False)
        .annotate(
            rn=Window(RowNumber(), order_by=[F("d").asc(), F("pk").asc()]),
            cnt=Window(Count("pk")),
        )
        .order_by()
    )
    wanted = Q(pk__in=[])
    for p in points:
        wanted |= Q(
            rn=ExpressionWrapper((F("cnt") * Value(p) + Value(99)) / Value(100), output_field=IntegerField())
        )
    rows = list(ranked.filter(wanted).values_list("rn", "cnt", "d"))
    out: dict[str, Any] = {"count": rows[0][1] if rows else 0}
    for p in points:
        out[f"p{p}"] = None
        for rn, cnt, d in rows:
            if rn == (cnt * p + 99) // 100:
                out[f"p{p}"] = _days(d)
    return out


def _days(value: Any) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, datetime.timedelta):
        value = datetime.timedelta(microseconds=int(value))
    return (Decimal(value.total_seconds()) / Decimal(86400)).quantize(Decimal("0.1"))


def cycle_times(*, user: Any, filters: ReportFilters) -> dict[str, Any]:
    """Median and high percentile (days) of: lead → converted (qualified), lead (or opportunity,
    when it had no lead) → ATI, → ATB, → ATC/won, for the moves made in the period; and per
    gate the lead time from submission to decision. A fixed number of queries (one per row)."""
    cfg = load_settings()
    period = trailing_period(filters, cfg)
    points = (50, cfg.high_percentile)
    rows: list[dict[str, Any]] = []
    in_period = {"converted_at__gte": period.start_dt, "converted_at__lt": period.end_dt}
    lead_qs = leads_for(user, filters).filter(**in_period)
    rows.append(
        {
            "key": "lead_converted",
            "label": str(_("Lead → qualified and converted")),
            **percentiles(lead_qs, F("converted_at") - F("created_at"), points),
        }
    )
    visible = opportunities_for(user, filters).values("pk")
    start = Coalesce("opportunity__origin_lead__created_at", "opportunity__created_at")
    for key, stage, label in (
        ("to_ati", Stage.INITIATED, _("Lead → ATI (initiated)")),
        ("to_atb", Stage.NEGOTIATING, _("Lead → ATB (bid approved, negotiating)")),
        ("to_atc", Stage.WON, _("Lead → ATC (won, signing)")),
    ):
        moves = OpportunityStageChange.objects.filter(
            opportunity__in=visible,
            to_stage=stage,
            changed_at__gte=period.start_dt,
            changed_at__lt=period.end_dt,
        ).order_by()
        rows.append({"key": key, "label": str(label), **percentiles(moves, F("changed_at") - start, points)})
    rows.extend(delivery_cycles(user=user, filters=filters, period=period, points=points))
    gates: list[dict[str, Any]] = []
    cases = cases_for(user, filters).filter(
        status=CaseStatus.DECIDED,
        submitted_at__isnull=False,
        decided_at__gte=period.start_dt,
        decided_at__lt=period.end_dt,
    )
    for gate in GATE_ORDER:
        gates.append(
            {
                "gate": gate,
                **percentiles(cases.filter(gate=gate), F("decided_at") - F("submitted_at"), points),
            }
        )
    return {"period": period.as_dict(), "points": list(points), "cycles": rows, "gates": gates}


def delivery_cycles(
    *, user: Any, filters: ReportFilters, period: Period, points: tuple[int, ...]
) -> list[dict[str, Any]]:
    """Days from the lead's creation date (the opportunity's when it had no lead) to the first
    customer acceptance in delivery, the first invoice and the first receipt allocated (cash),
    for the opportunities whose first such event falls in the period; the dates come from the
    delivery and cash apps' selectors. One query per row."""
    from openltc.cash.selectors import first_collection_date, first_invoice_date
    from openltc.delivery.selectors import first_acceptance_date

    begin = TruncDate(Coalesce("origin_lead__created_at", "created_at"))
    rows = []
    for key, label, first in (
        ("to_acceptance", _("Lead → first acceptance (delivery)"), first_acceptance_date(user=user)),
        ("to_invoice", _("Lead → first invoice"), first_invoice_date(user=user)),
        ("to_cash", _("Lead → cash (first receipt allocated)"), first_collection_date(user=user)),
    ):
        qs = (
            opportunities_for(user, filters)
            .annotate(first=first, begin=begin)
            .filter(first__gte=period.start, first__lte=period.end)
        )
        rows.append({"key": key, "label": str(label), **percentiles(qs, F("first") - F("begin"), points)})
    return rows


# --- LTC process view ---------------------------------------------------------------------------


def _age() -> ExpressionWrapper:
    return ExpressionWrapper(Now() - F("since"), output_field=DurationField())


def process_view(*, user: Any, filters: ReportFilters) -> dict[str, Any]:
    """The whole flow from lead to cash as boxes: per lead status, opportunity stage, gate and
    contract status the records and money sitting there, the decisions waiting and the oldest
    record's days there. Four grouped queries."""
    stages = stage_table()
    now = timezone.now()
    leads = {
        r["status"]: r
        for r in leads_for(user, filters)
        .filter(status__in=LEAD_OPEN_STATUSES)
        .annotate(m=money("estimated_value"))
        .values("status")
        .annotate(n=Count("pk"), amount=msum("m"), oldest=Min("created_at"))
    }
    opps = {
        r["stage"]: r
        for r in opportunities_for(user, filters)
        .filter(stage__in=OPEN_STAGES)
        .annotate(m=money(), w=weighted())
        .values("stage")
        .annotate(n=Count("pk"), amount=msum("m"), weighted=msum("w"), oldest=Min("stage_entered_at"))
    }
    gates = {
        r["gate"]: r
        for r in cases_for(user, filters)
        .filter(status__in=OPEN_CASE_STATUSES)
        .annotate(m=money("amount", "currency"))
        .values("gate")
        .annotate(n=Count("pk"), amount=msum("m"), oldest=Min("submitted_at"))
    }
    contracts = {
        r["status"]: r
        for r in contracts_for(user, filters)
        .exclude(status__in=(ContractStatus.CLOSED, ContractStatus.WITHDRAWN))
        .annotate(m=money("total_gross"))
        .values("status")
        .annotate(n=Count("pk"), amount=msum("m"), oldest=Min("status_changed_at"))
    }

    def box(kind: str, key: str, label: Any, row: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
        oldest = row["oldest"] if row else None
        return {
            "kind": kind,
            "key": key,
            "label": str(label),
            "count": row["n"] if row else 0,
            "amount": q2(row["amount"]) if row else ZERO,
            "oldest_days": (now - oldest).days if oldest else None,
            **extra,
        }

    lead_labels: dict[str, Any] = dict(LeadStatus.choices)
    contract_labels: dict[str, Any] = dict(ContractStatus.choices)
    gate_after: dict[str, str] = {Stage.VALIDATING: "ATI", Stage.BIDDING: "ATB", Stage.NEGOTIATING: "ATC"}
    mo_boxes: list[dict[str, Any]] = []
    for s in OPEN_STAGES:
        row = opps.get(s)
        mo_boxes.append(
            box(
                "opportunity",
                s,
                stages[s].label,
                row,
                weighted=q2(row["weighted"]) if row else ZERO,
                norm_days=stages[s].norm_days,
            )
        )
        if s in gate_after:
            g = gate_after[s]
            mo_boxes.append(box("case", g, g, gates.get(g), waiting=gates[g]["n"] if g in gates else 0))
    mce_boxes = [box("contract", s, contract_labels[s], contracts.get(s)) for s in PRE_SIGNATURE_STATUSES]
    mce_boxes.append(
        box("case", "ATAC", "ATAC", gates.get("ATAC"), waiting=gates["ATAC"]["n"] if "ATAC" in gates else 0)
    )
    for s in (ContractStatus.SIGNED, ContractStatus.ARCHIVED, ContractStatus.EXECUTING):
        mce_boxes.append(box("contract", s, contract_labels[s], contracts.get(s)))
    mce_boxes.append(
        box("case", "ATCC", "ATCC", gates.get("ATCC"), waiting=gates["ATCC"]["n"] if "ATCC" in gates else 0)
    )
    return {
        "currency": reporting_currency(),
        "phases": [
            {
                "key": "ML",
                "label": str(_("Manage leads (ML)")),
                "boxes": [box("lead", s, lead_labels[s], leads.get(s)) for s in LEAD_OPEN_STATUSES],
            },
            {"key": "MO", "label": str(_("Manage opportunities (MO)")), "boxes": mo_boxes},
            {"key": "MCE", "label": str(_("Manage contract execution (MCE)")), "boxes": mce_boxes},
        ],
        "waiting_decisions": sum(r["n"] for r in gates.values()),
    }


# --- drill-down ---------------------------------------------------------------------------------

RECORD_KINDS = ("opportunity", "lead", "contract", "case")


def records(*, user: Any, filters: ReportFilters, kind: str, segment: str) -> QuerySet[Any]:
    """The records behind a figure: ``kind`` and ``segment`` as the reports link them."""
    cfg = load_settings()
    head, _sep, arg = segment.partition(":")
    if kind == "lead":
        qs = leads_for(user, filters)
        if head in ("created", "converted"):
            period = trailing_period(filters, cfg)
            qs = qs.filter(created_at__gte=period.start_dt, created_at__lt=period.end_dt)
            if head == "converted":
                qs = qs.filter(status=LeadStatus.CONVERTED)
        elif head == "status" and arg in LeadStatus.values:
            qs = qs.filter(status=arg)
        else:
            return qs.none()
        return qs.select_related("owner", "org_unit").order_by("-created_at")
    if kind == "contract":
        qs_c = contracts_for(user, filters)
        if head == "signed":
            period = trailing_period(filters, cfg)
            cohort = opportunities_for(user, filters).filter(
                created_at__gte=period.start_dt, created_at__lt=period.end_dt
            )
            qs_c = qs_c.filter(opportunity__in=cohort.values("pk"), signed_on__isnull=False).exclude(
                status=ContractStatus.WITHDRAWN
            )
        elif head in ("invoiced", "collected"):
            from openltc.cash.selectors import invoiced_contracts

            period = trailing_period(filters, cfg)
            cohort = opportunities_for(user, filters).filter(
                created_at__gte=period.start_dt, created_at__lt=period.end_dt
            )
            contracts = Contract.objects.filter(opportunity__in=cohort.values("pk"))
            qs_c = qs_c.filter(
                pk__in=invoiced_contracts(user=user, contracts=contracts, collected=head == "collected")
            )
        elif head == "status" and arg in ContractStatus.values:
            qs_c = qs_c.filter(status=arg)
        else:
            return qs_c.none()
        return qs_c.select_related("owner", "customer", "org_unit").order_by("-created_at")
    if kind == "case":
        qs_d = cases_for(user, filters)
        if head == "waiting" and arg in GATE_ORDER:
            qs_d = qs_d.filter(status__in=OPEN_CASE_STATUSES, gate=arg)
        else:
            return qs_d.none()
        return qs_d.select_related("org_unit").order_by("submitted_at")
    return opportunity_records(user=user, filters=filters, head=head, arg=arg, cfg=cfg)


def opportunity_records(
    *, user: Any, filters: ReportFilters, head: str, arg: str, cfg: AnalyticsSettings
) -> QuerySet[Any]:
    stages = stage_table()
    qs = opportunities_for(user, filters)
    if head in ("reached", "lost_at"):
        if arg not in FUNNEL_STAGES:
            return qs.none()
        period = trailing_period(filters, cfg)
        qs = qs.filter(created_at__gte=period.start_dt, created_at__lt=period.end_dt)
        if head == "reached":
            qs = qs.annotate(reached=reached_expression(stages)).filter(reached__gte=stages[arg].position)
        else:
            qs = (
                qs.filter(stage__in=(Stage.LOST, Stage.ABANDONED))
                .annotate(left=_left_position(stages))
                .filter(left=stages[arg].position)
            )
    elif head == "open":
        qs = qs.filter(stage__in=OPEN_STAGES)
        if arg in OPEN_STAGES:
            qs = qs.filter(stage=arg)
        elif arg:
            return qs.none()
    elif head == "pipeline":
        stage, _s, col = arg.partition("@")
        if stage not in OPEN_STAGES:
            return qs.none()
        qs = qs.filter(stage=stage)
        first = month_start(filters.month or timezone.localdate())
        horizon = add_months(first, cfg.pipeline_months)
        if col == "none":
            qs = qs.filter(expected_close_date__isnull=True)
        elif col == "earlier":
            qs = qs.filter(expected_close_date__lt=first)
        elif col == "later":
            qs = qs.filter(expected_close_date__gte=horizon)
        elif col:
            month = _month(col)
            if month is None:
                return qs.none()
            qs = qs.filter(expected_close_date__gte=month, expected_close_date__lt=add_months(month, 1))
    elif head == "stuck":
        qs = qs.filter(stage__in=OPEN_STAGES).filter(stuck_condition(stages, cfg, timezone.now()))
        if arg in OPEN_STAGES:
            qs = qs.filter(stage=arg)
    elif head in ("won", "lost", "abandoned"):
        period = trailing_period(filters, cfg)
        qs = qs.filter(stage=head, closed_at__gte=period.start_dt, closed_at__lt=period.end_dt)
        if arg:
            qs = qs.filter(close_reason=arg) if head != "won" else qs
    elif head == "member":
        raw_user, _s, role = arg.partition(":")
        member_id = _int(raw_user)
        if member_id is None or role not in IRON_TRIANGLE:
            return qs.none()
        members = OpportunityTeamMember.objects.filter(user_id=member_id, role=role)
        qs = qs.filter(pk__in=members.values("opportunity"))
    elif head == "unit":
        unit_id = _int(arg)
        if unit_id is None:
            return qs.none()
        qs = qs.filter(org_unit_id=unit_id)
    elif head == "deal":
        qs = qs.filter(number=arg)
    elif head == "forecast":
        period = current_month_period(filters)
        in_period = Q(
            stage__in=OPEN_STAGES, expected_close_date__gte=period.start, expected_close_date__lte=period.end
        )
        closed = Q(stage=Stage.WON, closed_at__gte=period.start_dt, closed_at__lt=period.end_dt)
        if arg == ForecastCategory.CLOSED:
            qs = qs.filter(closed)
        elif arg in ForecastCategory.values:
            qs = qs.filter(in_period, forecast_category=arg)
        else:
            qs = qs.filter(in_period | closed)
    else:
        return qs.none()
    return qs.select_related("owner", "customer", "org_unit").order_by("-amount", "number")
