"""Forms of the leads pages. They only validate input; the services decide."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from openltc.core.visibility import user_scope
from openltc.leads.choices import (
    DisqualifyReason,
    ElementStatus,
    LeadSource,
    LeadStatus,
    Maturity,
    StrategicFit,
)
from openltc.leads.models import Lead, LeadActivity
from openltc.leads.scoring import ELEMENT_KEYS
from openltc.leads.services import ACTIVITY_FIELDS, LEAD_FIELDS


def assignable_users(user: Any) -> QuerySet[Any]:
    """People a manager may hand leads to: active users holding a role in the units they manage."""
    from openltc.org.models import User

    scope = user_scope(user)
    qs = User.objects.filter(is_active=True)
    if not scope.everything:
        condition = Q(pk=user.pk)
        for path in scope.manage_paths:
            condition |= Q(role_assignments__org_unit__path__startswith=path)
        qs = qs.filter(condition)
    return qs.distinct().order_by("username")


class DateInput(forms.DateInput):
    """A date picker; its value is always ISO (the Chinese locale's default format is not)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:  # noqa: A002 - Django's name
        super().__init__(attrs, format=format or "%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """A date-and-time picker; its value is always ``YYYY-MM-DDTHH:MM`` as the browser expects."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:  # noqa: A002 - Django's name
        super().__init__(attrs, format=format or "%Y-%m-%dT%H:%M")


class LeadForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = [*LEAD_FIELDS, "org_unit", "owner"]
        widgets = {
            "expected_date": DateInput(),
            **{
                f"{k}_{part}": forms.Textarea(attrs={"rows": 2})
                for k in ("pain", "solution", "relationship", "budget")
                for part in ("text", "evidence")
            },
        }

    def __init__(self, *args: Any, user: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openltc.customers.models import Contact, Customer
        from openltc.org.selectors import units_visible_to

        self.fields["customer"].queryset = Customer.objects.restrict(user).filter(merged_into__isnull=True)  # type: ignore[attr-defined]
        self.fields["contact"].queryset = Contact.objects.restrict(user).filter(merged_into__isnull=True)  # type: ignore[attr-defined]
        self.fields["customer"].help_text = _("An existing account; leave empty for a new prospect.")
        self.fields["company_name"].help_text = _("For a new prospect: the company's name.")
        for key in ELEMENT_KEYS:
            self.fields[f"{key}_status"].required = False
        if creating:
            self.fields["org_unit"].queryset = units_visible_to(user)  # type: ignore[attr-defined]
            self.fields["owner"].queryset = assignable_users(user)  # type: ignore[attr-defined]
            self.fields["owner"].help_text = _("Leave empty to put the lead in the pool (公海).")
            self.fields["org_unit"].required = False
            self.fields["org_unit"].help_text = _("Defaults to your own unit.")
        else:
            del self.fields["org_unit"]
            del self.fields["owner"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in ELEMENT_KEYS:
            if not data.get(f"{key}_status"):
                data[f"{key}_status"] = ElementStatus.UNCONFIRMED
        return data


class LeadValidateForm(forms.Form):
    strategic_fit = forms.ChoiceField(label=_("Strategic fit"), choices=StrategicFit.choices)
    maturity = forms.ChoiceField(label=_("Maturity"), choices=Maturity.choices)
    note = forms.CharField(
        label=_("Validation note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LeadDisqualifyForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "—"), *DisqualifyReason.choices], required=False
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LeadPoolForm(forms.Form):
    reason = forms.CharField(label=_("Why return it to the pool?"), required=False, max_length=500)


class LeadAssignForm(forms.Form):
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("New owner"), queryset=None)  # type: ignore[arg-type]
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        help_text=_("Required when the lead already has an owner."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_users(user)  # type: ignore[attr-defined]


class LeadActivityForm(forms.ModelForm):
    class Meta:
        model = LeadActivity
        fields = ACTIVITY_FIELDS
        widgets = {"occurred_at": DateTimeInput(), "next_step_date": DateInput()}


class LeadCriterionForm(forms.Form):
    checked = forms.BooleanField(label=_("Met"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class LeadConvertForm(forms.Form):
    title = forms.CharField(label=_("Opportunity title"), required=False, max_length=200)
    amount = forms.DecimalField(
        label=_("Amount"), required=False, max_digits=18, decimal_places=2, min_value=0
    )
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False, widget=DateInput())


class LeadFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, help_text=_("Title, company, contact, phone or e-mail.")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), ("open", _("Open")), *LeadStatus.choices]
    )
    maturity = forms.ChoiceField(
        label=_("Maturity"), required=False, choices=[("", _("All")), *Maturity.choices]
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("All")), *LeadSource.choices]
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    product_line = forms.ChoiceField(label=_("Product line"), required=False)
    org_unit = forms.ChoiceField(label=_("Org unit"), required=False)
    stale = forms.BooleanField(label=_("Stale only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue first contact"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-created", _("Newest first")),
            ("created", _("Oldest first")),
            ("-score", _("Highest score")),
            ("-value", _("Highest value")),
            ("expected", _("Expected timing")),
            ("-activity", _("Latest activity")),
            ("title", _("Title")),
        ],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openltc.org.models import ProductLine
        from openltc.org.selectors import units_visible_to

        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody (pool)")),
            *[(str(u.pk), str(u)) for u in assignable_users(user)],
        ]
        self.fields["product_line"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *[(str(p.pk), p.name) for p in ProductLine.objects.filter(is_active=True)],
        ]
        self.fields["org_unit"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *[(str(u.pk), u.name) for u in units_visible_to(user)],
        ]


class LeadBulkForm(forms.Form):
    ACTIONS = [("assign", _("Assign")), ("disqualify", _("Disqualify"))]

    action = forms.ChoiceField(label=_("Bulk action"), choices=ACTIONS)
    ids = forms.MultipleChoiceField(label=_("Leads"), required=True)
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("New owner"), queryset=None, required=False
    )  # type: ignore[arg-type]
    reason = forms.CharField(label=_("Reason for reassigning"), required=False, max_length=500)
    disqualify_reason = forms.ChoiceField(
        label=_("Disqualify reason"), required=False, choices=[("", "—"), *DisqualifyReason.choices]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_users(user)  # type: ignore[attr-defined]
        self.fields["ids"].choices = (  # type: ignore[attr-defined]
            [(v, v) for v in self.data.getlist("ids")] if hasattr(self.data, "getlist") else []
        )

    def clean_ids(self) -> list[str]:
        """Lead ids are UUIDs: anything else is a field error here, not a 500 in the lookup."""
        ids = self.cleaned_data["ids"]
        try:
            return [str(uuid.UUID(value)) for value in ids]
        except (ValueError, TypeError, AttributeError):
            raise forms.ValidationError(_("Choose leads from the list."), code="invalid_choice") from None
