"""The report filter form (the same filters on every report) and the forecast adjustment form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openltc.core.visibility import user_scope
from openltc.leads.choices import LeadSource
from openltc.opportunities.choices import ForecastCategory, Grade


def people_visible_to(user: Any) -> Any:
    """People whose figures the user may filter by: themselves and those with a role in the
    units they see."""
    from openltc.org.models import User

    scope = user_scope(user)
    qs = User.objects.filter(is_active=True)
    if not scope.everything:
        condition = Q(pk=user.pk)
        for path in scope.view_paths:
            condition |= Q(role_assignments__org_unit__path__startswith=path)
        qs = qs.filter(condition)
    return qs.distinct().order_by("username")


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("YYYY-MM"),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    office = forms.ChoiceField(label=_("Office"), required=False)
    product_line = forms.ChoiceField(label=_("Product line"), required=False)
    grade = forms.ChoiceField(label=_("Grade"), required=False, choices=[("", _("All")), *Grade.choices])
    source = forms.ChoiceField(
        label=_("Lead source"), required=False, choices=[("", _("All")), *LeadSource.choices]
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openltc.org.models import OrgUnit, ProductLine
        from openltc.org.selectors import units_visible_to

        units = list(units_visible_to(user).filter(kind__in=(OrgUnit.Kind.REGION, OrgUnit.Kind.OFFICE)))
        self.fields["region"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *[(str(u.pk), u.name) for u in units if u.kind == OrgUnit.Kind.REGION],
        ]
        self.fields["office"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *[(str(u.pk), u.name) for u in units if u.kind == OrgUnit.Kind.OFFICE],
        ]
        self.fields["product_line"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *[(str(p.pk), p.name) for p in ProductLine.objects.filter(is_active=True)],
        ]
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            *[(str(u.pk), str(u)) for u in people_visible_to(user)],
        ]


class AdjustmentForm(forms.Form):
    org_unit = forms.IntegerField(widget=forms.HiddenInput)
    month = forms.CharField(widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[
            (ForecastCategory.COMMIT, ForecastCategory.COMMIT.label),
            (ForecastCategory.BEST_CASE, ForecastCategory.BEST_CASE.label),
        ],
    )
    amount = forms.DecimalField(label=_("Adjusted forecast"), max_digits=18, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
