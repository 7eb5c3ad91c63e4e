"""What waits for the user in delivery: overdue plan items, overdue meeting actions, open findings."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openltc.core.mywork import WorkItem
from openltc.delivery import selectors
from openltc.delivery.models import ActionItem, ReviewFinding


def delivery_work(user: Any) -> list[WorkItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    items: list[WorkItem] = []
    url = reverse("delivery:list") + "?mine=1"
    overdue = selectors.overdue_items(user, today).count()
    if overdue:
        items.append(WorkItem(_("Overdue delivery tasks and milestones"), overdue, url, urgent=True))
    actions = ActionItem.objects.filter(owner=user, done_at__isnull=True, due__lt=today).count()
    if actions:
        items.append(WorkItem(_("Overdue meeting actions"), actions, url, urgent=True))
    findings = ReviewFinding.objects.filter(owner=user, closed_at__isnull=True).count()
    if findings:
        items.append(WorkItem(_("Open review findings"), findings, url))
    return items
