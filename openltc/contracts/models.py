"""Contracts (合同): the agreement, its versions (every amendment is a new version), lines and
payment milestones, the receivable plan they generate, and the records of review (合同评审),
countersign (会签), seal (盖章), archive (归档) and receipt check (接收和确认合同/PO).

The status is changed only by the services through ``workflow.py``. Content (header, lines,
milestones) can be edited only while the current version is a draft; frozen versions are
guarded in the services and, for lines and milestones, by database triggers (migration 0002).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openltc.contracts.choices import (
    FROZEN_VERSION_STATUSES,
    OPEN_CHANGE_STATUSES,
    ChangeStatus,
    CheckResult,
    ContractKind,
    ContractStatus,
    CountersignStatus,
    LineKind,
    MilestoneKind,
    ReviewFunction,
    SealKind,
    SealStatus,
    TriggerEvent,
    Verdict,
    VersionStatus,
)
from openltc.core.models import BaseModel, RestrictedQuerySet, VersionedModel
from openltc.core.visibility import Visibility
from openltc.org.roles import Role

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Use the three-letter ISO 4217 currency code in capitals (CNY, USD, EUR).")
)

ZERO = Decimal("0.00")

CONTRACT_VISIBILITY = Visibility(
    org_unit="contract__org_unit", owners=("contract__owner", "contract__contract_manager")
)


class ContractQuerySet(RestrictedQuerySet):
    def active(self) -> ContractQuerySet:
        return self.exclude(status__in=[ContractStatus.CLOSED, ContractStatus.WITHDRAWN])

    def frames(self) -> ContractQuerySet:
        return self.filter(kind=ContractKind.FRAME)


class Contract(BaseModel, VersionedModel):
    """A contract with one customer (or a PO under a frame contract), owned by its AR.

    The header holds who, what currency and on what terms; the content that is reviewed and
    signed (lines, payment milestones) hangs on ``current_version``. The totals here mirror the
    current version so lists need no join.
    """

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=ContractKind.choices, default=ContractKind.STANDARD
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("frame contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchase_orders",
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    signing_entity = models.CharField(
        _("signing entity"),
        max_length=200,
        help_text=_("Our legal entity that signs the contract."),
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY", validators=[currency_validator])
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (AR)"),
        on_delete=models.PROTECT,
        related_name="owned_contracts",
    )
    contract_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contract manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_contracts",
    )
    delivery_obligations = models.TextField(_("delivery obligations"), blank=True)
    warranty_months = models.PositiveSmallIntegerField(
        _("warranty (months)"), null=True, blank=True, validators=[MaxValueValidator(240)]
    )
    warranty_terms = models.TextField(_("warranty terms"), blank=True)
    governing_terms = models.TextField(
        _("governing terms"),
        blank=True,
        help_text=_("Governing law, dispute resolution and other general terms."),
    )
    margin_percent = models.DecimalField(
        _("estimated gross margin (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))],
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("in status since"), default=timezone.now)
    current_version = models.ForeignKey(
        "ContractVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    total_net = models.DecimalField(_("total net"), default=ZERO, max_digits=18, decimal_places=2)
    total_tax = models.DecimalField(_("total tax"), default=ZERO, max_digits=18, decimal_places=2)
    total_gross = models.DecimalField(_("total"), default=ZERO, max_digits=18, decimal_places=2)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    objects = ContractQuerySet.as_manager()  # type: ignore[misc]
    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="org_unit", owners=("owner", "contract_manager")
    )

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "status"], name="contract_owner_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=ContractKind.PURCHASE_ORDER, parent__isnull=False)
                | (~models.Q(kind=ContractKind.PURCHASE_ORDER) & models.Q(parent__isnull=True)),
                name="contract_po_has_frame",
                violation_error_message=_(
                    "A purchase order needs its frame contract; other kinds have none."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ContractStatus.WITHDRAWN) | ~models.Q(withdrawal_reason=""),
                name="contract_withdrawn_reason",
                violation_error_message=_("A withdrawn contract needs a reason."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ContractStatus.values), name="contract_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_editable(self) -> bool:
        return self.status == ContractStatus.DRAFT

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("contracts:detail", args=[self.pk])

    def decision_participants(self) -> list[Any]:
        """Who works on the contract and so sees its decision cases."""
        people: list[Any] = [self.owner]
        if self.contract_manager_id and self.contract_manager_id != self.owner_id:
            people.append(self.contract_manager)
        return people

    def decision_attributes(self) -> Any:
        """What the decision engine routes an ATC/ATAC/ATCC case by (§2.5 delegation rules):
        amount, currency, grade (from the opportunity), margin if known, payment-term risk
        derived from the milestones, org unit."""
        from openltc.contracts.terms import payment_risk

        factory: Any = ContractDecisionAttributes
        try:
            from openltc.decisions.subjects import DecisionAttributes

            factory = DecisionAttributes
        except ImportError:  # the decision engine is optional for this app
            pass
        version = self.current_version
        milestones = list(version.milestones.all()) if version is not None else []
        return factory(
            amount=self.total_gross,
            currency=self.currency,
            grade=getattr(self.opportunity, "grade", None) or None,
            margin_pct=self.margin_percent,
            payment_risk=payment_risk(milestones, self.total_gross),
            org_unit=self.org_unit,
        )


@dataclass(frozen=True)
class ContractDecisionAttributes:
    """The shape of ``decisions.subjects.DecisionAttributes``, used when that app is absent."""

    amount: Decimal | None
    currency: str
    grade: str | None
    margin_pct: Decimal | None
    payment_risk: str | None
    org_unit: Any


class ContractVersion(BaseModel):
    """One version of a contract's content. Version 1 is drafted with the contract; every rework
    or amendment makes a new one. Only a draft version is editable; ``snapshot`` keeps the
    frozen content (header, lines, milestones) as structured JSON for comparison."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version number"))
    status = models.CharField(
        _("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    reason = models.CharField(_("reason for the version"), max_length=500, blank=True)
    snapshot = models.JSONField(_("frozen content"), default=dict, blank=True)
    total_net = models.DecimalField(_("total net"), default=ZERO, max_digits=18, decimal_places=2)
    total_tax = models.DecimalField(_("total tax"), default=ZERO, max_digits=18, decimal_places=2)
    total_gross = models.DecimalField(_("total"), default=ZERO, max_digits=18, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = CONTRACT_VISIBILITY

    class Meta:
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contract_version_unique_number"),
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(status=VersionStatus.DRAFT),
                name="contract_version_one_draft",
                violation_error_message=_("A contract has at most one draft version."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=VersionStatus.values), name="contract_version_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_VERSION_STATUSES


class ContractLine(BaseModel):
    """One line of a version: a product or service, quantity, unit price and tax rate. Amounts are
    computed by the services (Decimal, ROUND_HALF_UP to 2 places)."""

    version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices, default=LineKind.PRODUCT)
    description = models.CharField(_("product or service"), max_length=300)
    product_line = models.ForeignKey(
        "org.ProductLine",
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract_lines",
    )
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2)
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("13.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    net_amount = models.DecimalField(_("net amount"), default=ZERO, max_digits=18, decimal_places=2)
    tax_amount = models.DecimalField(_("tax"), default=ZERO, max_digits=18, decimal_places=2)
    gross_amount = models.DecimalField(_("amount"), default=ZERO, max_digits=18, decimal_places=2)

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="version__contract__org_unit",
        owners=("version__contract__owner", "version__contract__contract_manager"),
    )

    class Meta:
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="contract_line_unique_position"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0),
                name="contract_line_quantity_positive",
                violation_error_message=_("The quantity must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0),
                name="contract_line_price_not_negative",
                violation_error_message=_("The unit price must not be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0) & models.Q(tax_rate__lte=100),
                name="contract_line_tax_rate_range",
                violation_error_message=_("The tax rate must be between 0 and 100%."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


class PaymentMilestone(BaseModel):
    """A payment term of a version (§10.3): a percentage of the total or a fixed amount, due a
    number of days after its trigger event. The milestones of a version add up to its total."""

    version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="milestones",
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=24, choices=MilestoneKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    percentage = models.DecimalField(
        _("percentage of the total"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    fixed_amount = models.DecimalField(
        _("fixed amount"), null=True, blank=True, max_digits=18, decimal_places=2
    )
    amount = models.DecimalField(_("amount"), default=ZERO, max_digits=18, decimal_places=2)
    trigger_event = models.CharField(_("trigger event"), max_length=24, choices=TriggerEvent.choices)
    due_days = models.PositiveSmallIntegerField(
        _("due days"), default=30, help_text=_("Days after the trigger event until payment is due.")
    )

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="version__contract__org_unit",
        owners=("version__contract__owner", "version__contract__contract_manager"),
    )

    class Meta:
        verbose_name = _("payment milestone")
        verbose_name_plural = _("payment milestones")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="contract_milestone_unique_position"
            ),
            models.CheckConstraint(
                condition=(models.Q(percentage__isnull=False) & models.Q(fixed_amount__isnull=True))
                | (models.Q(percentage__isnull=True) & models.Q(fixed_amount__isnull=False)),
                name="contract_milestone_percentage_xor_amount",
                violation_error_message=_("Give either a percentage or an amount, not both."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="contract_milestone_amount_not_negative",
                violation_error_message=_("The amount must not be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.get_kind_display())


class ReceivablePlanLine(BaseModel):
    """What the customer owes per milestone of the current version, and when: the due date is
    known once the trigger event has happened (trigger date + due days)."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="receivable_plan",
    )
    milestone = models.OneToOneField(
        PaymentMilestone,
        verbose_name=_("milestone"),
        on_delete=models.CASCADE,
        related_name="plan_line",
    )
    planned_amount = models.DecimalField(_("planned amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    trigger_date = models.DateField(_("trigger date"), null=True, blank=True)
    planned_due_date = models.DateField(_("planned due date"), null=True, blank=True)

    visibility: ClassVar[Visibility | None] = CONTRACT_VISIBILITY

    class Meta:
        verbose_name = _("receivable plan line")
        verbose_name_plural = _("receivable plan")
        ordering = ["contract", "milestone__position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trigger_date__isnull=True, planned_due_date__isnull=True)
                | models.Q(trigger_date__isnull=False, planned_due_date__isnull=False),
                name="contract_plan_due_date_with_trigger",
            ),
            models.CheckConstraint(
                condition=models.Q(planned_amount__gte=0), name="contract_plan_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.planned_amount} {self.currency}"


class ContractReviewOpinion(BaseModel):
    """A reviewer's opinion in the contract review (合同评审): a recommendation only; the ATC
    decider sees every opinion, a "disagree" does not block by itself."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="review_opinions",
    )
    version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="review_opinions",
    )
    function = models.CharField(_("function"), max_length=12, choices=ReviewFunction.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="contract_review_opinions",
    )
    verdict = models.CharField(_("opinion"), max_length=24, choices=Verdict.choices)
    reasons = models.TextField(_("reasons"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = CONTRACT_VISIBILITY

    class Meta:
        verbose_name = _("contract review opinion")
        verbose_name_plural = _("contract review opinions")
        ordering = ["version", "function", "given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "function", "reviewer"],
                name="contract_opinion_one_per_reviewer",
                violation_error_message=_("You already gave an opinion for this function on this version."),
            ),
            models.CheckConstraint(
                condition=models.Q(verdict=Verdict.AGREE) | ~models.Q(reasons=""),
                name="contract_opinion_reasons",
                violation_error_message=_("Give the reasons for a conditional agreement or a disagreement."),
            ),
            models.CheckConstraint(
                condition=~models.Q(verdict=Verdict.AGREE_WITH_CONDITIONS) | ~models.Q(conditions=""),
                name="contract_opinion_conditions",
                violation_error_message=_("State the conditions."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_function_display()}: {self.get_verdict_display()}"


class CountersignDepartment(models.Model):
    """A department that countersigns (会签) every contract, configured by admins. Departments with
    the same sequence number sign in parallel; a higher number waits for all lower ones."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    role = models.CharField(
        _("signing role"),
        max_length=32,
        choices=Role.choices,
        help_text=_("People holding this role (for the contract's org unit) sign for the department."),
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=10)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("countersign department")
        verbose_name_plural = _("countersign departments")
        ordering = ["sequence", "name"]

    def __str__(self) -> str:
        return self.name


class CountersignStep(BaseModel):
    """One department's sign-off of one version, created when the countersign starts."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="countersign_steps",
    )
    version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="countersign_steps",
    )
    department_name = models.CharField(_("department"), max_length=120)
    role = models.CharField(_("signing role"), max_length=32, choices=Role.choices)
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    status = models.CharField(
        _("status"), max_length=12, choices=CountersignStatus.choices, default=CountersignStatus.PENDING
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract_countersigns",
    )
    signed_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = CONTRACT_VISIBILITY

    class Meta:
        verbose_name = _("countersign step")
        verbose_name_plural = _("countersign steps")
        ordering = ["version", "sequence", "department_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "department_name"], name="contract_countersign_one_per_department"
            ),
            models.CheckConstraint(
                condition=models.Q(status=CountersignStatus.PENDING, signed_at__isnull=True)
                | models.Q(status=CountersignStatus.SIGNED, signed_at__isnull=False, signed_by__isnull=False),
                name="contract_countersign_signed_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department_name}: {self.get_status_display()}"


class SealRecord(BaseModel):
    """The seal (盖章) of one version: requested with the authorised signatory, then recorded when
    the signatory has signed and the seal was applied."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="seal_records",
    )
    version = models.OneToOneField(
        ContractVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="seal_record",
    )
    seal_kind = models.CharField(
        _("seal"), max_length=16, choices=SealKind.choices, default=SealKind.CONTRACT_SEAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SealStatus.choices, default=SealStatus.REQUESTED
    )
    signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("authorised signatory"),
        on_delete=models.PROTECT,
        related_name="contract_signatures",
    )
    copies = models.PositiveSmallIntegerField(_("copies"), default=2, validators=[MinValueValidator(1)])
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="contract_seal_requests",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sealed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract_seals",
    )
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)
    seal_reference = models.CharField(_("seal register reference"), max_length=100, blank=True)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = CONTRACT_VISIBILITY

    class Meta:
        verbose_name = _("seal record")
        verbose_name_plural = _("seal records")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=SealStatus.REQUESTED, sealed_at__isnull=True)
                | models.Q(status=SealStatus.SEALED, sealed_at__isnull=False, sealed_by__isnull=False),
                name="contract_seal_sealed_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version}: {self.get_status_display()}"


class ContractArchive(BaseModel):
    """The filing (归档) of the signed original: where the paper is, the scan and its metadata."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="archives",
    )
    version = models.OneToOneField(
        ContractVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="archive",
    )
    archive_number = models.CharField(_("archive number"), max_length=60)
    original_location = models.CharField(_("where the original is kept"), max_length=200)
    scan = models.FileField(_("scan of the original"), upload_to="contracts/scans/%Y/%m/", max_length=300)
    scan_name = models.CharField(_("file name"), max_length=255)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        on_delete=models.PROTECT,
        related_name="contract_archives",
    )
    archived_at = models.DateTimeField(_("archived at"), default=timezone.now)

    visibility: ClassVar[Visibility | None] = CONTRACT_VISIBILITY

    class Meta:
        verbose_name = _("contract archive record")
        verbose_name_plural = _("contract archive records")
        ordering = ["-archived_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(archive_number=""), name="contract_archive_number"),
        ]

    def __str__(self) -> str:
        return f"{self.version}: {self.archive_number}"


class ContractReceiptCheck(BaseModel):
    """The receive-and-confirm quality check (接收和确认合同/PO): the checker compares the key terms
    of the received contract with the approved version. A mismatch blocks execution."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="receipt_checks",
    )
    version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="receipt_checks",
    )
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checker"),
        on_delete=models.PROTECT,
        related_name="contract_receipt_checks",
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    received_amount = models.DecimalField(
        _("amount in the received contract"), max_digits=18, decimal_places=2
    )
    received_currency = models.CharField(
        _("currency in the received contract"), max_length=3, validators=[currency_validator]
    )
    milestones_match = models.BooleanField(_("payment milestones match"))
    obligations_match = models.BooleanField(_("delivery obligations match"))
    result = models.CharField(_("result"), max_length=12, choices=CheckResult.choices)
    mismatches = models.JSONField(_("mismatches"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = CONTRACT_VISIBILITY

    class Meta:
        verbose_name = _("contract receipt check")
        verbose_name_plural = _("contract receipt checks")
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.version}: {self.get_result_display()}"


class ContractChange(BaseModel, VersionedModel):
    """A change request (合同/PO变更) on a signed contract: why, what it does to scope, price,
    schedule and cash, and the amended content as a new version (``amendment``). It goes through
    the change review and the ATAC decision (the decision engine, with this record as the
    subject), then the signed change agreement makes the amendment the current version."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="changes"
    )
    sequence = models.PositiveIntegerField(_("change number"))
    status = models.CharField(
        _("status"), max_length=12, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT, db_index=True
    )
    reason = models.TextField(_("reason for the change"))
    scope_impact = models.TextField(_("impact on scope"), blank=True)
    schedule_impact = models.TextField(_("impact on schedule"), blank=True)
    cash_impact = models.TextField(_("impact on cash (payment terms)"), blank=True)
    margin_percent = models.DecimalField(
        _("estimated gross margin after the change (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))],
    )
    base_version = models.ForeignKey(
        ContractVersion,
        verbose_name=_("amended version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    amendment = models.OneToOneField(
        ContractVersion,
        verbose_name=_("amendment (new version)"),
        on_delete=models.PROTECT,
        related_name="change_request",
    )
    price_impact = models.DecimalField(
        _("impact on price"),
        default=ZERO,
        max_digits=18,
        decimal_places=2,
        help_text=_("The amended total minus the total of the amended version."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="contract_changes_requested",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    signed_on = models.DateField(_("change agreement signed on"), null=True, blank=True)
    agreement_reference = models.CharField(_("change agreement reference"), max_length=100, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = CONTRACT_VISIBILITY

    class Meta:
        verbose_name = _("contract change request")
        verbose_name_plural = _("contract change requests")
        ordering = ["contract", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="contract_change_unique_sequence"),
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(status__in=OPEN_CHANGE_STATUSES),
                name="contract_change_one_open",
                violation_error_message=_("A contract has at most one open change request."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ChangeStatus.values), name="contract_change_status_valid"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="contract_change_reason"),
            models.CheckConstraint(
                condition=~models.Q(status=ChangeStatus.WITHDRAWN) | ~models.Q(withdrawal_reason=""),
                name="contract_change_withdrawn_reason",
                violation_error_message=_("A withdrawn change request needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.contract.title}"

    @property
    def number(self) -> str:
        return f"{self.contract.number}-A{self.sequence}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CHANGE_STATUSES

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("contracts:change", args=[self.contract_id, self.pk])

    def decision_participants(self) -> list[Any]:
        return self.contract.decision_participants()

    def decision_attributes(self) -> Any:
        """What the ATAC case is routed by: the size of the change (the absolute difference of
        the totals), the margin after the change, the payment risk of the amended milestones,
        the grade and org unit of the contract."""
        from openltc.contracts.terms import payment_risk
        from openltc.decisions.subjects import DecisionAttributes

        contract = self.contract
        amendment = self.amendment
        base = self.base_version
        return DecisionAttributes(
            amount=abs(amendment.total_gross - base.total_gross),
            currency=contract.currency,
            grade=getattr(contract.opportunity, "grade", None) or None,
            margin_pct=self.margin_percent if self.margin_percent is not None else contract.margin_percent,
            payment_risk=payment_risk(list(amendment.milestones.all()), amendment.total_gross),
            org_unit=contract.org_unit,
        )
