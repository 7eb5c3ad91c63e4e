"""Guiding the customer (标前引导): stage playbooks with key tasks and document templates, the
per-opportunity checklist, $APPEALS analyses, FABE/FFAB value messages, and activities with
minutes and action items. Every per-opportunity record is seen by whoever sees the opportunity."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openltc.core.models import BaseModel, RestrictedQuerySet, VersionedModel
from openltc.core.visibility import Visibility
from openltc.guidance.choices import ActionStatus, ActivityKind, AppealsDimension
from openltc.opportunities.choices import Stage

THROUGH_OPPORTUNITY = Visibility(
    org_unit="opportunity__org_unit",
    owners=("opportunity__owner",),
    members=("opportunity__team_members__user",),
)


def localized(english: str, chinese: str) -> str:
    """The Chinese text when the active language is Chinese and a Chinese text exists."""
    language = translation.get_language() or ""
    if language.lower().startswith("zh") and chinese:
        return chinese
    return english or chinese


# --- playbooks (admin-maintained configuration) ----------------------------------------------------


class Playbook(BaseModel):
    """The guidance of one opportunity stage (like a sales path): what to do and why, in both
    languages. Key tasks and document templates hang off it. Admins edit it; nobody else."""

    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    guidance = models.TextField(_("guidance"), blank=True)
    guidance_zh = models.TextField(_("guidance (Chinese)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage playbook")
        verbose_name_plural = _("stage playbooks")
        ordering = ["stage"]

    def __str__(self) -> str:
        return str(self.get_stage_display())

    @property
    def display_title(self) -> str:
        return localized(self.title, self.title_zh)

    @property
    def display_guidance(self) -> str:
        return localized(self.guidance, self.guidance_zh)


class PlaybookTask(BaseModel):
    """A key task of a stage. Each opportunity in the stage gets a checklist item for it."""

    playbook = models.ForeignKey(
        Playbook, verbose_name=_("playbook"), on_delete=models.CASCADE, related_name="tasks"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(_("code"), max_length=64)
    title = models.CharField(_("task"), max_length=200)
    title_zh = models.CharField(_("task (Chinese)"), max_length=200, blank=True)
    description = models.TextField(_("how to do it"), blank=True)
    description_zh = models.TextField(_("how to do it (Chinese)"), blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive tasks are no longer added to checklists.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")
        ordering = ["playbook", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["playbook", "code"],
                name="guidance_task_code_unique",
                violation_error_message=_("The playbook already has a task with this code."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        return localized(self.title, self.title_zh)

    @property
    def display_description(self) -> str:
        return localized(self.description, self.description_zh)


class DocumentTemplate(BaseModel):
    """A document template of a stage: an uploaded file (checked type, size and name) or a text
    template people copy (an agenda, a checklist, a letter)."""

    playbook = models.ForeignKey(
        Playbook, verbose_name=_("playbook"), on_delete=models.CASCADE, related_name="templates"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(_("file"), upload_to="guidance/templates/%Y/", max_length=300, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    text = models.TextField(_("text template"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["playbook", "position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self.name, self.name_zh)

    @property
    def has_file(self) -> bool:
        return bool(self.file)


# --- per-opportunity records -------------------------------------------------------------------


class ChecklistItem(BaseModel):
    """One key task on one opportunity: ticked (by whom, when) or open, with a note."""

    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="guidance_checklist",
    )
    task = models.ForeignKey(
        PlaybookTask, verbose_name=_("key task"), on_delete=models.PROTECT, related_name="items"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    is_done = models.BooleanField(_("done"), default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=4000)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = THROUGH_OPPORTUNITY

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["opportunity", "task__position", "task__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "task"],
                name="guidance_checklist_unique",
                violation_error_message=_("The opportunity already has this checklist item."),
            ),
            models.CheckConstraint(
                condition=models.Q(is_done=True, done_at__isnull=False, done_by__isnull=False)
                | models.Q(is_done=False, done_at__isnull=True, done_by__isnull=True),
                name="guidance_checklist_done_who_when",
                violation_error_message=_("A ticked item records who ticked it and when."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} ({'✓' if self.is_done else '…'})"


class AppealsAnalysis(BaseModel):
    """One $APPEALS analysis of an opportunity. Saving a new analysis keeps the old one as
    history; exactly one is current. ``competitors`` lists whose scores its ratings hold."""

    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="appeals_analyses",
    )
    number = models.PositiveIntegerField(_("version"))
    is_current = models.BooleanField(_("current"), default=True)
    competitors = models.JSONField(_("competitors"), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True, max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("analysed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    visibility: ClassVar[Visibility | None] = THROUGH_OPPORTUNITY

    class Meta:
        verbose_name = _("$APPEALS analysis")
        verbose_name_plural = _("$APPEALS analyses")
        ordering = ["opportunity", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "number"], name="guidance_appeals_number_unique"),
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=models.Q(is_current=True),
                name="guidance_appeals_one_current",
                violation_error_message=_("The opportunity already has a current $APPEALS analysis."),
            ),
        ]

    def __str__(self) -> str:
        return f"$APPEALS v{self.number}"

    @property
    def total_weight(self) -> Decimal:
        return sum((r.customer_weight for r in self.ratings.all()), Decimal(0))

    def weighted_score(self, competitor: str | None = None) -> Decimal:
        """Σ weight × score / 100 for us (or one competitor): 0–10 when the weights total 100."""
        total = Decimal(0)
        for rating in self.ratings.all():
            score = rating.our_score if competitor is None else rating.competitor_scores.get(competitor)
            if score is not None:
                total += rating.customer_weight * Decimal(score)
        return (total / 100).quantize(Decimal("0.01"))


class AppealsRating(models.Model):
    """One dimension of an analysis: the customer's weight (percent), our score and each
    competitor's score (0–10), and whether it is a key need (with the need in words)."""

    analysis = models.ForeignKey(
        AppealsAnalysis, verbose_name=_("analysis"), on_delete=models.CASCADE, related_name="ratings"
    )
    dimension = models.CharField(_("dimension"), max_length=20, choices=AppealsDimension.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    customer_weight = models.DecimalField(
        _("customer weight (%)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    our_score = models.PositiveSmallIntegerField(
        _("our score (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    competitor_scores = models.JSONField(_("competitor scores"), default=dict, blank=True)
    is_key_need = models.BooleanField(_("key need"), default=False)
    need = models.CharField(_("the customer's need"), max_length=500, blank=True)

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="analysis__opportunity__org_unit",
        owners=("analysis__opportunity__owner",),
        members=("analysis__opportunity__team_members__user",),
    )
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("$APPEALS rating")
        verbose_name_plural = _("$APPEALS ratings")
        ordering = ["analysis", "position"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "dimension"], name="guidance_rating_unique"),
            models.CheckConstraint(
                condition=models.Q(customer_weight__gte=0) & models.Q(customer_weight__lte=100),
                name="guidance_rating_weight_range",
                violation_error_message=_("The weight must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=models.Q(our_score__isnull=True) | models.Q(our_score__lte=10),
                name="guidance_rating_score_range",
                violation_error_message=_("Scores run from 0 to 10."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_dimension_display())


class ValueMessage(BaseModel, VersionedModel):
    """One row of the FABE / FFAB worksheet (买点卖点匹配): a customer need (a key need of the
    $APPEALS analysis or free text) answered by feature, function, advantage, benefit, evidence."""

    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="value_messages",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    dimension = models.CharField(
        _("$APPEALS dimension"), max_length=20, choices=AppealsDimension.choices, blank=True
    )
    need = models.CharField(_("customer need (buying point)"), max_length=500)
    feature = models.TextField(_("feature (特征)"), max_length=2000)
    function = models.TextField(_("function (功能)"), blank=True, max_length=2000)
    advantage = models.TextField(_("advantage (优势)"), blank=True, max_length=2000)
    benefit = models.TextField(_("benefit (利益)"), max_length=2000)
    evidence = models.TextField(_("evidence (证据)"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = THROUGH_OPPORTUNITY

    class Meta:
        verbose_name = _("value message (FABE)")
        verbose_name_plural = _("value messages (FABE)")
        ordering = ["opportunity", "position", "created_at"]

    def __str__(self) -> str:
        return self.need[:80]


class Activity(BaseModel, VersionedModel):
    """A contact with the customer or a project meeting on an opportunity, with its minutes."""

    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="guidance_activities",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    held_at = models.DateTimeField(_("held at"), default=timezone.now)
    participants = models.TextField(_("participants"), blank=True, max_length=2000)
    minutes = models.TextField(_("minutes"), blank=True, max_length=20000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = THROUGH_OPPORTUNITY

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_at", "-created_at"]

    def __str__(self) -> str:
        return self.subject


class ActionItemQuerySet(RestrictedQuerySet):
    def open(self) -> ActionItemQuerySet:
        return self.filter(status=ActionStatus.OPEN)

    def overdue(self, today: datetime.date | None = None) -> ActionItemQuerySet:
        return self.open().filter(due_date__lt=today or timezone.localdate())


class ActionItem(BaseModel, VersionedModel):
    """An action agreed in an activity or meeting: who does what by when."""

    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="guidance_actions",
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
    )
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="guidance_actions",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN, db_index=True
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, max_length=4000)

    objects = ActionItemQuerySet.as_manager()  # type: ignore[misc]  # narrows the base manager
    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="opportunity__org_unit",
        owners=("opportunity__owner", "owner"),
        members=("opportunity__team_members__user",),
    )

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_date", "created_at"]
        indexes = [models.Index(fields=["owner", "status", "due_date"], name="guidance_action_owner_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "done", "cancelled"]),
                name="guidance_action_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", completed_at__isnull=True)
                | (~models.Q(status="open") & models.Q(completed_at__isnull=False)),
                name="guidance_action_completed_iff_closed",
                violation_error_message=_("Only a done or cancelled action has a completion time."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == ActionStatus.OPEN and self.due_date < timezone.localdate()
