"""Concurrent writers on PostgreSQL (real row locks): gap-free distinct numbers, and of two
editors holding the same version exactly one wins. On SQLite, test_services.py shows the same
rules with serialised calls."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from openltc.core.errors import Conflict
from openltc.opportunities import services
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.factories import make_customer, make_opportunity

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL row locks (set DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


def run_at_once(*targets: Any) -> None:
    barrier = threading.Barrier(len(targets))

    def wrap(fn: Any) -> Any:
        def run() -> None:
            try:
                barrier.wait(timeout=10)
                fn()
            finally:
                connections.close_all()

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)


def test_concurrent_creates_get_consecutive_numbers(rep: Any) -> None:
    assert connection.vendor == "postgresql"
    customer = make_customer(rep, rep.home_unit)
    errors: list[BaseException] = []

    def create() -> None:
        try:
            make_opportunity(rep, customer)
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)

    run_at_once(*[create] * 5)
    assert errors == []
    year = timezone.localdate().year
    assert sorted(Opportunity.objects.values_list("number", flat=True)) == [
        f"OPP-{year}-{n:06d}" for n in range(1, 6)
    ]


def test_two_editors_with_the_same_version_one_conflict(rep: Any) -> None:
    o = make_opportunity(rep)
    results: dict[str, str] = {}

    def edit(title: str) -> None:
        stale = Opportunity.objects.get(pk=o.pk)
        try:
            services.opportunity_update(
                actor=rep, opportunity=stale, data={"title": title}, expected_version=1
            )
            results[title] = "ok"
        except Conflict:
            results[title] = "conflict"

    run_at_once(lambda: edit("A"), lambda: edit("B"))
    assert sorted(results.values()) == ["conflict", "ok"]
    winner = next(t for t, r in results.items() if r == "ok")
    fresh = Opportunity.objects.get(pk=o.pk)
    assert (fresh.title, fresh.lock_version) == (winner, 2)
