"""The roles a user can hold, each scoped to an org unit, and what each role lets its holder reach.

This table is the one place that says which role sees or manages which records. A role with
SUBTREE sight sees every record of its org unit and the units below; an OWN role sees only records
the user owns or works on as a team member.
"""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SALES_REP = "sales_rep", _("Sales rep / AR (account responsible)")
    SOLUTION = "solution", _("Solution / SR (solution responsible)")
    FULFILMENT = "fulfilment", _("Fulfilment / FR (fulfilment responsible)")
    LEAD_MANAGER = "lead_manager", _("Lead manager")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SDT_MEMBER = "sdt_member", _("SDT member (sales decision team)")
    CONTRACT_MANAGER = "contract_manager", _("Contract manager")
    FINANCE = "finance", _("Finance")
    LEGAL = "legal", _("Legal")
    DELIVERY_MANAGER = "delivery_manager", _("Delivery manager")
    EXECUTIVE = "executive", _("Executive")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


class Reach(enum.Enum):
    OWN = "own"  # records the user owns or is on the team of
    SUBTREE_VIEW = "subtree_view"  # sees everything in the org-unit subtree, changes only own
    SUBTREE_MANAGE = "subtree_manage"  # sees and manages everything in the subtree


ROLE_REACH: dict[str, Reach] = {
    Role.SALES_REP: Reach.OWN,
    Role.SOLUTION: Reach.OWN,
    Role.FULFILMENT: Reach.OWN,
    Role.LEAD_MANAGER: Reach.SUBTREE_MANAGE,
    Role.SALES_MANAGER: Reach.SUBTREE_MANAGE,
    Role.SDT_MEMBER: Reach.SUBTREE_VIEW,
    Role.CONTRACT_MANAGER: Reach.SUBTREE_MANAGE,
    Role.FINANCE: Reach.SUBTREE_VIEW,
    Role.LEGAL: Reach.SUBTREE_VIEW,
    Role.DELIVERY_MANAGER: Reach.SUBTREE_MANAGE,
    Role.EXECUTIVE: Reach.SUBTREE_VIEW,
    Role.SYSTEM_ADMIN: Reach.SUBTREE_MANAGE,
}


class DecisionLevel(models.IntegerChoices):
    """The SDT tiers that decide at gates, lowest first (代表处 → 地区部 → 公司)."""

    OFFICE = 1, _("Office SDT (代表处)")
    REGION = 2, _("Region SDT (地区部)")
    COMPANY = 3, _("Company SDT (公司)")
