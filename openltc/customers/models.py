"""Customers (客户), their people (contacts), the buying-organisation map, relationship plans and
satisfaction surveys, plus the small configuration lists admins maintain."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openltc.core.models import BaseModel, VersionedModel
from openltc.core.visibility import Visibility
from openltc.customers.choices import (
    STANCE_CHOICES,
    ActionStatus,
    BuyingRole,
    CoachFunction,
    CustomerSize,
    Industry,
    Influence,
    LifecycleStatus,
    ManagementLevel,
    PlanStatus,
    RelationshipKind,
)

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Use the three-letter ISO 4217 currency code in capitals.")
)

# China's unified social credit code (统一社会信用代码): 18 characters, no I, O, S, V, Z.
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
# Any other tax or VAT number: 5–30 letters and digits, optionally separated by - . / or spaces.
GENERIC_TAX_ID_RE = re.compile(r"^[A-Z0-9](?:[A-Z0-9\-./ ]{3,28})[A-Z0-9]$")


def validate_tax_id(value: str) -> None:
    value = (value or "").strip().upper()
    if len(value) == 18 and value.isalnum():
        if not USCC_RE.match(value):
            raise ValidationError(
                _(
                    "This looks like a unified social credit code but is not valid (18 characters, no I, O, S, V or Z)."
                ),
                code="invalid_tax_id",
            )
        return
    if not GENERIC_TAX_ID_RE.match(value):
        raise ValidationError(
            _("Enter an 18-character unified social credit code or a tax number of 5–30 letters and digits."),
            code="invalid_tax_id",
        )


class ConfigListModel(models.Model):
    """A short admin-maintained list: a code, a name, an order and an active flag."""

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{1,32}$", _("Use letters, digits, '-' or '_'."))],
    )
    name = models.CharField(_("name"), max_length=80)
    rank = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Lower comes first."))
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["rank", "code"]

    def __str__(self) -> str:
        return self.name


class CustomerTier(ConfigListModel):
    """A value tier (VIP / important / ordinary …) that customers are classified into."""

    class Meta(ConfigListModel.Meta):
        verbose_name = _("customer value tier")
        verbose_name_plural = _("customer value tiers")


class CreditRating(ConfigListModel):
    """A credit rating grade (AAA … C) set by finance from financials, payment history and country
    risk; lower ``rank`` is a better rating."""

    class Meta(ConfigListModel.Meta):
        verbose_name = _("credit rating")
        verbose_name_plural = _("credit ratings")


class PersonalityType(ConfigListModel):
    """A personality type used to adapt how we approach a contact (for example a DISC type)."""

    class Meta(ConfigListModel.Meta):
        verbose_name = _("personality type")
        verbose_name_plural = _("personality types")


class RelationshipStage(ConfigListModel):
    """An ordered stage of our relationship with a person (known → trusted → supporter …)."""

    class Meta(ConfigListModel.Meta):
        verbose_name = _("relationship stage")
        verbose_name_plural = _("relationship stages")


class Customer(BaseModel, VersionedModel):
    """An organisation we sell to, owned by an org unit and an account responsible (AR).

    ``normalized_name`` is the name reduced for duplicate detection and is kept by the services.
    A customer merged into another keeps its row and history and points at the survivor.
    """

    name = models.CharField(_("name"), max_length=200, help_text=_("Short name used in lists."))
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    tax_id = models.CharField(
        _("tax id"),
        max_length=30,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_tax_id],
        help_text=_("Unified social credit code (统一社会信用代码) or other tax number."),
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    country = models.ForeignKey(
        "org.Country",
        verbose_name=_("country or region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    region = models.CharField(_("region"), max_length=100, blank=True)
    province = models.CharField(_("province or state"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_digits = models.CharField(
        _("phone digits"), max_length=40, blank=True, db_index=True, editable=False
    )
    email = models.EmailField(_("e-mail"), blank=True)
    size = models.CharField(_("size"), max_length=16, choices=CustomerSize.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent customer (group)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsidiaries",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("owning org unit"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account responsible (AR)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_customers",
    )
    lifecycle_status = models.CharField(
        _("lifecycle status"),
        max_length=16,
        choices=LifecycleStatus.choices,
        default=LifecycleStatus.PROSPECT,
        db_index=True,
    )
    tier = models.ForeignKey(
        CustomerTier,
        verbose_name=_("value tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    is_strategic = models.BooleanField(_("strategic customer"), default=False)
    credit_rating = models.ForeignKey(
        CreditRating,
        verbose_name=_("credit rating"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    credit_currency = models.CharField(
        _("credit currency"), max_length=3, blank=True, validators=[currency_validator]
    )
    notes = models.TextField(_("notes"), blank=True)
    normalized_name = models.CharField(
        _("normalised name"), max_length=300, blank=True, db_index=True, editable=False
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_customers",
        editable=False,
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True, editable=False)

    history = HistoricalRecords()
    visibility = Visibility(org_unit="org_unit", owners=("owner",))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_limit__isnull=True) | models.Q(credit_limit__gte=0),
                name="customers_customer_credit_limit_nonneg",
                violation_error_message=_("The credit limit must not be negative."),
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")),
                name="customers_customer_not_merged_into_self",
                violation_error_message=_("A customer cannot be merged into itself."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="customers_customer_not_own_parent",
                violation_error_message=_("A customer cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def clean(self) -> None:
        super().clean()
        self.tax_id = (self.tax_id or "").strip().upper() or None
        self.credit_currency = (self.credit_currency or "").strip().upper()
        if self.credit_limit is not None and not self.credit_currency:
            raise ValidationError({"credit_currency": _("Give the currency of the credit limit.")})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A customer cannot be its own parent.")})


class Contact(BaseModel, VersionedModel):
    """A person at a customer, with where they sit in the buying organisation and where they stand
    towards us (stance −3 … +3, influence, roles, coach)."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=120)
    title = models.CharField(_("job title"), max_length=120, blank=True)
    department = models.CharField(_("department"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_digits = models.CharField(
        _("phone digits"), max_length=40, blank=True, db_index=True, editable=False
    )
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    normalized_name = models.CharField(
        _("normalised name"), max_length=120, blank=True, db_index=True, editable=False
    )
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    management_level = models.CharField(
        _("management level"),
        max_length=16,
        choices=ManagementLevel.choices,
        default=ManagementLevel.OPERATION,
    )
    buying_roles = models.JSONField(
        _("buying roles"),
        default=list,
        blank=True,
        help_text=_("A list of buying-role codes; a person may hold several."),
    )
    stance = models.SmallIntegerField(
        _("stance towards us"),
        choices=STANCE_CHOICES,
        default=0,
        validators=[MinValueValidator(-3), MaxValueValidator(3)],
    )
    influence = models.CharField(
        _("influence"), max_length=8, choices=Influence.choices, default=Influence.MEDIUM
    )
    personality = models.ForeignKey(
        PersonalityType,
        verbose_name=_("personality type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    relationship_stage = models.ForeignKey(
        RelationshipStage,
        verbose_name=_("relationship stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    is_coach = models.BooleanField(_("coach (教练)"), default=False)
    coach_functions = models.JSONField(_("coach functions"), default=list, blank=True)
    personal_needs = models.TextField(_("personal needs"), blank=True)
    org_needs = models.TextField(_("work / organisation needs"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    relationship_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_contacts",
    )
    is_active = models.BooleanField(_("still at the customer"), default=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_contacts",
        editable=False,
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True, editable=False)

    history = HistoricalRecords()
    visibility = Visibility(org_unit="customer__org_unit", owners=("customer__owner", "relationship_owner"))

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer", "management_level", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stance__gte=-3) & models.Q(stance__lte=3),
                name="customers_contact_stance_range",
                violation_error_message=_("The stance must be between -3 and +3."),
            ),
            models.CheckConstraint(
                condition=~models.Q(reports_to=models.F("id")),
                name="customers_contact_not_own_manager",
                violation_error_message=_("A contact cannot report to themselves."),
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")),
                name="customers_contact_not_merged_into_self",
                violation_error_message=_("A contact cannot be merged into themselves."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.customer_id]) + "#org-section"

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def buying_role_labels(self) -> list[str]:
        labels = dict(BuyingRole.choices)
        return [str(labels.get(r, r)) for r in self.buying_roles or []]

    def coach_function_labels(self) -> list[str]:
        labels = dict(CoachFunction.choices)
        return [str(labels.get(r, r)) for r in self.coach_functions or []]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        roles = self.buying_roles or []
        if not isinstance(roles, list) or any(r not in BuyingRole.values for r in roles):
            errors["buying_roles"] = _("Unknown buying role.")
        else:
            self.buying_roles = [r for r in BuyingRole.values if r in roles]
        functions = self.coach_functions or []
        if not isinstance(functions, list) or any(f not in CoachFunction.values for f in functions):
            errors["coach_functions"] = _("Unknown coach function.")
        elif functions and not self.is_coach:
            errors["coach_functions"] = _("Only a coach has coach functions.")
        else:
            self.coach_functions = [f for f in CoachFunction.values if f in functions]
        if self.reports_to_id:
            if self.reports_to_id == self.pk:
                errors["reports_to"] = _("A contact cannot report to themselves.")
            elif self.reports_to is not None and self.reports_to.customer_id != self.customer_id:
                errors["reports_to"] = _("The manager must be a contact of the same customer.")
        if errors:
            raise ValidationError(errors)


class ContactRelationship(BaseModel):
    """An edge of the buying-organisation map between two contacts of the same customer."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="contact_relationships",
    )
    source = models.ForeignKey(
        Contact,
        verbose_name=_("from"),
        on_delete=models.CASCADE,
        related_name="relationships_out",
    )
    target = models.ForeignKey(
        Contact,
        verbose_name=_("to"),
        on_delete=models.CASCADE,
        related_name="relationships_in",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RelationshipKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()
    visibility = Visibility(org_unit="customer__org_unit", owners=("customer__owner",))

    class Meta:
        verbose_name = _("contact relationship")
        verbose_name_plural = _("contact relationships")
        ordering = ["customer", "kind", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind"],
                name="customers_contactrel_unique",
                violation_error_message=_("This relationship is already on the map."),
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")),
                name="customers_contactrel_not_self",
                violation_error_message=_("A relationship needs two different people."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.get_kind_display()})"

    def clean(self) -> None:
        super().clean()
        if self.source_id and self.target_id:
            if self.source_id == self.target_id:
                raise ValidationError({"target": _("A relationship needs two different people.")})
            if self.source.customer_id != self.customer_id or self.target.customer_id != self.customer_id:
                raise ValidationError({"target": _("Both people must be contacts of this customer.")})


class RelationshipPlan(BaseModel):
    """Our plan to move the relationship with one key contact to a target stage by a date."""

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="relationship_plans",
    )
    objective = models.CharField(_("objective"), max_length=300)
    target_stage = models.ForeignKey(
        RelationshipStage,
        verbose_name=_("target stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("plan owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="relationship_plans",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.PLANNED
    )

    history = HistoricalRecords()
    visibility = Visibility(
        org_unit="contact__customer__org_unit", owners=("contact__customer__owner", "owner")
    )

    class Meta:
        verbose_name = _("relationship plan")
        verbose_name_plural = _("relationship plans")
        ordering = ["due_date", "created_at"]

    def __str__(self) -> str:
        return f"{self.contact}: {self.objective}"


class RelationshipAction(BaseModel):
    """One step of a relationship plan (a visit, a dinner, a reference trip …)."""

    plan = models.ForeignKey(
        RelationshipPlan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="relationship_actions",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    history = HistoricalRecords()
    visibility = Visibility(
        org_unit="plan__contact__customer__org_unit",
        owners=("plan__contact__customer__owner", "plan__owner", "owner"),
    )

    class Meta:
        verbose_name = _("relationship action")
        verbose_name_plural = _("relationship actions")
        ordering = ["due_date", "created_at"]

    def __str__(self) -> str:
        return self.title


class SatisfactionSurvey(BaseModel):
    """A customer satisfaction reading (1 very unhappy … 10 delighted) on a date."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="satisfaction_surveys",
    )
    surveyed_on = models.DateField(_("survey date"))
    score = models.PositiveSmallIntegerField(
        _("score (1–10)"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    comments = models.TextField(_("comments"), blank=True)
    surveyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("surveyed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="satisfaction_surveys",
    )

    history = HistoricalRecords()
    visibility = Visibility(org_unit="customer__org_unit", owners=("customer__owner",))

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-surveyed_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1) & models.Q(score__lte=10),
                name="customers_survey_score_range",
                violation_error_message=_("The score must be between 1 and 10."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.surveyed_on}: {self.score}"
