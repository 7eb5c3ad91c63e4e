"""Analytics endpoints: every report with the same filters as its page, the same selectors and
the same visibility; and the manager's forecast adjustment."""

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from openltc.analytics import dashboard as dashboard_module
from openltc.analytics import forecasting, kpis, selectors, services
from openltc.analytics.selectors import ReportFilters
from openltc.api.errors import ERROR_RESPONSES

PREFIX = "/analytics"
router = Router(tags=["Analytics"])


class FiltersIn(Schema):
    date_from: str | None = None
    date_to: str | None = None
    month: str | None = None
    region: int | None = None
    office: int | None = None
    product_line: int | None = None
    grade: str | None = None
    source: str | None = None
    owner: int | None = None


def _filters(filters: FiltersIn) -> ReportFilters:
    return ReportFilters.from_mapping({k: v for k, v in filters.dict().items() if v is not None})


class PeriodOut(Schema):
    date_from: datetime.date
    date_to: datetime.date


class FunnelStepOut(Schema):
    key: str
    label: str
    kind: str
    segment: str
    count: int
    amount: Decimal
    conversion: Decimal | None = None
    amount_conversion: Decimal | None = None
    leak_count: int | None = None
    leak_amount: Decimal | None = None
    open_count: int | None = None
    lost_count: int | None = None


class FunnelOut(Schema):
    period: PeriodOut
    currency: str
    steps: list[FunnelStepOut]
    lead_disqualified: int
    cash_included: bool


class CellOut(Schema):
    column: str
    count: int
    amount: Decimal
    weighted: Decimal


class PipelineStageOut(Schema):
    stage: str
    label: str
    count: int
    amount: Decimal
    weighted: Decimal
    cells: list[CellOut]


class CoverageOut(Schema):
    period: PeriodOut
    quota: Decimal
    won: Decimal
    remaining: Decimal
    open: Decimal
    open_weighted: Decimal
    coverage: Decimal | None
    weighted_coverage: Decimal | None
    attainment: Decimal | None


class AgingStageOut(Schema):
    stage: str
    label: str
    norm_days: int | None
    count: int
    stuck: int
    stuck_amount: Decimal
    oldest_days: int | None


class StuckDealOut(Schema):
    id: str
    number: str
    title: str
    customer: str
    owner: str
    stage: str
    days_in_stage: int
    norm_days: int | None
    amount: Decimal
    currency: str


class AgingOut(Schema):
    stages: list[AgingStageOut]
    stuck_total: int
    stuck_deals: list[StuckDealOut]


class PipelineOut(Schema):
    currency: str
    columns: list[str]
    stages: list[PipelineStageOut]
    coverage: CoverageOut
    aging: AgingOut


class ForecastFiguresOut(Schema):
    closed: Decimal
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal
    weighted: Decimal
    commit_total: Decimal
    best_case_total: Decimal


class ForecastTotalOut(ForecastFiguresOut):
    deals: int


class ForecastPersonOut(ForecastFiguresOut):
    owner_id: int
    owner: str
    deals: int


class ForecastUnitOut(ForecastFiguresOut):
    id: int
    name: str
    kind: str
    depth: int
    commit_adjusted: Decimal | None
    commit_reason: str
    commit_by: str
    best_case_adjusted: Decimal | None
    best_case_reason: str
    best_case_by: str


class ForecastOut(Schema):
    period: PeriodOut
    month: str
    currency: str
    total: ForecastTotalOut
    people: list[ForecastPersonOut]
    units: list[ForecastUnitOut]


class AccuracyPeriodOut(Schema):
    month: str
    commit: Decimal
    best_case: Decimal
    actual: Decimal
    commit_accuracy: Decimal | None
    commit_bias: Decimal | None
    best_case_accuracy: Decimal | None
    best_case_bias: Decimal | None


class AccuracyEntryOut(Schema):
    id: int
    name: str
    commit: Decimal
    best_case: Decimal
    actual: Decimal
    commit_accuracy: Decimal | None
    commit_bias: Decimal | None
    best_case_accuracy: Decimal | None
    best_case_bias: Decimal | None
    periods: list[AccuracyPeriodOut]


class AccuracyOut(Schema):
    months: list[str]
    currency: str
    people: list[AccuracyEntryOut]
    teams: list[AccuracyEntryOut]


