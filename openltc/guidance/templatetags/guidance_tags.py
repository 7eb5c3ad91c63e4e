"""Template helpers of the guidance pages."""

from __future__ import annotations

from typing import Any

from django import template

from openltc.guidance import workflow

register = template.Library()


@register.filter
def action_moves(item: Any) -> list[workflow.AvailableAction]:
    """The status moves an action item offers (``workflow.available_actions``)."""
    return workflow.available_actions(item)


@register.filter
def score_of(rating: Any, competitor: str) -> Any:
    """A competitor's score in a $APPEALS rating, or an empty string."""
    value = rating.competitor_scores.get(competitor) if rating is not None else None
    return "" if value is None else value
