"""Opportunities (机会点): the deals we pursue from validation to won, lost or abandoned, their
sales project team, and the admin-tuned settings of each stage."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from openltc.core.models import BaseModel, RestrictedQuerySet, VersionedModel
from openltc.core.visibility import Visibility
from openltc.opportunities.choices import (
    CLOSED_STAGES,
    OPEN_STAGES,
    CompetitorStatus,
    CriterionGroup,
    FactorCode,
    FactorKind,
    ForecastCategory,
    Grade,
    Level,
    LossReason,
    PricePosition,
    ProjectType,
    ReviewDepth,
    SolutionPreference,
    Stage,
    TeamRole,
)

PAYMENT_RISK_CHOICES = [
    ("low", pgettext_lazy("risk", "Low")),
    ("medium", pgettext_lazy("risk", "Medium")),
    ("high", pgettext_lazy("risk", "High")),
]

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
    # Grading inputs (项目分级) and the deal's economics, which the delegation matrix routes on.
    margin_pct = models.DecimalField(
        _("estimated gross margin (%)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
    )
    payment_risk = models.CharField(
        _("payment-term risk"), max_length=8, choices=PAYMENT_RISK_CHOICES, blank=True
    )
    competition = models.CharField(
        _("competitive intensity"), max_length=8, choices=Level.choices, blank=True
    )
    complexity = models.CharField(
        _("technical and delivery complexity"), max_length=8, choices=Level.choices, blank=True
    )
    # Success-probability inputs (成功概率); relationship coverage and the coach come from the
    # customer's contacts.
    solution_preference = models.CharField(
        _("solution preference"), max_length=16, choices=SolutionPreference.choices, blank=True
    )
    price_position = models.CharField(
        _("price position"), max_length=16, choices=PricePosition.choices, blank=True
    )
    competitor_status = models.CharField(
        _("competitor status"), max_length=16, choices=CompetitorStatus.choices, blank=True
    )
    # The grade the factors gave, with its score and explanation as computed; ``grade`` is the
    # effective grade (the computed one unless overridden with a reason).
    grade_computed = models.CharField(_("computed grade"), max_length=1, choices=Grade.choices, blank=True)
    grade_score = models.DecimalField(
        _("grading score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    grade_explanation = models.JSONField(_("grading explanation"), default=dict, blank=True)
    grade_computed_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    grade_override_reason = models.CharField(_("reason for the grade override"), max_length=500, blank=True)
    grade_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grade overridden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    grade_overridden_at = models.DateTimeField(_("grade overridden at"), null=True, blank=True)
    # Initiation (立项): project type and lead department (确定项目类型和主责部门).
    project_type = models.CharField(_("project type"), max_length=16, choices=ProjectType.choices, blank=True)
    lead_department = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("lead department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_opportunities",
    )
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
            margin_pct=self.margin_pct,
            payment_risk=self.payment_risk or None,
            org_unit=self.org_unit,
        )

    def decision_review_functions(self, gate: str) -> list[str] | None:
        """Subject protocol: the review functions the grade requires at ``gate`` (review depth),
        or None for the gate's default."""
        if not self.grade:
            return None
        setting = GradeSetting.objects.filter(grade=self.grade).first()
        if setting is None:
            return None
        return setting.review_functions_for(gate)

    @property
    def grade_is_overridden(self) -> bool:
        return bool(self.grade_override_reason)

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


# --- assessment configuration (grading, success probability, payment ability) -------------------


