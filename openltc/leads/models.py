"""Leads (线索) and the configuration of the lead phase: scoring rules, distribution rules, rep
capacity, the nurturing checklist and the SLA settings."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openltc.core.models import BaseModel, RestrictedQuerySet, VersionedModel
from openltc.core.visibility import Visibility
from openltc.leads.choices import (
    OPEN_STATUSES,
    ActivityKind,
    ActivityOutcome,
    DisqualifyReason,
    DistributionKind,
    ElementStatus,
    InboundMailStatus,
    LeadSource,
    LeadStatus,
    Maturity,
    ScoringFactor,
    StrategicFit,
)

currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 currency code, e.g. CNY."))

# The four lead elements (线索管理四个要素): field prefix → label.
ELEMENTS: tuple[tuple[str, Any], ...] = (
    ("pain", _("Customer pain / expectation")),
    ("solution", _("Solution concept")),
    ("relationship", _("Customer relationship")),
    ("budget", _("Investment plan and budget")),
)


class LeadQuerySet(RestrictedQuerySet):
    def open(self) -> LeadQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def in_pool(self) -> LeadQuerySet:
        """Unassigned open leads (公海)."""
        return self.filter(owner__isnull=True, status__in=OPEN_STATUSES)

    def overdue(self, now: datetime.datetime | None = None) -> LeadQuerySet:
        """Assigned, not yet contacted, and past the first-contact deadline."""
        return self.open().filter(
            owner__isnull=False,
            first_contacted_at__isnull=True,
            first_contact_due_at__lt=now or timezone.now(),
        )

    def stale(self, days: int, now: datetime.datetime | None = None) -> LeadQuerySet:
        """Assigned open leads without any activity for ``days`` days."""
        cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
        return (
            self.open()
            .filter(owner__isnull=False)
            .alias(last_touch=Coalesce("last_activity_at", "assigned_at", "created_at"))
            .filter(last_touch__lt=cutoff)
        )


# Lead.clean's rule, also checked by the lead import before a batch is written.
COMPANY_NEEDED = _("Choose an existing customer or give the prospect's company name.")


class Lead(BaseModel, VersionedModel):
    """An unconfirmed customer need (线索): who, what, how much, how mature, and how far the four
    elements are confirmed. It becomes an opportunity once qualified; ``status`` is assigned only by
    ``services.lead_transition`` following ``workflow.TRANSITIONS``."""

    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source channel"), max_length=32, choices=LeadSource.choices)
    source_detail = models.CharField(_("source detail"), max_length=200, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    product_line = models.ForeignKey(
        "org.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    country = models.ForeignKey(
        "org.Country",
        verbose_name=_("country or region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="leads",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_leads",
    )
    estimated_value = models.DecimalField(
        _("estimated value"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY", validators=[currency_validator])
    expected_date = models.DateField(_("expected timing"), null=True, blank=True)
    maturity = models.CharField(_("maturity"), max_length=8, choices=Maturity.choices, blank=True)
    strategic_fit = models.CharField(
        _("strategic fit"), max_length=8, choices=StrategicFit.choices, default=StrategicFit.UNKNOWN
    )
    validation_note = models.TextField(_("validation note"), blank=True)
    duplicates_checked_at = models.DateTimeField(_("duplicates checked at"), null=True, blank=True)
    duplicate_hits = models.JSONField(_("possible duplicates"), default=list, blank=True)

    pain_text = models.TextField(_("customer pain / expectation"), blank=True)
    pain_status = models.CharField(
        _("pain confirmation"),
        max_length=12,
        choices=ElementStatus.choices,
        default=ElementStatus.UNCONFIRMED,
    )
    pain_evidence = models.TextField(_("pain evidence"), blank=True)
    solution_text = models.TextField(_("solution concept"), blank=True)
    solution_status = models.CharField(
        _("solution confirmation"),
        max_length=12,
        choices=ElementStatus.choices,
        default=ElementStatus.UNCONFIRMED,
    )
    solution_evidence = models.TextField(_("solution evidence"), blank=True)
    relationship_text = models.TextField(_("customer relationship"), blank=True)
    relationship_status = models.CharField(
        _("relationship confirmation"),
        max_length=12,
        choices=ElementStatus.choices,
        default=ElementStatus.UNCONFIRMED,
    )
    relationship_evidence = models.TextField(_("relationship evidence"), blank=True)
    budget_text = models.TextField(_("investment plan and budget"), blank=True)
    budget_status = models.CharField(
        _("budget confirmation"),
        max_length=12,
        choices=ElementStatus.choices,
        default=ElementStatus.UNCONFIRMED,
    )
    budget_evidence = models.TextField(_("budget evidence"), blank=True)

    status = models.CharField(
        _("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW, db_index=True
    )
    disqualify_reason = models.CharField(
        _("disqualify reason"), max_length=32, choices=DisqualifyReason.choices, blank=True
    )
    disqualify_note = models.TextField(_("disqualify note"), blank=True)
    pool_reason = models.TextField(_("returned-to-pool reason"), blank=True)
    score = models.IntegerField(_("score"), default=0)
    score_explanation = models.JSONField(_("score explanation"), default=list, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    first_contact_due_at = models.DateTimeField(_("first contact due at"), null=True, blank=True)
    first_contacted_at = models.DateTimeField(_("first contacted at"), null=True, blank=True)
    first_contact_reminded_at = models.DateTimeField(
        _("first-contact reminder sent at"), null=True, blank=True
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("converted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="converted_leads",
    )
    last_activity_at = models.DateTimeField(_("last activity at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_leads",
    )

    objects = LeadQuerySet.as_manager()  # type: ignore[misc]
    history = HistoricalRecords()
    visibility: ClassVar[Visibility | None] = Visibility(org_unit="org_unit", owners=("owner",))

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "owner"], name="leads_status_owner_idx"),
            models.Index(fields=["contact_email"], name="leads_contact_email_idx"),
            models.Index(fields=["contact_phone"], name="leads_contact_phone_idx"),
            # The import's duplicate check looks keys up in lower case, a batch at a time.
            models.Index(Lower("contact_email"), name="leads_email_lower_idx"),
            models.Index(Lower("company_name"), name="leads_company_lower_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=LeadStatus.DISQUALIFIED) | ~models.Q(disqualify_reason=""),
                name="leads_disqualified_has_reason",
                violation_error_message=_("A disqualified lead needs a reason."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=LeadStatus.CONVERTED) | models.Q(converted_at__isnull=False),
                name="leads_converted_has_timestamp",
                violation_error_message=_("A converted lead records when it was converted."),
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_value__isnull=True) | models.Q(estimated_value__gte=0),
                name="leads_estimated_value_not_negative",
                violation_error_message=_("The estimated value cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def visible_to(cls, user: Any) -> models.QuerySet[Lead]:
        """What the record page shows ``user``: the usual visibility plus the pool (公海); the generic
        history page asks for it so both pages follow one rule."""
        from openltc.leads.selectors import leads_visible

        return leads_visible(user)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if not self.customer_id and not self.company_name.strip():
            errors["company_name"] = COMPANY_NEEDED
        if self.contact_id and self.customer_id and self.contact.customer_id != self.customer_id:  # type: ignore[union-attr]
            errors["contact"] = _("The contact does not belong to the chosen customer.")
        for prefix, _label in ELEMENTS:
            if (
                getattr(self, f"{prefix}_status") == ElementStatus.CONFIRMED
                and not getattr(self, f"{prefix}_evidence").strip()
            ):
                errors[f"{prefix}_evidence"] = _("Say what confirms this element (the evidence).")
        if errors:
            raise ValidationError(errors)

    @property
    def display_company(self) -> str:
        return str(self.customer) if self.customer_id else self.company_name

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None and self.status in OPEN_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return bool(
            self.is_open
            and self.owner_id
            and self.first_contacted_at is None
            and self.first_contact_due_at is not None
            and self.first_contact_due_at < (now or timezone.now())
        )

    def elements(self) -> list[dict[str, Any]]:
        """The four elements as rows for templates and the API."""
        return [
            {
                "key": prefix,
                "label": label,
                "text": getattr(self, f"{prefix}_text"),
                "status": getattr(self, f"{prefix}_status"),
                "status_label": ElementStatus(getattr(self, f"{prefix}_status")).label,
                "evidence": getattr(self, f"{prefix}_evidence"),
            }
            for prefix, label in ELEMENTS
        ]


class LeadActivity(BaseModel):
    """A follow-up with the customer (线索跟进): a call, visit, meeting, technical exchange or e-mail,
    its outcome and the agreed next step."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ActivityKind.choices)
    occurred_at = models.DateTimeField(_("date"), default=timezone.now)
    summary = models.CharField(_("summary"), max_length=300)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ActivityOutcome.choices, default=ActivityOutcome.NEUTRAL
    )
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_date = models.DateField(_("next step date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="lead_activities",
    )

    visibility: ClassVar[Visibility | None] = Visibility(org_unit="lead__org_unit", owners=("lead__owner",))

    class Meta:
        verbose_name = _("lead activity")
        verbose_name_plural = _("lead activities")
        ordering = ["-occurred_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"


class NurturingCriterion(models.Model):
    """One of the five check standards of the nurturing stage (线索跟进培育阶段的五个检验标准).
    The text is configurable because the course text is not public (§4.5)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_en = models.CharField(_("text (English)"), max_length=300)
    text_zh = models.CharField(_("text (Chinese)"), max_length=300)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("nurturing criterion")
        verbose_name_plural = _("nurturing criteria")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        language = translation.get_language() or ""
        return self.text_zh if language.startswith("zh") and self.text_zh else self.text_en


class LeadCriterionCheck(models.Model):
    """Whether one nurturing criterion is met for one lead, and who said so when."""

    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="checks")
    criterion = models.ForeignKey(
        NurturingCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="checks"
    )
    checked = models.BooleanField(_("met"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lead_criterion_checks",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead criterion check")
        verbose_name_plural = _("lead criterion checks")
        ordering = ["criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "criterion"], name="leads_check_unique_per_lead"),
        ]

    def __str__(self) -> str:
        return f"{self.lead} · {self.criterion.code}: {'✓' if self.checked else '✗'}"


class LeadScoringRule(models.Model):
    """One line of the lead scorecard: if ``factor`` meets ``value``, add ``points`` (may be
    negative). The lead page lists which rules gave which points."""

    factor = models.CharField(_("factor"), max_length=32, choices=ScoringFactor.choices)
    value = models.CharField(
        _("condition value"),
        max_length=100,
        blank=True,
        help_text=_(
            "Source, maturity, product line or country code to match; the minimum amount for estimated "
            "value; the element (pain, solution, relationship, budget) for element confirmed; empty for "
            "yes/no factors."
        ),
    )
    points = models.IntegerField(_("points"))
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("lead scoring rule")
        verbose_name_plural = _("lead scoring rules")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        value = f" = {self.value}" if self.value else ""
        return f"{self.get_factor_display()}{value}: {self.points:+d}"

    def clean(self) -> None:
        from decimal import Decimal, InvalidOperation

        from openltc.leads.scoring import ELEMENT_KEYS

        if self.factor == ScoringFactor.ESTIMATED_VALUE:
            try:
                Decimal(self.value)
            except (InvalidOperation, ValueError):
                raise ValidationError({"value": _("Give the minimum amount as a number.")}) from None
        if self.factor == ScoringFactor.SOURCE and self.value not in LeadSource.values:
            raise ValidationError({"value": _("Give one of the source codes.")})
        if self.factor == ScoringFactor.MATURITY and self.value not in Maturity.values:
            raise ValidationError({"value": _("Give cold, warm or hot.")})
        if self.factor == ScoringFactor.ELEMENT_CONFIRMED and self.value not in ELEMENT_KEYS:
            raise ValidationError({"value": _("Give pain, solution, relationship or budget.")})


class RepCapacity(models.Model):
    """What the capability/load rule knows about a rep: product-line skills, how many open leads they
    can carry, and when they last received one (for round-robin)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        related_name="lead_capacity",
    )
    skills = models.ManyToManyField(
        "org.ProductLine", verbose_name=_("product-line skills"), blank=True, related_name="skilled_reps"
    )
    capacity = models.PositiveIntegerField(_("capacity (open leads)"), default=30)
    is_available = models.BooleanField(_("available for new leads"), default=True)
    last_assigned_at = models.DateTimeField(_("last assigned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rep capacity")
        verbose_name_plural = _("rep capacities")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.capacity})"


