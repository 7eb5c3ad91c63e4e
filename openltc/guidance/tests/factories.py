"""Test data helpers for guidance."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openltc.guidance.choices import DIMENSIONS
from openltc.opportunities.models import Opportunity
from openltc.opportunities.tests.factories import make_opportunity


def opportunity_in(stage: str, actor: Any, **overrides: Any) -> Opportunity:
    """An opportunity of ``actor`` put straight into ``stage`` (the gates are the opportunities
    app's business and tested there)."""
    opportunity = make_opportunity(actor, competitors=["Rival A", "Rival B"], **overrides)
    Opportunity.objects.filter(pk=opportunity.pk).update(stage=stage)
    opportunity.refresh_from_db()
    return opportunity


def ratings(**overrides: dict[str, Any]) -> list[dict[str, Any]]:
    """Eight ratings with equal weights (12.5 each), our score 7, Rival A 5."""
    rows = []
    for d in DIMENSIONS:
        row: dict[str, Any] = {
            "dimension": d,
            "customer_weight": Decimal("12.5"),
            "our_score": 7,
            "competitor_scores": {"Rival A": 5},
            "is_key_need": False,
            "need": "",
        }
        row.update(overrides.get(d, {}))
        rows.append(row)
    return rows
