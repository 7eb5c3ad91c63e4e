"""Bids (投标) on tenders and the negotiation (谈判) that follows: the tender information, the
bid-document checklist, the clarification Q&A, the opening result with competitor prices,
lost-bid recovery (失标挽回), the post-bid review (标后总结), and the negotiation team,
concessions and term changes.

Every record hangs on an opportunity and is visible to whoever can see the opportunity. The bid
status changes only in the services through ``workflow.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openltc.bids.choices import (
    ActionStatus,
    BidResult,
    BidStatus,
    BondStatus,
    EvaluationMethod,
    ItemCategory,
    ItemStatus,
    NegotiationRole,
)
from openltc.core.models import BaseModel, RestrictedQuerySet, VersionedModel
from openltc.core.visibility import Visibility
from openltc.decisions.choices import PaymentRisk

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Use the three-letter ISO 4217 currency code in capitals (CNY, USD, EUR).")
)


def _money(verbose: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=18, decimal_places=2, **kwargs)


def _through(prefix: str) -> Visibility:
    """Visible to whoever sees the opportunity (through ``prefix``)."""
    return Visibility(
        org_unit=f"{prefix}opportunity__org_unit",
        owners=(f"{prefix}opportunity__owner",),
        members=(f"{prefix}opportunity__team_members__user",),
    )


class BidQuerySet(RestrictedQuerySet):
    def open(self) -> BidQuerySet:
        from openltc.bids.choices import OPEN_BID_STATUSES

        return self.filter(status__in=OPEN_BID_STATUSES)


class Bid(BaseModel, VersionedModel):
    """Our bid on one tender of the opportunity's customer: the tender's facts, our price and
    bond, and where the bid stands. ``number`` is gap-free per year (BID-2026-000012)."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.PROTECT,
        related_name="bids",
    )
    title = models.CharField(_("title"), max_length=200)
    tender_number = models.CharField(_("tender number"), max_length=100, blank=True)
    issuer = models.CharField(
        _("issuer"), max_length=200, blank=True, help_text=_("The buyer or its tendering agent.")
    )
    questions_deadline = models.DateTimeField(_("deadline for questions"), null=True, blank=True)
    submission_deadline = models.DateTimeField(_("submission deadline"), null=True, blank=True)
    opening_at = models.DateTimeField(_("bid opening"), null=True, blank=True)
    qualification_requirements = models.TextField(_("qualification requirements"), blank=True)
    evaluation_method = models.CharField(
        _("evaluation method"),
        max_length=16,
        choices=EvaluationMethod.choices,
        default=EvaluationMethod.COMPREHENSIVE,
    )
    bid_price = _money(_("our bid price"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", validators=[currency_validator])
    bond_amount = _money(_("bid bond amount"), null=True, blank=True)
    bond_currency = models.CharField(
        _("bid bond currency"), max_length=3, default="CNY", validators=[currency_validator]
    )
    bond_status = models.CharField(
        _("bid bond status"), max_length=16, choices=BondStatus.choices, default=BondStatus.NOT_REQUIRED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bid manager"),
        on_delete=models.PROTECT,
        related_name="managed_bids",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BidStatus.choices, default=BidStatus.PREPARING, db_index=True
    )
    status_changed_at = models.DateTimeField(_("in status since"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=BidResult.choices, blank=True)
    result_at = models.DateTimeField(_("result recorded at"), null=True, blank=True, db_index=True)
    our_rank = models.PositiveSmallIntegerField(_("our rank"), null=True, blank=True)
    result_note = models.TextField(_("result note"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    objects = BidQuerySet.as_manager()  # type: ignore[misc]
    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="opportunity__org_unit",
        owners=("opportunity__owner", "owner"),
        members=("opportunity__team_members__user",),
    )

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["result", "result_at"], name="bid_result_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=BidStatus.values), name="bid_status_valid"),
            models.CheckConstraint(
                condition=models.Q(bid_price__isnull=True) | models.Q(bid_price__gte=0),
                name="bid_price_not_negative",
                violation_error_message=_("The bid price must not be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(bond_amount__isnull=True) | models.Q(bond_amount__gte=0),
                name="bid_bond_not_negative",
                violation_error_message=_("The bid bond must not be negative."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=BidStatus.CANCELLED) | ~models.Q(cancel_reason=""),
                name="bid_cancel_reason",
                violation_error_message=_("A cancelled bid needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("bids:detail", args=[self.pk])

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (
            self.questions_deadline
            and self.submission_deadline
            and self.questions_deadline > self.submission_deadline
        ):
            raise ValidationError(
                {
                    "questions_deadline": _(
                        "The deadline for questions must be before the submission deadline."
                    )
                }
            )


class BidChecklistItem(BaseModel):
    """One bid document or task to complete before submission. An item that *prevents
    disqualification* (资格性/完整性, 废标项) blocks submission while it is open."""

    bid = models.ForeignKey(Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("item"), max_length=200)
    category = models.CharField(
        _("category"), max_length=16, choices=ItemCategory.choices, default=ItemCategory.OTHER
    )
    prevents_disqualification = models.BooleanField(
        _("prevents disqualification (废标项)"),
        default=False,
        help_text=_("A completeness or qualification item: submission is refused while it is open."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bid_items",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    note = models.CharField(_("note"), max_length=500, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    history = HistoricalRecords()
    visibility: ClassVar[Visibility | None] = _through("bid__")

    class Meta:
        verbose_name = _("bid checklist item")
        verbose_name_plural = _("bid checklist items")
        ordering = ["bid", "due_date", "created_at"]

    def __str__(self) -> str:
        return self.title


class BidQuestion(BaseModel):
    """One clarification (投标答疑): a question to or from the issuer and its answer."""

    bid = models.ForeignKey(Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="questions")
    question = models.TextField(_("question"))
    asked_by = models.CharField(_("asked by"), max_length=200)
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()
    visibility: ClassVar[Visibility | None] = _through("bid__")

    class Meta:
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")
        ordering = ["bid", "asked_at"]

    def __str__(self) -> str:
        return self.question[:80]


class CompetitorPrice(BaseModel):
    """A competitor's price and rank read out at the opening."""

    bid = models.ForeignKey(
        Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="competitor_prices"
    )
    competitor = models.CharField(_("competitor"), max_length=200)
    price = _money(_("price"), null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(_("currency"), max_length=3, default="CNY", validators=[currency_validator])
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    is_winner = models.BooleanField(_("winner"), default=False)

    visibility: ClassVar[Visibility | None] = _through("bid__")

    class Meta:
        verbose_name = _("competitor price")
        verbose_name_plural = _("competitor prices")
        ordering = ["bid", "rank", "competitor"]

    def __str__(self) -> str:
        return self.competitor


class RecoveryAction(BaseModel):
    """A lost-bid recovery action (失标挽回): customer follow-up, complaint, second-round offer..."""

    bid = models.ForeignKey(
        Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="recovery_actions"
    )
    action = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)

    history = HistoricalRecords()
    visibility: ClassVar[Visibility | None] = _through("bid__")

    class Meta:
        verbose_name = _("recovery action")
        verbose_name_plural = _("recovery actions")
        ordering = ["bid", "due_date", "created_at"]

    def __str__(self) -> str:
        return self.action


class PostBidReview(BaseModel):
    """The post-bid review (标后总结): why we won or lost, and the lessons for the next tender."""

    bid = models.OneToOneField(Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="review")
    reasons = models.TextField(_("why we won or lost"))
    lessons = models.TextField(_("lessons learnt"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()
    visibility: ClassVar[Visibility | None] = _through("bid__")

    class Meta:
        verbose_name = _("post-bid review")
        verbose_name_plural = _("post-bid reviews")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(lessons=""),
                name="bid_review_has_lessons",
                violation_error_message=_("Write down the lessons learnt."),
            )
        ]

    def __str__(self) -> str:
        return str(_("Post-bid review"))


class Negotiation(BaseModel, VersionedModel):
    """The negotiation (谈判) of one opportunity: the payment terms being negotiated and their
    risk, the margin estimate, and the decision level the last change routes to."""

    opportunity = models.OneToOneField(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.PROTECT,
        related_name="negotiation",
    )
    payment_terms = models.TextField(_("payment terms"), blank=True)
    payment_risk = models.CharField(
        _("payment-term risk"), max_length=8, choices=PaymentRisk.choices, blank=True
    )
    margin_pct = models.DecimalField(
        _("estimated gross margin (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))],
    )
    needs_new_decision = models.BooleanField(_("a new decision is needed"), default=False)
    decision_note = models.CharField(_("routing note"), max_length=500, blank=True)
    agreed_on = models.DateField(
        _("agreed with the customer on"),
        null=True,
        blank=True,
        help_text=_("The customer's agreement: with ATC approved, the opportunity can be won."),
    )
    agreement_note = models.TextField(_("what was agreed"), blank=True)

    history = HistoricalRecords()
    visibility: ClassVar[Visibility | None] = _through("")

    class Meta:
        verbose_name = _("negotiation")
        verbose_name_plural = _("negotiations")

    def __str__(self) -> str:
        return str(_("Negotiation of %(opportunity)s") % {"opportunity": self.opportunity})


class NegotiationMember(BaseModel):
    """A person on the negotiation team, in one of the five roles of §10.1."""

    negotiation = models.ForeignKey(
        Negotiation, verbose_name=_("negotiation"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=16, choices=NegotiationRole.choices)

    visibility: ClassVar[Visibility | None] = _through("negotiation__")

    class Meta:
        verbose_name = _("negotiation team member")
        verbose_name_plural = _("negotiation team members")
        ordering = ["negotiation", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["negotiation", "user", "role"],
                name="bids_negotiation_member_unique",
                violation_error_message=_("This person already holds this role on the team."),
            ),
            models.UniqueConstraint(
                fields=["negotiation"],
                condition=models.Q(role=NegotiationRole.LEAD),
                name="bids_negotiation_one_lead",
                violation_error_message=_("The negotiation team already has a lead."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class Concession(BaseModel):
    """One exchange in the negotiation: never concede without getting something (§10.1)."""

    negotiation = models.ForeignKey(
        Negotiation, verbose_name=_("negotiation"), on_delete=models.CASCADE, related_name="concessions"
    )
    given = models.CharField(_("what we gave"), max_length=500)
    received = models.CharField(_("what we got"), max_length=500)
    value = _money(_("value"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", validators=[currency_validator])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    visibility: ClassVar[Visibility | None] = _through("negotiation__")

    class Meta:
        verbose_name = _("concession")
        verbose_name_plural = _("concessions")
        ordering = ["negotiation", "created_at"]

    def __str__(self) -> str:
        return self.given[:80]


class TermChange(BaseModel):
    """A price or payment-term change agreed in the negotiation, with the decision level it
    routes to compared with the level that approved the last gate."""

    negotiation = models.ForeignKey(
        Negotiation, verbose_name=_("negotiation"), on_delete=models.CASCADE, related_name="term_changes"
    )
    old_amount = _money(_("previous amount"))
    new_amount = _money(_("new amount"))
    currency = models.CharField(_("currency"), max_length=3)
    old_payment_terms = models.TextField(_("previous payment terms"), blank=True)
    new_payment_terms = models.TextField(_("new payment terms"), blank=True)
    old_payment_risk = models.CharField(_("previous payment-term risk"), max_length=8, blank=True)
    new_payment_risk = models.CharField(
        _("new payment-term risk"), max_length=8, choices=PaymentRisk.choices, blank=True
    )
    reason = models.CharField(_("reason"), max_length=500)
    gate = models.CharField(_("gate compared"), max_length=4, blank=True)
    approved_level = models.PositiveSmallIntegerField(_("level that approved"), null=True, blank=True)
    routed_level = models.PositiveSmallIntegerField(_("level the change routes to"), null=True, blank=True)
    needs_new_decision = models.BooleanField(_("a new decision is needed"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    visibility: ClassVar[Visibility | None] = _through("negotiation__")

    class Meta:
        verbose_name = _("term change")
        verbose_name_plural = _("term changes")
        ordering = ["negotiation", "-created_at"]

    def __str__(self) -> str:
        return f"{self.old_amount} → {self.new_amount} {self.currency}"
