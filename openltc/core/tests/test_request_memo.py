"""The per-request memo of admin-edited settings: read once per request, re-read after a change,
and never kept from one request to the next."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openltc.analytics.models import AnalyticsSettings
from openltc.analytics.selectors import load_settings
from openltc.core.request_context import end_request_memo, request_memo, start_request_memo


def test_outside_a_request_nothing_is_memoised() -> None:
    calls: list[int] = []
    request_memo("k", lambda: calls.append(1))
    request_memo("k", lambda: calls.append(1))
    assert calls == [1, 1]


def test_inside_a_request_a_value_is_computed_once_and_gone_after_it() -> None:
    calls: list[int] = []
    token = start_request_memo()
    try:
        assert request_memo("k", lambda: calls.append(1) or len(calls)) == 1
        assert request_memo("k", lambda: calls.append(1) or len(calls)) == 1
    finally:
        end_request_memo(token)
    assert request_memo("k", lambda: calls.append(1) or len(calls)) == 2


@pytest.mark.django_db
def test_the_report_settings_are_read_once_and_again_after_an_admin_changes_them() -> None:
    row = AnalyticsSettings.objects.order_by("pk").first() or AnalyticsSettings.objects.create()
    token = start_request_memo()
    try:
        with CaptureQueriesContext(connection) as queries:
            first = load_settings().funnel_period_days
            load_settings()
        assert len(queries.captured_queries) == 1
        row.funnel_period_days = first + 7
        row.save()
        assert load_settings().funnel_period_days == first + 7
    finally:
        end_request_memo(token)
