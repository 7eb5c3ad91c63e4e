"""The contracts waiting for the user: drafts to finish, reviews to give, departments to sign."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openltc.contracts.choices import ContractStatus
from openltc.contracts.models import Contract
from openltc.core.mywork import WorkItem


def contract_work(user: Any) -> list[WorkItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    mine = Contract.objects.filter(Q(owner=user) | Q(contract_manager=user))
    items: list[WorkItem] = []
    drafts = mine.filter(status=ContractStatus.DRAFT).count()
    if drafts:
        items.append(
            WorkItem(
                _("Contract drafts to finish"), drafts, reverse("contracts:list") + "?status=draft&owner=me"
            )
        )
    signing = mine.filter(status__in=[ContractStatus.COUNTERSIGN, ContractStatus.SEAL]).count()
    if signing:
        items.append(
            WorkItem(
                _("Contracts in countersign or seal"),
                signing,
                reverse("contracts:list") + "?status=countersign&owner=me",
            )
        )
    return items