class ReasonOut(Schema):
    stage: str
    reason: str
    label: str
    count: int
    amount: Decimal


class CompetitorOut(Schema):
    competitor: str
    count: int
    amount: Decimal


class WinLossOut(Schema):
    period: PeriodOut
    currency: str
    won: int
    won_amount: Decimal
    lost: int
    lost_amount: Decimal
    abandoned: int
    abandoned_amount: Decimal
    win_rate: Decimal | None
    win_rate_amount: Decimal | None
    bids_closed: int
    bids_awarded: int
    bids_lost: int
    bid_win_rate: Decimal | None
    disqualified: int
    disqualification_rate: Decimal | None
    reasons: list[ReasonOut]
    competitors: list[CompetitorOut]


class CycleOut(Schema):
    key: str
    label: str
    count: int
    p50: Decimal | None
    high: Decimal | None


class GateCycleOut(Schema):
    gate: str
    count: int
    p50: Decimal | None
    high: Decimal | None


class CycleTimesOut(Schema):
    period: PeriodOut
    high_percentile: int
    cycles: list[CycleOut]
    gates: list[GateCycleOut]


class BoxOut(Schema):
    kind: str
    key: str
    label: str
    count: int
    amount: Decimal
    oldest_days: int | None
    waiting: int | None = None
    weighted: Decimal | None = None
    norm_days: int | None = None


class PhaseOut(Schema):
    key: str
    label: str
    boxes: list[BoxOut]


class ProcessOut(Schema):
    currency: str
    phases: list[PhaseOut]
    waiting_decisions: int


class KpisOut(Schema):
    open_count: int
    open_amount: Decimal
    open_weighted: Decimal
    won: int
    won_amount: Decimal
    win_rate: Decimal | None
    win_rate_amount: Decimal | None
    coverage: Decimal | None
    weighted_coverage: Decimal | None
    quota: Decimal
    stuck: int
    waiting_decisions: int


class DashboardOut(Schema):
    currency: str
    kpis: KpisOut
    funnel: FunnelOut
    cash: dict[str, Any] | None


class KpiRowOut(Schema):
    key: str
    label: str
    role: str
    role_label: str
    segment: str
    user_id: int | None = None
    org_unit_id: int | None = None
    opportunities: int
    open_count: int
    open_amount: Decimal
    open_weighted: Decimal
    won: int
    lost: int
    won_amount: Decimal
    lost_amount: Decimal
    win_rate: Decimal | None
    win_rate_amount: Decimal | None
    signed_count: int
    signed_amount: Decimal
    margin_contracts: int
    margin_estimate: Decimal | None
    margin_final: Decimal | None
    margin_gap: Decimal | None
    milestones_due: int
    milestones_on_time: int
    on_time_rate: Decimal | None
    billing_due: int
    billing_on_time: int
    invoice_timeliness: Decimal | None
    invoiced: Decimal
    collected: Decimal
    collection_rate: Decimal | None
    receivable: Decimal
    dso: Decimal | None
    satisfaction: Decimal | None
    satisfaction_customers: int


class KpiRadarSeriesOut(Schema):
    name: str
    value: list[float]
    segment: str


class KpiRadarIndicatorOut(Schema):
    name: str
    max: int


class KpiRadarOut(Schema):
    indicators: list[KpiRadarIndicatorOut]
    series: list[KpiRadarSeriesOut]


class TeamKpisOut(Schema):
    period: PeriodOut
    currency: str
    by: str
    rows: list[KpiRowOut]
    radar: KpiRadarOut


class KpiFiltersIn(FiltersIn):
    by: str | None = None


class AdjustmentIn(Schema):
    org_unit_id: int
    month: str
    category: str
    amount: Decimal
    reason: str


class AdjustmentOut(Schema):
    id: str
    org_unit_id: int
    month: str
    category: str
    amount: Decimal
    system_amount: Decimal
    reason: str
    adjusted_by: str


def _cycles(data: dict[str, Any]) -> dict[str, Any]:
    high = f"p{data['points'][1]}"
    return {
        "period": data["period"],
        "high_percentile": data["points"][1],
        "cycles": [{**r, "high": r.get(high)} for r in data["cycles"]],
        "gates": [{**g, "high": g.get(high)} for g in data["gates"]],
    }


