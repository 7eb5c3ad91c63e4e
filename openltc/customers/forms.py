"""Forms of the customer pages. They only validate input; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openltc.core.visibility import VIEW
from openltc.customers.choices import BuyingRole, CoachFunction, LifecycleStatus, RelationshipKind
from openltc.customers.models import (
    Contact,
    Customer,
    CustomerTier,
    PersonalityType,
    RelationshipAction,
    RelationshipPlan,
    RelationshipStage,
    SatisfactionSurvey,
)
from openltc.org.models import Country, OrgUnit, User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _active_users() -> Any:
    return User.objects.filter(is_active=True).order_by("username")


class CustomerForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Customer
        fields = [
            "name",
            "legal_name",
            "tax_id",
            "industry",
            "country",
            "region",
            "province",
            "city",
            "address",
            "website",
            "phone",
            "email",
            "size",
            "parent",
            "org_unit",
            "owner",
            "lifecycle_status",
            "tier",
            "is_strategic",
            "credit_rating",
            "credit_limit",
            "credit_currency",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openltc.org.selectors import units_visible_to

        self.fields["org_unit"].queryset = units_visible_to(user)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = _active_users()  # type: ignore[attr-defined]
        parents = Customer.objects.restrict(user, VIEW).filter(merged_into__isnull=True)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents.only("id", "name")  # type: ignore[attr-defined]
        self.fields["tier"].queryset = CustomerTier.objects.filter(is_active=True)  # type: ignore[attr-defined]
        rating = self.fields["credit_rating"]
        rating.queryset = rating.queryset.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["country"].queryset = Country.objects.order_by("code")  # type: ignore[attr-defined]
        if not self.instance.pk and getattr(user, "home_unit_id", None):
            self.fields["org_unit"].initial = user.home_unit_id
            self.fields["owner"].initial = user.pk

    def _post_clean(self) -> None:
        # Model validation belongs to the service, which reports it as a DomainError.
        pass


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Name, legal name, tax id, contact phone or e-mail"),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + list(LifecycleStatus.choices)
    )
    tier = forms.ModelChoiceField(
        label=_("Value tier"), required=False, queryset=CustomerTier.objects.all(), empty_label=_("Any")
    )
    strategic = forms.ChoiceField(
        label=_("Strategic"),
        required=False,
        choices=[("", _("Any")), ("1", _("Yes")), ("0", _("No"))],
    )
    owner = forms.ModelChoiceField(
        label=_("Owner (AR)"), required=False, queryset=User.objects.none(), empty_label=_("Anyone")
    )
    country = forms.ModelChoiceField(
        label=_("Country or region"), required=False, queryset=Country.objects.all(), empty_label=_("Any")
    )
    org_unit = forms.ModelChoiceField(
        label=_("Org unit"), required=False, queryset=OrgUnit.objects.none(), empty_label=_("Any")
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("-created", _("Newest first")),
            ("created", _("Oldest first")),
            ("status", _("Status")),
            ("tier", _("Value tier")),
            ("owner", _("Owner")),
            ("country", _("Country")),
        ],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openltc.org.selectors import units_visible_to

        self.fields["org_unit"].queryset = units_visible_to(user)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = _active_users()  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ContactForm(forms.ModelForm):
    buying_roles = forms.MultipleChoiceField(
        label=_("Buying roles"),
        required=False,
        choices=BuyingRole.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    coach_functions = forms.MultipleChoiceField(
        label=_("Coach functions"),
        required=False,
        choices=CoachFunction.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Contact
        fields = [
            "name",
            "title",
            "department",
            "phone",
            "email",
            "management_level",
            "reports_to",
            "buying_roles",
            "stance",
            "influence",
            "personality",
            "relationship_stage",
            "is_coach",
            "coach_functions",
            "personal_needs",
            "org_needs",
            "relationship_owner",
            "is_active",
            "notes",
        ]
        widgets = {
            "personal_needs": forms.Textarea(attrs={"rows": 2}),
            "org_needs": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bosses = Contact.objects.filter(customer=customer, merged_into__isnull=True)
        if self.instance.pk:
            bosses = bosses.exclude(pk=self.instance.pk)
        self.fields["reports_to"].queryset = bosses.only("id", "name")  # type: ignore[attr-defined]
        self.fields["personality"].queryset = PersonalityType.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["relationship_stage"].queryset = RelationshipStage.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["relationship_owner"].queryset = _active_users()  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        pass


class ContactStanceForm(forms.ModelForm):
    """Quick edit from the organisation map."""

    class Meta:
        model = Contact
        fields = ["stance", "influence", "management_level", "is_coach"]

    def _post_clean(self) -> None:
        pass


class RelationshipForm(forms.Form):
    source = forms.ModelChoiceField(label=_("From"), queryset=Contact.objects.none())
    kind = forms.ChoiceField(label=_("Relationship"), choices=RelationshipKind.choices)
    target = forms.ModelChoiceField(label=_("To"), queryset=Contact.objects.none())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = Contact.objects.filter(customer=customer, merged_into__isnull=True).only("id", "name")
        self.fields["source"].queryset = people  # type: ignore[attr-defined]
        self.fields["target"].queryset = people  # type: ignore[attr-defined]


class PlanForm(forms.ModelForm):
    class Meta:
        model = RelationshipPlan
        fields = ["contact", "objective", "target_stage", "owner", "due_date"]
        widgets = {"due_date": DATE}

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(  # type: ignore[attr-defined]
            customer=customer, merged_into__isnull=True
        ).only("id", "name")
        self.fields["target_stage"].queryset = RelationshipStage.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = _active_users()  # type: ignore[attr-defined]
        self.fields["owner"].required = False

    def _post_clean(self) -> None:
        pass


class ActionForm(forms.ModelForm):
    class Meta:
        model = RelationshipAction
        fields = ["title", "due_date", "owner"]
        widgets = {"due_date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        pass


class SurveyForm(forms.ModelForm):
    class Meta:
        model = SatisfactionSurvey
        fields = ["surveyed_on", "score", "comments"]
        widgets = {"surveyed_on": DATE, "comments": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self) -> None:
        pass


class DuplicateSearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=300)
    tax_id = forms.CharField(label=_("Tax id"), required=False, max_length=30)
    email = forms.CharField(label=_("E-mail"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)

    def has_criteria(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


class ContactMergeForm(forms.Form):
    keep = forms.ModelChoiceField(label=_("Keep"), queryset=Contact.objects.none())
    merge = forms.ModelChoiceField(label=_("Merge into it and retire"), queryset=Contact.objects.none())

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = Contact.objects.filter(customer=customer, merged_into__isnull=True).only(
            "id", "name", "email"
        )
        self.fields["keep"].queryset = people  # type: ignore[attr-defined]
        self.fields["merge"].queryset = people  # type: ignore[attr-defined]
