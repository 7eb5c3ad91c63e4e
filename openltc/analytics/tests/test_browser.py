"""The dashboard in a real browser: the ECharts charts draw without script errors (the CSP
forbids inline scripts), a region manager sees their region's figures, and clicking a figure
drills down to the records behind it."""

from __future__ import annotations

import os
from typing import Any

import pytest

from openltc.analytics.tests.factories import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_dashboard_drills_down_to_records(journey: Any, rep: Any, other_rep: Any, region_vp: Any) -> None:
    data = build(rep, other_rep)
    j = journey()
    j.login("region_vp")
    j.goto("/analytics/?date_from=2026-09-01&date_to=2026-09-30")
    j.page.wait_for_selector("[data-chart=funnel] canvas")
    j.page.wait_for_selector("[data-chart=heat] canvas")
    j.shot("dashboard")
    # the funnel table's bidding step links to the three deals that reached it
    j.page.click("#funnel-table a[href*='segment=reached%3Abidding']")
    j.page.wait_for_selector("#records")
    text = j.page.inner_text("#records")
    for o in (data.o4, data.o6, data.o7):
        assert o.number in text
    assert data.o3.number not in text
    assert data.o5.number not in text
    j.shot("records")
    # and from the records to the opportunity itself
    j.page.click(f"#records a:has-text('{data.o6.number}')")
    j.page.wait_for_url(f"**/opportunities/{data.o6.pk}/")
    assert j.console_errors == []


def test_team_kpi_radar_and_dashboard_scatter_draw_and_drill_down(
    journey: Any, rep: Any, other_rep: Any, teammate: Any, region_vp: Any
) -> None:
    from openltc.analytics.tests.factories import kpi_build

    data = kpi_build(rep, other_rep, teammate).data
    j = journey()
    j.login("region_vp")
    j.goto("/analytics/team-kpis/?date_from=2026-09-01&date_to=2026-09-30")
    j.page.wait_for_selector("[data-chart=radar] canvas")
    assert "teammate" in j.page.inner_text("#kpi-table")
    j.shot("team-kpis")
    j.goto("/analytics/team-kpis/?by=team&date_from=2026-09-01&date_to=2026-09-30")
    j.page.wait_for_selector("[data-chart=radar] canvas")
    assert "SH-T1 unit" in j.page.inner_text("#kpi-table")
    assert "GZ-T1 unit" not in j.page.inner_text("#kpi-table")
    j.goto("/analytics/?date_from=2026-09-01&date_to=2026-09-30")
    j.page.wait_for_selector("[data-chart=radar] canvas")
    j.page.wait_for_selector("[data-chart=scatter] canvas")
    j.shot("dashboard-radar-scatter")
    assert j.console_errors == []
    # the team's row drills down to the deals behind it
    j.goto("/analytics/team-kpis/?by=team&date_from=2026-09-01&date_to=2026-09-30")
    with j.page.expect_navigation():
        j.page.click("#kpi-table tbody a")
    text = j.page.inner_text("#records")
    assert data.o4.number in text
    assert data.o5.number not in text
    assert j.console_errors == []
