"""Iron-triangle (AR / SR / FR) and team KPIs: per person in each role of the opportunity team,
or per team (the org unit an opportunity sits in), the figures the iron triangle answers for —
pipeline, win rate, signed value, margin estimate vs final, on-time milestones, invoice
timeliness, collection and DSO, customer satisfaction.

Every figure is aggregated in the database over what the viewer may see: one GROUP BY query per
family (opportunities, contracts, delivery milestones, billing milestones, invoices), the
delivery, cash and customers figures read through those apps' selectors. Python only merges the
already-aggregated rows (one per person and role, or per team).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from openltc.analytics.selectors import (
    RATE,
    ReportFilters,
    load_settings,
    money,
    msum,
    opportunities_for,
    q2,
    ratio,
    reporting_currency,
    trailing_period,
    weighted,
)
from openltc.contracts.choices import ContractStatus
from openltc.contracts.models import Contract
from openltc.core.visibility import VIEW
from openltc.opportunities.choices import IRON_TRIANGLE, OPEN_STAGES, Stage, TeamRole
from openltc.opportunities.models import OpportunityTeamMember

BY_PERSON = "person"
BY_TEAM = "team"
GROUPINGS = (BY_PERSON, BY_TEAM)

# How each grouping reaches its key from a contract (the delivery and cash selectors group by it).
CONTRACT_VIA: dict[str, dict[str, str]] = {
    BY_PERSON: {"g_user": "opportunity__team_members__user", "g_role": "opportunity__team_members__role"},
    BY_TEAM: {"g_unit": "opportunity__org_unit"},
}

# The radar's axes: (row key, label, the figure's full scale: rates are fractions, scores of 10).
RADAR_AXES: tuple[tuple[str, Any, int], ...] = (
    ("win_rate", _("Win rate"), 1),
    ("on_time_rate", _("On-time milestones"), 1),
    ("invoice_timeliness", _("Invoice timeliness"), 1),
    ("collection_rate", _("Collection rate"), 1),
    ("satisfaction", _("Customer satisfaction"), 10),
)


def _key(row: Mapping[str, Any], by: str) -> Any:
    return (str(row["g_user"]), row["g_role"]) if by == BY_PERSON else str(row["g_unit"])


def _grouped(
    qs: QuerySet[Any], group: Mapping[str, str], aggregates: Mapping[str, Any]
) -> list[dict[str, Any]]:
    return list(qs.order_by().values(**{k: F(v) for k, v in group.items()}).annotate(**aggregates))


def _opportunity_rows(
    *, user: Any, filters: ReportFilters, by: str, start: Any, end: Any, period: Any
) -> list[dict[str, Any]]:
    """Pipeline, win rate and satisfaction per group: one query over the team memberships in an
    iron-triangle role (by person) or the opportunities (by team)."""
    from openltc.customers.selectors import satisfaction_average

    opps = opportunities_for(user, filters)
    if by == BY_PERSON:
        base: QuerySet[Any] = OpportunityTeamMember.objects.filter(
            opportunity__in=opps.values("pk"), role__in=IRON_TRIANGLE
        )
        p = "opportunity__"
        group = {
            "g_user": "user",
            "g_role": "role",
            "g_name": "user__display_name",
            "g_login": "user__username",
        }
    else:
        base = opps
        p = ""
        group = {"g_unit": "org_unit", "g_name": "org_unit__name"}
    closed = {f"{p}closed_at__gte": period.start_dt, f"{p}closed_at__lt": period.end_dt}
    is_open = Q(**{f"{p}stage__in": OPEN_STAGES})
    won = Q(**{f"{p}stage": Stage.WON, **closed})
    lost = Q(**{f"{p}stage": Stage.LOST, **closed})
    qs = base.annotate(
        m=money(f"{p}amount", f"{p}currency"),
        w=weighted(f"{p}amount", f"{p}currency", f"{p}probability"),
        sat=satisfaction_average(user=user, customer=f"{p}customer", start=start, end=end),
    )
    return _grouped(
        qs,
        group,
        {
            "opportunities": Count(f"{p}id" if p else "pk"),
            "open_count": Count(f"{p}id" if p else "pk", filter=is_open),
            "open_amount": msum("m", filter=is_open),
            "open_weighted": msum("w", filter=is_open),
            "won": Count(f"{p}id" if p else "pk", filter=won),
            "won_amount": msum("m", filter=won),
            "lost": Count(f"{p}id" if p else "pk", filter=lost),
            "lost_amount": msum("m", filter=lost),
            "sat_avg": Avg("sat"),
            "sat_customers": Count(f"{p}customer", distinct=True, filter=Q(sat__isnull=False)),
        },
    )


def _contract_rows(
    *, user: Any, filters: ReportFilters, by: str, start: Any, end: Any
) -> list[dict[str, Any]]:
    """Signed value (contracts signed in the period, not withdrawn) and the margin estimate vs
    final over the contracts whose final accounts (决算) were last recorded in the period:
    estimate = the contract's estimated margin (else the opportunity's), final = (net − final
    costs) ÷ net, both weighted by the net value. One query."""
    from openltc.delivery.selectors import final_accounts

    final_cost, final_on = final_accounts(user=user)
    qs = (
        Contract.objects.restrict(user, VIEW)
        .filter(opportunity__in=opportunities_for(user, filters).values("pk"))
        .annotate(
            final_cost=final_cost,
            final_on=final_on,
            est=Coalesce("margin_percent", "opportunity__margin_pct"),
            gross=money("total_gross"),
            net=money("total_net"),
        )
        .annotate(
            cost=money("final_cost"),
            est_amount=ExpressionWrapper(F("net") * F("est") / Value(100), output_field=RATE),
        )
        .annotate(final_amount=ExpressionWrapper(F("net") - F("cost"), output_field=RATE))
    )
    signed = Q(signed_on__gte=start, signed_on__lte=end) & ~Q(status=ContractStatus.WITHDRAWN)
    final = Q(final_on__gte=start, final_on__lte=end)
    estimated = final & Q(est__isnull=False)
    return _grouped(
        qs,
        CONTRACT_VIA[by],
        {
            "signed_count": Count("pk", filter=signed),
            "signed_amount": msum("gross", filter=signed),
            "margin_contracts": Count("pk", filter=final),
            "margin_base": msum("net", filter=final),
            "margin_final_amount": msum("final_amount", filter=final),
            "margin_est_base": msum("net", filter=estimated),
            "margin_est_amount": msum("est_amount", filter=estimated),
        },
    )


def team_kpis(*, user: Any, filters: ReportFilters, by: str = BY_PERSON) -> dict[str, Any]:
    """The iron-triangle KPIs per person and role (``by="person"``) or per team (``"team"``) for
    the report period (default the last ``funnel_period_days`` days): five GROUP BY queries and
    the cash policy, whatever the data size."""
    from openltc.cash.selectors import billing_timeliness, invoiced_and_collected
    from openltc.delivery.selectors import milestone_punctuality

    by = by if by in GROUPINGS else BY_PERSON
    cfg = load_settings()
    period = trailing_period(filters, cfg)
    start, end = period.start, period.end
    contracts = Contract.objects.filter(opportunity__in=opportunities_for(user, filters).values("pk"))
    via = CONTRACT_VIA[by]

    def keyed(rows: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
        return {_key(r, by): r for r in rows if (by == BY_TEAM or r["g_role"] in IRON_TRIANGLE)}

    base = _opportunity_rows(user=user, filters=filters, by=by, start=start, end=end, period=period)
    contract = keyed(_contract_rows(user=user, filters=filters, by=by, start=start, end=end))
    milestones = keyed(milestone_punctuality(user=user, contracts=contracts, start=start, end=end, via=via))
    billing = keyed(billing_timeliness(user=user, contracts=contracts, start=start, end=end, via=via))
    cash = keyed(invoiced_and_collected(user=user, contracts=contracts, start=start, end=end, via=via))

    role_labels = dict(TeamRole.choices)
    order = {role: i for i, role in enumerate(IRON_TRIANGLE)}
    rows: list[dict[str, Any]] = []
    for r in base:
        key = _key(r, by)
        c = contract.get(key, {})
        m = milestones.get(key, {})
        b = billing.get(key, {})
        k = cash.get(key, {})
        won_amount, lost_amount = q2(r["won_amount"]), q2(r["lost_amount"])
        est = ratio(c.get("margin_est_amount"), q2(c.get("margin_est_base")))
        final = ratio(c.get("margin_final_amount"), q2(c.get("margin_base")))
        row: dict[str, Any] = {
            "label": (r["g_name"] or r["g_login"]) if by == BY_PERSON else r["g_name"],
            "opportunities": r["opportunities"],
            "open_count": r["open_count"],
            "open_amount": q2(r["open_amount"]),
            "open_weighted": q2(r["open_weighted"]),
            "won": r["won"],
            "lost": r["lost"],
            "won_amount": won_amount,
            "lost_amount": lost_amount,
            "win_rate": ratio(r["won"], r["won"] + r["lost"]),
            "win_rate_amount": ratio(won_amount, won_amount + lost_amount),
            "signed_count": c.get("signed_count", 0),
            "signed_amount": q2(c.get("signed_amount")),
            "margin_contracts": c.get("margin_contracts", 0),
            "margin_estimate": est,
            "margin_final": final,
            "margin_gap": final - est if est is not None and final is not None else None,
            "milestones_due": m.get("due", 0),
            "milestones_on_time": m.get("on_time", 0),
            "on_time_rate": ratio(m.get("on_time", 0), m.get("due", 0)),
            "billing_due": b.get("due", 0),
            "billing_on_time": b.get("on_time", 0),
            "invoice_timeliness": ratio(b.get("on_time", 0), b.get("due", 0)),
            "invoiced": k.get("invoiced", q2(0)),
            "collected": k.get("collected", q2(0)),
            "collection_rate": ratio(k.get("collected"), k.get("invoiced")),
            "receivable": k.get("receivable", q2(0)),
            "dso": k.get("dso"),
            "satisfaction": (
                Decimal(str(r["sat_avg"])).quantize(Decimal("0.1")) if r["sat_avg"] is not None else None
            ),
            "satisfaction_customers": r["sat_customers"],
        }
        if by == BY_PERSON:
            user_id, role = key
            row.update(
                key=f"{user_id}:{role}",
                user_id=int(user_id),
                role=role,
                role_label=str(role_labels.get(role, role)),
                segment=f"member:{user_id}:{role}",
            )
        else:
            row.update(key=key, org_unit_id=int(key), role="", role_label="", segment=f"unit:{key}")
        rows.append(row)
    if by == BY_PERSON:
        rows.sort(key=lambda x: (order.get(x["role"], 9), -x["open_amount"], x["label"]))
    else:
        rows.sort(key=lambda x: (-x["open_amount"], x["label"]))
    return {
        "period": period.as_dict(),
        "currency": reporting_currency(),
        "by": by,
        "rows": rows,
        "radar": radar(rows, cfg.radar_limit),
    }


def radar(rows: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """The radar chart's data: the KPI rates of the ``limit`` rows with the largest open
    pipeline, each scaled to 0–100 (a missing figure draws as 0), with its drill-down segment."""
    chosen = sorted(rows, key=lambda x: (-x["open_amount"], x["label"]))[:limit]
    series = []
    for row in chosen:
        name = f"{row['label']} ({row['role'].upper()})" if row["role"] else row["label"]
        values = []
        for key, _label, scale in RADAR_AXES:
            value = row[key]
            values.append(
                float((Decimal(value) * 100 / scale).quantize(Decimal("0.1"))) if value is not None else 0.0
            )
        series.append({"name": name, "value": values, "segment": row["segment"]})
    return {
        "indicators": [{"name": str(label), "max": 100} for _key, label, _scale in RADAR_AXES],
        "series": series,
    }
