"""The leads demo: every status, deterministic and idempotent; scale(n) with bulk inserts."""

from __future__ import annotations

import time
from typing import Any

import pytest

from openltc.leads import demo
from openltc.leads.choices import LeadStatus
from openltc.leads.models import Lead


@pytest.fixture
def demo_org(db: Any) -> None:
    from openltc.org import demo as org_demo

    org_demo.build()


def test_build_covers_every_status_and_is_idempotent(demo_org: None) -> None:
    demo.build()
    statuses = set(Lead.objects.values_list("status", flat=True))
    assert statuses == set(LeadStatus.values)
    owners = set(Lead.objects.exclude(owner=None).values_list("owner__username", flat=True))
    assert owners == {"sh.ar", "hz.ar", "gz.ar"}
    assert Lead.objects.filter(owner=None).count() == 5
    count = Lead.objects.count()
    titles = list(Lead.objects.order_by("title").values_list("title", flat=True))
    demo.build()
    assert Lead.objects.count() == count
    assert list(Lead.objects.order_by("title").values_list("title", flat=True)) == titles
    assert Lead.objects.filter(status=LeadStatus.CONVERTED, opportunities__isnull=False).count() == 3


def test_scale_bulk_creates_quickly(demo_org: None, django_assert_max_num_queries: Any) -> None:
    started = time.monotonic()
    # Batched inserts: far fewer queries than rows (SQLite splits batches by its parameter limit).
    with django_assert_max_num_queries(200):
        demo.scale(2000)
    assert Lead.objects.count() == 2000
    assert time.monotonic() - started < 30
