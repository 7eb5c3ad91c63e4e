"""Opportunities (机会点): the deals we pursue from validation to won, lost or abandoned, their
sales project team, and the admin-tuned settings of each stage."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openltc.core.models import BaseModel, RestrictedQuerySet, VersionedModel
from openltc.core.visibility import Visibility
from openltc.opportunities.choices import (
    CLOSED_STAGES,
    OPEN_STAGES,
    ForecastCategory,
    Grade,
    LossReason,
    Stage,
    TeamRole,
)

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Use the three-letter ISO 4217 currency code in capitals (CNY, USD, EUR).")
)


@dataclass(frozen=True)
class StageDefaults:
    order: int
    probability: int
    forecast_category: str
    band: int
    norm_days: int | None
    is_open: bool


# The proposed defaults of ltc-domain §3.2 (10/25/50/75/100/0; "initiated" sits between
# validating and guiding). The data migration copies them into StageSetting rows, which admins
# edit; services fall back to these only when a row is missing.
STAGE_DEFAULTS: dict[str, StageDefaults] = {
    Stage.VALIDATING: StageDefaults(10, 10, ForecastCategory.PIPELINE, 10, 30, True),
    Stage.INITIATED: StageDefaults(20, 20, ForecastCategory.PIPELINE, 10, 21, True),
    Stage.GUIDING: StageDefaults(30, 25, ForecastCategory.PIPELINE, 10, 60, True),
    Stage.BIDDING: StageDefaults(40, 50, ForecastCategory.BEST_CASE, 10, 45, True),
    Stage.NEGOTIATING: StageDefaults(50, 75, ForecastCategory.COMMIT, 10, 30, True),
    Stage.WON: StageDefaults(60, 100, ForecastCategory.CLOSED, 0, None, False),
    Stage.LOST: StageDefaults(70, 0, ForecastCategory.OMITTED, 0, None, False),
    Stage.ABANDONED: StageDefaults(80, 0, ForecastCategory.OMITTED, 0, None, False),
}


class StageSetting(models.Model):
    """Admin-tuned figures of one stage: its default probability and forecast category, how far
    an owner may move the probability from the default, and how long a deal normally stays."""

    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    default_probability = models.PositiveSmallIntegerField(
        _("default probability (%)"), validators=[MaxValueValidator(100)]
    )
    default_forecast_category = models.CharField(
        _("default forecast category"), max_length=16, choices=ForecastCategory.choices
    )
    probability_band = models.PositiveSmallIntegerField(
        _("allowed probability band (± points)"),
        default=10,
        validators=[MaxValueValidator(100)],
        help_text=_("How many points the owner may move the probability away from the default."),
    )
    norm_days = models.PositiveIntegerField(
        _("norm days in stage"),
        null=True,
        blank=True,
        help_text=_("An open opportunity staying longer than this is shown as stuck. Empty: no norm."),
    )
    is_open = models.BooleanField(_("open stage"), default=True)

    class Meta:
        verbose_name = _("stage setting")
        verbose_name_plural = _("stage settings")
        ordering = ["order", "stage"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_probability__lte=100) & models.Q(probability_band__lte=100),
                name="opp_stage_setting_percent_range",
                violation_error_message=_("Percentages must be between 0 and 100."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_stage_display())

    def probability_range(self) -> tuple[int, int]:
        return (
            max(0, self.default_probability - self.probability_band),
            min(100, self.default_probability + self.probability_band),
        )


class OpportunityQuerySet(RestrictedQuerySet):
    def open(self) -> OpportunityQuerySet:
        return self.filter(stage__in=OPEN_STAGES)

    def closed(self) -> OpportunityQuerySet:
        return self.filter(stage__in=CLOSED_STAGES)

    def overdue(self, today: datetime.date | None = None) -> OpportunityQuerySet:
        """Open opportunities whose expected close date has passed."""
        return self.open().filter(expected_close_date__lt=today or timezone.localdate())

    def stuck(self, norms: dict[str, int], now: datetime.datetime | None = None) -> OpportunityQuerySet:
        """Open opportunities that stayed in their stage longer than the stage's norm days."""
        now = now or timezone.now()
        condition = models.Q(pk__in=[])
        for stage, days in norms.items():
            if stage in OPEN_STAGES:
                condition |= models.Q(stage=stage, stage_entered_at__lt=now - datetime.timedelta(days=days))
        return self.filter(condition)


