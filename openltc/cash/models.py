"""Cash (开票回款): invoices raised from billable receivable plan lines, credit notes that correct
them, receipts (回款) and their allocation to invoices, and collection work — dunning actions,
disputes and bad-debt write-offs.

Money is Decimal in the contract's currency. The amounts that must never be exceeded are kept
on the rows that are locked while they change, and the database refuses them too: an invoice's
allocated + credited + written-off amount never exceeds its total, a receipt's allocated amount
never exceeds the receipt.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openltc.cash.choices import (
    CollectionChannel,
    DisputeReason,
    DisputeStatus,
    DunningLevel,
    InvoiceKind,
    InvoiceStatus,
    ReceiptStatus,
    WriteOffStatus,
)
from openltc.core.models import BaseModel, VersionedModel
from openltc.core.visibility import Visibility

ZERO = Decimal("0.00")
currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Use the three-letter ISO 4217 currency code in capitals (CNY, USD, EUR).")
)
code_validator = RegexValidator(r"^[A-Z0-9]{1,12}$", _("Use 1 to 12 capital letters or digits."))


def money_field(label: str | object, **extra: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(label, max_digits=18, decimal_places=2, **extra)  # type: ignore[arg-type]


CONTRACT_VISIBILITY = Visibility(
    org_unit="contract__org_unit", owners=("contract__owner", "contract__contract_manager")
)


class IssuingEntity(models.Model):
    """Our legal entity that issues invoices (开票主体). Each keeps its own gap-free number
    series; admins configure them."""

    code = models.CharField(_("code"), max_length=12, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    tax_id = models.CharField(_("tax id"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=60, blank=True)
    number_prefix = models.CharField(
        _("number prefix"), max_length=12, default="INV", validators=[code_validator]
    )
    default_tax_rate = models.DecimalField(
        _("default tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("13.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("issuing entity")
        verbose_name_plural = _("issuing entities")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AgingBucket(models.Model):
    """One bucket of the receivables aging (应收账龄) by days past the due date. ``min_days``
    empty means "and below" (the not-yet-due bucket), ``max_days`` empty "and above"."""

    position = models.PositiveSmallIntegerField(_("position"), unique=True)
    label = models.CharField(_("label"), max_length=40)
    min_days = models.IntegerField(_("from days past due"), null=True, blank=True)
    max_days = models.IntegerField(_("to days past due"), null=True, blank=True)

    class Meta:
        verbose_name = _("aging bucket")
        verbose_name_plural = _("aging buckets")
        ordering = ["position"]

    def __str__(self) -> str:
        return self.label


class CashPolicy(models.Model):
    """Settings of the cash process (one row, edited in the admin)."""

    write_off_limit = money_field(
        _("write-off limit (reporting currency)"),
        default=Decimal("100000.00"),
        help_text=_(
            "Finance approvers may approve write-offs up to this amount; above it an executive approves."
        ),
    )
    dso_period_days = models.PositiveSmallIntegerField(
        _("DSO period (days)"), default=90, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    alert_every_days = models.PositiveSmallIntegerField(
        _("repeat overdue alerts every (days)"), default=7, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("cash policy")
        verbose_name_plural = _("cash policy")

    def __str__(self) -> str:
        return str(_("Cash policy"))


class Invoice(BaseModel, VersionedModel):
    """An invoice (or a credit note correcting one) for one contract, in its currency.

    ``allocated_amount`` (receipts applied), ``credited_amount`` (credit notes against it) and
    ``written_off_amount`` (approved bad debt) are changed only by the services, under a row lock;
    what remains is the open receivable.
    """

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE
    )
    issuing_entity = models.ForeignKey(
        IssuingEntity, verbose_name=_("issuing entity"), on_delete=models.PROTECT, related_name="invoices"
    )
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="invoices"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrected invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN, db_index=True
    )
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    net_amount = money_field(_("net amount"), default=ZERO)
    tax_amount = money_field(_("tax"), default=ZERO)
    gross_amount = money_field(_("total"), default=ZERO)
    allocated_amount = money_field(_("received"), default=ZERO)
    credited_amount = money_field(_("credited"), default=ZERO)
    written_off_amount = money_field(_("written off"), default=ZERO)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    collection_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collection owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collection_invoices",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issued_invoices",
    )
    last_alerted_on = models.DateField(_("last overdue alert"), null=True, blank=True)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = CONTRACT_VISIBILITY

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-number"]
        indexes = [models.Index(fields=["status", "due_date"], name="cash_invoice_status_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_amount=F("net_amount") + F("tax_amount")), name="cash_invoice_gross_sum"
            ),
            models.CheckConstraint(condition=Q(gross_amount__gt=0), name="cash_invoice_positive"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0, credited_amount__gte=0, written_off_amount__gte=0),
                name="cash_invoice_settlements_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    gross_amount__gte=F("allocated_amount") + F("credited_amount") + F("written_off_amount")
                ),
                name="cash_invoice_not_over_settled",
                violation_error_message=_("An invoice cannot be settled beyond its total."),
            ),
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.INVOICE, corrects__isnull=True)
                | Q(kind=InvoiceKind.CREDIT_NOTE, corrects__isnull=False),
                name="cash_credit_note_corrects_invoice",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("issue_date")), name="cash_invoice_due_after_issue"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cash:invoice_detail", args=[self.pk])

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def open_amount(self) -> Decimal:
        if self.is_credit_note:
            return ZERO
        return self.gross_amount - self.allocated_amount - self.credited_amount - self.written_off_amount

    def days_overdue(self, as_of: object = None) -> int:
        today = as_of or timezone.localdate()
        return (today - self.due_date).days  # type: ignore[operator,no-any-return]


class InvoiceLine(BaseModel):
    """The part of an invoice that bills one receivable plan line (gross, with its tax)."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines"
    )
    plan_line = models.ForeignKey(
        "contracts.ReceivablePlanLine",
        verbose_name=_("receivable plan line"),
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    description = models.CharField(_("description"), max_length=300)
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    net_amount = money_field(_("net amount"))
    tax_amount = money_field(_("tax"))
    gross_amount = money_field(_("amount"))

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="invoice__contract__org_unit",
        owners=("invoice__contract__owner", "invoice__contract__contract_manager"),
    )

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(gross_amount__gt=0), name="cash_invoice_line_positive"),
            models.CheckConstraint(
                condition=Q(gross_amount=F("net_amount") + F("tax_amount")), name="cash_invoice_line_sum"
            ),
            models.UniqueConstraint(
                fields=["invoice", "plan_line"], name="cash_invoice_line_once_per_plan_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice}: {self.description}"


class Receipt(BaseModel, VersionedModel):
    """Money received from a customer (回款). Its amount is allocated to one or several invoices;
    whatever is not allocated is unapplied credit kept for later invoices."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="receipts"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
        help_text=_("The contract the payment is for, if the customer said so."),
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="receipts"
    )
    received_on = models.DateField(_("received on"))
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    payer = models.CharField(_("payer"), max_length=200)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    allocated_amount = money_field(_("allocated"), default=ZERO)
    status = models.CharField(
        _("status"), max_length=12, choices=ReceiptStatus.choices, default=ReceiptStatus.RECEIVED
    )
    reversal_reason = models.CharField(_("reason for reversal"), max_length=500, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recorded_receipts",
    )

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="org_unit", owners=("customer__owner", "contract__owner")
    )

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-received_on", "-number"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="cash_receipt_positive"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0) & Q(allocated_amount__lte=F("amount")),
                name="cash_receipt_not_over_allocated",
                violation_error_message=_("A receipt cannot be allocated beyond its amount."),
            ),
            models.CheckConstraint(
                condition=Q(status=ReceiptStatus.RECEIVED) | ~Q(reversal_reason=""),
                name="cash_receipt_reversal_reason",
                violation_error_message=_("A reversed receipt needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cash:receipt_detail", args=[self.pk])

    @property
    def unapplied_amount(self) -> Decimal:
        if self.status == ReceiptStatus.REVERSED:
            return ZERO
        return self.amount - self.allocated_amount


class Allocation(BaseModel):
    """Part of a receipt applied to an invoice. A reversed receipt's allocations are kept with
    ``reversed_at`` set and no longer count."""

    receipt = models.ForeignKey(
        Receipt, verbose_name=_("receipt"), on_delete=models.PROTECT, related_name="allocations"
    )
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="allocations"
    )
    amount = money_field(_("amount"))
    allocated_on = models.DateField(_("allocated on"))
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("allocated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="invoice__contract__org_unit",
        owners=("invoice__contract__owner", "invoice__contract__contract_manager"),
    )

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-allocated_on", "-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="cash_allocation_positive")]

    def __str__(self) -> str:
        return f"{self.receipt} → {self.invoice}: {self.amount}"


class CollectionAction(BaseModel):
    """One step taken to collect (催收): who chased whom, how, how firmly, and what comes next."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="collection_actions",
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collection_actions",
    )
    level = models.PositiveSmallIntegerField(_("dunning level"), choices=DunningLevel.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=CollectionChannel.choices)
    occurred_on = models.DateField(_("date"))
    note = models.TextField(_("what was agreed"))
    promised_amount = money_field(_("promised amount"), null=True, blank=True)
    next_step_on = models.DateField(_("next step on"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="collection_actions",
    )

    visibility: ClassVar[Visibility | None] = CONTRACT_VISIBILITY

    class Meta:
        verbose_name = _("collection action")
        verbose_name_plural = _("collection actions")
        ordering = ["-occurred_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.contract}: {self.get_level_display()}"


class Dispute(BaseModel, VersionedModel):
    """A disagreement with the customer that holds up payment (争议), with a reason code and an
    owner who works it to resolution."""

    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.CASCADE, related_name="disputes"
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=DisputeReason.choices)
    amount = money_field(_("disputed amount"))
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_disputes",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = Visibility(
        org_unit="contract__org_unit", owners=("contract__owner", "contract__contract_manager", "owner")
    )

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="cash_dispute_amount_positive"),
            models.CheckConstraint(
                condition=Q(status=DisputeStatus.OPEN) | ~Q(resolution=""),
                name="cash_dispute_resolution",
                violation_error_message=_("Say how the dispute was closed."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number}: {self.get_reason_display()}"


class WriteOff(BaseModel):
    """A bad-debt write-off (坏账核销) of part of an invoice: requested, then approved or rejected
    by a finance approver who is not the requester."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="write_offs"
    )
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="write_offs"
    )
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=12, choices=WriteOffStatus.choices, default=WriteOffStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    history = HistoricalRecords()

    visibility: ClassVar[Visibility | None] = CONTRACT_VISIBILITY

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="cash_write_off_positive"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="cash_write_off_four_eyes",
                violation_error_message=_("The approver must not be the requester."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice}: {self.amount} {self.currency}"