@router.get(
    "/dashboard", response={200: DashboardOut, **ERROR_RESPONSES}, summary="Executive dashboard figures"
)
def dashboard(request: HttpRequest, filters: Query[FiltersIn]) -> Any:
    return dashboard_module.dashboard(user=request.user, filters=_filters(filters))


@router.get(
    "/funnel",
    response={200: FunnelOut, **ERROR_RESPONSES},
    summary="Funnel: counts, amounts, conversion, leakage",
)
def funnel(request: HttpRequest, filters: Query[FiltersIn]) -> Any:
    return selectors.funnel(user=request.user, filters=_filters(filters))


@router.get(
    "/pipeline",
    response={200: PipelineOut, **ERROR_RESPONSES},
    summary="Pipeline by stage × close month, coverage, aging",
)
def pipeline(request: HttpRequest, filters: Query[FiltersIn]) -> Any:
    return selectors.pipeline(user=request.user, filters=_filters(filters))


@router.get(
    "/forecast",
    response={200: ForecastOut, **ERROR_RESPONSES},
    summary="Forecast of a month by person and org unit",
)
def forecast(request: HttpRequest, filters: Query[FiltersIn]) -> Any:
    return forecasting.forecast(user=request.user, filters=_filters(filters))


@router.get(
    "/forecast/accuracy", response={200: AccuracyOut, **ERROR_RESPONSES}, summary="Forecast accuracy and bias"
)
def forecast_accuracy(request: HttpRequest, filters: Query[FiltersIn]) -> Any:
    return forecasting.accuracy(user=request.user, filters=_filters(filters))


@router.post(
    "/forecast/adjustments",
    response={201: AdjustmentOut, **ERROR_RESPONSES},
    summary="Adjust a managed unit's forecast (with the reason)",
)
def forecast_adjust(request: HttpRequest, payload: AdjustmentIn) -> Any:
    adj = services.forecast_adjust(
        actor=request.user,
        org_unit_id=payload.org_unit_id,
        month=selectors._month(payload.month),
        category=payload.category,
        amount=payload.amount,
        reason=payload.reason,
    )
    return Status(
        201,
        {
            "id": str(adj.pk),
            "org_unit_id": adj.org_unit_id,
            "month": adj.period.strftime("%Y-%m"),
            "category": adj.category,
            "amount": adj.amount,
            "system_amount": adj.system_amount,
            "reason": adj.reason,
            "adjusted_by": adj.adjusted_by.get_username(),
        },
    )


@router.get(
    "/win-loss",
    response={200: WinLossOut, **ERROR_RESPONSES},
    summary="Win/loss: rates, reasons, competitors",
)
def win_loss(request: HttpRequest, filters: Query[FiltersIn]) -> Any:
    return selectors.win_loss(user=request.user, filters=_filters(filters))


@router.get(
    "/cycle-times",
    response={200: CycleTimesOut, **ERROR_RESPONSES},
    summary="Cycle and gate lead times (median, p90)",
)
def cycle_times(request: HttpRequest, filters: Query[FiltersIn]) -> Any:
    return _cycles(selectors.cycle_times(user=request.user, filters=_filters(filters)))


@router.get(
    "/team-kpis",
    response={200: TeamKpisOut, **ERROR_RESPONSES},
    summary="Iron-triangle (AR/SR/FR) and team KPIs",
    description=(
        "Per person in each iron-triangle role (`by=person`, the default) or per team (`by=team`, "
        "the opportunity's org unit): open pipeline, win rate, signed value, margin estimate vs "
        "final, on-time milestones, invoice timeliness, collection rate and DSO, customer "
        "satisfaction. Rates are fractions (0.5000 = 50 %)."
    ),
)
def team_kpis(request: HttpRequest, filters: Query[KpiFiltersIn]) -> Any:
    data = filters.dict()
    by = data.pop("by", None) or kpis.BY_PERSON
    report_filters = ReportFilters.from_mapping({k: v for k, v in data.items() if v is not None})
    return kpis.team_kpis(user=request.user, filters=report_filters, by=by)


@router.get(
    "/process",
    response={200: ProcessOut, **ERROR_RESPONSES},
    summary="The LTC process view: records, money, waiting decisions",
)
def process(request: HttpRequest, filters: Query[FiltersIn]) -> Any:
    return selectors.process_view(user=request.user, filters=_filters(filters))
