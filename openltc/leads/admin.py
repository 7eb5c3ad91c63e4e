"""Admin screens for the lead phase's configuration. Leads themselves are read-only here: their
lifecycle runs through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from openltc.core.admin import AuditedModelAdmin
from openltc.leads.models import (
    DistributionRule,
    InboundLeadMail,
    Lead,
    LeadScoringRule,
    LeadSettings,
    NurturingCriterion,
    RepCapacity,
)


@admin.register(LeadScoringRule)
class LeadScoringRuleAdmin(AuditedModelAdmin):
    list_display = ("order", "factor", "value", "points", "is_active")
    list_display_links = ("factor",)
    list_editable = ("order", "points", "is_active")
    list_filter = ("factor", "is_active")


@admin.register(DistributionRule)
class DistributionRuleAdmin(AuditedModelAdmin):
    list_display = ("order", "name", "kind", "scope_unit", "first_contact_sla_hours", "is_active")
    list_display_links = ("name",)
    list_editable = ("order", "is_active")
    list_filter = ("kind", "is_active")
    filter_horizontal = ("markets", "countries", "product_lines", "candidates")


@admin.register(RepCapacity)
class RepCapacityAdmin(AuditedModelAdmin):
    list_display = ("user", "capacity", "is_available", "last_assigned_at")
    list_editable = ("capacity", "is_available")
    filter_horizontal = ("skills",)
    autocomplete_fields = ("user",)
    readonly_fields = ("last_assigned_at",)


@admin.register(NurturingCriterion)
class NurturingCriterionAdmin(AuditedModelAdmin):
    list_display = ("order", "code", "text_en", "text_zh", "is_active")
    list_display_links = ("code",)
    list_editable = ("order", "is_active")


@admin.register(LeadSettings)
class LeadSettingsAdmin(AuditedModelAdmin):
    list_display = (
        "__str__",
        "first_contact_sla_hours",
        "stale_after_days",
        "inbound_mail_org_unit",
        "distribute_inbound_mail",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not LeadSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "owner", "org_unit", "maturity", "score", "created_at")
    list_filter = ("status", "maturity", "source")
    search_fields = ("title", "company_name", "contact_name", "contact_email")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboundLeadMail)
class InboundLeadMailAdmin(admin.ModelAdmin):
    """The messages sent to the lead address and what became of them; failed ones say why."""

    list_display = ("created_at", "subject", "sender", "channel", "status", "lead")
    list_filter = ("status", "channel")
    search_fields = ("subject", "sender", "message_id")
    readonly_fields = ("message_id", "channel", "sender", "subject", "status", "error", "lead")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
