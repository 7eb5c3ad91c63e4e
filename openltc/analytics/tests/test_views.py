from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from openltc.analytics.tests.factories import build

pytestmark = pytest.mark.django_db

SEPT = "date_from=2026-09-01&date_to=2026-09-30"
PAGES = [
    "dashboard",
    "my_dashboard",
    "funnel",
    "pipeline",
    "forecast",
    "win_loss",
    "cycle_times",
    "team_kpis",
    "process",
    "records",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_report_page_renders(client: Any, rep: Any, other_rep: Any, name: str) -> None:
    build(rep, other_rep)
    client.force_login(rep)
    response = client.get(reverse(f"analytics:{name}") + "?" + SEPT)
    assert response.status_code == 200


def test_anonymous_goes_to_login(client: Any) -> None:
    response = client.get(reverse("analytics:dashboard"))
    assert response.status_code == 302


def test_funnel_exports_csv_and_xlsx(client: Any, rep: Any, other_rep: Any) -> None:
    build(rep, other_rep)
    client.force_login(rep)
    response = client.get(reverse("analytics:funnel") + "?" + SEPT + "&export=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Won (赢单),1,400.00,0.5000" in body
    response = client.get(reverse("analytics:funnel") + "?" + SEPT + "&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_drill_down_lists_the_records_behind_a_step(client: Any, rep: Any, other_rep: Any) -> None:
    data = build(rep, other_rep)
    client.force_login(rep)
    response = client.get(reverse("analytics:records") + "?kind=opportunity&segment=reached:bidding&" + SEPT)
    text = response.content.decode()
    for o in (data.o4, data.o6, data.o7):
        assert o.number in text
    assert data.o3.number not in text


def test_drill_down_never_shows_another_regions_records(client: Any, rep: Any, other_rep: Any) -> None:
    data = build(rep, other_rep)
    client.force_login(rep)
    response = client.get(
        reverse("analytics:records") + "?kind=opportunity&segment=reached:validating&" + SEPT
    )
    assert data.o5.number not in response.content.decode()


def test_region_manager_dashboard_shows_only_the_region(
    client: Any, rep: Any, other_rep: Any, region_vp: Any, executive: Any
) -> None:
    build(rep, other_rep)
    client.force_login(region_vp)
    east = client.get(reverse("analytics:dashboard") + "?" + SEPT).context["data"]
    client.force_login(executive)
    company = client.get(reverse("analytics:dashboard") + "?" + SEPT).context["data"]
    assert east["funnel"]["steps"][2]["count"] == 6
    assert company["funnel"]["steps"][2]["count"] == 7


@pytest.mark.parametrize("name", ["dashboard", "funnel"])
def test_dashboard_and_funnel_run_a_constant_number_of_queries(
    client: Any, rep: Any, other_rep: Any, executive: Any, name: str, django_assert_max_num_queries: Any
) -> None:
    build(rep, other_rep)
    client.force_login(executive)
    url = reverse(f"analytics:{name}") + "?" + SEPT
    client.get(url)
    with django_assert_max_num_queries(60 if name == "dashboard" else 14) as small:
        client.get(url)
    for _ in range(3):
        build(rep, other_rep)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_manager_adjusts_the_forecast_of_their_unit(
    client: Any, rep: Any, other_rep: Any, manager: Any, org: Any
) -> None:
    from openltc.analytics.models import ForecastAdjustment
    from openltc.core.models import AuditEvent

    build(rep, other_rep)
    client.force_login(manager)
    response = client.post(
        reverse("analytics:forecast_adjust"),
        {
            "org_unit": org.sh.pk,
            "month": "2026-09",
            "category": "commit",
            "amount": "1200",
            "reason": "Big deal signs early",
        },
    )
    assert response.status_code == 302
    adj = ForecastAdjustment.objects.get()
    assert (adj.amount, adj.system_amount, adj.adjusted_by) == (1200, 1000, manager)
    assert AuditEvent.objects.filter(action="analytics.forecast_adjusted").count() == 1
    page = client.get(reverse("analytics:forecast") + "?month=2026-09")
    units = {u["name"]: u for u in page.context["data"]["units"]}
    assert units["SH unit"]["commit_adjusted"] == 1200
    assert units["SH unit"]["commit_reason"] == "Big deal signs early"


def test_adjustment_refused_outside_the_managed_unit_and_without_reason(
    client: Any, rep: Any, other_rep: Any, manager: Any, org: Any
) -> None:
    from openltc.analytics.models import ForecastAdjustment

    build(rep, other_rep)
    client.force_login(manager)
    client.post(
        reverse("analytics:forecast_adjust"),
        {"org_unit": org.gz.pk, "month": "2026-09", "category": "commit", "amount": "1", "reason": "x"},
    )
    client.post(
        reverse("analytics:forecast_adjust"),
        {"org_unit": org.sh.pk, "month": "2026-09", "category": "commit", "amount": "1", "reason": " "},
    )
    client.post(
        reverse("analytics:forecast_adjust"),
        {"org_unit": org.sh.pk, "month": "2026-09", "category": "pipeline", "amount": "1", "reason": "x"},
    )
    client.force_login(rep)
    client.post(
        reverse("analytics:forecast_adjust"),
        {"org_unit": org.sh_team.pk, "month": "2026-09", "category": "commit", "amount": "1", "reason": "x"},
    )
    assert ForecastAdjustment.objects.count() == 0
