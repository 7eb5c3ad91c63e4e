"""Forms of the Decisions area: they validate input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openltc.decisions.choices import CaseStatus, Gate, Outcome, ReviewFunction, Verdict
from openltc.org.models import User

DATE = forms.DateInput(attrs={"type": "date"})


class CaseOpenForm(forms.Form):
    subject_type = forms.CharField(widget=forms.HiddenInput, max_length=100)
    subject_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    gate = forms.ChoiceField(label=_("Gate"), choices=Gate.choices)


class CaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary for the decision body"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=10000,
        help_text=_("What is to be decided, the recommendation and the key risks."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10000
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    item = forms.ChoiceField(label=_("For checklist item"), required=False)

    def __init__(self, *args: Any, items: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("(general material)")), *((str(i.pk), i.label) for i in items)]  # type: ignore[attr-defined]


class OpinionForm(forms.Form):
    function = forms.ChoiceField(label=_("Function"), choices=ReviewFunction.choices)
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    conditions = forms.CharField(
        label=_("Conditions"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=10000,
        help_text=_("Required when you agree with conditions."),
    )

    def __init__(self, *args: Any, functions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if functions:
            self.fields["function"].choices = [(f, ReviewFunction(f).label) for f in functions]  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Outcome.choices)
    rationale = forms.CharField(
        label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )
    on_behalf_of = forms.ChoiceField(label=_("Deciding as"), required=False)
    revisit_on = forms.DateField(
        label=_("Revisit on"), required=False, widget=DATE, help_text=_("Required for a deferral.")
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, principals: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = list(principals)
        self.fields["on_behalf_of"].choices = [  # type: ignore[attr-defined]
            (str(p.pk), str(p) if i == 0 else _("Deputy for %(name)s") % {"name": p})
            for i, p in enumerate(people)
        ]
        if len(people) <= 1:
            self.fields["on_behalf_of"].widget = forms.HiddenInput()


class ConditionRowForm(forms.Form):
    text = forms.CharField(label=_("Condition"), max_length=500, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)

    def __init__(self, *args: Any, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("text") and (not data.get("owner") or not data.get("due_date")):
            raise forms.ValidationError(_("Each condition needs an owner and a due date."))
        return data


ConditionFormSet = forms.formset_factory(ConditionRowForm, extra=3, max_num=20)


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("What is missing or must be reworked"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
    )
    on_behalf_of = forms.ChoiceField(label=_("Acting as"), required=False)

    def __init__(self, *args: Any, principals: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = list(principals)
        self.fields["on_behalf_of"].choices = [(str(p.pk), str(p)) for p in people]  # type: ignore[attr-defined]
        if len(people) <= 1:
            self.fields["on_behalf_of"].widget = forms.HiddenInput()


class ConditionCloseForm(forms.Form):
    note = forms.CharField(
        label=_("How it was met"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class DeputyForm(forms.Form):
    deputy = forms.ModelChoiceField(label=_("Deputy"), queryset=User.objects.filter(is_active=True))
    valid_from = forms.DateField(label=_("From"), widget=DATE)
    valid_until = forms.DateField(label=_("Until"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class FilterForm(forms.Form):
    gate = forms.ChoiceField(label=_("Gate"), choices=[("", _("All gates")), *Gate.choices], required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *CaseStatus.choices], required=False
    )
