"""The pipeline's stage aging is taken at an instant the caller may pin (the bench compares it
with hand-written SQL run minutes later)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from openltc.analytics import selectors
from openltc.analytics.selectors import ReportFilters
from openltc.analytics.tests.factories import build

pytestmark = pytest.mark.django_db


def test_pipeline_ages_at_the_given_instant(rep: Any, other_rep: Any) -> None:
    data = build(rep, other_rep)
    filters = ReportFilters(month=datetime.date(2026, 9, 1))
    now = timezone.now()
    today = selectors.pipeline(user=rep, filters=filters, now=now)["aging"]
    assert today["stuck_total"] == 2
    assert today["stuck_deals"][0]["number"] == data.o1.number
    assert today["stuck_deals"][0]["days_in_stage"] == 40
    later = selectors.pipeline(user=rep, filters=filters, now=now + datetime.timedelta(days=100))["aging"]
    assert later["stuck_deals"][0]["days_in_stage"] == 140
    assert later["stuck_total"] > today["stuck_total"]
    earlier = selectors.pipeline(user=rep, filters=filters, now=now - datetime.timedelta(days=30))["aging"]
    assert earlier["stuck_total"] < today["stuck_total"]
