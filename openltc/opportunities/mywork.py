"""What waits for a user in opportunities: overdue closes and deals stuck in their stage."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openltc.core.mywork import WorkItem
from openltc.opportunities import selectors


def opportunity_work(user: Any) -> list[WorkItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    items: list[WorkItem] = []
    url = reverse("opportunities:list")
    overdue = selectors.my_overdue(user).count()
    if overdue:
        items.append(
            WorkItem(
                label=_("My open opportunities past their expected close date"),
                count=overdue,
                url=f"{url}?owner=me&overdue=1",
                urgent=True,
            )
        )
    stuck = selectors.my_stuck(user).count()
    if stuck:
        items.append(
            WorkItem(
                label=_("My opportunities longer in their stage than the norm"),
                count=stuck,
                url=f"{url}?owner=me&stuck=1",
            )
        )
    return items
