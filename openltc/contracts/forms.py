"""Forms only validate input; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openltc.contracts import selectors
from openltc.contracts.choices import (
    ContractKind,
    ContractStatus,
    LineKind,
    MilestoneKind,
    ReviewFunction,
    SealKind,
    TriggerEvent,
    Verdict,
)
from openltc.contracts.models import Contract
from openltc.org.models import OrgUnit, ProductLine, User

DATE = forms.DateInput(attrs={"type": "date"})


def _people() -> Any:
    return User.objects.filter(is_active=True).order_by("username")


class ContractForm(forms.Form):
    """The header. Kind, frame, opportunity, customer and org unit are chosen at creation only."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ContractKind.choices, initial=ContractKind.STANDARD)
    opportunity = forms.ModelChoiceField(
        label=_("Opportunity"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_(
            "Draft from an opportunity to keep the lineage; customer, title and currency default to it."
        ),
    )
    parent = forms.ModelChoiceField(
        label=_("Frame contract"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_("Only for a purchase order: the signed frame contract it is placed under."),
    )
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=OrgUnit.objects.none(), required=False)
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    signing_entity = forms.CharField(
        label=_("Signing entity"), max_length=200, help_text=_("Our legal entity that signs the contract.")
    )
    currency = forms.CharField(
        label=_("Currency"), max_length=3, required=False, help_text=_("ISO 4217 code, e.g. CNY, USD.")
    )
    contract_manager = forms.ModelChoiceField(
        label=_("Contract manager"), queryset=User.objects.none(), required=False
    )
    delivery_obligations = forms.CharField(
        label=_("Delivery obligations"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    warranty_months = forms.IntegerField(
        label=_("Warranty (months)"), min_value=0, max_value=240, required=False
    )
    warranty_terms = forms.CharField(
        label=_("Warranty terms"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    governing_terms = forms.CharField(
        label=_("Governing terms"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Governing law, dispute resolution and other general terms."),
    )
    margin_percent = forms.DecimalField(
        label=_("Estimated gross margin (%)"), max_digits=5, decimal_places=2, required=False
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    CREATE_ONLY = ("kind", "opportunity", "parent", "customer", "org_unit")

    def __init__(self, *args: Any, user: Any, instance: Contract | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": instance.title,
                    "signing_entity": instance.signing_entity,
                    "currency": instance.currency,
                    "contract_manager": instance.contract_manager_id,
                    "delivery_obligations": instance.delivery_obligations,
                    "warranty_months": instance.warranty_months,
                    "warranty_terms": instance.warranty_terms,
                    "governing_terms": instance.governing_terms,
                    "margin_percent": instance.margin_percent,
                    "lock_version": instance.lock_version,
                },
            )
        super().__init__(*args, **kwargs)
        from openltc.customers.models import Customer
        from openltc.org.selectors import units_visible_to

        self.instance = instance
        self.fields["contract_manager"].queryset = _people()  # type: ignore[attr-defined]
        if instance is not None:
            for name in self.CREATE_ONLY:
                del self.fields[name]
            return
        self.fields["opportunity"].queryset = selectors.opportunity_choices(user=user)  # type: ignore[attr-defined]
        self.fields["parent"].queryset = selectors.frame_choices(user=user)  # type: ignore[attr-defined]
        self.fields["customer"].queryset = (  # type: ignore[attr-defined]
            Customer.objects.restrict(user).filter(merged_into__isnull=True).order_by("name")
        )
        self.fields["org_unit"].queryset = units_visible_to(user)  # type: ignore[attr-defined]
        self.fields["customer"].help_text = _("Required unless an opportunity or a frame contract is chosen.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance is None and not data.get("customer"):
            source = data.get("opportunity") or data.get("parent")
            if source is not None:
                data["customer"] = source.customer
            else:
                self.add_error("customer", _("Choose the customer."))
        return data


class LineForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LineKind.choices, initial=LineKind.PRODUCT)
    description = forms.CharField(label=_("Product or service"), max_length=300)
    product_line = forms.ModelChoiceField(
        label=_("Product line"), queryset=ProductLine.objects.filter(is_active=True), required=False
    )
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=4, min_value=0)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=18, decimal_places=2, min_value=0)
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100, initial=13
    )


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MilestoneKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    percentage = forms.DecimalField(
        label=_("Percentage"), max_digits=7, decimal_places=4, min_value=0, max_value=100, required=False
    )
    fixed_amount = forms.DecimalField(
        label=_("Fixed amount"), max_digits=18, decimal_places=2, min_value=0, required=False
    )
    trigger_event = forms.ChoiceField(label=_("Trigger event"), choices=TriggerEvent.choices)
    due_days = forms.IntegerField(label=_("Due days"), min_value=0, max_value=3650, initial=30)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("percentage") is None) == (data.get("fixed_amount") is None) and not self.errors:
            raise forms.ValidationError(_("Give either a percentage or an amount, not both."))
        return data


LineFormSet = forms.formset_factory(LineForm, extra=0, can_delete=True)
MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=0, can_delete=True)


def rows_of(formset: Any) -> list[dict[str, Any]]:
    """The cleaned rows of a valid formset, without deleted or empty extra rows."""
    rows = []
    for form in formset.forms:
        if not form.has_changed() and form.empty_permitted:
            continue
        if formset.can_delete and form.cleaned_data.get("DELETE"):
            continue
        rows.append({k: v for k, v in form.cleaned_data.items() if k != "DELETE"})
    return rows


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, help_text=_("Number, title or customer."))
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            ("active", _("Active (not closed or withdrawn)")),
            *ContractStatus.choices,
        ],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *ContractKind.choices]
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False, choices=[("", _("Anyone")), ("me", _("Me"))])
    org_unit = forms.ModelChoiceField(label=_("Org unit"), required=False, queryset=OrgUnit.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openltc.org.selectors import units_visible_to

        self.fields["org_unit"].queryset = units_visible_to(user)  # type: ignore[attr-defined]


class VersionedActionForm(forms.Form):
    """A lifecycle action without input; carries the version the user saw."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReasonForm(VersionedActionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class OpinionForm(forms.Form):
    function = forms.ChoiceField(label=_("Function"), choices=ReviewFunction.choices)
    verdict = forms.ChoiceField(label=_("Opinion"), choices=Verdict.choices)
    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required for a conditional agreement or a disagreement."),
    )
    conditions = forms.CharField(
        label=_("Conditions"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, functions: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if functions is not None:
            self.fields["function"].choices = [(f, ReviewFunction(f).label) for f in functions]  # type: ignore[attr-defined]


class SealRequestForm(VersionedActionForm):
    signatory = forms.ModelChoiceField(
        label=_("Authorised signatory"),
        queryset=User.objects.none(),
        help_text=_("An executive or SDT member who signs for the company."),
    )
    seal_kind = forms.ChoiceField(label=_("Seal"), choices=SealKind.choices)
    copies = forms.IntegerField(label=_("Copies"), min_value=1, max_value=20, initial=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signatory"].queryset = _people()  # type: ignore[attr-defined]


class SealRecordForm(VersionedActionForm):
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    seal_reference = forms.CharField(label=_("Seal register reference"), max_length=100, required=False)


class ArchiveForm(VersionedActionForm):
    scan = forms.FileField(
        label=_("Scan of the signed original"), help_text=_("PDF or image of the signed contract.")
    )
    archive_number = forms.CharField(label=_("Archive number"), max_length=60)
    original_location = forms.CharField(label=_("Where the original is kept"), max_length=200)
    page_count = forms.IntegerField(label=_("Pages"), min_value=1, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReceiptCheckForm(forms.Form):
    received_amount = forms.DecimalField(
        label=_("Amount in the received contract"), max_digits=18, decimal_places=2
    )
    received_currency = forms.CharField(label=_("Currency in the received contract"), max_length=3)
    milestones_match = forms.BooleanField(
        label=_("The payment milestones match the approved version"), required=False
    )
    obligations_match = forms.BooleanField(
        label=_("The delivery obligations match the approved version"), required=False
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CountersignForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False)


class TriggerForm(forms.Form):
    trigger_date = forms.DateField(label=_("Trigger date"), widget=DATE)


class CompareForm(forms.Form):
    a = forms.IntegerField(label=_("From version"), min_value=1)
    b = forms.IntegerField(label=_("To version"), min_value=1)


class ChangeForm(forms.Form):
    """A change request's reason and impacts; the amended lines and milestones are the formsets."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    scope_impact = forms.CharField(
        label=_("Impact on scope"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )
    schedule_impact = forms.CharField(
        label=_("Impact on schedule"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )
    cash_impact = forms.CharField(
        label=_("Impact on cash (payment terms)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )
    margin_percent = forms.DecimalField(
        label=_("Estimated gross margin after the change (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=-100,
        max_value=100,
        required=False,
    )


class ChangeSignForm(VersionedActionForm):
    signed_on = forms.DateField(label=_("Change agreement signed on"), widget=DATE)
    agreement_reference = forms.CharField(
        label=_("Change agreement reference"), max_length=100, required=False
    )
