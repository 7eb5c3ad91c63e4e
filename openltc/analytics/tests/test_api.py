from __future__ import annotations

from typing import Any

import pytest

from openltc.analytics.tests.factories import build

pytestmark = pytest.mark.django_db

SEPT = "date_from=2026-09-01&date_to=2026-09-30"


@pytest.mark.parametrize(
    "path",
    [
        "dashboard",
        "funnel",
        "pipeline",
        "forecast",
        "forecast/accuracy",
        "win-loss",
        "cycle-times",
        "process",
    ],
)
def test_every_report_endpoint_answers(api_client_for: Any, rep: Any, other_rep: Any, path: str) -> None:
    build(rep, other_rep)
    response = api_client_for(rep).get(f"/api/v1/analytics/{path}?{SEPT}&month=2026-09")
    assert response.status_code == 200, response.content


def test_funnel_api_same_figures_and_scope(
    api_client_for: Any, rep: Any, other_rep: Any, executive: Any, org: Any
) -> None:
    build(rep, other_rep)
    body = api_client_for(rep).get(f"/api/v1/analytics/funnel?{SEPT}").json()
    steps = {s["key"]: s for s in body["steps"]}
    assert (steps["won"]["count"], steps["won"]["conversion"]) == (1, "0.5000")
    company = api_client_for(executive).get(f"/api/v1/analytics/funnel?{SEPT}").json()
    assert {s["key"]: s for s in company["steps"]}["validating"]["count"] == 7
    south = api_client_for(executive).get(f"/api/v1/analytics/funnel?{SEPT}&region={org.south.pk}").json()
    assert {s["key"]: s for s in south["steps"]}["validating"]["amount"] == "500.00"


def test_bad_filters_are_ignored(api_client_for: Any, rep: Any) -> None:
    response = api_client_for(rep).get("/api/v1/analytics/funnel?date_from=yesterday&grade=Z&month=13")
    assert response.status_code == 200


def test_adjustment_api(api_client_for: Any, rep: Any, other_rep: Any, manager: Any, org: Any) -> None:
    build(rep, other_rep)
    client = api_client_for(manager)
    ok = client.post(
        "/api/v1/analytics/forecast/adjustments",
        {
            "org_unit_id": org.sh.pk,
            "month": "2026-09",
            "category": "commit",
            "amount": "900",
            "reason": "Slip to October",
        },
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["system_amount"] == "1000.00"
    hidden = client.post(
        "/api/v1/analytics/forecast/adjustments",
        {"org_unit_id": org.gz.pk, "month": "2026-09", "category": "commit", "amount": "900", "reason": "x"},
        content_type="application/json",
    )
    assert hidden.status_code == 404
    bad = client.post(
        "/api/v1/analytics/forecast/adjustments",
        {"org_unit_id": org.sh.pk, "month": "Sept", "category": "commit", "amount": "900", "reason": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422


def test_dates_out_of_range_are_ignored(api_client_for: Any, rep: Any) -> None:
    client = api_client_for(rep)
    for query in ("month=9999-12", "date_to=9999-12-31", "date_from=0001-01-01", "owner=99999999999"):
        assert client.get(f"/api/v1/analytics/pipeline?{query}").status_code == 200
        assert client.get(f"/api/v1/analytics/funnel?{query}").status_code == 200
