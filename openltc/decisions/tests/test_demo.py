from __future__ import annotations

import io

import pytest

from openltc.decisions import demo
from openltc.decisions.models import Decision, DecisionBody, DecisionCase

pytestmark = pytest.mark.django_db


def test_demo_builds_bodies_and_cases_through_the_services_once() -> None:
    from openltc.customers import demo as customers_demo
    from openltc.opportunities import demo as opportunities_demo
    from openltc.org import demo as org_demo

    org_demo.build()
    customers_demo.build()
    opportunities_demo.build()
    out = io.StringIO()
    demo.build(stdout=out)
    assert DecisionBody.objects.filter(level=1).exists()
    outcomes = set(Decision.objects.values_list("outcome", flat=True))
    assert {"approved", "approved_with_conditions", "rejected", "deferred"} <= outcomes
    statuses = set(DecisionCase.objects.values_list("status", flat=True))
    assert {"decided", "returned", "awaiting_decision"} <= statuses
    count = DecisionCase.objects.count()
    demo.build(stdout=out)  # idempotent
    assert DecisionCase.objects.count() == count