class ScoringFactor(models.Model):
    """One factor of an assessment (grading, success probability or payment ability) with its
    weight. Its bands turn the opportunity's input into points (0–100); the assessment score is
    the weighted mean of the points of the factors whose input is known."""

    code = models.CharField(_("factor"), max_length=32, choices=FactorCode.choices, unique=True)
    kind = models.CharField(_("assessment"), max_length=16, choices=FactorKind.choices, editable=False)
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, default=10, validators=[MinValueValidator(0)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scoring factor")
        verbose_name_plural = _("scoring factors")
        ordering = ["kind", "order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=0),
                name="opp_factor_weight_not_negative",
                violation_error_message=_("The weight must not be negative."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_code_display())

    def save(self, *args: Any, **kwargs: Any) -> None:
        from openltc.opportunities.choices import FACTOR_KIND

        self.kind = FACTOR_KIND.get(self.code, self.kind)
        super().save(*args, **kwargs)


class ScoringBand(models.Model):
    """How many points an input earns. Numeric factors (value, margin, coverage, credit limit)
    use the band with the highest lower bound not above the input; the others match a code
    (``match``: a level, a tier or rating code, "yes"/"no"). ``min_grade`` raises the grade to
    at least this when the band applies (e.g. a strategic customer ⇒ at least A)."""

    factor = models.ForeignKey(
        ScoringFactor, verbose_name=_("factor"), on_delete=models.CASCADE, related_name="bands"
    )
    match = models.CharField(_("input code"), max_length=32, blank=True)
    min_value = models.DecimalField(
        _("from (numeric input)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    points = models.PositiveSmallIntegerField(_("points (0–100)"), validators=[MaxValueValidator(100)])
    min_grade = models.CharField(_("grade at least"), max_length=1, choices=Grade.choices, blank=True)

    class Meta:
        verbose_name = _("scoring band")
        verbose_name_plural = _("scoring bands")
        ordering = ["factor", "min_value", "match"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points__lte=100),
                name="opp_band_points_range",
                violation_error_message=_("Points must be between 0 and 100."),
            ),
        ]

    def __str__(self) -> str:
        key = self.match if self.min_value is None else f"≥ {self.min_value}"
        return f"{self.factor}: {key} → {self.points}"


class GradeSetting(models.Model):
    """One project grade: the lowest grading score that earns it, the team roles it requires
    before ATI (besides the iron triangle) and its review depth per gate."""

    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, unique=True)
    min_score = models.DecimalField(
        _("from score"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    required_roles = models.JSONField(
        _("required team roles"),
        default=list,
        blank=True,
        help_text=_("Team role codes that must be on the team before ATI (the iron triangle always is)."),
    )
    review_depth = models.CharField(
        _("review depth"), max_length=16, choices=ReviewDepth.choices, default=ReviewDepth.STANDARD
    )
    reviews_by_gate = models.JSONField(
        _("review functions by gate"),
        default=dict,
        blank=True,
        help_text=_(
            'For example {"ATB": ["finance", "legal"]}; a gate listed here replaces the gate\'s '
            "default review functions for this grade."
        ),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grade setting")
        verbose_name_plural = _("grade settings")
        ordering = ["grade"]

    def __str__(self) -> str:
        return str(self.get_grade_display())

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from openltc.decisions.choices import Gate, ReviewFunction

        errors: dict[str, Any] = {}
        roles = self.required_roles
        if not isinstance(roles, list) or any(r not in TeamRole.values for r in roles):
            errors["required_roles"] = _("List team roles from: %(choices)s.") % {
                "choices": ", ".join(TeamRole.values)
            }
        reviews = self.reviews_by_gate
        if not isinstance(reviews, dict) or any(
            gate not in Gate.values
            or not isinstance(functions, list)
            or any(f not in ReviewFunction.values for f in functions)
            for gate, functions in reviews.items()
        ):
            errors["reviews_by_gate"] = _("Map gates to lists of review functions from: %(choices)s.") % {
                "choices": ", ".join(ReviewFunction.values)
            }
        if errors:
            raise ValidationError(errors)

    def review_functions_for(self, gate: str) -> list[str] | None:
        reviews = self.reviews_by_gate if isinstance(self.reviews_by_gate, dict) else {}
        functions = reviews.get(str(gate))
        return [str(f) for f in functions] if isinstance(functions, list) else None


class EvaluationCriterion(models.Model):
    """One of the ten evaluation criteria (机会点评估标准, ltc-domain §5.2) with its weight."""

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9_]{1,32}$", _("Use lower-case letters, digits or '_'."))],
    )
    name = models.CharField(_("name"), max_length=120)
    group = models.CharField(_("side"), max_length=16, choices=CriterionGroup.choices)
    guidance = models.CharField(_("what to assess"), max_length=300, blank=True)
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, default=10, validators=[MinValueValidator(0)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class EvaluationScore(BaseModel):
    """The team's score (1 poor … 5 excellent) of one criterion for one opportunity, with a note."""

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="evaluation_scores"
    )
    criterion = models.ForeignKey(
        EvaluationCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    score = models.PositiveSmallIntegerField(
        _("score (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scored by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()
    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="opportunity__org_unit",
        owners=("opportunity__owner",),
        members=("opportunity__team_members__user",),
    )

    class Meta:
        verbose_name = _("evaluation score")
        verbose_name_plural = _("evaluation scores")
        ordering = ["opportunity", "criterion__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "criterion"],
                name="opp_evaluation_one_score",
                violation_error_message=_("This criterion is already scored."),
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1) & models.Q(score__lte=5),
                name="opp_evaluation_score_range",
                violation_error_message=_("The score must be between 1 and 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


# --- project initiation (立项) -------------------------------------------------------------------


class ProjectCharter(BaseModel, VersionedModel):
    """The initiation application and project charter (项目章程) of an opportunity: why pursue
    it, goals, scope, milestones, resources and risks."""

    opportunity = models.OneToOneField(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="charter"
    )
    background = models.TextField(_("why pursue it (application)"), blank=True)
    goals = models.TextField(_("goals"), blank=True)
    scope = models.TextField(_("scope"), blank=True)
    milestones = models.TextField(_("milestones"), blank=True)
    resources = models.TextField(_("resources requested"), blank=True)
    risks = models.TextField(_("risks"), blank=True)

    history = HistoricalRecords()
    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="opportunity__org_unit",
        owners=("opportunity__owner",),
        members=("opportunity__team_members__user",),
    )

    class Meta:
        verbose_name = _("project charter")
        verbose_name_plural = _("project charters")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.opportunity_id} charter"

    def missing_sections(self) -> list[str]:
        names = ["background", "goals", "scope", "milestones", "resources", "risks"]
        return [
            str(getattr(self._meta.get_field(n), "verbose_name", n))
            for n in names
            if not str(getattr(self, n)).strip()
        ]


class TeamAppointment(BaseModel):
    """A project-team appointment (项目组任命): the team as appointed, numbered, with who
    appointed it and when. A later appointment supersedes an earlier one; rows are never edited."""

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="appointments"
    )
    number = models.CharField(_("number"), max_length=24, unique=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("appointed by"), on_delete=models.PROTECT, related_name="+"
    )
    appointed_at = models.DateTimeField(_("appointed at"), default=timezone.now)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    members = models.JSONField(_("team as appointed"), default=list)
    note = models.TextField(_("note"), blank=True)

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="opportunity__org_unit",
        owners=("opportunity__owner",),
        members=("opportunity__team_members__user",),
    )

    class Meta:
        verbose_name = _("team appointment")
        verbose_name_plural = _("team appointments")
        ordering = ["opportunity", "-appointed_at"]

    def __str__(self) -> str:
        return self.number
