"""Forms only validate input; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from openltc.opportunities import selectors
from openltc.opportunities.choices import (
    CompetitorStatus,
    ForecastCategory,
    Grade,
    Level,
    LossReason,
    PricePosition,
    ProjectType,
    SolutionPreference,
    Stage,
    TeamRole,
)
from openltc.opportunities.models import PAYMENT_RISK_CHOICES, Opportunity
from openltc.org.models import OrgUnit, ProductLine


class CompetitorsField(forms.CharField):
    """Competitor names separated by commas, kept as a list."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        # The field's validators see the list, whose repr hides a NUL byte: check the text.
        ProhibitNullCharactersValidator()(text)
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
    margin_pct = forms.DecimalField(
        label=_("Estimated gross margin (%)"),
        required=False,
        max_digits=6,
        decimal_places=2,
        min_value=-100,
        max_value=100,
        help_text=_("From the estimate (概算); the delegation matrix routes on it."),
    )
    payment_risk = forms.ChoiceField(
        label=_("Payment-term risk"), required=False, choices=[("", "—"), *PAYMENT_RISK_CHOICES]
    )
    competition = forms.ChoiceField(
        label=_("Competitive intensity"), required=False, choices=[("", "—"), *Level.choices]
    )
    complexity = forms.ChoiceField(
        label=_("Technical and delivery complexity"), required=False, choices=[("", "—"), *Level.choices]
    )
    solution_preference = forms.ChoiceField(
        label=_("Solution preference"), required=False, choices=[("", "—"), *SolutionPreference.choices]
    )
    price_position = forms.ChoiceField(
        label=_("Price position"), required=False, choices=[("", "—"), *PricePosition.choices]
    )
    competitor_status = forms.ChoiceField(
        label=_("Competitor status"), required=False, choices=[("", "—"), *CompetitorStatus.choices]
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    ASSESSMENT_FIELDS = (
        "margin_pct",
        "payment_risk",
        "competition",
        "complexity",
        "solution_preference",
        "price_position",
        "competitor_status",
    )

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
                    **{name: getattr(instance, name) for name in self.ASSESSMENT_FIELDS},
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
        if instance is None:
            for name in self.ASSESSMENT_FIELDS:
                del self.fields[name]

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


class GradeOverrideForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("Grade"),
        required=False,
        choices=[("", _("No override: use the computed grade")), *Grade.choices],
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EvaluationForm(forms.Form):
    """One score (1–5, or empty) and one note per active criterion."""

    def __init__(
        self, *args: Any, criteria: list[Any], initial_scores: dict[str, tuple[int, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        choices = [("", "—"), *[(str(i), str(i)) for i in range(1, 6)]]
        for c in criteria:
            score, note = initial_scores.get(c.code, (None, ""))
            self.fields[f"score_{c.code}"] = forms.TypedChoiceField(
                label=c.name,
                required=False,
                choices=choices,
                coerce=int,
                empty_value=None,
                initial=str(score) if score else "",
                help_text=c.guidance,
            )
            self.fields[f"note_{c.code}"] = forms.CharField(
                label=_("Note"), required=False, max_length=500, initial=note
            )

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(c, self[f"score_{c.code}"], self[f"note_{c.code}"]) for c in self.criteria]

    def scores(self) -> dict[str, tuple[int | None, str]]:
        data = self.cleaned_data
        return {
            c.code: (data.get(f"score_{c.code}"), data.get(f"note_{c.code}") or "") for c in self.criteria
        }


class CharterForm(forms.Form):
    project_type = forms.ChoiceField(
        label=_("Project type"), required=False, choices=[("", "—"), *ProjectType.choices]
    )
    lead_department = forms.ModelChoiceField(
        label=_("Lead department"), required=False, queryset=OrgUnit.objects.filter(is_active=True)
    )
    background = forms.CharField(
        label=_("Why pursue it (application)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    goals = forms.CharField(label=_("Goals"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    scope = forms.CharField(label=_("Scope"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    milestones = forms.CharField(
        label=_("Milestones"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    resources = forms.CharField(
        label=_("Resources requested"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    risks = forms.CharField(label=_("Risks"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AppointForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