class DistributionRule(models.Model):
    """One line of the ordered routing list (分发线索). The first active rule that matches a lead and
    finds an eligible rep assigns it; the others are not consulted."""

    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=32, choices=DistributionKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    scope_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("applies to leads of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="lead_distribution_rules",
        help_text=_("Only leads in this org unit and below; empty for all."),
    )
    markets = models.ManyToManyField("org.Market", verbose_name=_("markets"), blank=True, related_name="+")
    countries = models.ManyToManyField(
        "org.Country", verbose_name=_("countries"), blank=True, related_name="+"
    )
    product_lines = models.ManyToManyField(
        "org.ProductLine", verbose_name=_("product lines"), blank=True, related_name="+"
    )
    candidates = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reps"),
        blank=True,
        related_name="+",
        help_text=_(
            "Reps this rule assigns to, in turn; for the capability rule, empty means every rep with capacity."
        ),
    )
    first_contact_sla_hours = models.PositiveIntegerField(
        _("first-contact SLA (hours)"),
        null=True,
        blank=True,
        help_text=_("Overrides the default first-contact SLA for leads this rule assigns."),
    )

    class Meta:
        verbose_name = _("distribution rule")
        verbose_name_plural = _("distribution rules")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class LeadSettings(models.Model):
    """The tunable numbers of the lead phase (one row)."""

    first_contact_sla_hours = models.PositiveIntegerField(
        _("first-contact SLA (hours)"), default=24, validators=[MinValueValidator(1)]
    )
    stale_after_days = models.PositiveIntegerField(
        _("stale after (days without activity)"), default=14, validators=[MinValueValidator(1)]
    )

    inbound_mail_org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit of e-mailed leads"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Leads sent to the lead e-mail address land in this unit's pool; empty means the mail "
            "fetcher captures nothing, and a mail gateway's leads go to the gateway user's unit."
        ),
    )
    distribute_inbound_mail = models.BooleanField(
        _("distribute e-mailed leads"),
        default=True,
        help_text=_("Run the distribution rules on each lead captured from e-mail."),
    )

    class Meta:
        verbose_name = _("lead settings")
        verbose_name_plural = _("lead settings")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(_("Lead settings"))

    @classmethod
    def current(cls) -> LeadSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class InboundLeadMail(BaseModel):
    """One message sent to the lead e-mail address, remembered by its Message-ID so that the same
    message fetched twice (or also posted by a gateway) never makes two leads."""

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    channel = models.CharField(_("received through"), max_length=16)
    sender = models.CharField(_("sender"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=InboundMailStatus.choices)
    error = models.TextField(_("error"), blank=True)
    lead = models.OneToOneField(
        Lead,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mail",
    )

    visibility: ClassVar[Visibility | None] = None

    class Meta:
        verbose_name = _("inbound lead e-mail")
        verbose_name_plural = _("inbound lead e-mails")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.subject or self.message_id} ({self.get_status_display()})"
