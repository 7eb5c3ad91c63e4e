""" "My work" items of the decision engine."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openltc.core.mywork import WorkItem
from openltc.decisions import selectors
from openltc.decisions.choices import CaseStatus, ConditionStatus, Outcome
from openltc.decisions.models import DecisionCase, DecisionCondition


def decision_work(user: Any) -> list[WorkItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    inbox = reverse("decisions:inbox")
    items: list[WorkItem] = []
    to_decide = selectors.waiting_for_my_decision(user).count()
    if to_decide:
        items.append(WorkItem(_("Decisions waiting for you"), to_decide, f"{inbox}#decide", urgent=True))
    to_review = len(selectors.waiting_for_my_opinion(user))
    if to_review:
        items.append(WorkItem(_("Review opinions requested from you"), to_review, f"{inbox}#review"))
    escalated = selectors.escalated_to_me(user).count()
    if escalated:
        items.append(
            WorkItem(_("Overdue decisions escalated to you"), escalated, f"{inbox}#escalated", urgent=True)
        )
    conditions = DecisionCondition.objects.filter(owner=user, status=ConditionStatus.OPEN).count()
    if conditions:
        items.append(WorkItem(_("Decision conditions you own"), conditions, f"{inbox}#conditions"))
    revisit = DecisionCase.objects.filter(
        created_by=user,
        status=CaseStatus.DECIDED,
        outcome=Outcome.DEFERRED,
        revisit_on__lte=timezone.localdate(),
    ).count()
    if revisit:
        items.append(WorkItem(_("Deferred decisions due for revisit"), revisit, f"{inbox}#mine", urgent=True))
    return items
