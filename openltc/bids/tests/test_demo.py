"""The demo builds bids in several states through the services, and a second run adds nothing."""

from __future__ import annotations

import io

import pytest

from openltc.bids import demo
from openltc.bids.models import Bid, Negotiation, PostBidReview, RecoveryAction

pytestmark = pytest.mark.django_db


def test_demo_builds_bids_in_several_states() -> None:
    from openltc.customers import demo as customers_demo
    from openltc.decisions import demo as decisions_demo
    from openltc.opportunities import demo as opportunities_demo
    from openltc.org import demo as org_demo

    org_demo.build()
    customers_demo.build()
    opportunities_demo.build()
    decisions_demo.build()
    out = io.StringIO()
    demo.build(stdout=out)
    assert "stopped" not in out.getvalue()
    statuses = set(Bid.objects.values_list("status", flat=True))
    assert {"awarded", "closed", "disqualified", "under_review", "preparing", "cancelled"} <= statuses
    lost = Bid.objects.get(result="lost")
    assert RecoveryAction.objects.filter(bid=lost).count() == 2
    assert PostBidReview.objects.filter(bid=lost).exists()
    assert Negotiation.objects.get().members.count() >= 1
    assert Bid.objects.filter(opportunity__owner__username="sh.ar").exists()
    count = Bid.objects.count()
    demo.build()
    assert Bid.objects.count() == count
