"""Iron-triangle and team KPIs, the new cycle times and the bid rates on a small known data set
(``factories.kpi_build``): exact figures, the viewer's scope, and a query count that does not
grow with the data."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openltc.analytics import kpis, selectors
from openltc.analytics.selectors import ReportFilters
from openltc.analytics.tests.factories import build, kpi_build

pytestmark = pytest.mark.django_db

SEPT = "date_from=2026-09-01&date_to=2026-09-30"


def sept() -> ReportFilters:
    return ReportFilters(date_from=datetime.date(2026, 9, 1), date_to=datetime.date(2026, 9, 30))


def dso_window_from_sept_10() -> int:
    """Sets the cash policy's DSO period so that its window starts on 2026-09-10 (the first
    invoice), whatever today is; returns the days."""
    from openltc.cash.models import CashPolicy
    from openltc.cash.services import policy

    days = (timezone.localdate() - datetime.date(2026, 9, 10)).days + 1
    policy()
    CashPolicy.objects.update(dso_period_days=days)
    return days


def by_key(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in report["rows"]}


def test_person_kpis_per_iron_triangle_role(rep: Any, other_rep: Any, teammate: Any) -> None:
    kpi_build(rep, other_rep, teammate)
    days = dso_window_from_sept_10()
    report = kpis.team_kpis(user=rep, filters=sept(), by="person")
    rows = by_key(report)
    assert [(r["label"], r["role"]) for r in report["rows"]] == [
        ("rep", "ar"),
        ("teammate", "sr"),
        ("teammate", "fr"),
    ]
    ar = rows[f"{rep.pk}:ar"]
    assert (ar["open_count"], ar["open_amount"], ar["open_weighted"]) == (
        3,
        Decimal("900.00"),
        Decimal("500.00"),
    )
    assert (ar["won"], ar["lost"], ar["win_rate"], ar["win_rate_amount"]) == (
        1,
        2,
        Decimal("0.3333"),
        Decimal("0.2857"),
    )
    assert (ar["signed_count"], ar["signed_amount"]) == (1, Decimal("279000.00"))
    assert (ar["margin_contracts"], ar["margin_estimate"], ar["margin_final"], ar["margin_gap"]) == (
        1,
        Decimal("0.3000"),
        Decimal("0.2000"),
        Decimal("-0.1000"),
    )
    assert (ar["milestones_due"], ar["milestones_on_time"], ar["on_time_rate"]) == (3, 1, Decimal("0.3333"))
    assert (ar["billing_due"], ar["billing_on_time"], ar["invoice_timeliness"]) == (2, 1, Decimal("0.5000"))
    assert (ar["invoiced"], ar["collected"], ar["collection_rate"], ar["receivable"]) == (
        Decimal("251100.00"),
        Decimal("83700.00"),
        Decimal("0.3333"),
        Decimal("167400.00"),
    )
    assert ar["dso"] == (Decimal("167400") / Decimal("251100") * days).quantize(Decimal("0.1"))
    assert (ar["satisfaction"], ar["satisfaction_customers"]) == (Decimal("8.0"), 2)
    assert ar["segment"] == f"member:{rep.pk}:ar"

    sr = rows[f"{teammate.pk}:sr"]
    assert (sr["open_count"], sr["open_amount"], sr["open_weighted"]) == (
        1,
        Decimal("600.00"),
        Decimal("450.00"),
    )
    assert (sr["won"], sr["lost"], sr["win_rate"]) == (1, 0, Decimal("1.0000"))
    assert (sr["signed_amount"], sr["on_time_rate"], sr["invoice_timeliness"]) == (
        Decimal("279000.00"),
        Decimal("0.3333"),
        Decimal("0.5000"),
    )
    assert (sr["satisfaction"], sr["satisfaction_customers"]) == (Decimal("8.0"), 2)
    fr = rows[f"{teammate.pk}:fr"]
    assert (fr["open_count"], fr["won"], fr["satisfaction"], fr["satisfaction_customers"]) == (
        0,
        1,
        Decimal("7.0"),
        1,
    )
    # the radar: one series per row, the rates scaled to 0–100, satisfaction × 10
    series = {s["segment"]: s["value"] for s in report["radar"]["series"]}
    assert series[f"member:{rep.pk}:ar"] == [33.3, 33.3, 50.0, 33.3, 80.0]
    assert len(report["radar"]["indicators"]) == 5


def test_team_kpis_respect_the_viewers_scope(
    rep: Any, other_rep: Any, teammate: Any, region_vp: Any, executive: Any, org: Any
) -> None:
    kpi_build(rep, other_rep, teammate)
    east = kpis.team_kpis(user=region_vp, filters=sept(), by="team")
    assert [r["label"] for r in east["rows"]] == ["SH-T1 unit"]
    sh = east["rows"][0]
    assert (sh["open_count"], sh["open_amount"], sh["won"], sh["lost"], sh["signed_amount"]) == (
        3,
        Decimal("900.00"),
        1,
        2,
        Decimal("279000.00"),
    )
    assert (sh["invoiced"], sh["collected"], sh["on_time_rate"], sh["satisfaction"]) == (
        Decimal("251100.00"),
        Decimal("83700.00"),
        Decimal("0.3333"),
        Decimal("8.0"),
    )
    assert sh["segment"] == f"unit:{org.sh_team.pk}"
    company = kpis.team_kpis(user=executive, filters=sept(), by="team")
    assert [(r["label"], r["open_amount"]) for r in company["rows"]] == [
        ("SH-T1 unit", Decimal("900.00")),
        ("GZ-T1 unit", Decimal("500.00")),
    ]
    # the other region's rep sees only their own deal and none of the Shanghai cash
    theirs = kpis.team_kpis(user=other_rep, filters=sept(), by="person")
    assert [(r["label"], r["role"], r["open_amount"], r["invoiced"]) for r in theirs["rows"]] == [
        ("other_rep", "ar", Decimal("500.00"), Decimal("0.00"))
    ]
    # a region filter narrows the executive's view
    south = sept()
    south.region = org.south.pk
    assert [r["label"] for r in kpis.team_kpis(user=executive, filters=south, by="team")["rows"]] == [
        "GZ-T1 unit"
    ]


@pytest.mark.parametrize("by", ["person", "team"])
def test_team_kpis_run_a_constant_number_of_queries(
    rep: Any, other_rep: Any, teammate: Any, executive: Any, by: str
) -> None:
    kpi_build(rep, other_rep, teammate)
    kpis.team_kpis(user=executive, filters=sept(), by=by)
    with CaptureQueriesContext(connection) as small:
        kpis.team_kpis(user=executive, filters=sept(), by=by)
    for _ in range(3):
        build(rep, other_rep)
    with CaptureQueriesContext(connection) as large:
        report = kpis.team_kpis(user=executive, filters=sept(), by=by)
    assert len(large.captured_queries) == len(small.captured_queries) <= 10
    assert report["rows"]


def test_cycle_times_to_acceptance_invoice_and_cash(rep: Any, other_rep: Any, teammate: Any) -> None:
    kpi_build(rep, other_rep, teammate)
    cycles = {c["key"]: c for c in selectors.cycle_times(user=rep, filters=sept())["cycles"]}
    # o4 was created on 2026-09-01: accepted 09-09, invoiced 09-10, paid 09-30
    assert (
        cycles["to_acceptance"]["count"],
        cycles["to_acceptance"]["p50"],
        cycles["to_acceptance"]["p90"],
    ) == (
        1,
        Decimal("8.0"),
        Decimal("8.0"),
    )
    assert (cycles["to_invoice"]["count"], cycles["to_invoice"]["p50"]) == (1, Decimal("9.0"))
    assert (cycles["to_cash"]["count"], cycles["to_cash"]["p50"]) == (1, Decimal("29.0"))
    # nothing of it for the other region's rep
    theirs = {c["key"]: c for c in selectors.cycle_times(user=other_rep, filters=sept())["cycles"]}
    assert theirs["to_cash"]["count"] == 0


def test_bid_rates_come_from_the_bid_records(rep: Any, other_rep: Any, teammate: Any, executive: Any) -> None:
    kpi_build(rep, other_rep, teammate)
    mine = selectors.win_loss(user=rep, filters=sept())
    assert (mine["bids_closed"], mine["bids_awarded"], mine["disqualified"]) == (3, 2, 1)
    assert (mine["bid_win_rate"], mine["disqualification_rate"]) == (Decimal("0.6667"), Decimal("0.3333"))
    company = selectors.win_loss(user=executive, filters=sept())
    assert (company["bids_closed"], company["bids_lost"]) == (4, 1)
    assert (company["bid_win_rate"], company["disqualification_rate"]) == (
        Decimal("0.5000"),
        Decimal("0.2500"),
    )
    october = ReportFilters(date_from=datetime.date(2026, 10, 1), date_to=datetime.date(2026, 10, 31))
    assert selectors.win_loss(user=executive, filters=october)["bid_win_rate"] is None


def test_kpi_page_exports_and_drills_down(client: Any, rep: Any, other_rep: Any, teammate: Any) -> None:
    data = kpi_build(rep, other_rep, teammate).data
    client.force_login(rep)
    page = client.get(reverse("analytics:team_kpis") + "?" + SEPT)
    assert page.status_code == 200
    assert f"segment=member%3A{rep.pk}%3Aar" in page.content.decode() or (
        f"segment=member:{rep.pk}:ar" in page.content.decode()
    )
    csv = client.get(reverse("analytics:team_kpis") + "?" + SEPT + "&export=csv")
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "rep,AR – account responsible (客户责任人),3,900.00,500.00" in body
    xlsx = client.get(reverse("analytics:team_kpis") + "?by=team&" + SEPT + "&export=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    records = client.get(
        reverse("analytics:records") + f"?kind=opportunity&segment=member:{teammate.pk}:sr&" + SEPT
    ).content.decode()
    assert data.o4.number in records
    assert data.o6.number in records
    assert data.o1.number not in records
    one = client.get(
        reverse("analytics:records") + f"?kind=opportunity&segment=deal:{data.o6.number}"
    ).content
    assert data.o6.number in one.decode()
    assert data.o4.number not in one.decode()


def test_kpi_api_has_the_same_figures(api_client_for: Any, rep: Any, other_rep: Any, teammate: Any) -> None:
    kpi_build(rep, other_rep, teammate)
    client = api_client_for(rep)
    response = client.get("/api/v1/analytics/team-kpis?" + SEPT + "&by=person")
    assert response.status_code == 200
    rows = {r["key"]: r for r in response.json()["rows"]}
    ar = rows[f"{rep.pk}:ar"]
    assert (ar["open_amount"], ar["win_rate"], ar["on_time_rate"], ar["satisfaction"]) == (
        "900.00",
        "0.3333",
        "0.3333",
        "8.0",
    )
    teams = client.get("/api/v1/analytics/team-kpis?" + SEPT + "&by=team").json()
    assert [r["label"] for r in teams["rows"]] == ["SH-T1 unit"]
