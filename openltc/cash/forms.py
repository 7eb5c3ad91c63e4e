"""Forms of the cash pages: they only validate; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openltc.cash.choices import (
    CollectionChannel,
    DisputeReason,
    DunningLevel,
    InvoiceKind,
    InvoiceStatus,
    ReceiptStatus,
)
from openltc.cash.models import IssuingEntity

DATE = forms.DateInput(attrs={"type": "date"})


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All"))] + InvoiceKind.choices)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *InvoiceStatus.choices, ("overdue", _("Overdue"))],
    )


class ReceiptFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *ReceiptStatus.choices, ("unapplied", _("Not fully allocated"))],
    )


class InvoiceForm(forms.Form):
    """The header of a new invoice; the lines come from the billable milestones on the page."""

    issuing_entity = forms.ModelChoiceField(
        label=_("Issuing entity"), queryset=IssuingEntity.objects.filter(is_active=True), empty_label=None
    )
    issue_date = forms.DateField(label=_("Issue date"), widget=DATE)
    due_date = forms.DateField(
        label=_("Due date"), widget=DATE, required=False, help_text=_("Empty: the milestones' due date.")
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CreditNoteForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to credit"), min_value=0, max_digits=18, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ReceiptForm(forms.Form):
    customer: Any = forms.ModelChoiceField(label=_("Customer"), queryset=None)  # type: ignore[arg-type]
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=18, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    payer = forms.CharField(label=_("Payer"), max_length=200)
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=100, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openltc.customers.models import Customer

        self.fields["customer"].queryset = (  # type: ignore[attr-defined]
            Customer.objects.restrict(user).filter(merged_into__isnull=True).order_by("name")
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class CollectionForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Dunning level"), choices=DunningLevel.choices, coerce=int)
    channel = forms.ChoiceField(label=_("Channel"), choices=CollectionChannel.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(
        label=_("What was agreed"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    promised_amount = forms.DecimalField(
        label=_("Promised amount"), required=False, min_value=0, max_digits=18, decimal_places=2
    )
    next_step_on = forms.DateField(label=_("Next step on"), required=False, widget=DATE)


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DisputeReason.choices)
    amount = forms.DecimalField(label=_("Disputed amount"), min_value=0, max_digits=18, decimal_places=2)
    description = forms.CharField(
        label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DisputeCloseForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), max_length=4000)
    withdrawn = forms.BooleanField(label=_("Withdrawn (raised in error)"), required=False)


class WriteOffForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to write off"), min_value=0, max_digits=18, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class WriteOffDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class AnalyticsForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE)
    group_by = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[
            ("", _("Company")),
            ("customer", _("Customer")),
            ("contract", _("Contract")),
            ("team", _("Team")),
            ("owner", _("Owner (AR)")),
        ],
    )
