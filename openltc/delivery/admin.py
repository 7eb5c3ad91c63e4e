from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from openltc.core.admin import AuditedModelAdmin
from openltc.delivery.models import DeliveryProject, DeliverySetting, EvidenceFileType


@admin.register(EvidenceFileType)
class EvidenceFileTypeAdmin(AuditedModelAdmin):
    """Which file types are accepted as customer-acceptance evidence: configuration."""

    list_display = ["extension", "is_active"]
    list_editable = ["is_active"]


@admin.register(DeliverySetting)
class DeliverySettingAdmin(AuditedModelAdmin):
    """Delivery numbers (Delphi convergence threshold, ...): configuration."""

    list_display = ["key", "value", "description"]
    list_editable = ["value"]


@admin.register(DeliveryProject)
class DeliveryProjectAdmin(admin.ModelAdmin):
    """Read-only: projects change only through the services (pages and API)."""

    list_display = ["number", "name", "contract", "status", "fr", "org_unit"]
    list_filter = ["status", "org_unit"]
    search_fields = ["number", "name", "contract__number"]
    list_select_related = ["contract", "fr", "org_unit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
