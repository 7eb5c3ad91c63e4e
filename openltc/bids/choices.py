"""Choices of the bid (投标) and negotiation (谈判) records (ltc-domain §9, §10.1)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BidStatus(models.TextChoices):
    """Where a bid stands. The transitions live in ``workflow.py``, nowhere else."""

    # 标书准备: tender read, bid documents being written, checklist being worked off.
    PREPARING = "preparing", _("Preparing")
    # 投标评审: the bid is under internal bid review; the ATB decision is taken in the decisions app.
    UNDER_REVIEW = "under_review", _("Under bid review")
    # 已投标: documents and bid bond handed in before the deadline.
    SUBMITTED = "submitted", _("Submitted")
    # 已开标: the customer opened the bids; evaluation and clarifications run.
    OPENED = "opened", _("Opened")
    # 中标: we won the tender.
    AWARDED = "awarded", _("Awarded")
    # 失标: another bidder won; recovery actions (失标挽回) may follow.
    LOST = "lost", _("Lost")
    # 废标: our bid was rejected as non-compliant.
    DISQUALIFIED = "disqualified", _("Disqualified")
    # 取消: the tender was cancelled or we withdrew.
    CANCELLED = "cancelled", _("Cancelled")
    # 已关闭: the result is recorded and the post-bid review (标后总结) is done.
    CLOSED = "closed", _("Closed")


OPEN_BID_STATUSES: tuple[str, ...] = (
    BidStatus.PREPARING,
    BidStatus.UNDER_REVIEW,
    BidStatus.SUBMITTED,
    BidStatus.OPENED,
)
EDITABLE_BID_STATUSES: tuple[str, ...] = (BidStatus.PREPARING, BidStatus.UNDER_REVIEW)


class BidResult(models.TextChoices):
    """The opening result; kept after the bid is closed (the analytics read it)."""

    AWARDED = "awarded", _("Awarded")
    LOST = "lost", _("Lost")
    DISQUALIFIED = "disqualified", _("Disqualified")


class EvaluationMethod(models.TextChoices):
    """How the issuer scores the bids."""

    # 综合评分法: weighted technical and commercial score.
    COMPREHENSIVE = "comprehensive", _("Comprehensive scoring (综合评分法)")
    # 最低评标价法: the lowest compliant price wins.
    LOWEST_PRICE = "lowest_price", _("Lowest evaluated price (最低评标价法)")
    # 性价比法: value for money.
    BEST_VALUE = "best_value", _("Best value (性价比法)")
    # 竞争性谈判 / 单一来源 and other methods.
    OTHER = "other", _("Other")


class BondStatus(models.TextChoices):
    """The bid bond (投标保证金)."""

    NOT_REQUIRED = "not_required", _("Not required")
    TO_PAY = "to_pay", _("To be paid")
    PAID = "paid", _("Paid")
    RETURNED = "returned", _("Returned")
    FORFEITED = "forfeited", _("Forfeited")


class ItemCategory(models.TextChoices):
    """What a bid-document checklist item is about (the usual causes of 废标)."""

    QUALIFICATION = "qualification", _("Qualification documents")
    SIGNATURE_SEAL = "signature_seal", _("Signatures and seals")
    BID_BOND = "bid_bond", _("Bid bond")
    FORMAT = "format", _("Format compliance")
    TECHNICAL = "technical", _("Technical proposal")
    COMMERCIAL = "commercial", _("Commercial proposal")
    OTHER = "other", _("Other")


class ItemStatus(models.TextChoices):
    """A checklist item or a recovery action."""

    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class ActionStatus(models.TextChoices):
    """A lost-bid recovery action (失标挽回)."""

    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class NegotiationRole(models.TextChoices):
    """The negotiation team of §10.1."""

    LEAD = "lead", _("Negotiation lead (谈判领导)")
    TECHNICAL = "technical", _("Technical (技术)")
    COMMERCIAL = "commercial", _("Commercial (商务)")
    LEGAL = "legal", _("Legal (法律)")
    FINANCE = "finance", _("Finance (财务)")
