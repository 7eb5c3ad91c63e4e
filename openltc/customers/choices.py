"""Fixed vocabularies of the customer side. Lists a company tunes to its own practice (value tiers,
credit ratings, personality types, relationship stages) are models maintained by admins instead."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LifecycleStatus(models.TextChoices):
    # Known to us, not yet buying: we are working to win a first order.
    PROSPECT = "prospect", pgettext_lazy("customer lifecycle", "Prospect")
    # Buying from us now: at least one live opportunity, contract or order.
    ACTIVE = "active", pgettext_lazy("customer lifecycle", "Active")
    # Was a customer, no activity for a long time; may come back.
    DORMANT = "dormant", pgettext_lazy("customer lifecycle", "Dormant")
    # Went to a competitor or stopped buying for good.
    LOST = "lost", pgettext_lazy("customer lifecycle", "Lost")


class CustomerSize(models.TextChoices):
    # Fewer than about 100 staff.
    SMALL = "small", pgettext_lazy("company size", "Small")
    # About 100 to 1,000 staff.
    MEDIUM = "medium", pgettext_lazy("company size", "Medium")
    # About 1,000 to 10,000 staff.
    LARGE = "large", pgettext_lazy("company size", "Large")
    # Over 10,000 staff, usually a group with subsidiaries.
    ENTERPRISE = "enterprise", _("Very large / group")


class Industry(models.TextChoices):
    # Operators and carriers.
    TELECOM = "telecom", _("Telecommunications")
    # Banks, insurers, securities.
    FINANCE = "finance", _("Finance")
    # Central and local government, public agencies.
    GOVERNMENT = "government", _("Government and public sector")
    # Power generation, grids, oil and gas.
    ENERGY = "energy", _("Energy and utilities")
    # Railways, airports, ports, logistics.
    TRANSPORT = "transport", _("Transport and logistics")
    # Factories and industrial groups.
    MANUFACTURING = "manufacturing", _("Manufacturing")
    # Schools and universities.
    EDUCATION = "education", _("Education")
    # Hospitals and health agencies.
    HEALTHCARE = "healthcare", _("Healthcare")
    # Retail chains and consumer brands.
    RETAIL = "retail", _("Retail")
    # Internet and software companies.
    INTERNET = "internet", _("Internet")
    # Anything else.
    OTHER = "other", _("Other")


class ManagementLevel(models.TextChoices):
    """The three layers of a buying organisation (组织分析的三个层次)."""

    # 决策层: GM, chairman, project commander; sees the purchase as an investment, decides finally.
    DECISION = "decision", _("Decision level (决策层)")
    # 管理层: purchasing, finance, technical managers; decides small buys, often holds a veto.
    MANAGEMENT = "management", _("Management level (管理层)")
    # 操作层: engineers, buyers, assistants; shortlists vendors and shapes the criteria.
    OPERATION = "operation", _("Operation level (操作层)")


class BuyingRole(models.TextChoices):
    """The roles a person plays in a purchase; one person may hold several."""

    # E: decides whether the money is spent (经济决策者).
    ECONOMIC_DECIDER = "economic", _("Economic decision maker")
    # T: judges and may veto the technical solution (技术决策者).
    TECHNICAL_DECIDER = "technical", _("Technical decision maker")
    # U: will use the solution and judges fitness for use (应用决策者).
    USER_DECIDER = "user", _("User decision maker")
    # Shapes others' opinions without formal power (影响者).
    INFLUENCER = "influencer", _("Influencer")
    # Signs off formally (批准者).
    APPROVER = "approver", _("Approver")
    # Runs the purchasing process (采购者).
    BUYER = "buyer", _("Buyer")
    # Controls access to information and people (把关者).
    GATEKEEPER = "gatekeeper", _("Gatekeeper")


class Influence(models.TextChoices):
    # Can swing the decision alone.
    HIGH = "high", pgettext_lazy("influence", "High")
    # Is listened to by the deciders.
    MEDIUM = "medium", pgettext_lazy("influence", "Medium")
    # Little weight in the decision.
    LOW = "low", pgettext_lazy("influence", "Low")


class CoachFunction(models.TextChoices):
    """What a coach (教练/线人) inside the customer does for us."""

    # 通风报信: passes on information we would not otherwise get.
    TIP_OFF = "tip_off", _("Tip-off (通风报信)")
    # 暗中支持: supports us quietly inside the customer.
    QUIET_SUPPORT = "quiet_support", _("Quiet support (暗中支持)")
    # 出谋划策: advises us on strategy.
    STRATEGY_ADVICE = "strategy_advice", _("Strategy advice (出谋划策)")


class RelationshipKind(models.TextChoices):
    """Edges of the buying-organisation map (客户采购组织内部关系分析图)."""

    # Source reports to target (informal or dotted line; the formal line is Contact.reports_to).
    REPORTS_TO = "reports_to", _("Reports to")
    # Source's opinion weighs with target.
    INFLUENCES = "influences", _("Influences")
    # Source and target pull in the same direction.
    ALLIED = "allied", _("Allied with")
    # Source and target work against each other.
    RIVAL = "rival", _("Rival of")


class PlanStatus(models.TextChoices):
    # Agreed, not started.
    PLANNED = "planned", _("Planned")
    # Actions under way.
    IN_PROGRESS = "in_progress", _("In progress")
    # Target stage reached.
    ACHIEVED = "achieved", _("Achieved")
    # Given up (person left, project dropped).
    CANCELLED = "cancelled", _("Cancelled")


class ActionStatus(models.TextChoices):
    # Still to do.
    OPEN = "open", pgettext_lazy("action status", "Open")
    # Done.
    DONE = "done", pgettext_lazy("action status", "Done")
    # Will not be done.
    CANCELLED = "cancelled", _("Cancelled")


STANCE_CHOICES = [
    (3, _("+3 strong supporter")),
    (2, _("+2 supporter")),
    (1, _("+1 leaning to us")),
    (0, _("0 neutral")),
    (-1, _("-1 leaning away")),
    (-2, _("-2 opponent")),
    (-3, _("-3 strong opponent")),
]
