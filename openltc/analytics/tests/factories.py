"""A small known data set: opportunities with a written stage history, set directly in the
tables the reports read (the services that move stages are tested in their own app)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openltc.opportunities.models import Opportunity, OpportunityStageChange
from openltc.opportunities.tests.factories import make_customer, make_opportunity

PATH = ("validating", "initiated", "guiding", "bidding", "negotiating", "won")


def at(day: str, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour))
    )


def opp(
    actor: Any,
    *,
    amount: str,
    created: str,
    steps: list[tuple[str, str]],
    probability: int = 10,
    category: str = "pipeline",
    expected: str | None = None,
    reason: str = "",
    competitor: str = "",
    entered: datetime.datetime | None = None,
    lead: Any = None,
    customer: Any = None,
) -> Opportunity:
    """``steps``: (to_stage, day) in order, the first being the creation into validating."""
    o = make_opportunity(
        actor, customer=customer or make_customer(actor, actor.home_unit), amount=Decimal(amount)
    )
    OpportunityStageChange.objects.filter(opportunity=o).delete()
    previous = ""
    for to_stage, day in steps:
        OpportunityStageChange.objects.create(
            opportunity=o,
            from_stage=previous,
            to_stage=to_stage,
            changed_at=at(day),
            changed_by=actor,
            amount=Decimal(amount),
            currency="CNY",
            probability=probability,
        )
        previous = to_stage
    final, last_day = steps[-1]
    closed = final in ("won", "lost", "abandoned")
    Opportunity.objects.filter(pk=o.pk).update(
        created_at=at(created),
        stage=final,
        stage_entered_at=entered or at(last_day),
        probability=100 if final == "won" else (0 if closed else probability),
        forecast_category="closed" if final == "won" else ("omitted" if closed else category),
        expected_close_date=datetime.date.fromisoformat(expected) if expected else None,
        closed_at=at(last_day) if closed else None,
        close_reason=reason,
        close_competitor=competitor,
        origin_lead=lead,
    )
    o.refresh_from_db()
    return o


def path_to(stage: str, days: list[str]) -> list[tuple[str, str]]:
    stages = PATH[: PATH.index(stage) + 1]
    return list(zip(stages, days, strict=True))


@dataclass
class DataSet:
    o1: Opportunity
    o2: Opportunity
    o3: Opportunity
    o4: Opportunity
    o5: Opportunity
    o6: Opportunity
    o7: Opportunity


def build(rep: Any, other_rep: Any) -> DataSet:
    """Rep (Shanghai): six opportunities created in September 2026; the other region's rep one.

    funnel (rep): validating 6/2300, initiated 5/2200, guiding 4/2000, bidding 3/1700,
    negotiating 2/1000, won 1/400. Lead → ATI: 2, 4, 6, 8, 10 days.
    """
    now = timezone.now()
    o1 = opp(
        rep,
        amount="100",
        created="2026-09-01",
        steps=[("validating", "2026-09-01")],
        expected="2026-09-15",
        entered=now - datetime.timedelta(days=40),
    )
    o2 = opp(
        rep,
        amount="200",
        created="2026-09-01",
        steps=path_to("initiated", ["2026-09-01", "2026-09-03"]),
        probability=20,
        category="best_case",
        expected="2026-09-20",
        entered=now - datetime.timedelta(days=5),
    )
    o3 = opp(
        rep,
        amount="300",
        created="2026-09-01",
        steps=[*path_to("guiding", ["2026-09-01", "2026-09-05", "2026-09-06"]), ("lost", "2026-09-10")],
        reason="price",
        competitor="Rival",
    )
    o4 = opp(
        rep,
        amount="400",
        created="2026-09-01",
        steps=path_to(
            "won", ["2026-09-01", "2026-09-07", "2026-09-08", "2026-09-09", "2026-09-10", "2026-09-20"]
        ),
    )
    o5 = opp(
        other_rep,
        amount="500",
        created="2026-09-02",
        steps=[("validating", "2026-09-02")],
        expected="2026-09-15",
    )
    o6 = opp(
        rep,
        amount="600",
        created="2026-09-01",
        steps=path_to("negotiating", ["2026-09-01", "2026-09-09", "2026-09-10", "2026-09-11", "2026-09-12"]),
        probability=75,
        category="commit",
        expected="2026-09-25",
        entered=now - datetime.timedelta(days=31),
    )
    o7 = opp(
        rep,
        amount="700",
        created="2026-09-01",
        steps=[
            *path_to("bidding", ["2026-09-01", "2026-09-11", "2026-09-12", "2026-09-13"]),
            ("lost", "2026-09-14"),
        ],
        reason="disqualified",
        competitor="Rival",
    )
    return DataSet(o1, o2, o3, o4, o5, o6, o7)
