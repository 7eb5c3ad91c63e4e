"""Forms only validate input; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openltc.opportunities import selectors
from openltc.opportunities.choices import ForecastCategory, LossReason, Stage, TeamRole
from openltc.opportunities.models import Opportunity
from openltc.org.models import OrgUnit, ProductLine


class CompetitorsField(forms.CharField):
    """Competitor names separated by commas, kept as a list."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [n.strip() for n in text.replace("，", ",").split(",") if n.strip()]


class OpportunityForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    contact = forms.ModelChoiceField(
        label=_("Main contact"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_("A person at the customer; must work for the chosen customer."),
    )
    amount = forms.DecimalField(label=_("Estimated amount"), max_digits=18, decimal_places=2, min_value=0)
    currency = forms.CharField(
        label=_("Currency"), max_length=3, initial="CNY", help_text=_("ISO 4217 code, e.g. CNY, USD.")
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    product_lines = forms.ModelMultipleChoiceField(
        label=_("Product lines"),
        queryset=ProductLine.objects.filter(is_active=True),
        required=False,
    )
    competitors = CompetitorsField(
        label=_("Competitors"), required=False, help_text=_("Separate several names with commas.")
    )
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, instance: Opportunity | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "customer": instance.customer_id,
                    "title": instance.title,
                    "contact": instance.contact_id,
                    "amount": instance.amount,
                    "currency": instance.currency,
                    "expected_close_date": instance.expected_close_date,
                    "product_lines": [p.pk for p in instance.product_lines.all()],
                    "competitors": instance.competitors,
                    "org_unit": instance.org_unit_id,
                    "lock_version": instance.lock_version,
                },
            )
        super().__init__(*args, **kwargs)
        from openltc.customers.models import Contact
        from openltc.org.selectors import units_visible_to

        self.instance = instance
        self.fields["customer"].queryset = selectors.customers_for(user)  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = units_visible_to(user)  # type: ignore[attr-defined]
        contacts = Contact.objects.restrict(user).filter(merged_into__isnull=True).select_related("customer")
        if instance is not None:
            contacts = Contact.objects.filter(customer_id=instance.customer_id, merged_into__isnull=True)
            # Customer and org unit are fixed once the opportunity exists.
            del self.fields["customer"]
            del self.fields["org_unit"]
        self.fields["contact"].queryset = contacts.order_by("name")  # type: ignore[attr-defined]
        if instance is None and user.home_unit_id:
            self.fields["org_unit"].initial = user.home_unit_id

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()


class ProbabilityForm(forms.Form):
    probability = forms.IntegerField(label=_("Probability (%)"), min_value=0, max_value=100)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ForecastForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Forecast category"),
        choices=[(v, label) for v, label in ForecastCategory.choices if v != ForecastCategory.CLOSED],
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CloseLostForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *LossReason.choices])
    competitor = forms.CharField(label=_("Winning competitor"), max_length=200)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AbandonForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *LossReason.choices])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TeamMemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=OrgUnit.objects.none())
    role = forms.ChoiceField(
        label=_("Role"), choices=[(v, label) for v, label in TeamRole.choices if v != TeamRole.AR]
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = selectors.team_candidates(user)  # type: ignore[attr-defined]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, help_text=_("Number, title or customer"))
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All")), ("open", _("All open")), *Stage.choices]
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    org_unit = forms.ChoiceField(label=_("Org unit"), required=False)
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"), required=False, choices=[("", _("All")), *ForecastCategory.choices]
    )
    close_month = forms.CharField(
        label=_("Close month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text=_("Expected close month"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openltc.org.models import User
        from openltc.org.selectors import units_visible_to

        owners = User.objects.filter(
            pk__in=selectors.opportunity_list(user=user).order_by().values("owner_id")
        ).order_by("username")
        self.fields["owner"].choices = [("", _("Anyone")), ("me", _("Me"))] + [  # type: ignore[attr-defined]
            (str(u.pk), str(u)) for u in owners
        ]
        self.fields["org_unit"].choices = [("", _("All"))] + [  # type: ignore[attr-defined]
            (str(u.pk), u.name) for u in units_visible_to(user)
        ]
