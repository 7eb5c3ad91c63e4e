"""Contract delivery (合同交付管理, domain reference §11): one delivery project per signed contract
(or per PO under a frame contract), its PDT-style team, the integrated plan (streams, tasks and
delivery milestones linked to the contract's receivable plan lines), customer acceptance, risks,
estimation, the four cost stages (项目四算), quality reviews, meetings, the work log and closure.

Every write goes through ``services.py``; the project status moves only through ``workflow.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openltc.core.models import BaseModel, VersionedModel
from openltc.core.visibility import Visibility
from openltc.delivery.choices import (
    CostCategory,
    CostStage,
    DelphiStatus,
    ItemKind,
    ItemStatus,
    MeetingKind,
    ProjectStatus,
    QualityCost,
    ReviewConclusion,
    ReviewKind,
    RiskCategory,
    RiskResponse,
    RiskStatus,
    Severity,
    Stream,
    TeamRole,
)

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Use the three-letter ISO 4217 currency code in capitals (CNY, USD, EUR).")
)
ZERO = Decimal("0.00")


def _through_project(prefix: str = "project__") -> Visibility:
    return Visibility(
        org_unit=f"{prefix}org_unit",
        owners=(f"{prefix}fr", f"{prefix}contract__owner", f"{prefix}contract__contract_manager"),
        members=(f"{prefix}team__user",),
    )


class DeliveryProject(BaseModel, VersionedModel):
    """The delivery of one signed contract (or one PO under a frame contract), run by its FR."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    contract = models.OneToOneField(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="delivery_project",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="delivery_projects",
    )
    fr = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("FR in charge"),
        on_delete=models.PROTECT,
        related_name="delivery_projects_in_charge",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ProjectStatus.choices,
        default=ProjectStatus.PLANNING,
        db_index=True,
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_finish = models.DateField(_("planned finish"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    summary = models.TextField(_("project summary (项目总结)"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    customer_satisfaction = models.PositiveSmallIntegerField(
        _("customer satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="org_unit",
        owners=("fr", "contract__owner", "contract__contract_manager"),
        members=("team__user",),
    )

    class Meta:
        verbose_name = _("delivery project")
        verbose_name_plural = _("delivery projects")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ProjectStatus.values), name="delivery_project_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(planned_finish__isnull=True)
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_finish__gte=models.F("planned_start")),
                name="delivery_project_dates_order",
                violation_error_message=_("The planned finish cannot be before the planned start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("delivery:detail", args=[self.pk])


class ProjectMember(BaseModel):
    """A person on the delivery team with a role (one person may hold several roles)."""

    project = models.ForeignKey(
        DeliveryProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="team"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="delivery_memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)

    visibility: ClassVar[Visibility | None] = _through_project()

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["project", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user", "role"],
                name="delivery_member_unique_role",
                violation_error_message=_("This person already holds this role on the project."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class PlanItem(BaseModel, VersionedModel):
    """A task or delivery milestone of the integrated plan, in one stream, with an owner and
    dates. A delivery milestone may be linked to a receivable plan line: its acceptance records
    the trigger event, so the payment milestone becomes billable. Tasks carry the three-point
    estimate (days) and the planned value (budget) used for earned value."""

    project = models.ForeignKey(
        DeliveryProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="items"
    )
    stream = models.CharField(_("stream"), max_length=16, choices=Stream.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=ItemKind.choices, default=ItemKind.TASK)
    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="delivery_items",
    )
    planned_start = models.DateField(_("planned start"))
    planned_finish = models.DateField(_("planned finish"))
    actual_finish = models.DateField(_("actual finish"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    depends_on = models.ManyToManyField(
        "self",
        verbose_name=_("depends on"),
        symmetrical=False,
        blank=True,
        related_name="dependents",
    )
    plan_line = models.ForeignKey(
        "contracts.ReceivablePlanLine",
        verbose_name=_("payment milestone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delivery_milestones",
    )
    planned_value = models.DecimalField(
        _("planned value (budget)"), default=ZERO, max_digits=18, decimal_places=2
    )
    optimistic = models.DecimalField(
        _("optimistic (days)"), null=True, blank=True, max_digits=8, decimal_places=2
    )
    most_likely = models.DecimalField(
        _("most likely (days)"), null=True, blank=True, max_digits=8, decimal_places=2
    )
    pessimistic = models.DecimalField(
        _("pessimistic (days)"), null=True, blank=True, max_digits=8, decimal_places=2
    )

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = _through_project()

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["project", "planned_start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_finish__gte=models.F("planned_start")),
                name="delivery_item_dates_order",
                violation_error_message=_("The planned finish cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind=ItemKind.MILESTONE) | models.Q(plan_line__isnull=True),
                name="delivery_item_plan_line_on_milestone",
                violation_error_message=_("Only a delivery milestone can be linked to a payment milestone."),
            ),
            models.CheckConstraint(
                condition=models.Q(planned_value__gte=0),
                name="delivery_item_planned_value_positive",
                violation_error_message=_("The planned value must not be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_milestone(self) -> bool:
        return self.kind == ItemKind.MILESTONE


class EvidenceFileType(models.Model):
    """A file type accepted as acceptance evidence (configured by admins)."""

    extension = models.CharField(_("extension"), max_length=10, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("accepted evidence file type")
        verbose_name_plural = _("accepted evidence file types")
        ordering = ["extension"]

    def __str__(self) -> str:
        return self.extension


class Acceptance(BaseModel):
    """The customer's acceptance of a delivery milestone: date, evidence, signed certificate."""

    item = models.OneToOneField(
        PlanItem, verbose_name=_("delivery milestone"), on_delete=models.PROTECT, related_name="acceptance"
    )
    accepted_on = models.DateField(_("accepted on"))
    certificate_reference = models.CharField(_("signed certificate reference"), max_length=100)
    evidence = models.FileField(_("evidence"), upload_to="delivery/acceptance/%Y/%m/", max_length=300)
    evidence_name = models.CharField(_("file name"), max_length=255)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="delivery_acceptances",
    )

    visibility: ClassVar[Visibility | None] = _through_project("item__project__")

    class Meta:
        verbose_name = _("customer acceptance")
        verbose_name_plural = _("customer acceptances")
        ordering = ["-accepted_on"]

    def __str__(self) -> str:
        return f"{self.item}: {self.accepted_on}"


class Risk(BaseModel, VersionedModel):
    """A delivery risk (§11.5): exposure = probability × impact."""

    project = models.ForeignKey(
        DeliveryProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="risks"
    )
    title = models.CharField(_("risk"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=RiskCategory.choices)
    description = models.TextField(_("description"), blank=True)
    probability = models.PositiveSmallIntegerField(
        _("probability (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    impact = models.PositiveSmallIntegerField(
        _("impact (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="delivery_risks",
    )
    response = models.CharField(_("response"), max_length=12, choices=RiskResponse.choices)
    response_plan = models.TextField(_("response plan"), blank=True)
    trigger = models.CharField(_("trigger"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = _through_project()

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["project", "-probability", "-impact", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__gte=1, probability__lte=5, impact__gte=1, impact__lte=5),
                name="delivery_risk_scales",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def exposure(self) -> int:
        return int(self.probability) * int(self.impact)


class DelphiSession(BaseModel):
    """A Wideband Delphi estimation (专家法): anonymous rounds by the estimators; the moderator
    sees the spread per round and records the final estimate."""

    project = models.ForeignKey(
        DeliveryProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="delphi_sessions"
    )
    item = models.ForeignKey(
        PlanItem,
        verbose_name=_("plan item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delphi_sessions",
    )
    topic = models.CharField(_("what is estimated"), max_length=200)
    unit = models.CharField(_("unit"), max_length=30, default="person-days")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderator"),
        on_delete=models.PROTECT,
        related_name="delphi_moderated",
    )
    estimators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("estimators"), related_name="delphi_sessions"
    )
    current_round = models.PositiveSmallIntegerField(_("current round"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=DelphiStatus.choices, default=DelphiStatus.OPEN
    )
    final_estimate = models.DecimalField(
        _("final estimate"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    final_note = models.TextField(_("basis of the final estimate"), blank=True)

    visibility: ClassVar[Visibility | None] = _through_project()

    class Meta:
        verbose_name = _("Delphi estimation")
        verbose_name_plural = _("Delphi estimations")
        ordering = ["project", "-created_at"]

    def __str__(self) -> str:
        return self.topic


class DelphiEstimate(BaseModel):
    """One estimator's anonymous estimate in one round."""

    session = models.ForeignKey(
        DelphiSession, verbose_name=_("estimation"), on_delete=models.CASCADE, related_name="estimates"
    )
    round = models.PositiveSmallIntegerField(_("round"))
    estimator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("estimator"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(
        _("estimate"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    assumptions = models.TextField(_("assumptions"), blank=True)

    visibility: ClassVar[Visibility | None] = _through_project("session__project__")

    class Meta:
        verbose_name = _("Delphi estimate")
        verbose_name_plural = _("Delphi estimates")
        ordering = ["session", "round", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "round", "estimator"],
                name="delivery_delphi_one_per_round",
                violation_error_message=_("You already gave your estimate for this round."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} R{self.round}"


class AnalogyEstimate(BaseModel):
    """An estimate by analogy (类比法): a past project's recorded cost, times an adjustment factor."""

    project = models.ForeignKey(
        DeliveryProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="analogies"
    )
    reference = models.ForeignKey(
        DeliveryProject,
        verbose_name=_("reference project"),
        on_delete=models.PROTECT,
        related_name="used_as_analogy",
    )
    reference_value = models.DecimalField(_("reference cost"), max_digits=18, decimal_places=2)
    factor = models.DecimalField(
        _("adjustment factor"),
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    estimate = models.DecimalField(_("estimate"), max_digits=18, decimal_places=2)
    rationale = models.TextField(_("why the factor"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    visibility: ClassVar[Visibility | None] = _through_project()

    class Meta:
        verbose_name = _("analogy estimate")
        verbose_name_plural = _("analogy estimates")
        ordering = ["project", "-created_at"]

    def __str__(self) -> str:
        return f"{self.reference} × {self.factor}"


class CostEntry(BaseModel):
    """An amount in one of the four cost stages (项目四算) for a cost category; optionally a cost
    of quality."""

    project = models.ForeignKey(
        DeliveryProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="costs"
    )
    stage = models.CharField(_("stage"), max_length=12, choices=CostStage.choices)
    category = models.CharField(_("cost category"), max_length=16, choices=CostCategory.choices)
    quality_cost = models.CharField(
        _("cost of quality"), max_length=20, choices=QualityCost.choices, blank=True, default=""
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    entry_date = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = _through_project()

    class Meta:
        verbose_name = _("cost entry")
        verbose_name_plural = _("cost entries")
        ordering = ["project", "stage", "category", "entry_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="delivery_cost_amount_positive",
                violation_error_message=_("The amount must not be negative."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.get_category_display()}: {self.amount}"


class QualityReview(BaseModel):
    """A technical, quality or milestone review with its checklist, findings and conclusion."""

    project = models.ForeignKey(
        DeliveryProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="reviews"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ReviewKind.choices)
    title = models.CharField(_("title"), max_length=200)
    item = models.ForeignKey(
        PlanItem,
        verbose_name=_("plan item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    review_date = models.DateField(_("review date"))
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    conclusion = models.CharField(
        _("conclusion"), max_length=12, choices=ReviewConclusion.choices, blank=True, default=""
    )
    conclusion_notes = models.TextField(_("conclusion notes"), blank=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("moderator"), on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = _through_project()

    class Meta:
        verbose_name = _("quality review")
        verbose_name_plural = _("quality reviews")
        ordering = ["project", "-review_date"]

    def __str__(self) -> str:
        return self.title


class ReviewFinding(BaseModel):
    """A finding of a review, with severity, owner and due date."""

    review = models.ForeignKey(
        QualityReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="findings"
    )
    description = models.CharField(_("finding"), max_length=300)
    severity = models.CharField(_("severity"), max_length=12, choices=Severity.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="delivery_findings",
    )
    due = models.DateField(_("due"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    visibility: ClassVar[Visibility | None] = _through_project("review__project__")

    class Meta:
        verbose_name = _("review finding")
        verbose_name_plural = _("review findings")
        ordering = ["review", "due"]

    def __str__(self) -> str:
        return self.description


class Meeting(BaseModel):
    """A project meeting (例会, analysis, topic meeting or audit) with its minutes."""

    project = models.ForeignKey(
        DeliveryProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    minutes = models.TextField(_("minutes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    visibility: ClassVar[Visibility | None] = _through_project()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["project", "-held_on"]

    def __str__(self) -> str:
        return self.title


class ActionItem(BaseModel):
    """An action agreed in a meeting: who does what by when."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="delivery_actions",
    )
    due = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    visibility: ClassVar[Visibility | None] = _through_project("meeting__project__")

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["meeting", "due"]

    def __str__(self) -> str:
        return self.description


class WorkLogEntry(BaseModel):
    """A work log line (日志): what someone did on a day, for how long."""

    project = models.ForeignKey(
        DeliveryProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="work_log"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
    )
    item = models.ForeignKey(
        PlanItem,
        verbose_name=_("plan item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_log",
    )
    note = models.CharField(_("what was done"), max_length=500)

    visibility: ClassVar[Visibility | None] = _through_project()

    class Meta:
        verbose_name = _("work log entry")
        verbose_name_plural = _("work log")
        ordering = ["project", "-day"]

    def __str__(self) -> str:
        return f"{self.day} {self.author}"


class DeliverySetting(models.Model):
    """A configurable number of the delivery app (admin-editable; defaults from a data migration)."""

    key = models.CharField(_("key"), max_length=60, unique=True)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("delivery setting")
        verbose_name_plural = _("delivery settings")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"
