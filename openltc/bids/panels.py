"""The bids-and-negotiation panel on the opportunity page (host ``opportunities.opportunity``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openltc.bids import selectors, services
from openltc.core.visibility import CHANGE, can_access


def opportunity_panel(request: HttpRequest, opportunity: Any) -> dict[str, Any] | None:
    user = request.user
    if not can_access(user, opportunity, "view"):
        return None
    bids = list(selectors.bids_for_opportunity(user=user, opportunity=opportunity)[:20])
    negotiation = selectors.negotiation_for(opportunity)
    return {
        "bids": bids,
        "negotiation": negotiation,
        "routing": services.routing_check(opportunity, negotiation) if negotiation else None,
        "can_change": opportunity.is_open and can_access(user, opportunity, CHANGE),
        "atb_case_url": selectors.atb_case_url(opportunity),
        "atb_approved": selectors.atb_approved(opportunity),
    }
