from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from openltc.core.admin import AuditedModelAdmin
from openltc.opportunities.models import (
    EvaluationCriterion,
    GradeSetting,
    Opportunity,
    OpportunityTeamMember,
    ScoringBand,
    ScoringFactor,
    StageSetting,
)


@admin.register(StageSetting)
class StageSettingAdmin(AuditedModelAdmin):
    """Stage figures are configuration: editable here, one row per stage (created by migration)."""

    list_display = [
        "stage",
        "order",
        "default_probability",
        "default_forecast_category",
        "probability_band",
        "norm_days",
        "is_open",
    ]
    list_editable = [
        "order",
        "default_probability",
        "default_forecast_category",
        "probability_band",
        "norm_days",
    ]
    readonly_fields = ["stage", "is_open"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TeamMemberInline(admin.TabularInline):
    model = OpportunityTeamMember
    extra = 0
    readonly_fields = ["user", "role", "joined_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    """Read-only: the stage is guarded by the workflow and its decision gates, so opportunities
    change only through the services (pages and API), never here."""

    list_display = ["number", "title", "customer", "stage", "amount", "currency", "owner", "org_unit"]
    list_filter = ["stage", "forecast_category", "org_unit"]
    search_fields = ["number", "title", "customer__name"]
    list_select_related = ["customer", "owner", "org_unit"]
    inlines = [TeamMemberInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScoringBandInline(admin.TabularInline):
    model = ScoringBand
    extra = 0
    fields = ["match", "min_value", "points", "min_grade"]


@admin.register(ScoringFactor)
class ScoringFactorAdmin(AuditedModelAdmin):
    """Weights and bands of the grading, success-probability and payment-ability factors
    (created by migration; the assessments read only the rows here)."""

    list_display = ["code", "kind", "weight", "order", "is_active"]
    list_editable = ["weight", "order", "is_active"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["kind"]
    inlines = [ScoringBandInline]


@admin.register(GradeSetting)
class GradeSettingAdmin(AuditedModelAdmin):
    """Grade thresholds, required team roles and review depth per grade."""

    list_display = ["grade", "min_score", "review_depth", "required_roles", "reviews_by_gate"]
    list_editable = ["min_score", "review_depth"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EvaluationCriterion)
class EvaluationCriterionAdmin(AuditedModelAdmin):
    """The ten evaluation criteria and their weights."""

    list_display = ["code", "name", "group", "weight", "order", "is_active"]
    list_editable = ["weight", "order", "is_active"]
