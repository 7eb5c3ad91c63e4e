"""Demo builder: deterministic, idempotent, skips without customers."""

from __future__ import annotations

import io

import pytest

from openltc.contracts import demo
from openltc.contracts.models import Contract
from openltc.contracts.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_skips_without_customers():
    out = io.StringIO()
    demo.build(stdout=out)
    assert "skipped" in out.getvalue()
    assert not Contract.objects.exists()


def test_builds_once(rep, finance):
    make_customer(rep, rep.home_unit, name="Demo customer")
    demo.build(stdout=io.StringIO())
    statuses = sorted(Contract.objects.values_list("status", flat=True))
    assert statuses == ["draft", "draft", "under_review", "under_review", "under_review", "under_review"]
    reworked = Contract.objects.get(title__startswith="私有云")
    assert reworked.versions.count() == 2
    demo.build(stdout=io.StringIO())
    assert Contract.objects.count() == len(demo.PLANS)
