"""Test data helpers for bids: an opportunity, a ready bid, an approved ATB decision."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from conftest import make_user
from openltc.bids import services
from openltc.bids.models import Bid
from openltc.opportunities.models import Opportunity
from openltc.org.roles import Role


def make_reviewers(org: Any) -> dict[str, Any]:
    return {
        "finance": make_user("fin.sh", (Role.FINANCE, org.sh, None), home=org.sh),
        "legal": make_user("legal.sh", (Role.LEGAL, org.sh, None), home=org.sh),
        "delivery": make_user("delivery.sh", (Role.DELIVERY_MANAGER, org.sh, None), home=org.sh),
    }


def graded_opportunity(rep: Any, grade: str = "C", amount: str = "1000000.00") -> Opportunity:
    from openltc.opportunities.tests.factories import make_opportunity

    o = make_opportunity(rep, amount=Decimal(amount))
    Opportunity.objects.filter(pk=o.pk).update(grade=grade)
    o.refresh_from_db()
    return o


def approve(preparer: Any, decider: Any, opportunity: Any, gate: str, reviewers: dict[str, Any]) -> Any:
    from openltc.decisions import services as decisions
    from openltc.decisions.tests.factories import fill_checklist

    case = decisions.case_open(actor=preparer, subject=opportunity, gate=gate)
    fill_checklist(preparer, case)
    case = decisions.case_submit(actor=preparer, case=case)
    for function in case.required_reviews:
        decisions.opinion_record(
            actor=reviewers[function], case=case, function=function, verdict="agree", reasons="ok"
        )
    case.refresh_from_db()
    return decisions.decision_record(actor=decider, case=case, outcome="approved", rationale="go")


def make_bid(rep: Any, opportunity: Any = None, **data: Any) -> Bid:
    opportunity = opportunity or graded_opportunity(rep)
    values: dict[str, Any] = {
        "title": "Tender for the core network",
        "tender_number": "ZB-2026-001",
        "issuer": "Acme procurement centre",
        "submission_deadline": timezone.now() + datetime.timedelta(days=20),
        "questions_deadline": timezone.now() + datetime.timedelta(days=10),
        "bid_price": Decimal("950000.00"),
        "evaluation_method": "comprehensive",
    }
    values.update(data)
    return services.bid_create(actor=rep, opportunity=opportunity, data=values)


def with_items(rep: Any, bid: Bid, *, blocking: bool = True) -> Bid:
    services.checklist_item_add(
        actor=rep,
        bid=bid,
        data={
            "title": "Business licence copy",
            "category": "qualification",
            "prevents_disqualification": blocking,
            "owner": rep,
        },
    )
    services.checklist_item_add(
        actor=rep, bid=bid, data={"title": "Technical proposal", "category": "technical"}
    )
    return Bid.objects.get(pk=bid.pk)


def move(rep: Any, bid: Bid, *codes: str, **kw: Any) -> Bid:
    for code in codes:
        bid = services.bid_transition(actor=rep, bid=Bid.objects.get(pk=bid.pk), code=code, **kw)
    return bid


def complete_items(rep: Any, bid: Bid) -> None:
    for item in bid.items.all():
        services.checklist_item_update(actor=rep, item=item, data={"status": "done"})
