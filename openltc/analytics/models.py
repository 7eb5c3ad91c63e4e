"""Analytics: the admin-tuned report settings, sales quotas, manager forecast adjustments and the
weekly forecast snapshots (with the record of how far the snapshot job has filled).

Every report reads the business tables of the other apps directly, aggregated in the database;
only what needs history (snapshots) is stored here.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openltc.core.models import BaseModel, RestrictedQuerySet
from openltc.core.visibility import Visibility
from openltc.opportunities.choices import ForecastCategory


class AnalyticsSettings(models.Model):
    """The one row of report settings (created by a data migration, edited in the admin).

    Reports read it once per request; when the row is missing they use the field defaults.
    """

    funnel_period_days = models.PositiveIntegerField(
        _("default report period (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
        help_text=_("Reports without a period cover this many days up to today."),
    )
    pipeline_months = models.PositiveSmallIntegerField(
        _("pipeline months shown"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text=_("Expected close months shown in the pipeline, from the current month on."),
    )
    stuck_list_limit = models.PositiveSmallIntegerField(
        _("stuck deals listed"), default=50, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    stuck_factor_percent = models.PositiveSmallIntegerField(
        _("stuck after (% of the stage norm)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("A deal is stuck once its time in stage exceeds this share of the stage's norm days."),
    )
    forecast_months = models.PositiveSmallIntegerField(
        _("forecast months snapshotted"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("The weekly snapshot covers the current month and this many months in all."),
    )
    snapshot_backfill_weeks = models.PositiveSmallIntegerField(
        _("snapshot backfill (weeks)"),
        default=12,
        validators=[MaxValueValidator(260)],
        help_text=_(
            "On its first run the snapshot job rebuilds this many past weeks from the stage history."
        ),
    )
    accuracy_periods = models.PositiveSmallIntegerField(
        _("past months measured for accuracy"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    accuracy_offset_days = models.PositiveSmallIntegerField(
        _("forecast taken this many days before the month"),
        default=0,
        validators=[MaxValueValidator(366)],
        help_text=_(
            "Accuracy compares a month's actuals with the last snapshot taken this many days before it starts."
        ),
    )
    high_percentile = models.PositiveSmallIntegerField(
        _("high percentile of cycle times"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    top_list_limit = models.PositiveSmallIntegerField(
        _("reasons and competitors listed"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    radar_limit = models.PositiveSmallIntegerField(
        _("people or teams on a KPI radar"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("The radar charts draw this many people or teams, the largest open pipeline first."),
    )
    scatter_limit = models.PositiveSmallIntegerField(
        _("deals on the dashboard scatter"),
        default=200,
        validators=[MinValueValidator(1), MaxValueValidator(2000)],
        help_text=_("The scatter of open deals draws this many, the largest amount first."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("analytics settings")
        verbose_name_plural = _("analytics settings")

    def __str__(self) -> str:
        return str(_("Analytics settings"))


class Quota(BaseModel):
    """A sales target for one person or one org unit (team, office, region) over a period."""

    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="quotas"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotas",
        help_text=_("Empty: the quota of the whole org unit."),
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    amount = models.DecimalField(
        _("target amount"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")

    history = HistoricalRecords()
    visibility: ClassVar[Visibility | None] = Visibility(org_unit="org_unit", owners=("user",))

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["-period_start", "org_unit", "user"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="analytics_quota_period_order",
                violation_error_message=_("The period must end on or after its start."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="analytics_quota_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        who = self.user or self.org_unit
        return f"{who} {self.period_start}–{self.period_end}: {self.amount} {self.currency}"


class ForecastAdjustment(BaseModel):
    """A manager's own forecast for their org unit, month and category, with the reason; the
    latest adjustment of a unit, month and category replaces the rolled-up figure at that level."""

    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="forecast_adjustments",
    )
    period = models.DateField(_("month"), help_text=_("First day of the forecast month."))
    category = models.CharField(_("forecast category"), max_length=16, choices=ForecastCategory.choices)
    amount = models.DecimalField(
        _("adjusted forecast"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )
    system_amount = models.DecimalField(_("rolled-up forecast at the time"), max_digits=18, decimal_places=2)
    reason = models.TextField(_("reason"))
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("adjusted by"), on_delete=models.PROTECT, related_name="+"
    )

    visibility: ClassVar[Visibility | None] = Visibility(org_unit="org_unit", owners=("adjusted_by",))

    class Meta:
        verbose_name = _("forecast adjustment")
        verbose_name_plural = _("forecast adjustments")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["org_unit", "period", "category", "-created_at"], name="analytics_adj_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="analytics_adj_amount_not_negative"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="analytics_adj_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.period:%Y-%m} {self.category}: {self.amount}"


class ForecastSnapshot(models.Model):
    """What one owner forecast, in one org unit, for one month and category, as of one week."""

    id = models.BigAutoField(primary_key=True)
    week = models.DateField(_("week (Monday)"), db_index=True)
    period = models.DateField(_("month"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(_("forecast category"), max_length=16, choices=ForecastCategory.choices)
    deals = models.PositiveIntegerField(_("deals"), default=0)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    weighted = models.DecimalField(_("weighted amount"), max_digits=18, decimal_places=2)
    from_history = models.BooleanField(
        _("rebuilt from stage history"),
        default=False,
        help_text=_("Filled after the fact from the stage changes rather than taken live."),
    )

    objects = RestrictedQuerySet.as_manager()

    visibility: ClassVar[Visibility | None] = Visibility(org_unit="org_unit", owners=("owner",))

    class Meta:
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")
        ordering = ["-week", "period", "owner", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["week", "period", "owner", "org_unit", "category"], name="analytics_snapshot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.period:%Y-%m} {self.owner_id} {self.category}: {self.amount}"


class JobProgress(models.Model):
    """How far a re-runnable summary job has filled its table (one row per job)."""

    job = models.CharField(_("job"), max_length=64, unique=True)
    filled_until = models.DateField(_("filled until"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)
    rows_written = models.PositiveIntegerField(_("rows written in the last run"), default=0)

    class Meta:
        verbose_name = _("job progress")
        verbose_name_plural = _("job progress")
        ordering = ["job"]

    def __str__(self) -> str:
        return f"{self.job}: {self.filled_until}"
