"""Forms of the bid pages: they only validate; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openltc.bids.choices import (
    ActionStatus,
    BidResult,
    BidStatus,
    BondStatus,
    EvaluationMethod,
    ItemCategory,
    ItemStatus,
    NegotiationRole,
)
from openltc.bids.models import BidChecklistItem, BidQuestion, RecoveryAction
from openltc.decisions.choices import PaymentRisk
from openltc.org.models import User

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _people() -> Any:
    return User.objects.filter(is_active=True).order_by("username")


class VersionedForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class BidForm(VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    tender_number = forms.CharField(label=_("Tender number"), max_length=100, required=False)
    issuer = forms.CharField(label=_("Issuer"), max_length=200, required=False)
    questions_deadline = forms.DateTimeField(
        label=_("Deadline for questions"), required=False, widget=DATETIME
    )
    submission_deadline = forms.DateTimeField(label=_("Submission deadline"), required=False, widget=DATETIME)
    opening_at = forms.DateTimeField(label=_("Bid opening"), required=False, widget=DATETIME)
    qualification_requirements = forms.CharField(
        label=_("Qualification requirements"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evaluation_method = forms.ChoiceField(label=_("Evaluation method"), choices=EvaluationMethod.choices)
    bid_price = forms.DecimalField(
        label=_("Our bid price"), required=False, min_value=0, max_digits=18, decimal_places=2
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    bond_amount = forms.DecimalField(
        label=_("Bid bond amount"), required=False, min_value=0, max_digits=18, decimal_places=2
    )
    bond_currency = forms.CharField(label=_("Bid bond currency"), max_length=3, min_length=3)
    bond_status = forms.ChoiceField(label=_("Bid bond status"), choices=BondStatus.choices)


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("open", _("Open")), *BidStatus.choices],
    )
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=[("", _("Any")), *BidResult.choices]
    )
    owner = forms.ChoiceField(
        label=_("Bid manager"), required=False, choices=[("", _("Anyone")), ("me", _("Me"))]
    )
    deadline_before = forms.DateField(label=_("Deadline on or before"), required=False, widget=DATE)


class TransitionForm(VersionedForm):
    pass


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ResultForm(VersionedForm):
    our_rank = forms.IntegerField(label=_("Our rank"), required=False, min_value=1, max_value=999)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Item"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=ItemCategory.choices)
    prevents_disqualification = forms.BooleanField(
        label=_("Prevents disqualification (废标项)"), required=False
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()  # type: ignore[attr-defined]


class ItemStatusForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=BidChecklistItem.objects.none())
    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, bid: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = bid.items.all() if bid else BidChecklistItem.objects.none()  # type: ignore[attr-defined]


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    asked_by = forms.CharField(label=_("Asked by"), max_length=200)
    asked_at = forms.DateTimeField(label=_("Asked at"), required=False, widget=DATETIME)


class AnswerForm(forms.Form):
    question = forms.ModelChoiceField(label=_("Question"), queryset=BidQuestion.objects.none())
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    answered_at = forms.DateTimeField(label=_("Answered at"), required=False, widget=DATETIME)

    def __init__(self, *args: Any, bid: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = bid.questions.all() if bid else BidQuestion.objects.none()  # type: ignore[attr-defined]


class CompetitorForm(forms.Form):
    competitor = forms.CharField(label=_("Competitor"), max_length=200)
    price = forms.DecimalField(label=_("Price"), required=False, min_value=0, max_digits=18, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3, required=False)
    rank = forms.IntegerField(label=_("Rank"), required=False, min_value=1, max_value=999)
    is_winner = forms.BooleanField(label=_("Winner"), required=False)


class RecoveryForm(forms.Form):
    action = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()  # type: ignore[attr-defined]


class RecoveryStatusForm(forms.Form):
    recovery = forms.ModelChoiceField(label=_("Action"), queryset=RecoveryAction.objects.none())
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    outcome = forms.CharField(label=_("Outcome"), max_length=500, required=False)

    def __init__(self, *args: Any, bid: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = bid.recovery_actions.all() if bid else RecoveryAction.objects.none()
        self.fields["recovery"].queryset = choices  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    reasons = forms.CharField(label=_("Why we won or lost"), widget=forms.Textarea(attrs={"rows": 4}))
    lessons = forms.CharField(label=_("Lessons learnt"), widget=forms.Textarea(attrs={"rows": 4}))


class NegotiatorForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=NegotiationRole.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _people()  # type: ignore[attr-defined]


class ConcessionForm(forms.Form):
    given = forms.CharField(label=_("What we gave"), max_length=500)
    received = forms.CharField(label=_("What we got"), max_length=500)
    value = forms.DecimalField(label=_("Value"), required=False, max_digits=18, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3, required=False)


class TermsForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    new_amount = forms.DecimalField(
        label=_("New amount"), required=False, min_value=0, max_digits=18, decimal_places=2
    )
    payment_terms = forms.CharField(
        label=_("Payment terms"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    payment_risk = forms.ChoiceField(
        label=_("Payment-term risk"), required=False, choices=[("", "—"), *PaymentRisk.choices]
    )
    margin_pct = forms.DecimalField(
        label=_("Estimated gross margin (%)"),
        required=False,
        min_value=-100,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class AgreementForm(forms.Form):
    agreed_on = forms.DateField(label=_("Agreed with the customer on"), widget=DATE)
    note = forms.CharField(
        label=_("What was agreed"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
