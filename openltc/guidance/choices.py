"""Fixed vocabularies of customer guidance. What a company tunes (playbook texts, key tasks,
document templates, the accepted template file types) lives in rows edited in the admin."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppealsDimension(models.TextChoices):
    """The eight $APPEALS dimensions (ltc-domain §8.1, IBM, used in Huawei IPD), in their order."""

    # $ 价格: what the customer expects to pay for a satisfying offer (actual and perceived).
    PRICE = "price", _("$ Price (价格)")
    # A 可获得性: ease of buying: pre-sales support, demos, channels, delivery time, customisation.
    AVAILABILITY = "availability", _("Availability (可获得性)")
    # P 包装: visual/design attributes; for software, the bundle that makes up the offer.
    PACKAGING = "packaging", _("Packaging (包装)")
    # P 性能: functions and features; how well the product does its job.
    PERFORMANCE = "performance", _("Performance (性能)")
    # E 易用性: ease of use, installation and administration.
    EASE_OF_USE = "ease_of_use", _("Ease of use (易用性)")
    # A 保证: reliability, safety and quality assurances: warranty, certificates, redundancy.
    ASSURANCES = "assurances", _("Assurances (保证)")
    # L 生命周期成本: total cost of ownership: installation, training, maintenance, energy.
    LIFE_CYCLE_COST = "life_cycle_cost", _("Life-cycle cost (生命周期成本)")
    # S 社会接受程度: image, reputation, third-party influence on the decision.
    SOCIAL_ACCEPTANCE = "social_acceptance", _("Social acceptance (社会接受程度)")


DIMENSIONS: tuple[str, ...] = tuple(AppealsDimension.values)


class ActivityKind(models.TextChoices):
    """What kind of contact with the customer, or internal project meeting, an activity was."""

    # 拜访: a visit to the customer.
    VISIT = "visit", _("Customer visit (拜访)")
    # 电话: a call.
    CALL = "call", _("Call")
    # 技术交流: a technical exchange or workshop with the customer.
    TECHNICAL_EXCHANGE = "technical_exchange", _("Technical exchange (技术交流)")
    # 演示: a demonstration or a site visit to a reference customer.
    DEMO = "demo", _("Demo or reference visit")
    # 高层拜访: an executive meeting.
    EXECUTIVE_MEETING = "executive_meeting", _("Executive meeting (高层拜访)")
    # 项目会议: an internal meeting of the sales project team.
    PROJECT_MEETING = "project_meeting", _("Project meeting (项目会议)")
    # Anything else.
    OTHER = "other", _("Other")


class ActionStatus(models.TextChoices):
    """Where an action item from a meeting stands."""

    # Someone owns it and it is not done yet.
    OPEN = "open", _("Open")
    # The owner finished it.
    DONE = "done", _("Done")
    # No longer needed; kept for the minutes.
    CANCELLED = "cancelled", _("Cancelled")


# File types accepted for uploaded document templates (office documents, PDF, text, images).
TEMPLATE_EXTENSIONS: tuple[str, ...] = (
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "odt",
    "ods",
    "odp",
    "txt",
    "md",
    "csv",
    "png",
    "jpg",
    "jpeg",
)
