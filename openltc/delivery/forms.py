"""Forms only validate input; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openltc.delivery.choices import (
    CostCategory,
    CostStage,
    ItemKind,
    ItemStatus,
    MeetingKind,
    ProjectStatus,
    QualityCost,
    ReviewConclusion,
    ReviewKind,
    RiskCategory,
    RiskResponse,
    RiskStatus,
    Severity,
    Stream,
    TeamRole,
)
from openltc.delivery.models import DeliveryProject, PlanItem
from openltc.org.models import User

DATE = forms.DateInput(attrs={"type": "date"})


def _people() -> Any:
    return User.objects.filter(is_active=True).order_by("username")


class PeopleMixin:
    """Sets the queryset of every person field at bind time (never at import)."""

    person_fields: tuple[str, ...] = ()

    def _people_fields(self) -> None:
        for name in self.person_fields:
            self.fields[name].queryset = _people()  # type: ignore[attr-defined]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, help_text=_("Number, name, contract or customer."))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ProjectStatus.choices]
    )
    fr = forms.ChoiceField(
        label=_("FR in charge"), required=False, choices=[("", _("Anyone")), ("me", _("Me"))]
    )
    mine = forms.ChoiceField(
        label=_("Team"), required=False, choices=[("", _("All I can see")), ("1", _("Projects I work on"))]
    )


class VersionedActionForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ProjectCreateForm(PeopleMixin, forms.Form):
    person_fields = ("fr",)
    contract = forms.UUIDField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Project name"), max_length=200, required=False)
    fr = forms.ModelChoiceField(label=_("FR in charge"), queryset=User.objects.none())
    planned_start = forms.DateField(label=_("Planned start"), widget=DATE, required=False)
    planned_finish = forms.DateField(label=_("Planned finish"), widget=DATE, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._people_fields()


class ProjectEditForm(PeopleMixin, VersionedActionForm):
    person_fields = ("fr",)
    name = forms.CharField(label=_("Project name"), max_length=200)
    fr = forms.ModelChoiceField(label=_("FR in charge"), queryset=User.objects.none())
    planned_start = forms.DateField(label=_("Planned start"), widget=DATE, required=False)
    planned_finish = forms.DateField(label=_("Planned finish"), widget=DATE, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._people_fields()


class MemberForm(PeopleMixin, forms.Form):
    person_fields = ("user",)
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._people_fields()


class ItemForm(PeopleMixin, VersionedActionForm):
    person_fields = ("owner",)
    stream = forms.ChoiceField(label=_("Stream"), choices=Stream.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    planned_start = forms.DateField(label=_("Planned start"), widget=DATE)
    planned_finish = forms.DateField(label=_("Planned finish"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices, initial=ItemStatus.NOT_STARTED)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100, initial=0)
    planned_value = forms.DecimalField(
        label=_("Planned value (budget)"), max_digits=18, decimal_places=2, min_value=0, initial=0
    )
    plan_line = forms.ModelChoiceField(
        label=_("Payment milestone"),
        queryset=PlanItem.objects.none(),
        required=False,
        help_text=_("Delivery milestones only: its acceptance makes this payment milestone billable."),
    )
    depends_on = forms.ModelMultipleChoiceField(
        label=_("Depends on"), queryset=PlanItem.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, project: DeliveryProject, item: PlanItem | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._people_fields()
        from openltc.contracts.models import ReceivablePlanLine

        self.fields["plan_line"].queryset = ReceivablePlanLine.objects.filter(  # type: ignore[attr-defined]
            contract_id=project.contract_id
        ).select_related("milestone")
        others = PlanItem.objects.filter(project=project)
        if item is not None:
            others = others.exclude(pk=item.pk)
        self.fields["depends_on"].queryset = others  # type: ignore[attr-defined]


class EstimateForm(forms.Form):
    optimistic = forms.DecimalField(label=_("Optimistic (days)"), max_digits=8, decimal_places=2, min_value=0)
    most_likely = forms.DecimalField(
        label=_("Most likely (days)"), max_digits=8, decimal_places=2, min_value=0
    )
    pessimistic = forms.DecimalField(
        label=_("Pessimistic (days)"), max_digits=8, decimal_places=2, min_value=0
    )


class AcceptanceForm(forms.Form):
    accepted_on = forms.DateField(label=_("Accepted on"), widget=DATE)
    certificate_reference = forms.CharField(label=_("Signed certificate reference"), max_length=100)
    evidence = forms.FileField(
        label=_("Evidence"),
        help_text=_("The signed acceptance certificate or report (PDF, image, Office file)."),
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RiskForm(PeopleMixin, VersionedActionForm):
    person_fields = ("owner",)
    title = forms.CharField(label=_("Risk"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=RiskCategory.choices)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    probability = forms.IntegerField(label=_("Probability (1–5)"), min_value=1, max_value=5)
    impact = forms.IntegerField(label=_("Impact (1–5)"), min_value=1, max_value=5)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    response = forms.ChoiceField(label=_("Response"), choices=RiskResponse.choices)
    response_plan = forms.CharField(
        label=_("Response plan"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    trigger = forms.CharField(label=_("Trigger"), max_length=300, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices, initial=RiskStatus.OPEN)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._people_fields()


class DelphiStartForm(PeopleMixin, forms.Form):
    person_fields = ("estimators",)
    topic = forms.CharField(label=_("What is estimated"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=30, initial="person-days")
    estimators = forms.ModelMultipleChoiceField(
        label=_("Estimators"), queryset=User.objects.none(), help_text=_("3 to 7 people.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._people_fields()


class DelphiEstimateForm(forms.Form):
    value = forms.DecimalField(label=_("Your estimate"), max_digits=12, decimal_places=2, min_value=0)
    assumptions = forms.CharField(
        label=_("Assumptions"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class DelphiFinishForm(forms.Form):
    final_estimate = forms.DecimalField(
        label=_("Final estimate"), max_digits=12, decimal_places=2, min_value=0
    )
    note = forms.CharField(
        label=_("Basis of the final estimate"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AnalogyForm(forms.Form):
    reference = forms.ModelChoiceField(label=_("Reference project"), queryset=DeliveryProject.objects.none())
    factor = forms.DecimalField(
        label=_("Adjustment factor"), max_digits=6, decimal_places=3, min_value=0.01, max_value=100, initial=1
    )
    rationale = forms.CharField(
        label=_("Why the factor"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, user: Any, project: DeliveryProject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reference"].queryset = DeliveryProject.objects.restrict(user).exclude(pk=project.pk)  # type: ignore[attr-defined]


class CostForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=CostStage.choices)
    category = forms.ChoiceField(label=_("Cost category"), choices=CostCategory.choices)
    quality_cost = forms.ChoiceField(label=_("Cost of quality"), choices=QualityCost.choices, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0)
    entry_date = forms.DateField(label=_("Date"), widget=DATE)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


class ReviewForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReviewKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    review_date = forms.DateField(label=_("Review date"), widget=DATE)
    checklist = forms.CharField(
        label=_("Checklist"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("One check per line."),
    )


class ConcludeForm(forms.Form):
    conclusion = forms.ChoiceField(
        label=_("Conclusion"), choices=[c for c in ReviewConclusion.choices if c[0]]
    )
    conclusion_notes = forms.CharField(
        label=_("Conditions or reasons"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    passed = forms.TypedMultipleChoiceField(label=_("Checks passed"), coerce=int, required=False, choices=[])

    def __init__(self, *args: Any, checklist: list[dict[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["passed"].choices = [(i, row.get("item", "")) for i, row in enumerate(checklist or [])]  # type: ignore[attr-defined]
        self.fields["passed"].widget = forms.CheckboxSelectMultiple(choices=self.fields["passed"].choices)  # type: ignore[attr-defined]


class FindingForm(PeopleMixin, forms.Form):
    person_fields = ("owner",)
    description = forms.CharField(label=_("Finding"), max_length=300)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due = forms.DateField(label=_("Due"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._people_fields()


class MeetingForm(PeopleMixin, forms.Form):
    person_fields = ("action_owner",)
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    action = forms.CharField(label=_("Action agreed"), max_length=300, required=False)
    action_owner = forms.ModelChoiceField(
        label=_("Action owner"), queryset=User.objects.none(), required=False
    )
    action_due = forms.DateField(label=_("Action due"), widget=DATE, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._people_fields()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") and not (data.get("action_owner") and data.get("action_due")):
            self.add_error("action_owner", _("An action needs an owner and a due date."))
        return data


class WorkLogForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), max_digits=5, decimal_places=2, min_value=0.25, max_value=24)
    note = forms.CharField(label=_("What was done"), max_length=500)


class CloseForm(VersionedActionForm):
    summary = forms.CharField(label=_("Project summary (项目总结)"), widget=forms.Textarea(attrs={"rows": 4}))
    lessons_learned = forms.CharField(
        label=_("Lessons learned"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    customer_satisfaction = forms.IntegerField(
        label=_("Customer satisfaction (1–5)"), min_value=1, max_value=5, required=False
    )


class PertDateForm(forms.Form):
    by = forms.DateField(label=_("Finish by"), widget=DATE, required=False)
