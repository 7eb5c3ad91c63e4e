"""Admin for the decision engine's configuration: bodies, the delegation matrix, gate settings,
material requirements, exchange rates and deputies. Cases and decisions are read-only here: they
change only through the services (separation of duties is enforced there)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from openltc.core.admin import AuditedModelAdmin
from openltc.decisions.models import (
    Decision,
    DecisionBody,
    DecisionCase,
    DelegationRule,
    Deputy,
    ExchangeRate,
    GateRequirement,
    GateSetting,
)


@admin.register(DecisionBody)
class DecisionBodyAdmin(AuditedModelAdmin):
    list_display = ["name", "level", "org_unit", "quorum_rule", "min_votes", "is_active"]
    list_filter = ["level", "quorum_rule", "is_active"]
    search_fields = ["name", "org_unit__name", "org_unit__code"]
    autocomplete_fields = ["org_unit"]


@admin.register(DelegationRule)
class DelegationRuleAdmin(AuditedModelAdmin):
    list_display = [
        "gate",
        "order",
        "grade",
        "amount_min",
        "amount_max",
        "margin_min",
        "margin_max",
        "payment_risk",
        "org_unit",
        "level",
        "is_active",
        "note",
    ]
    list_editable = ["order", "level", "is_active"]
    list_filter = ["gate", "level", "grade", "is_active"]
    ordering = ["gate", "order"]
    autocomplete_fields = ["org_unit"]


@admin.register(GateSetting)
class GateSettingAdmin(AuditedModelAdmin):
    list_display = ["gate", "sla_days", "review_type", "required_reviews"]
    list_editable = ["sla_days", "review_type"]


@admin.register(GateRequirement)
class GateRequirementAdmin(AuditedModelAdmin):
    list_display = ["gate", "grade", "order", "label", "is_required", "needs_attachment", "is_active"]
    list_editable = ["order", "is_required", "needs_attachment", "is_active"]
    list_filter = ["gate", "grade", "is_required", "is_active"]
    search_fields = ["label"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(AuditedModelAdmin):
    list_display = ["currency", "rate", "updated_at"]


@admin.register(Deputy)
class DeputyAdmin(AuditedModelAdmin):
    list_display = ["principal", "deputy", "valid_from", "valid_until", "reason", "revoked_at"]
    list_filter = ["valid_from"]
    search_fields = ["principal__username", "deputy__username", "reason"]
    autocomplete_fields = ["principal", "deputy"]
    readonly_fields = ["appointed_by", "revoked_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.appointed_by = request.user
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DecisionCase)
class DecisionCaseAdmin(ReadOnlyAdmin):
    list_display = ["title", "gate", "status", "outcome", "routed_level", "submitted_by", "submitted_at"]
    list_filter = ["gate", "status", "outcome", "routed_level"]
    search_fields = ["title", "subject_repr"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["case", "outcome", "decided_by", "on_behalf_of", "decided_at"]
    list_filter = ["outcome"]
