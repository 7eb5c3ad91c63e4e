"""The decision engine: configuration (bodies, the delegation matrix, gate settings and material
requirements, deputies) and the record of each gate case (material, opinions, votes, decision,
conditions). Subject-agnostic: a case points at any record through a generic relation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openltc.core.models import BaseModel, RestrictedQuerySet, VersionedModel
from openltc.core.visibility import Visibility
from openltc.decisions.choices import (
    APPROVING_OUTCOMES,
    CaseStatus,
    ConditionStatus,
    Gate,
    Outcome,
    PaymentRisk,
    QuorumRule,
    ReviewFunction,
    ReviewType,
    Verdict,
)
from openltc.org.roles import DecisionLevel

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Use the three-letter ISO 4217 currency code in capitals (CNY, USD, EUR).")
)
GRADE_CHOICES = [("A", "A"), ("B", "B"), ("C", "C")]


def _money(verbose: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=18, decimal_places=2, **kwargs)


def _percent(verbose: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        verbose,
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        **kwargs,
    )


# --- configuration ------------------------------------------------------------------------------


class DecisionBody(BaseModel):
    """A sales decision team (SDT) at one level for one org-unit subtree.

    Its members are not listed here: they are the users holding the SDT-member role with this
    decision level at the body's unit or one of its ancestors (``org.RoleAssignment``).
    """

    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(_("decision level"), choices=DecisionLevel.choices)
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="decision_bodies",
    )
    quorum_rule = models.CharField(
        _("quorum rule"), max_length=16, choices=QuorumRule.choices, default=QuorumRule.SINGLE
    )
    min_votes = models.PositiveSmallIntegerField(
        _("minimum votes"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("A voting body decides only once at least this many members have voted."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    visibility = Visibility(org_unit="org_unit", owners=())

    class Meta:
        verbose_name = _("decision body")
        verbose_name_plural = _("decision bodies")
        ordering = ["level", "org_unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "org_unit"],
                condition=models.Q(is_active=True),
                name="decision_body_one_active_per_level_unit",
                violation_error_message=_("This unit already has an active decision body at this level."),
            ),
            models.CheckConstraint(
                condition=models.Q(min_votes__gte=1), name="decision_body_min_votes_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DelegationRule(BaseModel):
    """One row of the delegation matrix (授权): a case whose attributes all fall inside the row's
    ranges may be decided at the row's level. Empty bounds mean "any". Routing takes the lowest
    level among the rows that cover the case; ``order`` breaks ties."""

    gate = models.CharField(_("gate"), max_length=4, choices=Gate.choices)
    grade = models.CharField(_("grade"), max_length=1, choices=GRADE_CHOICES, null=True, blank=True)
    amount_min = _money(_("amount from"), null=True, blank=True)
    amount_max = _money(_("amount up to"), null=True, blank=True)
    margin_min = _percent(_("gross margin from (%)"), null=True, blank=True)
    margin_max = _percent(_("gross margin up to (%)"), null=True, blank=True)
    payment_risk = models.CharField(
        _("payment-term risk up to"),
        max_length=8,
        choices=PaymentRisk.choices,
        null=True,
        blank=True,
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("region / org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegation_rules",
        help_text=_("Empty: any unit. Otherwise the unit and the units below it."),
    )
    level = models.PositiveSmallIntegerField(_("decision level"), choices=DecisionLevel.choices)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()
    visibility = Visibility(org_unit=None, owners=())

    class Meta:
        verbose_name = _("delegation rule")
        verbose_name_plural = _("delegation rules")
        ordering = ["gate", "order", "level"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_min__isnull=True)
                | models.Q(amount_max__isnull=True)
                | models.Q(amount_max__gte=models.F("amount_min")),
                name="delegation_rule_amount_range",
                violation_error_message=_("The upper amount must not be below the lower amount."),
            ),
            models.CheckConstraint(
                condition=models.Q(margin_min__isnull=True)
                | models.Q(margin_max__isnull=True)
                | models.Q(margin_max__gte=models.F("margin_min")),
                name="delegation_rule_margin_range",
                violation_error_message=_("The upper margin must not be below the lower margin."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gate} #{self.order} → {self.get_level_display()}"


class GateSetting(models.Model):
    """Per gate: how many days a decision may take before it escalates, and which review precedes
    it with which functions' opinions required."""

    gate = models.CharField(_("gate"), max_length=4, choices=Gate.choices, unique=True)
    sla_days = models.PositiveSmallIntegerField(
        _("decision within (days)"), default=5, validators=[MinValueValidator(1)]
    )
    review_type = models.CharField(
        _("review"), max_length=16, choices=ReviewType.choices, default=ReviewType.NONE, blank=True
    )
    required_reviews = models.JSONField(
        _("required review functions"),
        default=list,
        blank=True,
        help_text=_("Functions whose opinion must be recorded before the body may decide."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gate setting")
        verbose_name_plural = _("gate settings")
        ordering = ["gate"]

    def __str__(self) -> str:
        return self.get_gate_display()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not isinstance(self.required_reviews, list) or any(
            f not in ReviewFunction.values for f in self.required_reviews
        ):
            raise ValidationError(
                {
                    "required_reviews": _("List review functions from: %(choices)s.")
                    % {"choices": ", ".join(ReviewFunction.values)}
                }
            )


class GateRequirement(BaseModel):
    """A material checklist item the preparer must supply for a gate (and, optionally, a grade)."""

    gate = models.CharField(_("gate"), max_length=4, choices=Gate.choices)
    grade = models.CharField(_("grade"), max_length=1, choices=GRADE_CHOICES, null=True, blank=True)
    label = models.CharField(_("item"), max_length=200)
    help_text = models.CharField(_("guidance"), max_length=500, blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    needs_attachment = models.BooleanField(_("needs an attachment"), default=False)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    visibility = Visibility(org_unit=None, owners=())

    class Meta:
        verbose_name = _("gate material requirement")
        verbose_name_plural = _("gate material requirements")
        ordering = ["gate", "order", "label"]

    def __str__(self) -> str:
        return f"{self.gate}: {self.label}"


class ExchangeRate(models.Model):
    """How many units of the reporting currency one unit of ``currency`` is worth; the matrix
    compares amounts in the reporting currency."""

    currency = models.CharField(_("currency"), max_length=3, unique=True, validators=[currency_validator])
    rate = models.DecimalField(
        _("rate to the reporting currency"),
        max_digits=18,
        decimal_places=6,
        validators=[MinValueValidator(0)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency"]
        constraints = [models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive")]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate}"


class Deputy(BaseModel):
    """A temporary delegation (代理): ``deputy`` may decide for ``principal`` between the dates.

    The deputy's decisions are recorded as made on behalf of the principal.
    """

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("principal"),
        on_delete=models.CASCADE,
        related_name="deputies_appointed",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        on_delete=models.CASCADE,
        related_name="deputy_for",
    )
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=300)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("appointed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    history = HistoricalRecords()
    visibility = Visibility(org_unit=None, owners=("principal", "deputy"))

    class Meta:
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(principal=models.F("deputy")),
                name="deputy_not_self",
                violation_error_message=_("Nobody can be their own deputy."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="deputy_period_valid",
                violation_error_message=_("The end date must not be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} → {self.principal} ({self.valid_from}–{self.valid_until})"

    def is_valid_on(self, day: Any) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until


# --- cases ---------------------------------------------------------------------------------------


class DecisionCaseQuerySet(RestrictedQuerySet):
    def open(self) -> DecisionCaseQuerySet:
        from openltc.decisions.choices import OPEN_CASE_STATUSES

        return self.filter(status__in=OPEN_CASE_STATUSES)

    def for_subject(self, subject: models.Model) -> DecisionCaseQuerySet:
        return self.filter(
            subject_type=ContentType.objects.get_for_model(type(subject)), subject_id=str(subject.pk)
        )


class DecisionCase(BaseModel, VersionedModel):
    """One submission of one subject (an opportunity, a contract, ...) to one gate.

    The case keeps the attributes it was routed on, the routed level and the matrix row that
    routed it, so the record explains itself even after the matrix changes. ``round`` counts the
    decision rounds: a deferral that is reopened, or a resubmission after rework, starts a new one.
    """

    gate = models.CharField(_("gate"), max_length=4, choices=Gate.choices, db_index=True)
    subject_type = models.ForeignKey(
        ContentType,
        verbose_name=_("subject type"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_id = models.CharField(_("subject id"), max_length=64)
    subject_repr = models.CharField(_("subject"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary for the decision body"), blank=True)
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="decision_cases",
    )
    amount = _money(_("amount"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    amount_reporting = _money(_("amount in the reporting currency"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=GRADE_CHOICES, blank=True)
    margin_pct = _percent(_("gross margin (%)"), null=True, blank=True)
    payment_risk = models.CharField(
        _("payment-term risk"), max_length=8, choices=PaymentRisk.choices, blank=True
    )
    routed_level = models.PositiveSmallIntegerField(
        _("routed level"), choices=DecisionLevel.choices, null=True, blank=True
    )
    decision_body = models.ForeignKey(
        DecisionBody,
        verbose_name=_("decision body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    routing_rule = models.ForeignKey(
        DelegationRule,
        verbose_name=_("delegation rule applied"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    routing_note = models.CharField(_("routing"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT, db_index=True
    )
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    review_round = models.PositiveSmallIntegerField(
        _("review round"),
        default=1,
        help_text=_("Opinions from this round on count as the review of the current submission."),
    )
    required_reviews = models.JSONField(_("required review functions"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="decision_cases_prepared",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decision_cases_submitted",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    revisit_on = models.DateField(_("revisit on"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decision_cases_escalated",
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participants"),
        blank=True,
        related_name="decision_cases_participating",
        help_text=_("The subject's team: they see the case."),
    )

    objects = DecisionCaseQuerySet.as_manager()  # type: ignore[misc]
    history = HistoricalRecords(excluded_fields=["participants"])
    visibility = Visibility(
        org_unit="org_unit",
        owners=("created_by", "submitted_by", "escalated_to"),
        members=("participants",),
    )

    class Meta:
        verbose_name = _("decision case")
        verbose_name_plural = _("decision cases")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "gate"], name="decision_case_subject_idx"),
            models.Index(fields=["status", "submitted_at"], name="decision_case_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="decided") | ~models.Q(outcome=""),
                name="decision_case_decided_has_outcome",
                violation_error_message=_("A decided case needs an outcome."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="decided", outcome="deferred")
                | models.Q(revisit_on__isnull=False),
                name="decision_case_deferred_has_revisit",
                violation_error_message=_("A deferral needs a revisit date."),
            ),
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "gate"],
                condition=models.Q(
                    status__in=["draft", "submitted", "in_review", "awaiting_decision", "returned"]
                ),
                name="decision_case_one_open_per_subject_gate",
                violation_error_message=_("This record already has an open case for this gate."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gate} · {self.subject_repr}"

    @property
    def subject(self) -> Any:
        model = self.subject_type.model_class()
        if model is None:
            return None
        return model._default_manager.filter(pk=self.subject_id).first()

    @property
    def is_approved(self) -> bool:
        return self.status == CaseStatus.DECIDED and self.outcome in APPROVING_OUTCOMES

    def pending_since(self) -> Any:
        return self.submitted_at


class CaseChecklistItem(BaseModel):
    """One material item of a case, copied from the gate's requirements when the case opens."""

    case = models.ForeignKey(
        DecisionCase,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="checklist",
    )
    requirement = models.ForeignKey(
        GateRequirement,
        verbose_name=_("requirement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    label = models.CharField(_("item"), max_length=200)
    help_text = models.CharField(_("guidance"), max_length=500, blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    needs_attachment = models.BooleanField(_("needs an attachment"), default=False)
    answer = models.TextField(_("answer"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=100)

    visibility = Visibility(
        org_unit="case__org_unit",
        owners=("case__created_by", "case__submitted_by"),
        members=("case__participants",),
    )

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["case", "order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "requirement"], name="decision_checklist_one_per_requirement"
            )
        ]

    def __str__(self) -> str:
        return self.label


class CaseAttachment(BaseModel):
    """A file of decision material; the stored name never contains the uploader's path."""

    case = models.ForeignKey(
        DecisionCase,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    item = models.ForeignKey(
        CaseChecklistItem,
        verbose_name=_("checklist item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="decisions/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    visibility = Visibility(
        org_unit="case__org_unit",
        owners=("case__created_by", "case__submitted_by"),
        members=("case__participants",),
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case", "created_at"]

    def __str__(self) -> str:
        return self.original_name


class ReviewOpinion(BaseModel):
    """A functional reviewer's recommendation on a case (建议权): it informs, it never decides."""

    case = models.ForeignKey(
        DecisionCase,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="opinions",
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="review_opinions",
    )
    function = models.CharField(_("function"), max_length=16, choices=ReviewFunction.choices)
    verdict = models.CharField(_("verdict"), max_length=24, choices=Verdict.choices)
    reasons = models.TextField(_("reasons"))
    conditions = models.TextField(_("conditions proposed"), blank=True)

    history = HistoricalRecords()
    visibility = Visibility(
        org_unit="case__org_unit", owners=("reviewer", "case__submitted_by"), members=("case__participants",)
    )

    class Meta:
        verbose_name = _("review opinion")
        verbose_name_plural = _("review opinions")
        ordering = ["case", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "round", "reviewer", "function"],
                name="decision_opinion_one_per_reviewer_function_round",
                violation_error_message=_("You already gave an opinion for this function in this round."),
            ),
            models.CheckConstraint(
                condition=~models.Q(reasons=""),
                name="decision_opinion_has_reasons",
                violation_error_message=_("Give the reasons for your opinion."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_function_display()}: {self.get_verdict_display()}"


class DecisionVote(BaseModel):
    """One member's vote in a voting body (majority or unanimity)."""

    case = models.ForeignKey(
        DecisionCase,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="votes",
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="decision_votes_cast",
    )
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="decision_votes",
        help_text=_("The member whose vote it is: the voter, or the person a deputy acts for."),
    )
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices)
    rationale = models.TextField(_("rationale"))
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    revisit_on = models.DateField(_("revisit on"), null=True, blank=True)

    visibility = Visibility(
        org_unit="case__org_unit", owners=("voter", "principal"), members=("case__participants",)
    )

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["case", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "round", "principal"],
                name="decision_vote_one_per_member_round",
                violation_error_message=_("This member has already voted on this case."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.principal}: {self.get_outcome_display()}"


class Decision(BaseModel):
    """The decision of a case in one round: who decided (and for whom), what, why, when, and the
    opinions and votes the decider saw, frozen as they were."""

    case = models.ForeignKey(
        DecisionCase,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="decisions_recorded",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions_by_deputy",
    )
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices)
    rationale = models.TextField(_("rationale"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    revisit_on = models.DateField(_("revisit on"), null=True, blank=True)
    routed_level = models.PositiveSmallIntegerField(_("routed level"), choices=DecisionLevel.choices)
    decider_level = models.PositiveSmallIntegerField(_("decider's level"), choices=DecisionLevel.choices)
    quorum_rule = models.CharField(_("quorum rule"), max_length=16, choices=QuorumRule.choices)
    opinions_seen = models.JSONField(_("opinions seen"), default=list, blank=True)
    votes = models.JSONField(_("votes"), default=list, blank=True)

    history = HistoricalRecords()
    visibility = Visibility(
        org_unit="case__org_unit",
        owners=("decided_by", "case__submitted_by"),
        members=("case__participants",),
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "round"],
                name="decision_one_per_case_round",
                violation_error_message=_("This case already has a decision in this round."),
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="deferred") | models.Q(revisit_on__isnull=False),
                name="decision_deferred_has_revisit",
                violation_error_message=_("A deferral needs a revisit date."),
            ),
            models.CheckConstraint(
                condition=models.Q(decider_level__gte=models.F("routed_level")),
                name="decision_decider_at_or_above_routed_level",
                violation_error_message=_("The decider's level is below the level the case was routed to."),
            ),
            models.CheckConstraint(
                condition=~models.Q(rationale=""),
                name="decision_has_rationale",
                violation_error_message=_("Give the rationale of the decision."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_outcome_display()}"

    @property
    def decider(self) -> Any:
        """The person whose decision it is (the principal when a deputy recorded it)."""
        return self.on_behalf_of or self.decided_by


class DecisionCondition(BaseModel):
    """A condition of an approval: a tracked action with an owner and a due date. While open it
    blocks the subject's next gate."""

    case = models.ForeignKey(
        DecisionCase,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="conditions",
    )
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("decision"),
        on_delete=models.CASCADE,
        related_name="conditions",
    )
    text = models.CharField(_("condition"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="decision_conditions",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=ConditionStatus.choices,
        default=ConditionStatus.OPEN,
        db_index=True,
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = models.TextField(_("how it was met"), blank=True)

    history = HistoricalRecords()
    visibility = Visibility(
        org_unit="case__org_unit",
        owners=("owner", "case__submitted_by"),
        members=("case__participants",),
    )

    class Meta:
        verbose_name = _("decision condition")
        verbose_name_plural = _("decision conditions")
        ordering = ["due_date", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="decision_condition_closed_at_iff_closed",
                violation_error_message=_("Only a closed condition has a closing time."),
            ),
        ]

    def __str__(self) -> str:
        return self.text
