"""The bids waiting for the user: deadlines coming up, open checklist items, recovery actions."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openltc.bids.choices import OPEN_BID_STATUSES, ActionStatus, ItemStatus
from openltc.bids.models import Bid, BidChecklistItem, RecoveryAction
from openltc.core.mywork import WorkItem


def bid_work(user: Any) -> list[WorkItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    items: list[WorkItem] = []
    soon = timezone.now() + datetime.timedelta(days=7)
    due = Bid.objects.filter(
        owner=user, status__in=OPEN_BID_STATUSES[:2], submission_deadline__lte=soon
    ).count()
    if due:
        items.append(
            WorkItem(_("Bids due within a week"), due, reverse("bids:list") + "?status=open&owner=me")
        )
    open_items = BidChecklistItem.objects.filter(owner=user, status=ItemStatus.OPEN).count()
    if open_items:
        items.append(
            WorkItem(_("Bid documents to complete"), open_items, reverse("bids:list") + "?status=open")
        )
    recovery = RecoveryAction.objects.filter(owner=user, status=ActionStatus.OPEN).count()
    if recovery:
        items.append(
            WorkItem(_("Lost-bid recovery actions"), recovery, reverse("bids:list") + "?result=lost")
        )
    return items
