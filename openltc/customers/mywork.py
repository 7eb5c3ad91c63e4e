"""The customers app's contribution to "my work": relationship actions due or overdue."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openltc.core.mywork import WorkItem
from openltc.customers.selectors import actions_due_for


def relationship_actions_due(user: Any) -> list[WorkItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    counts = actions_due_for(user).aggregate(
        total=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today))
    )
    items: list[WorkItem] = []
    if counts["overdue"]:
        items.append(
            WorkItem(
                label=_("Overdue relationship actions"),
                count=counts["overdue"],
                url=reverse("customers:actions"),
                urgent=True,
            )
        )
    due = counts["total"] - counts["overdue"]
    if due:
        items.append(
            WorkItem(
                label=_("Relationship actions due this week"),
                count=due,
                url=reverse("customers:actions"),
            )
        )
    return items
