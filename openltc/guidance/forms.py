"""Forms only validate and carry values to the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openltc.guidance.choices import DIMENSIONS, ActionStatus, ActivityKind, AppealsDimension
from openltc.guidance.models import AppealsAnalysis


def split_names(value: str) -> list[str]:
    names: list[str] = []
    for part in (value or "").replace("，", ",").replace("\n", ",").split(","):
        name = part.strip()[:200]
        if name and name not in names:
            names.append(name)
    return names


class TickForm(forms.Form):
    done = forms.BooleanField(label=_("Done"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AppealsForm(forms.Form):
    """One row per dimension: the customer's weight (%), our score, each competitor's score,
    key need and the need in words. The competitor columns follow the ``competitors`` field."""

    competitors = forms.CharField(
        label=_("Competitors compared"),
        required=False,
        max_length=2000,
        help_text=_("Comma-separated; change the list and press “Update columns” to rate them."),
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, competitors: list[str], analysis: AppealsAnalysis | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            competitors = split_names(str(self.data.get("competitors", "")))
        self.competitor_names = competitors
        ratings = {r.dimension: r for r in analysis.ratings.all()} if analysis else {}
        if not self.is_bound:
            self.initial["competitors"] = ", ".join(competitors)
            self.initial["summary"] = analysis.summary if analysis else ""
        score_attrs = {"min": 0, "max": 10, "step": 1, "class": "score"}
        for d in DIMENSIONS:
            label = AppealsDimension(d).label
            rating = ratings.get(d)
            self.fields[f"{d}-weight"] = forms.DecimalField(
                label=_("%(d)s: customer weight (%%)") % {"d": label},
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=1,
                initial=rating.customer_weight if rating else Decimal("12.5"),
                widget=forms.NumberInput(attrs={"step": "0.1", "class": "weight"}),
            )
            self.fields[f"{d}-our"] = forms.IntegerField(
                label=_("%(d)s: our score") % {"d": label},
                min_value=0,
                max_value=10,
                required=False,
                initial=rating.our_score if rating else None,
                widget=forms.NumberInput(attrs=score_attrs),
            )
            for i, name in enumerate(competitors):
                self.fields[f"{d}-c{i}"] = forms.IntegerField(
                    label=_("%(d)s: %(c)s score") % {"d": label, "c": name},
                    min_value=0,
                    max_value=10,
                    required=False,
                    initial=rating.competitor_scores.get(name) if rating else None,
                    widget=forms.NumberInput(attrs=score_attrs),
                )
            self.fields[f"{d}-key"] = forms.BooleanField(
                label=_("%(d)s: key need") % {"d": label},
                required=False,
                initial=rating.is_key_need if rating else False,
            )
            self.fields[f"{d}-need"] = forms.CharField(
                label=_("%(d)s: the customer's need") % {"d": label},
                required=False,
                max_length=500,
                initial=rating.need if rating else "",
            )

    def rows(self) -> list[dict[str, Any]]:
        """Bound fields per dimension, for the template's table."""
        return [
            {
                "dimension": d,
                "label": AppealsDimension(d).label,
                "weight": self[f"{d}-weight"],
                "our": self[f"{d}-our"],
                "competitors": [self[f"{d}-c{i}"] for i in range(len(self.competitor_names))],
                "key": self[f"{d}-key"],
                "need": self[f"{d}-need"],
            }
            for d in DIMENSIONS
        ]

    def ratings(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "dimension": d,
                "customer_weight": data[f"{d}-weight"],
                "our_score": data.get(f"{d}-our"),
                "competitor_scores": {
                    name: data.get(f"{d}-c{i}")
                    for i, name in enumerate(self.competitor_names)
                    if data.get(f"{d}-c{i}") is not None
                },
                "is_key_need": data.get(f"{d}-key", False),
                "need": data.get(f"{d}-need", ""),
            }
            for d in DIMENSIONS
        ]


class ValueMessageForm(forms.Form):
    dimension = forms.ChoiceField(
        label=_("$APPEALS dimension"),
        required=False,
        choices=[("", _("— free text need —")), *AppealsDimension.choices],
        help_text=_("Leave the need empty to take the key need of this dimension from $APPEALS."),
    )
    need = forms.CharField(label=_("Customer need (buying point)"), required=False, max_length=500)
    feature = forms.CharField(
        label=_("Feature (特征)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    function = forms.CharField(
        label=_("Function (功能, FFAB)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    advantage = forms.CharField(
        label=_("Advantage (优势)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    benefit = forms.CharField(
        label=_("Benefit (利益)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.CharField(
        label=_("Evidence (证据)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    lock_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


def _people(opportunity: Any) -> Any:
    from openltc.org.models import User

    ids = {opportunity.owner_id, *opportunity.team_members.values_list("user_id", flat=True)}
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    held_at = forms.DateTimeField(
        label=_("Held at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    participants = forms.CharField(
        label=_("Participants"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    minutes = forms.CharField(
        label=_("Minutes"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )
    lock_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    ACTION_ROWS = 3

    def __init__(self, *args: Any, opportunity: Any, with_actions: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "held_at" not in self.initial:
            self.initial["held_at"] = timezone.localtime().replace(second=0, microsecond=0)
        self.action_rows = self.ACTION_ROWS if with_actions else 0
        people = _people(opportunity)
        for i in range(self.action_rows):
            self.fields[f"action{i}-title"] = forms.CharField(
                label=_("Action %(n)s") % {"n": i + 1}, required=False, max_length=300
            )
            self.fields[f"action{i}-owner"] = PersonChoiceField(
                label=_("Owner of action %(n)s") % {"n": i + 1}, queryset=people, required=False
            )
            self.fields[f"action{i}-due"] = forms.DateField(
                label=_("Due date of action %(n)s") % {"n": i + 1},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def main_fields(self) -> list[Any]:
        return [self[n] for n in ("kind", "subject", "held_at", "participants", "minutes")]

    def action_fields(self) -> list[list[Any]]:
        return [[self[f"action{i}-{p}"] for p in ("title", "owner", "due")] for i in range(self.action_rows)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(self.action_rows):
            title, owner, due = (data.get(f"action{i}-{p}") for p in ("title", "owner", "due"))
            if (owner or due) and not title:
                self.add_error(f"action{i}-title", _("Describe the action."))
            if title and not owner:
                self.add_error(f"action{i}-owner", _("Choose who does it."))
            if title and not due:
                self.add_error(f"action{i}-due", _("Give the action a due date."))
        return data

    def actions(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "title": data[f"action{i}-title"],
                "owner": data[f"action{i}-owner"],
                "due_date": data[f"action{i}-due"],
            }
            for i in range(self.action_rows)
            if data.get(f"action{i}-title")
        ]


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = PersonChoiceField(label=_("Owner"), queryset=None)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, opportunity: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people(opportunity)  # type: ignore[attr-defined]


class ActionTransitionForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome or reason"), required=False, max_length=4000)
    lock_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ActionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *ActionStatus.choices]
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False, choices=[("", _("Anyone")), ("me", _("Me"))])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
