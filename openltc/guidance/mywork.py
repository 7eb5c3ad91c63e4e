"""What waits for a user in guidance: their open action items, the overdue ones flagged."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openltc.core.mywork import WorkItem
from openltc.guidance import selectors


def guidance_work(user: Any) -> list[WorkItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    items: list[WorkItem] = []
    url = reverse("guidance:actions")
    overdue = selectors.my_overdue_actions(user).count()
    if overdue:
        items.append(
            WorkItem(
                label=_("My overdue action items"),
                count=overdue,
                url=f"{url}?owner=me&overdue=1",
                urgent=True,
            )
        )
    open_count = selectors.my_open_actions(user).count()
    if open_count:
        items.append(
            WorkItem(label=_("My open action items"), count=open_count, url=f"{url}?owner=me&status=open")
        )
    return items
