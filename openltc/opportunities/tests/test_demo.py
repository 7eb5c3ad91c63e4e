from __future__ import annotations

import io

import pytest

from openltc.opportunities import demo
from openltc.opportunities.choices import Stage
from openltc.opportunities.models import Opportunity

pytestmark = pytest.mark.django_db


def test_demo_skips_without_customers():
    out = io.StringIO()
    demo.build(stdout=out)
    assert not Opportunity.objects.exists()
    assert "skipped" in out.getvalue()


def test_demo_builds_deterministic_opportunities_once():
    from openltc.customers import demo as customers_demo
    from openltc.org import demo as org_demo

    org_demo.build()
    customers_demo.build()
    demo.build()
    numbers = sorted(Opportunity.objects.values_list("number", "title", "amount", "stage"))
    assert len(numbers) == len(demo.TITLES)
    by_stage = {s: Opportunity.objects.filter(stage=s).count() for s in Stage.values}
    assert by_stage[Stage.LOST] == 2
    assert by_stage[Stage.ABANDONED] == 2
    assert by_stage[Stage.VALIDATING] == len(demo.TITLES) - 4
    assert by_stage[Stage.INITIATED] == by_stage[Stage.WON] == 0
    assert Opportunity.objects.filter(team_members__role="sr").exists()
    demo.build()  # idempotent
    assert sorted(Opportunity.objects.values_list("number", "title", "amount", "stage")) == numbers