class Opportunity(BaseModel, VersionedModel):
    """A sales opportunity (机会点) with one customer, owned by its AR.

    The stage is changed only by the services through ``workflow.py``; gates (ATI/ATB/ATC) need a
    recorded decision. ``number`` is human-readable and gap-free per year (OPP-2026-000123).
    """

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("main contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    origin_lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("origin lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    product_lines = models.ManyToManyField(
        "org.ProductLine",
        verbose_name=_("product lines"),
        blank=True,
        related_name="opportunities",
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", validators=[currency_validator])
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.VALIDATING, db_index=True
    )
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=10, validators=[MaxValueValidator(100)]
    )
    probability_reason = models.CharField(_("reason for the probability"), max_length=500, blank=True)
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=16,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    competitors = models.JSONField(_("competitors"), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (AR)"),
        on_delete=models.PROTECT,
        related_name="owned_opportunities",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, null=True, blank=True)
    close_reason = models.CharField(
        _("reason lost or abandoned"), max_length=32, choices=LossReason.choices, blank=True
    )
    close_competitor = models.CharField(_("winning competitor"), max_length=200, blank=True)
    close_note = models.TextField(_("closing note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = OpportunityQuerySet.as_manager()  # type: ignore[misc]  # narrows the base manager
    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="org_unit", owners=("owner",), members=("team_members__user",)
    )

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["stage", "expected_close_date"], name="opp_stage_close_idx"),
            models.Index(fields=["owner", "stage"], name="opp_owner_stage_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__gte=0) & models.Q(probability__lte=100),
                name="opp_probability_range",
                violation_error_message=_("The probability must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="opp_amount_not_negative",
                violation_error_message=_("The amount must not be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(stage__in=CLOSED_STAGES, closed_at__isnull=False)
                | (~models.Q(stage__in=CLOSED_STAGES) & models.Q(closed_at__isnull=True)),
                name="opp_closed_at_iff_closed",
                violation_error_message=_("Only a closed opportunity has a closing time."),
            ),
            models.CheckConstraint(
                condition=~models.Q(stage__in=[Stage.LOST, Stage.ABANDONED]) | ~models.Q(close_reason=""),
                name="opp_lost_abandoned_reason",
                violation_error_message=_("A lost or abandoned opportunity needs a reason."),
            ),
            models.CheckConstraint(
                condition=~models.Q(stage=Stage.LOST) | ~models.Q(close_competitor=""),
                name="opp_lost_competitor",
                violation_error_message=_("A lost opportunity needs the competitor who won."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def weighted_amount(self) -> Any:
        return self.amount * self.probability / 100

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("opportunities:detail", args=[self.pk])

    def decision_attributes(self) -> Any:
        """Subject protocol of the decision engine: what its delegation matrix routes on."""
        from openltc.decisions.subjects import DecisionAttributes

        return DecisionAttributes(
            amount=self.amount,
            currency=self.currency,
            grade=self.grade or None,
            margin_pct=None,
            payment_risk=None,
            org_unit=self.org_unit,
        )

    def decision_participants(self) -> list[Any]:
        """Subject protocol: the AR and the team see the opportunity's decision cases."""
        return [self.owner, *(m.user for m in self.team_members.select_related("user"))]

    def competitors_display(self) -> str:
        return ", ".join(str(c) for c in self.competitors or [])


class OpportunityTeamMember(BaseModel):
    """A person on the opportunity's sales project team (iron triangle AR/SR/FR or an extended
    role). Team members see and work on the opportunity; the AR is always its owner."""

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="team_members",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="opportunity_memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=TeamRole.choices)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="opportunity__org_unit",
        owners=("opportunity__owner",),
        members=("opportunity__team_members__user",),
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["opportunity", "joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "user", "role"],
                name="opp_team_member_unique",
                violation_error_message=_("This person already holds this role on the team."),
            ),
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=models.Q(role=TeamRole.AR),
                name="opp_team_one_ar",
                violation_error_message=_("The team already has an AR."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class OpportunityStageChange(models.Model):
    """One stage move of an opportunity (created, advanced, lost, abandoned): the history that
    stage aging, cycle times, conversion and win/loss analytics read. Written by the services in
    the same transaction as the move; never edited."""

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("from stage"), max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=16, choices=Stage.choices)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    amount = models.DecimalField(_("amount at the change"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    probability = models.PositiveSmallIntegerField(_("probability at the change (%)"))

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="opportunity__org_unit",
        owners=("opportunity__owner",),
        members=("opportunity__team_members__user",),
    )

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["opportunity", "changed_at"]
        indexes = [models.Index(fields=["to_stage", "changed_at"], name="opp_stagechange_to_idx")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage or '-'} → {self.to_stage}"
